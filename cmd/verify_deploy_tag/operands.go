package main

import (
	"errors"
	"fmt"

	"github.com/deploytag/deploytag/pkg/names"
)

// tagOperand is verify_deploy_tag's TAG from its operands: at most one,
// in the tag grammar, and left out ("") only when a live release is
// checked (withRelease), whose tag it then is. An error says what is
// wrong with the command line (the caller makes it a usage error).
func tagOperand(operands []string, withRelease bool) (string, error) {
	switch {
	case len(operands) > 1:
		return "", fmt.Errorf("want at most one TAG, got %d operands", len(operands))
	case len(operands) == 0 && !withRelease:
		return "", errors.New("want a TAG (it may be left out only with --environment or --root)")
	case len(operands) == 0:
		return "", nil
	}
	return operands[0], names.ValidTagName(operands[0])
}

package main

import (
	"fmt"

	"github.com/deploytag/deploytag/pkg/checkout"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
)

// checkOperands checks what checkout_deploy_tag's command line sets in o,
// the way checkout.Run expects it: the tag in the tag grammar, the URL
// template (when templateSet: an empty one given is refused too), the
// REPO operands (Sources) in the repo name grammar, and MaxRepos at least
// 1. An error says what is wrong with the command line (the caller makes it
// a usage error).
func checkOperands(o checkout.Options, templateSet bool) error {
	if err := names.ValidTagName(o.Tag); err != nil {
		return err
	}
	if templateSet {
		if err := checkout.ValidURLTemplate(o.URLTemplate); err != nil {
			return err
		}
	}
	for _, n := range o.Sources {
		if err := manifest.ValidName(n); err != nil {
			return fmt.Errorf("REPO operand: %w", err)
		}
	}
	if len(o.Sources) > 0 && templateSet && o.URLTemplate == "" {
		return fmt.Errorf("REPO operands need --url-template")
	}
	if o.MaxRepos < 1 {
		return fmt.Errorf("--max-repos must be at least 1, not %d", o.MaxRepos)
	}
	return nil
}

//go:build !linux

package release

import "errors"

func exchange(a, b string) error { return errors.ErrUnsupported }

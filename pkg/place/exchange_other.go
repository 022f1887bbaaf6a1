//go:build !linux

package place

import "errors"

func exchange(a, b string) error { return errors.ErrUnsupported }

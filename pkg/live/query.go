package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Query is what show_deploy_tag is asked on its command line: a release
// by PATH (Paths, at most one) or by root (Environment, Roots), or with
// All every environment (pkg/dashboard); printed as text or JSON, or
// served.
type Query struct {
	Paths       []string // the PATH operands
	Roots       []string // each --root
	Environment string   // --environment, checked
	All         bool     // --all
	JSON        bool     // --json
	Serve       bool     // --serve given
	Addr        string   // its address, completed by Check (ServeAddr)
}

// Check applies the rules of the command line and completes Addr; an
// error says what is wrong with the command line (the caller makes it a
// usage error).
func (q *Query) Check() error {
	switch {
	case q.All && len(q.Paths) > 0:
		return errors.New("--all takes no PATH")
	case q.All && q.Environment != "":
		return errors.New("give --all or --environment, not both")
	case !q.All && len(q.Roots) > 1:
		return fmt.Errorf("--root given %d times: only --all serves several roots", len(q.Roots))
	case len(q.Paths) > 1:
		return errors.New("too many operands: want at most one PATH")
	case len(q.Paths) == 1 && (q.Environment != "" || q.Root() != ""):
		return errors.New("give PATH or --environment/--root, not both")
	case q.Serve && q.JSON:
		return errors.New("give --serve or --json, not both")
	case !q.Serve:
		return nil
	}
	var err error
	q.Addr, err = ServeAddr(q.Addr)
	return err
}

// Root is the one --root of a query for one release, or "".
func (q Query) Root() string {
	if len(q.Roots) == 1 {
		return q.Roots[0]
	}
	return ""
}

// Path is the PATH operand, else "." (the folder walked up from when no
// root is given either).
func (q Query) Path() string {
	if len(q.Paths) == 1 {
		return q.Paths[0]
	}
	return "."
}

// Shown is what show_deploy_tag shows: the record it prints with --json
// and the text it prints without, or, with --serve, the handler it serves.
type Shown struct {
	Record  any
	Text    string
	Handler http.Handler
}

// Show is the one release of q, read from o.Source: to serve (NewHandler,
// first warning through warnf when the release cannot be read yet: it is
// served anyway, 503 until a deploy), or read (and enriched) now, to
// print.
func (q Query) Show(ctx context.Context, o HandlerOptions, warnf func(format string, args ...any)) (Shown, error) {
	if q.Serve {
		if _, err := o.Source.Load(); err != nil {
			warnf("%v; serving anyway (503 until a deploy)", err)
		}
		return Shown{Handler: NewHandler(o)}, nil
	}
	info, err := o.Load(ctx)
	if err != nil {
		return Shown{}, err
	}
	return Shown{Record: info, Text: info.Tag + "\n"}, nil
}

package config

import (
	"fmt"
	"sort"
	"strings"
)

// LookupEnvironment returns the table for name. When the file defines no
// environment at all, any name takes every default (docs/design.md: an
// environment needs no configuration). When it defines some, a name that
// is not among them is an error naming the file, which catches typos such
// as "prodution" before anything is deployed.
func (c *Config) LookupEnvironment(name string) (Environment, error) {
	if len(c.Environments) == 0 {
		return Environment{}, nil
	}
	e, ok := c.Environments[name]
	if !ok {
		names := make([]string, 0, len(c.Environments))
		for n := range c.Environments {
			names = append(names, n)
		}
		sort.Strings(names)
		return Environment{}, fmt.Errorf("unknown environment %q: the config defines %s (%s)", name, strings.Join(names, ", "), c.File)
	}
	return e, nil
}

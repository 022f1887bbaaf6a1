package e2e

// The scripts drive binaries built by scripttest.Main, which go test does
// not see as inputs; importing the packages the binaries are made of keeps
// a cached pass from outliving a change to them.
import (
	_ "github.com/deploytag/deploytag/internal/cmdline"
	_ "github.com/deploytag/deploytag/pkg/checkout"
	_ "github.com/deploytag/deploytag/pkg/deploy"
	_ "github.com/deploytag/deploytag/pkg/live"
	_ "github.com/deploytag/deploytag/pkg/push"
	_ "github.com/deploytag/deploytag/pkg/tags"
	_ "github.com/deploytag/deploytag/pkg/verify"
)

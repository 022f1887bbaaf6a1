package main

import _ "embed"

// source is main.go, whose package doc comment is the man page: --help
// shows its usage forms, exit statuses and examples (cmdline.Main).
//
//go:embed main.go
var source string

package gitprocs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/gitprocs"
	"github.com/deploytag/deploytag/internal/scripttest"
)

func TestMain(m *testing.M) {
	touchSources()
	os.Exit(scripttest.Main(m))
}

// touchSources stats every Go file of the module, so that go test's cache,
// which records the files a test looks at, reruns these scripts when any
// source of the binaries they drive changes.
func touchSources() {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		return
	}
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			_, _ = os.Stat(p)
		}
		return nil
	})
}

// TestScript runs testdata/script/procs_*.txtar: for each tool, the exact
// git processes it starts in every repo, so a change that adds one per repo
// fails here.
func TestScript(t *testing.T) {
	p := scripttest.Params("testdata/script")
	p.Cmds["gitwrap"] = gitwrap
	p.Cmds["gitprocs"] = gitprocsCmd
	scripttest.Run(t, p)
}

func gitwrap(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: gitwrap")
	}
	real, err := gitprocs.RealGit(ts.Getenv("PATH"))
	ts.Check(err)
	dir := ts.MkAbs("gitwrap-bin")
	ts.Check(gitprocs.Install(dir, real))
	log := ts.MkAbs("gitprocs.log")
	ts.Check(os.WriteFile(log, nil, 0o644))
	ts.Setenv(gitprocs.LogVar, log)
	ts.Setenv("PATH", dir+string(os.PathListSeparator)+ts.Getenv("PATH"))
}

// gitprocs BASE SUB... [+ REPO SUB...]... [-- SUB...]
func gitprocsCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: gitprocs BASE SUB... [+ REPO SUB...]... [-- SUB...]")
	}
	// Sections: "" (every repo), "+REPO" (that repo, on top), "--" (outside).
	want := map[string][]string{}
	key := ""
	for i := 1; i < len(args); i++ {
		switch args[i] {
		case "--":
			key = "--"
		case "+":
			if i+1 >= len(args) {
				ts.Fatalf("gitprocs: + needs a repo name")
			}
			i++
			key = "+" + args[i]
		default:
			want[key] = append(want[key], args[i])
		}
	}
	each, other := want[""], want["--"]

	logFile := ts.Getenv(gitprocs.LogVar)
	if logFile == "" {
		ts.Fatalf("gitprocs: run gitwrap first")
	}
	b, err := os.ReadFile(logFile)
	ts.Check(err)
	calls, err := gitprocs.Parse(b)
	ts.Check(err)
	repos, rest, err := gitprocs.PerRepo(calls, ts.MkAbs(args[0]))
	ts.Check(err)
	if len(repos) == 0 {
		ts.Fatalf("gitprocs: no repos in %s", args[0])
	}
	var bad []string
	check := func(where string, got []gitprocs.Call, want []string) {
		w := slices.Clone(want)
		slices.Sort(w)
		if g := gitprocs.Subs(got); !slices.Equal(g, w) {
			var argv []string
			for _, c := range got {
				argv = append(argv, "git "+strings.Join(c.Args, " "))
			}
			bad = append(bad, where+": got ["+strings.Join(g, " ")+"], want ["+strings.Join(w, " ")+"]\n\t"+strings.Join(argv, "\n\t"))
		}
	}
	names := make([]string, 0, len(repos))
	for name := range repos {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		check("repo "+name, repos[name], append(slices.Clone(each), want["+"+name]...))
	}
	for k := range want {
		if name, ok := strings.CutPrefix(k, "+"); ok {
			if _, ok := repos[name]; !ok {
				ts.Fatalf("gitprocs: %s is not a repo of %s", name, args[0])
			}
		}
	}
	check("outside the repos", rest, other)
	if len(bad) > 0 {
		ts.Fatalf("git processes:\n%s", strings.Join(bad, "\n"))
	}
	ts.Logf("%d repos, each: [%s]; outside: [%s]", len(repos), strings.Join(each, " "), strings.Join(other, " "))
	ts.Check(os.WriteFile(logFile, nil, 0o644))
}

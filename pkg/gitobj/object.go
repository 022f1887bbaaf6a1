package gitobj

import (
	"bytes"
	"fmt"
	"strings"
)

// Header is one header of a commit or tag object. A value spanning
// several lines (a signature) has its continuation lines joined with "\n",
// each without the leading space git writes.
type Header struct {
	Key, Value string
}

// Signature kinds, by the armour line that opens the block.
const (
	SigOpenPGP = "openpgp"
	SigSSH     = "ssh"
	SigX509    = "x509"
)

var sigStarts = []struct{ line, kind string }{
	{"-----BEGIN PGP SIGNATURE-----", SigOpenPGP},
	{"-----BEGIN PGP MESSAGE-----", SigOpenPGP},
	{"-----BEGIN SSH SIGNATURE-----", SigSSH},
	{"-----BEGIN SIGNED MESSAGE-----", SigX509},
}

// SignatureKind names the kind of an armoured signature block ("" if the
// block opens with no armour line git knows).
func SignatureKind(block []byte) string {
	for _, s := range sigStarts {
		if bytes.HasPrefix(block, []byte(s.line)) {
			return s.kind
		}
	}
	return ""
}

// Tag is a parsed annotated tag object.
type Tag struct {
	Object  string // the hash of the object tagged
	Type    string // its type
	Name    string // the tag's name ("tag" header)
	Tagger  string // "" when the tag has none
	Headers []Header
	// Message is the message without the signature.
	Message string
	// Signature is the armoured signature block that ends the object, nil
	// when unsigned; Payload is what it signs: the object's bytes before
	// it.
	Signature []byte
	Payload   []byte
}

// Commit is a parsed commit object.
type Commit struct {
	Tree      string
	Parents   []string
	Author    string
	Committer string
	Headers   []Header
	Message   string
	// Signature is the value of the format's signature header ("gpgsig"
	// for SHA-1, "gpgsig-sha256" for SHA-256), nil when unsigned; Payload
	// is the object without any signature header, what git verifies.
	Signature []byte
	Payload   []byte
}

// parseHeaders splits a raw commit or tag object into its headers and the
// message after the first empty line. spans[i] is the byte range of
// headers[i] in raw, continuation lines included.
func parseHeaders(raw []byte, what string) (hs []Header, spans [][2]int, msg []byte, err error) {
	pos := 0
	for {
		if pos >= len(raw) {
			// An object with no message and no empty line is valid.
			return hs, spans, nil, nil
		}
		line, _, ok := cutLine(raw[pos:])
		end := pos + len(line) + 1
		if !ok {
			end = len(raw)
		}
		switch {
		case len(line) == 0:
			return hs, spans, raw[end:], nil
		case line[0] == ' ':
			if len(hs) == 0 {
				return nil, nil, nil, fmt.Errorf("malformed %s object: continuation line before any header", what)
			}
			hs[len(hs)-1].Value += "\n" + string(line[1:])
			spans[len(spans)-1][1] = end
		default:
			k, v, found := strings.Cut(string(line), " ")
			if !found || k == "" {
				return nil, nil, nil, fmt.Errorf("malformed %s object: header line %q", what, clip(string(line)))
			}
			hs = append(hs, Header{Key: k, Value: v})
			spans = append(spans, [2]int{pos, end})
		}
		if !ok {
			return hs, spans, nil, nil
		}
		pos = end
	}
}

// ParseTag parses the raw bytes of an annotated tag object (as "git
// cat-file tag" prints them), checking the object hash against f.
func ParseTag(f Format, raw []byte) (*Tag, error) {
	hs, _, msg, err := parseHeaders(raw, "tag")
	if err != nil {
		return nil, err
	}
	t := &Tag{Headers: hs}
	// git requires object, type and tag, in this order, tagger optional.
	want := []string{"object", "type", "tag"}
	if len(hs) < 3 {
		return nil, fmt.Errorf("malformed tag object: want headers object, type, tag")
	}
	for i, k := range want {
		if hs[i].Key != k {
			return nil, fmt.Errorf("malformed tag object: header %d is %q, want %q", i+1, hs[i].Key, k)
		}
	}
	t.Object, t.Type, t.Name = hs[0].Value, hs[1].Value, hs[2].Value
	if err := f.ValidHash(t.Object); err != nil {
		return nil, fmt.Errorf("malformed tag object: object: %w", err)
	}
	switch t.Type {
	case TypeBlob, TypeTree, TypeCommit, TypeTag:
	default:
		return nil, fmt.Errorf("malformed tag object: type %q", clip(t.Type))
	}
	if t.Name == "" {
		return nil, fmt.Errorf("malformed tag object: empty tag name")
	}
	for _, h := range hs[3:] {
		if h.Key == "tagger" {
			t.Tagger = h.Value
			break
		}
	}
	// The signature begins at the last line that opens an armour block
	// git knows, as git itself splits a signed tag.
	cut := len(raw)
	for pos := 0; pos < len(raw); {
		if SignatureKind(raw[pos:]) != "" {
			cut = pos
		}
		i := bytes.IndexByte(raw[pos:], '\n')
		if i < 0 {
			break
		}
		pos += i + 1
	}
	if cut < len(raw) {
		t.Signature = raw[cut:]
	}
	t.Payload = raw[:cut]
	msgStart := len(raw) - len(msg)
	if cut >= msgStart {
		t.Message = string(raw[msgStart:cut])
	} else {
		// A signature line inside the headers: no message of ours.
		t.Message = ""
	}
	return t, nil
}

// ParseCommit parses the raw bytes of a commit object (as "git cat-file
// commit" prints them), checking hashes against f.
func ParseCommit(f Format, raw []byte) (*Commit, error) {
	hs, spans, msg, err := parseHeaders(raw, "commit")
	if err != nil {
		return nil, err
	}
	c := &Commit{Headers: hs, Message: string(msg)}
	if len(hs) == 0 || hs[0].Key != "tree" {
		return nil, fmt.Errorf("malformed commit object: first header is not tree")
	}
	c.Tree = hs[0].Value
	if err := f.ValidHash(c.Tree); err != nil {
		return nil, fmt.Errorf("malformed commit object: tree: %w", err)
	}
	sigKey := "gpgsig"
	if f == SHA256 {
		sigKey = "gpgsig-sha256"
	}
	var payload []byte
	last := 0
	for i, h := range hs[1:] {
		switch h.Key {
		case "tree":
			return nil, fmt.Errorf("malformed commit object: tree twice")
		case "parent":
			if err := f.ValidHash(h.Value); err != nil {
				return nil, fmt.Errorf("malformed commit object: parent: %w", err)
			}
			c.Parents = append(c.Parents, h.Value)
		case "author":
			c.Author = h.Value
		case "committer":
			c.Committer = h.Value
		}
		if h.Key == sigKey {
			c.Signature = []byte(h.Value + "\n")
		}
		if h.Key == "gpgsig" || strings.HasPrefix(h.Key, "gpgsig-") {
			sp := spans[i+1]
			payload = append(payload, raw[last:sp[0]]...)
			last = sp[1]
		}
	}
	c.Payload = append(payload, raw[last:]...)
	return c, nil
}

package gitattr

import "bytes"

// wildmatch is git's wildmatch() (wildmatch.c): shell-style matching of
// text against pattern with ?, *, ** and [...] classes, byte by byte. With
// pathname ('/'-aware, git's WM_PATHNAME) '*' and '?' do not match '/',
// and "**/" matches any number of folders. No case folding: a tree's
// attributes are read as on a case-sensitive system. Like the C original,
// each string ends at its first NUL byte.
func wildmatch(pattern, text []byte, pathname bool) bool {
	return dowild(cstr(pattern), cstr(text), pathname) == wmMatch
}

const (
	wmMatch = iota
	wmNoMatch
	wmAbortAll
	wmAbortToStarStar
)

// cstr is s up to its first NUL, as C sees it.
func cstr(s []byte) []byte {
	if i := bytes.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// at is s[i], or 0 past its end (the C string's terminator).
func at(s []byte, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func dowild(p, text []byte, pathname bool) int {
	pi, ti := 0, 0
	for ; at(p, pi) != 0; ti, pi = ti+1, pi+1 {
		pCh := p[pi]
		tCh := at(text, ti)
		if tCh == 0 && pCh != '*' {
			return wmAbortAll
		}
		switch pCh {
		case '\\':
			// Literal match with the next character (none: no match).
			pi++
			pCh = at(p, pi)
			if tCh != pCh {
				return wmNoMatch
			}
			continue
		case '?':
			if pathname && tCh == '/' {
				return wmNoMatch
			}
			continue
		case '*':
			var matchSlash bool
			pi++
			if at(p, pi) == '*' {
				prev := pi - 2
				for pi++; at(p, pi) == '*'; pi++ {
				}
				switch {
				case !pathname:
					matchSlash = true
				case (prev < 0 || p[prev] == '/') &&
					(at(p, pi) == 0 || at(p, pi) == '/' || (at(p, pi) == '\\' && at(p, pi+1) == '/')):
					// "**/" matches nothing: try the rest here first.
					if at(p, pi) == '/' && dowild(p[pi+1:], text[ti:], pathname) == wmMatch {
						return wmMatch
					}
					matchSlash = true
				default:
					matchSlash = false
				}
			} else {
				matchSlash = !pathname
			}
			if at(p, pi) == 0 {
				// A trailing "**" matches everything, a trailing "*"
				// only if no slash follows.
				if !matchSlash && bytes.IndexByte(text[ti:], '/') >= 0 {
					return wmNoMatch
				}
				return wmMatch
			} else if !matchSlash && at(p, pi) == '/' {
				// One "*" then a slash matches up to the next folder.
				s := bytes.IndexByte(text[ti:], '/')
				if s < 0 {
					return wmNoMatch
				}
				ti += s
				// the slash is consumed by the loop
				break
			}
			for {
				if tCh == 0 {
					break
				}
				// A literal after the star: skip to where it occurs.
				if !isGlobSpecial(at(p, pi)) {
					pCh = at(p, pi)
					for {
						tCh = at(text, ti)
						if tCh == 0 || (!matchSlash && tCh == '/') || tCh == pCh {
							break
						}
						ti++
					}
					if tCh != pCh {
						return wmNoMatch
					}
				}
				if m := dowild(p[pi:], text[ti:], pathname); m != wmNoMatch {
					if !matchSlash || m != wmAbortToStarStar {
						return m
					}
				} else if !matchSlash && tCh == '/' {
					return wmAbortToStarStar
				}
				ti++
				tCh = at(text, ti)
			}
			return wmAbortAll
		case '[':
			pi++
			pCh = at(p, pi)
			if pCh == '^' {
				pCh = '!'
			}
			negated := pCh == '!'
			if negated {
				pi++
				pCh = at(p, pi)
			}
			var prevCh byte
			matched := false
			for {
				if pCh == 0 {
					return wmAbortAll
				}
				switch {
				case pCh == '\\':
					pi++
					pCh = at(p, pi)
					if pCh == 0 {
						return wmAbortAll
					}
					if tCh == pCh {
						matched = true
					}
				case pCh == '-' && prevCh != 0 && at(p, pi+1) != 0 && at(p, pi+1) != ']':
					pi++
					pCh = at(p, pi)
					if pCh == '\\' {
						pi++
						pCh = at(p, pi)
						if pCh == 0 {
							return wmAbortAll
						}
					}
					if tCh <= pCh && tCh >= prevCh {
						matched = true
					}
					pCh = 0 // so that prevCh becomes 0
				case pCh == '[' && at(p, pi+1) == ':':
					pi += 2
					s := pi
					for at(p, pi) != 0 && at(p, pi) != ']' {
						pi++
					}
					if at(p, pi) == 0 {
						return wmAbortAll
					}
					n := pi - s - 1
					if n < 0 || p[pi-1] != ':' {
						// no ":]": a plain '[' in the set
						pi = s - 2
						pCh = '['
						if tCh == pCh {
							matched = true
						}
						break
					}
					in, ok := charClass(string(p[s:s+n]), tCh)
					if !ok {
						return wmAbortAll // malformed [:class:]
					}
					if in {
						matched = true
					}
					pCh = 0
				default:
					if tCh == pCh {
						matched = true
					}
				}
				prevCh = pCh
				pi++
				pCh = at(p, pi)
				if pCh == ']' {
					break
				}
			}
			if matched == negated || (pathname && tCh == '/') {
				return wmNoMatch
			}
			continue
		default:
			if tCh != pCh {
				return wmNoMatch
			}
			continue
		}
	}
	if ti < len(text) {
		return wmNoMatch
	}
	return wmMatch
}

// isGlobSpecial is git's is_glob_special: * ? [ and \.
func isGlobSpecial(c byte) bool { return c == '*' || c == '?' || c == '[' || c == '\\' }

// charClass reports whether c is in the POSIX class name, as git's
// ctype (ASCII only) has it, and whether the class is known.
func charClass(name string, c byte) (in, ok bool) {
	lower := c >= 'a' && c <= 'z'
	upper := c >= 'A' && c <= 'Z'
	digit := c >= '0' && c <= '9'
	switch name {
	case "alnum":
		return lower || upper || digit, true
	case "alpha":
		return lower || upper, true
	case "blank":
		return c == ' ' || c == '\t', true
	case "cntrl":
		return c < 0x20 || c == 0x7f, true
	case "digit":
		return digit, true
	case "graph":
		return c > 0x20 && c < 0x7f, true
	case "lower":
		return lower, true
	case "print":
		return c >= 0x20 && c <= 0x7e, true
	case "punct":
		return c > 0x20 && c < 0x7f && !lower && !upper && !digit, true
	case "space":
		return c == ' ' || c == '\t' || c == '\n' || c == '\r', true
	case "upper":
		return upper, true
	case "xdigit":
		return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'), true
	}
	return false, false
}

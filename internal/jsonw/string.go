// Package jsonw writes JSON by hand, byte for byte as encoding/json does,
// for the panels' hand-written encoders of their hottest answers (issue
// 14): what they share is how a string is written.
package jsonw

import "unicode/utf8"

// plainASCII marks the ASCII bytes a JSON string holds as they are, by
// whether HTML escaping is off (0) or on (1): never control bytes, '"' or
// '\\'; with HTML escaping, not '<', '>' or '&' either.
var plainASCII = func() (plain [2][utf8.RuneSelf]bool) {
	for c := byte(0x20); c < utf8.RuneSelf; c++ {
		ok := c != '"' && c != '\\'
		plain[0][c] = ok
		plain[1][c] = ok && c != '<' && c != '>' && c != '&'
	}
	return plain
}()

// AppendString writes s as a JSON string exactly as encoding/json does,
// its SetEscapeHTML setting given by escapeHTML (json.Marshal's default,
// and echo's, is on): control bytes as \b \f \n \r \t or \u00XX, each
// invalid UTF-8 byte as \ufffd, U+2028 and U+2029 always escaped, and with
// escapeHTML <, > and & as \u003c....
func AppendString(b []byte, s string, escapeHTML bool) []byte {
	const hex = "0123456789abcdef"
	plain := &plainASCII[0]
	if escapeHTML {
		plain = &plainASCII[1]
	}
	b = append(b, '"')
	i := safePrefix(s)
	if i == len(s) {
		b = append(b, s...)
		return append(b, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if plain[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Eight-byte masks for safeWord: each byte of lanes set to 0x01, 0x80.
const (
	lanes01 = 0x0101010101010101
	lanes80 = 0x8080808080808080
)

// safePrefix is how many bytes s starts with that are plain ASCII with
// HTML escaping on (so plain either way), tested eight at a time: a list's
// strings are tens of kilobytes, nearly all plain, and the byte-at-a-time
// table walk was a fifth of a DCI server list's time. A byte is not plain
// when its high bit is set (UTF-8, left to the byte loop), below 0x20, or
// one of " & (0x22 0x26, equal once bit 2 is set), < > (0x3c 0x3e, equal
// once bit 1 is set) or \ (0x5c). With HTML escaping off, the byte loop
// takes < > & as they are.
func safePrefix(s string) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8] // one bounds check, then a single 8-byte load
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		if !safeWord(x) {
			break
		}
	}
	for ; i < len(s) && s[i] < utf8.RuneSelf && plainASCII[1][s[i]]; i++ {
	}
	return i
}

// safeWord reports whether the eight bytes of x are all plain ASCII with
// HTML escaping on.
func safeWord(x uint64) bool {
	bad := x | hasLess(x, 0x20) | hasZero((x|0x04*lanes01)^(0x26*lanes01)) |
		hasZero((x|0x02*lanes01)^(0x3e*lanes01)) | hasZero(x^(0x5c*lanes01))
	return bad&lanes80 == 0
}

// hasZero has a byte's high bit set if x has a zero byte (and only then
// anything at all: borrows make false marks only above a true zero).
func hasZero(x uint64) uint64 { return (x - lanes01) & ^x & lanes80 }

// hasLess is hasZero for bytes below n (n <= 0x80).
func hasLess(x uint64, n uint64) uint64 { return (x - n*lanes01) & ^x & lanes80 }

// Space says b is only JSON whitespace (space, tab, newline, carriage
// return), as between a JSON text's tokens.
func Space(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

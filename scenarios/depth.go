package scenarios

import "strconv"

// MaxDepth bounds how deeply a scenario may nest flow collections ([...],
// {...}) and MaxIndent how far a line may be indented (block nesting).
// The YAML parser's cost grows faster than the input's with depth: 16000
// nested brackets (32 KB) took seconds, 100000 minutes of a whole CPU.
// Real scenarios nest a handful of levels.
const (
	MaxDepth  = 64
	MaxIndent = 512
)

// checkDepth finds the line where a document is nested deeper than the
// bounds, before the parser sees it ("" when it is not). Brackets in
// quoted strings and comments do not count.
func checkDepth(data []byte) (line int, msg string) {
	depth, indent := 0, 0
	line = 1
	atLineStart := true
	var quote byte
	for i := 0; i < len(data); i++ {
		ch := data[i]
		if ch == '\n' {
			line, indent, atLineStart = line+1, 0, true
			if quote == '"' || quote == '\'' {
				continue
			}
			quote = 0 // a comment ends with its line
			continue
		}
		if atLineStart {
			if ch == ' ' {
				if indent++; indent > MaxIndent {
					return line, "indented more than " + strconv.Itoa(MaxIndent) + " columns"
				}
				continue
			}
			atLineStart = false
		}
		switch {
		case quote == '#':
		case quote != 0:
			if ch == '\\' && quote == '"' {
				i++
			} else if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\t'):
			quote = '#'
		case ch == '[' || ch == '{':
			if depth++; depth > MaxDepth {
				return line, "nested more than " + strconv.Itoa(MaxDepth) + " levels deep"
			}
		case ch == ']' || ch == '}':
			depth = max(depth-1, 0)
		}
	}
	return 0, ""
}

package main

// The documentation's code blocks, as the README test (readme_test.go)
// sees them. The convention is documented in CONTRIBUTING.md ("The README
// is a test"); keep the two in step.

import (
	"bufio"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// docBlock is one fenced code block of a Markdown file.
type docBlock struct {
	file      string // path relative to the repository root
	line      int    // line of the opening fence
	lang      string // the fence's info string, first word ("" for none)
	text      string // the block's content, without the fences
	directive string // the verb of the <!-- readme: ... --> line just above it ("" for none)
	arg       string // the rest of that line
}

func (b docBlock) where() string { return fmt.Sprintf("%s:%d", b.file, b.line) }

var directiveLine = regexp.MustCompile(`^<!--\s*readme:\s*(\S+)\s*(.*?)\s*-->$`)

// parseBlocks finds every fenced block (``` or ~~~) of a Markdown file and
// the readme directive, if any, on the last non-blank line before it.
func parseBlocks(file, markdown string) ([]docBlock, error) {
	var blocks []docBlock
	var cur *docBlock
	var fence, prev string
	var body []string
	sc := bufio.NewScanner(strings.NewReader(markdown))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if cur != nil {
			if strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, fence[:1]) == "" {
				cur.text = strings.Join(body, "\n")
				blocks = append(blocks, *cur)
				cur, body, prev = nil, nil, ""
				continue
			}
			body = append(body, line)
			continue
		}
		if f := fenceOf(trimmed); f != "" {
			b := docBlock{file: file, line: n}
			if info := strings.Fields(strings.TrimLeft(trimmed, f[:1])); len(info) > 0 {
				b.lang = info[0]
			}
			if m := directiveLine.FindStringSubmatch(prev); m != nil {
				b.directive, b.arg = m[1], m[2]
			}
			cur, fence = &b, f
			continue
		}
		if trimmed != "" {
			prev = trimmed
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: the code block never closes", cur.where())
	}
	return blocks, sc.Err()
}

// fenceOf returns the fence a line opens (``` or ~~~, or longer), or "".
func fenceOf(line string) string {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(strings.TrimLeft(line, c))
		if n >= 3 {
			return strings.Repeat(c, n)
		}
	}
	return ""
}

// shStep is one command of a shell block and the output the block shows
// for it.
type shStep struct {
	line    int    // line within the block, from 1
	command string // with its continuation lines and here-document
	want    string // the "# " lines right below it, without the "# "
	shown   bool   // whether any output is shown at all
	exit    int    // the exit code shown as a last line "[exit N]" (default 0)
}

var shownExit = regexp.MustCompile(`(?:^|\n)\[exit (\d+)\]$`)

// takeExit moves a shown "[exit N]" line from the output to the exit code.
func (s *shStep) takeExit() {
	if m := shownExit.FindStringSubmatchIndex(s.want); m != nil {
		s.exit, _ = strconv.Atoi(s.want[m[2]:m[3]])
		s.want = s.want[:m[0]]
	}
}

var heredoc = regexp.MustCompile(`<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?`)

// parseShell splits a shell block into commands. A line ending in a
// backslash continues on the next; a here-document runs to its end word.
// Comment lines directly below a command (no blank line between) are that
// command's output; any other comment line is prose.
func parseShell(text string) []shStep {
	lines := strings.Split(text, "\n")
	var steps []shStep
	var last *shStep // the command comment lines attach to, nil after a blank line
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			last = nil
		case strings.HasPrefix(trimmed, "#"):
			if last != nil {
				out := strings.TrimPrefix(strings.TrimPrefix(trimmed, "#"), " ")
				if last.shown {
					last.want += "\n"
				}
				last.want += out
				last.shown = true
			}
		default:
			step := shStep{line: i + 1}
			cmd := []string{line}
			for strings.HasSuffix(strings.TrimRight(cmd[len(cmd)-1], " \t"), `\`) && i+1 < len(lines) {
				i++
				cmd = append(cmd, lines[i])
			}
			if m := heredoc.FindStringSubmatch(strings.Join(cmd, "\n")); m != nil {
				for i+1 < len(lines) {
					i++
					cmd = append(cmd, lines[i])
					if strings.TrimSpace(lines[i]) == m[1] {
						break
					}
				}
			}
			step.command = strings.Join(cmd, "\n")
			steps = append(steps, step)
			last = &steps[len(steps)-1]
		}
	}
	for i := range steps {
		steps[i].takeExit()
	}
	return steps
}

// matchShown reports whether got is what the documentation shows: the
// same text, where each "…" in want stands for any run of characters (the
// values the documentation marks as varying). Trailing white space of
// lines and of the whole is ignored.
func matchShown(want, got string) bool {
	norm := func(s string) string {
		lines := strings.Split(strings.TrimRight(s, " \t\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t\r")
		}
		return strings.Join(lines, "\n")
	}
	parts := strings.Split(norm(want), "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(`^(?s:` + strings.Join(parts, `.*?`) + `)$`).MatchString(norm(got))
}

func TestParseShellAttachesOutputsAndProse(t *testing.T) {
	steps := parseShell(strings.Join([]string{
		"# prose at the top",
		"A=$(echo x) # a trailing comment is prose",
		"echo $A \\",
		"  y",
		"# x y",
		"#",
		"# z",
		"",
		"# prose after a blank line",
		"cat <<'EOF'",
		"# inside the here-document",
		"EOF",
		"# # inside the here-document",
		"false",
		"# [exit 1]",
	}, "\n"))
	want := []shStep{
		{line: 2, command: "A=$(echo x) # a trailing comment is prose"},
		{line: 3, command: "echo $A \\\n  y", want: "x y\n\nz", shown: true},
		{line: 10, command: "cat <<'EOF'\n# inside the here-document\nEOF", want: "# inside the here-document", shown: true},
		{line: 14, command: "false", exit: 1, shown: true},
	}
	if fmt.Sprint(steps) != fmt.Sprint(want) {
		t.Fatalf("got\n%+v\nwant\n%+v", steps, want)
	}
}

func TestMatchShownAllowsOnlyMarkedValues(t *testing.T) {
	for _, c := range []struct {
		want, got string
		ok        bool
	}{
		{`{"id":"…","n":1}`, `{"id":"abc","n":1}`, true},
		{`{"id":"…","n":1}`, `{"id":"abc","n":2}`, false},
		{`{"n":1}`, `{"n":1}` + "\n", true},
		{`{"n":1}`, `{"n":1,"extra":true}`, false},
		{"a\n…\nz", "a\nb\nc\nz", true},
		{`a.b`, `axb`, false},
	} {
		if got := matchShown(c.want, c.got); got != c.ok {
			t.Errorf("matchShown(%q, %q) = %v", c.want, c.got, got)
		}
	}
}

func TestParseBlocksReadsDirectives(t *testing.T) {
	md := "text\n\n<!-- readme: skip needs Docker -->\n```sh\ndocker ps\n```\n\n````yaml\nseed: 1\n````\n"
	blocks, err := parseBlocks("x.md", md)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].directive != "skip" || blocks[0].arg != "needs Docker" || blocks[0].text != "docker ps" ||
		blocks[1].directive != "" || blocks[1].lang != "yaml" || blocks[1].line != 8 {
		t.Fatalf("%+v", blocks)
	}
	if _, err := parseBlocks("x.md", "```sh\nopen"); err == nil {
		t.Fatal("an unclosed block was accepted")
	}
}

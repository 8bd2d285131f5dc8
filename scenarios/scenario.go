// Package scenarios reads panelsim scenario files: one YAML document with
// the seed, start time, clock, timings, fault rules and one block per panel.
// Decoding is strict: an unknown key, a wrong type or an invalid value is an
// error naming the file, the line and the key.
package scenarios

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	goccy "github.com/goccy/go-yaml"
	goccyparser "github.com/goccy/go-yaml/parser"
	"go.yaml.in/yaml/v3"

	"github.com/panelsim/panelsim/state"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML is the embedded default scenario the binary serves with no flags.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// DefaultStart is the scenario start when a scenario names none.
var DefaultStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// DefaultSeed is the seed when a scenario names none.
const DefaultSeed = 1

// Scenario is a parsed scenario file. Panel blocks stay raw until the panel
// decodes its own with DecodeBlock.
type Scenario struct {
	File    string
	Name    string
	Seed    uint64
	Start   time.Time
	Clock   string // "" when the file leaves it to the runner
	Journal int
	// History is how many finished tasks each panel named keeps (the
	// others keep state.DefaultHistory).
	History map[string]int
	Timings map[string]time.Duration
	Faults  []state.FaultRule

	src    []byte
	root   *yaml.Node
	blocks map[string]bool
}

// MaxGenerated bounds the objects one panel block may ask to have
// generated (generate:, generate_servers:, generated_users:), summed over
// the block, so a scenario cannot exhaust the process building its world.
const MaxGenerated = 100000

// Known is what the loader checks names against: the panels served and the
// timing names they define.
type Known struct {
	Panels  []string
	Timings map[string]time.Duration
}

type header struct {
	Version int                       `yaml:"version"`
	Name    string                    `yaml:"name"`
	Seed    *uint64                   `yaml:"seed"`
	Start   *startTime                `yaml:"start"`
	Clock   string                    `yaml:"clock"`
	Journal int                       `yaml:"journal"`
	History map[string]int            `yaml:"history"`
	Timings map[string]state.Duration `yaml:"timings"`
	Faults  []state.FaultRule         `yaml:"faults"`
	Blocks  map[string]yaml.Node      `yaml:",inline"`
}

// startTime is an RFC 3339 time whose errors carry their line.
type startTime time.Time

func (st *startTime) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse(time.RFC3339, n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("line %d: start must be an RFC 3339 time such as 2025-01-01T00:00:00Z (got %q)", n.Line, n.Value)
	}
	*st = startTime(t)
	return nil
}

// Error is a scenario problem with its place.
type Error struct {
	File string
	Line int
	// Column is set for YAML syntax errors (1-based; 0: unknown).
	Column int
	Key    string
	Msg    string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// Parse reads and checks a scenario. file names it in errors.
func Parse(file string, data []byte, known Known) (*Scenario, error) {
	sc := &Scenario{File: file, src: data, blocks: map[string]bool{}}
	if line, msg := checkDepth(data); msg != "" {
		return nil, &Error{File: file, Line: line, Msg: msg}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, sc.syntaxError(err)
	}
	if root.Kind == 0 {
		root = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}}
	}
	sc.root = &root
	var h header
	if err := sc.strict(&h); err != nil {
		return nil, err
	}
	if err := sc.apply(h, known); err != nil {
		return nil, err
	}
	return sc, nil
}

func (sc *Scenario) apply(h header, known Known) error {
	if h.Version != 0 && h.Version != 1 {
		return sc.Errorf("version", "unsupported version %d (this panelsim reads version 1)", h.Version)
	}
	sc.Name, sc.Clock, sc.Journal, sc.Faults = h.Name, h.Clock, h.Journal, h.Faults
	sc.Seed, sc.Start = DefaultSeed, DefaultStart
	if h.Seed != nil {
		if *h.Seed == 0 {
			return sc.Errorf("seed", "%v", state.ErrSeedZero)
		}
		sc.Seed = *h.Seed
	}
	if h.Start != nil {
		sc.Start = time.Time(*h.Start).UTC()
	}
	if sc.Clock != "" {
		if _, err := state.ParseClockMode(sc.Clock); err != nil {
			return sc.Errorf("clock", "%v", err)
		}
	}
	if sc.Journal < 0 || sc.Journal > state.MaxJournalSize {
		return sc.Errorf("journal", "journal size must be 0..%d (got %d)", state.MaxJournalSize, sc.Journal)
	}
	if err := sc.applyHistory(h.History, known.Panels); err != nil {
		return err
	}
	if err := sc.applyTimings(h.Timings, known.Timings); err != nil {
		return err
	}
	if err := state.ValidateFaults(sc.Faults, known.Panels); err != nil {
		var fe *state.FaultError
		if errors.As(err, &fe) {
			return sc.Errorf(fmt.Sprintf("faults[%d].%s", fe.Index, fe.Field), "%s", fe.Msg)
		}
		return sc.Errorf("faults", "%v", err)
	}
	for name := range h.Blocks {
		if !contains(known.Panels, name) {
			return sc.Errorf(name, "unknown key (want version, name, seed, start, clock, journal, history, timings, faults or a panel: %s)", strings.Join(known.Panels, ", "))
		}
		sc.blocks[name] = true
	}
	return nil
}

func (sc *Scenario) applyHistory(in map[string]int, panels []string) error {
	for _, panel := range slices.Sorted(maps.Keys(in)) {
		if !contains(panels, panel) {
			return sc.Errorf("history."+panel, "unknown panel (want one of %s)", strings.Join(panels, ", "))
		}
		if n := in[panel]; n < 0 || n > state.MaxHistory {
			return sc.Errorf("history."+panel, "history must be 0..%d finished tasks (got %d)", state.MaxHistory, n)
		}
	}
	sc.History = in
	return nil
}

func (sc *Scenario) applyTimings(in map[string]state.Duration, known map[string]time.Duration) error {
	sc.Timings = map[string]time.Duration{}
	for k, v := range known {
		sc.Timings[k] = v
	}
	names := make([]string, 0, len(in))
	for k := range in {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if _, ok := known[k]; !ok {
			return sc.Errorf("timings."+k, "unknown timing (known: %s)", strings.Join(slices.Sorted(maps.Keys(known)), ", "))
		}
		if in[k] < 0 {
			return sc.Errorf("timings."+k, "timing must not be negative")
		}
		sc.Timings[k] = in[k].D()
	}
	return nil
}

// HasBlock reports whether the file has a block for the panel.
func (sc *Scenario) HasBlock(panel string) bool { return sc.blocks[panel] }

// DecodeBlock strictly decodes the panel's block into out (a pointer). A
// missing block leaves out untouched.
func (sc *Scenario) DecodeBlock(panel string, out any) error {
	if !sc.blocks[panel] {
		return nil
	}
	// yaml.Node.Decode is not strict, so decode the whole document again into
	// a struct made on the fly whose only known field is this panel's block:
	// unknown keys inside the block fail, with the document's own line numbers.
	t := reflect.StructOf([]reflect.StructField{
		{Name: "Block", Type: reflect.TypeOf(out), Tag: reflect.StructTag(`yaml:"` + panel + `"`)},
		{Name: "Rest", Type: reflect.TypeOf(map[string]yaml.Node{}), Tag: `yaml:",inline"`},
	})
	holder := reflect.New(t)
	holder.Elem().Field(0).Set(reflect.ValueOf(out))
	return sc.strict(holder.Interface())
}

func (sc *Scenario) strict(out any) error {
	dec := yaml.NewDecoder(bytes.NewReader(sc.src))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil && err.Error() != "EOF" {
		return sc.yamlError(err)
	}
	return nil
}

var (
	lineMsg      = regexp.MustCompile(`line (\d+): (.*)`)
	unknownField = regexp.MustCompile(`field (\S+) not found`)
)

// yamlError turns a yaml error into an Error with the line and the key there.
// syntaxError places a YAML syntax error. yaml.v3 reports the line where
// the enclosing construct began, for parser errors counted from 0 (a flow
// mapping left open on line 2 is "line 1"), and never a column; goccy's
// parser, whose tokens carry both, locates it instead. yaml.v3's report
// stands when goccy finds nothing wrong.
func (sc *Scenario) syntaxError(err error) error {
	if se := goccySyntaxError(sc.src); se != nil && se.Token != nil {
		return &Error{File: sc.File, Line: se.Token.Position.Line, Column: se.Token.Position.Column, Msg: "YAML syntax: " + se.Message}
	}
	return sc.yamlError(err)
}

func goccySyntaxError(src []byte) (se *goccy.SyntaxError) {
	defer func() {
		if recover() != nil { // only ever on input yaml.v3 refused already
			se = nil
		}
	}()
	_, err := goccyparser.ParseBytes(src, 0)
	if !errors.As(err, &se) {
		return nil
	}
	return se
}

func (sc *Scenario) yamlError(err error) error {
	m := lineMsg.FindStringSubmatch(err.Error())
	if m == nil {
		return &Error{File: sc.File, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	line, _ := strconv.Atoi(m[1])
	msg := strings.ReplaceAll(m[2], "scenarios.", "")
	want := ""
	if f := unknownField.FindStringSubmatch(msg); f != nil {
		want = f[1]
		msg = "unknown key " + f[1]
	}
	return &Error{File: sc.File, Line: line, Key: sc.keyAt(line, want), Msg: msg}
}

// Errorf makes an Error for the value at key path such as
// "dci6.servers[2].config", finding its line in the file.
func (sc *Scenario) Errorf(path string, format string, a ...any) error {
	return &Error{File: sc.File, Line: sc.lineOf(path), Key: path, Msg: fmt.Sprintf(format, a...)}
}

var pathPart = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

func (sc *Scenario) lineOf(path string) int {
	if sc.root == nil || len(sc.root.Content) == 0 {
		return 0
	}
	n, line := sc.root.Content[0], 0
	parts := pathPart.FindAllStringSubmatch(path, -1)
	for i := 0; i < len(parts); {
		// Keys may hold dots themselves (timing names): try the longest run
		// of remaining parts that names a key.
		var next *yaml.Node
		var keyLine, used int
		for j := len(parts); j > i && next == nil; j-- {
			if parts[i][2] != "" {
				next, keyLine = child(n, "", parts[i][2])
				used = 1
				break
			}
			next, keyLine = child(n, joinKeys(parts[i:j]), "")
			used = j - i
		}
		if next == nil {
			break
		}
		n, line, i = next, keyLine, i+used
	}
	return line
}

func joinKeys(parts [][]string) string {
	keys := make([]string, 0, len(parts))
	for _, p := range parts {
		if p[2] != "" {
			return ""
		}
		keys = append(keys, p[1])
	}
	return strings.Join(keys, ".")
}

func child(n *yaml.Node, key, index string) (*yaml.Node, int) {
	if index != "" && n.Kind == yaml.SequenceNode {
		i, _ := strconv.Atoi(index)
		if i < len(n.Content) {
			return n.Content[i], n.Content[i].Line
		}
		return nil, 0
	}
	if n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1], n.Content[i].Line
		}
	}
	return nil, 0
}

// keyAt names the deepest key path whose key or value sits on line; with
// want set, the path whose last key is want.
func (sc *Scenario) keyAt(line int, want string) string {
	if sc.root == nil || len(sc.root.Content) == 0 {
		return ""
	}
	best := ""
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := joinPath(path, k.Value)
				if (k.Line == line || v.Line == line) && (want == "" || k.Value == want) {
					best = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, v := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if v.Line == line && best == "" && want == "" {
					best = p
				}
				walk(v, p)
			}
		}
	}
	walk(sc.root.Content[0], "")
	return best
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

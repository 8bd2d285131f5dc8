package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// envFlags is a flag set in which every flag has an environment twin,
// PANELSIM_ and the flag's name in capitals with - as _ (--world-idle-ttl:
// PANELSIM_WORLD_IDLE_TTL), so the Docker image is configured by -e alone.
// The environment sets a flag's value, the command line overrides it, and
// a value either gives is checked by the same parser, whose error names
// where the value came from (--seed "x": … or PANELSIM_SEED="x": …).
//
// Adding a flag is one line in the command's parse function:
//
//	f.String(&o.addr, "addr", "127.0.0.1:8080", "address to serve on")
//	f.Bool(&o.tls, "tls", "serve HTTPS")
//	f.Func("seed", "", "seed for generated data", func(s string) error { … })
type envFlags struct {
	fs   *flag.FlagSet
	env  func(string) string
	envs []*envTwin
	args bool // Parse is reading the command line
	out  io.Writer
	bad  error // the command line's first bad value, worded as ours
}

// envTwin is one flag's value, wrapped to remember whether the command
// line set it (flag.FlagSet.Visit cannot tell it from the environment).
type envTwin struct {
	flag.Value
	f         *envFlags
	flag, env string
	onCmdline bool
}

func (t *envTwin) Set(v string) error {
	t.onCmdline = t.onCmdline || t.f.args
	err := t.Value.Set(v)
	if l, ok := t.Value.(*listValue); ok && !t.f.args {
		l.fromEnv() // the command line's items replace these
	}
	if err != nil && t.f.args && t.f.bad == nil {
		t.f.bad = fmt.Errorf("--%s %q: %v", t.flag, v, err)
	}
	return err
}

func (t *envTwin) String() string {
	if t == nil || t.Value == nil {
		return "" // flag.PrintDefaults probes a zero value
	}
	return t.Value.String()
}

// IsBoolFlag lets a boolean flag stand alone (--tls).
func (t *envTwin) IsBoolFlag() bool {
	b, ok := t.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func newEnvFlags(name string, env func(string) string, stderr io.Writer) *envFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &envFlags{fs: fs, env: env, out: stderr}
}

// envName is the environment twin of a flag.
func envName(flagName string) string {
	return "PANELSIM_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Var defines a flag read by v.Set, with the default def (not parsed) and
// its environment twin.
func (f *envFlags) Var(v flag.Value, name, usage string) {
	f.VarEnv(v, name, envName(name), usage)
}

// VarEnv is Var with an environment variable not named after the flag.
func (f *envFlags) VarEnv(v flag.Value, name, env, usage string) {
	t := &envTwin{Value: v, f: f, flag: name, env: env}
	f.fs.Var(t, name, usage+" ($"+env+")")
	if fl := f.fs.Lookup(name); fl.DefValue == "false" || fl.DefValue == "0" {
		fl.DefValue = "" // PrintDefaults then leaves the zero default out, as for flag.Bool
	}
	f.envs = append(f.envs, t)
}

// String defines a string flag.
func (f *envFlags) String(p *string, name, def, usage string) {
	*p = def
	f.Var((*stringValue)(p), name, usage)
}

// Bool defines a boolean flag: --name alone is true; values are read by
// parseBool, here and in the environment.
func (f *envFlags) Bool(p *bool, name, usage string) {
	f.Var((*boolValue)(p), name, usage)
}

// Func defines a flag whose value parse checks and stores; def is shown
// in --help and not parsed.
func (f *envFlags) Func(name, def, usage string, parse func(string) error) {
	f.Var(&funcValue{def: def, parse: parse}, name, usage)
}

// FuncEnv is Func with an environment variable not named after the flag.
func (f *envFlags) FuncEnv(name, env, def, usage string, parse func(string) error) {
	f.VarEnv(&funcValue{def: def, parse: parse}, name, env, usage)
}

// Duration defines a duration flag (Go duration text: 90s, 15m, 1h30m)
// that may not be negative.
func (f *envFlags) Duration(p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	f.Func(name, def.String(), usage, func(s string) error {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return errors.New("want a duration such as 30s, 15m or 2h")
		}
		*p = d
		return nil
	})
}

// Int64 defines a whole-number flag of at least min.
func (f *envFlags) Int64(p *int64, name string, def, min int64, usage string) {
	*p = def
	f.Func(name, strconv.FormatInt(def, 10), usage, func(s string) error {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < min {
			return fmt.Errorf("want a whole number of at least %d", min)
		}
		*p = n
		return nil
	})
}

// Choice defines a string flag that takes one of values.
func (f *envFlags) Choice(p *string, name, def string, values []string, usage string) {
	*p = def
	f.Func(name, def, usage, func(s string) error {
		for _, v := range values {
			if s == v {
				*p = s
				return nil
			}
		}
		return fmt.Errorf("want %s", orList(values))
	})
}

// Addr defines a HOST:PORT flag, checked for its form (not for whether it
// can be listened on).
func (f *envFlags) Addr(p *string, name, def, usage string) {
	*p = def
	f.Func(name, def, usage, func(s string) error {
		if err := checkAddr(s); err != nil {
			return err
		}
		*p = s
		return nil
	})
}

// Usage sets the text --help prints before the flags.
func (f *envFlags) Usage(text string) {
	f.fs.Usage = func() {
		fmt.Fprint(f.fs.Output(), text)
		f.fs.PrintDefaults()
		fmt.Fprint(f.fs.Output(), "\nEvery flag's environment variable is in brackets; a flag given on the command line wins.\nBooleans are true or false (also 1, 0, t, f, TRUE, FALSE); --flag alone is true.\n")
	}
}

// Parse applies the environment, then args. It returns flag.ErrHelp for
// -h/--help and an error naming the flag or variable of a bad value; a
// leftover argument is an error too.
func (f *envFlags) Parse(args []string) error {
	for _, t := range f.envs {
		v := f.env(t.env)
		if v == "" {
			continue
		}
		if err := t.Set(v); err != nil {
			return fmt.Errorf("%s=%q: %v", t.env, v, err)
		}
	}
	f.args = true
	// The flag package's own wording ("invalid value … for flag -seed")
	// and its full usage on every typo give way to one line naming the
	// flag as it is written here (--seed); --help still prints the usage.
	f.fs.SetOutput(io.Discard)
	err := f.fs.Parse(args)
	f.fs.SetOutput(f.out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.fs.Usage()
		return err
	case f.bad != nil:
		return f.bad
	case err != nil:
		return fmt.Errorf("%v (%s -h lists the flags)", err, f.fs.Name())
	}

	if f.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", f.fs.Arg(0))
	}
	return nil
}

// Source is where a flag's value came from, for errors found after
// parsing: "--name" when the command line gave it, the environment
// variable when only that did, else "--name".
func (f *envFlags) Source(name string) string {
	for _, t := range f.envs {
		if t.flag == name && !t.onCmdline && f.env(t.env) != "" {
			return t.env
		}
	}
	return "--" + name
}

// parseBool is the one reading of a boolean, for flags and environment
// variables alike: Go's flag syntax (strconv.ParseBool).
func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, errors.New("want true or false (or 1, 0)")
	}
	return b, nil
}

func checkAddr(s string) error {
	if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
		return errors.New("want HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080")
	}
	return nil
}

func orList(values []string) string {
	if len(values) < 2 {
		return strings.Join(values, "")
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}

type stringValue string

func (s *stringValue) String() string     { return string(*s) }
func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }

type boolValue bool

func (b *boolValue) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }
func (b *boolValue) Set(v string) error {
	x, err := parseBool(v)
	*b = boolValue(x)
	return err
}

type funcValue struct {
	def, cur string
	parse    func(string) error
}

func (f *funcValue) String() string {
	if f == nil {
		return ""
	}
	if f.cur != "" {
		return f.cur
	}
	return f.def
}
func (f *funcValue) Set(v string) error {
	if err := f.parse(v); err != nil {
		return err
	}
	f.cur = v
	return nil
}

// listValue collects a repeatable, comma-separated flag. Items from the
// environment are replaced, not extended, by the command line's.
type listValue struct {
	items   *[]string
	check   func(string) error
	env     bool
	cleared bool
}

func (l *listValue) String() string {
	if l == nil || l.items == nil {
		return ""
	}
	return strings.Join(*l.items, ",")
}
func (l *listValue) fromEnv() { l.env = true }

func (l *listValue) Set(v string) error {
	if l.env && !l.cleared {
		*l.items, l.cleared = nil, true
	}
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		if l.check != nil {
			if err := l.check(part); err != nil {
				return err
			}
		}
		*l.items = append(*l.items, part)
	}
	return nil
}

// List defines a repeatable, comma-separated flag; check, if not nil,
// vets each item.
func (f *envFlags) List(p *[]string, name, usage string, check func(string) error) {
	f.Var(&listValue{items: p, check: check}, name, usage)
}

// ListEnv is List with an environment variable not named after the flag.
func (f *envFlags) ListEnv(p *[]string, name, env, usage string, check func(string) error) {
	f.VarEnv(&listValue{items: p, check: check}, name, env, usage)
}

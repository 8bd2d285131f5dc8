package dci6

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/panelsim/panelsim/internal/ordered"
)

// This file is the list query language of the ISPsystem 6 platform:
// where=<expr>, orderby=<field> asc|desc, limit=[OFFSET,]COUNT. Lists answer
// {"list":[...],"size":N} with size the number of matches before paging.

// fieldSet maps a filterable, sortable field name to its value in a row:
// nil, string, int64 or bool.
type fieldSet[T any] map[string]func(T) any

// listWith is the walk of every list answer: parse where/orderby/limit
// against the fields (a bad query is refused before anything else), collect
// the rows (which may refuse too, e.g. an unknown parent), filter, sort and
// page them, and render the rows of the page.
func listWith[R, V any](lq ListQuery, fields fieldSet[R], rows func() ([]R, error), view func(R) V) (ListView[V], error) {
	page, total, err := pageOf(lq, fields, rows)
	if err != nil {
		return ListView[V]{}, err
	}
	out := make([]V, len(page))
	for i, r := range page {
		out[i] = view(r)
	}
	return listOf(out, total), nil
}

// pageOf is listWith up to the rendering: the rows of the page and the
// number of matches.
func pageOf[R any](lq ListQuery, fields fieldSet[R], rows func() ([]R, error)) ([]R, int, error) {
	q, err := parseListQuery(lq.Where, lq.OrderBy, lq.Limit, knownIn(fields))
	if err != nil {
		return nil, 0, err
	}
	all, err := rows()
	if err != nil {
		return nil, 0, err
	}
	page, total := applyQuery(all, q, fields)
	return page, total, nil
}

// sortedValues are a map's values in key order, the panel's default order.
func sortedValues[V any](m map[int64]V) []V {
	out := make([]V, 0, len(m))
	for _, id := range ordered.Keys(m) {
		out = append(out, m[id])
	}
	return out
}

// listQuery is a parsed where/orderby/limit triple.
type listQuery struct {
	where  cond
	order  []orderKey
	offset int
	limit  int // -1: no limit
}

type orderKey struct {
	field string
	desc  bool
}

// parseListQuery reads the three list parameters, checking field names
// against known so an unknown field is a 400 naming it.
func parseListQuery(where, orderby, limit string, known func(string) bool) (listQuery, error) {
	q := listQuery{limit: -1}
	var err error
	if strings.TrimSpace(where) != "" {
		if q.where, err = parseWhere(where, known); err != nil {
			return q, err
		}
	}
	if q.order, err = parseOrderBy(orderby, known); err != nil {
		return q, err
	}
	q.offset, q.limit, err = parseLimit(limit)
	return q, err
}

func parseOrderBy(s string, known func(string) bool) ([]orderKey, error) {
	var keys []orderKey
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		k := orderKey{field: f[0]}
		if !known(k.field) {
			return nil, fieldError("orderby", "unknown field %q", k.field)
		}
		if len(f) > 2 {
			return nil, fieldError("orderby", "want \"<field> asc|desc\", got %q", strings.TrimSpace(part))
		}
		if len(f) == 2 {
			switch strings.ToLower(f[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, fieldError("orderby", "direction must be asc or desc, got %q", f[1])
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func parseLimit(s string) (offset, count int, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, -1, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > 2 {
		return 0, 0, fieldError("limit", "want COUNT or OFFSET,COUNT, got %q", s)
	}
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return 0, 0, fieldError("limit", "want COUNT or OFFSET,COUNT of non-negative numbers, got %q", s)
		}
		nums[i] = n
	}
	if len(nums) == 1 {
		return 0, nums[0], nil
	}
	return nums[0], nums[1], nil
}

// applyQuery filters, sorts and pages rows (already in id order, which
// breaks ties), returning the page and the number of matches.
func applyQuery[T any](rows []T, q listQuery, fields fieldSet[T]) ([]T, int) {
	out := make([]T, 0, len(rows)) // a filter keeps up to all of them
	if q.where == nil {
		out = append(out, rows...)
	} else {
		match := compile(q.where, fields)
		for _, r := range rows {
			if match(r) {
				out = append(out, r)
			}
		}
	}
	if len(q.order) > 0 {
		sortRows(out, q.order, fields)
	}
	total := len(out)
	if q.offset >= len(out) {
		return out[:0], total
	}
	out = out[q.offset:]
	if q.limit >= 0 && q.limit < len(out) {
		out = out[:q.limit]
	}
	return out, total
}

// compile binds a where expression to a row type's accessors once, so
// filtering a large list does no name lookups per row.
func compile[T any](c cond, fields fieldSet[T]) func(T) bool {
	switch x := c.(type) {
	case andCond:
		l, r := compile(x.l, fields), compile(x.r, fields)
		return func(v T) bool { return l(v) && r(v) }
	case orCond:
		l, r := compile(x.l, fields), compile(x.r, fields)
		return func(v T) bool { return l(v) || r(v) }
	case notCond:
		in := compile(x.c, fields)
		return func(v T) bool { return !in(v) }
	case nullCond:
		get := fields[x.field]
		return func(v T) bool { return (get(v) == nil) != x.not }
	case cmpCond:
		get := fields[x.field]
		return func(v T) bool { return x.match(get(v)) }
	}
	return func(T) bool { return false }
}

// sortRows orders rows by the keys, stable so id order breaks ties. Key
// values are read once per row.
func sortRows[T any](rows []T, order []orderKey, fields fieldSet[T]) {
	if len(order) == 1 && order[0].field == "id" {
		if order[0].desc {
			for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
				rows[i], rows[j] = rows[j], rows[i]
			}
		}
		return
	}
	s := &keyedRows[T]{rows: rows, order: order, keys: make([][]any, len(rows))}
	for i, r := range rows {
		s.keys[i] = make([]any, len(order))
		for k, o := range order {
			s.keys[i][k] = fields[o.field](r)
		}
	}
	sort.Stable(s)
}

type keyedRows[T any] struct {
	rows  []T
	order []orderKey
	keys  [][]any
}

func (s *keyedRows[T]) Len() int { return len(s.rows) }
func (s *keyedRows[T]) Swap(i, j int) {
	s.rows[i], s.rows[j] = s.rows[j], s.rows[i]
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
}
func (s *keyedRows[T]) Less(i, j int) bool {
	for k, o := range s.order {
		if c := compareValues(s.keys[i][k], s.keys[j][k]); c != 0 {
			return (c < 0) != o.desc
		}
	}
	return false
}

// compareValues orders nil first, then by value; mixed kinds by text.
func compareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			return cmpOrdered(boolInt(x), boolInt(y))
		}
	case string:
		if y, ok := b.(string); ok {
			return compareFold(x, y)
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func cmpOrdered[T int64 | int](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// cond is a where expression.
type cond interface {
	eval(get func(string) any) bool
}

type andCond struct{ l, r cond }
type orCond struct{ l, r cond }
type notCond struct{ c cond }
type nullCond struct {
	field string
	not   bool
}
type cmpCond struct {
	field   string
	op      string
	value   any    // string, int64, float64, bool
	pattern []rune // CP: the value lower-cased
}

func (c andCond) eval(g func(string) any) bool { return c.l.eval(g) && c.r.eval(g) }
func (c orCond) eval(g func(string) any) bool  { return c.l.eval(g) || c.r.eval(g) }
func (c notCond) eval(g func(string) any) bool { return !c.c.eval(g) }
func (c nullCond) eval(g func(string) any) bool {
	isNull := g(c.field) == nil
	return isNull != c.not
}

func (c cmpCond) eval(g func(string) any) bool { return c.match(g(c.field)) }

// match compares a field's value with the condition's literal.
func (c cmpCond) match(v any) bool {
	if v == nil {
		return false // SQL: a comparison with NULL is never true
	}
	if c.op == "CP" {
		if str, ok := v.(string); ok {
			return likeFold(str, c.pattern)
		}
		return likeFold(fmt.Sprint(v), c.pattern)
	}
	r, ok := compareLiteral(v, c.value)
	if !ok {
		return c.op == "NE"
	}
	switch c.op {
	case "EQ":
		return r == 0
	case "NE":
		return r != 0
	case "GT":
		return r > 0
	case "LT":
		return r < 0
	case "GE":
		return r >= 0
	case "LE":
		return r <= 0
	}
	return false
}

// compareLiteral compares a field value with a literal, converting the
// literal to the field's kind the way a SQL database would.
func compareLiteral(v, lit any) (int, bool) {
	switch x := v.(type) {
	case int64:
		switch l := lit.(type) {
		case int64:
			return cmpOrdered(x, l), true
		case float64:
			return cmpFloat(float64(x), l), true
		case bool:
			return cmpOrdered(x, boolInt(l)), true
		case string:
			n, err := strconv.ParseFloat(strings.TrimSpace(l), 64)
			if err != nil {
				return 0, false
			}
			return cmpFloat(float64(x), n), true
		}
	case bool:
		switch l := lit.(type) {
		case bool:
			return cmpOrdered(boolInt(x), boolInt(l)), true
		case int64:
			return cmpOrdered(boolInt(x), l), true
		case string:
			b, err := strconv.ParseBool(l)
			if err != nil {
				return 0, false
			}
			return cmpOrdered(boolInt(x), boolInt(b)), true
		}
	case string:
		return compareFold(x, literalText(lit)), true
	}
	return 0, false
}

// compareFold orders strings case-insensitively (as the platform's
// database collation does) without allocating.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			la, lb := unicode.ToLower(ra), unicode.ToLower(rb)
			if la != lb {
				return cmpOrdered(int64(la), int64(lb))
			}
		}
		a, b = a[na:], b[nb:]
	}
	return cmpOrdered(len(a), len(b))
}

func literalText(lit any) string {
	if f, ok := lit.(float64); ok {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return fmt.Sprint(lit)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// like is SQL LIKE, case-insensitive: % any run, _ one character.
func like(s, pattern string) bool {
	return likeFold(s, []rune(strings.ToLower(pattern)))
}

// likeFold matches s against a lower-cased pattern without allocating.
// It is the greedy wildcard match that backtracks only to the last %, so a
// hostile pattern costs at most len(s)*len(p) steps.
func likeFold(s string, p []rune) bool {
	si, pi := 0, 0
	starP, starS := -1, 0
	for si < len(s) {
		r, n := utf8.DecodeRuneInString(s[si:])
		switch {
		case pi < len(p) && (p[pi] == '_' || (p[pi] != '%' && unicode.ToLower(r) == p[pi])):
			si += n
			pi++
		case pi < len(p) && p[pi] == '%':
			starP, starS = pi, si
			pi++
		case starP >= 0:
			_, skip := utf8.DecodeRuneInString(s[starS:])
			starS += skip
			si, pi = starS, starP+1
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// token kinds of the where lexer.
const (
	tkWord = iota
	tkString
	tkNumber
	tkOpen
	tkClose
)

type wtoken struct {
	kind int
	text string
	pos  int
}

func lexWhere(s string) ([]wtoken, error) {
	var out []wtoken
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(':
			out = append(out, wtoken{tkOpen, "(", i})
			i++
		case r == ')':
			out = append(out, wtoken{tkClose, ")", i})
			i++
		case r == '\'' || r == '"':
			text, next, err := lexString(rs, i)
			if err != nil {
				return nil, err
			}
			out = append(out, wtoken{tkString, text, i})
			i = next
		case r == '-' || unicode.IsDigit(r):
			j := i + 1
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.') {
				j++
			}
			out = append(out, wtoken{tkNumber, string(rs[i:j]), i})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i + 1
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_' || rs[j] == '.') {
				j++
			}
			out = append(out, wtoken{tkWord, string(rs[i:j]), i})
			i = j
		default:
			return nil, fieldError("where", "unexpected %q at position %d", string(r), i)
		}
	}
	return out, nil
}

func lexString(rs []rune, i int) (string, int, error) {
	q := rs[i]
	var b strings.Builder
	for j := i + 1; j < len(rs); j++ {
		if rs[j] == q {
			if j+1 < len(rs) && rs[j+1] == q {
				b.WriteRune(q)
				j++
				continue
			}
			return b.String(), j + 1, nil
		}
		b.WriteRune(rs[j])
	}
	return "", 0, fieldError("where", "unterminated string starting at position %d", i)
}

type whereParser struct {
	toks  []wtoken
	pos   int
	known func(string) bool
	depth int
}

// maxWhereDepth bounds nesting so a hostile query cannot exhaust the stack.
const maxWhereDepth = 64

func parseWhere(s string, known func(string) bool) (cond, error) {
	toks, err := lexWhere(s)
	if err != nil {
		return nil, err
	}
	p := &whereParser{toks: toks, known: known}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fieldError("where", "unexpected %q at position %d", p.toks[p.pos].text, p.toks[p.pos].pos)
	}
	return c, nil
}

func (p *whereParser) peekWord(w string) bool {
	return p.pos < len(p.toks) && p.toks[p.pos].kind == tkWord && strings.EqualFold(p.toks[p.pos].text, w)
}

func (p *whereParser) or() (cond, error) {
	l, err := p.and()
	for err == nil && p.peekWord("OR") {
		p.pos++
		var r cond
		if r, err = p.and(); err == nil {
			l = orCond{l, r}
		}
	}
	return l, err
}

func (p *whereParser) and() (cond, error) {
	l, err := p.unary()
	for err == nil && p.peekWord("AND") {
		p.pos++
		var r cond
		if r, err = p.unary(); err == nil {
			l = andCond{l, r}
		}
	}
	return l, err
}

func (p *whereParser) unary() (cond, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxWhereDepth {
		return nil, fieldError("where", "expression nested too deeply")
	}
	if p.peekWord("NOT") {
		p.pos++
		c, err := p.unary()
		return notCond{c}, err
	}
	if p.pos < len(p.toks) && p.toks[p.pos].kind == tkOpen {
		p.pos++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos].kind != tkClose {
			return nil, fieldError("where", "missing closing parenthesis")
		}
		p.pos++
		return c, nil
	}
	return p.comparison()
}

func (p *whereParser) next(what string) (wtoken, error) {
	if p.pos >= len(p.toks) {
		return wtoken{}, fieldError("where", "expression ends where %s was expected", what)
	}
	t := p.toks[p.pos]
	p.pos++
	return t, nil
}

func (p *whereParser) comparison() (cond, error) {
	f, err := p.next("a field name")
	if err != nil {
		return nil, err
	}
	if f.kind != tkWord {
		return nil, fieldError("where", "want a field name at position %d, got %q", f.pos, f.text)
	}
	if !p.known(f.text) {
		return nil, fieldError("where", "unknown field %q", f.text)
	}
	op, err := p.next("an operator")
	if err != nil {
		return nil, err
	}
	opName := strings.ToUpper(op.text)
	if op.kind == tkWord && opName == "IS" {
		return p.isNull(f.text)
	}
	switch opName {
	case "EQ", "NE", "CP", "GT", "LT", "GE", "LE":
	default:
		return nil, fieldError("where", "unknown operator %q after %s (want EQ, NE, CP, GT, LT, GE, LE or IS)", op.text, f.text)
	}
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	c := cmpCond{field: f.text, op: opName, value: v}
	if opName == "CP" {
		c.pattern = []rune(strings.ToLower(literalText(v)))
	}
	return c, nil
}

func (p *whereParser) isNull(field string) (cond, error) {
	c := nullCond{field: field}
	if p.peekWord("NOT") {
		p.pos++
		c.not = true
	}
	t, err := p.next("null")
	if err != nil {
		return nil, err
	}
	if t.kind != tkWord || !strings.EqualFold(t.text, "null") {
		return nil, fieldError("where", "want null after IS, got %q", t.text)
	}
	return c, nil
}

func (p *whereParser) literal() (any, error) {
	t, err := p.next("a value")
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tkString:
		return t.text, nil
	case tkNumber:
		if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
			return n, nil
		}
		if f, err := strconv.ParseFloat(t.text, 64); err == nil {
			return f, nil
		}
		return nil, fieldError("where", "bad number %q", t.text)
	case tkWord:
		switch strings.ToLower(t.text) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		// Bare words are taken as text, as the platform's parser does for
		// unquoted enum values (status EQ ok).
		return t.text, nil
	}
	return nil, fieldError("where", "want a value at position %d, got %q", t.pos, t.text)
}

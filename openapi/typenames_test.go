package openapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/panelsim/panelsim/openapi"
)

// clientPlumbing are the types oapi-codegen writes for every spec whatever it
// holds: the client, its options, and (control.yaml) the server interface.
var clientPlumbing = []string{
	"RequestEditorFn", "HttpRequestDoer", "Client", "ClientOption", "ClientInterface",
	"ClientWithResponses", "ClientWithResponsesInterface",
	// std-http-server (control.yaml): the interface, its router glue and
	// its parameter-binding errors.
	"ServerInterface", "ServerInterfaceWrapper", "MiddlewareFunc", "ServeMux", "StdHTTPServerOptions",
	"InvalidParamFormatError", "RequiredHeaderError", "RequiredParamError", "TooManyValuesForParamError",
	"UnescapedCookieParamError", "UnmarshalingParamError",
}

// operationWrappers are the suffixes oapi-codegen puts after an operation's
// name for what belongs to that one call: its query parameters, its
// request-body alias (Op+JSONRequestBody = the body's component when the body
// is a $ref) and the parsed answer of ClientWithResponses.
var operationWrappers = regexp.MustCompile(`^(Params|JSONRequestBody|FormdataRequestBody|MultipartRequestBody|TextRequestBody|Response)$`)

// headerWrapper is oapi-codegen's name for the headers of one answer
// (Op+Response+status+Headers, e.g. the 302 Location of openKeyLink): the
// generator names response headers so whatever the spec does, and the name
// still says which call and which answer they belong to.
var headerWrapper = regexp.MustCompile(`^Response[0-9]{3}Headers$`)

// nameExceptions are generated names the rule below would refuse, each kept
// for a stated reason. Keep it short: a new entry needs a reason a reviewer
// accepts.
var nameExceptions = map[string]string{}

// TestGeneratedTypesHaveReadableNames generates types and a client from every
// spec, as TestGeneratedClients does, and refuses a type whose name
// oapi-codegen had to make up from where an inline schema sits
// (GetServer200JSONResponseBody, PostTaskJSONBody, Foo_Message, FooItem):
// a client's user would have to write those names. A generated type must be
// a component (or a component's property, one level down, such as the enum
// ServerPowerStatus), an operation's own wrapper (Params, JSONRequestBody,
// Response), or the client's plumbing. Answers and array elements must not
// be anonymous structs either: a caller cannot name the type of what a call
// returns or of one element of a list.
func TestGeneratedTypesHaveReadableNames(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatalf("the go command is needed to generate clients: %v", err)
	}
	dir := t.TempDir()
	for _, name := range slices.Sorted(maps.Keys(generated)) {
		out := filepath.Join(dir, name+".go")
		run(t, root, "go", "tool", "oapi-codegen", "-generate", generated[name], "-package", name,
			"-o", out, filepath.Join(root, "openapi", name+".yaml"))
		c, err := openapi.Load(openapi.Source{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		bad := machineMadeNames(t, out, allowedNames(c.Doc(name)))
		for _, b := range bad {
			t.Errorf("%s: %s", name, b)
		}
	}
}

// allowed says which generated names a spec accounts for: components with
// their first-level properties, and operations with their wrappers.
type allowed struct {
	components map[string]bool
	operations map[string]bool
}

func allowedNames(doc *openapi3.T) allowed {
	a := allowed{components: map[string]bool{}, operations: map[string]bool{}}
	for name, ref := range doc.Components.Schemas {
		a.addComponent(goName(name, ref), ref)
	}
	for name, ref := range doc.Components.Parameters {
		a.components[typeName(name)] = true
		if ref.Value != nil && ref.Value.Schema != nil {
			a.addComponent(typeName(name), ref.Value.Schema)
		}
	}
	for name := range doc.Components.Responses {
		a.components[typeName(name)] = true
	}
	for name := range doc.Components.RequestBodies {
		a.components[typeName(name)] = true
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			a.operations[typeName(op.OperationID)] = true
			a.addParams(typeName(op.OperationID)+"Params", op.Parameters)
		}
	}
	return a
}

// goName is the type name a schema component gets: its x-go-name when the
// spec gives one (ispmgr.yaml's auth is AuthSession: Auth is the auth
// parameter's type), else the normalised component name. A name the spec
// chose is no machine-made one.
func goName(name string, ref *openapi3.SchemaRef) string {
	if ref != nil && ref.Value != nil {
		if n, ok := ref.Value.Extensions["x-go-name"].(string); ok && n != "" {
			return n
		}
	}
	return typeName(name)
}

// addComponent allows a component and the types its properties get (an enum,
// a union of a property's oneOf), one level down only: a type nested deeper
// gets a compound name nobody chose, and wants its own component.
func (a allowed) addComponent(name string, ref *openapi3.SchemaRef) {
	a.components[name] = true
	if ref == nil || ref.Value == nil {
		return
	}
	for prop := range ref.Value.Properties {
		a.components[name+typeName(prop)] = true
	}
	if items := ref.Value.Items; items != nil && items.Ref == "" && items.Value != nil {
		for prop := range items.Value.Properties {
			a.components[name+typeName(prop)] = true
		}
	}
}

// addParams allows the enum types of an operation's own parameters
// (ListServersParamsOrderby): they are named after the parameter.
func (a allowed) addParams(prefix string, params openapi3.Parameters) {
	for _, p := range params {
		if p.Value != nil {
			a.components[prefix+typeName(p.Value.Name)] = true
		}
	}
}

func (a allowed) accounts(name string) bool {
	if a.components[name] || nameExceptions[name] != "" {
		return true
	}
	for _, p := range clientPlumbing {
		if name == p {
			return true
		}
	}
	for op := range a.operations {
		if rest, ok := strings.CutPrefix(name, op); ok && (operationWrappers.MatchString(rest) || headerWrapper.MatchString(rest)) {
			return true
		}
	}
	return false
}

// machineMadeNames parses a generated file and lists each type whose name the
// spec does not account for, and each answer or array element that is an
// anonymous struct.
func machineMadeNames(t *testing.T, file string, a allowed) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, decl := range f.Decls {
		gen, ok := decl.(*ast.GenDecl)
		if !ok || gen.Tok != token.TYPE {
			continue
		}
		for _, s := range gen.Specs {
			spec := s.(*ast.TypeSpec)
			name := spec.Name.Name
			if !a.accounts(name) {
				bad = append(bad, "type "+name+" is named after where its schema sits: give the schema a component name")
			}
			bad = append(bad, anonymousStructs(name, spec.Type)...)
		}
	}
	slices.Sort(bad)
	return bad
}

// anonymousStructs finds struct types without a name where a caller needs
// one: a field of an operation's Response (the answer itself) and the
// element of a slice.
func anonymousStructs(typ string, expr ast.Expr) []string {
	var bad []string
	st, ok := expr.(*ast.StructType)
	if !ok {
		return nil
	}
	for _, field := range st.Fields.List {
		where := typ
		if len(field.Names) > 0 {
			where += "." + field.Names[0].Name
		}
		inner := field.Type
		if star, ok := inner.(*ast.StarExpr); ok {
			inner = star.X
		}
		switch v := inner.(type) {
		case *ast.StructType:
			if strings.HasSuffix(typ, "Response") && strings.HasPrefix(where, typ+".JSON") {
				bad = append(bad, where+" is an anonymous struct: give the answer's schema a component name")
			}
			bad = append(bad, anonymousStructs(where, v)...)
		case *ast.ArrayType:
			if elem, ok := v.Elt.(*ast.StructType); ok {
				bad = append(bad, where+" is a list of anonymous structs: give its items a component name")
				bad = append(bad, anonymousStructs(where+"[]", elem)...)
			}
		}
	}
	return bad
}

// typeName is oapi-codegen's default name normaliser (ToCamelCase): words
// split at anything but a letter or digit, each capitalised, joined.
func typeName(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			up = true
		case up:
			b.WriteRune(unicode.ToUpper(r))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

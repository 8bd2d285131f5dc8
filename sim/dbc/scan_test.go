package dbc

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The reading of a request body before the one-pass scan (scanObject,
// plainStrings): json.Valid, a map of members, json.Unmarshal of the peer
// list. FuzzParseRequestMatchesReflective holds ParseRequest to it.

func parseRequestReflective(body []byte, prefix paramPrefix) (*Request, *Error) {
	doc, err := ParseObject(body)
	if err != nil {
		return nil, err
	}
	r := &Request{}
	if msg := r.readEnvelopeReflective(doc); msg != "" {
		// The client's parse_req_params: its message, with the route
		// family's prefix.
		return nil, clientError(string(prefix) + msg)
	}
	return r, nil
}
func (r *Request) readEnvelopeReflective(doc map[string]json.RawMessage) string {
	peers, ok := doc["peer_nodes_list"]
	if !ok {
		return "has no peer_nodes_list"
	}
	if json.Unmarshal(peers, &r.PeerNodes) != nil || jsonKind(peers) != '[' {
		var any []json.RawMessage
		if jsonKind(peers) == '[' && json.Unmarshal(peers, &any) == nil {
			// Non-string elements: the client reads them as empty node ids.
			r.PeerNodes = make([]string, len(any))
		} else {
			return "peer_nodes_list is not array"
		}
	}
	add, ok := doc["additional"]
	if !ok {
		return "has no additional"
	}
	if jsonKind(add) != '{' {
		return "additional is not object"
	}
	// A member of the checked body: a valid object, split as the body was.
	r.Additional = objectMembers(add)
	r.HasAdditional, r.rawAdditional = true, add
	fields := []struct {
		name string
		dst  *string
	}{{"wallet", &r.Wallet}, {"nonce", &r.Nonce}, {"sign", &r.Sign}}
	for _, f := range fields {
		if msg := readStringReflective(doc, f.name, f.dst); msg != "" {
			return msg
		}
	}
	if raw, ok := doc["multisig_accounts"]; ok {
		m, msg := readMultisig(raw)
		if msg != "" {
			return msg
		}
		r.Multisig = m
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"session_id", &r.SessionID}, {"session_id_sign", &r.SessionIDSign}, {"rent_order", &r.RentOrder}} {
		if msg := readStringReflective(doc, f.name, f.dst); msg != "" {
			return msg
		}
	}
	return ""
}
func readStringReflective(doc map[string]json.RawMessage, name string, dst *string) string {
	raw, ok := doc[name]
	if !ok {
		return ""
	}
	v, ok := stringValue(raw)
	if !ok {
		return name + " is not string"
	}
	*dst = v
	return ""
}

// scanSeeds are bodies for the scan's fuzz targets: the hot path's, the
// create benchmark's, and the corners (escaped names, repeated names, null
// and non-string peers, deep nesting, broken documents).
var scanSeeds = []string{
	hotTasksBody, ``, `{}`, `[]`, ` {} `, `{"peer_nodes_list":[],"additional":{}}`,
	`{"peer_nodes_list":["a",null,"b"],"additional":{"x":[1,{"y":"}"}]},"wallet":"w","nonce":"n","sign":"s"}`,
	`{"peer_nodes_list":[1],"additional":{}}`, `{"peer_nodes_list":null,"additional":{}}`,
	`{"peer_nodes_list":["\u0061"],"additional":{},"wallet":"\u00e9"}`,
	`{"peer_\u006eodes_list":["a"],"additional":{}}`, `{"peer_nodes_list":["a"],"peer_nodes_list":["b"],"additional":{}}`,
	"{\"peer_nodes_list\":[\"\xff\"],\"additional\":{},\"nonce\":\"\xfe\"}",
	`{"peer_nodes_list":["a"],"additional":{},"multisig_accounts":{"wallets":["a"],"threshold":"1","signs":[{"wallet":"a","nonce":"n","sign":"s"}]}}`,
	`{"peer_nodes_list":["a"],"additional":[],"wallet":1}`, `{"a":-0.5e+3,"b":true,"c":false,"d":null,"e":01}`,
	`{"a":1.}`, `{"a":1e}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":[1,]}`, `{"a":1,}`, `{"a" 1}`, `{"a":1} x`,
	`{"peer_nodes_list":"x`, `{"a":}`, "\x00", "{\"a\":\"\t\"}", `{"a":[[[[[[[[[[]]]]]]]]]]}`,
}

const hotTasksBody = `{"additional":{},"nonce":"5q7KRn4d8EmXFFsim8vHBp23N2CpERbD2mWR3WCo1o3te0000000001","peer_nodes_list":["58fb618aa482c41114eb3cfdaefd3ba183172da9e25251449d045043fbd37f45"],"sign":"0xa23db7778a8ffbcd5c3a5108c7a64f3f95942a68509d54ca2bc88558554e53323fbfe3a413593fb511cdfa25b7ffc1a5e331123e4703dd2ee032e6ed2e373c8f","wallet":"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"}`

// FuzzParseRequestMatchesReflective: ParseRequest gives what the
// reflective reading gives, the same request or the same error, for every
// body and prefix.
func FuzzParseRequestMatchesReflective(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s), false)
	}
	f.Add([]byte(`{"peer_nodes_list":["a"],"additional":1}`), true)
	f.Fuzz(func(t *testing.T, body []byte, params bool) {
		prefix := prefixNone
		if params {
			prefix = prefixParams
		}
		got, gerr := ParseRequest(body, prefix)
		want, werr := parseRequestReflective(body, prefix)
		if got != nil && want != nil {
			// What differs by design: an empty additional is a nil map
			// (the same lookups), and one peer is kept in the request.
			if len(want.Additional) == 0 && got.Additional == nil {
				want.Additional = nil
			}
			got.PeerNodes = slices.Clone(got.PeerNodes) // off the request's own array
			got.peer = [1]string{}
		}
		if !reflect.DeepEqual(gerr, werr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseRequest(%q) = %+v, %+v; the reflective reading gives %+v, %+v", body, got, gerr, want, werr)
		}
	})
}

// FuzzScanObject holds scanObject to json.Valid and objectMembers: it
// accepts only valid objects, splits them the same way, and refuses a
// valid object only for an escaped name or deep nesting.
func FuzzScanObject(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ms, ok := scanObject(body, nil)
		valid := jsonKind(body) == '{' && json.Valid(body)
		if ok && !valid {
			t.Fatalf("scanObject(%q) accepts what json.Valid refuses", body)
		}
		if !ok {
			if valid && !escapedNameOrDeep(body) {
				t.Fatalf("scanObject(%q) refuses a plain valid object", body)
			}
			return
		}
		want := objectMembers(body)
		got := map[string]json.RawMessage{}
		for _, m := range ms {
			// The name as Unmarshal decodes it (invalid UTF-8 as U+FFFD).
			name, _ := stringValue([]byte(`"` + string(m.name) + `"`))
			got[name] = m.value
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("scanObject(%q) = %q; objectMembers gives %q", body, got, want)
		}
		for name, v := range want {
			if strings.ContainsRune(name, utf8.RuneError) {
				continue // a replaced byte: get is asked for the envelope's ASCII names only
			}
			if g, _ := ms.get(name); string(g) != string(v) {
				t.Fatalf("scanObject(%q).get(%q) = %q, want %q", body, name, g, v)
			}
		}
	})
}

// escapedNameOrDeep: b (valid) has a top-level name with a backslash, or
// nests deeper than scanObject goes.
func escapedNameOrDeep(b []byte) bool {
	depth, most := 0, 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = stringEnd(b, i) - 1
		case '{', '[':
			depth++
			most = max(most, depth)
		case '}', ']':
			depth--
		}
	}
	if most > maxScanDepth {
		return true
	}
	i := skipSpace(b, 0) + 1
	for {
		i = skipSpace(b, i)
		if b[i] == '}' {
			return false
		}
		end := stringEnd(b, i)
		for _, c := range b[i:end] {
			if c == '\\' {
				return true
			}
		}
		i = skipSpace(b, skipSpace(b, end)+1)
		i = skipSpace(b, valueEnd(b, i))
		if b[i] == '}' {
			return false
		}
		i++
	}
}

// FuzzPlainStrings holds plainStrings to json.Unmarshal into a []string
// on every valid array it accepts.
func FuzzPlainStrings(f *testing.F) {
	for _, s := range []string{`[]`, `["a"]`, `[ "a" , null ,"b" ]`, `["\u0061"]`, "[\"\xff\"]", `[1]`, `null`, `"a"`, `[["a"]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		raw = []byte(string(raw))
		if !json.Valid(raw) || jsonKind(raw) != raw[0] {
			return // members of a checked document, which start at their value
		}
		got, ok := plainStrings(raw, []string{})
		if !ok {
			return
		}
		var want []string
		if err := json.Unmarshal(raw, &want); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("plainStrings(%q) = %q; json.Unmarshal gives %q, %v", raw, got, want, err)
		}
	})
}

package dbc

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// Request is the common POST body of every /api/v1 call after the client's
// own checks: the target node, the endpoint parameters and the credentials.
type Request struct {
	PeerNodes     []string
	Additional    map[string]json.RawMessage
	Wallet        string
	Nonce         string
	Sign          string
	Multisig      *Multisig
	SessionID     string
	SessionIDSign string
	RentOrder     string
	HasAdditional bool
	rawAdditional json.RawMessage
	// peer holds PeerNodes when the list has one node, as it has in
	// nearly every request: no slice of its own to allocate.
	peer [1]string
	// verified holds the request's own signatures checked before the
	// world was locked (preverify), by sigKey.
	verified map[string]bool
}

// Multisig is the multisig_accounts block; Threshold stays a string as the
// real client sends it.
type Multisig struct {
	Wallets   []string
	Threshold string
	Signs     []MultisigSign
}

// MultisigSign is one signer's nonce signature.
type MultisigSign struct {
	Wallet string `json:"wallet"`
	Nonce  string `json:"nonce"`
	Sign   string `json:"sign"`
}

// Node is the node the request addresses (peer_nodes_list[0]), or "".
func (r *Request) Node() string {
	if len(r.PeerNodes) == 0 {
		return ""
	}
	return r.PeerNodes[0]
}

// paramPrefix says how a route family words field-type errors: bare, or with
// one of the real client's two prefixes.
type paramPrefix string

const (
	prefixNone   paramPrefix = ""
	prefixParams paramPrefix = "parse request params failed: "
	prefixReq    paramPrefix = "parse req params failed: "
)

// ParseRequest checks a body the way the DBC client does before relaying
// it, returning the client's exact -25 message on the first problem.
func ParseRequest(body []byte, prefix paramPrefix) (*Request, *Error) {
	var buf [8]member
	doc, ok := scanObject(body, buf[:0])
	if !ok {
		// Not a plain valid object: the reflective reading words the
		// error, or splits what the scan left to it.
		m, err := ParseObject(body)
		if err != nil {
			return nil, err
		}
		doc = make(members, 0, len(m))
		for name, v := range m {
			doc = append(doc, member{[]byte(name), v})
		}
	}
	r := &Request{}
	if msg := r.readEnvelope(doc); msg != "" {
		// The client's parse_req_params: its message, with the route
		// family's prefix.
		return nil, clientError(string(prefix) + msg)
	}
	return r, nil
}

// ParseObject is the check every route starts with: a non-empty body
// holding a JSON object.
func ParseObject(body []byte) (map[string]json.RawMessage, *Error) {
	if len(body) == 0 {
		return nil, clientError("http request body is empty")
	}
	if jsonKind(body) == '{' && json.Valid(body) {
		return objectMembers(body), nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		if msg, ok := jsonParseError(body, err); ok {
			return nil, clientError(msg)
		}
		return nil, clientError("invalid json")
	}
	if doc == nil {
		return nil, clientError("invalid json")
	}
	return doc, nil
}

// parseOffset is the "(<offset>)" the client puts after rapidjson's message.
var parseOffset = regexp.MustCompile(`\([0-9]+\)$`)

// withoutParseOffset drops the offset of a JSON parse error: the /images
// handlers print rapidjson's message alone.
func withoutParseOffset(e *Error) *Error {
	if e != nil && strings.HasPrefix(e.Msg, "json parse error: ") {
		e.Msg = parseOffset.ReplaceAllString(e.Msg, "")
	}
	return e
}

// readEnvelope reads the members every body shares, returning the client's
// message for the first one that is missing or of the wrong type.
func (r *Request) readEnvelope(doc members) string {
	peers, ok := doc.get("peer_nodes_list")
	if !ok {
		return "has no peer_nodes_list"
	}
	if list, ok := plainStrings(peers, r.peer[:0]); ok {
		r.PeerNodes = list
	} else if json.Unmarshal(peers, &r.PeerNodes) != nil || jsonKind(peers) != '[' {
		var any []json.RawMessage
		if jsonKind(peers) == '[' && json.Unmarshal(peers, &any) == nil {
			// Non-string elements: the client reads them as empty node ids.
			r.PeerNodes = make([]string, len(any))
		} else {
			return "peer_nodes_list is not array"
		}
	}
	add, ok := doc.get("additional")
	if !ok {
		return "has no additional"
	}
	if jsonKind(add) != '{' {
		return "additional is not object"
	}
	// A member of the checked body: a valid object, split as the body was.
	// An empty one ({}, as most calls send) leaves the map nil, which
	// answers every lookup as the empty map would, without allocating it.
	if add[skipSpace(add, skipSpace(add, 0)+1)] != '}' {
		r.Additional = objectMembers(add)
	}
	r.HasAdditional, r.rawAdditional = true, add
	fields := []struct {
		name string
		dst  *string
	}{{"wallet", &r.Wallet}, {"nonce", &r.Nonce}, {"sign", &r.Sign}}
	for _, f := range fields {
		if msg := readString(doc, f.name, f.dst); msg != "" {
			return msg
		}
	}
	if raw, ok := doc.get("multisig_accounts"); ok {
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
		if msg := readString(doc, f.name, f.dst); msg != "" {
			return msg
		}
	}
	return ""
}

// readString reads an optional string member; present but not a string is
// the client's "<name> is not string".
func readString(doc members, name string, dst *string) string {
	raw, ok := doc.get(name)
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

// stringValue decodes a JSON string member as json.Unmarshal would, false
// for any other value. A plain string (no escapes, valid UTF-8: nearly
// every wallet, nonce and signature) is the bytes between its quotes,
// which is what Unmarshal makes of it after checking and scanning it
// again; the body it comes from was checked whole already.
func stringValue(raw json.RawMessage) (string, bool) {
	if s, ok := plainString(raw); ok {
		return s, true
	}
	var s string
	if jsonKind(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func readMultisig(raw json.RawMessage) (*Multisig, string) {
	fail := func(msg string) (*Multisig, string) { return nil, msg }
	var obj map[string]json.RawMessage
	if jsonKind(raw) != '{' || json.Unmarshal(raw, &obj) != nil {
		return fail("multisig_accounts is not object")
	}
	m := &Multisig{}
	w, ok := obj["wallets"]
	if !ok {
		return fail("multisig_accounts has no member wallets")
	}
	if jsonKind(w) != '[' || json.Unmarshal(w, &m.Wallets) != nil {
		return fail("multisig_accounts member wallets is not array")
	}
	t, ok := obj["threshold"]
	if !ok {
		return fail("multisig_accounts has no member threshold")
	}
	if jsonKind(t) != '"' || json.Unmarshal(t, &m.Threshold) != nil {
		return fail("multisig_accounts member threshold is not string")
	}
	s, ok := obj["signs"]
	if !ok {
		return fail("multisig_accounts has no member signs")
	}
	if jsonKind(s) != '[' || json.Unmarshal(s, &m.Signs) != nil {
		return fail("multisig_accounts member signs is not array")
	}
	return m, ""
}

// jsonKind is the first significant byte of a JSON value ('{', '[', '"',
// 'n', 't', 'f' or a digit/sign).
func jsonKind(raw json.RawMessage) byte {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return 0
	}
	return t[0]
}

// walletSignValid is the client's check of credential type 1.
func (r *Request) walletSignValid() bool {
	return r.Wallet != "" && r.Nonce != "" && r.Sign != ""
}

// multisigValid is the client's structural check of credential type 2
// (check_multisig_wallets): the threshold, read with atoi, at most the
// number of wallets and of signs (compared as unsigned numbers, so a
// negative threshold fails), and every sign by a listed wallet with a
// wallet, nonce and sign. A threshold below 1 passes here; the node refuses
// it.
func (r *Request) multisigValid() bool {
	m := r.Multisig
	if m == nil {
		return false
	}
	th := atoi(m.Threshold)
	if th < 0 || th > len(m.Wallets) || th > len(m.Signs) {
		return false
	}
	listed := map[string]bool{}
	for _, w := range m.Wallets {
		listed[w] = true
	}
	for _, s := range m.Signs {
		if !listed[s.Wallet] || s.Wallet == "" || s.Nonce == "" || s.Sign == "" {
			return false
		}
	}
	return true
}

// precheckKind names the two wordings of the client's credential precheck.
type precheckKind int

const (
	precheckNone precheckKind = iota
	// precheckWallet: "wallet_sign and multisig_wallets all invalid".
	precheckWallet
	// precheckSession: "session_id and wallet all invalid".
	precheckSession
)

// precheck is the client's credential check before relaying (§4.2 of the
// reference): a session pair, or a wallet signature, or a valid multisig.
func (r *Request) precheck(kind precheckKind) *Error {
	if kind == precheckNone {
		return nil
	}
	if r.SessionID != "" && r.SessionIDSign != "" {
		return nil
	}
	if r.walletSignValid() || r.multisigValid() {
		return nil
	}
	if kind == precheckSession {
		return clientError("session_id and wallet all invalid")
	}
	return clientError("wallet_sign and multisig_wallets all invalid")
}

// anyCredentials says whether the request carries any credential field
// (wallet, nonce, sign, session id, multisig), valid or not.
func (r *Request) anyCredentials() bool {
	return r.Wallet != "" || r.Nonce != "" || r.Sign != "" || r.SessionID != "" || r.SessionIDSign != "" || r.Multisig != nil
}

// str reads a string parameter of additional; a missing key is "".
func (r *Request) str(name string) (string, bool) {
	raw, ok := r.Additional[name]
	if !ok {
		return "", true
	}
	var s string
	if jsonKind(raw) != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// strList reads an array of strings of additional; a missing key is nil.
func (r *Request) strList(name string) ([]string, bool) {
	raw, ok := r.Additional[name]
	if !ok {
		return nil, true
	}
	var out []string
	if jsonKind(raw) != '[' || json.Unmarshal(raw, &out) != nil {
		return nil, false
	}
	return out, true
}

// num reads a number parameter of additional (the disk API sends numbers);
// a numeric string is accepted too.
func (r *Request) num(name string) (int64, bool, bool) {
	raw, ok := r.Additional[name]
	if !ok {
		return 0, false, true
	}
	var n json.Number
	if jsonKind(raw) == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, true, false
		}
		n = json.Number(s)
	} else if json.Unmarshal(raw, &n) != nil {
		return 0, true, false
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return 0, true, false
	}
	return v, true, true
}

// jsonParseError words Go's syntax errors the way rapidjson (the real
// client's parser) does: "json parse error: <message>(<offset>)".
func jsonParseError(body []byte, err error) (string, bool) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && se.Error() != "unexpected end of JSON input":
		off := se.Offset - 1
		if off < 0 {
			off = 0
		}
		return "json parse error: " + rapidjsonMessage(se.Error(), body) + "(" + strconv.FormatInt(off, 10) + ")", true
	case errors.As(err, &te):
		return "", false
	case errors.As(err, &se):
		if len(bytes.TrimSpace(body)) == 0 {
			return "json parse error: The document is empty.(" + strconv.Itoa(len(body)) + ")", true
		}
		return "json parse error: " + unexpectedEnd(body) + "(" + strconv.Itoa(len(body)) + ")", true
	}
	return "", false
}

// rapidjsonMessage maps a Go syntax error to rapidjson's wording.
func rapidjsonMessage(goMsg string, body []byte) string {
	switch {
	case strings.Contains(goMsg, "after top-level value"):
		return "The document root must not be followed by other values."
	case strings.Contains(goMsg, "after object key:value pair"):
		return "Missing a comma or '}' after an object member."
	case strings.Contains(goMsg, "after object key"):
		return "Missing a colon after a name of object member."
	case strings.Contains(goMsg, "looking for beginning of object key string"):
		return "Missing a name for object member."
	case strings.Contains(goMsg, "after array element"):
		return "Missing a comma or ']' after an array element."
	case strings.Contains(goMsg, "in string escape code"):
		return "Invalid escape character in string."
	case strings.Contains(goMsg, "in \\u hexadecimal character escape"):
		return "Incorrect hex digit after \\u escape in string."
	case strings.Contains(goMsg, "in string literal"):
		return "Invalid encoding in string."
	case strings.Contains(goMsg, "in numeric literal"), strings.Contains(goMsg, "after decimal point"):
		return "Miss fraction part in number."
	case strings.Contains(goMsg, "in exponent"):
		return "Miss exponent in number."
	}
	return "Invalid value."
}

// unexpectedEnd words a truncated document.
func unexpectedEnd(body []byte) string {
	inString, escaped := false, false
	for _, b := range body {
		switch {
		case escaped:
			escaped = false
		case b == '\\' && inString:
			escaped = true
		case b == '"':
			inString = !inString
		}
	}
	if inString {
		return "Missing a closing quotation mark in string."
	}
	t := bytes.TrimSpace(body)
	switch t[len(t)-1] {
	case ',', '{':
		return "Missing a name for object member."
	case ':', '[':
		return "Invalid value."
	}
	for i := len(t) - 1; i >= 0; i-- {
		if t[i] == '[' {
			return "Missing a comma or ']' after an array element."
		}
		if t[i] == '{' {
			return "Missing a comma or '}' after an object member."
		}
	}
	return "Invalid value."
}

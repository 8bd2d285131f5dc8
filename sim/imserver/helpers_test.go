package imserver_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/panelsimtest"
)

// api is a test's handle on the IMserver gateway of an in-process panelsim.
type api struct {
	t   testing.TB
	srv *panelsimtest.Server
	c   *simtest.Client
}

func newAPI(t testing.TB, opts ...panelsimtest.Option) *api {
	t.Helper()
	srv := panelsimtest.RunT(t, opts...)
	return &api{t: t, srv: srv, c: simtest.New(t, srv)}
}

// with is the same panelsim seen from a subtest: failures are reported to
// (and stop) the subtest, not its parent.
func (a *api) with(t testing.TB) *api {
	return &api{t: t, srv: a.srv, c: simtest.New(t, a.srv)}
}

// answer is the vendor envelope decoded loosely.
type answer struct {
	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data"`
	Login   string          `json:"login"`
	Sess    string          `json:"sess"`
	raw     []byte
}

// code is the error code of a failed answer.
func (a answer) code() string {
	var s string
	_ = json.Unmarshal(a.Data, &s)
	return s
}

// get sends the parameters (pairs of names and values) as a GET query.
func (a *api) get(kv ...string) answer {
	a.t.Helper()
	return a.decode(a.c.Get("/api?" + values(kv...).Encode()))
}

func (a *api) decode(r *simtest.Response) answer {
	a.t.Helper()
	r.Expect(a.t, 200)
	var ans answer
	r.Decode(a.t, &ans)
	ans.raw = r.Body
	return ans
}

func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// login opens a session or fails the test.
func (a *api) login(user, pass string, extra ...string) string {
	a.t.Helper()
	ans := a.get(append([]string{"cmd", "login", "loginUsername", user, "loginPassword", pass}, extra...)...)
	if !ans.Success || ans.Sess == "" {
		a.t.Fatalf("login %s failed: %s", user, ans.raw)
	}
	return ans.Sess
}

// ok runs a command with a session and returns its data, failing the test
// on an error answer.
func (a *api) ok(sess, cmd string, kv ...string) json.RawMessage {
	a.t.Helper()
	ans := a.get(append([]string{"cmd", cmd, "sess", sess}, kv...)...)
	if !ans.Success {
		a.t.Fatalf("%s %v: want success, got %s", cmd, kv, ans.raw)
	}
	checkData(a.t, cmd, ans.Data)
	return ans.Data
}

// dataSchemas names the spec component each command's data must match
// ("[]X": an array of X). The gateway's response schema can only say
// "data is one of these shapes"; this pins the shape per command.
var dataSchemas = map[string]string{
	"logout": "Session", "get_account": "AccountData",
	"get_servers": "[]ServerData", "get_servers_status": "[]ServerStatusData", "get_presets": "[]PresetData",
	"get_logs": "[]LogData", "get_templates": "[]TemplateData", "get_isos": "[]IsoData",
	"get_dns_zones": "[]ZoneData", "get_dns_records": "[]RecordData", "get_networks": "[]NetworkData",
	"get_interfaces": "[]InterfaceData", "get_stats": "StatsData", "get_contracts": "[]ContractData",
	"get_balance": "BalanceData", "get_payments": "[]PaymentData", "get_tickets": "[]TicketData",
}

// idCommands answer the id of the object they act on, as a string.
var idCommands = []string{
	"add_server", "update_server", "run_server", "stop_server", "pause_server", "reload_server",
	"archive_server", "del_server", "reinstall_server", "eth_action", "mount_iso", "umount_iso",
	"add_dns_zone", "del_dns_zone", "add_dns_record", "del_dns_record", "add_network", "del_network",
	"add_ticket", "reply_ticket", "close_ticket",
}

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
)

// checkData validates a command's data against its own spec component.
func checkData(t testing.TB, cmd string, data json.RawMessage) {
	t.Helper()
	specOnce.Do(func() {
		c, err := openapi.Load(openapi.Source{Name: "imserver"})
		if err == nil {
			specDoc = c.Doc("imserver")
		}
		specErr = err
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	name := dataSchemas[cmd]
	for _, c := range idCommands {
		if c == cmd {
			name = "IdResult"
		}
	}
	if name == "" {
		t.Fatalf("no data schema known for %s", cmd)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s data: %v", cmd, err)
	}
	items := []any{v}
	if elem, ok := strings.CutPrefix(name, "[]"); ok {
		list, isList := v.([]any)
		if !isList {
			t.Fatalf("%s data is not an array: %s", cmd, data)
		}
		name, items = elem, list
	}
	ref := specDoc.Components.Schemas[name]
	if ref == nil {
		t.Fatalf("the spec has no schema %s", name)
	}
	for _, it := range items {
		if err := ref.Value.VisitJSON(it); err != nil {
			t.Fatalf("%s data does not match %s: %v\n%s", cmd, name, err, data)
		}
	}
}

// fails runs a command and checks it is refused with code.
func (a *api) fails(code, sess, cmd string, kv ...string) answer {
	a.t.Helper()
	ans := a.get(append([]string{"cmd", cmd, "sess", sess}, kv...)...)
	if ans.Success || ans.code() != code {
		a.t.Fatalf("%s %v: want error %s, got %s", cmd, kv, code, ans.raw)
	}
	return ans
}

// into decodes data into v.
func into[T any](t testing.TB, data json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return v
}

type serverStatus struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
	Task   string `json:"task"`
	Error  string `json:"error"`
}

// status returns one server's status entry.
func (a *api) status(sess string, id string) serverStatus {
	a.t.Helper()
	list := into[[]serverStatus](a.t, a.ok(sess, "get_servers_status", "id", id))
	if len(list) != 1 {
		a.t.Fatalf("get_servers_status id=%s: %d entries", id, len(list))
	}
	return list[0]
}

type logEntry struct {
	ID         int64  `json:"id"`
	DatePost   string `json:"datepost"`
	DateCommit string `json:"datecommit"`
	Cmd        string `json:"cmd"`
	Status     int    `json:"status"`
	ServerID   int64  `json:"serverid"`
}

func (a *api) logs(sess string, kv ...string) []logEntry {
	a.t.Helper()
	return into[[]logEntry](a.t, a.ok(sess, "get_logs", kv...))
}

func (a *api) str(data json.RawMessage) string {
	a.t.Helper()
	return into[string](a.t, data)
}

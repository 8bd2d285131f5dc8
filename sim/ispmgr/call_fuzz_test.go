package ispmgr

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/state"
)

// allFuncs lists every function of both products, sorted, as mgr/func.
func allFuncs() []string {
	var out []string
	for _, mgr := range []string{mgrISP, mgrIP} {
		for fn := range funcs(mgr) {
			out = append(out, mgr+"/"+fn)
		}
	}
	sort.Strings(out)
	return out
}

// objectState is the panel's state without the session bookkeeping that
// every authenticated call touches (last use, expired sessions dropped).
func objectState(t *testing.T, tx *state.Tx) string {
	t.Helper()
	st := *state.PanelState[State](tx, Name)
	st.Sessions = nil
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzCall runs any function of either product with any parameters, as
// root and as vasya: no panic, every format renders (JSON ones valid), and
// an answer that is an error left every object as it was (mgr5 checks all
// input before it changes anything).
func FuzzCall(f *testing.F) {
	seeds := []string{
		"sok=ok&name=a.example.com&owner=vasya",
		"sok=ok&elid=vasya&passwd=x&confirm=y",
		"elid=vasya, nobody",
		"sok=ok&name=client1&passwd=p&webdomain_name=vasya.example.com&ipsrc=auto",
		"sok=ok&plid=vasya.example.com&rtype=txt&name=x&value=%00",
		"sok=ok&ip=192.0.2.300&ipnet=192.0.2.0/24",
		"sok=ok&name=10.0.0.0/33&gateway=x",
		"elid=192.0.2.0/24&sok=ok&name=198.51.100.0/24",
		"p_cnt=-1&p_num=99999999999999999999&p_sort=id&p_order=desc",
		"sok=ok&name=user0&passwd=pw&preset=base&limit_db=-1",
		"su=nobody",
		"sok=ok&key=short&username=vasya",
		"sok=ok&site_name=a.example.com&site_owner=vasya&site_ipaddrs=192.0.2.10&site_hsts=on",
		"sok=ok&plid=vasya.example.com&name=x&sdtype=MX&addr=mail.example.com.&prio=5",
		"sok=ok&name=f_1&owner=vasya&passwd=p&home=../x",
		"sok=ok&name=srv&type=mysql&password=p&elid=MySQL",
		"sok=ok&name=c1&passwd=p&ftp_user_name=vasya_wp&webdomain_name=c1.example.com",
		"sok=ok&plid=vasya.example.com&name=_sip._tcp&sdtype=SRV&addr=sip&prio=10&wght=5&port=5060",
		"sok=ok&plid=vasya.example.com&name=_x._tcp&rtype=srv&priority=1&value=0+5222+x",
	}
	// Every function meets three of the parameter sets, as root and as
	// vasya; the fuzzer mixes further.
	for i := range allFuncs() {
		for j := range 3 {
			s := seeds[(i+j*5)%len(seeds)]
			f.Add(uint16(i), false, s)
			f.Add(uint16(i), true, s)
		}
	}
	raw, err := os.ReadFile("testdata/scenario.yaml")
	if err != nil {
		f.Fatal(err)
	}
	fns := allFuncs()
	f.Fuzz(func(t *testing.T, pick uint16, asUser bool, params string) {
		w, err := newWorld(t, string(raw))
		if err != nil {
			t.Fatal(err)
		}
		mgr, fn, _ := strings.Cut(fns[int(pick)%len(fns)], "/")
		p := NewParams()
		p.ParseParams(params)
		p.Set("func", fn)
		p.Set("authinfo", map[bool]string{false: "root:secret", true: "vasya:vasyapass"}[asUser])
		var doc *Node
		var before, after string
		err = w.Do(func(tx *state.Tx) error {
			before = objectState(t, tx)
			doc = Call(tx, &Request{Mgr: mgr, Binary: "/" + mgr, Host: "https://h:1500", IP: "10.0.0.1", Params: p})
			after = objectState(t, tx)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if e := doc.child("error"); e != nil && before != after {
			t.Fatalf("%s %s: error %s(%s) but the state changed\nbefore %s\nafter  %s", mgr, fn, e.attr("type"), e.attr("object"), before, after)
		}
		for _, f := range []format{fmtXML, fmtDevel, fmtText, fmtSJSON, fmtJSON, fmtJSONData, fmtXJSON, fmtPrint, fmtHTML} {
			out := Render(doc, f)
			if f.isJSON() && !json.Valid(out) {
				t.Fatalf("%s: invalid JSON %q", f, out)
			}
			if f == fmtXML || f == fmtDevel {
				checkWellFormed(t, out)
			}
		}
	})
}

// checkWellFormed fails unless out is one well-formed XML document.
func checkWellFormed(t *testing.T, out []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(out))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("XML not well-formed: %v\n%s", err, out)
		}
	}
}

// FuzzSublistSRV sends domain.sublist.edit any SRV (or other) record with
// any wght, port and addr, new or as a change of a seeded SRV record: no
// panic, a refusal changes nothing, and an accepted SRV record lists the
// wght and port it was given (or kept).
func FuzzSublistSRV(f *testing.F) {
	f.Add("SRV", "sip", "5", "5060", false)
	f.Add("SRV", "sip.example.org.", "0", "65535", true)
	f.Add("srv", "", "", "5061", true)
	f.Add("A", "192.0.2.9", "5", "80", false)
	f.Add("SRV", "a b", "05", "+1", false)
	f.Add("SRV", "x", "1 2", "3", true)
	raw, err := os.ReadFile("testdata/scenario.yaml")
	if err != nil {
		f.Fatal(err)
	}
	const seeded = "_sip._tcp.vasya.example.com. SRV  10 5 5060 sip.vasya.example.com."
	f.Fuzz(func(t *testing.T, sdtype, addr, wght, port string, change bool) {
		w, err := newWorld(t, string(raw))
		if err != nil {
			t.Fatal(err)
		}
		call := func(kv ...string) *Node {
			p := NewParams()
			for i := 0; i+1 < len(kv); i += 2 {
				p.Add(kv[i], kv[i+1])
			}
			p.Set("authinfo", "root:secret")
			var doc *Node
			if err := w.Do(func(tx *state.Tx) error {
				doc = Call(tx, &Request{Mgr: mgrISP, Binary: "/ispmgr", Host: "https://h:1500", IP: "10.0.0.1", Params: p})
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return doc
		}
		seed := call("func", "domain.sublist.edit", "sok", "ok", "plid", "vasya.example.com", "name", "_sip._tcp",
			"sdtype", "SRV", "addr", "sip", "prio", "10", "wght", "5", "port", "5060")
		if seed.child("ok") == nil {
			t.Fatal("the seeded SRV record was refused")
		}
		elid := ""
		if change {
			elid = seeded
		}
		list := func() string {
			return string(Render(call("func", "domain.sublist", "elid", "vasya.example.com"), fmtXML))
		}
		before := list()
		doc := call("func", "domain.sublist.edit", "sok", "ok", "plid", "vasya.example.com", "elid", elid, "name", "_new._tcp",
			"sdtype", sdtype, "addr", addr, "wght", wght, "port", port)
		after := list()
		if doc.child("error") != nil {
			if before != after {
				t.Fatalf("refused, but the zone changed:\n%s\n%s", before, after)
			}
			return
		}
		if !strings.EqualFold(sdtype, "SRV") && !(sdtype == "" && change) {
			return
		}
		var elem string
		for _, el := range strings.Split(after, "<elem>") {
			if strings.Contains(el, "<name>_new._tcp.vasya.example.com.</name>") {
				elem = el
			}
		}
		for _, want := range []string{"<wght>" + cmp.Or(wght, "5") + "</wght>", "<port>" + cmp.Or(port, "5060") + "</port>"} {
			if !strings.Contains(elem, want) {
				t.Fatalf("accepted SRV record does not list %s:\n%s", want, after)
			}
		}
	})
}

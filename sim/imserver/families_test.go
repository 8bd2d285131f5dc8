package imserver_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/panelsim/panelsim/internal/simtest"
)

type record struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Content  string `json:"content"`
	TTL      int    `json:"ttl"`
	Priority int    `json:"priority"`
}

func TestDNSZonesAndRecords(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	simtest.Golden(t, "get_dns_zones.json", a.c.Get("/api?cmd=get_dns_zones&sess="+sess).Body)
	zone := a.str(a.ok(sess, "add_dns_zone", "name", "Example.RU."))
	a.fails("0032", sess, "add_dns_zone", "name", "example.ru")
	recs := into[[]record](t, a.ok(sess, "get_dns_records", "zone", zone))
	if len(recs) != 2 || recs[0].Type != "NS" || recs[0].Content != "ns1.imserver.ru" || recs[0].Name != "@" {
		t.Fatalf("a new zone has the panel's NS records: %+v", recs)
	}
	www := a.str(a.ok(sess, "add_dns_record", "zone", zone, "name", "www", "type", "A", "content", "192.0.2.10"))
	a.ok(sess, "add_dns_record", "zone", zone, "name", "@", "type", "MX", "content", "mx.example.ru.", "priority", "10")
	a.ok(sess, "add_dns_record", "zone", zone, "name", "_sip._tcp", "type", "SRV", "content", "5 5060 sip.example.ru", "priority", "0", "ttl", "300")
	a.ok(sess, "add_dns_record", "zone", zone, "name", "mail.example.ru.", "type", "AAAA", "content", "2001:db8::1")
	recs = into[[]record](t, a.ok(sess, "get_dns_records", "zone", zone))
	if len(recs) != 6 || recs[2].Type != "A" || recs[2].TTL != 3600 || recs[3].Content != "mx.example.ru" || recs[5].Name != "mail" {
		t.Fatalf("records: %+v", recs)
	}
	a.ok(sess, "del_dns_record", "id", www)
	a.fails("0023", sess, "del_dns_record", "id", www)
	a.ok(sess, "del_dns_zone", "id", zone)
	a.fails("0023", sess, "get_dns_records", "zone", zone)
}

func TestDNSRecordValidation(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	zone := a.str(a.ok(sess, "add_dns_zone", "name", "example.org"))
	a.ok(sess, "add_dns_record", "zone", zone, "name", "www", "type", "CNAME", "content", "example.org")
	cases := []struct {
		name string
		kv   []string
		code string
	}{
		{"A with IPv6", []string{"name", "x", "type", "A", "content", "2001:db8::1"}, "0003"},
		{"A with garbage", []string{"name", "x", "type", "A", "content", "300.1.1.1"}, "0003"},
		{"AAAA with IPv4", []string{"name", "x", "type", "AAAA", "content", "192.0.2.1"}, "0003"},
		{"unknown type", []string{"name", "x", "type", "PTRX", "content", "a.b"}, "0003"},
		{"type is case-sensitive", []string{"name", "x", "type", "a", "content", "192.0.2.1"}, "0003"},
		{"MX without priority", []string{"name", "@", "type", "MX", "content", "mx.example.org"}, "0002"},
		{"MX priority too big", []string{"name", "@", "type", "MX", "content", "mx.example.org", "priority", "70000"}, "0003"},
		{"CNAME at apex", []string{"name", "@", "type", "CNAME", "content", "other.org"}, "0003"},
		{"CNAME beside CNAME", []string{"name", "www", "type", "CNAME", "content", "other.org"}, "0032"},
		{"A beside CNAME", []string{"name", "www", "type", "A", "content", "192.0.2.1"}, "0032"},
		{"bad name", []string{"name", "bad_name!", "type", "A", "content", "192.0.2.1"}, "0003"},
		{"name outside zone", []string{"name", "www.other.org.", "type", "A", "content", "192.0.2.1"}, "0003"},
		{"ttl too low", []string{"name", "x", "type", "A", "content", "192.0.2.1", "ttl", "5"}, "0003"},
		{"negative ttl", []string{"name", "x", "type", "A", "content", "192.0.2.1", "ttl", "-5"}, "0003"},
		{"ttl -1", []string{"name", "x", "type", "A", "content", "192.0.2.1", "ttl", "-1"}, "0003"},
		{"negative priority", []string{"name", "@", "type", "MX", "content", "mx.example.org", "priority", "-1"}, "0003"},
		{"ttl not a number", []string{"name", "x", "type", "A", "content", "192.0.2.1", "ttl", "soon"}, "0003"},
		{"SRV bad name", []string{"name", "sip", "type", "SRV", "content", "5 5060 sip.example.org", "priority", "1"}, "0003"},
		{"SRV bad content", []string{"name", "_sip._udp", "type", "SRV", "content", "5 sip.example.org", "priority", "1"}, "0003"},
		{"empty TXT", []string{"name", "x", "type", "TXT", "content", " "}, "0002"},
		{"no type", []string{"name", "x", "content", "192.0.2.1"}, "0002"},
		{"unknown zone", []string{"zone", "999", "name", "x", "type", "A", "content", "192.0.2.1"}, "0023"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := a.with(t)
			kv := append([]string{"zone", zone}, tc.kv...)
			a.fails(tc.code, sess, "add_dns_record", kv...)
		})
	}
	if recs := into[[]record](t, a.ok(sess, "get_dns_records", "zone", zone)); len(recs) != 3 {
		t.Fatalf("refused records must not be added: %+v", recs)
	}
	for _, bad := range []string{"localhost", "-bad.ru", "a..b", "example.123", "ex ample.ru"} {
		a.fails("0003", sess, "add_dns_zone", "name", bad)
	}
}

type iface struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Type    string `json:"type"`
	Network int64  `json:"network"`
	IP      string `json:"ip"`
}

func TestNetworksAndInterfaces(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	simtest.Golden(t, "get_networks.json", a.c.Get("/api?cmd=get_networks&sess="+sess).Body)
	simtest.Golden(t, "get_interfaces.json", a.c.Get("/api?cmd=get_interfaces&sess="+sess+"&id=334").Body)
	lan := a.str(a.ok(sess, "add_network", "name", "lan"))
	a.fails("0032", sess, "add_network", "name", "lan")
	a.fails("0032", sess, "add_network", "name", "other", "subnet", "10.0.0.128/25")
	a.fails("0003", sess, "add_network", "name", "public", "subnet", "8.8.8.0/24")
	a.fails("0003", sess, "add_network", "name", "hostbits", "subnet", "10.9.9.1/24")
	nets := into[[]struct {
		ID     int64  `json:"id"`
		Subnet string `json:"subnet"`
	}](t, a.ok(sess, "get_networks"))
	if len(nets) != 2 || nets[1].Subnet != "10.0.1.0/24" {
		t.Fatalf("the first free /24 is picked: %+v", nets)
	}
	a.ok(sess, "eth_action", "id", "335", "action", "attach", "network", lan)
	a.fails("0021", sess, "eth_action", "id", "335", "action", "attach", "network", lan)
	if st := a.status(sess, "335"); st.Status != "running" || st.Task != "eth_action" {
		t.Fatalf("eth_action keeps the power state: %+v", st)
	}
	a.srv.Advance(5 * time.Second)
	ifs := into[[]iface](t, a.ok(sess, "get_interfaces", "id", "335"))
	if len(ifs) != 2 || ifs[1].Name != "eth1" || ifs[1].Type != "private" || ifs[1].IP != "10.0.1.2" {
		t.Fatalf("attached: %+v", ifs)
	}
	a.fails("0032", sess, "eth_action", "id", "335", "action", "attach", "network", lan)
	a.fails("0033", sess, "del_network", "id", lan)
	a.fails("0027", sess, "eth_action", "id", "335", "action", "detach", "interface", idOf(ifs[0].ID))
	a.fails("0003", sess, "eth_action", "id", "335", "action", "explode")
	a.fails("0002", sess, "eth_action", "id", "335", "action", "detach")
	a.ok(sess, "eth_action", "id", "335", "action", "detach", "interface", idOf(ifs[1].ID))
	a.srv.Advance(5 * time.Second)
	a.ok(sess, "del_network", "id", lan)
	a.fails("0023", sess, "del_network", "id", lan)
	if logs := a.logs(sess); len(logs) != 2 || logs[0].Cmd != "eth_action" {
		t.Fatalf("eth_action is journaled: %+v", logs)
	}
}

func idOf(id int64) string { return strconv.FormatInt(id, 10) }

func TestStatsAreDeterministic(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	first := a.c.Get("/api?cmd=get_stats&sess=" + sess + "&id=334&period=hour")
	simtest.Golden(t, "get_stats_hour.json", first.Body)
	b := newAPI(t)
	other := b.c.Get("/api?cmd=get_stats&sess=" + b.login("petrov", "superpassword") + "&id=334&period=hour")
	if !bytes.Equal(first.Body, other.Body) {
		t.Fatal("the same seed must give the same statistics")
	}
	type stats struct {
		Step int `json:"step"`
		CPU  []struct {
			Time  string  `json:"time"`
			Value float64 `json:"value"`
		} `json:"cpu"`
		RAM []struct {
			Value float64 `json:"value"`
		} `json:"ram"`
	}
	for _, p := range []struct {
		period string
		points int
		step   int
	}{{"hour", 12, 300}, {"day", 24, 3600}, {"week", 28, 21600}, {"month", 30, 86400}} {
		s := into[stats](t, a.ok(sess, "get_stats", "id", "334", "period", p.period))
		if len(s.CPU) != p.points || s.Step != p.step {
			t.Fatalf("%s: %d points every %d s", p.period, len(s.CPU), s.Step)
		}
		for i, c := range s.CPU {
			if c.Value <= 0 || c.Value > 100 || s.RAM[i].Value > 8*1024 {
				t.Fatalf("%s: implausible sample %v / %v", p.period, c, s.RAM[i])
			}
		}
	}
	a.fails("0003", sess, "get_stats", "id", "334", "period", "year")
	a.fails("0020", sess, "get_stats", "id", "999")
	// A past sample keeps its value as time moves on.
	before := into[stats](t, a.ok(sess, "get_stats", "id", "334", "period", "hour"))
	a.srv.Advance(5 * time.Minute)
	after := into[stats](t, a.ok(sess, "get_stats", "id", "334", "period", "hour"))
	if after.CPU[10] != before.CPU[11] {
		t.Fatalf("samples shift with time but keep their values: %v vs %v", before.CPU[11], after.CPU[10])
	}
	// A new server has no history before its creation.
	id := a.str(a.ok(sess, "add_server", "json", `{"preset":1}`))
	fresh := into[stats](t, a.ok(sess, "get_stats", "id", id, "period", "day"))
	if fresh.CPU[0].Value != 0 || fresh.CPU[23].Value == 0 {
		t.Fatalf("new server history: first %v last %v", fresh.CPU[0], fresh.CPU[23])
	}
}

func TestContractsAndFinance(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	simtest.Golden(t, "get_contracts.json", a.c.Get("/api?cmd=get_contracts&sess="+sess).Body)
	simtest.Golden(t, "get_balance.json", a.c.Get("/api?cmd=get_balance&sess="+sess).Body)
	a.ok(sess, "add_server", "json", `{"preset":1,"contract":2}`)
	simtest.Golden(t, "get_payments.json", a.c.Get("/api?cmd=get_payments&sess="+sess).Body)
	pays := into[[]struct {
		Contract int64 `json:"contract"`
	}](t, a.ok(sess, "get_payments", "contract", "1"))
	if len(pays) != 1 || pays[0].Contract != 1 {
		t.Fatalf("payments of contract 1: %+v", pays)
	}
	a.fails("0031", sess, "get_balance", "contract", "3") // ivanov's
	if b := into[balance](t, a.ok(sess, "get_balance", "contract", "2")); b.Balance != "210.00" {
		t.Fatalf("contract 2: %s", b.Balance)
	}
	a.fails("0030", sess, "add_server", "json", `{"preset":1,"contract":2}`)
}

func TestTickets(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	id := a.str(a.ok(sess, "add_ticket", "subject", "Сервер не отвечает", "message", "web1 не пингуется", "serverid", "333"))
	a.fails("0002", sess, "add_ticket", "subject", "no message")
	a.fails("0020", sess, "add_ticket", "subject", "s", "message", "m", "serverid", "999")
	type ticket struct {
		Status   string `json:"status"`
		Messages []struct {
			Author string `json:"author"`
		} `json:"messages"`
	}
	tk := into[[]ticket](t, a.ok(sess, "get_tickets", "id", id))
	if tk[0].Status != "open" || len(tk[0].Messages) != 1 {
		t.Fatalf("new ticket: %+v", tk)
	}
	a.srv.Advance(30 * time.Minute)
	tk = into[[]ticket](t, a.ok(sess, "get_tickets", "id", id))
	if tk[0].Status != "answered" || len(tk[0].Messages) != 2 || tk[0].Messages[1].Author != "support" {
		t.Fatalf("support answers after 30 min: %+v", tk)
	}
	simtest.Golden(t, "get_tickets.json", a.c.Get("/api?cmd=get_tickets&sess="+sess).Body)
	a.ok(sess, "reply_ticket", "id", id, "message", "спасибо, заработало")
	a.ok(sess, "close_ticket", "id", id)
	a.fails("0027", sess, "reply_ticket", "id", id, "message", "ещё вопрос")
	a.fails("0027", sess, "close_ticket", "id", id)
	a.srv.Advance(time.Hour)
	tk = into[[]ticket](t, a.ok(sess, "get_tickets", "id", id))
	if tk[0].Status != "closed" || len(tk[0].Messages) != 3 {
		t.Fatalf("no answer to a closed ticket: %+v", tk)
	}
	a.fails("0023", sess, "get_tickets", "id", "999")
}

// Attachments still queued hold their addresses: two servers joining one
// network at once get different addresses, and the network cannot go away
// under them.
func TestQueuedAttachesHoldTheirAddresses(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	lan := a.str(a.ok(sess, "add_network", "name", "lan"))
	a.ok(sess, "eth_action", "id", "335", "action", "attach", "network", lan)
	a.ok(sess, "eth_action", "id", "336", "action", "attach", "network", lan)
	a.fails("0033", sess, "del_network", "id", lan)
	a.srv.Advance(5 * time.Second)
	ips := map[string]int64{}
	for _, id := range []string{"335", "336"} {
		for _, i := range into[[]iface](t, a.ok(sess, "get_interfaces", "id", id)) {
			if i.Type != "private" {
				continue
			}
			if other, dup := ips[i.IP]; dup {
				t.Fatalf("servers %d and %s share %s", other, id, i.IP)
			}
			ips[i.IP] = i.ID
		}
	}
	if len(ips) != 2 {
		t.Fatalf("want two private addresses, got %v", ips)
	}
}

// Statistics follow the server's power: a stopped server has no load, no
// RAM in use and no traffic; once it runs, its samples come.
func TestStatsFollowThePowerState(t *testing.T) {
	a := newAPI(t)
	sess := a.login("petrov", "superpassword")
	type stats struct {
		CPU []struct {
			Time  string  `json:"time"`
			Value float64 `json:"value"`
		} `json:"cpu"`
		RAM []struct {
			Value float64 `json:"value"`
		} `json:"ram"`
		TrafficIn []struct {
			Value float64 `json:"value"`
		} `json:"traffic_in"`
	}
	get := func(period string) stats {
		return into[stats](t, a.ok(sess, "get_stats", "id", "333", "period", period))
	}
	for i, p := range get("week").CPU { // 333 is seeded stopped
		if p.Value != 0 || get("week").RAM[i].Value != 0 {
			t.Fatalf("a stopped server reports load at %s: %v", p.Time, p.Value)
		}
	}
	a.ok(sess, "run_server", "id", "333") // 03:00, running from 03:00:10
	a.srv.Advance(30 * time.Minute)
	s := get("hour") // 02:35 .. 03:30
	if s.CPU[0].Value != 0 {
		t.Fatalf("before run_server (%s) the server was stopped: %v", s.CPU[0].Time, s.CPU[0].Value)
	}
	if s.CPU[11].Value == 0 || s.RAM[11].Value == 0 || s.TrafficIn[11].Value == 0 {
		t.Fatalf("a running server reports load: %+v", s.CPU[11])
	}
	a.ok(sess, "stop_server", "id", "333") // 03:30, stopped from 03:30:10
	a.srv.Advance(30 * time.Minute)
	s = get("hour") // 03:05 .. 04:00
	if s.CPU[0].Value == 0 || s.CPU[4].Value == 0 || s.CPU[5].Value != 0 || s.CPU[11].Value != 0 {
		t.Fatalf("ran 03:00-03:30: %+v", s.CPU)
	}
}

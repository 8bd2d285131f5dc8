package imserver

import (
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Zone is a DNS zone the panel's name servers serve for an account.
type Zone struct {
	ID      int64     `json:"id"`
	Owner   string    `json:"owner"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// Record is a resource record of a zone; Name is relative ("@" = apex).
type Record struct {
	ID       int64  `json:"id"`
	Zone     int64  `json:"zone"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Content  string `json:"content"`
	TTL      int    `json:"ttl"`
	Priority int    `json:"priority"`
}

// The panel's name servers, put into every new zone.
var nameServers = []string{"ns1.imserver.ru", "ns2.imserver.ru"}

// The TTL rule: default, lowest, highest (seconds).
const (
	ttlDefault = 3600
	ttlMin     = 60
	ttlMax     = 604800
	nsTTL      = 86400
)

// ZoneView is an entry of get_dns_zones.
type ZoneView struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Records int    `json:"records"`
	Created string `json:"created"`
}

// Zones lists the account's DNS zones.
func (m *model) Zones() []ZoneView {
	out := []ZoneView{}
	for _, id := range slices.Sorted(maps.Keys(m.st.Zones)) {
		z := m.st.Zones[id]
		if z.Owner != m.login {
			continue
		}
		n := 0
		for _, r := range m.st.Records {
			if r.Zone == z.ID {
				n++
			}
		}
		out = append(out, ZoneView{ID: z.ID, Name: z.Name, Records: n, Created: fmtTime(z.Created)})
	}
	return out
}

func (m *model) zone(id int64) (*Zone, error) {
	z := m.st.Zones[id]
	if z == nil || z.Owner != m.login {
		return nil, fail(CodeNotFound, "no DNS zone %d on the account", id)
	}
	return z, nil
}

// AddZone creates a zone with the panel's NS records at its apex. Zone
// names are unique across the panel (one name server set serves them all).
func (m *model) AddZone(name string) (int64, error) {
	name, err := zoneName(name)
	if err != nil {
		return 0, err
	}
	for _, z := range m.st.Zones {
		if z.Name == name {
			return 0, fail(CodeExists, "zone %s already exists", name)
		}
	}
	id := m.tx.NextID("imserver.zone")
	m.st.Zones[id] = &Zone{ID: id, Owner: m.login, Name: name, Created: m.now()}
	for _, ns := range nameServers {
		m.putRecord(Record{Zone: id, Name: "@", Type: "NS", Content: ns, TTL: nsTTL})
	}
	return id, nil
}

func (m *model) putRecord(r Record) int64 {
	r.ID = m.tx.NextID("imserver.record")
	m.st.Records[r.ID] = &r
	return r.ID
}

// DelZone removes a zone and its records.
func (m *model) DelZone(id int64) (int64, error) {
	if _, err := m.zone(id); err != nil {
		return 0, err
	}
	for _, rid := range slices.Sorted(maps.Keys(m.st.Records)) {
		if m.st.Records[rid].Zone == id {
			delete(m.st.Records, rid)
		}
	}
	delete(m.st.Zones, id)
	return id, nil
}

// RecordView is an entry of get_dns_records.
type RecordView struct {
	ID       int64  `json:"id"`
	Zone     int64  `json:"zone"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Content  string `json:"content"`
	TTL      int    `json:"ttl"`
	Priority int    `json:"priority"`
}

// Records lists a zone's records.
func (m *model) Records(zone int64) ([]RecordView, error) {
	if _, err := m.zone(zone); err != nil {
		return nil, err
	}
	out := []RecordView{}
	for _, id := range slices.Sorted(maps.Keys(m.st.Records)) {
		r := m.st.Records[id]
		if r.Zone == zone {
			out = append(out, RecordView(*r))
		}
	}
	return out, nil
}

// RecordInput is add_dns_record's parameters; TTL and Priority are -1 when
// not given.
type RecordInput struct {
	Zone          int64
	Name, Type    string
	Content       string
	TTL, Priority int
}

// AddRecord validates and adds a record.
func (m *model) AddRecord(in RecordInput) (int64, error) {
	z, err := m.zone(in.Zone)
	if err != nil {
		return 0, err
	}
	r, err := checkRecord(z.Name, in)
	if err != nil {
		return 0, err
	}
	if err := m.checkConflicts(r); err != nil {
		return 0, err
	}
	return m.putRecord(r), nil
}

// checkConflicts enforces RFC 1034's CNAME rule and refuses duplicates.
func (m *model) checkConflicts(r Record) error {
	for _, o := range m.st.Records {
		if o.Zone != r.Zone || o.Name != r.Name {
			continue
		}
		if o.Type == "CNAME" || r.Type == "CNAME" {
			return fail(CodeExists, "a CNAME cannot share the name %s with other records (record %d is %s)", r.Name, o.ID, o.Type)
		}
		if o.Type == r.Type && o.Content == r.Content {
			return fail(CodeExists, "the same %s record exists (id %d)", r.Type, o.ID)
		}
	}
	return nil
}

// DelRecord removes a record. Another account's record is refused as a
// missing one is, to the reason's words: nothing tells them apart.
func (m *model) DelRecord(id int64) (int64, error) {
	r := m.st.Records[id]
	if r == nil || m.st.Zones[r.Zone] == nil || m.st.Zones[r.Zone].Owner != m.login {
		return 0, fail(CodeNotFound, "no DNS record %d on the account", id)
	}
	delete(m.st.Records, id)
	return id, nil
}

// zoneName normalises and checks a zone name (lowercase, no trailing dot,
// at least two labels, a non-numeric TLD).
func zoneName(s string) (string, error) {
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	labels := strings.Split(name, ".")
	if len(name) > 253 || len(labels) < 2 || !validHost(name, false) {
		return "", fail(CodeBadValue, "%q is not a domain name such as example.ru", s)
	}
	if _, err := strconv.Atoi(labels[len(labels)-1]); err == nil {
		return "", fail(CodeBadValue, "%q has a numeric top-level domain", s)
	}
	return name, nil
}

// validHost checks LDH labels of 1..63 characters; a leading "*" label is
// allowed for wildcard record names, "_" labels for SRV/TXT names.
func validHost(name string, relaxed bool) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for i, l := range strings.Split(name, ".") {
		if relaxed && ((i == 0 && l == "*") || (strings.HasPrefix(l, "_") && validLabel(l[1:]))) {
			continue
		}
		if !validLabel(l) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range l {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkRecord normalises and validates a record for a zone.
func checkRecord(zone string, in RecordInput) (Record, error) {
	// The vendor's parameter values are case-sensitive: "a" is not a type.
	r := Record{Zone: in.Zone, Type: strings.TrimSpace(in.Type), Content: strings.TrimSpace(in.Content)}
	name, err := recordName(zone, in.Name)
	if err != nil {
		return r, err
	}
	r.Name = name
	if r.TTL, err = recordTTL(in.TTL); err != nil {
		return r, err
	}
	if err := checkContent(&r, in.Priority); err != nil {
		return r, err
	}
	return r, nil
}

func recordTTL(ttl int) (int, error) {
	if ttl < 0 {
		return ttlDefault, nil
	}
	if ttl < ttlMin || ttl > ttlMax {
		return 0, fail(CodeBadValue, "ttl must be %d..%d seconds, got %d", ttlMin, ttlMax, ttl)
	}
	return ttl, nil
}

// recordName makes a name relative to the zone ("" and the zone itself
// are "@"; "www.example.ru." and "www" are "www").
func recordName(zone, name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if strings.HasSuffix(n, ".") {
		n = strings.TrimSuffix(n, ".")
		if n != zone && !strings.HasSuffix(n, "."+zone) {
			return "", fail(CodeBadValue, "record name %q is outside zone %s", name, zone)
		}
	}
	n = strings.TrimSuffix(strings.TrimSuffix(n, zone), ".")
	if n == "" || n == "@" {
		return "@", nil
	}
	if !validHost(n, true) || len(n)+len(zone)+1 > 253 {
		return "", fail(CodeBadValue, "record name %q is not a valid host name", name)
	}
	return n, nil
}

func checkContent(r *Record, priority int) error {
	switch r.Type {
	case "A":
		return checkAddr(r, true)
	case "AAAA":
		return checkAddr(r, false)
	case "CNAME", "NS":
		if r.Type == "CNAME" && r.Name == "@" {
			return fail(CodeBadValue, "a CNAME cannot be at the zone apex")
		}
		return checkTarget(r)
	case "MX":
		if err := checkPriority(r, priority); err != nil {
			return err
		}
		return checkTarget(r)
	case "TXT":
		if r.Content == "" || len(r.Content) > 255 {
			return fail(CodeBadValue, "TXT content must be 1..255 characters")
		}
		return nil
	case "SRV":
		return checkSRV(r, priority)
	}
	return fail(CodeBadValue, "type must be one of A, AAAA, CNAME, MX, NS, TXT, SRV, got %q", r.Type)
}

func checkAddr(r *Record, v4 bool) error {
	a, err := netip.ParseAddr(r.Content)
	if err != nil || a.Is4() != v4 || a.Zone() != "" {
		want := "IPv4"
		if !v4 {
			want = "IPv6"
		}
		return fail(CodeBadValue, "%s content must be an %s address, got %q", r.Type, want, r.Content)
	}
	r.Content = a.String()
	return nil
}

func checkTarget(r *Record) error {
	t := strings.TrimSuffix(strings.ToLower(r.Content), ".")
	if !validHost(t, false) || !strings.Contains(t, ".") {
		return fail(CodeBadValue, "%s content must be a host name, got %q", r.Type, r.Content)
	}
	r.Content = t
	return nil
}

func checkPriority(r *Record, priority int) error {
	if priority < 0 {
		return fail(CodeMissingParam, "%s records need priority", r.Type)
	}
	if priority > 65535 {
		return fail(CodeBadValue, "priority must be 0..65535, got %d", priority)
	}
	r.Priority = priority
	return nil
}

// checkSRV wants a _service._proto name and "weight port target" content.
func checkSRV(r *Record, priority int) error {
	labels := strings.Split(r.Name, ".")
	if len(labels) < 2 || !strings.HasPrefix(labels[0], "_") || !strings.HasPrefix(labels[1], "_") {
		return fail(CodeBadValue, "SRV name must start with _service._proto, got %q", r.Name)
	}
	if err := checkPriority(r, priority); err != nil {
		return err
	}
	f := strings.Fields(r.Content)
	if len(f) != 3 {
		return fail(CodeBadValue, "SRV content must be \"weight port target\", got %q", r.Content)
	}
	for i, what := range []string{"weight", "port"} {
		if n, err := strconv.Atoi(f[i]); err != nil || n < 0 || n > 65535 {
			return fail(CodeBadValue, "SRV %s must be 0..65535, got %q", what, f[i])
		}
	}
	t := &Record{Type: "SRV", Content: f[2]}
	if err := checkTarget(t); err != nil {
		return err
	}
	r.Content = f[0] + " " + f[1] + " " + t.Content
	return nil
}

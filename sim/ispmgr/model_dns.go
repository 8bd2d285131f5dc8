package ispmgr

import (
	"net/netip"
	"strconv"
	"strings"
)

// Zone is a DNS zone (func=domain) with its records.
type Zone struct {
	ID      int64    `json:"id"`
	Name    string   `json:"name"`
	Owner   string   `json:"owner"`
	IP      string   `json:"ip,omitempty"`
	Records []Record `json:"records"`
}

// Record is one resource record. Name is absolute with the trailing dot;
// Value holds MX and SRV data after the priority.
type Record struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Value    string `json:"value"`
	TTL      int    `json:"ttl"`
	Priority int    `json:"priority,omitempty"`
}

// data is the record's data as the panel shows it (MX with its priority).
func (r Record) data() string {
	if r.Type == "MX" || r.Type == "SRV" {
		return strconv.Itoa(r.Priority) + " " + r.Value
	}
	return r.Value
}

// srvParts splits an SRV record's value into weight, port and target; a
// value not of that shape is all target.
func (r Record) srvParts() (weight, port, target string) {
	if f := strings.Fields(r.Value); len(f) == 3 {
		return f[0], f[1], f[2]
	}
	return "", "", r.Value
}

// isUint16 says whether s is a decimal number from 0 to 65535, as SRV's
// weight and port and every priority are.
func isUint16(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535 && strconv.Itoa(n) == s
}

// Key is the record's id in the panel: name, type and data with two
// spaces before the data, as real clients build it.
func (r Record) Key() string { return r.Name + " " + r.Type + "  " + r.data() }

// defaultTTL is the TTL of records created without one.
const defaultTTL = 3600

// recordTypes are the record types the panel accepts.
var recordTypes = map[string]bool{"A": true, "AAAA": true, "CNAME": true, "MX": true, "NS": true, "TXT": true, "SRV": true, "CAA": true}

func zoneOwner(z *Zone) string { return z.Owner }

// defaultRecords are what the panel's zone template creates.
func defaultRecords(zone, ip string) []Record {
	apex := zone + "."
	rs := []Record{
		{Name: apex, Type: "NS", Value: "ns1." + apex},
		{Name: apex, Type: "NS", Value: "ns2." + apex},
		{Name: apex, Type: "A", Value: ip},
		{Name: "www." + apex, Type: "A", Value: ip},
		{Name: "mail." + apex, Type: "A", Value: ip},
		{Name: "ns1." + apex, Type: "A", Value: ip},
		{Name: "ns2." + apex, Type: "A", Value: ip},
		{Name: apex, Type: "MX", Value: "mail." + apex, Priority: 10},
		{Name: apex, Type: "TXT", Value: "v=spf1 ip4:" + ip + " a mx ~all"},
	}
	for i := range rs {
		rs[i].TTL = defaultTTL
	}
	return rs
}

var zoneCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "owner"}, {name: "dtype"}, {name: "ip"}, {name: "records", numeric: true}}

func domainList(c *call) (result, *mgrError) {
	return listResult{key: "name", cols: zoneCols, elems: listElems(c.st.Zones, visibleTo(c, zoneOwner), zoneElem)}, nil
}

func zoneElem(z *Zone) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(z.ID, 10))
	e.AddText("name", z.Name)
	e.AddText("owner", z.Owner)
	e.AddText("dtype", "master")
	e.AddText("ip", z.IP)
	e.AddText("records", itoa(len(z.Records)))
	return e
}

// domainEdit is func=domain.edit; a zone has nothing to change but its
// records, so a change answers ok and does nothing.
func domainEdit(c *call) (result, *mgrError) {
	return editFlow[*Zone]{
		lookup: func(c *call, elid string) (*Zone, *mgrError) {
			return lookupVisible(c, c.st.Zones, zoneOwner, "domain", elid)
		},
		blankForm: func() result {
			f := fieldsNode()
			f.Add("name")
			f.Add("ip")
			return formResult{fields: f}
		},
		form: func(z *Zone, _ string) result {
			f := fieldsNode()
			f.AddText("name", z.Name)
			f.AddText("owner", z.Owner)
			f.AddText("ip", z.IP)
			f.AddText("dtype", "master")
			return formResult{elid: z.Name, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			z, e := c.newZone()
			if e != nil {
				return nil, e
			}
			z.ID = c.tx.NextID(Name + ".domain")
			c.st.Zones[z.Name] = z
			return ok()
		},
		update: func(*call, *Zone) (result, *mgrError) { return ok() },
	}.run(c, normDomain(c.p.Get("elid")))
}

// newZone checks a new zone (name, ip, owner) and fills its template.
func (c *call) newZone() (*Zone, *mgrError) {
	owner, name, e := c.ownerAndName()
	if e != nil {
		return nil, e
	}
	name = normDomain(name)
	if !domainName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.Zones[name] != nil {
		return nil, exists("domain", name)
	}
	ip := c.p.Get("ip")
	if ip == "" {
		ip = c.st.defaultIPAddr(owner.Name)
	}
	if ip == "" {
		return nil, missed("ip")
	}
	if a, err := netip.ParseAddr(ip); err != nil || !a.Is4() {
		return nil, badValue("ip", ip)
	}
	if e := checkLimit(owner, "domains", ownedCount(c.st.Zones, zoneOwner, owner.Name)); e != nil {
		return nil, e
	}
	return &Zone{Name: name, Owner: owner.Name, IP: ip, Records: defaultRecords(name, ip)}, nil
}

func domainDelete(c *call) (result, *mgrError) {
	return forEachElid(c, visibleID(c, c.st.Zones, zoneOwner, "domain"), func(id string) {
		delete(c.st.Zones, id)
	})
}

// ---- domain.record ----

var recordCols = []column{{name: "name"}, {name: "ttl", numeric: true}, {name: "rtype"}, {name: "value"}, {name: "info"}, {name: "rkey"}}

// zoneOfCall resolves plid to a zone the caller sees.
func (c *call) zoneOfCall() (*Zone, *mgrError) {
	plid, e := c.require("plid")
	if e != nil {
		return nil, e
	}
	return lookupVisible(c, c.st.Zones, zoneOwner, "domain", normDomain(plid))
}

func recordList(c *call) (result, *mgrError) {
	z, e := c.zoneOfCall()
	if e != nil {
		return nil, e
	}
	var elems []*Node
	for _, r := range z.Records {
		el := newNode("elem")
		el.AddText("name", r.Name)
		el.AddText("ttl", itoa(r.TTL))
		el.AddText("rtype", r.Type)
		el.AddText("value", r.data())
		el.AddText("info", r.data())
		el.AddText("rkey", r.Key())
		elems = append(elems, el)
	}
	return listResult{key: "rkey", cols: recordCols, elems: elems}, nil
}

// recordNamed is the record key names in the call's zone (a zero Record
// for no key); ok is false when the zone or the record is not there, for
// the function's own lookup to answer.
func (c *call) recordNamed(key string) (r Record, ok bool) {
	z, e := c.zoneOfCall()
	if e != nil {
		return Record{}, false
	}
	if key == "" {
		return Record{}, true
	}
	if at := z.findRecord(key); at >= 0 {
		return z.Records[at], true
	}
	return Record{}, false
}

// findRecord finds a record by its key.
func (z *Zone) findRecord(key string) int {
	for i, r := range z.Records {
		if r.Key() == key {
			return i
		}
	}
	return -1
}

// recordEdit is func=domain.record.edit in the zone plid names; elid is
// the record's key and the flow's object its index in the zone.
func recordEdit(c *call) (result, *mgrError) {
	z, e := c.zoneOfCall()
	if e != nil {
		return nil, e
	}
	return editFlow[int]{
		lookup: func(_ *call, elid string) (int, *mgrError) {
			at := z.findRecord(elid)
			if at < 0 {
				return at, notFound("domain.record", elid)
			}
			return at, nil
		},
		blankForm: func() result {
			f := fieldsNode()
			f.Add("name")
			f.AddText("ttl", itoa(defaultTTL))
			return formResult{fields: f}
		},
		form: func(at int, elid string) result {
			f := fieldsNode()
			r := z.Records[at]
			f.AddText("name", r.Name)
			f.AddText("rtype", strings.ToLower(r.Type))
			f.AddText("ttl", itoa(r.TTL))
			f.AddText("value", r.Value)
			if r.Type == "MX" || r.Type == "SRV" {
				f.AddText("priority", itoa(r.Priority))
			}
			return formResult{elid: elid, fields: f}
		},
		create: func(c *call) (result, *mgrError) { return c.saveRecord(z, -1) },
		update: func(c *call, at int) (result, *mgrError) { return c.saveRecord(z, at) },
	}.run(c, c.p.Get("elid"))
}

// saveRecord puts the record the parameters describe at index at of the
// zone (-1: a new record at the end), unless another record has its key.
func (c *call) saveRecord(z *Zone, at int) (result, *mgrError) {
	r, e := c.recordFromParams(z, at)
	if e != nil {
		return nil, e
	}
	if i := z.findRecord(r.Key()); i >= 0 && i != at {
		return nil, exists("domain.record", r.Key())
	}
	if at >= 0 {
		z.Records[at] = r
	} else {
		z.Records = append(z.Records, r)
	}
	return ok()
}

// recordFromParams checks a record's parameters: name (relative to the
// zone or absolute), rtype, value (or ip/domain as the forms name it),
// ttl and priority. On a change, missing parameters keep their values.
func (c *call) recordFromParams(z *Zone, at int) (Record, *mgrError) {
	r := Record{Name: z.Name + ".", TTL: defaultTTL, Priority: 10}
	if at >= 0 {
		r = z.Records[at]
	}
	if c.p.Has("name") {
		name, ok := recordName(c.p.Get("name"), z.Name)
		if !ok {
			return r, badValue("name", c.p.Get("name"))
		}
		r.Name = name
	}
	if v := c.p.Get("rtype"); v != "" {
		r.Type = strings.ToUpper(v)
	}
	if r.Type == "" {
		return r, missed("rtype")
	}
	if !recordTypes[r.Type] {
		return r, badValue("rtype", c.p.Get("rtype"))
	}
	if v := firstNonEmpty(c.p.Get("value"), c.p.Get("ip"), c.p.Get("domain")); v != "" {
		r.Value = v
	}
	if r.Value == "" {
		return r, missed("value")
	}
	if e := c.recordNumbers(&r); e != nil {
		return r, e
	}
	return r, checkRecordValue(&r, z.Name)
}

func (c *call) recordNumbers(r *Record) *mgrError {
	if v := c.p.Get("ttl"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return badValue("ttl", v)
		}
		r.TTL = n
	}
	if v := c.p.Get("priority"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return badValue("priority", v)
		}
		r.Priority = n
	}
	return nil
}

// checkRecordValue validates the data for the type, making host names
// absolute.
func checkRecordValue(r *Record, zone string) *mgrError {
	switch r.Type {
	case "A":
		if a, err := netip.ParseAddr(r.Value); err != nil || !a.Is4() {
			return badValue("value", r.Value)
		}
	case "AAAA":
		if a, err := netip.ParseAddr(r.Value); err != nil || !a.Is6() || a.Is4In6() {
			return badValue("value", r.Value)
		}
	case "CNAME", "NS", "MX":
		if r.Type == "MX" {
			if prio, host, found := strings.Cut(r.Value, " "); found {
				if n, err := strconv.Atoi(prio); err == nil && n >= 0 {
					r.Priority, r.Value = n, host
				}
			}
		}
		host, ok := absoluteHost(r.Value, zone)
		if !ok {
			return badValue("value", r.Value)
		}
		r.Value = host
	case "SRV":
		weight, port, target := r.srvParts()
		host, ok := absoluteHost(target, zone)
		if !isUint16(weight) || !isUint16(port) || !ok {
			return badValue("value", r.Value)
		}
		r.Value = weight + " " + port + " " + host
	}
	return nil
}

// absoluteHost is a record's target host with the trailing dot: a name
// inside the zone as recordName makes it, any other domain name as
// written.
func absoluteHost(v, zone string) (string, bool) {
	if host, ok := recordName(v, zone); ok {
		return host, true
	}
	if !domainName.MatchString(normDomain(v)) {
		return "", false
	}
	return normDomain(v) + ".", true
}

// recordName makes a record name absolute: "@" or "" is the apex, a name
// ending in a dot or in the zone is taken as absolute, anything else is
// relative to the zone. The result must lie inside the zone.
func recordName(name, zone string) (string, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || name == "@" {
		return zone + ".", true
	}
	full := strings.TrimSuffix(name, ".")
	if !strings.HasSuffix(name, ".") && full != zone && !strings.HasSuffix(full, "."+zone) {
		full += "." + zone
	}
	if full != zone && !strings.HasSuffix(full, "."+zone) {
		return "", false
	}
	label := strings.TrimSuffix(strings.TrimSuffix(full, zone), ".")
	for _, l := range strings.Split(label, ".") {
		if label != "" && (l == "" || len(l) > 63 || strings.ContainsAny(l, " \t/\\@")) {
			return "", false
		}
	}
	return full + ".", true
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func recordDelete(c *call) (result, *mgrError) {
	z, e := c.zoneOfCall()
	if e != nil {
		return nil, e
	}
	elid, e := c.require("elid")
	if e != nil {
		return nil, e
	}
	keys := []string{elid}
	if z.findRecord(elid) < 0 {
		keys = splitElids(elid)
	}
	drop := map[int]bool{}
	for _, k := range keys {
		i := z.findRecord(k)
		if i < 0 {
			return nil, notFound("domain.record", k)
		}
		drop[i] = true
	}
	kept := z.Records[:0:0]
	for i, r := range z.Records {
		if !drop[i] {
			kept = append(kept, r)
		}
	}
	z.Records = kept
	return ok()
}

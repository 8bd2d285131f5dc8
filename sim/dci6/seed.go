package dci6

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

// seedBlock is the `dci6:` block of a scenario (documented with examples in
// scenarios/dci6.md).
type seedBlock struct {
	TokenTTL       *state.Duration `yaml:"token_ttl"`
	IPMINetwork    string          `yaml:"ipmi_network"`
	Users          []seedUser      `yaml:"users"`
	Locations      []seedLocation  `yaml:"locations"`
	Racks          []seedRack      `yaml:"racks"`
	Configurations []seedConfig    `yaml:"configurations"`
	Pools          []seedPool      `yaml:"pools"`
	Networks       []seedNet       `yaml:"networks"`
	OSTemplates    []seedTemplate  `yaml:"os_templates"`
	Chassis        []seedChassis   `yaml:"chassis"`
	Servers        []seedServer    `yaml:"servers"`
	Generate       []seedGenerate  `yaml:"generate"`
}

type seedUser struct {
	ID           int64  `yaml:"id"`
	Email        string `yaml:"email"`
	Password     string `yaml:"password"`
	Role         string `yaml:"role"`
	FullName     string `yaml:"full_name"`
	PhoneNumber  string `yaml:"phone_number"`
	VlansPerUser *int   `yaml:"vlans_per_user"`
	// Tokens are session tokens open at the scenario start (idle lifetime
	// token_ttl from then), so literal example tokens work as written.
	Tokens []string `yaml:"tokens"`
	// Keys are login keys issued at the scenario start (one hour, single
	// use, like any key); "<id>-..." keeps the id.
	Keys []string `yaml:"keys"`
}

type seedLocation struct {
	ID          int64  `yaml:"id"`
	Name        string `yaml:"name"`
	Geolocation string `yaml:"geolocation"`
	Userspace   int64  `yaml:"userspace"`
}

type seedRack struct {
	Name     string `yaml:"name"`
	Location string `yaml:"location"`
	Size     int    `yaml:"size"`
	Count    int    `yaml:"count"`
}

type seedConfig struct {
	Name         string   `yaml:"name"`
	Platform     string   `yaml:"platform"`
	PlatformType string   `yaml:"platform_type"`
	Size         int      `yaml:"size"`
	CPU          string   `yaml:"cpu"`
	Cores        int      `yaml:"cores"`
	Motherboard  string   `yaml:"motherboard"`
	RAMGB        int      `yaml:"ram_gb"`
	Disks        []string `yaml:"disks"`
	IntelAMT     bool     `yaml:"intel_amt"`
}

type seedChassis struct {
	ID    int64  `yaml:"id"`
	Name  string `yaml:"name"`
	Rack  string `yaml:"rack"`
	Unit  int    `yaml:"unit"`
	Size  int    `yaml:"size"`
	Slots int    `yaml:"slots"`
}

type seedPool struct {
	ID        int64  `yaml:"id"`
	Name      string `yaml:"name"`
	Note      string `yaml:"note"`
	Userspace int64  `yaml:"userspace"`
	Public    *bool  `yaml:"public"`
}

type seedNet struct {
	ID      int64  `yaml:"id"`
	Network string `yaml:"network"`
	Gateway string `yaml:"gateway"`
	Pool    string `yaml:"pool"`
	VLAN    string `yaml:"vlan"`
	Note    string `yaml:"note"`
}

type seedTemplate struct {
	ID   int64    `yaml:"id"`
	Name string   `yaml:"name"`
	Tags []string `yaml:"tags"`
	Type string   `yaml:"type"`
}

type seedServer struct {
	ID            int64    `yaml:"id"`
	Name          string   `yaml:"name"`
	Configuration string   `yaml:"configuration"`
	Rack          string   `yaml:"rack"`
	Unit          int      `yaml:"unit"`
	Owner         string   `yaml:"owner"`
	State         string   `yaml:"state"`
	PowerStatus   string   `yaml:"power_status"`
	IsNew         bool     `yaml:"is_new"`
	OSTemplate    string   `yaml:"os_template"`
	Domain        string   `yaml:"domain"`
	MAC           string   `yaml:"mac"`
	Barcode       string   `yaml:"barcode"`
	Serial        string   `yaml:"serial"`
	IPs           []string `yaml:"ips"`
	Chassis       string   `yaml:"chassis"`
	Slot          int      `yaml:"slot"`
}

type seedGenerate struct {
	Count         int    `yaml:"count"`
	Configuration string `yaml:"configuration"`
	Owner         string `yaml:"owner"`
	Owned         int    `yaml:"owned"`
	IsNew         bool   `yaml:"is_new"`
	PowerStatus   string `yaml:"power_status"`
	OSTemplate    string `yaml:"os_template"`
	IPs           int    `yaml:"ips"`
	Chassis       string `yaml:"chassis"`
}

// seeder builds the state from a block, keeping name lookups on the way.
type seeder struct {
	tx       *state.Tx
	sc       *scenarios.Scenario
	s        *State
	locByKey map[string]*Location
	racks    []*Rack
	pools    map[string]*Pool
	used     map[int64]map[int]bool // rack -> occupied units
	ipmiNet  netip.Prefix
	ipmiNext netip.Addr
	ipsUsed  map[netip.Addr]bool
	cursor   int // racks before it are full
	chassis  map[string]*Chassis
	slots    map[int64]map[int]bool // chassis -> occupied slots
	explicit map[string]int64       // id kind -> highest explicit id
}

// Seed decodes the dci6 block and builds the world's initial state.
func (p *Panel) Seed(tx *state.Tx, sc *scenarios.Scenario) error {
	var b seedBlock
	if err := sc.DecodeBlock(Name, &b); err != nil {
		return err
	}
	s := newState()
	tx.SetState(Name, s)
	sd := &seeder{tx: tx, sc: sc, s: s, locByKey: map[string]*Location{}, pools: map[string]*Pool{}, used: map[int64]map[int]bool{}, ipsUsed: map[netip.Addr]bool{},
		chassis: map[string]*Chassis{}, slots: map[int64]map[int]bool{}}
	steps := []func(*seedBlock) error{sd.settings, sd.users, sd.locations, sd.rackList, sd.configs, sd.poolList,
		sd.networks, sd.templates, sd.chassisList, sd.servers, sd.generate}
	for _, step := range steps {
		if err := step(&b); err != nil {
			return err
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(sd.explicit)) {
		tx.ReserveID(kind, sd.explicit[kind])
	}
	return nil
}

func (sd *seeder) errorf(path, format string, a ...any) error {
	return sd.sc.Errorf(Name+"."+path, format, a...)
}

// newName checks a seeded object's name: what names the kind in the error,
// and taken says another object of that kind already has the name.
func (sd *seeder) newName(path, what, name string, taken bool) error {
	if name == "" {
		return sd.errorf(path+".name", "is required")
	}
	if taken {
		return sd.errorf(path+".name", "duplicate %s %q", what, name)
	}
	return nil
}

func (sd *seeder) settings(b *seedBlock) error {
	if b.TokenTTL != nil {
		if b.TokenTTL.D() < time.Minute {
			return sd.errorf("token_ttl", "must be at least 1m")
		}
		sd.s.TokenTTL = b.TokenTTL.D()
	}
	cidr := b.IPMINetwork
	if cidr == "" {
		cidr = "10.10.0.0/16"
	}
	pfx, err := netip.ParsePrefix(cidr)
	if err != nil || !pfx.Addr().Is4() {
		return sd.errorf("ipmi_network", "want an IPv4 CIDR such as 10.10.0.0/16, got %q", cidr)
	}
	sd.ipmiNet, sd.ipmiNext = pfx.Masked(), pfx.Masked().Addr().Next().Next()
	return nil
}

func (sd *seeder) users(b *seedBlock) error {
	for i, su := range b.Users {
		path := fmt.Sprintf("users[%d]", i)
		if !validEmail(su.Email) {
			return sd.errorf(path+".email", "a valid email is required")
		}
		if sd.s.userByEmail(su.Email) != nil {
			return sd.errorf(path+".email", "duplicate email %q", su.Email)
		}
		if su.Password == "" {
			return sd.errorf(path+".password", "is required")
		}
		role := su.Role
		if role == "" {
			role = roleUser
		}
		if role != roleUser && role != roleAdmin {
			return sd.errorf(path+".role", "must be @admin or @user, got %q", role)
		}
		id, err := sd.id("dci6.user", su.ID, path, func(id int64) bool { return sd.s.Users[id] != nil })
		if err != nil {
			return err
		}
		vlans := defaultVlansPerUser
		if su.VlansPerUser != nil {
			vlans = *su.VlansPerUser
		}
		sd.s.Users[id] = &User{ID: id, Email: su.Email, Password: su.Password, Roles: []string{role},
			FullName: su.FullName, Phone: su.PhoneNumber, VlansPerUser: vlans, CreatedAt: sd.tx.Now()}
		if err := sd.credentials(su, id, path); err != nil {
			return err
		}
	}
	return nil
}

// credentials opens a seeded user's listed tokens and login keys at the
// scenario start.
func (sd *seeder) credentials(su seedUser, userID int64, path string) error {
	now := sd.tx.Now()
	for j, tok := range su.Tokens {
		p := fmt.Sprintf("%s.tokens[%d]", path, j)
		if err := sd.checkSecret(tok, p); err != nil {
			return err
		}
		sd.s.Tokens[tok] = &Token{Token: tok, UserID: userID, CreatedAt: now, LastUsed: now}
	}
	for j, key := range su.Keys {
		p := fmt.Sprintf("%s.keys[%d]", path, j)
		if err := sd.checkSecret(key, p); err != nil {
			return err
		}
		k := &LoginKey{Key: key, UserID: userID, ExpiresAt: now.Add(keyLifetime)}
		if n, err := strconv.ParseInt(strings.SplitN(key, "-", 2)[0], 10, 64); err == nil && n > 0 {
			for _, other := range sd.s.Keys {
				if other.ID == n {
					return sd.errorf(p, "key id %d is already taken by %q", n, other.Key)
				}
			}
			k.ID = n
			sd.tx.ReserveID("dci6.key", n)
		} else {
			k.ID = sd.tx.NextID("dci6.key")
		}
		sd.s.Keys[key] = k
	}
	return nil
}

// checkSecret refuses an empty, spaced or already used token or key.
func (sd *seeder) checkSecret(v, path string) error {
	switch {
	case v == "" || strings.ContainsAny(v, " \t\r\n;,\""):
		return sd.errorf(path, "want a token without spaces, quotes, commas or semicolons, got %q", v)
	case sd.s.Tokens[v] != nil || sd.s.Keys[v] != nil:
		return sd.errorf(path, "%q is already a token or key", v)
	}
	return nil
}

// id takes an explicit id or the next free one. Explicit ids are reserved
// when seeding ends (reserveIDs), so objects without one are numbered 1, 2,
// ... around them, whatever the order they are listed in.
func (sd *seeder) id(kind string, explicit int64, path string, taken func(int64) bool) (int64, error) {
	if explicit < 0 {
		return 0, sd.errorf(path+".id", "must be positive")
	}
	if explicit > 0 {
		if taken(explicit) {
			return 0, sd.errorf(path+".id", "duplicate id %d", explicit)
		}
		if sd.explicit == nil {
			sd.explicit = map[string]int64{}
		}
		sd.explicit[kind] = max(sd.explicit[kind], explicit)
		return explicit, nil
	}
	for {
		id := sd.tx.NextID(kind)
		if !taken(id) {
			return id, nil
		}
	}
}

func (sd *seeder) locations(b *seedBlock) error {
	for i, sl := range b.Locations {
		path := fmt.Sprintf("locations[%d]", i)
		if err := sd.newName(path, "location", sl.Name, sd.locByKey[sl.Name] != nil); err != nil {
			return err
		}
		id, err := sd.id("dci6.location", sl.ID, path, func(id int64) bool { return sd.s.Locations[id] != nil })
		if err != nil {
			return err
		}
		l := &Location{ID: id, Name: sl.Name, Geolocation: sl.Geolocation, Userspace: cmp.Or(sl.Userspace, 1)}
		sd.s.Locations[id] = l
		sd.locByKey[sl.Name] = l
	}
	return nil
}

func (sd *seeder) rackList(b *seedBlock) error {
	for i, sr := range b.Racks {
		path := fmt.Sprintf("racks[%d]", i)
		loc := sd.locByKey[sr.Location]
		if loc == nil {
			return sd.errorf(path+".location", "unknown location %q", sr.Location)
		}
		if sr.Name == "" {
			return sd.errorf(path+".name", "is required")
		}
		size, count := cmp.Or(sr.Size, 42), sr.Count
		if size < 1 || size > 60 {
			return sd.errorf(path+".size", "must be 1..60 units")
		}
		if count < 0 || count > 10000 {
			return sd.errorf(path+".count", "must be 0..10000")
		}
		if err := sd.addRacks(sr.Name, count, size, loc, path); err != nil {
			return err
		}
	}
	return nil
}

func (sd *seeder) addRacks(name string, count, size int, loc *Location, path string) error {
	names := []string{name}
	if count > 1 {
		names = names[:0]
		for n := 1; n <= count; n++ {
			names = append(names, fmt.Sprintf("%s-%d", name, n))
		}
	}
	for _, n := range names {
		if sd.rackByName(n) != nil {
			return sd.errorf(path+".name", "duplicate rack %q", n)
		}
		tx := sd.tx
		sw := &Switch{ID: tx.NextID("dci6.switch"), Name: "sw-" + n}
		pdu := &PDU{ID: tx.NextID("dci6.pdu"), Name: "pdu-" + n}
		r := &Rack{ID: tx.NextID("dci6.rack"), Name: n, Size: size, LocationID: loc.ID, SwitchID: sw.ID, PDUID: pdu.ID}
		sd.s.Switches[sw.ID], sd.s.PDUs[pdu.ID], sd.s.Racks[r.ID] = sw, pdu, r
		sd.racks = append(sd.racks, r)
		sd.used[r.ID] = map[int]bool{}
	}
	return nil
}

func (sd *seeder) rackByName(name string) *Rack {
	for _, r := range sd.racks {
		if r.Name == name {
			return r
		}
	}
	return nil
}

func (sd *seeder) configs(b *seedBlock) error {
	platforms := map[string]*Platform{}
	for i, c := range b.Configurations {
		path := fmt.Sprintf("configurations[%d]", i)
		if err := sd.newName(path, "configuration", c.Name, sd.s.Configs[c.Name] != nil); err != nil {
			return err
		}
		if len(c.Disks) == 0 {
			return sd.errorf(path+".disks", "at least one disk is required")
		}
		size := cmp.Or(c.Size, 1)
		if size < 1 || size > 10 {
			return sd.errorf(path+".size", "must be 1..10 units")
		}
		typ := cmp.Or(c.PlatformType, "server")
		plat := platforms[c.Platform]
		if plat == nil {
			plat = &Platform{ID: sd.tx.NextID("dci6.platform"), Name: c.Platform, Size: size, Type: typ}
			platforms[c.Platform] = plat
			sd.s.Platforms[plat.ID] = plat
		}
		if plat.Size != size || plat.Type != typ {
			return sd.errorf(path+".platform", "platform %q is already %dU %s", c.Platform, plat.Size, plat.Type)
		}
		sd.s.Configs[c.Name] = &Configuration{Name: c.Name, PlatformID: plat.ID, CPU: c.CPU, Cores: c.Cores,
			Motherboard: c.Motherboard, RAMGB: c.RAMGB, Disks: append([]string(nil), c.Disks...), IntelAMT: c.IntelAMT}
	}
	return nil
}

func (sd *seeder) poolList(b *seedBlock) error {
	for i, sp := range b.Pools {
		path := fmt.Sprintf("pools[%d]", i)
		if err := sd.newName(path, "pool", sp.Name, sd.pools[sp.Name] != nil); err != nil {
			return err
		}
		id, err := sd.id("dci6.pool", sp.ID, path, func(id int64) bool { return sd.s.Pools[id] != nil })
		if err != nil {
			return err
		}
		p := &Pool{ID: id, Name: sp.Name, Note: sp.Note, Userspace: cmp.Or(sp.Userspace, 1), Public: sp.Public == nil || *sp.Public}
		sd.s.Pools[id], sd.pools[sp.Name] = p, p
	}
	return nil
}

func (sd *seeder) networks(b *seedBlock) error {
	for i, sn := range b.Networks {
		path := fmt.Sprintf("networks[%d]", i)
		pfx, err := netip.ParsePrefix(sn.Network)
		if err != nil {
			return sd.errorf(path+".network", "want a CIDR such as 192.0.2.0/24, got %q", sn.Network)
		}
		pfx = pfx.Masked()
		pool := sd.pools[sn.Pool]
		if pool == nil {
			return sd.errorf(path+".pool", "unknown pool %q", sn.Pool)
		}
		for _, other := range sd.s.Nets {
			if other.Prefix.Overlaps(pfx) {
				return sd.errorf(path+".network", "%s overlaps %s", pfx, other.Prefix)
			}
		}
		gw := cmp.Or(sn.Gateway, pfx.Addr().Next().String())
		if a, err := netip.ParseAddr(gw); err != nil || !pfx.Contains(a) {
			return sd.errorf(path+".gateway", "%q is not an address inside %s", gw, pfx)
		}
		id, err := sd.id("dci6.ipnet", sn.ID, path, func(id int64) bool { return sd.s.Nets[id] != nil })
		if err != nil {
			return err
		}
		sd.s.Nets[id] = &IPNet{ID: id, Prefix: pfx, Gateway: gw, PoolID: pool.ID, VLAN: sn.VLAN, Note: sn.Note, Userspace: pool.Userspace}
	}
	return nil
}

func (sd *seeder) templates(b *seedBlock) error {
	for i, t := range b.OSTemplates {
		path := fmt.Sprintf("os_templates[%d]", i)
		if t.Name == "" {
			return sd.errorf(path+".name", "is required")
		}
		typ := cmp.Or(t.Type, "os")
		if typ != "os" && typ != "diag" {
			return sd.errorf(path+".type", "must be os or diag, got %q", typ)
		}
		id, err := sd.id("dci6.os_template", t.ID, path, func(id int64) bool { return sd.s.OSTemplates[id] != nil })
		if err != nil {
			return err
		}
		tags := append([]string{}, t.Tags...)
		sd.s.OSTemplates[id] = &OSTemplate{ID: id, Name: t.Name, Tags: tags, Type: typ}
	}
	return nil
}

func (sd *seeder) templateByName(name string) *OSTemplate {
	for _, id := range slices.Sorted(maps.Keys(sd.s.OSTemplates)) {
		if t := sd.s.OSTemplates[id]; t.Name == name {
			return t
		}
	}
	return nil
}

// chassisList places the blade chassis in their racks.
func (sd *seeder) chassisList(b *seedBlock) error {
	for i, sc := range b.Chassis {
		path := fmt.Sprintf("chassis[%d]", i)
		if err := sd.newName(path, "chassis", sc.Name, sd.chassis[sc.Name] != nil); err != nil {
			return err
		}
		size, slots := cmp.Or(sc.Size, 10), cmp.Or(sc.Slots, 14)
		if size < 1 || size > 20 {
			return sd.errorf(path+".size", "must be 1..20 units")
		}
		if slots < 1 || slots > 64 {
			return sd.errorf(path+".slots", "must be 1..64")
		}
		spec := serverSpec{path: path, unit: sc.Unit}
		if sc.Rack != "" {
			if spec.rack = sd.rackByName(sc.Rack); spec.rack == nil {
				return sd.errorf(path+".rack", "unknown rack %q", sc.Rack)
			}
		}
		rack, unit, err := sd.position(spec, size)
		if err != nil {
			return err
		}
		id, err := sd.id("dci6.chassis", sc.ID, path, func(id int64) bool { return sd.s.Chassis[id] != nil })
		if err != nil {
			return err
		}
		for u := unit; u < unit+size; u++ {
			sd.used[rack.ID][u] = true
		}
		ch := &Chassis{ID: id, Name: sc.Name, RackID: rack.ID, Unit: unit, Size: size, Slots: slots}
		sd.s.Chassis[id], sd.chassis[sc.Name] = ch, ch
		sd.slots[id] = map[int]bool{}
	}
	return nil
}

// chassisSlot is the spec's own slot of its chassis, or the first free one.
func (sd *seeder) chassisSlot(spec serverSpec) (int, error) {
	ch, used := spec.chassis, sd.slots[spec.chassis.ID]
	if spec.slot != 0 {
		if spec.slot < 1 || spec.slot > ch.Slots || used[spec.slot] {
			return 0, sd.errorf(spec.path+".slot", "slot %d of chassis %s is taken or out of range (1..%d)", spec.slot, ch.Name, ch.Slots)
		}
		return spec.slot, nil
	}
	for n := 1; n <= ch.Slots; n++ {
		if !used[n] {
			return n, nil
		}
	}
	return 0, sd.errorf(spec.path+".chassis", "chassis %s has no free slot left", ch.Name)
}

func (sd *seeder) chassisByName(name, path string) (*Chassis, error) {
	if name == "" {
		return nil, nil
	}
	ch := sd.chassis[name]
	if ch == nil {
		return nil, sd.errorf(path, "unknown chassis %q", name)
	}
	return ch, nil
}

// serverSpec is a server to place, explicit or generated.
type serverSpec struct {
	path    string
	id      int64
	name    string
	config  string
	rack    *Rack
	unit    int
	owner   int64
	state   string
	power   string
	isNew   bool
	osTpl   int64
	domain  string
	mac     string
	code    string
	serial  string
	chassis *Chassis
	slot    int
}

func (sd *seeder) servers(b *seedBlock) error {
	for i, ss := range b.Servers {
		path := fmt.Sprintf("servers[%d]", i)
		spec, err := sd.explicitSpec(ss, path)
		if err != nil {
			return err
		}
		sv, err := sd.place(spec)
		if err != nil {
			return err
		}
		for j, addr := range ss.IPs {
			if err := sd.seedIP(sv, addr, fmt.Sprintf("%s.ips[%d]", path, j)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (sd *seeder) explicitSpec(ss seedServer, path string) (serverSpec, error) {
	spec := serverSpec{path: path, id: ss.ID, name: ss.Name, config: ss.Configuration, unit: ss.Unit, state: ss.State,
		power: ss.PowerStatus, isNew: ss.IsNew, domain: ss.Domain, mac: ss.MAC, code: ss.Barcode, serial: ss.Serial, slot: ss.Slot}
	var err error
	if spec.chassis, err = sd.chassisByName(ss.Chassis, path+".chassis"); err != nil {
		return spec, err
	}
	if spec.chassis == nil && ss.Slot != 0 {
		return spec, sd.errorf(path+".slot", "needs a chassis")
	}
	if spec.chassis != nil && (ss.Rack != "" || ss.Unit != 0) {
		return spec, sd.errorf(path+".chassis", "a blade sits in its chassis: give no rack or unit")
	}
	if ss.Rack != "" {
		if spec.rack = sd.rackByName(ss.Rack); spec.rack == nil {
			return spec, sd.errorf(path+".rack", "unknown rack %q", ss.Rack)
		}
	}
	if spec.owner, err = sd.ownerID(ss.Owner, path+".owner"); err != nil {
		return spec, err
	}
	if spec.osTpl, err = sd.templateID(ss.OSTemplate, path+".os_template"); err != nil {
		return spec, err
	}
	return spec, nil
}

func (sd *seeder) ownerID(email, path string) (int64, error) {
	if email == "" {
		return 0, nil
	}
	u := sd.s.userByEmail(email)
	if u == nil {
		return 0, sd.errorf(path, "unknown user %q", email)
	}
	return u.ID, nil
}

func (sd *seeder) templateID(name, path string) (int64, error) {
	if name == "" {
		return 0, nil
	}
	t := sd.templateByName(name)
	if t == nil || t.Type != "os" {
		return 0, sd.errorf(path, "unknown OS template %q", name)
	}
	return t.ID, nil
}

func (sd *seeder) generate(b *seedBlock) error {
	total := 0
	for i, g := range b.Generate {
		if total += max(g.Count, 0); total > scenarios.MaxGenerated {
			return sd.errorf(fmt.Sprintf("generate[%d].count", i), "the block asks for more than %d generated servers in all", scenarios.MaxGenerated)
		}
	}
	for i, g := range b.Generate {
		path := fmt.Sprintf("generate[%d]", i)
		if g.Count < 1 || g.Count > 100000 {
			return sd.errorf(path+".count", "must be 1..100000")
		}
		if g.Owned < 0 || g.Owned > g.Count {
			return sd.errorf(path+".owned", "must be 0..count")
		}
		owner, err := sd.ownerID(g.Owner, path+".owner")
		if err != nil {
			return err
		}
		if g.Owned > 0 && owner == 0 {
			return sd.errorf(path+".owned", "needs an owner")
		}
		tpl, err := sd.templateID(g.OSTemplate, path+".os_template")
		if err != nil {
			return err
		}
		if g.IPs < 0 || g.IPs > 16 {
			return sd.errorf(path+".ips", "must be 0..16")
		}
		ch, err := sd.chassisByName(g.Chassis, path+".chassis")
		if err != nil {
			return err
		}
		for n := 0; n < g.Count; n++ {
			spec := serverSpec{path: path, config: g.Configuration, isNew: g.IsNew, power: g.PowerStatus, osTpl: tpl, chassis: ch}
			if n < g.Owned {
				spec.owner = owner
			}
			sv, err := sd.place(spec)
			if err != nil {
				return err
			}
			for k := 0; k < g.IPs; k++ {
				if err := sd.seedIP(sv, "", path+".ips"); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// place checks a spec, finds it a rack position and wires the server up.
func (sd *seeder) place(spec serverSpec) (*Server, error) {
	cfg := sd.s.Configs[spec.config]
	if cfg == nil {
		return nil, sd.errorf(spec.path+".configuration", "unknown configuration %q", spec.config)
	}
	state := spec.state
	if state == "" {
		state = stateOK
	}
	if state != stateOK && state != stateSuspended {
		return nil, sd.errorf(spec.path+".state", "must be ok or suspended, got %q", state)
	}
	power := spec.power
	if power == "" {
		power = "on"
	}
	if power != "on" && power != "off" {
		return nil, sd.errorf(spec.path+".power_status", "must be on or off, got %q", power)
	}
	size := sd.s.Platforms[cfg.PlatformID].Size
	var rack *Rack
	var unit int
	var err error
	if spec.chassis != nil {
		rack, unit = sd.s.Racks[spec.chassis.RackID], spec.chassis.Unit
		if spec.slot, err = sd.chassisSlot(spec); err != nil {
			return nil, err
		}
	} else if rack, unit, err = sd.position(spec, size); err != nil {
		return nil, err
	}
	id, err := sd.id("dci6.server", spec.id, spec.path, func(id int64) bool { return sd.s.Servers[id] != nil })
	if err != nil {
		return nil, err
	}
	sv := sd.wire(id, spec, cfg, rack, unit, power)
	sv.State = state
	if state == stateSuspended {
		setPorts(sv, "down")
	}
	if spec.chassis != nil {
		sv.ChassisID, sv.Slot = spec.chassis.ID, spec.slot
		sd.slots[spec.chassis.ID][spec.slot] = true
	} else {
		for u := unit; u < unit+size; u++ {
			sd.used[rack.ID][u] = true
		}
	}
	sd.s.Servers[id] = sv
	return sv, nil
}

// position is the spec's own rack and unit, or the first free one.
func (sd *seeder) position(spec serverSpec, size int) (*Rack, int, error) {
	fits := func(r *Rack, unit int) bool {
		if unit < 1 || unit+size-1 > r.Size {
			return false
		}
		for u := unit; u < unit+size; u++ {
			if sd.used[r.ID][u] {
				return false
			}
		}
		return true
	}
	if spec.rack != nil && spec.unit != 0 {
		if !fits(spec.rack, spec.unit) {
			return nil, 0, sd.errorf(spec.path+".unit", "unit %d of rack %s is taken or out of range", spec.unit, spec.rack.Name)
		}
		return spec.rack, spec.unit, nil
	}
	racks := sd.racks[sd.cursor:]
	if spec.rack != nil {
		racks = []*Rack{spec.rack}
	}
	for i, r := range racks {
		if spec.rack == nil && i == 0 && len(sd.used[r.ID]) >= r.Size {
			sd.cursor++
			return sd.position(spec, size)
		}
		for u := 1; u <= r.Size; u++ {
			if fits(r, u) {
				return r, u, nil
			}
		}
	}
	return nil, 0, sd.errorf(spec.path, "no free rack unit left (add racks)")
}

func (sd *seeder) wire(id int64, spec serverSpec, cfg *Configuration, rack *Rack, unit int, power string) *Server {
	tx := sd.tx
	f := tx.Faker()
	name := spec.name
	if name == "" {
		name = fmt.Sprintf("server%d", id)
	}
	mac, code := spec.mac, spec.code
	if mac == "" {
		mac = f.MacAddress()
	}
	if code == "" {
		code = fmt.Sprintf("DC%010d", f.Number(0, 9_999_999_999))
	}
	serial := spec.serial
	if serial == "" {
		serial = "MB" + strconv.Itoa(f.Number(0, 9_999_999_999))
	}
	on := power == "on"
	pduStatus, ipmiStatus := "up", "on"
	if !on {
		pduStatus, ipmiStatus = "down", "off"
	}
	dataPort, ipmiPort := fmt.Sprintf("GigabitEthernet1/0/%d", unit), fmt.Sprintf("GigabitEthernet1/0/%d", unit+rack.Size)
	if ch := spec.chassis; ch != nil {
		// A blade is wired through its chassis' switch module, port per slot.
		dataPort, ipmiPort = fmt.Sprintf("GigabitEthernet%d/1/%d", ch.ID+1, spec.slot), fmt.Sprintf("GigabitEthernet%d/2/%d", ch.ID+1, spec.slot)
	}
	sv := &Server{
		ID: id, Name: name, Domain: spec.domain, Config: cfg.Name, MAC: mac, Barcode: code,
		Serial: serial, RackID: rack.ID, Unit: unit,
		OwnerID: spec.owner, IsNew: spec.isNew, PowerStatus: power, OSTemplateID: spec.osTpl,
		IPMI: IPMI{ID: tx.NextID("dci6.ipmi"), Address: sd.nextIPMIAddr(), Status: ipmiStatus, Type: "IPMI v2(lanplus)"},
		Ports: []Port{
			{ID: tx.NextID("dci6.port"), SwitchID: rack.SwitchID, ConnectionID: tx.NextID("dci6.connection"),
				Description: dataPort, AdminStatus: "up", OperStatus: "up"},
			{ID: tx.NextID("dci6.port"), SwitchID: rack.SwitchID, ConnectionID: tx.NextID("dci6.connection"),
				Description: ipmiPort, AdminStatus: "up", OperStatus: "up", IsIPMI: true},
		},
		PDUPort: PDUPort{PortID: tx.NextID("dci6.pdu_port"), PortIdentity: strconv.Itoa(unit), PDUID: rack.PDUID,
			ConnectionID: tx.NextID("dci6.connection"), PowerStatus: pduStatus},
	}
	if cfg.IntelAMT {
		sv.AMT = &IntelAMT{ID: tx.NextID("dci6.intel_amt"), Address: sd.nextIPMIAddr(), Status: ipmiStatus}
	}
	return sv
}

func (sd *seeder) nextIPMIAddr() string {
	a := sd.ipmiNext
	if sd.ipmiNet.Contains(a.Next()) {
		sd.ipmiNext = a.Next()
	}
	return a.String()
}

// seedIP gives a seeded server an address that is already allocated (ok).
func (sd *seeder) seedIP(sv *Server, addr, path string) error {
	req := AddIPRequest{}
	if addr != "" {
		req.IPName = &addr
	}
	n, a, err := sd.s.pickAddress(req, sd.ipsUsed)
	if err != nil {
		return sd.errorf(path, "%v", err)
	}
	sd.ipsUsed[a] = true
	ip := &IP{ID: sd.tx.NextID("dci6.ip"), Addr: a, NetID: n.ID, ServerID: sv.ID, Status: ipOK}
	sd.s.IPs[ip.ID] = ip
	if a.Is4() && sv.MainIPv4 == 0 {
		sv.MainIPv4 = ip.ID
	}
	if a.Is6() && sv.MainIPv6 == 0 {
		sv.MainIPv6 = ip.ID
	}
	return nil
}

package ispmgr

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

// seedBlock is the `ispmgr:` block of a scenario (see scenarios/ispmgr.md).
type seedBlock struct {
	Lang           string            `yaml:"lang"`
	Host           string            `yaml:"host"`
	AuthinfoFrom   []string          `yaml:"authinfo_from"`
	Presets        []seedPreset      `yaml:"presets"`
	Users          []seedUser        `yaml:"users"`
	GeneratedUsers int               `yaml:"generated_users"`
	IPAddrs        []seedIPAddr      `yaml:"ipaddrs"`
	WebDomains     []seedWebDomain   `yaml:"webdomains"`
	EmailDomains   []seedEmailDomain `yaml:"emaildomains"`
	Mailboxes      []seedMailbox     `yaml:"mailboxes"`
	Zones          []seedZone        `yaml:"zones"`
	Databases      []seedDatabase    `yaml:"databases"`
	FTPUsers       []seedFTPUser     `yaml:"ftp_users"`
	Userspaces     []seedSpace       `yaml:"userspaces"`
	Networks       []seedNet         `yaml:"networks"`
	IPs            []seedIP          `yaml:"ips"`
}

type seedPreset struct {
	Name   string         `yaml:"name"`
	Limits map[string]int `yaml:"limits"`
}

type seedUser struct {
	Name      string         `yaml:"name"`
	Password  string         `yaml:"password"`
	Level     string         `yaml:"level"`
	Owner     string         `yaml:"owner"`
	Preset    string         `yaml:"preset"`
	FullName  string         `yaml:"fullname"`
	Email     string         `yaml:"email"`
	Comment   string         `yaml:"comment"`
	Active    *bool          `yaml:"active"`
	Limits    map[string]int `yaml:"limits"`
	QuotaUsed int            `yaml:"quota_used"`
}

type seedIPAddr struct {
	IP    string `yaml:"ip"`
	Role  string `yaml:"role"`
	Owner string `yaml:"owner"`
	Note  string `yaml:"note"`
}

type seedWebDomain struct {
	Name       string `yaml:"name"`
	Owner      string `yaml:"owner"`
	IPAddr     string `yaml:"ipaddr"`
	Aliases    string `yaml:"aliases"`
	PHP        *bool  `yaml:"php"`
	PHPMode    string `yaml:"php_mode"`
	PHPVersion string `yaml:"php_version"`
	Secure     bool   `yaml:"secure"`
	Active     *bool  `yaml:"active"`
}

type seedEmailDomain struct {
	Name   string `yaml:"name"`
	Owner  string `yaml:"owner"`
	IPAddr string `yaml:"ipaddr"`
}

type seedMailbox struct {
	Address  string `yaml:"address"`
	Password string `yaml:"password"`
	MaxSize  int    `yaml:"maxsize"`
	Note     string `yaml:"note"`
}

type seedZone struct {
	Name    string       `yaml:"name"`
	Owner   string       `yaml:"owner"`
	IP      string       `yaml:"ip"`
	Records []seedRecord `yaml:"records"`
}

type seedRecord struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	Value    string `yaml:"value"`
	TTL      int    `yaml:"ttl"`
	Priority int    `yaml:"priority"`
}

type seedDatabase struct {
	Name     string `yaml:"name"`
	Owner    string `yaml:"owner"`
	Type     string `yaml:"type"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

type seedFTPUser struct {
	Name     string `yaml:"name"`
	Owner    string `yaml:"owner"`
	Password string `yaml:"password"`
	Home     string `yaml:"home"`
}

type seedSpace struct {
	Name  string   `yaml:"name"`
	Note  string   `yaml:"note"`
	Users []string `yaml:"users"`
}

type seedNet struct {
	Name      string `yaml:"name"`
	Gateway   string `yaml:"gateway"`
	Userspace string `yaml:"userspace"`
	Note      string `yaml:"note"`
}

type seedIP struct {
	IP     string `yaml:"ip"`
	Domain string `yaml:"domain"`
	IPType string `yaml:"iptype"`
	Note   string `yaml:"note"`
	IPNet  string `yaml:"ipnet"`
}

// builtinBlock is used when a scenario has no ispmgr block: the identities
// of the vendor documents' examples, so their calls work as written.
func builtinBlock() seedBlock {
	return seedBlock{
		Lang:    "en",
		Presets: []seedPreset{{Name: "base", Limits: map[string]int{"webdomains": 5, "emaildomains": 5, "emails": 50, "domains": 5, "db": 5, "quota": 2048, "ipaddrs": 1}}},
		Users: []seedUser{
			{Name: "root", Password: "secret", Level: "admin"},
			{Name: "admin1", Password: "mypasswd", Level: "admin"},
			{Name: "vasya", Password: "vasyapass", Preset: "base", FullName: "Vasya Pupkin", Email: "vasya@example.com"},
		},
		IPAddrs:    []seedIPAddr{{IP: "192.0.2.10"}},
		WebDomains: []seedWebDomain{{Name: "vasya.example.com", Owner: "vasya"}},
	}
}

// Seed decodes the ispmgr block and builds the initial state.
func (*Panel) Seed(tx *state.Tx, sc *scenarios.Scenario) error {
	b := builtinBlock()
	if sc.HasBlock(Name) {
		b = seedBlock{}
		if err := sc.DecodeBlock(Name, &b); err != nil {
			return err
		}
	}
	st := newState()
	s := &seeder{tx: tx, sc: sc, st: st}
	if err := s.apply(&b); err != nil {
		return err
	}
	tx.SetState(Name, st)
	return nil
}

// seeder applies a block, reporting bad values with their scenario path.
type seeder struct {
	tx *state.Tx
	sc *scenarios.Scenario
	st *State
}

func (s *seeder) errorf(path, format string, a ...any) error {
	return s.sc.Errorf(Name+"."+path, format, a...)
}

func (s *seeder) apply(b *seedBlock) error {
	if b.Lang != "" && !languages[b.Lang] {
		return s.errorf("lang", "unknown language %q (want en or ru)", b.Lang)
	}
	if b.Lang != "" {
		s.st.Lang = b.Lang
	}
	s.st.Host = strings.TrimSuffix(b.Host, "/")
	for i, r := range b.AuthinfoFrom {
		p, err := netip.ParsePrefix(r)
		if err != nil {
			return s.errorf(fmt.Sprintf("authinfo_from[%d]", i), "%q is not a network like 10.0.0.0/8", r)
		}
		s.st.AuthinfoFrom = append(s.st.AuthinfoFrom, p.Masked().String())
	}
	steps := []func(*seedBlock) error{s.presets, s.users, s.ipaddrs, s.webdomains, s.emaildomains,
		s.mailboxes, s.zones, s.databases, s.ftpUsers, s.userspaces, s.networks, s.ips}
	for _, step := range steps {
		if err := step(b); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) limits(path string, in map[string]int) (map[string]int, error) {
	out := map[string]int{}
	for _, k := range ordered.Keys(in) {
		if !isLimitName(k) {
			return nil, s.errorf(path+"."+k, "unknown limit (want one of %s)", strings.Join(limitNames, ", "))
		}
		if in[k] < 0 {
			return nil, s.errorf(path+"."+k, "a limit must not be negative")
		}
		out[k] = in[k]
	}
	return out, nil
}

func (s *seeder) presets(b *seedBlock) error {
	for i, p := range b.Presets {
		path := fmt.Sprintf("presets[%d]", i)
		if !presetName.MatchString(p.Name) {
			return s.errorf(path+".name", "invalid preset name %q", p.Name)
		}
		if s.st.Presets[p.Name] != nil {
			return s.errorf(path+".name", "duplicate preset %q", p.Name)
		}
		lim, err := s.limits(path+".limits", p.Limits)
		if err != nil {
			return err
		}
		s.st.Presets[p.Name] = &Preset{ID: s.tx.NextID(Name + ".preset"), Name: p.Name, Limits: lim}
	}
	return nil
}

func (s *seeder) users(b *seedBlock) error {
	for i, u := range b.Users {
		if err := s.user(fmt.Sprintf("users[%d]", i), u); err != nil {
			return err
		}
	}
	if b.GeneratedUsers < 0 || b.GeneratedUsers > scenarios.MaxGenerated {
		return s.errorf("generated_users", "must be 0..%d", scenarios.MaxGenerated)
	}
	f := s.tx.Faker()
	for i := 1; i <= b.GeneratedUsers; i++ {
		name := fmt.Sprintf("user%d", i)
		for s.st.Users[name] != nil {
			name += "x"
		}
		u := seedUser{Name: name, Password: f.Password(true, true, true, false, false, 12),
			FullName: f.Name(), Email: strings.ToLower(f.Email())}
		if len(b.Presets) > 0 {
			u.Preset = b.Presets[0].Name
		}
		if err := s.user("generated_users", u); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) user(path string, u seedUser) error {
	if !userName.MatchString(u.Name) {
		return s.errorf(path+".name", "invalid user name %q", u.Name)
	}
	if s.st.Users[u.Name] != nil {
		return s.errorf(path+".name", "duplicate user %q", u.Name)
	}
	if u.Password == "" {
		return s.errorf(path+".password", "a user needs a password")
	}
	level, ok := levelNames[orDefault(u.Level, "user")]
	if !ok {
		return s.errorf(path+".level", "unknown level %q (want admin, reseller or user)", u.Level)
	}
	if u.Owner != "" {
		if o := s.st.Users[u.Owner]; o == nil || o.Level != levelReseller {
			return s.errorf(path+".owner", "owner %q is not a reseller listed before this user", u.Owner)
		}
	}
	lim := map[string]int{}
	if u.Preset != "" {
		p := s.st.Presets[u.Preset]
		if p == nil {
			return s.errorf(path+".preset", "unknown preset %q", u.Preset)
		}
		for k, v := range p.Limits {
			lim[k] = v
		}
	}
	extra, err := s.limits(path+".limits", u.Limits)
	if err != nil {
		return err
	}
	for k, v := range extra {
		lim[k] = v
	}
	active := u.Active == nil || *u.Active
	s.st.Users[u.Name] = &User{ID: s.tx.NextID(Name + ".user"), Name: u.Name, Password: u.Password, FullName: u.FullName,
		Email: u.Email, Comment: u.Comment, Level: level, Owner: u.Owner, Preset: u.Preset, Active: active,
		Limits: lim, QuotaUsed: u.QuotaUsed}
	return nil
}

// owner checks an object's owner: a user (not an administrator).
func (s *seeder) owner(path, name string) error {
	u := s.st.Users[name]
	if u == nil || u.Level >= levelAdmin {
		return s.errorf(path, "owner %q is not a user listed under users", name)
	}
	return nil
}

func (s *seeder) ipaddrs(b *seedBlock) error {
	for i, a := range b.IPAddrs {
		path := fmt.Sprintf("ipaddrs[%d]", i)
		ip := canonicalIP(a.IP)
		if ip == "" {
			return s.errorf(path+".ip", "invalid address %q", a.IP)
		}
		if s.st.IPAddrs[ip] != nil {
			return s.errorf(path+".ip", "duplicate address %s", ip)
		}
		role := orDefault(a.Role, roleShared)
		if role != roleShared && role != roleAssigned {
			return s.errorf(path+".role", "unknown role %q (want shared or assigned)", a.Role)
		}
		if role == roleAssigned {
			if err := s.owner(path+".owner", a.Owner); err != nil {
				return err
			}
		} else if a.Owner != "" {
			return s.errorf(path+".owner", "a shared address has no owner")
		}
		s.st.IPAddrs[ip] = &IPAddr{ID: s.tx.NextID(Name + ".ipaddr"), IP: ip, Role: role, Owner: a.Owner, Note: a.Note}
	}
	return nil
}

// ipFor picks an object's address: the given one (which the owner must be
// able to use) or the owner's default.
func (s *seeder) ipFor(path, ip, owner string) (string, error) {
	if ip == "" {
		return s.st.defaultIPAddr(owner), nil
	}
	if !s.st.ipUsableBy(canonicalIP(ip), owner) {
		return "", s.errorf(path, "address %q is not listed under ipaddrs as shared or assigned to %s", ip, owner)
	}
	return canonicalIP(ip), nil
}

func (s *seeder) webdomains(b *seedBlock) error {
	for i, w := range b.WebDomains {
		path := fmt.Sprintf("webdomains[%d]", i)
		name := normDomain(w.Name)
		if !domainName.MatchString(name) || s.st.WebDomains[name] != nil {
			return s.errorf(path+".name", "invalid or duplicate domain %q", w.Name)
		}
		if err := s.owner(path+".owner", w.Owner); err != nil {
			return err
		}
		ip, err := s.ipFor(path+".ipaddr", w.IPAddr, w.Owner)
		if err != nil {
			return err
		}
		mode := orDefault(w.PHPMode, "php_mode_mod")
		s.st.WebDomains[name] = &WebDomain{ID: s.tx.NextID(Name + ".webdomain"), Name: name, Owner: w.Owner, IPAddr: ip,
			Aliases: orDefault(w.Aliases, "www."+name), DocRoot: "/var/www/" + w.Owner + "/data/www/" + name,
			Email: "webmaster@" + name, PHP: w.PHP == nil || *w.PHP, PHPMode: mode,
			PHPVersion: orDefault(w.PHPVersion, "native"), Secure: w.Secure, Active: w.Active == nil || *w.Active}
	}
	return nil
}

func (s *seeder) emaildomains(b *seedBlock) error {
	for i, d := range b.EmailDomains {
		path := fmt.Sprintf("emaildomains[%d]", i)
		name := normDomain(d.Name)
		if !domainName.MatchString(name) || s.st.EmailDomains[name] != nil {
			return s.errorf(path+".name", "invalid or duplicate domain %q", d.Name)
		}
		if err := s.owner(path+".owner", d.Owner); err != nil {
			return err
		}
		ip, err := s.ipFor(path+".ipaddr", d.IPAddr, d.Owner)
		if err != nil {
			return err
		}
		s.st.EmailDomains[name] = &EmailDomain{ID: s.tx.NextID(Name + ".emaildomain"), Name: name, Owner: d.Owner, IPAddr: ip, Active: true}
	}
	return nil
}

func (s *seeder) mailboxes(b *seedBlock) error {
	for i, m := range b.Mailboxes {
		path := fmt.Sprintf("mailboxes[%d]", i)
		local, dom, ok := strings.Cut(strings.ToLower(m.Address), "@")
		d := s.st.EmailDomains[dom]
		if !ok || !mailboxName.MatchString(local) || d == nil {
			return s.errorf(path+".address", "%q is not an address in a listed mail domain", m.Address)
		}
		if s.st.Mailboxes[local+"@"+dom] != nil {
			return s.errorf(path+".address", "duplicate mailbox %q", m.Address)
		}
		if m.Password == "" {
			return s.errorf(path+".password", "a mailbox needs a password")
		}
		s.st.Mailboxes[local+"@"+dom] = &Mailbox{ID: s.tx.NextID(Name + ".email"), Name: local, Domain: dom, Owner: d.Owner,
			Password: m.Password, MaxSize: m.MaxSize, Note: m.Note, Active: true}
	}
	return nil
}

func (s *seeder) zones(b *seedBlock) error {
	for i, z := range b.Zones {
		path := fmt.Sprintf("zones[%d]", i)
		name := normDomain(z.Name)
		if !domainName.MatchString(name) || s.st.Zones[name] != nil {
			return s.errorf(path+".name", "invalid or duplicate zone %q", z.Name)
		}
		if err := s.owner(path+".owner", z.Owner); err != nil {
			return err
		}
		ip := z.IP
		if ip == "" {
			ip = s.st.defaultIPAddr(z.Owner)
		}
		if a, err := netip.ParseAddr(ip); err != nil || !a.Is4() {
			return s.errorf(path+".ip", "a zone needs an IPv4 address (none given and no default)")
		}
		zone := &Zone{ID: s.tx.NextID(Name + ".domain"), Name: name, Owner: z.Owner, IP: ip}
		if z.Records == nil {
			zone.Records = defaultRecords(name, ip)
		}
		for j, r := range z.Records {
			rec, err := s.record(fmt.Sprintf("%s.records[%d]", path, j), r, zone)
			if err != nil {
				return err
			}
			zone.Records = append(zone.Records, rec)
		}
		s.st.Zones[name] = zone
	}
	return nil
}

func (s *seeder) record(path string, r seedRecord, z *Zone) (Record, error) {
	name, ok := recordName(r.Name, z.Name)
	if !ok {
		return Record{}, s.errorf(path+".name", "%q is not inside zone %s", r.Name, z.Name)
	}
	rec := Record{Name: name, Type: strings.ToUpper(r.Type), Value: r.Value, TTL: r.TTL, Priority: r.Priority}
	if rec.TTL == 0 {
		rec.TTL = defaultTTL
	}
	if rec.Priority == 0 && (rec.Type == "MX" || rec.Type == "SRV") {
		rec.Priority = 10
	}
	if !recordTypes[rec.Type] {
		return Record{}, s.errorf(path+".type", "unknown record type %q", r.Type)
	}
	if rec.Value == "" {
		return Record{}, s.errorf(path+".value", "a record needs a value")
	}
	if e := checkRecordValue(&rec, z.Name); e != nil {
		return Record{}, s.errorf(path+".value", "invalid %s value %q", rec.Type, r.Value)
	}
	if z.findRecord(rec.Key()) >= 0 {
		return Record{}, s.errorf(path, "duplicate record %q", rec.Key())
	}
	return rec, nil
}

// databases seeds the panel's local database servers, then the
// scenario's databases on them (by type).
func (s *seeder) databases(b *seedBlock) error {
	byType := map[string]string{}
	for _, d := range defaultDBServers {
		srv := d
		srv.ID = s.tx.NextID(Name + ".dbserver")
		s.st.DBServers[srv.Name] = &srv
		byType[srv.Type] = srv.Name
	}
	for i, d := range b.Databases {
		path := fmt.Sprintf("databases[%d]", i)
		if !dbName.MatchString(d.Name) || s.st.DBs[d.Name] != nil {
			return s.errorf(path+".name", "invalid or duplicate database %q", d.Name)
		}
		if err := s.owner(path+".owner", d.Owner); err != nil {
			return err
		}
		typ := orDefault(d.Type, "mysql")
		if !dbTypes[typ] {
			return s.errorf(path+".type", "unknown type %q (want mysql or postgresql)", d.Type)
		}
		s.st.DBs[d.Name] = &Database{ID: s.tx.NextID(Name + ".db"), Name: d.Name, Owner: d.Owner, Type: typ,
			Server: byType[typ], DBUser: orDefault(d.Username, d.Name), Pass: d.Password}
	}
	return nil
}

func (s *seeder) ftpUsers(b *seedBlock) error {
	for i, f := range b.FTPUsers {
		path := fmt.Sprintf("ftp_users[%d]", i)
		if !userName.MatchString(f.Name) || s.st.FTPUsers[f.Name] != nil {
			return s.errorf(path+".name", "invalid or duplicate FTP user %q", f.Name)
		}
		if err := s.owner(path+".owner", f.Owner); err != nil {
			return err
		}
		if f.Password == "" {
			return s.errorf(path+".password", "an FTP user needs a password")
		}
		s.st.FTPUsers[f.Name] = &FTPUser{ID: s.tx.NextID(Name + ".ftpuser"), Name: f.Name, Owner: f.Owner,
			Password: f.Password, Home: "/" + strings.Trim(f.Home, "/"), Active: true}
	}
	return nil
}

func (s *seeder) userspaces(b *seedBlock) error {
	for i, sp := range b.Userspaces {
		path := fmt.Sprintf("userspaces[%d]", i)
		if !presetName.MatchString(sp.Name) || s.st.Spaces[sp.Name] != nil {
			return s.errorf(path+".name", "invalid or duplicate space %q", sp.Name)
		}
		for j, u := range sp.Users {
			if s.st.Users[u] == nil {
				return s.errorf(fmt.Sprintf("%s.users[%d]", path, j), "unknown user %q", u)
			}
		}
		s.st.Spaces[sp.Name] = &Space{ID: s.tx.NextID(Name + ".userspace"), Name: sp.Name, Note: sp.Note, Users: append([]string(nil), sp.Users...)}
	}
	return nil
}

func (s *seeder) networks(b *seedBlock) error {
	for i, n := range b.Networks {
		path := fmt.Sprintf("networks[%d]", i)
		p, err := netip.ParsePrefix(n.Name)
		if err != nil || p.Masked() != p {
			return s.errorf(path+".name", "%q is not a network prefix like 192.0.2.0/24", n.Name)
		}
		for _, k := range ordered.Keys(s.st.Nets) {
			if netip.MustParsePrefix(k).Overlaps(p) {
				return s.errorf(path+".name", "%s overlaps %s", p, k)
			}
		}
		gw := ""
		if n.Gateway != "" {
			a, err := netip.ParseAddr(n.Gateway)
			if err != nil || !p.Contains(a) {
				return s.errorf(path+".gateway", "gateway %q is not inside %s", n.Gateway, p)
			}
			gw = a.String()
		}
		if n.Userspace != "" && s.st.Spaces[n.Userspace] == nil {
			return s.errorf(path+".userspace", "unknown userspace %q", n.Userspace)
		}
		s.st.Nets[p.String()] = &Net{ID: s.tx.NextID(Name + ".ipnet"), Name: p.String(), Gateway: gw, Space: n.Userspace, Note: n.Note}
	}
	return nil
}

func (s *seeder) ips(b *seedBlock) error {
	for i, ip := range b.IPs {
		path := fmt.Sprintf("ips[%d]", i)
		a, err := netip.ParseAddr(ip.IP)
		if err != nil {
			return s.errorf(path+".ip", "invalid address %q", ip.IP)
		}
		if s.st.IPs[a.String()] != nil {
			return s.errorf(path+".ip", "duplicate address %s", a)
		}
		var net *Net
		if ip.IPNet != "" {
			net = s.st.findNet(ip.IPNet)
		} else {
			for _, k := range ordered.Keys(s.st.Nets) {
				if netip.MustParsePrefix(k).Contains(a) {
					net = s.st.Nets[k]
				}
			}
		}
		if net == nil || !usable(netip.MustParsePrefix(net.Name), a) {
			return s.errorf(path+".ip", "%s is not a host address of a listed network", a)
		}
		s.st.IPs[a.String()] = &IP{ID: s.tx.NextID(Name + ".ip"), IP: a.String(), Domain: ip.Domain,
			IPType: orDefault(ip.IPType, "public"), Note: ip.Note, Net: net.Name}
	}
	return nil
}

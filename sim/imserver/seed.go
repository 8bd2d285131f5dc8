package imserver

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

// block is the scenario's imserver: block (documented in scenarios/imserver.md).
type block struct {
	Accounts  []accountSpec `yaml:"accounts"`
	Presets   []presetSpec  `yaml:"presets"`
	Templates []Template    `yaml:"templates"`
	ISOs      []ISO         `yaml:"isos"`
	Prices    *pricesSpec   `yaml:"prices"`
}

type accountSpec struct {
	Login           string         `yaml:"login"`
	Password        string         `yaml:"password"`
	Name            string         `yaml:"name"`
	Email           string         `yaml:"email"`
	Phone           string         `yaml:"phone"`
	TwoFactorAuth   string         `yaml:"twofactorauth"`
	Passkeys        []string       `yaml:"passkeys"`
	Sessions        []string       `yaml:"sessions"`
	Contracts       []contractSpec `yaml:"contracts"`
	Servers         []serverSpec   `yaml:"servers"`
	GenerateServers int            `yaml:"generate_servers"`
	DNSZones        []zoneSpec     `yaml:"dns_zones"`
	Networks        []networkSpec  `yaml:"networks"`
}

type contractSpec struct {
	ID      int64   `yaml:"id"`
	Number  string  `yaml:"number"`
	Name    string  `yaml:"name"`
	Balance float64 `yaml:"balance"`
	Default bool    `yaml:"default"`
}

type serverSpec struct {
	ID       int64  `yaml:"id"`
	Name     string `yaml:"name"`
	Status   string `yaml:"status"`
	Preset   int64  `yaml:"preset"`
	CPU      int    `yaml:"cpu"`
	CPUType  int    `yaml:"cputype"`
	RAM      int    `yaml:"ram"`
	HDDList  []Disk `yaml:"hdd_list"`
	Contract int64  `yaml:"contract"`
	Template int64  `yaml:"template"`
	ISO      int64  `yaml:"iso"`
}

type zoneSpec struct {
	Name    string       `yaml:"name"`
	Records []recordSpec `yaml:"records"`
}

type recordSpec struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	Content  string `yaml:"content"`
	TTL      int    `yaml:"ttl"`
	Priority int    `yaml:"priority"`
}

type networkSpec struct {
	Name    string  `yaml:"name"`
	Subnet  string  `yaml:"subnet"`
	Servers []int64 `yaml:"servers"`
}

type presetSpec struct {
	ID      int64   `yaml:"id"`
	Name    string  `yaml:"name"`
	CPU     int     `yaml:"cpu"`
	CPUType int     `yaml:"cputype"`
	RAM     int     `yaml:"ram"`
	HDDList []Disk  `yaml:"hdd_list"`
	Price   float64 `yaml:"price"`
}

type pricesSpec struct {
	CPU    *float64 `yaml:"cpu"`
	CPU3   *float64 `yaml:"cpu3"`
	RAM    *float64 `yaml:"ram"`
	SSDGB  *float64 `yaml:"ssd_gb"`
	HDDGB  *float64 `yaml:"hdd_gb"`
	IPAddr *float64 `yaml:"ip_addr"`
}

// seededAge is how long before the scenario start seeded servers were made,
// so their statistics have history from the first request.
const seededAge = 90 * 24 * time.Hour

// seed builds the state from the scenario's block; without a block (or
// without accounts) the panel gets the default account petrov.
func seed(tx *state.Tx, sc *scenarios.Scenario) error {
	var b block
	if err := sc.DecodeBlock(Name, &b); err != nil {
		return err
	}
	st := newState()
	tx.SetState(Name, st)
	s := &seeder{tx: tx, sc: sc, st: st}
	return s.run(b)
}

// seeder carries a seed run's context for readable errors.
type seeder struct {
	tx *state.Tx
	sc *scenarios.Scenario
	st *State
}

func (s *seeder) run(b block) error {
	if err := s.catalog(b); err != nil {
		return err
	}
	if len(b.Accounts) == 0 {
		b.Accounts = defaultAccounts()
	}
	if err := s.reserve(b.Accounts); err != nil {
		return err
	}
	total := 0
	for i, a := range b.Accounts {
		if total += max(a.GenerateServers, 0); total > scenarios.MaxGenerated {
			return s.sc.Errorf(fmt.Sprintf("imserver.accounts[%d].generate_servers", i), "the block asks for more than %d generated servers in all", scenarios.MaxGenerated)
		}
	}
	for i, a := range b.Accounts {
		if err := s.account(fmt.Sprintf("imserver.accounts[%d]", i), a); err != nil {
			return err
		}
	}
	return nil
}

// vendorExampleSession is the session of the vendor's request examples.
const vendorExampleSession = "1d69a2ca5bbb423245438aabb0723f1f"

func defaultAccounts() []accountSpec {
	return []accountSpec{{
		Login: "petrov", Password: "superpassword", Name: "Пётр Петров", Email: "petrov@example.com",
		Phone: "+79161234567", TwoFactorAuth: TwoFactorOff, Sessions: []string{vendorExampleSession},
		Contracts:       []contractSpec{{Balance: 10000, Default: true}},
		GenerateServers: 3,
	}}
}

// catalog seeds presets, templates, ISO images and prices.
func (s *seeder) catalog(b block) error {
	if err := s.prices(b.Prices); err != nil {
		return err
	}
	if err := s.presets(b.Presets); err != nil {
		return err
	}
	s.st.Templates = b.Templates
	if len(s.st.Templates) == 0 {
		s.st.Templates = defaultTemplates()
	}
	s.st.ISOs = b.ISOs
	if len(s.st.ISOs) == 0 {
		s.st.ISOs = defaultISOs()
	}
	for i, t := range s.st.Templates {
		if t.ID <= 0 || t.Name == "" {
			return s.sc.Errorf(fmt.Sprintf("imserver.templates[%d]", i), "a template needs an id > 0 and a name")
		}
	}
	for i, o := range s.st.ISOs {
		if o.ID <= 0 || o.Name == "" {
			return s.sc.Errorf(fmt.Sprintf("imserver.isos[%d]", i), "an ISO needs an id > 0 and a name")
		}
	}
	return nil
}

func defaultTemplates() []Template {
	return []Template{
		{ID: 1, Name: "Ubuntu 24.04 LTS", OS: "ubuntu", Version: "24.04", MinHDD: 10},
		{ID: 2, Name: "Debian 12", OS: "debian", Version: "12", MinHDD: 10},
		{ID: 3, Name: "AlmaLinux 9", OS: "almalinux", Version: "9", MinHDD: 10},
		{ID: 4, Name: "FreeBSD 14", OS: "freebsd", Version: "14.1", MinHDD: 10},
		{ID: 5, Name: "Windows Server 2022", OS: "windows", Version: "2022", MinHDD: 40},
	}
}

func defaultISOs() []ISO {
	return []ISO{
		{ID: 1, Name: "ubuntu-24.04.1-live-server-amd64.iso", Size: 2694},
		{ID: 2, Name: "debian-12.8.0-amd64-netinst.iso", Size: 631},
		{ID: 3, Name: "systemrescue-11.02-amd64.iso", Size: 853},
		{ID: 4, Name: "virtio-win-0.1.262.iso", Size: 708},
	}
}

func defaultPresets() []presetSpec {
	return []presetSpec{
		{ID: 1, Name: "Start", CPU: 1, CPUType: 2, RAM: 1, HDDList: []Disk{{Size: 20, Type: DiskSSD}}, Price: 290},
		{ID: 2, Name: "Basic", CPU: 2, CPUType: 2, RAM: 2, HDDList: []Disk{{Size: 40, Type: DiskSSD}}, Price: 590},
		{ID: 3, Name: "Pro", CPU: 4, CPUType: 3, RAM: 8, HDDList: []Disk{{Size: 100, Type: DiskSSD}}, Price: 1890},
		{ID: 4, Name: "Storage", CPU: 2, CPUType: 2, RAM: 4, HDDList: []Disk{{Size: 20, Type: DiskSSD}, {Size: 500, Type: DiskHDD}}, Price: 1490},
	}
}

func kopecks(rub float64) int64 { return int64(math.Round(rub * 100)) }

func (s *seeder) prices(p *pricesSpec) error {
	s.st.Prices = defaultPrices
	if p == nil {
		return nil
	}
	for _, f := range []struct {
		key string
		v   *float64
		dst *int64
	}{
		{"cpu", p.CPU, &s.st.Prices.CPU}, {"cpu3", p.CPU3, &s.st.Prices.CPU3}, {"ram", p.RAM, &s.st.Prices.RAM},
		{"ssd_gb", p.SSDGB, &s.st.Prices.SSDGB}, {"hdd_gb", p.HDDGB, &s.st.Prices.HDDGB}, {"ip_addr", p.IPAddr, &s.st.Prices.IPAddr},
	} {
		if f.v == nil {
			continue
		}
		if *f.v < 0 {
			return s.sc.Errorf("imserver.prices."+f.key, "a price must not be negative")
		}
		*f.dst = kopecks(*f.v)
	}
	return nil
}

func (s *seeder) presets(list []presetSpec) error {
	if len(list) == 0 {
		list = defaultPresets()
	}
	seen := map[int64]bool{}
	for i, p := range list {
		path := fmt.Sprintf("imserver.presets[%d]", i)
		cfg := Config{CPU: p.CPU, CPUType: p.CPUType, RAM: p.RAM, HDDs: normDisks(p.HDDList)}
		if cfg.CPUType == 0 {
			cfg.CPUType = defaultType
		}
		if p.ID <= 0 || seen[p.ID] {
			return s.sc.Errorf(path+".id", "a preset needs a unique id > 0")
		}
		if err := checkConfig(cfg); err != nil {
			return s.sc.Errorf(path, "%s", msgOf(err))
		}
		if p.Price < 0 {
			return s.sc.Errorf(path+".price", "a price must not be negative")
		}
		seen[p.ID] = true
		s.st.Presets = append(s.st.Presets, Preset{ID: p.ID, Name: p.Name, CPU: cfg.CPU, CPUType: cfg.CPUType,
			RAM: cfg.RAM, HDDs: cfg.HDDs, Price: kopecks(p.Price)})
	}
	return nil
}

func normDisks(in []Disk) []Disk {
	out := make([]Disk, 0, len(in))
	for _, d := range in {
		if d.Type == "" {
			d.Type = DiskSSD
		}
		out = append(out, d)
	}
	return out
}

// reserve keeps explicit ids away from generated ones and checks that
// logins and ids are unique.
func (s *seeder) reserve(accounts []accountSpec) error {
	logins, servers, contracts := map[string]bool{}, map[int64]bool{}, map[int64]bool{}
	for i, a := range accounts {
		path := fmt.Sprintf("imserver.accounts[%d]", i)
		if a.Login == "" || logins[a.Login] {
			return s.sc.Errorf(path+".login", "an account needs a unique login")
		}
		logins[a.Login] = true
		for j, c := range a.Contracts {
			if c.ID < 0 || (c.ID > 0 && contracts[c.ID]) {
				return s.sc.Errorf(fmt.Sprintf("%s.contracts[%d].id", path, j), "contract ids must be unique and > 0")
			}
			contracts[c.ID] = c.ID > 0
			s.tx.ReserveID("imserver.contract", c.ID)
		}
		for j, sv := range a.Servers {
			if sv.ID < 0 || (sv.ID > 0 && servers[sv.ID]) {
				return s.sc.Errorf(fmt.Sprintf("%s.servers[%d].id", path, j), "server ids must be unique and > 0")
			}
			servers[sv.ID] = sv.ID > 0
			s.tx.ReserveID("imserver.server", sv.ID)
		}
	}
	return nil
}

func (s *seeder) account(path string, a accountSpec) error {
	acct, err := s.accountOf(path, a)
	if err != nil {
		return err
	}
	s.st.Accounts[a.Login] = acct
	if err := s.sessions(path, a); err != nil {
		return err
	}
	m := &model{tx: s.tx, st: s.st, login: a.Login}
	if err := s.contracts(path, m, a.Contracts); err != nil {
		return err
	}
	for j, sv := range a.Servers {
		if err := s.server(fmt.Sprintf("%s.servers[%d]", path, j), m, sv); err != nil {
			return err
		}
	}
	if a.GenerateServers < 0 || a.GenerateServers > 1000 {
		return s.sc.Errorf(path+".generate_servers", "must be 0..1000")
	}
	for j := 0; j < a.GenerateServers; j++ {
		if err := s.server(path+".generate_servers", m, s.generated()); err != nil {
			return err
		}
	}
	for j, z := range a.DNSZones {
		if err := s.zone(fmt.Sprintf("%s.dns_zones[%d]", path, j), m, z); err != nil {
			return err
		}
	}
	for j, n := range a.Networks {
		if err := s.network(fmt.Sprintf("%s.networks[%d]", path, j), m, n); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) accountOf(path string, a accountSpec) (*Account, error) {
	mode := a.TwoFactorAuth
	if mode == "" {
		mode = TwoFactorOff
	}
	switch {
	case a.Password == "":
		return nil, s.sc.Errorf(path+".password", "an account needs a password")
	case mode != TwoFactorOff && mode != TwoFactorSMS && mode != TwoFactorPasskey:
		return nil, s.sc.Errorf(path+".twofactorauth", "must be off, sms or passkey, got %q", mode)
	case mode == TwoFactorSMS && a.Phone == "":
		return nil, s.sc.Errorf(path+".phone", "SMS two-factor needs a phone number")
	case mode == TwoFactorPasskey && len(a.Passkeys) == 0:
		return nil, s.sc.Errorf(path+".passkeys", "eToken PASS two-factor needs passkeys")
	}
	name, email := a.Name, a.Email
	if name == "" {
		name = s.tx.Faker().Name()
	}
	if email == "" {
		email = a.Login + "@example.com"
	}
	return &Account{Login: a.Login, Password: a.Password, Name: name, Email: email, Phone: a.Phone,
		TwoFactor: mode, Passkeys: append([]string(nil), a.Passkeys...)}, nil
}

// sessions opens the account's listed sessions at the scenario start, so a
// request written with a fixed sess (the vendor's own examples use
// 1d69a2ca5bbb423245438aabb0723f1f) works without a login first. They live
// and slide like any session.
func (s *seeder) sessions(path string, a accountSpec) error {
	for j, id := range a.Sessions {
		key := fmt.Sprintf("%s.sessions[%d]", path, j)
		if !isSessionID(id) {
			return s.sc.Errorf(key, "a session is 32 lowercase hex characters, got %q", id)
		}
		if _, taken := s.st.Sessions[id]; taken {
			return s.sc.Errorf(key, "session %s is listed twice", id)
		}
		s.st.Sessions[id] = &Session{ID: id, Login: a.Login, Expires: s.tx.Now().Add(s.tx.Timing("imserver.session_ttl"))}
	}
	return nil
}

func isSessionID(id string) bool {
	if len(id) != 2*sessionBytes {
		return false
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *seeder) contracts(path string, m *model, list []contractSpec) error {
	if len(list) == 0 {
		list = []contractSpec{{Default: true}}
	}
	hasDefault := false
	for _, c := range list {
		hasDefault = hasDefault || c.Default
	}
	start := s.tx.Now()
	for j, c := range list {
		if c.Balance < 0 {
			return s.sc.Errorf(fmt.Sprintf("%s.contracts[%d].balance", path, j), "a balance must not be negative")
		}
		id := c.ID
		if id == 0 {
			id = s.tx.NextID("imserver.contract")
		}
		number := c.Number
		if number == "" {
			number = fmt.Sprintf("IM-%05d", id)
		}
		name := c.Name
		if name == "" {
			name = "Договор " + number
		}
		k := &Contract{ID: id, Owner: m.login, Number: number, Name: name, Date: start.Add(-seededAge),
			Default: c.Default || (!hasDefault && j == 0)}
		s.st.Contracts[id] = k
		if bal := kopecks(c.Balance); bal > 0 {
			m.book(k, bal, PaymentTopUp, "пополнение баланса", 0)
		}
	}
	return nil
}

// generated makes a server spec from the world's seeded RNG.
func (s *seeder) generated() serverSpec {
	r := s.tx.Rand()
	preset := s.st.Presets[r.IntN(len(s.st.Presets))]
	status := []string{StatusRunning, StatusRunning, StatusStopped}[r.IntN(3)]
	return serverSpec{Name: strings.ToLower(s.tx.Faker().Noun()) + fmt.Sprint(r.IntN(100)), Status: status, Preset: preset.ID}
}

func (s *seeder) server(path string, m *model, sv serverSpec) error {
	cfg, price, err := s.serverConfig(path, m, sv)
	if err != nil {
		return err
	}
	c, err := m.contract(sv.Contract)
	if err != nil {
		return s.sc.Errorf(path+".contract", "%s", msgOf(err))
	}
	status := sv.Status
	if status == "" {
		status = StatusRunning
	}
	if !contains([]string{StatusRunning, StatusStopped, StatusPaused, StatusArchived, StatusError}, status) {
		return s.sc.Errorf(path+".status", "must be running, stopped, paused, archived or error, got %q", status)
	}
	tpl, err := m.template(sv.Template, cfg)
	if err != nil {
		return s.sc.Errorf(path+".template", "%s", msgOf(err))
	}
	if err := s.checkISO(path, sv.ISO); err != nil {
		return err
	}
	id := sv.ID
	if id == 0 {
		id = s.tx.NextID("imserver.server")
	}
	name := sv.Name
	if name == "" {
		name = fmt.Sprintf("server%d", id)
	}
	created := s.tx.Now().Add(-seededAge)
	s.st.Servers[id] = &Server{ID: id, Owner: m.login, Name: name, Status: status, Config: cfg, Preset: sv.Preset,
		Contract: c.ID, Price: price, Template: tpl, ISO: sv.ISO, Created: created,
		StatsSeed: s.tx.Rand().Uint64(), PowerLog: []PowerChange{{At: created, On: status == StatusRunning}}}
	m.addPublicIface(id)
	return nil
}

func (s *seeder) serverConfig(path string, m *model, sv serverSpec) (Config, int64, error) {
	spec := ServerSpec{CPU: sv.CPU, CPUType: sv.CPUType, RAM: sv.RAM, HDDs: normDisks(sv.HDDList), Preset: sv.Preset,
		HasCPU: sv.CPU != 0, HasCPUType: sv.CPUType != 0, HasRAM: sv.RAM != 0, HasHDD: len(sv.HDDList) > 0}
	cfg, price, err := m.newConfig(spec)
	if err != nil {
		return Config{}, 0, s.sc.Errorf(path, "%s", msgOf(err))
	}
	return cfg, price, nil
}

func (s *seeder) checkISO(path string, iso int64) error {
	if iso == 0 {
		return nil
	}
	for _, i := range s.st.ISOs {
		if i.ID == iso {
			return nil
		}
	}
	return s.sc.Errorf(path+".iso", "no ISO %d", iso)
}

func (s *seeder) zone(path string, m *model, z zoneSpec) error {
	id, err := m.AddZone(z.Name)
	if err != nil {
		return s.sc.Errorf(path+".name", "%s", msgOf(err))
	}
	for j, r := range z.Records {
		in := RecordInput{Zone: id, Name: r.Name, Type: r.Type, Content: r.Content, TTL: r.TTL, Priority: r.Priority}
		if in.TTL == 0 {
			in.TTL = -1
		}
		if r.Type == "MX" || r.Type == "SRV" {
			in.Priority = r.Priority
		} else {
			in.Priority = -1
		}
		if _, err := m.AddRecord(in); err != nil {
			return s.sc.Errorf(fmt.Sprintf("%s.records[%d]", path, j), "%s", msgOf(err))
		}
	}
	return nil
}

func (s *seeder) network(path string, m *model, n networkSpec) error {
	id, err := m.AddNetwork(n.Name, n.Subnet)
	if err != nil {
		return s.sc.Errorf(path, "%s", msgOf(err))
	}
	for j, sid := range n.Servers {
		sv, err := m.server(sid)
		if err != nil {
			return s.sc.Errorf(fmt.Sprintf("%s.servers[%d]", path, j), "%s", msgOf(err))
		}
		ch, err := m.planAttach(sv, id)
		if err != nil {
			return s.sc.Errorf(fmt.Sprintf("%s.servers[%d]", path, j), "%s", msgOf(err))
		}
		m.applyEth(sv, ch)
	}
	return nil
}

package imserver

import (
	"fmt"
	"unicode/utf8"
)

// ServerSpec is what add_server and update_server take (the vendor passes
// it as JSON in json=). Has* say which fields the request gave at all.
type ServerSpec struct {
	CPU, CPUType, RAM      int
	HDDs                   []Disk
	Preset, Contract       int64
	Template               int64
	Name                   string
	HasCPU, HasCPUType     bool
	HasRAM, HasHDD, HasNme bool
}

func (s ServerSpec) changesConfig() bool {
	return s.HasCPU || s.HasCPUType || s.HasRAM || s.HasHDD || s.Preset != 0
}

// The limits of a custom configuration.
const (
	maxCPU      = 32
	maxRAM      = 256
	maxDisks    = 4
	minDiskGB   = 10
	maxDiskGB   = 2048
	maxNameLen  = 64
	defaultType = 2
)

// checkConfig validates a configuration against the panel's limits.
func checkConfig(c Config) error {
	switch {
	case c.CPU < 1 || c.CPU > maxCPU:
		return fail(CodeBadValue, "cpu must be 1..%d, got %d", maxCPU, c.CPU)
	case c.CPUType != 2 && c.CPUType != 3:
		return fail(CodeBadValue, "cputype must be 2 or 3, got %d", c.CPUType)
	case c.RAM < 1 || c.RAM > maxRAM:
		return fail(CodeBadValue, "ram must be 1..%d GB, got %d", maxRAM, c.RAM)
	case len(c.HDDs) < 1 || len(c.HDDs) > maxDisks:
		return fail(CodeBadValue, "hdd_list must hold 1..%d disks, got %d", maxDisks, len(c.HDDs))
	}
	for i, d := range c.HDDs {
		if d.Size < minDiskGB || d.Size > maxDiskGB {
			return fail(CodeBadValue, "hdd_list[%d].size must be %d..%d GB, got %d", i, minDiskGB, maxDiskGB, d.Size)
		}
		if d.Type != DiskSSD && d.Type != DiskHDD {
			return fail(CodeBadValue, "hdd_list[%d].type must be ssd or hdd, got %q", i, d.Type)
		}
	}
	return nil
}

func checkName(name string) error {
	if utf8.RuneCountInString(name) > maxNameLen {
		return fail(CodeBadValue, "server_name is longer than %d characters", maxNameLen)
	}
	return nil
}

// newConfig is the configuration and price an add_server asks for.
func (m *model) newConfig(spec ServerSpec) (Config, int64, error) {
	if spec.Preset != 0 {
		p, ok := m.preset(spec.Preset)
		if !ok {
			return Config{}, 0, fail(CodeUnknownPreset, "no preset %d (see get_presets)", spec.Preset)
		}
		return Config{CPU: p.CPU, CPUType: p.CPUType, RAM: p.RAM, HDDs: append([]Disk(nil), p.HDDs...)}, p.Price, nil
	}
	for _, f := range []struct {
		has  bool
		name string
	}{{spec.HasCPU, "cpu"}, {spec.HasRAM, "ram"}, {spec.HasHDD, "hdd_list"}} {
		if !f.has {
			return Config{}, 0, fail(CodeMissingParam, "%s is required without a preset", f.name)
		}
	}
	c := Config{CPU: spec.CPU, CPUType: spec.CPUType, RAM: spec.RAM, HDDs: spec.HDDs}
	if !spec.HasCPUType {
		c.CPUType = defaultType
	}
	if err := checkConfig(c); err != nil {
		return Config{}, 0, err
	}
	return c, m.st.Prices.price(c), nil
}

// Template is an OS template servers are cloned from.
type Template struct {
	ID      int64  `json:"id" yaml:"id"`
	Name    string `json:"name" yaml:"name"`
	OS      string `json:"os" yaml:"os"`
	Version string `json:"version" yaml:"version"`
	MinHDD  int    `json:"min_hdd" yaml:"min_hdd"`
}

// ISO is an installation image that can be mounted into a server.
type ISO struct {
	ID   int64  `json:"id" yaml:"id"`
	Name string `json:"name" yaml:"name"`
	Size int    `json:"size" yaml:"size"` // MB
}

// Templates lists the OS templates.
func (m *model) Templates() []Template { return append([]Template{}, m.st.Templates...) }

// ISOs lists the ISO images.
func (m *model) ISOs() []ISO { return append([]ISO{}, m.st.ISOs...) }

// template finds a template (0: the first one) fitting on the system disk.
func (m *model) template(id int64, cfg Config) (int64, error) {
	if len(m.st.Templates) == 0 {
		return 0, fail(CodeNotFound, "the panel has no templates")
	}
	t := m.st.Templates[0]
	if id != 0 {
		found := false
		for _, c := range m.st.Templates {
			if c.ID == id {
				t, found = c, true
			}
		}
		if !found {
			return 0, fail(CodeNotFound, "no template %d (see get_templates)", id)
		}
	}
	if len(cfg.HDDs) > 0 && cfg.HDDs[0].Size < t.MinHDD {
		return 0, fail(CodeBadValue, "template %d needs a first disk of at least %d GB", t.ID, t.MinHDD)
	}
	return t.ID, nil
}

// AddServer creates a server from a spec, charges its contract for the
// first month and queues its creation (cloning the template: the larger
// the disks, the longer).
func (m *model) AddServer(spec ServerSpec) (int64, error) {
	c, err := m.contract(spec.Contract)
	if err != nil {
		return 0, err
	}
	cfg, price, err := m.newConfig(spec)
	if err != nil {
		return 0, err
	}
	if err := checkName(spec.Name); err != nil {
		return 0, err
	}
	tpl, err := m.template(spec.Template, cfg)
	if err != nil {
		return 0, err
	}
	if c.Balance < price {
		return 0, fail(CodeNoBalance, "contract %d has %s, the server costs %s a month", c.ID, money(c.Balance), money(price))
	}
	s := &Server{
		ID: m.tx.NextID("imserver.server"), Owner: m.login, Name: spec.Name, Status: StatusStopped, Config: cfg,
		Preset: spec.Preset, Contract: c.ID, Price: price, Template: tpl, Created: m.now(),
		StatsSeed: m.tx.Rand().Uint64(),
	}
	if s.Name == "" {
		s.Name = fmt.Sprintf("server%d", s.ID)
	}
	m.st.Servers[s.ID] = s
	m.logPower(s, true) // cloning and first boot load the server already
	m.addPublicIface(s.ID)
	m.book(c, -price, PaymentCharge, fmt.Sprintf("server %d (%s): first month", s.ID, s.Name), s.ID)
	return s.ID, m.queue(s, CmdAdd, nil)
}

// serverUpdate is update_server's change, applied when its task completes.
type serverUpdate struct {
	Name   *string `json:"name,omitempty"`
	Config *Config `json:"config,omitempty"`
	Preset int64   `json:"preset,omitempty"`
	Price  int64   `json:"price,omitempty"`
}

func (u serverUpdate) applyTo(s *Server) {
	if u.Name != nil {
		s.Name = *u.Name
	}
	if u.Config != nil {
		s.Config, s.Preset, s.Price = *u.Config, u.Preset, u.Price
	}
}

// UpdateServer queues a change of a server. A rename alone may run in any
// live state; a change of hardware needs the server stopped, may only grow
// disks, and charges the difference in monthly price.
func (m *model) UpdateServer(id int64, spec ServerSpec) (int64, error) {
	states := renameStates
	if spec.changesConfig() {
		states = actions[CmdUpdate].from
	}
	s, err := m.actionable(id, CmdUpdate, states)
	if err != nil {
		return 0, err
	}
	if spec.Contract != 0 && spec.Contract != s.Contract {
		return 0, fail(CodeBadValue, "a server cannot move to another contract (it is on %d)", s.Contract)
	}
	if !spec.changesConfig() && !spec.HasNme {
		return 0, fail(CodeMissingParam, "update_server needs at least one of cpu, cputype, ram, hdd_list, preset, server_name")
	}
	u := serverUpdate{}
	if spec.HasNme {
		if err := checkName(spec.Name); err != nil {
			return 0, err
		}
		name := spec.Name
		u.Name = &name
	}
	diff, err := m.configChange(s, spec, &u)
	if err != nil {
		return 0, err
	}
	c := m.st.Contracts[s.Contract]
	if diff > 0 && c.Balance < diff {
		return 0, fail(CodeNoBalance, "contract %d has %s, the change costs %s", c.ID, money(c.Balance), money(diff))
	}
	if diff > 0 {
		m.book(c, -diff, PaymentCharge, fmt.Sprintf("server %d (%s): configuration change", s.ID, s.Name), s.ID)
	}
	return s.ID, m.queue(s, CmdUpdate, u)
}

// configChange fills u's new configuration and returns the price increase.
func (m *model) configChange(s *Server, spec ServerSpec, u *serverUpdate) (int64, error) {
	if !spec.changesConfig() {
		return 0, nil
	}
	cfg, price, preset := s.Config, int64(0), int64(0)
	if spec.Preset != 0 {
		c, p, err := m.newConfig(ServerSpec{Preset: spec.Preset})
		if err != nil {
			return 0, err
		}
		cfg, price, preset = c, p, spec.Preset
	} else {
		cfg = mergeConfig(cfg, spec)
		if err := checkConfig(cfg); err != nil {
			return 0, err
		}
		price = m.st.Prices.price(cfg)
	}
	if err := checkGrowth(s.Config.HDDs, cfg.HDDs); err != nil {
		return 0, err
	}
	u.Config, u.Preset, u.Price = &cfg, preset, price
	return max(0, price-s.Price), nil
}

func mergeConfig(cfg Config, spec ServerSpec) Config {
	out := Config{CPU: cfg.CPU, CPUType: cfg.CPUType, RAM: cfg.RAM, HDDs: append([]Disk(nil), cfg.HDDs...)}
	if spec.HasCPU {
		out.CPU = spec.CPU
	}
	if spec.HasCPUType {
		out.CPUType = spec.CPUType
	}
	if spec.HasRAM {
		out.RAM = spec.RAM
	}
	if spec.HasHDD {
		out.HDDs = append([]Disk(nil), spec.HDDs...)
	}
	return out
}

// checkGrowth refuses removing or shrinking disks (data would be lost).
func checkGrowth(old, next []Disk) error {
	if len(next) < len(old) {
		return fail(CodeBadValue, "disks cannot be removed (the server has %d)", len(old))
	}
	for i, d := range old {
		if next[i].Size < d.Size {
			return fail(CodeBadValue, "hdd_list[%d] cannot shrink from %d to %d GB", i, d.Size, next[i].Size)
		}
		if next[i].Type != d.Type {
			return fail(CodeBadValue, "hdd_list[%d] cannot change type from %s to %s", i, d.Type, next[i].Type)
		}
	}
	return nil
}

type reinstallChange struct {
	Template int64 `json:"template"`
}

// Reinstall queues a reinstallation from a template (this wipes the system
// disk, so it takes as long as cloning it).
func (m *model) Reinstall(id, template int64) (int64, error) {
	s, err := m.actionable(id, CmdReinstall, actions[CmdReinstall].from)
	if err != nil {
		return 0, err
	}
	if template == 0 {
		template = s.Template
	}
	tpl, err := m.template(template, s.Config)
	if err != nil {
		return 0, err
	}
	return s.ID, m.queue(s, CmdReinstall, reinstallChange{Template: tpl})
}

// isoStates are where an ISO may be mounted or unmounted.
var isoStates = []string{StatusRunning, StatusStopped, StatusPaused}

// MountISO mounts an image into the server's virtual drive, at once.
func (m *model) MountISO(id, iso int64) (int64, error) {
	s, err := m.actionable(id, "mount_iso", isoStates)
	if err != nil {
		return 0, err
	}
	found := false
	for _, i := range m.st.ISOs {
		found = found || i.ID == iso
	}
	if !found {
		return 0, fail(CodeNotFound, "no ISO image %d (see get_isos)", iso)
	}
	s.ISO = iso
	return s.ID, nil
}

// UmountISO empties the server's virtual drive.
func (m *model) UmountISO(id int64) (int64, error) {
	s, err := m.actionable(id, "umount_iso", isoStates)
	if err != nil {
		return 0, err
	}
	if s.ISO == 0 {
		return 0, fail(CodeWrongState, "server %d has no ISO mounted", id)
	}
	s.ISO = 0
	return s.ID, nil
}

package dci6

import (
	"strings"
	"testing"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/state"
)

const seedBase = `
dci6:
  users: [{email: a@example.com, password: x, role: "@admin"}]
  locations: [{name: L}]
  racks: [{name: R, location: L, size: 4}]
  configurations: [{name: C, platform: P, disks: [d]}]
  pools: [{name: Pub}]
  networks: [{network: 192.0.2.0/28, pool: Pub}]
  os_templates: [{name: Linux}]
`

func seedErr(t *testing.T, yaml string) error {
	t.Helper()
	known := scenarios.Known{Panels: []string{Name}, Timings: defaultTimings()}
	sc, err := scenarios.Parse("bad.yaml", []byte(yaml), known)
	if err != nil {
		return err
	}
	w, err := state.NewWorld(state.Config{Name: "t", Seed: 1, Start: sc.Start, Steps: steps()})
	if err != nil {
		t.Fatal(err)
	}
	return w.Do(func(tx *state.Tx) error { return New().Seed(tx, sc) })
}

func TestSeedErrorsNameKeyAndLine(t *testing.T) {
	cases := []struct{ extra, want string }{
		{"  servers: [{configuration: Nope}]", "dci6.servers[0].configuration: unknown configuration"},
		{"  servers: [{configuration: C, owner: ghost@example.com}]", "dci6.servers[0].owner: unknown user"},
		{"  servers: [{configuration: C, rack: R, unit: 9}]", "dci6.servers[0].unit"},
		{"  servers: [{configuration: C, state: broken}]", "dci6.servers[0].state"},
		{"  servers: [{configuration: C, ips: [10.9.9.9]}]", "dci6.servers[0].ips[0]"},
		{"  generate: [{count: 5, configuration: C}]", "no free rack unit"},
		{"  generate: [{count: 1, configuration: C, owned: 1}]", "dci6.generate[0].owned"},
		{"  generate: [{count: 1, configuration: C, os_template: Nope}]", "dci6.generate[0].os_template"},
		{"  token_ttl: 10s", "dci6.token_ttl"},
		{"  ipmi_network: nonsense", "dci6.ipmi_network"},
		{"  colour: blue", "colour"},
		{"  chassis: [{name: X, rack: R, size: 9}]", "dci6.chassis[0]"},
		{"  chassis: [{name: X, rack: Q}]", "dci6.chassis[0].rack"},
		{"  chassis: [{name: X, size: 2, slots: 1}]\n  servers: [{configuration: C, chassis: X}, {configuration: C, chassis: X}]", "dci6.servers[1].chassis: chassis X has no free slot"},
		{"  chassis: [{name: X, size: 2}]\n  servers: [{configuration: C, chassis: X, slot: 99}]", "dci6.servers[0].slot"},
		{"  servers: [{configuration: C, chassis: Y}]", "dci6.servers[0].chassis: unknown chassis"},
		{"  servers: [{configuration: C, slot: 1}]", "dci6.servers[0].slot: needs a chassis"},
	}
	for _, tc := range cases {
		err := seedErr(t, seedBase+tc.extra+"\n")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.yaml:") {
			t.Errorf("%s: got %v, want an error with the line and %q", tc.extra, err, tc.want)
		}
	}
	bad := []struct{ yaml, want string }{
		{strings.Replace(seedBase, "role: \"@admin\"", "role: boss", 1), "dci6.users[0].role"},
		{strings.Replace(seedBase, "location: L,", "location: M,", 1), "dci6.racks[0].location"},
		{strings.Replace(seedBase, "pool: Pub}", "pool: Nope}", 1), "dci6.networks[0].pool"},
		{strings.Replace(seedBase, "192.0.2.0/28", "192.0.2.0/99", 1), "dci6.networks[0].network"},
		{strings.Replace(seedBase, "disks: [d]", "disks: []", 1), "dci6.configurations[0].disks"},
		{strings.Replace(seedBase, "configurations: [{name: C, platform: P, disks: [d]}]",
			"configurations: [{name: C, platform: P, disks: [d]}, {name: D, platform: P, size: 2, disks: [d]}]", 1), "dci6.configurations[1].platform"},
		{strings.Replace(seedBase, "role: \"@admin\"", "role: \"@admin\", tokens: [\"a b\"]", 1), "dci6.users[0].tokens[0]"},
		{strings.Replace(seedBase, "role: \"@admin\"", "role: \"@admin\", tokens: [T, T]", 1), "dci6.users[0].tokens[1]"},
		{strings.Replace(seedBase, "role: \"@admin\"", "role: \"@admin\", tokens: [T], keys: [T]", 1), "dci6.users[0].keys[0]"},
		{strings.Replace(seedBase, "role: \"@admin\"", "role: \"@admin\", keys: [4-a, 4-b]", 1), "key id 4"},
	}
	for _, tc := range bad {
		if err := seedErr(t, tc.yaml); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestExplicitServer(t *testing.T) {
	w := newWorld(t, []byte(seedBase+`
  servers:
    - {id: 100, name: web1, configuration: C, rack: R, unit: 3, owner: a@example.com, state: suspended,
       power_status: "off", os_template: Linux, domain: web1.example.com, mac: "00:25:90:aa:bb:cc",
       barcode: B1, ips: [192.0.2.5]}
`))
	s := server(t, w, 100)
	if s.Name != "web1" || s.Unit != 3 || s.State != stateSuspended || s.PowerStatus != "off" || s.MAC != "00:25:90:aa:bb:cc" ||
		s.Barcode != "B1" || s.OSTemplate == nil || len(s.IP) != 1 || s.IP[0].Name != "192.0.2.5" || s.SwitchConnection[0].AdminStatus != "down" {
		t.Fatalf("explicit server %+v", s)
	}
	id := do(t, w, func(tx *state.Tx) (IDView, error) {
		return CreateUser(tx, CreateUserRequest{Email: ptr("b@example.com"), Password: ptr("p")})
	})
	if id.ID != 2 {
		t.Fatalf("next user id %d", id.ID)
	}
}

package dci6

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/panelsim/panelsim/state"
)

// TestStreamedServerListMatchesEncoder holds appendServerList to the
// bytes ListServers' answer encodes to, for admin and client, on queries
// that match all, some and none of the servers, pages past the end, and
// after writes that put operations and owners in the views: the
// streamed list must say what the list of views says, state changes
// included.
func TestStreamedServerListMatchesEncoder(t *testing.T) {
	w := newWorld(t, nil)
	queries := []ListQuery{
		{},
		{Where: "is_new EQ false", OrderBy: "id asc", Limit: "0,50"},
		{OrderBy: "name desc", Limit: "3,7"},
		{Where: "id GT 1000000"},
		{Limit: "1000,5"},
		{Where: "state EQ 'ok' AND power_status EQ 'on'", OrderBy: "owner_email desc"},
	}
	check := func(when string) {
		t.Helper()
		for _, c := range []Caller{admin, client} {
			for _, lq := range queries {
				want := do(t, w, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, c, lq) })
				buf, ok := encodeJSON(&want)
				if !ok {
					t.Fatalf("%s %+v: hand encoder fell back", when, lq)
				}
				var fallback bool
				got := do(t, w, func(tx *state.Tx) ([]byte, error) { return appendServerList(tx, c, lq, nil, &fallback) })
				if fallback || !bytes.Equal(append(got, '\n'), buf.b) {
					t.Errorf("%s, %+v as %s: streamed\n%s\nwant\n%s", when, lq, c.Email, got, buf.b)
				}
				buf.release()
			}
		}
	}
	check("seeded")
	do(t, w, func(tx *state.Tx) (TaskRef, error) { return Power(tx, admin, 4, "power_off") })
	do(t, w, func(tx *state.Tx) (IDView, error) { return SetOwner(tx, 5, 2) })
	do(t, w, func(tx *state.Tx) (IDView, error) { return ReleaseOwner(tx, 1) })
	check("after power_off, owner changes")
	if _, err := w.Advance(3600e9); err != nil {
		t.Fatal(err)
	}
	check("after the clock ran the tasks")
}

// TestStreamedServerListRefusesAsListDoes: a bad query is the same error
// either way.
func TestStreamedServerListRefusesAsListDoes(t *testing.T) {
	w := newWorld(t, nil)
	for _, lq := range []ListQuery{{Where: "nope EQ 1"}, {OrderBy: "id sideways"}, {Limit: "-1"}} {
		var e1, e2 error
		_ = w.Do(func(tx *state.Tx) error { _, e1 = ListServers(tx, admin, lq); return nil })
		_ = w.Do(func(tx *state.Tx) error { var f bool; _, e2 = appendServerList(tx, admin, lq, nil, &f); return nil })
		if e1 == nil || e2 == nil || e1.Error() != e2.Error() {
			t.Errorf("%+v: list says %v, streamed says %v", lq, e1, e2)
		}
	}
}

// TestRoomAddressTextsMatchString: the room's address texts are netip's
// String, zero and invalid values included.
func TestRoomAddressTextsMatchString(t *testing.T) {
	var room viewRoom
	for _, s := range []string{"203.0.113.2", "2001:db8::1", "::ffff:10.0.0.1", "fe80::1%eth0", "::"} {
		a := netip.MustParseAddr(s)
		if got := room.addr(a); got != a.String() {
			t.Errorf("addr %s: %q", a, got)
		}
	}
	if got := room.addr(netip.Addr{}); got != (netip.Addr{}).String() {
		t.Errorf("zero addr: %q", got)
	}
	for _, p := range []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/48"),
		netip.MustParsePrefix("::ffff:10.0.0.0/104"), {}, netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), 40)} {
		if got := room.prefix(p); got != p.String() {
			t.Errorf("prefix %s: %q", p, got)
		}
	}
}

// TestRoomReuseHandsOutZeroParts: after reuse a room's parts are zero
// again, from the start of its blocks.
func TestRoomReuseHandsOutZeroParts(t *testing.T) {
	var room viewRoom
	a := room.switchConns(3)
	for i := range a {
		a[i] = SwitchConnView{ID: int64(i + 1), SwitchName: "sw"}
	}
	*room.owner() = OwnerView{ID: 7, Email: "x"}
	room.reuse()
	b := room.switchConns(5)
	if &a[0] != &b[0] {
		t.Error("reuse did not start the block again")
	}
	for i, v := range b {
		if v != (SwitchConnView{}) {
			t.Errorf("part %d after reuse: %+v", i, v)
		}
	}
	if o := room.owner(); *o != (OwnerView{}) {
		t.Errorf("owner after reuse: %+v", *o)
	}
}

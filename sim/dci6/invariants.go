package dci6

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/panelsim/panelsim/state"
)

// CheckState is the invariant check of a world's DCI state (sim runs it
// after every restore and, in tests, after every scenario load and fork):
// every reference points at an object that exists, maps are keyed by their
// objects' ids, and no address is held twice. A snapshot that breaks it is
// refused, so no handler meets a dangling reference.
func (*Panel) CheckState(tx *state.Tx) *state.DecodeError {
	return st(tx).check()
}

func (s *State) check() *state.DecodeError {
	for _, check := range []func() *state.DecodeError{s.checkKeys, s.checkIPs, s.checkServers, s.checkTasks} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func broken(format string, a ...any) func(msg string) *state.DecodeError {
	ptr := fmt.Sprintf(format, a...)
	return func(msg string) *state.DecodeError { return &state.DecodeError{Pointer: ptr, Msg: msg} }
}

// keyed checks that every object of m sits under its own id.
func keyed[V any](name string, m map[int64]*V, id func(*V) int64) *state.DecodeError {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] == nil {
			return broken("/%s/%d", name, k)("null object")
		}
		if id(m[k]) != k {
			return broken("/%s/%d/id", name, k)(fmt.Sprintf("id %d under key %d", id(m[k]), k))
		}
	}
	return nil
}

func (s *State) checkKeys() *state.DecodeError {
	if err := keyed("users", s.Users, func(u *User) int64 { return u.ID }); err != nil {
		return err
	}
	if err := keyed("servers", s.Servers, func(v *Server) int64 { return v.ID }); err != nil {
		return err
	}
	if err := keyed("ips", s.IPs, func(v *IP) int64 { return v.ID }); err != nil {
		return err
	}
	if err := keyed("networks", s.Nets, func(v *IPNet) int64 { return v.ID }); err != nil {
		return err
	}
	if err := keyed("pools", s.Pools, func(v *Pool) int64 { return v.ID }); err != nil {
		return err
	}
	return keyed("tasks", s.Tasks, func(v *Task) int64 { return v.ID })
}

func (s *State) checkServers() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Servers)) {
		sv := s.Servers[id]
		switch {
		case sv.OwnerID != 0 && s.Users[sv.OwnerID] == nil:
			return broken("/servers/%d/owner_id", id)(fmt.Sprintf("no user %d", sv.OwnerID))
		case sv.RackID != 0 && s.Racks[sv.RackID] == nil:
			return broken("/servers/%d/rack_id", id)(fmt.Sprintf("no rack %d", sv.RackID))
		}
		for field, ipID := range map[string]int64{"main_ipv4": sv.MainIPv4, "main_ipv6": sv.MainIPv6} {
			if ip := s.IPs[ipID]; ipID != 0 && (ip == nil || ip.ServerID != id) {
				return broken("/servers/%d/%s", id, field)(fmt.Sprintf("IP %d is not an address of this server", ipID))
			}
		}
	}
	return nil
}

func (s *State) checkIPs() *state.DecodeError {
	held := map[netip.Addr]int64{}
	for _, id := range slices.Sorted(maps.Keys(s.IPs)) {
		ip := s.IPs[id]
		switch {
		case s.Nets[ip.NetID] == nil:
			return broken("/ips/%d/net_id", id)(fmt.Sprintf("no network %d", ip.NetID))
		case ip.ServerID != 0 && s.Servers[ip.ServerID] == nil:
			return broken("/ips/%d/server_id", id)(fmt.Sprintf("no server %d", ip.ServerID))
		}
		if other, taken := held[ip.Addr]; taken {
			return broken("/ips/%d/addr", id)(fmt.Sprintf("%s is held by IP %d too", ip.Addr, other))
		}
		held[ip.Addr] = id
	}
	for _, id := range slices.Sorted(maps.Keys(s.Nets)) {
		if n := s.Nets[id]; n.PoolID != 0 && s.Pools[n.PoolID] == nil {
			return broken("/networks/%d/pool_id", id)(fmt.Sprintf("no pool %d", n.PoolID))
		}
	}
	return nil
}

func (s *State) checkTasks() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Tasks)) {
		t := s.Tasks[id]
		// A task may outlive its IP (an address deletion's task), never
		// its server: servers are hardware and are not deleted.
		if t.ServerID != 0 && s.Servers[t.ServerID] == nil {
			return broken("/tasks/%d/server_id", id)(fmt.Sprintf("no server %d", t.ServerID))
		}
	}
	return nil
}

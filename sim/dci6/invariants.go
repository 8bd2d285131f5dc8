package dci6

import (
	"encoding/json"
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
	return state.FirstBroken(s.checkKeys, s.checkPlaces, s.checkAuth, s.checkIPs, s.checkServers, s.checkTasks)
}

func (s *State) checkKeys() *state.DecodeError {
	if err := state.KeyedBy("users", "id", s.Users, func(u *User) int64 { return u.ID }); err != nil {
		return err
	}
	if err := state.KeyedBy("servers", "id", s.Servers, func(v *Server) int64 { return v.ID }); err != nil {
		return err
	}
	if err := state.KeyedBy("ips", "id", s.IPs, func(v *IP) int64 { return v.ID }); err != nil {
		return err
	}
	if err := state.KeyedBy("networks", "id", s.Nets, func(v *IPNet) int64 { return v.ID }); err != nil {
		return err
	}
	if err := state.KeyedBy("pools", "id", s.Pools, func(v *Pool) int64 { return v.ID }); err != nil {
		return err
	}
	return state.KeyedBy("tasks", "id", s.Tasks, func(v *Task) int64 { return v.ID })
}

// checkPlaces checks what a server's view reads through: a rack's
// location, a configuration's platform.
func (s *State) checkPlaces() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Racks)) {
		if r := s.Racks[id]; s.Locations[r.LocationID] == nil {
			return state.Broken("/racks/%d/location_id", id)(fmt.Sprintf("no location %d", r.LocationID))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Configs)) {
		if c := s.Configs[name]; c == nil || s.Platforms[c.PlatformID] == nil {
			return state.Broken("/configurations/%s/platform_id", name)("no such platform")
		}
	}
	return nil
}

// checkAuth checks that every token and login key belongs to a user.
func (s *State) checkAuth() *state.DecodeError {
	for _, tok := range slices.Sorted(maps.Keys(s.Tokens)) {
		if t := s.Tokens[tok]; t == nil || s.Users[t.UserID] == nil {
			return state.Broken("/tokens/%s/user_id", state.PointerToken(tok))("no such user")
		}
	}
	for _, key := range slices.Sorted(maps.Keys(s.Keys)) {
		if k := s.Keys[key]; k == nil || s.Users[k.UserID] == nil {
			return state.Broken("/keys/%s/user_id", state.PointerToken(key))("no such user")
		}
	}
	return nil
}

func (s *State) checkServers() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Servers)) {
		sv := s.Servers[id]
		switch {
		case sv.OwnerID != 0 && s.Users[sv.OwnerID] == nil:
			return state.Broken("/servers/%d/owner_id", id)(fmt.Sprintf("no user %d", sv.OwnerID))
		case s.Racks[sv.RackID] == nil:
			return state.Broken("/servers/%d/rack_id", id)(fmt.Sprintf("no rack %d", sv.RackID))
		case s.Configs[sv.Config] == nil:
			return state.Broken("/servers/%d/configuration", id)(fmt.Sprintf("no configuration %q", sv.Config))
		case sv.ChassisID != 0 && s.Chassis[sv.ChassisID] == nil:
			return state.Broken("/servers/%d/chassis_id", id)(fmt.Sprintf("no chassis %d", sv.ChassisID))
		}
		for field, ipID := range map[string]int64{"main_ipv4": sv.MainIPv4, "main_ipv6": sv.MainIPv6} {
			if ip := s.IPs[ipID]; ipID != 0 && (ip == nil || ip.ServerID != id) {
				return state.Broken("/servers/%d/%s", id, field)(fmt.Sprintf("IP %d is not an address of this server", ipID))
			}
		}
		if err := s.checkServerTasks(sv); err != nil {
			return err
		}
	}
	return nil
}

// checkServerTasks checks a server's links to its tasks: the power task it
// waits for runs on it, and its last long operation is one of its tasks
// (a finished one stays pinned in the history for the server's view).
func (s *State) checkServerTasks(sv *Server) *state.DecodeError {
	if sv.PowerTask != 0 {
		t := s.Tasks[sv.PowerTask]
		if t == nil || t.ServerID != sv.ID || t.finished() || !powerActions[t.Name] {
			return state.Broken("/servers/%d/power_task", sv.ID)(fmt.Sprintf("task %d is not a running power task of this server", sv.PowerTask))
		}
	}
	if sv.Operation != nil {
		if t := s.Tasks[sv.Operation.TaskID]; t == nil || t.ServerID != sv.ID {
			return state.Broken("/servers/%d/operation/task_id", sv.ID)(fmt.Sprintf("task %d is not a task of this server", sv.Operation.TaskID))
		}
	}
	return nil
}

// ipStatuses are the statuses an address can be in.
var ipStatuses = map[string]bool{ipAllocating: true, ipDeleting: true, ipOK: true, ipFail: true, ipAllocationFail: true}

func (s *State) checkIPs() *state.DecodeError {
	held := map[netip.Addr]int64{}
	for _, id := range slices.Sorted(maps.Keys(s.IPs)) {
		ip := s.IPs[id]
		switch {
		case s.Nets[ip.NetID] == nil:
			return state.Broken("/ips/%d/net_id", id)(fmt.Sprintf("no network %d", ip.NetID))
		case s.Servers[ip.ServerID] == nil:
			// Every address is a server's (IPMI addresses are not listed):
			// the lists read the owner through the server.
			return state.Broken("/ips/%d/server_id", id)(fmt.Sprintf("no server %d", ip.ServerID))
		case !ipStatuses[ip.Status]:
			// Every list and detail shows it, and the contract names the
			// statuses an address can be in.
			return state.Broken("/ips/%d/status", id)(fmt.Sprintf("%q is not an IP status", ip.Status))
		}
		if other, taken := held[ip.Addr]; taken {
			return state.Broken("/ips/%d/addr", id)(fmt.Sprintf("%s is held by IP %d too", ip.Addr, other))
		}
		held[ip.Addr] = id
	}
	for _, id := range slices.Sorted(maps.Keys(s.Nets)) {
		if n := s.Nets[id]; n.PoolID != 0 && s.Pools[n.PoolID] == nil {
			return state.Broken("/networks/%d/pool_id", id)(fmt.Sprintf("no pool %d", n.PoolID))
		}
	}
	return nil
}

// taskStatuses are the statuses a task can be in.
var taskStatuses = map[string]bool{taskPending: true, taskRunning: true, taskComplete: true, taskFail: true}

func (s *State) checkTasks() *state.DecodeError {
	for _, id := range slices.Sorted(maps.Keys(s.Tasks)) {
		t := s.Tasks[id]
		switch {
		// A task may outlive its IP (an address deletion's task), never
		// its server: servers are hardware and are not deleted.
		case s.Servers[t.ServerID] == nil:
			return state.Broken("/tasks/%d/server_id", id)(fmt.Sprintf("no server %d", t.ServerID))
		case !taskStatuses[t.Status]:
			return state.Broken("/tasks/%d/status", id)(fmt.Sprintf("%q is not a task status", t.Status))
		case len(t.Steps) == 0:
			return state.Broken("/tasks/%d/steps", id)("a task has at least one step")
		case t.Current < 0 || t.Current >= len(t.Steps):
			return state.Broken("/tasks/%d/current", id)(fmt.Sprintf("no step %d of %d", t.Current, len(t.Steps)))
		case t.FailAt < -1 || t.FailAt >= len(t.Steps):
			return state.Broken("/tasks/%d/fail_at", id)(fmt.Sprintf("no step %d of %d", t.FailAt, len(t.Steps)))
		}
	}
	return s.checkFinished()
}

// checkFinished checks the finished-task index against the tasks.
func (s *State) checkFinished() *state.DecodeError {
	return state.CheckFinished("/tasks", &s.Finished, s.Tasks, (*Task).finished)
}

// CheckSteps checks the panel's pending steps against its tasks: each step
// advances an unfinished task that exists, and each unfinished task has
// exactly one step coming (with none it would never end; with two it
// would skip steps).
func (*Panel) CheckSteps(tx *state.Tx, queue []state.Step) *state.DecodeError {
	s := st(tx)
	stepOf := map[int64]int{}
	for i, step := range queue {
		if step.Kind != stepKind {
			continue
		}
		var a stepArgs
		if err := json.Unmarshal(step.Args, &a); err != nil {
			return state.Broken("/queue/%d/args", i)(err.Error())
		}
		if t := s.Tasks[a.Task]; t == nil || t.finished() {
			return state.Broken("/queue/%d/args/task", i)(fmt.Sprintf("no unfinished task %d", a.Task))
		}
		if first, seen := stepOf[a.Task]; seen {
			return state.Broken("/queue/%d/args/task", i)(fmt.Sprintf("task %d already has step %d coming", a.Task, first))
		}
		stepOf[a.Task] = i
	}
	for _, id := range slices.Sorted(maps.Keys(s.Tasks)) {
		if _, coming := stepOf[id]; !coming && !s.Tasks[id].finished() {
			return state.Broken("/panels/%s/tasks/%d/status", Name, id)("the task is unfinished and no step in the queue advances it")
		}
	}
	return nil
}

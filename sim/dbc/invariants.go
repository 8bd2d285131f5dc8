package dbc

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/panelsim/panelsim/state"
)

// CheckState is the invariant check of a world's DBC state (sim runs it
// after every restore and, in tests, after every scenario load and fork):
// every map is keyed by its objects' ids; the rent state agrees (a rented
// node or machine has its renter, and what is on a node is its renter's);
// every VM's LAN, snapshot centre and controller exists; the VMs holding
// a node's cores, memory and GPUs fit in it and hold no VNC port twice;
// and a VM in a busy status has the pending step that ends it. A
// snapshot that breaks it is refused, so no handler meets a dangling id
// or an over-booked node.
func (*Panel) CheckState(tx *state.Tx) *state.DecodeError {
	st := state.PanelState[State](tx, Name)
	ending := endingSteps(tx)
	for _, id := range slices.Sorted(maps.Keys(st.Nodes)) {
		n := st.Nodes[id]
		if n == nil {
			return at("/nodes/%s", id)("null node")
		}
		if err := st.checkNode(n, id, ending); err != nil {
			return err
		}
	}
	return st.checkBareMetal()
}

// at builds the error at a JSON pointer; ids are escaped (RFC 6901).
func at(format string, ids ...string) func(msg string, a ...any) *state.DecodeError {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = state.PointerToken(id)
	}
	ptr := fmt.Sprintf(format, args...)
	return func(msg string, a ...any) *state.DecodeError {
		return &state.DecodeError{Pointer: ptr, Msg: fmt.Sprintf(msg, a...)}
	}
}

func (st *State) checkNode(n *Node, id string, ending map[stepRef]bool) *state.DecodeError {
	switch {
	case n.ID != id:
		return at("/nodes/%s/id", id)("id %q under key %q", n.ID, id)
	case n.Status != NodeOnline && n.Status != NodeRented && n.Status != NodeVerify:
		return at("/nodes/%s/status", id)("status %q is none of online, rented, verify", n.Status)
	case (n.Status == NodeRented) != (n.Renter != ""):
		return at("/nodes/%s/renter", id)("a %s node with renter %q", n.Status, n.Renter)
	case len(n.RenterSigners) > 0 && n.Renter == "":
		return at("/nodes/%s/renter_signers", id)("signers without a renter")
	}
	return state.FirstBroken(
		func() *state.DecodeError { return st.checkTasks(n, ending) },
		n.checkNetworks, n.checkTransfers, n.checkBooking,
	)
}

// checkTasks: every VM is the renter's, under its own id, in an existing
// LAN, with disks and snapshots named once, snapshots kept in a known
// image centre, and a busy status its pending step will end.
func (st *State) checkTasks(n *Node, ending map[stepRef]bool) *state.DecodeError {
	for _, tid := range slices.Sorted(maps.Keys(n.Tasks)) {
		t := n.Tasks[tid]
		ptr := func(field string) func(string, ...any) *state.DecodeError {
			return at("/nodes/%s/tasks/%s/"+field, n.ID, tid)
		}
		switch {
		case t == nil:
			return at("/nodes/%s/tasks/%s", n.ID, tid)("null VM")
		case t.ID != tid:
			return ptr("id")("id %q under key %q", t.ID, tid)
		case t.Wallet != n.Renter:
			return ptr("wallet")("the VM is %q's, the node is rented by %q", t.Wallet, n.Renter)
		case t.Spec.NetworkName != "" && n.Networks[t.Spec.NetworkName] == nil:
			return ptr("spec/network_name")("no LAN %q on the node", t.Spec.NetworkName)
		case isBusy(t.Status) && !ending[stepRef{n.ID, tid, t.Gen}]:
			return ptr("status")("%q, but no pending step ends it", t.Status)
		}
		if err := t.checkParts(ptr, st); err != nil {
			return err
		}
	}
	return nil
}

// checkParts: disk and snapshot names are held once; a snapshot's centre
// exists.
func (t *Task) checkParts(ptr func(string) func(string, ...any) *state.DecodeError, st *State) *state.DecodeError {
	disks := map[string]bool{}
	for i, d := range t.Disks {
		if d == nil || disks[d.Name] {
			return ptr(fmt.Sprintf("disks/%d", i))("a null disk or a disk name held twice")
		}
		disks[d.Name] = true
	}
	snaps := map[string]bool{}
	for i, s := range t.Snapshots {
		switch {
		case s == nil || snaps[s.Name]:
			return ptr(fmt.Sprintf("snapshots/%d", i))("a null snapshot or a snapshot name held twice")
		case st.imageServer(s.Server) == nil:
			return ptr(fmt.Sprintf("snapshots/%d/server", i))("no image centre %q", s.Server)
		}
		snaps[s.Name] = true
	}
	return nil
}

// checkNetworks: every LAN sits under its name and is the renter's.
func (n *Node) checkNetworks() *state.DecodeError {
	for _, name := range slices.Sorted(maps.Keys(n.Networks)) {
		net := n.Networks[name]
		switch {
		case net == nil:
			return at("/nodes/%s/networks/%s", n.ID, name)("null LAN")
		case net.Name != name:
			return at("/nodes/%s/networks/%s/name", n.ID, name)("name %q under key %q", net.Name, name)
		case net.Owner != n.Renter:
			return at("/nodes/%s/networks/%s/owner", n.ID, name)("the LAN is %q's, the node is rented by %q", net.Owner, n.Renter)
		}
	}
	return nil
}

// checkTransfers: every transfer sits under its kind and file and is the
// renter's.
func (n *Node) checkTransfers() *state.DecodeError {
	for _, key := range slices.Sorted(maps.Keys(n.Transfers)) {
		tr := n.Transfers[key]
		switch {
		case tr == nil:
			return at("/nodes/%s/transfers/%s", n.ID, key)("null transfer")
		case transferKey(tr.Kind, tr.Image) != key:
			return at("/nodes/%s/transfers/%s", n.ID, key)("a %s of %q under key %q", tr.Kind, tr.Image, key)
		case tr.Owner != n.Renter:
			return at("/nodes/%s/transfers/%s/owner", n.ID, key)("the transfer is %q's, the node is rented by %q", tr.Owner, n.Renter)
		}
	}
	return nil
}

// checkBooking: the VMs that hold resources (running, being created or
// started) fit in the node's cores and memory, the VMs with a domain in
// its GPUs, and no two of them hold one VNC port.
func (n *Node) checkBooking() *state.DecodeError {
	cpus, mem := n.runningUse("")
	switch {
	case cpus > n.CPUCores:
		return at("/nodes/%s/tasks", n.ID)("the VMs hold %d cores of %d", cpus, n.CPUCores)
	case mem > n.MemGB:
		return at("/nodes/%s/tasks", n.ID)("the VMs hold %d GB of %d", mem, n.MemGB)
	case n.freeGPUs("") < 0:
		return at("/nodes/%s/tasks", n.ID)("the VMs hold %d GPUs of %d", n.GPUs-n.freeGPUs(""), n.GPUs)
	}
	vnc := map[int]string{}
	for _, t := range n.sortedTasks() {
		if !t.holdsResources() {
			continue
		}
		if other, taken := vnc[t.Spec.VNCPort]; taken {
			return at("/nodes/%s/tasks/%s/spec/vnc_port", n.ID, t.ID)("VNC port %d is held by VM %s too", t.Spec.VNCPort, other)
		}
		vnc[t.Spec.VNCPort] = t.ID
	}
	return nil
}

// checkBareMetal: controllers and machines are keyed by their ids, each
// machine is listed by the controller it names and no other, and a
// rented machine has its renter.
func (st *State) checkBareMetal() *state.DecodeError {
	listedBy := map[string]string{}
	for _, cid := range slices.Sorted(maps.Keys(st.Controllers)) {
		c := st.Controllers[cid]
		if c == nil || c.ID != cid {
			return at("/controllers/%s/id", cid)("a null controller or one under another id")
		}
		for i, m := range c.Machines {
			if _, twice := listedBy[m]; twice || st.Machines[m] == nil {
				return at(fmt.Sprintf("/controllers/%%s/machines/%d", i), cid)("machine %q is unknown or listed twice", m)
			}
			listedBy[m] = cid
		}
	}
	for _, mid := range slices.Sorted(maps.Keys(st.Machines)) {
		m := st.Machines[mid]
		switch {
		case m == nil || m.NodeID != mid:
			return at("/machines/%s/node_id", mid)("a null machine or one under another id")
		case listedBy[mid] != m.Controller:
			return at("/machines/%s/controller", mid)("controller %q does not list the machine", m.Controller)
		case (m.Status == NodeRented) != (m.Renter != ""):
			return at("/machines/%s/renter", mid)("a %s machine with renter %q", m.Status, m.Renter)
		}
	}
	return nil
}

// stepRef names the operation a dbc.task step ends: its VM and generation.
type stepRef struct {
	node, task string
	gen        int
}

// endingSteps are the operations the pending dbc.task steps end.
func endingSteps(tx *state.Tx) map[stepRef]bool {
	out := map[stepRef]bool{}
	for _, s := range tx.PendingSteps() {
		var a taskStep
		if s.Kind == stepTask && json.Unmarshal(s.Args, &a) == nil {
			out[stepRef{a.Node, a.Task, a.Gen}] = true
		}
	}
	return out
}

// CheckSteps checks each pending step of the panel's kinds against the
// state (checkStep), naming the step by its place in the queue.
func (p *Panel) CheckSteps(tx *state.Tx, queue []state.Step) *state.DecodeError {
	kinds := p.Steps()
	for i, step := range queue {
		if _, ours := kinds[step.Kind]; !ours {
			continue
		}
		if err := checkStep(tx, step); err != nil {
			return err.At(fmt.Sprintf("/queue/%d/args", i))
		}
	}
	return nil
}

// checkStep checks one pending step against the state. Nodes are hardware
// and never go, so a step must name an existing one; a VM, LAN, transfer
// or machine may be gone before its stale step falls due (the step then
// does nothing), but a VM that is there cannot be behind its step's
// generation, and a step's operation must be one the node knows.
func checkStep(tx *state.Tx, step state.Step) *state.DecodeError {
	st := state.PanelState[State](tx, Name)
	var a struct {
		Node string `json:"node"`
		Task string `json:"task"`
		Op   string `json:"op"`
		Gen  int    `json:"gen"`
	}
	if err := json.Unmarshal(step.Args, &a); err != nil {
		return &state.DecodeError{Msg: err.Error()}
	}
	switch step.Kind {
	case stepPower:
		if m := st.Machines[a.Node]; m != nil && a.Gen > m.Gen {
			return &state.DecodeError{Pointer: "/gen", Msg: fmt.Sprintf("generation %d is ahead of the machine's %d", a.Gen, m.Gen)}
		}
		return nil
	case stepTransfer:
		if a.Node == "" {
			return nil // the client's own upload
		}
	}
	n := st.Nodes[a.Node]
	if n == nil {
		return &state.DecodeError{Pointer: "/node", Msg: fmt.Sprintf("no node %q", a.Node)}
	}
	if step.Kind != stepTask {
		return nil
	}
	if _, known := ops[a.Op]; !known {
		return &state.DecodeError{Pointer: "/op", Msg: fmt.Sprintf("unknown operation %q", a.Op)}
	}
	if t := n.Tasks[a.Task]; t != nil && a.Gen > t.Gen {
		return &state.DecodeError{Pointer: "/gen", Msg: fmt.Sprintf("generation %d is ahead of the VM's %d", a.Gen, t.Gen)}
	}
	return nil
}

package dci6

import (
	"fmt"
	"strconv"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/state"
)

// serverView renders a server with everything it is wired to.
func (s *State) serverView(sv *Server) ServerView {
	return s.serverViewWith(sv, s.ipsOf(sv.ID), nil)
}

// serverViewWith renders a server whose addresses (in id order) are known;
// its small parts come from room (nil: each its own allocation).
func (s *State) serverViewWith(sv *Server, ips []*IP, room *viewRoom) ServerView {
	rack := s.Racks[sv.RackID]
	loc := s.Locations[rack.LocationID]
	cfg := s.Configs[sv.Config]
	plat := s.Platforms[cfg.PlatformID]
	v := ServerView{
		Operation: s.operationView(sv), Domain: sv.Domain, ID: sv.ID,
		HardwareInfo: hardwareOf(cfg, sv, room), Configuration: sv.Config,
		Settings: SettingsView{EFI: sv.EFI}, State: sv.State, StateInfo: sv.StateInfo,
		IP: s.ipViews(ips, room), SwitchConnection: s.switchConns(sv, room), PDUConnection: s.pduConn(sv, rack),
		IPMI: IPMIView{Address: sv.IPMI.Address, ID: sv.IPMI.ID, Status: sv.IPMI.Status,
			Type: sv.IPMI.Type, WebURL: room.concat("https://", sv.IPMI.Address)},
		Location:   LocationView{Geolocation: loc.Geolocation, ID: loc.ID, Name: loc.Name, Userspace: loc.Userspace},
		LocationID: loc.ID, MAC: sv.MAC, MainIPv4: room.idOrNil(sv.MainIPv4), MainIPv6: room.idOrNil(sv.MainIPv6), Name: sv.Name,
		Platform: PlatformView{ID: plat.ID, Name: plat.Name, Size: plat.Size, Type: plat.Type},
		Rack:     RackView{ID: rack.ID, Name: rack.Name, Size: rack.Size}, Unit: sv.Unit,
		DiagError: append([]DiagError{}, sv.DiagErrors...), IsNew: sv.IsNew, PowerStatus: sv.PowerStatus, Barcode: sv.Barcode,
	}
	if t := s.OSTemplates[sv.OSTemplateID]; t != nil {
		v.OSTemplate = room.osRef()
		*v.OSTemplate = OSTemplateRef{ID: t.ID, Name: t.Name, Tags: room.strings(t.Tags)}
	}
	if a := sv.AMT; a != nil {
		v.IntelAMT = &IntelAMTView{Address: a.Address, ID: a.ID, Status: a.Status, Protocol: "http"}
	}
	if ch := s.Chassis[sv.ChassisID]; ch != nil {
		v.Chassis = &ChassisView{ID: ch.ID, Name: ch.Name, Size: ch.Size, ServerSlotCount: ch.Slots}
		slot := sv.Slot
		v.Slot = &slot
	}
	if u := s.Users[sv.OwnerID]; u != nil {
		v.Owner = room.owner()
		*v.Owner = OwnerView{ID: u.ID, Email: u.Email}
		v.OwnerEmail = room.str()
		*v.OwnerEmail = u.Email
	}
	return v
}

func hardwareOf(cfg *Configuration, sv *Server, room *viewRoom) HardwareInfo {
	h := HardwareInfo{
		Motherboard: MotherboardInfo{Model: cfg.Motherboard, Serial: sv.Serial},
		CPU:         CPUInfo{Model: cfg.CPU, Cores: cfg.Cores}, RAM: RAMInfo{SizeGB: cfg.RAMGB},
		Disk: room.diskInfos(len(cfg.Disks)),
	}
	for i, d := range cfg.Disks {
		h.Disk[i] = DiskInfo{Name: diskName(i), Model: d}
	}
	return h
}

// diskNames are the names of a server's first drives, built once: every
// server view names its drives, and formatting them was a tenth of a
// server list's time.
var diskNames = func() (names [16]string) {
	for i := range names {
		names[i] = "disk" + strconv.Itoa(i)
	}
	return names
}()

// diskName is the name of a server's i-th drive (from 0): disk0, disk1...
func diskName(i int) string {
	if i < len(diskNames) {
		return diskNames[i]
	}
	return "disk" + strconv.Itoa(i)
}

// noStatusInfo is the status_info of every view with nothing to say
// there: `{}`, as a fresh empty map would encode, one map shared instead of
// one per server view (most servers run no operation). Read-only: a view
// with something to say gets a map of its own.
var noStatusInfo = map[string]any{}

func (s *State) operationView(sv *Server) OperationView {
	v := OperationView{StatusInfo: noStatusInfo, ProgressInfo: []ProgressStep{}}
	if sv.Operation == nil {
		return v
	}
	t := s.Tasks[sv.Operation.TaskID]
	if t == nil {
		return v
	}
	v.ID, v.Status, v.ProgressInfo = t.ID, t.Status, progressOf(t)
	v.StatusInfo = make(map[string]any, 5)
	v.StatusInfo["name"] = t.Name
	v.StatusInfo["progress"] = t.Progress()
	if !t.finished() {
		v.StatusInfo["step"] = t.Steps[t.Current].Name
	}
	if t.Error != nil {
		v.StatusInfo["step"] = t.Error.Step
		v.StatusInfo["code"] = t.Error.Code
		v.StatusInfo["msg"] = t.Error.Msg
	}
	return v
}

func progressOf(t *Task) []ProgressStep {
	out := make([]ProgressStep, len(t.Steps))
	for i, st := range t.Steps {
		out[i] = ProgressStep{Name: st.Name, Status: st.Status}
	}
	return out
}

func (s *State) switchConns(sv *Server, room *viewRoom) []SwitchConnView {
	out := room.switchConns(len(sv.Ports))
	for i, p := range sv.Ports {
		name := ""
		if sw := s.Switches[p.SwitchID]; sw != nil {
			name = sw.Name
		}
		out[i] = SwitchConnView{ID: p.ID, Switch: p.SwitchID, SwitchName: name, ConnectionID: p.ConnectionID,
			Description: p.Description, AdminStatus: p.AdminStatus, OperStatus: p.OperStatus, IsIPMIConnection: p.IsIPMI}
	}
	return out
}

func (s *State) pduConn(sv *Server, rack *Rack) PDUConnView {
	name := ""
	if p := s.PDUs[sv.PDUPort.PDUID]; p != nil {
		name = p.Name
	}
	return PDUConnView{PortID: sv.PDUPort.PortID, PortIdentity: sv.PDUPort.PortIdentity, PDUID: sv.PDUPort.PDUID,
		PDUName: name, ConnectionID: sv.PDUPort.ConnectionID, PowerStatus: sv.PDUPort.PowerStatus}
}

// serverRow is a server with what its filterable fields need.
type serverRow struct {
	s  *State
	sv *Server
}

func (r serverRow) ownerEmail() any {
	if u := r.s.Users[r.sv.OwnerID]; u != nil {
		return u.Email
	}
	return nil
}

// serverFields are the fields where and orderby may name on servers.
var serverFields = fieldSet[serverRow]{
	"id":            func(r serverRow) any { return r.sv.ID },
	"name":          func(r serverRow) any { return r.sv.Name },
	"domain":        func(r serverRow) any { return r.sv.Domain },
	"configuration": func(r serverRow) any { return r.sv.Config },
	"state":         func(r serverRow) any { return r.sv.State },
	"power_status":  func(r serverRow) any { return r.sv.PowerStatus },
	"is_new":        func(r serverRow) any { return r.sv.IsNew },
	"owner_email":   func(r serverRow) any { return r.ownerEmail() },
	"owner":         func(r serverRow) any { return nullableID(r.sv.OwnerID) },
	"location_id":   func(r serverRow) any { return r.s.Racks[r.sv.RackID].LocationID },
	"rack":          func(r serverRow) any { return r.sv.RackID },
	"rack_name":     func(r serverRow) any { return r.s.Racks[r.sv.RackID].Name },
	"unit":          func(r serverRow) any { return int64(r.sv.Unit) },
	"mac":           func(r serverRow) any { return r.sv.MAC },
	"barcode":       func(r serverRow) any { return r.sv.Barcode },
	"main_ipv4":     func(r serverRow) any { return nullableID(r.sv.MainIPv4) },
	"os_template":   func(r serverRow) any { return nullableID(r.sv.OSTemplateID) },
	"chassis":       func(r serverRow) any { return nullableID(r.sv.ChassisID) },
	"slot":          func(r serverRow) any { return nullableID(int64(r.sv.Slot)) },
	"operation_status": func(r serverRow) any {
		if r.sv.Operation == nil {
			return nil
		}
		return r.s.Tasks[r.sv.Operation.TaskID].Status
	},
}

func nullableID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func knownIn[T any](f fieldSet[T]) func(string) bool {
	return func(name string) bool { _, ok := f[name]; return ok }
}

// ListQuery is the raw where/orderby/limit of a list request.
type ListQuery struct {
	Where, OrderBy, Limit string
}

// ListServers lists the servers the caller may see (a @user: its own).
func ListServers(tx *state.Tx, c Caller, lq ListQuery) (ListView[ServerView], error) {
	s := st(tx)
	var byServer map[int64][]*IP
	var room viewRoom
	return listWith(lq, serverFields, s.serverRows(c), func(r serverRow) ServerView {
		if byServer == nil {
			byServer = s.ipsByServer()
		}
		return s.serverViewWith(r.sv, byServer[r.sv.ID], &room)
	})
}

// serverRows lists the servers c may see, in id order.
func (s *State) serverRows(c Caller) func() ([]serverRow, error) {
	return func() ([]serverRow, error) {
		out := make([]serverRow, 0, len(s.Servers))
		for _, id := range ordered.Keys(s.Servers) {
			if sv := s.Servers[id]; c.Admin || sv.OwnerID == c.UserID {
				out = append(out, serverRow{s, sv})
			}
		}
		return out, nil
	}
}

// appendServerList appends ListServers' answer as its encoder writes it
// (encodeJSON, without the newline), building one server view at a time
// and encoding it before the next: the page's views never exist together,
// so the answer allocates no slice of views and the view room's blocks
// serve every server in turn (the views were most of what a list
// allocated, and so of the collector's work). *fallback is set as the
// encoders set it; the caller then answers ListServers through
// encoding/json.
func appendServerList(tx *state.Tx, c Caller, lq ListQuery, b []byte, fallback *bool) ([]byte, error) {
	s := st(tx)
	page, total, err := pageOf(lq, serverFields, s.serverRows(c))
	if err != nil {
		return b, err
	}
	var byServer map[int64][]*IP
	if len(page) > 0 {
		byServer = s.ipsByServer()
	}
	var room viewRoom
	b = append(b, `{"list":[`...)
	for i, r := range page {
		if i > 0 {
			b = append(b, ',')
		}
		v := s.serverViewWith(r.sv, byServer[r.sv.ID], &room)
		b = v.appendJSON(b, fallback)
		room.reuse()
	}
	b = append(b, `],"size":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	return append(b, '}'), nil
}

// visibleServer finds a server the caller may see; to a @user another's
// server does not exist.
func (s *State) visibleServer(c Caller, id int64) (*Server, error) {
	sv := s.Servers[id]
	if sv == nil || (!c.Admin && sv.OwnerID != c.UserID) {
		return nil, notFound("server", id)
	}
	return sv, nil
}

// GetServer returns one server.
func GetServer(tx *state.Tx, c Caller, id int64) (ServerView, error) {
	s := st(tx)
	sv, err := s.visibleServer(c, id)
	if err != nil {
		return ServerView{}, err
	}
	return s.serverView(sv), nil
}

// ListConfigurations counts free servers per configuration.
func ListConfigurations(tx *state.Tx) ListView[ConfigurationView] {
	s := st(tx)
	free := map[string]int{}
	for _, sv := range s.Servers {
		if sv.OwnerID == 0 {
			free[sv.Config]++
		}
	}
	names := make([]string, 0, len(s.Configs))
	for n := range s.Configs {
		names = append(names, n)
	}
	sortStrings(names)
	out := make([]ConfigurationView, len(names))
	for i, n := range names {
		out[i] = ConfigurationView{Configuration: n, FreeServerCount: free[n]}
	}
	return listOf(out, len(out))
}

// SetOwner gives a server to a user.
func SetOwner(tx *state.Tx, serverID, ownerID int64) (IDView, error) {
	s := st(tx)
	sv := s.Servers[serverID]
	if sv == nil {
		return IDView{}, notFound("server", serverID)
	}
	if s.Users[ownerID] == nil {
		return IDView{}, notFound("user", ownerID)
	}
	sv.OwnerID = ownerID
	return IDView{ID: sv.ID}, nil
}

// ReleaseOwner takes a server back from its owner.
func ReleaseOwner(tx *state.Tx, serverID int64) (IDView, error) {
	s := st(tx)
	sv := s.Servers[serverID]
	if sv == nil {
		return IDView{}, notFound("server", serverID)
	}
	sv.OwnerID = 0
	return IDView{ID: sv.ID}, nil
}

// operationRunning says whether a long operation is in progress.
func (s *State) operationRunning(sv *Server) bool {
	if sv.Operation == nil {
		return false
	}
	t := s.Tasks[sv.Operation.TaskID]
	return t != nil && !t.finished()
}

func busy(sv *Server, what string) *apiError {
	return &apiError{Code: codeBusy, Msg: fmt.Sprintf("Server %d is busy: %s", sv.ID, what), Value: map[string]any{"server": sv.ID}}
}

// checkIdle refuses an action while the server runs a long operation or a
// power task.
func (s *State) checkIdle(sv *Server) error {
	if s.operationRunning(sv) {
		return busy(sv, "an operation is running (task "+strconv.FormatInt(sv.Operation.TaskID, 10)+")")
	}
	if sv.PowerTask != 0 {
		return busy(sv, "a power task is running (task "+strconv.FormatInt(sv.PowerTask, 10)+")")
	}
	if sv.State == stateSuspending || sv.State == stateResuming {
		return busy(sv, "its switch ports are changing ("+sv.State+")")
	}
	return nil
}

// Power actions and their timing name.
var powerActions = map[string]bool{"power_on": true, "power_off": true, "power_reset": true}

// Power switches a server on or off, or resets it, through its BMC.
func Power(tx *state.Tx, c Caller, id int64, action string) (TaskRef, error) {
	s := st(tx)
	sv, err := s.visibleServer(c, id)
	if err != nil {
		return TaskRef{}, err
	}
	if !powerActions[action] {
		return TaskRef{}, newError(codeNoHandler, "Request handler not found")
	}
	if err := s.checkIdle(sv); err != nil {
		return TaskRef{}, err
	}
	t, err := startTask(tx, s, action, sv.ID, planSteps(tx.Timing(timingPower), []stepPlan{{action, 1}}), nil)
	if err != nil {
		return TaskRef{}, err
	}
	sv.PowerTask = t.ID
	sv.IPMI.Status = "in_progress"
	if sv.AMT != nil {
		sv.AMT.Status = "in_progress"
	}
	return TaskRef{ID: sv.ID, Task: t.ID}, nil
}

func powerDone(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	sv.PowerTask = 0
	setPower(sv, t.Name != "power_off")
}

// setPower is a server switched on or off, as its BMC, its Intel AMT and
// its PDU outlet report it.
func setPower(sv *Server, on bool) {
	power, mgmt, outlet := "on", "on", "up"
	if !on {
		power, mgmt, outlet = "off", "off", "down"
	}
	sv.PowerStatus, sv.IPMI.Status, sv.PDUPort.PowerStatus = power, mgmt, outlet
	if sv.AMT != nil {
		sv.AMT.Status = mgmt
	}
}

func powerFail(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	sv.PowerTask = 0
	sv.IPMI.Status = "unknown"
	if sv.AMT != nil {
		sv.AMT.Status = "unknown"
	}
}

// Suspend turns the server's switch ports off.
func Suspend(tx *state.Tx, id int64) (TaskRef, error) {
	return portsAction(tx, id, "suspend")
}

// Resume turns the server's switch ports back on.
func Resume(tx *state.Tx, id int64) (TaskRef, error) {
	return portsAction(tx, id, "resume")
}

func portsAction(tx *state.Tx, id int64, action string) (TaskRef, error) {
	s := st(tx)
	sv := s.Servers[id]
	if sv == nil {
		return TaskRef{}, notFound("server", id)
	}
	if sv.State == stateSuspending || sv.State == stateResuming {
		return TaskRef{}, busy(sv, "its switch ports are changing ("+sv.State+")")
	}
	timing, next := timingSuspend, stateSuspending
	if action == "resume" {
		timing, next = timingResume, stateResuming
	}
	// Billing modules suspend and unsuspend unconditionally: asking for the
	// state the server is already in is a task with nothing to do, which
	// completes as soon as the queue runs it, and the state stays.
	noop := (action == "suspend" && sv.State == stateSuspended) || (action == "resume" && sv.State == stateOK)
	duration := tx.Timing(timing)
	if noop {
		duration = 0
	}
	t, err := startTask(tx, s, action, sv.ID, planSteps(duration, []stepPlan{{"switch_ports", 1}}), nil)
	if err != nil {
		return TaskRef{}, err
	}
	if !noop {
		sv.State, sv.StateInfo = next, ""
	}
	return TaskRef{ID: sv.ID, Task: t.ID}, nil
}

func setPorts(sv *Server, status string) {
	for i := range sv.Ports {
		if !sv.Ports[i].IsIPMI {
			sv.Ports[i].AdminStatus, sv.Ports[i].OperStatus = status, status
		}
	}
}

func suspendDone(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	setPorts(sv, "down")
	sv.State = stateSuspended
}

func resumeDone(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	setPorts(sv, "up")
	sv.State = stateOK
}

func portsFail(s *State, t *Task, _ *state.Tx) {
	sv := s.Servers[t.ServerID]
	sv.State, sv.StateInfo = stateSuspendError, t.Error.Msg
	if t.Name == "resume" {
		sv.State = stateResumeError
	}
}

// effectsOf is what a task of the given name does when it ends.
func effectsOf(name string) taskEffects {
	switch name {
	case "power_on", "power_off", "power_reset":
		return taskEffects{done: powerDone, fail: powerFail}
	case "suspend":
		return taskEffects{done: suspendDone, fail: portsFail}
	case "resume":
		return taskEffects{done: resumeDone, fail: portsFail}
	case taskOS:
		return taskEffects{done: osDone, fail: osFail}
	case taskDiag:
		return taskEffects{done: diagDone, fail: diagFail}
	case taskClearHDD:
		return taskEffects{done: clearDone, fail: operationFail}
	case taskIPAdd:
		return taskEffects{done: ipAddDone, fail: ipAddFail}
	case taskIPDelete:
		return taskEffects{done: ipDeleteDone, fail: ipDeleteFail}
	}
	return taskEffects{}
}

package dci6

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/panelsim/panelsim/internal/jsonw"
)

// The views clients read most (servers, tasks, IPs, users... and their
// lists) are encoded by hand: encoding/json's reflection was half the
// time of a server list and two fifths of a server GET (issue 14). The
// bytes are encoding/json's to the last one (HTML-safe escaping, U+FFFD
// for invalid UTF-8, \u2028, null for nil slices and maps, map keys
// sorted, floats as it writes them): render_json_test.go encodes random
// values both ways and compares them, so a field added to a view without
// its encoder fails there.
//
// Encoders append to a slice they are handed and return it (the slice
// stays in registers; a buffer field written at every step costs a GC
// write barrier each time). *fallback is set when a value needs
// encoding/json after all (a float it refuses, a type without an
// encoder): the caller then encodes the whole answer with encoding/json,
// which gives its exact bytes or error.

// jsonAppender is a view with its own encoder.
type jsonAppender interface {
	appendJSON(b []byte, fallback *bool) []byte
}

// jsonBuffer is a pooled answer buffer; fallback lives beside it so the
// flag the encoders share costs no allocation of its own.
type jsonBuffer struct {
	b        []byte
	fallback bool
}

// jsonBuffers recycles answer buffers (encoding/json pools its own the
// same way); buffers grown past maxPooledJSON are left to the collector.
var jsonBuffers = sync.Pool{New: func() any { return &jsonBuffer{b: make([]byte, 0, 4096)} }}

const maxPooledJSON = 1 << 20

// encodeJSON encodes v by hand, as encoding/json's Encoder would (with its
// trailing newline); ok is false when encoding/json must do it. The caller
// hands the buffer back with release once the bytes are written.
func encodeJSON(v jsonAppender) (buf *jsonBuffer, ok bool) {
	buf = jsonBuffers.Get().(*jsonBuffer)
	buf.fallback = false
	buf.b = append(v.appendJSON(buf.b[:0], &buf.fallback), '\n')
	return buf, !buf.fallback
}

func (buf *jsonBuffer) release() {
	if cap(buf.b) <= maxPooledJSON {
		jsonBuffers.Put(buf)
	}
}

// appendString writes s as encoding/json does with HTML escaping on (its
// default, and echo's).
func appendString(b []byte, s string) []byte { return jsonw.AppendString(b, s, true) }

// appendFloat writes f as encoding/json writes a float64: the shortest
// form, exponent notation below 1e-6 and from 1e21 with a one-digit
// negative exponent kept short (1e-7, not 1e-07); NaN and infinities fall
// back (encoding/json refuses them).
func appendFloat(b []byte, f float64, fallback *bool) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		*fallback = true
		return b
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendAny writes a value of a free-form map (status_info and the like):
// the kinds the views put there by hand, anything else through
// encoding/json (the same bytes it writes that value with inside a larger
// one); a value it refuses falls back.
func appendAny(b []byte, v any, fallback *bool) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, v)
	case bool:
		return strconv.AppendBool(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case float64:
		return appendFloat(b, v, fallback)
	case map[string]any:
		return appendObject(b, v, fallback)
	case []any:
		if v == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAny(b, e, fallback)
		}
		return append(b, ']')
	}
	out, err := json.Marshal(v)
	if err != nil {
		*fallback = true
		return b
	}
	return append(b, out...)
}

// appendObject writes a free-form map with its keys in encoding/json's
// order (sorted as Go strings, before escaping).
func appendObject(b []byte, m map[string]any, fallback *bool) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	if len(m) == 0 {
		return append(b, "{}"...)
	}
	var room [8]string // a status_info has at most 5 keys: no allocation
	keys := room[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendAny(b, m[k], fallback)
	}
	return append(b, '}')
}

// appendStrings writes a string list (null when nil, as encoding/json
// does).
func appendStrings(b []byte, s []string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, e := range s {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e)
	}
	return append(b, ']')
}

// appendList writes a slice of views (null when nil).
func appendList[T any, P interface {
	*T
	jsonAppender
}](b []byte, items []T, fallback *bool) []byte {
	if items == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = P(&items[i]).appendJSON(b, fallback)
	}
	return append(b, ']')
}

// appendPtr writes a pointed-to view, or null.
func appendPtr[T any, P interface {
	*T
	jsonAppender
}](b []byte, v *T, fallback *bool) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return P(v).appendJSON(b, fallback)
}

func appendIntPtr(b []byte, p *int64) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *p, 10)
}

func appendStringPtr(b []byte, p *string) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return appendString(b, *p)
}

// appendJSON encodes a list whose items have their own encoder; any other
// list falls back to encoding/json.
func (l *ListView[T]) appendJSON(b []byte, fallback *bool) []byte {
	if _, ok := any((*T)(nil)).(jsonAppender); !ok {
		*fallback = true
		return b
	}
	b = append(b, `{"list":`...)
	if l.List == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range l.List {
			if i > 0 {
				b = append(b, ',')
			}
			b = any(&l.List[i]).(jsonAppender).appendJSON(b, fallback)
		}
		b = append(b, ']')
	}
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(l.Size), 10)
	return append(b, '}')
}

func (v *ServerView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"operation":`...)
	b = v.Operation.appendJSON(b, fallback)
	b = append(b, `,"domain":`...)
	b = appendString(b, v.Domain)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"os_template":`...)
	b = appendPtr(b, v.OSTemplate, fallback)
	b = append(b, `,"hardware_info":`...)
	b = v.HardwareInfo.appendJSON(b, fallback)
	b = append(b, `,"perform_info":{},"configuration":`...)
	b = appendString(b, v.Configuration)
	b = append(b, `,"settings":{"efi":`...)
	b = strconv.AppendBool(b, v.Settings.EFI)
	b = append(b, `},"state":`...)
	b = appendString(b, v.State)
	b = append(b, `,"state_info":`...)
	b = appendString(b, v.StateInfo)
	b = append(b, `,"ip":`...)
	b = appendList(b, v.IP, fallback)
	b = append(b, `,"switch_connection":`...)
	b = appendList(b, v.SwitchConnection, fallback)
	b = append(b, `,"pdu_connection":`...)
	b = v.PDUConnection.appendJSON(b, fallback)
	b = append(b, `,"ipmi":`...)
	b = v.IPMI.appendJSON(b, fallback)
	b = append(b, `,"intel_amt":`...)
	b = appendPtr(b, v.IntelAMT, fallback)
	b = append(b, `,"location":`...)
	b = v.Location.appendJSON(b, fallback)
	b = append(b, `,"location_id":`...)
	b = strconv.AppendInt(b, v.LocationID, 10)
	b = append(b, `,"mac":`...)
	b = appendString(b, v.MAC)
	b = append(b, `,"main_ipv4":`...)
	b = appendIntPtr(b, v.MainIPv4)
	b = append(b, `,"main_ipv6":`...)
	b = appendIntPtr(b, v.MainIPv6)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"platform":`...)
	b = v.Platform.appendJSON(b, fallback)
	b = append(b, `,"rack":`...)
	b = v.Rack.appendJSON(b, fallback)
	b = append(b, `,"unit":`...)
	b = strconv.AppendInt(b, int64(v.Unit), 10)
	b = append(b, `,"chassis":`...)
	b = appendPtr(b, v.Chassis, fallback)
	b = append(b, `,"slot":`...)
	if v.Slot == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*v.Slot), 10)
	}
	b = append(b, `,"owner":`...)
	b = appendPtr(b, v.Owner, fallback)
	b = append(b, `,"owner_email":`...)
	b = appendStringPtr(b, v.OwnerEmail)
	b = append(b, `,"diag_error":`...)
	b = appendList(b, v.DiagError, fallback)
	b = append(b, `,"is_new":`...)
	b = strconv.AppendBool(b, v.IsNew)
	b = append(b, `,"power_status":`...)
	b = appendString(b, v.PowerStatus)
	b = append(b, `,"barcode":`...)
	b = appendString(b, v.Barcode)
	return append(b, '}')
}

func (v *IntelAMTView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"address":`...)
	b = appendString(b, v.Address)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"status_info":{},"protocol":`...)
	b = appendString(b, v.Protocol)
	return append(b, '}')
}

func (v *ChassisView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(v.Size), 10)
	b = append(b, `,"server_slot_count":`...)
	b = strconv.AppendInt(b, int64(v.ServerSlotCount), 10)
	return append(b, '}')
}

func (v *OperationView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"status_info":`...)
	b = appendObject(b, v.StatusInfo, fallback)
	b = append(b, `,"progress_info":`...)
	b = appendList(b, v.ProgressInfo, fallback)
	return append(b, '}')
}

func (v *ProgressStep) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	return append(b, '}')
}

func (v *OSTemplateRef) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"tags":`...)
	b = appendStrings(b, v.Tags)
	return append(b, '}')
}

func (v *HardwareInfo) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"motherboard":{"model":`...)
	b = appendString(b, v.Motherboard.Model)
	b = append(b, `,"serial":`...)
	b = appendString(b, v.Motherboard.Serial)
	b = append(b, `},"cpu":{"model":`...)
	b = appendString(b, v.CPU.Model)
	b = append(b, `,"cores":`...)
	b = strconv.AppendInt(b, int64(v.CPU.Cores), 10)
	b = append(b, `},"ram":{"size_gb":`...)
	b = strconv.AppendInt(b, int64(v.RAM.SizeGB), 10)
	b = append(b, `},"disk":`...)
	b = appendList(b, v.Disk, fallback)
	return append(b, '}')
}

func (v *DiskInfo) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"model":`...)
	b = appendString(b, v.Model)
	return append(b, '}')
}

func (v *IPView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"domain":`...)
	b = appendString(b, v.Domain)
	b = append(b, `,"family":`...)
	b = appendString(b, v.Family)
	b = append(b, `,"gateway":`...)
	b = appendString(b, v.Gateway)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"network":`...)
	b = appendString(b, v.Network)
	if v.Server != nil {
		b = append(b, `,"server":`...)
		b = appendString(b, *v.Server)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"status_info":`...)
	b = appendObject(b, v.StatusInfo, fallback)
	return append(b, '}')
}

func (v *SwitchConnView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"switch":`...)
	b = strconv.AppendInt(b, v.Switch, 10)
	b = append(b, `,"switch_name":`...)
	b = appendString(b, v.SwitchName)
	b = append(b, `,"connection_id":`...)
	b = strconv.AppendInt(b, v.ConnectionID, 10)
	b = append(b, `,"description":`...)
	b = appendString(b, v.Description)
	b = append(b, `,"admin_status":`...)
	b = appendString(b, v.AdminStatus)
	b = append(b, `,"oper_status":`...)
	b = appendString(b, v.OperStatus)
	b = append(b, `,"do_not_collect_traffic":`...)
	b = strconv.AppendBool(b, v.DoNotCollectTraffic)
	b = append(b, `,"is_ipmi_connection":`...)
	b = strconv.AppendBool(b, v.IsIPMIConnection)
	return append(b, '}')
}

func (v *PDUConnView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"port_id":`...)
	b = strconv.AppendInt(b, v.PortID, 10)
	b = append(b, `,"port_identity":`...)
	b = appendString(b, v.PortIdentity)
	b = append(b, `,"pdu_id":`...)
	b = strconv.AppendInt(b, v.PDUID, 10)
	b = append(b, `,"pdu_name":`...)
	b = appendString(b, v.PDUName)
	b = append(b, `,"connection_id":`...)
	b = strconv.AppendInt(b, v.ConnectionID, 10)
	b = append(b, `,"power_status":`...)
	b = appendString(b, v.PowerStatus)
	return append(b, '}')
}

func (v *IPMIView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"address":`...)
	b = appendString(b, v.Address)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"status_info":{},"type":`...)
	b = appendString(b, v.Type)
	b = append(b, `,"web_url":`...)
	b = appendString(b, v.WebURL)
	return append(b, '}')
}

func (v *LocationView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"geolocation":`...)
	b = appendString(b, v.Geolocation)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"userspace":`...)
	b = strconv.AppendInt(b, v.Userspace, 10)
	return append(b, '}')
}

func (v *PlatformView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(v.Size), 10)
	b = append(b, `,"type":`...)
	b = appendString(b, v.Type)
	return append(b, '}')
}

func (v *RackView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(v.Size), 10)
	return append(b, '}')
}

func (v *OwnerView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"email":`...)
	b = appendString(b, v.Email)
	return append(b, '}')
}

func (v *DiagError) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, v.Type)
	b = append(b, `,"info":`...)
	b = appendString(b, v.Info)
	return append(b, '}')
}

// The answers clients poll or page through besides servers: tasks, async
// action references, users, OS templates, configurations, IPmanager
// addresses.

func (v *TaskRef) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"task":`...)
	b = strconv.AppendInt(b, v.Task, 10)
	return append(b, '}')
}

func (v *IDView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	return append(b, '}')
}

func (v *TaskView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"consul_id":`...)
	b = strconv.AppendInt(b, v.ConsulID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"server":`...)
	b = strconv.AppendInt(b, v.Server, 10)
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"progress":`...)
	b = strconv.AppendInt(b, int64(v.Progress), 10)
	b = append(b, `,"progress_info":`...)
	b = appendList(b, v.ProgressInfo, fallback)
	b = append(b, `,"error":`...)
	b = appendPtr(b, v.Error, fallback)
	b = append(b, `,"registration_time":`...)
	b = appendString(b, v.CreatedAt)
	b = append(b, `,"update_time":`...)
	b = appendString(b, v.UpdatedAt)
	b = append(b, `,"finish_time":`...)
	b = appendStringPtr(b, v.FinishedAt)
	return append(b, '}')
}

func (v *TaskError) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"code":`...)
	b = strconv.AppendInt(b, int64(v.Code), 10)
	b = append(b, `,"msg":`...)
	b = appendString(b, v.Msg)
	b = append(b, `,"step":`...)
	b = appendString(b, v.Step)
	return append(b, '}')
}

func (v *UserView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"email":`...)
	b = appendString(b, v.Email)
	b = append(b, `,"full_name":`...)
	b = appendString(b, v.FullName)
	b = append(b, `,"phone_number":`...)
	b = appendString(b, v.PhoneNumber)
	b = append(b, `,"server_count":`...)
	b = strconv.AppendInt(b, int64(v.ServerCount), 10)
	b = append(b, `,"roles":`...)
	b = appendStrings(b, v.Roles)
	b = append(b, `,"vlans_per_user":`...)
	b = strconv.AppendInt(b, int64(v.VlansPerUser), 10)
	return append(b, '}')
}

func (v *OSTemplateView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"tags":`...)
	b = appendStrings(b, v.Tags)
	b = append(b, `,"type":`...)
	b = appendString(b, v.Type)
	return append(b, '}')
}

func (v *ConfigurationView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"configuration":`...)
	b = appendString(b, v.Configuration)
	b = append(b, `,"free_server_count":`...)
	b = strconv.AppendInt(b, int64(v.FreeServerCount), 10)
	return append(b, '}')
}

func (v *IPMgrIPView) appendJSON(b []byte, fallback *bool) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, v.ID, 10)
	b = append(b, `,"name":`...)
	b = appendString(b, v.Name)
	b = append(b, `,"ip_addr":`...)
	b = appendString(b, v.IPAddr)
	b = append(b, `,"family":`...)
	b = strconv.AppendInt(b, int64(v.Family), 10)
	b = append(b, `,"ipnet":`...)
	b = strconv.AppendInt(b, v.IPNet, 10)
	b = append(b, `,"ipnet_name":`...)
	b = appendString(b, v.IPNetName)
	b = append(b, `,"ippool":`...)
	b = strconv.AppendInt(b, v.IPPool, 10)
	b = append(b, `,"domain":`...)
	b = appendString(b, v.Domain)
	b = append(b, `,"status":`...)
	b = appendString(b, v.Status)
	b = append(b, `,"server":`...)
	b = strconv.AppendInt(b, v.Server, 10)
	return append(b, '}')
}

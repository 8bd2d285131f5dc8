package dci6

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The views clients read most (servers, their lists) are encoded by hand:
// encoding/json's reflection was half the time of a server list and
// two fifths of a server GET (issue 14). The bytes are encoding/json's to
// the last one (HTML-safe escaping, U+FFFD for invalid UTF-8, \u2028,
// null for nil slices and maps, map keys sorted, floats as it writes
// them): render_json_test.go encodes random values both ways and compares
// them, so a field added to a view without its encoder fails there.

// jsonAppender is a view with its own encoder.
type jsonAppender interface {
	appendJSON(o *jsonOut)
}

// jsonOut is an answer being encoded. fallback says a value needs
// encoding/json after all (a float it refuses, a type without an encoder):
// the caller then encodes the whole answer with encoding/json, which gives
// its exact bytes or error.
type jsonOut struct {
	b        []byte
	fallback bool
}

// jsonOuts recycles answer buffers (encoding/json pools its own the same
// way); buffers grown past maxPooledJSON are left to the collector.
var jsonOuts = sync.Pool{New: func() any { return &jsonOut{b: make([]byte, 0, 4096)} }}

const maxPooledJSON = 1 << 20

// encodeJSON encodes v by hand, as encoding/json's Encoder would (with its
// trailing newline); ok is false when encoding/json must do it. The caller
// hands the jsonOut back with release once the bytes are written.
func encodeJSON(v jsonAppender) (o *jsonOut, ok bool) {
	o = jsonOuts.Get().(*jsonOut)
	o.b, o.fallback = o.b[:0], false
	v.appendJSON(o)
	o.b = append(o.b, '\n')
	return o, !o.fallback
}

func (o *jsonOut) release() {
	if cap(o.b) <= maxPooledJSON {
		jsonOuts.Put(o)
	}
}

func (o *jsonOut) raw(s string) { o.b = append(o.b, s...) }

func (o *jsonOut) null() { o.b = append(o.b, "null"...) }

func (o *jsonOut) int(n int64) { o.b = strconv.AppendInt(o.b, n, 10) }

func (o *jsonOut) bool(v bool) { o.b = strconv.AppendBool(o.b, v) }

// str writes s as encoding/json does with HTML escaping on (its default,
// and echo's): <, > and & as \u003c..., control bytes as \b \f \n \r \t
// or \u00XX, each invalid UTF-8 byte as \ufffd, U+2028 and U+2029 escaped.
func (o *jsonOut) str(s string) {
	const hex = "0123456789abcdef"
	b := append(o.b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	o.b = append(b, '"')
}

// float writes f as encoding/json writes a float64: the shortest form,
// exponent notation below 1e-6 and from 1e21 with a one-digit negative
// exponent kept short (1e-7, not 1e-07); NaN and infinities fall back
// (encoding/json refuses them).
func (o *jsonOut) float(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		o.fallback = true
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(o.b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	o.b = b
}

// any writes a value of a free-form map (status_info and the like): the
// kinds the views put there by hand, anything else through encoding/json.
func (o *jsonOut) any(v any) {
	switch v := v.(type) {
	case nil:
		o.null()
	case string:
		o.str(v)
	case bool:
		o.bool(v)
	case int:
		o.int(int64(v))
	case int64:
		o.int(v)
	case float64:
		o.float(v)
	case map[string]any:
		o.object(v)
	case []any:
		if v == nil {
			o.null()
			return
		}
		o.b = append(o.b, '[')
		for i, e := range v {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.any(e)
		}
		o.b = append(o.b, ']')
	default:
		o.marshal(v)
	}
}

// marshal writes v through encoding/json (the same bytes it would write
// v with inside a larger value); a value it refuses falls back.
func (o *jsonOut) marshal(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		o.fallback = true
		return
	}
	o.b = append(o.b, b...)
}

// object writes a free-form map with its keys in encoding/json's order
// (sorted as Go strings, before escaping).
func (o *jsonOut) object(m map[string]any) {
	if m == nil {
		o.null()
		return
	}
	if len(m) == 0 {
		o.raw("{}")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	o.b = append(o.b, '{')
	for i, k := range keys {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.str(k)
		o.b = append(o.b, ':')
		o.any(m[k])
	}
	o.b = append(o.b, '}')
}

// strings writes a string list (null when nil, as encoding/json does).
func (o *jsonOut) strings(s []string) {
	if s == nil {
		o.null()
		return
	}
	o.b = append(o.b, '[')
	for i, e := range s {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.str(e)
	}
	o.b = append(o.b, ']')
}

// appendList writes a slice of views (null when nil).
func appendList[T any, P interface {
	*T
	jsonAppender
}](o *jsonOut, items []T) {
	if items == nil {
		o.null()
		return
	}
	o.b = append(o.b, '[')
	for i := range items {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		P(&items[i]).appendJSON(o)
	}
	o.b = append(o.b, ']')
}

// appendPtr writes a pointed-to view, or null.
func appendPtr[T any, P interface {
	*T
	jsonAppender
}](o *jsonOut, v *T) {
	if v == nil {
		o.null()
		return
	}
	P(v).appendJSON(o)
}

func (o *jsonOut) intPtr(p *int64) {
	if p == nil {
		o.null()
		return
	}
	o.int(*p)
}

func (o *jsonOut) strPtr(p *string) {
	if p == nil {
		o.null()
		return
	}
	o.str(*p)
}

// appendJSON encodes a list whose items have their own encoder; any other
// list falls back to encoding/json.
func (l *ListView[T]) appendJSON(o *jsonOut) {
	if _, ok := any((*T)(nil)).(jsonAppender); !ok {
		o.fallback = true
		return
	}
	o.raw(`{"list":`)
	if l.List == nil {
		o.null()
	} else {
		o.b = append(o.b, '[')
		for i := range l.List {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			any(&l.List[i]).(jsonAppender).appendJSON(o)
		}
		o.b = append(o.b, ']')
	}
	o.raw(`,"size":`)
	o.int(int64(l.Size))
	o.b = append(o.b, '}')
}

func (v *ServerView) appendJSON(o *jsonOut) {
	o.raw(`{"operation":`)
	v.Operation.appendJSON(o)
	o.raw(`,"domain":`)
	o.str(v.Domain)
	o.raw(`,"id":`)
	o.int(v.ID)
	o.raw(`,"os_template":`)
	appendPtr(o, v.OSTemplate)
	o.raw(`,"hardware_info":`)
	v.HardwareInfo.appendJSON(o)
	o.raw(`,"perform_info":`)
	o.object(v.PerformInfo)
	o.raw(`,"configuration":`)
	o.str(v.Configuration)
	o.raw(`,"settings":{"efi":`)
	o.bool(v.Settings.EFI)
	o.raw(`},"state":`)
	o.str(v.State)
	o.raw(`,"state_info":`)
	o.str(v.StateInfo)
	o.raw(`,"ip":`)
	appendList(o, v.IP)
	o.raw(`,"switch_connection":`)
	appendList(o, v.SwitchConnection)
	o.raw(`,"pdu_connection":`)
	v.PDUConnection.appendJSON(o)
	o.raw(`,"ipmi":`)
	v.IPMI.appendJSON(o)
	o.raw(`,"intel_amt":`)
	appendPtr(o, v.IntelAMT)
	o.raw(`,"location":`)
	v.Location.appendJSON(o)
	o.raw(`,"location_id":`)
	o.int(v.LocationID)
	o.raw(`,"mac":`)
	o.str(v.MAC)
	o.raw(`,"main_ipv4":`)
	o.intPtr(v.MainIPv4)
	o.raw(`,"main_ipv6":`)
	o.intPtr(v.MainIPv6)
	o.raw(`,"name":`)
	o.str(v.Name)
	o.raw(`,"platform":`)
	v.Platform.appendJSON(o)
	o.raw(`,"rack":`)
	v.Rack.appendJSON(o)
	o.raw(`,"unit":`)
	o.int(int64(v.Unit))
	o.raw(`,"chassis":`)
	appendPtr(o, v.Chassis)
	o.raw(`,"slot":`)
	if v.Slot == nil {
		o.null()
	} else {
		o.int(int64(*v.Slot))
	}
	o.raw(`,"owner":`)
	appendPtr(o, v.Owner)
	o.raw(`,"owner_email":`)
	o.strPtr(v.OwnerEmail)
	o.raw(`,"diag_error":`)
	appendList(o, v.DiagError)
	o.raw(`,"is_new":`)
	o.bool(v.IsNew)
	o.raw(`,"power_status":`)
	o.str(v.PowerStatus)
	o.raw(`,"barcode":`)
	o.str(v.Barcode)
	o.b = append(o.b, '}')
}

func (v *IntelAMTView) appendJSON(o *jsonOut) {
	o.raw(`{"address":`)
	o.str(v.Address)
	o.raw(`,"id":`)
	o.int(v.ID)
	o.raw(`,"status":`)
	o.str(v.Status)
	o.raw(`,"status_info":`)
	o.object(v.StatusInfo)
	o.raw(`,"protocol":`)
	o.str(v.Protocol)
	o.b = append(o.b, '}')
}

func (v *ChassisView) appendJSON(o *jsonOut) {
	o.raw(`{"id":`)
	o.int(v.ID)
	o.raw(`,"name":`)
	o.str(v.Name)
	o.raw(`,"size":`)
	o.int(int64(v.Size))
	o.raw(`,"server_slot_count":`)
	o.int(int64(v.ServerSlotCount))
	o.b = append(o.b, '}')
}

func (v *OperationView) appendJSON(o *jsonOut) {
	o.raw(`{"id":`)
	o.int(v.ID)
	o.raw(`,"status":`)
	o.str(v.Status)
	o.raw(`,"status_info":`)
	o.object(v.StatusInfo)
	o.raw(`,"progress_info":`)
	appendList(o, v.ProgressInfo)
	o.b = append(o.b, '}')
}

func (v *ProgressStep) appendJSON(o *jsonOut) {
	o.raw(`{"name":`)
	o.str(v.Name)
	o.raw(`,"status":`)
	o.str(v.Status)
	o.b = append(o.b, '}')
}

func (v *OSTemplateRef) appendJSON(o *jsonOut) {
	o.raw(`{"id":`)
	o.int(v.ID)
	o.raw(`,"name":`)
	o.str(v.Name)
	o.raw(`,"tags":`)
	o.strings(v.Tags)
	o.b = append(o.b, '}')
}

func (v *HardwareInfo) appendJSON(o *jsonOut) {
	o.raw(`{"motherboard":{"model":`)
	o.str(v.Motherboard.Model)
	o.raw(`,"serial":`)
	o.str(v.Motherboard.Serial)
	o.raw(`},"cpu":{"model":`)
	o.str(v.CPU.Model)
	o.raw(`,"cores":`)
	o.int(int64(v.CPU.Cores))
	o.raw(`},"ram":{"size_gb":`)
	o.int(int64(v.RAM.SizeGB))
	o.raw(`},"disk":`)
	appendList(o, v.Disk)
	o.b = append(o.b, '}')
}

func (v *DiskInfo) appendJSON(o *jsonOut) {
	o.raw(`{"name":`)
	o.str(v.Name)
	o.raw(`,"model":`)
	o.str(v.Model)
	o.b = append(o.b, '}')
}

func (v *IPView) appendJSON(o *jsonOut) {
	o.raw(`{"domain":`)
	o.str(v.Domain)
	o.raw(`,"family":`)
	o.str(v.Family)
	o.raw(`,"gateway":`)
	o.str(v.Gateway)
	o.raw(`,"id":`)
	o.int(v.ID)
	o.raw(`,"name":`)
	o.str(v.Name)
	o.raw(`,"network":`)
	o.str(v.Network)
	if v.Server != nil {
		o.raw(`,"server":`)
		o.str(*v.Server)
	}
	o.raw(`,"status":`)
	o.str(v.Status)
	o.raw(`,"status_info":`)
	o.object(v.StatusInfo)
	o.b = append(o.b, '}')
}

func (v *SwitchConnView) appendJSON(o *jsonOut) {
	o.raw(`{"id":`)
	o.int(v.ID)
	o.raw(`,"switch":`)
	o.int(v.Switch)
	o.raw(`,"switch_name":`)
	o.str(v.SwitchName)
	o.raw(`,"connection_id":`)
	o.int(v.ConnectionID)
	o.raw(`,"description":`)
	o.str(v.Description)
	o.raw(`,"admin_status":`)
	o.str(v.AdminStatus)
	o.raw(`,"oper_status":`)
	o.str(v.OperStatus)
	o.raw(`,"do_not_collect_traffic":`)
	o.bool(v.DoNotCollectTraffic)
	o.raw(`,"is_ipmi_connection":`)
	o.bool(v.IsIPMIConnection)
	o.b = append(o.b, '}')
}

func (v *PDUConnView) appendJSON(o *jsonOut) {
	o.raw(`{"port_id":`)
	o.int(v.PortID)
	o.raw(`,"port_identity":`)
	o.str(v.PortIdentity)
	o.raw(`,"pdu_id":`)
	o.int(v.PDUID)
	o.raw(`,"pdu_name":`)
	o.str(v.PDUName)
	o.raw(`,"connection_id":`)
	o.int(v.ConnectionID)
	o.raw(`,"power_status":`)
	o.str(v.PowerStatus)
	o.b = append(o.b, '}')
}

func (v *IPMIView) appendJSON(o *jsonOut) {
	o.raw(`{"address":`)
	o.str(v.Address)
	o.raw(`,"id":`)
	o.int(v.ID)
	o.raw(`,"status":`)
	o.str(v.Status)
	o.raw(`,"status_info":`)
	o.object(v.StatusInfo)
	o.raw(`,"type":`)
	o.str(v.Type)
	o.raw(`,"web_url":`)
	o.str(v.WebURL)
	o.b = append(o.b, '}')
}

func (v *LocationView) appendJSON(o *jsonOut) {
	o.raw(`{"geolocation":`)
	o.str(v.Geolocation)
	o.raw(`,"id":`)
	o.int(v.ID)
	o.raw(`,"name":`)
	o.str(v.Name)
	o.raw(`,"userspace":`)
	o.int(v.Userspace)
	o.b = append(o.b, '}')
}

func (v *PlatformView) appendJSON(o *jsonOut) {
	o.raw(`{"id":`)
	o.int(v.ID)
	o.raw(`,"name":`)
	o.str(v.Name)
	o.raw(`,"size":`)
	o.int(int64(v.Size))
	o.raw(`,"type":`)
	o.str(v.Type)
	o.b = append(o.b, '}')
}

func (v *RackView) appendJSON(o *jsonOut) {
	o.raw(`{"id":`)
	o.int(v.ID)
	o.raw(`,"name":`)
	o.str(v.Name)
	o.raw(`,"size":`)
	o.int(int64(v.Size))
	o.b = append(o.b, '}')
}

func (v *OwnerView) appendJSON(o *jsonOut) {
	o.raw(`{"id":`)
	o.int(v.ID)
	o.raw(`,"email":`)
	o.str(v.Email)
	o.b = append(o.b, '}')
}

func (v *DiagError) appendJSON(o *jsonOut) {
	o.raw(`{"type":`)
	o.str(v.Type)
	o.raw(`,"info":`)
	o.str(v.Info)
	o.b = append(o.b, '}')
}

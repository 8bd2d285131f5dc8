package dbc

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/panelsim/panelsim/internal/jsonw"
)

// envelope is the one answer shape of the DBC client: errcode first, then
// message (an object, an array, or a string).
type envelope struct {
	Errcode int `json:"errcode"`
	Message any `json:"message"`
}

// Encode renders an answer the way the client frames it: node payloads
// compact, the client's own answers pretty-printed with four spaces
// (rapidjson's PrettyWriter), always followed by "\r\n". HTML characters are
// not escaped (rapidjson does not).
func Encode(code int, message any, pretty bool) []byte {
	if list, ok := message.([]TaskBrief); ok && !pretty {
		return appendTaskBriefs(make([]byte, 0, 32+96*len(list)), code, list)
	}
	return encodeReflective(code, message, pretty)
}

// encodeReflective is Encode by encoding/json.
func encodeReflective(code int, message any, pretty bool) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if pretty {
		enc.SetIndent("", "    ")
	}
	if err := enc.Encode(envelope{code, message}); err != nil {
		b.Reset()
		b.WriteString(`{"errcode":-1,"message":` + strconv.Quote(err.Error()) + `}`)
	}
	out := bytes.TrimRight(b.Bytes(), "\n")
	return append(out, '\r', '\n')
}

// appendTaskBriefs writes the compact envelope of a task list (issue 14's
// hot path) by hand, byte for byte as encodeReflective does; a property
// test holds it to that.
func appendTaskBriefs(b []byte, code int, list []TaskBrief) []byte {
	b = append(b, `{"errcode":`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `,"message":`...)
	if list == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, t := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"task_id":`...)
			b = jsonw.AppendString(b, t.TaskID, false)
			b = append(b, `,"create_time":`...)
			b = jsonw.AppendString(b, t.CreateTime, false)
			b = append(b, `,"desc":`...)
			b = jsonw.AppendString(b, t.Desc, false)
			b = append(b, `,"status":`...)
			b = jsonw.AppendString(b, t.Status, false)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}\r\n"...)
}

// EncodeError renders an Error.
func EncodeError(e *Error) []byte { return Encode(e.Code, e.Msg, !e.Node) }

// TaskInfo is a VM's detail (reference §8.3); the port fields depend on
// the guest OS.
type TaskInfo struct {
	TaskID         string      `json:"task_id"`
	OS             string      `json:"os"`
	SSHIP          string      `json:"ssh_ip"`
	SSHPort        string      `json:"ssh_port,omitempty"`
	RDPPort        string      `json:"rdp_port,omitempty"`
	UserName       string      `json:"user_name"`
	LoginPassword  string      `json:"login_password"`
	CPUCores       int         `json:"cpu_cores"`
	GPUCount       int         `json:"gpu_count"`
	MemSize        string      `json:"mem_size"`
	DiskSystem     string      `json:"disk_system"`
	VNCPort        string      `json:"vnc_port"`
	VNCPassword    string      `json:"vnc_password"`
	NetworkName    string      `json:"network_name,omitempty"`
	CreateTime     string      `json:"create_time"`
	Desc           string      `json:"desc"`
	Status         string      `json:"status"`
	RentOrder      string      `json:"rent_order,omitempty"`
	LocalAddress   []string    `json:"local_address,omitempty"`
	Disks          []DiskEntry `json:"disks,omitempty"`
	NetworkFilters []string    `json:"network_filters,omitempty"`
	Interface      []Interface `json:"interface"`
}

// DiskEntry is a disk in the task detail.
type DiskEntry struct {
	Name       string `json:"name"`
	Size       string `json:"size"`
	SourceFile string `json:"source_file"`
}

// Interface is a VM network interface in the task detail.
type Interface struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	MACAddress string `json:"mac_address"`
}

func (t *Task) info(n *Node) *TaskInfo {
	i := &TaskInfo{
		TaskID: t.ID, OS: t.Spec.OS, SSHIP: n.IP, UserName: t.User, LoginPassword: t.Password,
		CPUCores: t.Spec.CPUs, GPUCount: t.Spec.GPUs, MemSize: gb(t.Spec.MemGB), DiskSystem: gb(t.SystemGB),
		VNCPort: strconv.Itoa(t.Spec.VNCPort), VNCPassword: t.VNCPassword, NetworkName: t.Spec.NetworkName,
		CreateTime: t.Created.Format(timeFormat), Desc: t.Spec.Desc, Status: t.Status, RentOrder: t.RentOrder,
		NetworkFilters: t.Spec.NetworkFilters,
		Interface:      []Interface{{Name: "vnet0", Type: "bridge", MACAddress: t.MAC}},
	}
	if t.Spec.PublicIP != "" {
		i.SSHIP = t.Spec.PublicIP
	}
	if t.Spec.OS == "windows" {
		i.RDPPort = strconv.Itoa(t.Spec.RDPPort)
	} else {
		i.SSHPort = strconv.Itoa(t.Spec.SSHPort)
	}
	if t.LocalIP != "" {
		i.LocalAddress = []string{t.LocalIP}
	}
	// The node lists disks from a map keyed by name (vda, vdb, ...).
	disks := slices.Clone(t.Disks)
	slices.SortFunc(disks, func(a, b *Disk) int { return strings.Compare(a.Name, b.Name) })
	for _, d := range disks {
		i.Disks = append(i.Disks, DiskEntry{d.Name, gb(d.SizeGB), d.File})
	}
	return i
}

package dci6

import "time"

// timeLayout is how the platform writes times ("2030-01-31 00:00:00", UTC).
const timeLayout = "2006-01-02 15:04:05"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// ListView is every list answer: the page and the number of matches.
type ListView[T any] struct {
	List []T `json:"list"`
	Size int `json:"size"`
}

func listOf[T any](items []T, size int) ListView[T] {
	if items == nil {
		items = []T{}
	}
	return ListView[T]{List: items, Size: size}
}

// IDView is {"id":N}, the answer of owner changes and creations.
type IDView struct {
	ID int64 `json:"id"`
}

// TaskRef is {"id":<server>,"task":<task>}, the answer of every async action.
type TaskRef struct {
	ID   int64 `json:"id"`
	Task int64 `json:"task"`
}

// ErrorBody is the DCI error envelope.
type ErrorBody struct {
	Error ErrorInfo `json:"error"`
}

// ErrorInfo is the inside of the error envelope.
type ErrorInfo struct {
	Code  int            `json:"code"`
	Msg   string         `json:"msg"`
	Value map[string]any `json:"value,omitempty"`
}

func errorBody(e *apiError) ErrorBody {
	return ErrorBody{Error: ErrorInfo{Code: e.Code, Msg: e.Msg, Value: e.Value}}
}

// ServerView is the server object of list and detail answers (the same
// superset for both).
type ServerView struct {
	Operation        OperationView    `json:"operation"`
	Domain           string           `json:"domain"`
	ID               int64            `json:"id"`
	OSTemplate       *OSTemplateRef   `json:"os_template"`
	HardwareInfo     HardwareInfo     `json:"hardware_info"`
	PerformInfo      EmptyObject      `json:"perform_info"`
	Configuration    string           `json:"configuration"`
	Settings         SettingsView     `json:"settings"`
	State            string           `json:"state"`
	StateInfo        string           `json:"state_info"`
	IP               []IPView         `json:"ip"`
	SwitchConnection []SwitchConnView `json:"switch_connection"`
	PDUConnection    PDUConnView      `json:"pdu_connection"`
	IPMI             IPMIView         `json:"ipmi"`
	IntelAMT         *IntelAMTView    `json:"intel_amt"`
	Location         LocationView     `json:"location"`
	LocationID       int64            `json:"location_id"`
	MAC              string           `json:"mac"`
	MainIPv4         *int64           `json:"main_ipv4"`
	MainIPv6         *int64           `json:"main_ipv6"`
	Name             string           `json:"name"`
	Platform         PlatformView     `json:"platform"`
	Rack             RackView         `json:"rack"`
	Unit             int              `json:"unit"`
	Chassis          *ChassisView     `json:"chassis"`
	Slot             *int             `json:"slot"`
	Owner            *OwnerView       `json:"owner"`
	OwnerEmail       *string          `json:"owner_email"`
	DiagError        []DiagError      `json:"diag_error"`
	IsNew            bool             `json:"is_new"`
	PowerStatus      string           `json:"power_status"`
	Barcode          string           `json:"barcode"`
}

// EmptyObject is an object the emulation never fills, always {}: a
// server's perform_info and its BMC's and Intel AMT's status_info. A type
// of its own says so, and costs a view no map.
type EmptyObject struct{}

// IntelAMTView is a server's Intel AMT (null when the board has none).
type IntelAMTView struct {
	Address    string      `json:"address"`
	ID         int64       `json:"id"`
	Status     string      `json:"status"`
	StatusInfo EmptyObject `json:"status_info"`
	Protocol   string      `json:"protocol"`
}

// ChassisView is the blade chassis a server sits in (null for rack servers).
type ChassisView struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	Size            int    `json:"size"`
	ServerSlotCount int    `json:"server_slot_count"`
}

// OperationView is a server's current or last long operation; id 0 and an
// empty status when it never ran one.
type OperationView struct {
	ID           int64          `json:"id"`
	Status       string         `json:"status"`
	StatusInfo   map[string]any `json:"status_info"`
	ProgressInfo []ProgressStep `json:"progress_info"`
}

// ProgressStep is one step of an operation or task.
type ProgressStep struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// OSTemplateRef is the OS a server runs.
type OSTemplateRef struct {
	ID   int64    `json:"id"`
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

// HardwareInfo is what DCI learnt of a server's hardware.
type HardwareInfo struct {
	Motherboard MotherboardInfo `json:"motherboard"`
	CPU         CPUInfo         `json:"cpu"`
	RAM         RAMInfo         `json:"ram"`
	Disk        []DiskInfo      `json:"disk"`
}

// MotherboardInfo is the board model clients read.
type MotherboardInfo struct {
	Model  string `json:"model"`
	Serial string `json:"serial"`
}

// CPUInfo describes the processor.
type CPUInfo struct {
	Model string `json:"model"`
	Cores int    `json:"cores"`
}

// RAMInfo is the memory size.
type RAMInfo struct {
	SizeGB int `json:"size_gb"`
}

// DiskInfo is one drive.
type DiskInfo struct {
	Name  string `json:"name"`
	Model string `json:"model"`
}

// SettingsView holds the server's boot settings.
type SettingsView struct {
	EFI bool `json:"efi"`
}

// IPView is a DCI IP object; Server is set in IP lists only.
type IPView struct {
	Domain     string         `json:"domain"`
	Family     string         `json:"family"`
	Gateway    string         `json:"gateway"`
	ID         int64          `json:"id"`
	Name       string         `json:"name"`
	Network    string         `json:"network"`
	Server     *string        `json:"server,omitempty"`
	Status     string         `json:"status"`
	StatusInfo map[string]any `json:"status_info"`
}

// SwitchConnView is a switch port of a server.
type SwitchConnView struct {
	ID                  int64  `json:"id"`
	Switch              int64  `json:"switch"`
	SwitchName          string `json:"switch_name"`
	ConnectionID        int64  `json:"connection_id"`
	Description         string `json:"description"`
	AdminStatus         string `json:"admin_status"`
	OperStatus          string `json:"oper_status"`
	DoNotCollectTraffic bool   `json:"do_not_collect_traffic"`
	IsIPMIConnection    bool   `json:"is_ipmi_connection"`
}

// PDUConnView is the PDU outlet of a server.
type PDUConnView struct {
	PortID       int64  `json:"port_id"`
	PortIdentity string `json:"port_identity"`
	PDUID        int64  `json:"pdu_id"`
	PDUName      string `json:"pdu_name"`
	ConnectionID int64  `json:"connection_id"`
	PowerStatus  string `json:"power_status"`
}

// IPMIView is the server's BMC.
type IPMIView struct {
	Address    string      `json:"address"`
	ID         int64       `json:"id"`
	Status     string      `json:"status"`
	StatusInfo EmptyObject `json:"status_info"`
	Type       string      `json:"type"`
	WebURL     string      `json:"web_url"`
}

// LocationView is a data centre.
type LocationView struct {
	Geolocation string `json:"geolocation"`
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Userspace   int64  `json:"userspace"`
}

// PlatformView is the server model.
type PlatformView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int    `json:"size"`
	Type string `json:"type"`
}

// RackView is the rack a server sits in.
type RackView struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int    `json:"size"`
}

// OwnerView is the server's owner.
type OwnerView struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

// ConfigurationView is a configuration with its free servers.
type ConfigurationView struct {
	Configuration   string `json:"configuration"`
	FreeServerCount int    `json:"free_server_count"`
}

// UserView is a user in the user list.
type UserView struct {
	ID           int64    `json:"id"`
	Email        string   `json:"email"`
	FullName     string   `json:"full_name"`
	PhoneNumber  string   `json:"phone_number"`
	ServerCount  int      `json:"server_count"`
	Roles        []string `json:"roles"`
	VlansPerUser int      `json:"vlans_per_user"`
}

// TaskView is a task as GET /dci/v3/task lists it.
type TaskView struct {
	ID           int64          `json:"id"`
	ConsulID     int64          `json:"consul_id"`
	Name         string         `json:"name"`
	Server       int64          `json:"server"`
	Status       string         `json:"status"`
	Progress     int            `json:"progress"`
	ProgressInfo []ProgressStep `json:"progress_info"`
	Error        *TaskError     `json:"error"`
	CreatedAt    string         `json:"registration_time"`
	UpdatedAt    string         `json:"update_time"`
	FinishedAt   *string        `json:"finish_time"`
}

// OSTemplateView is an entry of GET /dci/v3/os_template.
type OSTemplateView struct {
	ID   int64    `json:"id"`
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	Type string   `json:"type"`
}

// IPNetView is an IPmanager network.
type IPNetView struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Family    int    `json:"family"`
	Mask      int    `json:"mask"`
	Gateway   string `json:"gateway"`
	Userspace int64  `json:"userspace"`
	VLAN      string `json:"vlan"`
	Note      string `json:"note"`
	Size      string `json:"size"`
	UsingIP   string `json:"using_ip"`
	TotalIP   string `json:"total_ip"`
	IPPool    int64  `json:"ippool"`
}

// PoolView is an IPmanager pool.
type PoolView struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Userspace int64  `json:"userspace"`
	Note      string `json:"note"`
	IsPublic  string `json:"is_public"`
	UsingIP   string `json:"using_ip"`
	UsingIPv4 string `json:"using_ipv4"`
	UsingIPv6 string `json:"using_ipv6"`
	TotalIP   string `json:"total_ip"`
	TotalIPv4 string `json:"total_ipv4"`
	TotalIPv6 string `json:"total_ipv6"`
}

// IPMgrIPView is an address as IPmanager (ip/v3) lists it.
type IPMgrIPView struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	IPAddr    string `json:"ip_addr"`
	Family    int    `json:"family"`
	IPNet     int64  `json:"ipnet"`
	IPNetName string `json:"ipnet_name"`
	IPPool    int64  `json:"ippool"`
	Domain    string `json:"domain"`
	Status    string `json:"status"`
	Server    int64  `json:"server"`
}

package dci6

import (
	"sort"
	"time"

	"github.com/panelsim/panelsim/state"
)

// State is everything the DCImanager 6 panel remembers in one world. It is
// plain data so worlds can be snapshotted, forked and restored.
type State struct {
	TokenTTL    time.Duration             `json:"token_ttl"`
	Settings    map[string]string         `json:"settings"`
	Users       map[int64]*User           `json:"users"`
	Tokens      map[string]*Token         `json:"tokens"`
	Keys        map[string]*LoginKey      `json:"keys"`
	Locations   map[int64]*Location       `json:"locations"`
	Racks       map[int64]*Rack           `json:"racks"`
	Configs     map[string]*Configuration `json:"configurations"`
	Platforms   map[int64]*Platform       `json:"platforms"`
	Switches    map[int64]*Switch         `json:"switches"`
	PDUs        map[int64]*PDU            `json:"pdus"`
	Servers     map[int64]*Server         `json:"servers"`
	Pools       map[int64]*Pool           `json:"pools"`
	Nets        map[int64]*IPNet          `json:"networks"`
	IPs         map[int64]*IP             `json:"ips"`
	OSTemplates map[int64]*OSTemplate     `json:"os_templates"`
	Tasks       map[int64]*Task           `json:"tasks"`
	Chassis     map[int64]*Chassis        `json:"chassis,omitempty"`
	// Finished indexes the finished tasks for the history trim (derived
	// from Tasks, so no snapshot holds it; see state.Finished).
	Finished state.Finished[int64] `json:"-"`

	tokenPurge, keyPurge state.Purge
}

func newState() *State {
	return &State{
		TokenTTL: defaultTokenTTL, Settings: map[string]string{},
		Users: map[int64]*User{}, Tokens: map[string]*Token{}, Keys: map[string]*LoginKey{},
		Locations: map[int64]*Location{}, Racks: map[int64]*Rack{}, Configs: map[string]*Configuration{},
		Platforms: map[int64]*Platform{}, Switches: map[int64]*Switch{}, PDUs: map[int64]*PDU{},
		Servers: map[int64]*Server{}, Pools: map[int64]*Pool{}, Nets: map[int64]*IPNet{},
		IPs: map[int64]*IP{}, OSTemplates: map[int64]*OSTemplate{}, Tasks: map[int64]*Task{},
		Chassis: map[int64]*Chassis{},
	}
}

// st is the panel's state in a transaction.
func st(tx *state.Tx) *State {
	s := state.PanelState[State](tx, Name)
	if s.Users == nil {
		*s = *newState()
	}
	return s
}

// User is a panel account.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Password     string    `json:"password"`
	FullName     string    `json:"full_name"`
	Phone        string    `json:"phone_number"`
	Roles        []string  `json:"roles"`
	VlansPerUser int       `json:"vlans_per_user"`
	CreatedAt    time.Time `json:"created_at"`
}

// IsAdmin says whether the user holds @admin.
func (u *User) IsAdmin() bool {
	for _, r := range u.Roles {
		if r == roleAdmin {
			return true
		}
	}
	return false
}

// The two roles of DCImanager 6.
const (
	roleAdmin = "@admin"
	roleUser  = "@user"
)

// Location is a data centre.
type Location struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Geolocation string `json:"geolocation"`
	Userspace   int64  `json:"userspace"`
}

// Rack holds servers by unit, with one switch and one PDU.
type Rack struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Size       int    `json:"size"`
	LocationID int64  `json:"location_id"`
	SwitchID   int64  `json:"switch_id"`
	PDUID      int64  `json:"pdu_id"`
}

// Switch is a rack's top-of-rack switch.
type Switch struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// PDU is a rack's power distribution unit.
type PDU struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Platform is a server model (chassis form factor) of a configuration.
type Platform struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Size int    `json:"size"`
	Type string `json:"type"`
}

// Configuration is a hardware configuration servers are sold by.
type Configuration struct {
	Name        string   `json:"name"`
	PlatformID  int64    `json:"platform_id"`
	CPU         string   `json:"cpu"`
	Cores       int      `json:"cores"`
	Motherboard string   `json:"motherboard"`
	RAMGB       int      `json:"ram_gb"`
	Disks       []string `json:"disks"`
	IntelAMT    bool     `json:"intel_amt,omitempty"`
}

// Chassis is a blade enclosure: it takes Size units of a rack and holds
// up to Slots blade servers.
type Chassis struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	RackID int64  `json:"rack_id"`
	Unit   int    `json:"unit"`
	Size   int    `json:"size"`
	Slots  int    `json:"slots"`
}

// Server is a physical server with its connections.
type Server struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	Domain       string      `json:"domain"`
	Config       string      `json:"configuration"`
	MAC          string      `json:"mac"`
	Barcode      string      `json:"barcode"`
	Serial       string      `json:"serial"`
	RackID       int64       `json:"rack_id"`
	Unit         int         `json:"unit"`
	OwnerID      int64       `json:"owner_id"`
	IsNew        bool        `json:"is_new"`
	State        string      `json:"state"`
	StateInfo    string      `json:"state_info"`
	PowerStatus  string      `json:"power_status"`
	EFI          bool        `json:"efi"`
	OSTemplateID int64       `json:"os_template_id"`
	MainIPv4     int64       `json:"main_ipv4"`
	MainIPv6     int64       `json:"main_ipv6"`
	IPMI         IPMI        `json:"ipmi"`
	AMT          *IntelAMT   `json:"intel_amt,omitempty"`
	ChassisID    int64       `json:"chassis_id,omitempty"`
	Slot         int         `json:"slot,omitempty"`
	Ports        []Port      `json:"ports"`
	PDUPort      PDUPort     `json:"pdu_port"`
	Operation    *Operation  `json:"operation"`
	PowerTask    int64       `json:"power_task"`
	DiagErrors   []DiagError `json:"diag_errors"`
}

// Server states (the seed's list).
const (
	stateOK           = "ok"
	stateSuspending   = "suspending"
	stateSuspended    = "suspended"
	stateSuspendError = "suspend_error"
	stateResuming     = "resuming"
	stateResumeError  = "resume_error"
)

// IPMI is a server's BMC.
type IPMI struct {
	ID      int64  `json:"id"`
	Address string `json:"address"`
	Status  string `json:"status"`
	Type    string `json:"type"`
}

// IntelAMT is the Intel AMT management engine of a desktop-class board
// (vPro), reached over HTTP on its own address.
type IntelAMT struct {
	ID      int64  `json:"id"`
	Address string `json:"address"`
	Status  string `json:"status"`
}

// Port is a switch port a server is wired to.
type Port struct {
	ID           int64  `json:"id"`
	SwitchID     int64  `json:"switch"`
	ConnectionID int64  `json:"connection_id"`
	Description  string `json:"description"`
	AdminStatus  string `json:"admin_status"`
	OperStatus   string `json:"oper_status"`
	IsIPMI       bool   `json:"is_ipmi"`
}

// PDUPort is the PDU outlet feeding a server.
type PDUPort struct {
	PortID       int64  `json:"port_id"`
	PortIdentity string `json:"port_identity"`
	PDUID        int64  `json:"pdu_id"`
	ConnectionID int64  `json:"connection_id"`
	PowerStatus  string `json:"power_status"`
}

// Operation is the long operation (OS install, diagnostics, disk
// clearing) a server runs or ran last, mirrored from its task.
type Operation struct {
	TaskID int64 `json:"task_id"`
}

// DiagError is a problem diagnostics found.
type DiagError struct {
	Type string `json:"type"`
	Info string `json:"info"`
}

// OSTemplate is an installable OS image (or a diagnostics image).
type OSTemplate struct {
	ID   int64    `json:"id"`
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	Type string   `json:"type"` // "os" or "diag"
}

func sortStrings(s []string) { sort.Strings(s) }

package dbc

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/panelsim/panelsim/state"
)

// Signature modes of the scenario's `signatures:` switch.
const (
	// SignaturesVerify checks every sr25519 signature against its wallet.
	SignaturesVerify = "verify"
	// SignaturesTrust accepts any non-empty signature.
	SignaturesTrust = "trust"
)

// Node statuses as the chain reports them to the node.
const (
	NodeOnline = "online"
	NodeRented = "rented"
	NodeVerify = "verify"
)

// State is everything the DBC panel remembers in a world: the client's
// settings, the image centres, the GPU nodes with their VMs, and the
// bare-metal nodes.
type State struct {
	Signatures         string                 `json:"signatures"`
	RejectReusedNonces bool                   `json:"reject_reused_nonces"`
	ClientVersion      string                 `json:"client_version"`
	ImageServers       []*ImageServer         `json:"image_servers"`
	ClientImages       []*Image               `json:"client_images,omitempty"`
	ClientTransfers    map[string]*Transfer   `json:"client_transfers,omitempty"`
	Nodes              map[string]*Node       `json:"nodes"`
	Controllers        map[string]*Controller `json:"controllers"`
	Machines           map[string]*Machine    `json:"machines"`
	Nonces             map[string]bool        `json:"nonces,omitempty"`
}

// ImageServer is an image centre with the images it holds.
type ImageServer struct {
	ID     string   `json:"id"`
	IP     string   `json:"ip"`
	Port   string   `json:"port"`
	Images []*Image `json:"images"`
}

// Image is a VM image file on a node or in a centre; Owner is the wallet
// that brought it onto a node (download, snapshot), "" for the node's own.
type Image struct {
	Name  string `json:"name"`
	Size  int64  `json:"size"` // bytes
	Owner string `json:"owner,omitempty"`
}

// Node is a GPU node: its hardware, its rent state on the chain and what
// runs on it.
type Node struct {
	ID            string               `json:"id"`
	Name          string               `json:"name"`
	Version       string               `json:"version"`
	IP            string               `json:"ip"`
	OS            string               `json:"os"`
	CPUType       string               `json:"cpu_type"`
	CPUHz         string               `json:"cpu_hz"`
	CPUCores      int                  `json:"cpu_cores"`
	PhysicalCPUs  int                  `json:"physical_cpus"`
	GPUs          int                  `json:"gpus"`
	GPUType       string               `json:"gpu_type"`
	MemGB         int                  `json:"mem_gb"`
	DiskType      string               `json:"disk_type"`
	DiskSystemGB  int                  `json:"disk_system_gb"`
	DiskDataGB    int                  `json:"disk_data_gb"`
	DataPath      string               `json:"data_path"`
	Status        string               `json:"status"`
	Renter        string               `json:"renter,omitempty"`
	RenterSigners []string             `json:"renter_signers,omitempty"`
	RentOrder     string               `json:"rent_order,omitempty"`
	RentUntil     *time.Time           `json:"rent_until,omitempty"`
	Images        []*Image             `json:"images"`
	DataFiles     []string             `json:"data_files,omitempty"`
	Tasks         map[string]*Task     `json:"tasks"`
	Networks      map[string]*Network  `json:"networks"`
	Transfers     map[string]*Transfer `json:"transfers"`
	Sessions      map[string]string    `json:"sessions"`
}

// Network is a LAN created on a node for its VMs.
type Network struct {
	Name   string `json:"name"`
	CIDR   string `json:"cidr"`
	Owner  string `json:"owner"`
	VNI    int    `json:"vni"`
	Bridge string `json:"bridge"`
	// LastUse is when a VM last joined or left it (its creation at first):
	// the node deletes a network no VM has used for dbc.lan_idle.
	LastUse time.Time `json:"last_use"`
}

// Transfer is an image upload to or download from an image centre.
type Transfer struct {
	Kind     string `json:"kind"` // upload | download
	Image    string `json:"image"`
	Server   string `json:"server"`
	LocalDir string `json:"local_dir,omitempty"`
	Owner    string `json:"owner"`
	Percent  int    `json:"percent"`
	Status   string `json:"status"` // running | finished | stopped | failed
	Gen      int    `json:"gen"`
}

// Controller is a bare-metal node: the CPU server running DBC's bare-metal
// program, which owns a list of bare-metal machines.
type Controller struct {
	ID       string   `json:"id"`
	Machines []string `json:"machines"`
}

// Machine is a bare-metal server reachable by its own node id.
type Machine struct {
	NodeID       string            `json:"node_id"`
	Controller   string            `json:"controller"`
	UUID         string            `json:"uuid"`
	IP           string            `json:"ip"`
	OS           string            `json:"os,omitempty"`
	Desc         string            `json:"desc,omitempty"`
	IPMIHost     string            `json:"ipmi_hostname"`
	IPMIUser     string            `json:"ipmi_username"`
	IPMIPassword string            `json:"ipmi_password"`
	IPMIPort     int               `json:"ipmi_port"`
	Status       string            `json:"status"`
	Renter       string            `json:"renter,omitempty"`
	RentOrder    string            `json:"rent_order,omitempty"`
	RentUntil    *time.Time        `json:"rent_until,omitempty"`
	Power        string            `json:"power"`
	BootDev      string            `json:"bootdev"`
	Gen          int               `json:"gen"`
	Sessions     map[string]string `json:"sessions"`
}

// stateOf is the panel's state in a transaction.
func stateOf(tx *state.Tx) *State {
	st := state.PanelState[State](tx, Name)
	st.init()
	return st
}

func (st *State) init() {
	if st.Nodes == nil {
		st.Nodes = map[string]*Node{}
	}
	if st.Controllers == nil {
		st.Controllers = map[string]*Controller{}
	}
	if st.Machines == nil {
		st.Machines = map[string]*Machine{}
	}
	if st.Nonces == nil {
		st.Nonces = map[string]bool{}
	}
	if st.ClientTransfers == nil {
		st.ClientTransfers = map[string]*Transfer{}
	}
	if st.Signatures == "" {
		st.Signatures = SignaturesVerify
	}
}

// imageServer finds an image centre by id.
func (st *State) imageServer(id string) *ImageServer {
	for _, s := range st.ImageServers {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Caller is who a request was authorised as on a node: the renting wallet
// (or multisig account), and whether it came with the renter's session.
type Caller struct {
	Wallet  string
	Session bool
}

// rentable is what authority checks need of a GPU node or a bare-metal
// machine.
type rentable struct {
	status    string
	renter    string
	signers   []string
	rentUntil *time.Time
	sessions  *map[string]string
}

func (n *Node) rent() rentable {
	return rentable{n.Status, n.Renter, n.RenterSigners, n.RentUntil, &n.Sessions}
}

func (m *Machine) rent() rentable {
	return rentable{m.Status, m.Renter, nil, m.RentUntil, &m.Sessions}
}

// authorize is the node's check_authority (reference §5): machine status,
// then the renter's session, then wallet or multisig signatures. Each
// outcome past the machine status is an auth path coverage counts.
func (st *State) authorize(tx *state.Tx, r rentable, req *Request) (Caller, *Error) {
	switch r.status {
	case NodeOnline:
		return Caller{}, authorityError("machine is not be rented")
	case NodeVerify:
		return Caller{}, authorityError("not in verify time")
	}
	expired := r.rentUntil != nil && !tx.Now().Before(*r.rentUntil)
	if c, ok := st.sessionCaller(r, req); ok {
		if expired {
			tx.CoverAuth(Name, authRentExpired)
			return Caller{}, authorityError("machine has already expired")
		}
		tx.CoverAuth(Name, authSession)
		return c, nil
	}
	wallet, path := st.signedWallet(req)
	if wallet == "" {
		if req.SessionID != "" && req.SessionIDSign != "" {
			tx.CoverAuth(Name, authBadSession)
			return Caller{}, authorityError("session_id is invalid")
		}
		if !req.anyCredentials() {
			path = authMissing
		}
		tx.CoverAuth(Name, path)
		return Caller{}, authorityError("nonce check failed")
	}
	if wallet != r.renter || expired {
		if wallet == r.renter {
			tx.CoverAuth(Name, authRentExpired)
		} else {
			tx.CoverAuth(Name, authNotRenter)
		}
		return Caller{}, authorityError("wallet not rented")
	}
	tx.CoverAuth(Name, path)
	st.useNonces(req)
	if *r.sessions == nil {
		*r.sessions = map[string]string{}
	}
	if _, ok := (*r.sessions)[wallet]; !ok {
		(*r.sessions)[wallet] = newSessionID(tx)
	}
	return Caller{Wallet: wallet}, nil
}

// sessionCaller accepts the renter's session id with a valid signature of
// it by the renter (or any signer of a multisig renter).
func (st *State) sessionCaller(r rentable, req *Request) (Caller, bool) {
	if req.SessionID == "" || req.SessionIDSign == "" || r.renter == "" {
		return Caller{}, false
	}
	if sid, ok := (*r.sessions)[r.renter]; !ok || sid != req.SessionID {
		return Caller{}, false
	}
	signers := r.signers
	if len(signers) == 0 {
		signers = []string{r.renter}
	}
	for _, w := range signers {
		if st.verify(req, w, req.SessionID, req.SessionIDSign) {
			return Caller{Wallet: r.renter, Session: true}, true
		}
	}
	return Caller{}, false
}

// signedWallet returns the wallet (or multisig account) whose signatures of
// the request's nonces are valid, and the auth path: the wallet's
// signature or the multisig's when one is, else why none is (a replayed
// nonce, or a bad signature).
func (st *State) signedWallet(req *Request) (string, string) {
	path := authBadSignature
	if req.walletSignValid() {
		if st.nonceUsed(req.Wallet, req.Nonce) {
			return "", authReplayedNonce
		}
		if st.verify(req, req.Wallet, req.Nonce, req.Sign) {
			return req.Wallet, authSignature
		}
	}
	if !req.multisigValid() {
		return "", path
	}
	m := req.Multisig
	th := atoi(m.Threshold)
	if th < 1 {
		return "", path // the node's "threshold is invalid"
	}
	valid := map[string]bool{}
	for _, s := range m.Signs {
		switch {
		case st.nonceUsed(s.Wallet, s.Nonce):
			path = authReplayedNonce
		case st.verify(req, s.Wallet, s.Nonce, s.Sign):
			valid[s.Wallet] = true
		}
	}
	if len(valid) < th || th > 0xffff {
		return "", path
	}
	account, err := MultisigAccount(m.Wallets, uint16(th))
	if err != nil {
		return "", path
	}
	return account, authMultisig
}

// verify checks one signature in the scenario's signature mode, taking
// the answer the request already knows if it was checked outside the lock
// (Request.preverify).
func (st *State) verify(req *Request, wallet, msg, sign string) bool {
	if st.Signatures == SignaturesTrust {
		return wallet != "" && sign != ""
	}
	k := sigKey(wallet, msg, sign)
	if ok, known := req.verified[k]; known {
		return ok
	}
	return verifiedSignatures.verify(k, wallet, msg, sign)
}

func nonceKey(wallet, nonce string) string { return wallet + "\x00" + nonce }

// nonceUsed is the replay filter, active only with reject_reused_nonces
// (the real v0.4.1.x node never fills its filter).
func (st *State) nonceUsed(wallet, nonce string) bool {
	return st.RejectReusedNonces && st.Nonces[nonceKey(wallet, nonce)]
}

// useNonces remembers the nonces of an accepted request.
func (st *State) useNonces(req *Request) {
	if !st.RejectReusedNonces {
		return
	}
	if req.walletSignValid() {
		st.Nonces[nonceKey(req.Wallet, req.Nonce)] = true
	}
	if req.Multisig != nil {
		for _, s := range req.Multisig.Signs {
			st.Nonces[nonceKey(s.Wallet, s.Nonce)] = true
		}
	}
}

// newSessionID is Base58Check of a random UUID string, like the node's.
func newSessionID(tx *state.Tx) string {
	return base58Check([]byte(tx.Faker().UUID()))
}

// newTaskID is Base58Check of a random number string, like the node's.
func newTaskID(tx *state.Tx) string {
	return base58Check([]byte(strconv.FormatUint(tx.Faker().Uint64(), 10)))
}

// randomHex draws n hex digits (node ids of new bare-metal machines)
// with gofakeit's HexUint, without its 0x.
func randomHex(tx *state.Tx, n int) string {
	return tx.Faker().HexUint(4 * n)[2:]
}

// timeFormat is how the node prints times (its local time; UTC here).
const timeFormat = "2006-01-02 15:04:05"

// gb renders a size in GB the node's way ("8G").
func gb(n int) string { return strconv.Itoa(n) + "G" }

// humanSize renders bytes like the node's image listing ("2.1G").
func humanSize(b int64) string {
	const g = 1 << 30
	const m = 1 << 20
	switch {
	case b >= g:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(b)/g), ".0") + "G"
	case b >= m:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(b)/m), ".0") + "M"
	}
	return strconv.FormatInt(b, 10)
}

// percent renders a usage ratio like the node ("12.5%").
func percent(used, total int) string {
	if total <= 0 {
		return "0.0%"
	}
	return fmt.Sprintf("%.1f%%", float64(used)*100/float64(total))
}

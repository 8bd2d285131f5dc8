package dbc

import (
	"strconv"

	"github.com/panelsim/panelsim/state"
)

// ImageServers lists the image centres the client is configured with.
func (st *State) ImageServerIDs() []string {
	out := []string{}
	for _, s := range st.ImageServers {
		out = append(out, s.ID)
	}
	return out
}

// ListImages answers /images: a centre's images (no node), a node's images
// (optionally only those the centre also holds), or with credentials the
// images the caller brought onto the node.
func (st *State) ListImages(tx *state.Tx, req *Request) (any, *Error) {
	server, ok := req.str("image_server")
	if !ok {
		return nil, clientError(string(prefixParams) + "image_server is not string")
	}
	var srv *ImageServer
	if server != "" {
		if srv = st.imageServer(server); srv == nil {
			return nil, clientError("image_server not exist")
		}
	}
	if req.Node() == "" {
		if srv == nil {
			return nil, clientError("image_server is empty")
		}
		out := []ImageEntry{}
		for _, img := range srv.Images {
			out = append(out, ImageEntry{img.Name, humanSize(img.Size)})
		}
		return out, nil
	}
	return st.nodeImages(tx, req, srv)
}

func (st *State) nodeImages(tx *state.Tx, req *Request, srv *ImageServer) (any, *Error) {
	var n *Node
	owner := ""
	if req.SessionID != "" || req.walletSignValid() || req.multisigValid() {
		node, c, err := st.enterNode(tx, req, "list images")
		if err != nil {
			return nil, err
		}
		n, owner = node, c.Wallet
	} else if n = st.Nodes[req.Node()]; n == nil {
		if st.Machines[req.Node()] != nil || st.Controllers[req.Node()] != nil {
			return nil, nodeDefault(msgBareMetal)
		}
		return nil, timeoutError("list images")
	}
	out := []NodeImageEntry{}
	for _, img := range n.Images {
		if owner != "" && img.Owner != owner {
			continue
		}
		if srv != nil && srv.image(img.Name) == nil {
			continue
		}
		out = append(out, NodeImageEntry{img.Name, humanSize(img.Size)})
	}
	return out, nil
}

// transferKey names an upload or download of a file on a node.
func transferKey(kind, image string) string { return kind + ":" + image }

// imageParams reads image_filename and image_server.
func imageParams(req *Request, needServer bool) (string, string, *Error) {
	file, ok := req.str("image_filename")
	if !ok {
		return "", "", clientError(string(prefixParams) + "image_filename is not string")
	}
	if file == "" {
		return "", "", clientError("image_filename is empty")
	}
	server, ok := req.str("image_server")
	if !ok {
		return "", "", clientError(string(prefixParams) + "image_server is not string")
	}
	if needServer && server == "" {
		return "", "", clientError("image_server is empty")
	}
	return file, server, nil
}

// StartTransfer begins uploading a node's image to a centre or downloading
// a centre's image to a node; progress moves on the clock.
func (st *State) StartTransfer(tx *state.Tx, req *Request, kind string) *Error {
	file, server, err := imageParams(req, true)
	if err != nil {
		return err
	}
	srv := st.imageServer(server)
	if srv == nil {
		return clientError("image_server not exist")
	}
	localDir, ok := req.str("local_dir")
	if !ok {
		return clientError(string(prefixParams) + "local_dir is not string")
	}
	n, c, e := st.enterNode(tx, req, kind+" image")
	if e != nil {
		return e
	}
	if cur := n.Transfers[transferKey(kind, file)]; cur != nil && cur.Status == "running" {
		return taskError("image " + file + " is already " + kind + "ing")
	}
	if kind == "upload" && n.image(file) == nil {
		return taskError("image not exist: " + file)
	}
	if kind == "download" {
		if srv.image(file) == nil {
			return taskError("image not exist in image server: " + file)
		}
		if n.image(file) != nil {
			return taskError("image already exist: " + file)
		}
	}
	if n.Transfers == nil {
		n.Transfers = map[string]*Transfer{}
	}
	t := &Transfer{Kind: kind, Image: file, Server: server, LocalDir: localDir, Owner: c.Wallet, Status: "running"}
	if prev := n.Transfers[transferKey(kind, file)]; prev != nil {
		t.Gen = prev.Gen + 1
	}
	fail := tx.TaskFailure()
	n.Transfers[transferKey(kind, file)] = t
	return scheduleTransfer(tx, n, t, fail != nil)
}

// transferStep advances a transfer by one tenth.
type transferStep struct {
	Node string `json:"node"`
	Key  string `json:"key"`
	Gen  int    `json:"gen"`
	Fail bool   `json:"fail,omitempty"`
}

const stepTransfer = "dbc.transfer"

func scheduleTransfer(tx *state.Tx, n *Node, t *Transfer, fail bool) *Error {
	step := tx.Timing("dbc.image_"+t.Kind) / 10
	if err := tx.After(step, stepTransfer, transferStep{n.ID, transferKey(t.Kind, t.Image), t.Gen, fail}); err != nil {
		return &Error{Status: statusInternal, Code: CodeMisc, Msg: err.Error()}
	}
	return nil
}

func runTransferStep(tx *state.Tx, a transferStep) error {
	st := stateOf(tx)
	n := st.Nodes[a.Node]
	if n == nil {
		return nil
	}
	t := n.Transfers[a.Key]
	if t == nil || t.Gen != a.Gen || t.Status != "running" {
		return nil
	}
	if a.Fail && t.Percent >= 50 {
		t.Status = "failed"
		return nil
	}
	t.Percent += 10
	if t.Percent < 100 {
		return errString(scheduleTransfer(tx, n, t, a.Fail))
	}
	t.Status = "finished"
	srv := st.imageServer(t.Server)
	if srv == nil {
		return nil
	}
	if t.Kind == "download" {
		if img := srv.image(t.Image); img != nil && n.image(t.Image) == nil {
			n.Images = append(n.Images, &Image{Name: img.Name, Size: img.Size, Owner: t.Owner})
		}
	} else if img := n.image(t.Image); img != nil && srv.image(t.Image) == nil {
		srv.Images = append(srv.Images, &Image{Name: img.Name, Size: img.Size})
	}
	return nil
}

func errString(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

// Progress is the answer of uploadprogress / downloadprogress.
type Progress struct {
	ImageFilename string `json:"image_filename"`
	ImageServer   string `json:"image_server"`
	Progress      string `json:"progress"`
	Status        string `json:"status"`
}

// TransferProgress reports how far an upload or download is.
func (st *State) TransferProgress(tx *state.Tx, req *Request, kind string) (*Progress, *Error) {
	file, _, err := imageParams(req, false)
	if err != nil {
		return nil, err
	}
	n, _, e := st.enterNode(tx, req, kind+" image progress")
	if e != nil {
		return nil, e
	}
	t := n.Transfers[transferKey(kind, file)]
	if t == nil {
		return nil, taskError("no " + kind + " of image " + file)
	}
	return &Progress{t.Image, t.Server, strconv.Itoa(t.Percent) + "%", t.Status}, nil
}

// StopTransfer stops a running upload or download.
func (st *State) StopTransfer(tx *state.Tx, req *Request, kind string) *Error {
	file, _, err := imageParams(req, false)
	if err != nil {
		return err
	}
	n, _, e := st.enterNode(tx, req, "stop "+kind+" image")
	if e != nil {
		return e
	}
	t := n.Transfers[transferKey(kind, file)]
	if t == nil || t.Status != "running" {
		return taskError("no running " + kind + " of image " + file)
	}
	t.Status = "stopped"
	return nil
}

// DeleteImage removes an image file from a node; images a VM was created
// from or being transferred stay.
func (st *State) DeleteImage(tx *state.Tx, req *Request) *Error {
	file, _, err := imageParams(req, false)
	if err != nil {
		return err
	}
	n, c, e := st.enterNode(tx, req, "delete image")
	if e != nil {
		return e
	}
	img := n.image(file)
	if img == nil {
		return taskError("image not exist: " + file)
	}
	if img.Owner != "" && img.Owner != c.Wallet {
		return taskError("image not exist: " + file)
	}
	for _, t := range n.sortedTasks() {
		if t.Spec.Image == file {
			return taskError("image is in use by task " + t.ID)
		}
	}
	for _, key := range sortedKeys(n.Transfers) {
		if t := n.Transfers[key]; t.Image == file && t.Status == "running" {
			return taskError("image is being " + t.Kind + "ed")
		}
	}
	for i, x := range n.Images {
		if x == img {
			n.Images = append(n.Images[:i], n.Images[i+1:]...)
			break
		}
	}
	return nil
}

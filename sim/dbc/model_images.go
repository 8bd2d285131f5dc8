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

// imageServerParam resolves image_server: the client maps the centre id
// to its address and refuses ids it does not know.
func (st *State) imageServerParam(req *Request) (*ImageServer, *Error) {
	id, ok := req.str("image_server")
	if !ok {
		return nil, clientError(string(prefixParams) + "image_server is not string")
	}
	if id == "" {
		return nil, nil
	}
	srv := st.imageServer(id)
	if srv == nil {
		return nil, clientError("image_server not exist")
	}
	return srv, nil
}

// StartTransfer begins uploading a node's image to a centre or downloading
// a centre's image to a node (with the node's checks and messages);
// progress moves on the clock in tenths of dbc.image_upload /
// dbc.image_download.
func (st *State) StartTransfer(tx *state.Tx, req *Request, kind string) *Error {
	srv, err := st.imageServerParam(req)
	if err != nil {
		return err
	}
	n, c, err := st.enterNode(tx, req, kind+" image")
	if err != nil {
		return err
	}
	if srv == nil {
		return taskError("no image_server")
	}
	file := req.loose("image_filename")
	if kind == "download" {
		err = n.checkDownload(srv, file, req.loose("local_dir"))
	} else {
		err = n.checkUpload(file)
	}
	if err != nil {
		return err
	}
	t := &Transfer{Kind: kind, Image: file, Server: srv.ID, LocalDir: req.loose("local_dir"), Owner: c.Wallet, Status: "running"}
	if prev := n.Transfers[transferKey(kind, file)]; prev != nil {
		t.Gen = prev.Gen + 1
	}
	fail := tx.TaskFailure()
	n.Transfers[transferKey(kind, file)] = t
	return scheduleTransfer(tx, n, t, fail != nil)
}

func (n *Node) checkDownload(srv *ImageServer, file, localDir string) *Error {
	switch {
	case file == "":
		return taskError("additional no image_filename")
	case localDir == "":
		return taskError("additional no local_dir")
	case srv.image(file) == nil:
		return taskError("image:" + file + " not exist")
	case n.running("download", file):
		return taskError("image:" + file + " in downloading")
	}
	return nil
}

func (n *Node) checkUpload(file string) *Error {
	switch {
	case file == "":
		return taskError("image_filename is empty")
	case n.image(file) == nil:
		return taskError("image:" + file + " not exist")
	case n.running("upload", file):
		return taskError("image:" + file + " in uploading")
	}
	return nil
}

// running says whether a transfer of a file is under way.
func (n *Node) running(kind, file string) bool {
	t := n.Transfers[transferKey(kind, file)]
	return t != nil && t.Status == "running"
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

// RawBody is an answer the node builds by hand and the client relays
// byte for byte.
type RawBody []byte

// TransferProgress reports how far an upload or download is, in the node's
// hand-built JSON ({"status": "downloading","progress": "40%"}, with its
// spaces). A file with no transfer under way is done if the node (upload:
// the centre) has it, else at 0%.
func (st *State) TransferProgress(tx *state.Tx, req *Request, kind string) (RawBody, *Error) {
	if _, err := st.imageServerParam(req); err != nil {
		return nil, err
	}
	n, _, err := st.enterNode(tx, req, kind+" image progress")
	if err != nil {
		return nil, err
	}
	file := req.loose("image_filename")
	if file == "" {
		return nil, taskError("additional no image_filename")
	}
	percent := 0
	if t := n.Transfers[transferKey(kind, file)]; t != nil && t.Status == "running" {
		percent = t.Percent
	} else if n.hasTransferred(st, kind, file) {
		percent = 100
	}
	status := kind + "ing"
	if percent >= 100 {
		status, percent = "done", 100
	}
	return RawBody(`{"errcode":0,"message":{"status": "` + status + `","progress": "` + strconv.Itoa(percent) + `%"}}`), nil
}

// hasTransferred says whether the file is where the transfer takes it.
func (n *Node) hasTransferred(st *State, kind, file string) bool {
	if kind == "download" {
		return n.image(file) != nil
	}
	t := n.Transfers[transferKey(kind, file)]
	if t == nil {
		return false
	}
	srv := st.imageServer(t.Server)
	return srv != nil && srv.image(file) != nil
}

// StopTransfer stops an upload or download; like the node it answers "ok"
// whether or not one was under way.
func (st *State) StopTransfer(tx *state.Tx, req *Request, kind string) *Error {
	if _, err := st.imageServerParam(req); err != nil {
		return err
	}
	n, _, err := st.enterNode(tx, req, "stop "+kind+" image")
	if err != nil {
		return err
	}
	file := req.loose("image_filename")
	if file == "" {
		return taskError("additional no image_filename")
	}
	if t := n.Transfers[transferKey(kind, file)]; t != nil && t.Status == "running" {
		t.Status = "stopped"
	}
	return nil
}

// DeleteImage removes an image file from a node unless it is being
// transferred (the node does not check whether a VM uses it).
func (st *State) DeleteImage(tx *state.Tx, req *Request) *Error {
	if _, err := st.imageServerParam(req); err != nil {
		return err
	}
	n, _, err := st.enterNode(tx, req, "delete image")
	if err != nil {
		return err
	}
	file := req.loose("image_filename")
	switch {
	case file == "":
		return taskError("image_filename is empty")
	case n.image(file) == nil:
		return taskError("image file:" + file + " is not exist")
	case n.transferring(file):
		return taskError("image file is in downloading or uploading, please try again later")
	}
	for i, x := range n.Images {
		if x.Name == file {
			n.Images = append(n.Images[:i], n.Images[i+1:]...)
			break
		}
	}
	return nil
}

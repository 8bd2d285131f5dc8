package dbc

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/panelsim/panelsim/state"
)

// ImageServerList lists the ids of the image centres the client is
// configured with, in the client's hand-built JSON (the space after the
// first comma included).
func (st *State) ImageServerList() RawBody {
	ids := make([]string, 0, len(st.ImageServers))
	for _, s := range st.ImageServers {
		ids = append(ids, jsonString(s.ID))
	}
	return RawBody(`{"errcode":0, "message":{"image_server":[` + strings.Join(ids, ",") + `]}}`)
}

// ListImages answers /images: a centre's images (no node), a node's images
// (optionally only those the centre also holds), or with credentials the
// images the caller brought onto the node. The client reads image_server
// leniently (anything but a string is none) and refuses ids it does not
// know, and an empty one when no node is named.
func (st *State) ListImages(tx *state.Tx, req *Request) (any, *Error) {
	server := req.loose("image_server")
	srv := st.imageServer(server)
	if req.Node() == "" {
		if srv == nil {
			return nil, clientError(msgNoImageServer)
		}
		return centreListing(srv), nil
	}
	if server != "" && srv == nil {
		return nil, clientError(msgNoImageServer)
	}
	return st.nodeImages(tx, req, srv)
}

// msgNoImageServer is the client's refusal of a missing or unknown
// image_server.
const msgNoImageServer = "image_server not exist"

// centreListing is a centre's images in the client's hand-built JSON
// ({"errcode":0,"message": [...]}, with its one space).
func centreListing(srv *ImageServer) RawBody {
	items := make([]string, 0, len(srv.Images))
	for _, img := range srv.Images {
		items = append(items, `{"image_name":`+jsonString(img.Name)+`,"image_size":`+jsonString(humanSize(img.Size))+`}`)
	}
	return RawBody(`{"errcode":0,"message": [` + strings.Join(items, ",") + `]}`)
}

// jsonString quotes s for hand-built JSON (the client does not escape;
// escaping keeps our answers valid for odd names).
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
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

// StartTransfer begins uploading a node's image to a centre or downloading
// a centre's image to a node. The client first checks the node (download)
// and image_server, then the credentials; the node then checks the file.
// Progress moves on the clock in tenths of dbc.image_upload /
// dbc.image_download.
func (st *State) StartTransfer(tx *state.Tx, req *Request, kind string) (any, *Error) {
	if kind == "download" && req.Node() == "" {
		return nil, clientError(msgPeerEmpty)
	}
	srv := st.imageServer(req.loose("image_server"))
	if srv == nil {
		return nil, clientError(msgNoImageServer)
	}
	if req.Node() == "" {
		return st.uploadFromClient(tx, req, srv)
	}
	if err := req.precheck(precheckSession); err != nil {
		tx.CoverAuth(Name, authMissing)
		return nil, err
	}
	n, c, err := st.enterNode(tx, req, kind+" image")
	if err != nil {
		return nil, err
	}
	file := req.loose("image_filename")
	if kind == "download" {
		err = n.checkDownload(srv, file, req.loose("local_dir"))
	} else {
		err = n.checkUpload(file)
	}
	if err != nil {
		return nil, err
	}
	t := &Transfer{Kind: kind, Image: file, Server: srv.ID, LocalDir: req.loose("local_dir"), Owner: c.Wallet, Status: "running"}
	if prev := n.Transfers[transferKey(kind, file)]; prev != nil {
		t.Gen = prev.Gen + 1
	}
	fail := tx.TaskFailure()
	n.Transfers[transferKey(kind, file)] = t
	if err := scheduleTransfer(tx, n.ID, t, fail != nil); err != nil {
		return nil, err
	}
	return "ok", nil
}

// clientUploadOK is the client's hand-built answer to an upload from
// itself, with its one space.
const clientUploadOK = `{"errcode":0,"message": "ok"}`

// uploadFromClient uploads a file of the client's own /data directory to
// the image centre (peer_nodes_list empty): the client names the file it
// lacks in its own words and answers its hand-built "ok"; no credentials
// are needed, as no node is asked.
func (st *State) uploadFromClient(tx *state.Tx, req *Request, srv *ImageServer) (any, *Error) {
	if _, ok := req.Additional["image_filename"]; !ok {
		return nil, clientError("no param: additional.image_filename")
	}
	file := req.loose("image_filename")
	if clientImage(st, file) == nil {
		return nil, clientError("additional.image_filename: /data/" + file + ", file not exist")
	}
	t := &Transfer{Kind: "upload", Image: file, Server: srv.ID, Status: "running"}
	key := transferKey("upload", file)
	if prev := st.ClientTransfers[key]; prev != nil {
		t.Gen = prev.Gen + 1
	}
	st.ClientTransfers[key] = t
	if err := scheduleTransfer(tx, "", t, tx.TaskFailure() != nil); err != nil {
		return nil, err
	}
	return RawBody(clientUploadOK), nil
}

func clientImage(st *State, name string) *Image {
	for _, i := range st.ClientImages {
		if i.Name == name {
			return i
		}
	}
	return nil
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

// scheduleTransfer plans the next tenth of a transfer on a node, or on the
// client itself when node is "".
func scheduleTransfer(tx *state.Tx, node string, t *Transfer, fail bool) *Error {
	step := tx.Timing("dbc.image_"+t.Kind) / 10
	if err := tx.After(step, stepTransfer, transferStep{node, transferKey(t.Kind, t.Image), t.Gen, fail}); err != nil {
		return &Error{Status: statusInternal, Code: CodeMisc, Msg: err.Error()}
	}
	return nil
}

func runTransferStep(tx *state.Tx, a transferStep) error {
	st := stateOf(tx)
	transfers, local := st.ClientTransfers, func(name string) *Image { return clientImage(st, name) }
	var n *Node
	if a.Node != "" {
		if n = st.Nodes[a.Node]; n == nil {
			return nil
		}
		transfers, local = n.Transfers, n.image
	}
	t := transfers[a.Key]
	if t == nil || t.Gen != a.Gen || t.Status != "running" {
		return nil
	}
	if a.Fail && t.Percent >= 50 {
		t.Status = "failed"
		tx.CoverTask(Name, transferTask(t.Kind), coverFailed)
		return nil
	}
	t.Percent += 10
	if t.Percent < 100 {
		return errString(scheduleTransfer(tx, a.Node, t, a.Fail))
	}
	t.Status = "finished"
	tx.CoverTask(Name, transferTask(t.Kind), coverDone)
	srv := st.imageServer(t.Server)
	if srv == nil {
		return nil
	}
	if t.Kind == "download" {
		if img := srv.image(t.Image); img != nil && n.image(t.Image) == nil {
			n.Images = append(n.Images, &Image{Name: img.Name, Size: img.Size, Owner: t.Owner})
		}
	} else if img := local(t.Image); img != nil && srv.image(t.Image) == nil {
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
// spaces). Like the node's ImageManager, which answers 1.0 for a file it
// does not track, a file with no transfer under way (never started,
// finished, stopped or failed, or unknown) reads "done" at 100%.
func (st *State) TransferProgress(tx *state.Tx, req *Request, kind string) (RawBody, *Error) {
	n, _, err := st.enterNode(tx, req, kind+" image progress")
	if err != nil {
		return nil, err
	}
	file := req.loose("image_filename")
	if file == "" {
		return nil, taskError("additional no image_filename")
	}
	percent := 100
	if t := n.Transfers[transferKey(kind, file)]; t != nil && t.Status == "running" {
		percent = t.Percent
	}
	status := kind + "ing"
	if percent >= 100 {
		status, percent = "done", 100
	}
	return RawBody(`{"errcode":0,"message":{"status": "` + status + `","progress": "` + strconv.Itoa(percent) + `%"}}`), nil
}

// StopTransfer stops an upload or download; like the node it answers "ok"
// whether or not one was under way.
func (st *State) StopTransfer(tx *state.Tx, req *Request, kind string) *Error {
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
		tx.CoverTask(Name, transferTask(kind), coverStopped)
	}
	return nil
}

// DeleteImage removes an image file from a node unless it is being
// transferred (the node does not check whether a VM uses it).
func (st *State) DeleteImage(tx *state.Tx, req *Request) *Error {
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

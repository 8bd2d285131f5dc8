// Package dbc emulates the DeepBrainChain (DBC) client HTTP API
// (POST /api/v1/...) together with the GPU nodes and bare-metal nodes it
// relays to. The contract is the DBC-Wiki "HTTP 客户端请求 API" page and the
// fact sheet ../shared/reference/dbc.md (DBC-AIComputingNet v0.4.1.x).
//
// # Emulated
//
//   - Transport: POST only (other methods: HTTP 400 -32600 "only support POST
//     request"); the version root /api/v1/ and /api/v1 answer the client
//     version for any method; unknown top-level routes HTTP 404 -32601
//     "not support uri:<uri>"; malformed sub-routes HTTP 400 -32600 with the
//     client's texts ("invalid requests uri", "invalid uri", "task_id is
//     empty", ...). Content-Type application/json, Access-Control-Allow-Origin
//     *, every body ends in "\r\n".
//   - Envelope {"errcode":0,"message":...}. The client's own answers (body
//     checks, timeouts, the version) are pretty-printed with four spaces like
//     rapidjson's PrettyWriter; payloads and errors from a node are compact.
//   - Body checks in the client's order with its messages (-25, HTTP 400),
//     including the two field-error prefixes of /disk, /images ("parse
//     request params failed: ") and /mining_nodes, /lan ("parse req params
//     failed: "), "peer_nodeid is empty" and the two wordings of the
//     credential precheck ("wallet_sign and multisig_wallets all invalid",
//     "session_id and wallet all invalid").
//   - Node authority (HTTP 200, -3 "check authority failed: <reason>"):
//     online node "machine is not be rented", verify node "not in verify
//     time", session path first (renter's stored session id plus a valid
//     sr25519 signature of it, "machine has already expired" after
//     rent_until), then wallet or multisig signatures ("nonce check failed",
//     "session_id is invalid", "wallet not rented"). A successful wallet
//     check creates the wallet's stable session id (Base58Check of a UUID),
//     which /mining_nodes/session_id hands out; asking that route with a
//     session id gets the bare "check authority failed".
//   - sr25519 (github.com/ChainSafe/go-schnorrkel) over the raw bytes of the
//     nonce / session id with the "substrate" signing context; signatures
//     are 64 bytes hex with or without 0x; wallets are SS58 (checksum
//     "SS58PRE" + blake2b-512, any network prefix). Multisig: threshold is a
//     string; the account is Substrate pallet_multisig's multi_account_id
//     (blake2b-256 of "modlpy/utilisuba", the sorted signatories and the
//     u16 threshold). Scenario switch signatures: trust accepts any
//     non-empty signature.
//   - VMs (tasks) with the real status strings and the virtual clock:
//     creating -> running (dbc.create, 3 min), starting, being shutdown /
//     being poweroff -> closed, restarting, resetting, deleting -> gone,
//     disk resizing / adding / deleting, snapshot creating; a fail_task
//     fault ends the operation in its "... error" status ("create error",
//     "shutdown error", "resize disk error", ...) and logs the message.
//     Creation checks the image on the node, data file, LAN, free GPUs,
//     CPU cores, memory, data disk, host ports (ssh/rdp/vnc and custom
//     port ranges) and public IPs against every VM on the node.
//   - Task logs: flag head|tail (default tail), line_num (default 100;
//     more than 100 becomes 99, the client's quirk; 0 or less "invalid line
//     num"; other flags `head_or_tail is invalid"` with the stray quote),
//     at most 1024 bytes (the documented cap) keeping the lines nearest the
//     chosen end.
//   - Disks, snapshots (VM must be closed), images (image centres, node
//     images, the caller's own images; upload/download progress in tenths
//     of dbc.image_upload / dbc.image_download; stop; delete), LANs (name
//     6-10 letters or digits, IPv4 CIDR /8-/30, no overlaps, in-use
//     networks kept), bare-metal nodes (list/add/delete signed by the
//     bare-metal node's own id) and bare-metal machines (power
//     on/off/reset/status, bootdev pxe/disk/cdrom/bios).
//   - Quirks kept: the node's /images listing key "image_name:" (colon
//     inside the key; node info uses "image_name"); numbers of tasks/start
//     and tasks/modify are strings while disk sizes are numbers; line_num
//     over 100 becomes 99; the trailing quote of `head_or_tail is invalid"`;
//     node errors come back with HTTP 200.
//
// # Not emulated
//
//   - /peers, /stat, /config, /monitor, /deeplink, /rent_orders,
//     /bare_metal/modify (answered as unknown routes, 404 -32601).
//   - Uploading an image that lives on the client itself (no node): the
//     request needs a node ("peer_nodeid is empty").
//   - The verify window of verifier wallets: a node in "verify" refuses
//     everyone with "not in verify time".
//   - Guests ignoring a non-forced restart: restarts always happen.
//   - The 30-second relay wait: an unknown node answers the timeout at once
//     (HTTP 500 -1 "<operation> timeout").
//   - Quotes inside log lines breaking the JSON (generated lines have none).
//
// # Our assumptions (the seed and the reference are silent)
//
//   - Operation names for fault rules and the journal are the route without
//     ids ("tasks/start" = create, "tasks/shutdown", "disk/add", "images",
//     "lan/delete"), except "tasks/{id}" (detail) and "tasks/start/{id}"
//     (start an existing VM).
//   - Task-manager refusals are HTTP 200 errcode 1 with our wording
//     ("ssh_port is invalid", "no enough gpu, available: 2", "port 5684 is
//     already in use", "task is busy, status: creating", "task is not
//     running", "task is not closed, please shutdown it first",
//     "snapshot_name not exist", "task log not exist" while creating).
//   - A VM's resources (GPUs, cores, memory, data disk, ports) stay held
//     while it is closed, as libvirt keeps its definition; a port clash
//     counts tcp and udp alike.
//   - Disk operations and modify need a closed VM for disks; modify is
//     refused only while an operation runs. The system disk is 350G and
//     cannot be resized or deleted; added disks are vdc, vdd, ...
//   - Snapshots: creating (dbc.snapshot_create, VM in "snapshot
//     creating") -> uploading (dbc.snapshot_upload) -> done (status left
//     out), then the file <task>_<name>.qcow2 is in the image centre.
//   - /images/servers answers the list of centre ids; progress answers
//     {"image_filename","image_server","progress":"40%","status"};
//     bare_metal/power status answers "Chassis Power is on|off" (ipmitool's
//     wording); power changes take dbc.bare_metal_power.
//   - Bare-metal nodes sign with their node id as wallet and their node key,
//     which is not an sr25519 wallet: only wallet = node id and a non-empty
//     nonce and sign are checked.
//   - Times are printed in UTC ("2006-01-02 15:04:05"); the node info masks
//     the last two octets of its IP.
//   - /api/v1 without the trailing slash answers the version too (the real
//     client answers 404 -32601 there; panelsim's brief asks for both).
//   - In trust mode a multisig still needs valid SS58 wallets, because the
//     account the node checks is derived from their keys.
//   - Each async operation is one step: a fail_task rule's step name is not
//     consulted; transfers fail half way.
//   - The contract of the version root is shadowed by IMserver's
//     /api/{path} in the merged contract; its answers are tested by hand.
package dbc

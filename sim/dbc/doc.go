// Package dbc emulates the DeepBrainChain (DBC) client HTTP API
// (POST /api/v1/...) together with the GPU nodes and bare-metal nodes it
// relays to. The contract is the DBC-Wiki "HTTP 客户端请求 API" page and the
// fact sheet ../shared/reference/dbc.md (DBC-AIComputingNet v0.4.1.x).
//
// # Emulated
//
//   - Transport: POST only (other methods: HTTP 400 -32600 "only support POST
//     request"); the version root /api/v1/ answers the client version for
//     any method, and so does /api/v1 without the slash (the issue asks for
//     it; the real client matches /api/v1/ exactly and answers 404 -32601
//     there, so a client should use the slash); unknown top-level routes
//     HTTP 404 -32601 "not support uri:<uri>"; unknown verbs HTTP 400 -32600 ("invalid
//     requests uri", "invalid uri" under /snapshot); missing path arguments
//     HTTP 400 -25 like the body checks ("task_id is empty", "invalid uri,
//     please use /tasks/logs/{task_id}?flag=tail&line_num=100", ...).
//     Content-Type application/json, Access-Control-Allow-Origin *, every
//     body ends in "\r\n".
//   - Envelope {"errcode":0,"message":...}. The client's own answers (body
//     checks, timeouts, the version) are pretty-printed with four spaces like
//     rapidjson's PrettyWriter; payloads and errors from a node are compact.
//     The client's hand-built answers are byte for byte: the node list
//     {"errcode":0, "message":{"mining_nodes":[...]}}, the image centres and
//     the centre listing (below). Node payloads are compact JSON; the real
//     node builds them by hand with ", " between members, which no JSON
//     reader sees (not emulated).
//   - Body checks in the client's order with its messages (-25, HTTP 400),
//     including the two prefixes /disk, /images ("parse request params
//     failed: ") and /mining_nodes, /lan ("parse req params failed: ") put
//     before every message of the member checks (parse_req_params, from
//     "has no peer_nodes_list" to "rent_order is not string"),
//     "peer_nodeid is empty" and the two wordings of the credential
//     precheck ("wallet_sign and multisig_wallets all invalid", "session_id
//     and wallet all invalid"). The multisig threshold is read with atoi
//     and only bounded from above by the client (a negative one fails, as
//     in its unsigned comparison); a threshold below 1 reaches the node,
//     which answers "nonce check failed".
//   - Node authority (HTTP 200, -3 "check authority failed: <reason>"):
//     online node "machine is not be rented", verify node "not in verify
//     time", session path first (renter's stored session id plus a valid
//     sr25519 signature of it, "machine has already expired" after
//     rent_until), then wallet or multisig signatures ("nonce check failed",
//     or "session_id is invalid" when both session fields were sent;
//     "wallet not rented"). A successful wallet
//     check creates the wallet's stable session id (Base58Check of a UUID),
//     which /mining_nodes/session_id hands out; asking that route with a
//     session id gets the bare "check authority failed".
//     Tenants: a wallet that signs correctly but does not rent the node
//     meets this check on every route that names a node, VM, disk,
//     snapshot, LAN, image transfer or rented machine, before any object
//     is looked up ("wallet not rented"; with the renter's session id
//     signed by another key "session_id is invalid"), so nothing on the
//     node is revealed or changed. TestNonRenterReachesNothing probes every
//     served route, from the handler table, or names why it is exempt.
//   - Libraries: base58 is github.com/mr-tron/base58 (Bitcoin alphabet);
//     Base58Check (no version byte, double SHA-256) and SS58 (prefix,
//     blake2b "SS58PRE" checksum) are the few lines on top, because no
//     maintained module served here fits: btcutil's CheckEncode adds a
//     version byte, and the Go module proxy refuses
//     github.com/vedhavyas/go-subkey/v2 (SS58) and github.com/decred/base58.
//     Generated values come from the world's seeded gofakeit faker: new
//     bare-metal node ids are HexUint(256) without 0x; task ids, passwords
//     (in the node's genpwd alphabet, which gofakeit's Password does not
//     offer), MACs and file numbers use its Uint64/IntN/Number, which draw
//     exactly what the hand-written code drew, so every seeded answer is
//     byte for byte what it was.
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
//   - The node's task manager (DBC-AIComputingNet TaskManager, the version
//     with public_ip, pxe and network_filters): tasks/start checks in its
//     order with its messages (gpu_count -> "gpu_count exceeds number of
//     leases" / "allocate gpu failed", operation_system, bios_mode,
//     image_name, public_ip, ssh/rdp port, vnc_port [5900, 65535], cpu, mem,
//     disk, data_file_name, network, multicast); counts are read with C's
//     atoi and ports cast to 16 bits ("70000" is 4464); custom_port is
//     stored unchecked (the node skips bad entries when it writes
//     iptables); with a public IP a bad login
//     port falls back to 22 / 3389. What an action may do follows the
//     libvirt state behind the status: no domain while creating ("task not
//     exist", errcode 1), "task is running" / "task is shut_off" refusals,
//     restart from shut off allowed, an action asked again while one runs
//     takes over. Resources follow the node: a VM that is not shut off
//     (creating included) or is being started holds its GPUs (its domain
//     is still shut off while it starts, but the start checked them
//     already: two shut-off VMs started together could both run on GPUs
//     the node has once, found by the soak); a VM that runs or is being
//     created or started holds its CPU cores, memory and ports (the VNC
//     port always, ssh/rdp only without a public IP), so two VMs in those
//     states never share a VNC port and never add up to more cores or
//     memory than the node has (issue 16: a creation used to hold nothing
//     until it ran). A shut-off VM holds none of them: starting or
//     restarting it re-checks them ("cpu count exceeds the maximum",
//     "check gpu failed", "check memory failed", "check ssh_port failed",
//     "check vnc_port failed"), and so does the end of a creation (when
//     the node defines the domain): a VM that no longer fits ends in
//     "create error" with "create failed: <reason>" in its log.
//   - No answered operation is lost. The node does disk and snapshot
//     changes within the request (qemu-img, virsh attach/detach), so the
//     next request sees them done; here they take their timing, and any
//     later change of the VM (tasks/start|restart|shutdown|stop|reset|
//     delete|modify|passwd, disk/*, snapshot/create|delete) first completes
//     a disk/resize, disk/add, disk/delete or snapshot/create still under
//     way (or fails it, if a fault rule said so), then is checked against
//     the result: both take effect, or the later one is refused natively
//     ("task is running", "task have no disk:vdb", ...) with the first
//     kept. Reads (details, lists) do not hurry it. Power operations take
//     over from each other as libvirt does (restart during a shutdown ends
//     running): their effect is the state the last one leaves, which is
//     what the client asked last. TestNoLostUpdates plays every pair.
//   - tasks/modify with the node's messages; it answers "some changes will
//     take effect on the next boot" when vnc, gpu, cpu or memory changed,
//     else "ok"; like the node it always sets the public IP, so leaving
//     new_public_ip out removes it. tasks/passwd only on a running VM ("Only
//     the running task can change the password").
//   - Disks: "please close task first and try again" unless shut off;
//     disk/resize grows the disk BY size GB (the node runs qemu-img resize
//     +size); disk/add's mount_dir must be a node directory (/data); vda
//     cannot be deleted. PXE VMs have no disks and no snapshots ("pxe not
//     support snapshot").
//   - Snapshots of the system disk of a shut-off VM, file
//     /tmp/dbc_snapshots/snap_<n>_<time>_vda.qcow2: creating ->
//     uploading -> done, then in the image centre; snapshot/delete stops
//     and removes it and answers "ok" even for an unknown name.
//   - Images, the client's part (rest_api_service): /images/servers wants
//     only a JSON object and answers its hand-built
//     {"errcode":0, "message":{"image_server":["ID_1",...]}}; /images and
//     /images/download|upload read image_server leniently (a non-string is
//     none) and refuse a missing or unknown one with 400 -25 "image_server
//     not exist" (the centre listing, download and upload; a node listing
//     only an unknown one), before the credential precheck; the centre
//     listing is hand-built too ({"errcode":0,"message": [...]}, correct
//     "image_name" key); progress, stop and delete ignore image_server; the
//     /images and /disk handlers print JSON parse errors without the
//     offset.
//   - Images, the node's part: download (image_filename, local_dir required,
//     "image:<f> not exist", "image:<f> in downloading"), upload ("image:<f>
//     in uploading"), progress in the node's hand-built JSON
//     {"status": "downloading","progress": "40%"} (spaces after the colons,
//     "done" at 100%), stops answer "ok" always, delete refuses files being
//     transferred; a VM cannot be created from an image being transferred.
//     Progress follows the node's ImageManager (DBC-AIComputingNet
//     ImageManager::DownloadProgress/UploadProgress): a file it does not
//     track answers 1.0, so a file that was never transferred, an unknown
//     one, one whose transfer was stopped (TerminateDownload/Upload forget
//     it) or failed (its process ended) all read {"status": "done",
//     "progress": "100%"}. "done" does not mean the file arrived: the node's
//     or the centre's image listing says whether it did, and a stopped or
//     failed transfer leaves nothing there.
//   - Images, uploading from the client itself (peer_nodes_list empty, the
//     seed's second upload example): the client checks image_server, then
//     "no param: additional.image_filename" and its /data directory
//     ("additional.image_filename: /data/<f>, file not exist", 400 -25;
//     the scenario's client_images are that directory), asks no credentials
//     and answers its hand-built {"errcode":0,"message": "ok"}
//     (rest_api_service::rest_upload_image); the centre lists the image when
//     dbc.image_upload has passed. Its progress cannot be asked (the progress
//     routes need a node).
//   - Task logs: flag head|tail; without a flag the client sends tail and
//     100 lines and ignores line_num; with one, line_num is read with atoi
//     (empty: 100; more than 100 becomes 99, the client's quirk; 0 or less
//     "invalid line num"); other flags `head_or_tail is invalid"` with the
//     stray quote (both HTTP 400 -25); at most 1024 bytes (the documented
//     cap) keeping the lines nearest the chosen end.
//   - Image centres, node images and the caller's own images; LANs (name
//     6-10 letters or digits, IPv4 CIDR /8-/30, no overlaps, in-use
//     networks kept; a network no VM has used for dbc.lan_idle, 72h by
//     default, is deleted: VxlanManager::ClearEmptyNetwork deletes empty
//     networks whose lastUseTime, set at creation and whenever a VM joins
//     or leaves, is more than three days old; here the check runs exactly
//     when the idle time ends, the node's runs on a timer), bare-metal nodes (list/add/delete/modify signed by the
//     bare-metal node's own id) and bare-metal machines (power
//     on/off/reset/status, bootdev pxe/disk/cdrom/bios).
//   - Quirks kept: the node's /images listing key "image_name:" (colon
//     inside the key; node info uses "image_name"); numbers of tasks/start
//     and tasks/modify are strings while disk sizes are numbers; line_num
//     over 100 becomes 99; the trailing quote of `head_or_tail is invalid"`;
//     node errors come back with HTTP 200.
//   - Restores: CheckState (invariants.go) refuses a snapshot whose maps
//     are not keyed by their ids, whose rent state disagrees (a rented
//     node or machine without its renter, a VM, LAN or transfer of another
//     wallet than the node's renter), whose VM names a missing LAN or image
//     centre or holds a disk or snapshot name twice, whose node is
//     over-booked (the VMs holding resources need more cores, memory or
//     GPUs than it has, or share a VNC port), or whose busy VM has no
//     pending step to end it; CheckSteps refuses a pending step on a node
//     that does not exist, with an unknown operation, or ahead of its VM's
//     generation. A VM, LAN or machine may go before its stale step falls
//     due (the step then does nothing), so those are not refused. Each
//     refusal names its JSON pointer.
//
// # Not emulated
//
//   - /peers, /stat, /config, /monitor, /deeplink, /rent_orders (answered
//     as unknown routes, 404 -32601).
//   - The client's own LAN listing (/lan with no node, {"networks":[...]}):
//     the request needs a node ("peer_nodeid is empty"). The node's LAN
//     listing shape is ours (the sources show only the client's).
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
//   - Node refusals are HTTP 200 errcode 1 ("task not exist" from the task
//     manager) or -3 ("task_id not exist" when the task is not the
//     caller's). Messages the source does not give are ours: the snapshot_name
//     check of snapshot/create, LAN and bare-metal parameter checks, "can
//     not find network info". snapshot/create's image_server is the
//     client's check (400 -25 "image_server not exist", before the
//     credentials), as for /images/download and upload.
//   - network_filters: tasks/start accepts any rule and the creation ends
//     in "create error" when one is not "in|out,tcp|udp|icmp|all,<port|
//     range|all>,<ip|cidr>,accept|drop" (libvirt refusing the filter);
//     tasks/modify refuses such a rule at once ("modify network filter
//     error").
//   - Deleting a VM whose creation failed is allowed (the real node has no
//     domain for it and would answer "task not exist").
//   - Unlike the node, which applies a modify field by field, a refused
//     modify changes nothing.
//   - A data disk uses the node's data_gb; the system disk is not counted.
//     The system disk size is one number per node, as in the node's code
//     (g_disk_system_size, a 350 GB constant): the node info's
//     disk_system.size, every VM's vda and the task detail's disk_system
//     all show it (scenario disk.system_gb, default 350). Like the node,
//     the task detail keeps printing it after a vda resize (disk/list shows
//     the grown vda).
//   - Snapshot timings: dbc.snapshot_create (VM in "snapshot creating"),
//     then dbc.snapshot_upload; a done snapshot has no status field.
//   - bare_metal/power status answers "Chassis Power is on|off" (ipmitool's
//     wording); power changes take dbc.bare_metal_power.
//   - Bare-metal nodes: the seed's list/add/delete examples carry no
//     credentials and the client checks none for these routes (nor for
//     modify, nor for the LAN listing and lan/delete), so a request without
//     any credential field is served as written. The newer DBC-Wiki page
//     (v0.4.1.1, "由裸金属节点的 node_id 和 node_private_key 生成") signs
//     them with the node id as wallet and the node's key, which is not an
//     sr25519 wallet: when any credential field is sent, wallet = node id
//     and a non-empty nonce and sign are required, else "check authority
//     failed: nonce check failed".
//   - The seed's node ids: 58fb618a... and 80720ffa... are GPU nodes.
//     441f631d... has three roles in the seed: a GPU node (the LAN
//     examples), the bare-metal node (list/add/delete) and, in the power
//     and bootdev examples, the bare-metal machine. The first two are
//     different kinds of node that never share a route, so the default
//     scenario gives it both: the LAN examples and the bare-metal node's
//     examples work as written. The machine role goes to 8c29b20d..., the
//     id the seed's own delete example gives the machine the node
//     generated (the seed's text: the node "为裸金属服务器生成一个对应的
//     NodeID", and power goes by that id); power/bootdev sent to 441f631d...
//     answer the node's "node is not a bare metal node". The seeded machine
//     8c29b20d... has another uuid than the add example's, so list, add and
//     delete run in the seed's order. ccd9a211... (the newer page's node)
//     is a second, empty bare-metal node.
//   - bare_metal/bootdev is state: the device (pxe, disk, cdrom, bios;
//     disk when seeded or added) stays until changed and shows in the
//     inspection hook and, as "bootdev", in each bare_metal listing entry
//     (issue 11 asks for both). The listing field is panelsim's addition,
//     not the real node's: the node builds that listing from its stored
//     record (proto/thrift/db_bare_metal.thrift in
//     DeepBrainChain/DBC-AIComputingNet: node_id, node_private_key, uuid,
//     ip, os, desc, ipmi_hostname/username/password/port; the DBC-Wiki
//     bare-metal page's listing example adds deeplink_device_* and no boot
//     device either; ipmitool's bootdev lives in the BMC and is not read
//     back). With no real name to copy, the key is "bootdev": the name of
//     the route that sets it and of the inspection hook's field, so one
//     name means the device everywhere panelsim shows it (an ipmi_ prefix
//     would suggest a connection setting like the ipmi_* keys). Sure of
//     the real record's fields, a guess for the name; a client that reads
//     it works only against panelsim, and must not rely on it against a
//     real node.
//   - Times are printed in UTC ("2006-01-02 15:04:05"); the node info masks
//     the last two octets of its IP.
//   - /api/v1 without the trailing slash answers the version too (the real
//     client answers 404 -32601 there; panelsim's brief asks for both).
//   - In trust mode a multisig still needs valid SS58 wallets, because the
//     account the node checks is derived from their keys.
//   - Each async operation is one step: a fail_task rule's step name is not
//     consulted; a failed transfer stops half way (progress then reads
//     done, as for any file with no transfer under way, and the file is
//     not where it was going).
//
// History: DBC keeps no finished operations to bound (history: {dbc: N}
// is accepted and has nothing to trim): its tasks are the VMs themselves,
// readable until deleted, and a deleted VM is gone at once.
package dbc

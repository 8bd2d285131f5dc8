// Package imserver emulates the IMserver control panel API (imserver.ru):
// one gateway URL, the command in cmd, the session in sess, and the answer
// in the envelope {"success":bool,"data":…,"login":"…"}.
//
// Vendor documentation: https://imserver.ru/g_api (the overview, saved as
// the seed imserver-api.ru.txt) and the only two public command pages,
// https://imserver.ru/api/get_logs and https://imserver.ru/api/add_server.
// Everything else is panelsim's design, marked "assumption" below, made to
// be consistent with what is documented.
//
// # Transport (documented)
//
//   - GET and POST on /api. Other methods answer 0004.
//   - Parameters from the query string, a form body, the json parameter
//     holding a JSON object (accepted on GET too, as the vendor's own example
//     does), or a raw JSON request body. Names and values are case-sensitive.
//   - Required: cmd, and sess for every command but login.
//   - Success: {"success":true,"data":…,"login":"<user>"}; action commands
//     answer the object id as a string ({"data":"333"}).
//   - Errors: HTTP 200 {"success":false,"data":"<4-digit code>","login":…}.
//   - login answers {"success":true,"sess":"<32 hex>","login":"<user>"}.
//
// Case-sensitivity (documented) holds for values too: record type "a",
// disk type "SSD", action "Attach" or period "Day" are refused with 0003.
// The one exception is DNS names (zone, record name, host targets), which
// are stored lowercase because DNS compares them without case (RFC 4343).
//
// Assumptions: later sources win (query < form body < json= < raw JSON
// body); a key given twice in CGI counts with its first value; a body whose
// first non-blank byte is "{" is JSON whatever its Content-Type; multipart
// bodies are read (file parts ignored). JSON values may be numbers or numeric strings
// ("333" and 333 alike). Any other path under /api (not /api/v1/… of DBC,
// not /api/dci/v3, /api/auth/v4, /api/ip/v3 of DCImanager) answers 0001.
// The error envelope's login is the session's login when the session is
// valid, the submitted loginUsername for login, else "". The human reason of
// an error (the vendor's envelope has no room for it) is in the response
// header X-Panelsim-Reason and the journal. Times are Moscow time
// "YYYY-MM-DD HH:MM:SS"; money is a string in roubles with two decimals.
//
// # Error codes
//
// Only "0027" is public (without its meaning). panelsim's table:
//
//	0001 unknown command (or unknown path under /api)
//	0002 missing required parameter
//	0003 bad parameter value, malformed json, request breaking the contract (strict validation)
//	0004 HTTP method other than GET or POST
//	0010 session missing, unknown, closed or expired
//	0011 wrong loginUsername or loginPassword
//	0012 SMS key needed; also the answer to sendkey=1 (the key is sent, no session)
//	0013 wrong SMS key or passkey
//	0014 SMS key asked for again within 30 s
//	0015 SMS key attempts used up (the 3rd wrong try kills the key)
//	0016 SMS key expired (15 min), already used, or never sent
//	0017 passkey needed (eToken PASS account)
//	0020 server not found on the account
//	0021 server busy: a task is queued for it
//	0023 object not found (template, ISO, zone, record, network, interface, ticket)
//	0027 not allowed in the server's (or ticket's) current state
//	0030 contract balance too low (add_server, update_server)
//	0031 unknown preset or contract
//	0032 exists or conflicts (zone name, network name or subnet, CNAME rule, duplicate record, interface)
//	0033 still in use (network with interfaces, network full)
//	0098 the request names a panelsim world that cannot exist
//	0099 internal error
//
// Every one of these is HTTP 200. A fault rule's native error uses its own
// code (zero-padded to 4 digits) and keeps the rule's HTTP status; a
// recovered crash is 0099 with HTTP 500; a bad world keeps the core's 400.
//
// # Accounts and sessions
//
//	login        loginUsername, loginPassword; smskey | passkey | sendkey=0|1  -> sess
//	logout       -> data: the closed session id                                  (assumption)
//	get_account  -> {login, name, email, phone, twofactorauth, balance, currency, servers}
//
// Documented: a session lives one day; twofactorauth in SMS mode needs a key
// sent with sendkey=1 (no login happens then), at most once per 30 s, living
// 15 minutes and 3 attempts; in eToken PASS mode a one-time passkey.
// Assumptions: the 24 h slide from the last request; a wrong password does
// not spend key attempts; a new key replaces the live one; a key is 6
// digits; keys are "sent" as journal notes ("sms key 123456 sent to <phone>
// for <login>") and listed at GET /_panelsim/imserver/sms; passkeys are the
// scenario's list, each usable once. Lifetimes are the timings
// imserver.session_ttl, imserver.smskey_ttl, imserver.smskey_resend.
// A scenario may open sessions at the start (accounts[].sessions); the
// default scenario opens the vendor examples' session
// 1d69a2ca5bbb423245438aabb0723f1f for petrov, so the documented
// run_server requests work as written.
//
// # Servers
//
//	get_servers         [id]                        -> [{id, name, status, cpu, cputype, ram, hdd_list, preset, contract, price, template, iso, ip, created}]
//	get_servers_status  [id]                        -> [{id, status, task, taskid, error}]
//	get_presets                                     -> [{id, name, cpu, cputype, ram, hdd_list, price}]
//	add_server          json={cpu, cputype, ram, hdd_list, preset, contract, server_name, template} -> new id
//	update_server       id, json={cpu, cputype, ram, hdd_list, preset, server_name} -> id
//	run_server | stop_server | pause_server | reload_server | archive_server | del_server   id -> id
//	reinstall_server    id, [template] (default: the current one) -> id
//	eth_action          id, action=attach&network=N | action=detach&interface=I -> id
//	get_logs            [count] (default 50, at most 100), [id] -> [{id, datepost, datecommit, cmd, status, serverid}]
//
// Every command in get_logs's cmd list queues a task (get_logs status 0),
// returns at once, and completes on the virtual clock (status 1, or 2 when
// a fail_task fault was armed for it). While a task runs the server shows a
// transient status and refuses other actions with 0021.
//
//	command           allowed from               while queued   ends   timing
//	add_server        -                          creating       running imserver.create + imserver.clone_per_gb x disk GB
//	run_server        stopped, paused            starting       running imserver.run
//	stop_server       running, paused, error     stopping       stopped imserver.stop
//	pause_server      running                    pausing        paused  imserver.pause
//	reload_server     running                    rebooting      running imserver.reload
//	reinstall_server  running, stopped, error    reinstalling   running imserver.reinstall + imserver.clone_per_gb x disk GB
//	update_server     stopped (rename only: running, stopped, paused)  updating  unchanged  imserver.update
//	archive_server    stopped                    archiving      archived imserver.archive
//	del_server        stopped, archived, error   deleting       (gone) imserver.delete
//	eth_action        running, stopped, paused   (unchanged)    unchanged imserver.eth
//
// Anything else is 0027. A failed task (fault action fail_task; IMserver
// tasks are single-step, so the step name is ignored) leaves the server in
// status "error" with the fault's code and msg in get_servers_status.error;
// stop_server, reinstall_server and del_server recover from it. A failed
// add_server refunds its charge.
//
// add_server (documented: data in json, creation only if the contract's
// balance allows) charges the first month to the contract (the default one
// when contract is absent): a preset's price, or cpu x 200 (300 at
// cputype 3) + ram x 150 + SSD GB x 8 + HDD GB x 3 + 150 for the address
// (scenario prices). Assumptions: cpu 1..32, cputype 2|3 (default 2), ram
// 1..256 GB, 1..4 disks of 10..2048 GB, hdd_list items {size, type ssd|hdd}
// (a bare number is an SSD size); cpu, ram and hdd_list are required unless
// preset is given; template defaults to the first template and must fit the
// first disk (min_hdd). update_server may only grow disks, cannot change
// contract, and charges a price increase at once (not refunded on failure).
//
// # Templates and ISO images
//
//	get_templates -> [{id, name, os, version, min_hdd}]
//	get_isos      -> [{id, name, size}]
//	mount_iso     id, iso -> id   (running, stopped, paused; at once, not journaled)
//	umount_iso    id      -> id   (0027 when nothing is mounted)
//
// # DNS
//
//	get_dns_zones                         -> [{id, name, records, created}]
//	add_dns_zone     name                 -> id (NS ns1/ns2.imserver.ru added at @)
//	del_dns_zone     id                   -> id
//	get_dns_records  zone                 -> [{id, zone, name, type, content, ttl, priority}]
//	add_dns_record   zone, name, type, content, [ttl], [priority] -> id
//	del_dns_record   id                   -> id
//
// Validation: zone names are lowercased LDH names with at least two labels
// and a non-numeric TLD, unique across the panel (one name server set
// serves every account, so adding a name another account holds answers
// 0032 "exists", as any shared DNS host must: the account learns the name
// is taken, nothing else of that zone); record names are relative
// ("@" or empty = apex; an FQDN with a trailing dot must be inside the
// zone; "*" and "_" labels allowed); types A (IPv4), AAAA (IPv6), CNAME,
// NS, MX (host names), TXT (1..255 chars), SRV (name _service._proto,
// content "weight port target"); MX and SRV need priority 0..65535; ttl
// 60..604800 (default 3600); a CNAME may not be at the apex nor share its
// name with any record; identical records are refused.
//
// # Private networks and interfaces
//
//	get_networks                   -> [{id, name, subnet, vlan, interfaces, created}]
//	add_network     name, [subnet] -> id (RFC 1918 /16../29; default first free 10.0.N.0/24)
//	del_network     id             -> id (0033 while interfaces use it or attaches are queued)
//	get_interfaces  [id]           -> [{id, serverid, name, type public|private, network, mac, ip}]
//
// Every server has a public eth0; eth_action attach adds ethN with the
// lowest free address (.1 is the gateway; a queued attach already holds
// its address), detach removes a private one
// (the public one cannot be detached: 0027).
//
// # Statistics
//
//	get_stats  id, [period hour|day|week|month] -> {serverid, period, step, cpu, ram, traffic_in, traffic_out}
//
// Points (12 x 5 min, 24 x 1 h, 28 x 6 h, 30 x 1 day) end at now; each
// value is a hash of the server's seed (drawn from the world's RNG), the
// metric and the point's time, so the numbers are deterministic and a past
// point never changes (except RAM points, which scale with the server's
// current RAM: update_server rescales its history). A point is 0 when the server, at the end of the
// point's interval (now, for the current one), did not exist yet or was
// not running: stopped, paused, archived or in error since the task that
// put it there completed. A server being created already counts as
// running (cloning and first boot load it).
//
// # Contracts, finance, tickets
//
//	get_contracts                         -> [{id, number, name, date, balance, default, servers}]
//	get_balance    [contract]             -> {balance, currency, contracts: [{id, number, balance}]}
//	get_payments   [contract], [count]    -> [{id, date, contract, amount, type payment|charge|refund, comment, serverid}]
//	get_tickets    [id]                   -> [{id, subject, status open|answered|closed, serverid, created, updated, messages}]
//	add_ticket     subject, message, [serverid] -> id
//	reply_ticket   id, message            -> id (0027 when closed)
//	close_ticket   id                     -> id (0027 when closed)
//
// Support answers an open ticket after imserver.ticket_reply (30 min) of
// silence from the client.
//
// # Not emulated
//
// Reseller (White Label) sub-accounts, the "too many meaningless requests"
// rate limit, real SMS delivery, HTTPS-only enforcement (panelsim's --tls
// serves HTTPS), and the vendor's SDKs. Cloning a server: the overview
// names it (as a slow operation to wait for with get_servers_status), but
// its command is not public and get_logs's documented cmd list has none;
// add_server's template cloning stands in for the size-dependent wait.
// Monthly charges after the first month are not booked.
//
// History (our assumption): get_logs lists queued tasks and the newest
// finished ones up to the scenario's history bound (history: {imserver:
// N}, default 1000); older ones are forgotten, and a deleted server whose
// tasks are all forgotten answers as one that never existed.
//
// Kept answers (ours, invisible on the wire): get_servers_status is what
// billing polls while an action runs, so the world keeps the bytes of its
// latest answers, per account and id parameter (state.Memo), until
// anything changes the world: any other command, any step that runs. A
// kept answer is byte for byte a new rendering's (the tests render again
// on every use and compare); checking the session is a read for this
// purpose (it renews or drops the session, which no kept answer shows).
package imserver

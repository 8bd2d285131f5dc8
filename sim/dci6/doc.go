// Package dci6 emulates ISPsystem DCImanager 6's API: dci/v3 (servers,
// owners, power, switch ports, IPs, operations, tasks, users), auth/v4
// (tokens, keys, token TTL) and ip/v3 (IPmanager networks, pools and
// addresses), statefully, on the world's virtual clock.
//
// Vendor documents: "DCImanager 6 → Developer section → API guide" and
// "Примеры использования API" (the seeds), plus what public clients send
// and read (the reference fact sheet dci6.md).
//
// # Emulated
//
//   - Every path with and without the /api prefix. Unknown routes and known
//     routes with another method answer 404 {"error":{"code":1106,...}},
//     including paths under the platform services not emulated (eservice,
//     ipmiproxy, ldap): they are DCImanager's, not another panel's.
//   - auth/v4: POST public/token (201), public/key, GET key-v4/{key} (sets
//     the ses6 cookie, Path=/ and HttpOnly, our choice; 302 to /), token
//     (fixed expiry), DELETE token/{token},
//     setting/token_ttl, user/{email|id}/key (one hour, single use).
//     Tokens come from x-xsrf-token, then ISP-Session, then the ses6 cookie;
//     the first one present is the one checked. They die after token_ttl
//     (default 60 minutes) without use: each authenticated request renews
//     them. A dead token is deleted. 401 code 3001 "Unauthorized".
//     A scenario may open tokens and issue login keys for a user at its
//     start (users[].tokens, users[].keys): the default scenario opens the
//     seeds' literal example tokens for admin@example.com
//     (E6900A56BE7DF0FB28ED7BE7 of the examples page, 6BA7C69DCB7DF4DACFFC7E56
//     of the 503 recipe, 24-cee181d2-... and 4-e9726dd9-... of the auth page:
//     every call they make is an admin one) and the key example's
//     4-74e7c0e9-... for client@example.com (the user the page creates it
//     for), so the seeds' curl commands work as written.
//     Login (v4 and v3) requires email and password, and openapi/dci6.yaml
//     says so (LoginRequest): under --validate strict the contract refuses
//     a login missing one with the handler's own answer, 1001 "email: is
//     required" with value {"field":"email"}, so strict mode changes no
//     byte. An empty email counts as missing; an empty password goes on to
//     the credential check (3002), as the handler always did. They live like any
//     other token or key (an idle hour, one use), as IMserver's example
//     session does. Their "<id>-" prefixes do not name our user ids: tokens
//     are opaque to clients.
//   - Roles: @admin does everything; @user sees only servers it owns (other
//     servers, their IPs and tasks are "instance not found") and may list
//     servers, IPs, tasks and OS templates, power its servers and reinstall
//     their OS. Everything else answers 403 code 3003 "Access denied".
//   - Servers with rack/unit, switch ports (one data, one IPMI), PDU outlet,
//     IPMI, location, platform, configuration and hardware_info that agree
//     with each other. free_server_count counts servers without an owner.
//   - Blade chassis (scenario chassis: name, rack, unit, size, slots):
//     a chassis takes rack units; its blades share its rack and unit and
//     show chassis {id,name,size,server_slot_count} and slot (from 1), with
//     switch ports per slot. Configurations with intel_amt: true (vPro
//     desktop boards) give their servers intel_amt {address,id,status,
//     status_info,protocol:"http"}, its address from the ipmi_network; its
//     status follows power like the BMC's (in_progress during a power task,
//     unknown when one fails). Other servers show null for both, as the
//     seed's list example implies (the fields only describe hardware that
//     has them). The default scenario has six blades (servers 37-42) in
//     chassis SBE-710Q-A2 and four Intel AMT servers (43-46).
//   - Async actions answer {"id":<server>,"task":<task>} and run as tasks
//     of named steps on the virtual clock (timings dci6.*, see Timings). A
//     task is "pending" for dci6.task_queue (default 0), then "running",
//     then "complete" or "fail":
//     power_on/off/reset (IPMI "in_progress", then power_status, IPMI and
//     PDU outlet follow), suspend/resume (state suspending → suspended with
//     data ports down / resuming → ok with ports up), IP add (allocating →
//     ok) and removal (deleting → gone), operation_os (prepare, reboot,
//     partitioning, os_install, configure, reboot_to_os), operation_diag
//     (prepare, reboot, hardware_check, [clear_disks], [setup_ipmi], report) and
//     operation_clear_hdd (none: prepare, reboot; simple/full: + clear_disks,
//     each with its own timing). Long operations drive server.operation.
//   - A fault rule's fail_task makes the task end "fail" at the named step
//     (else the first) with its code/msg: the task's error, the server's
//     operation (status "fail", status_info code/msg/step), state
//     suspend_error/resume_error, IP allocation_fail/fail, IPMI "unknown",
//     diag_error entries reflect it.
//   - Lists answer {"list":[...],"size":N} with where (EQ NE CP GT LT GE LE,
//     IS [NOT] null, NOT, AND, OR, parentheses), orderby and limit.
//   - Beyond the seeds, what public clients call: GET /dci/v3/switch/{id}/port,
//     GET /dci/v3/ipmgr/ip (the ip/v3 address shape), GET/POST
//     /ip/v3/ippool/{id}, POST /ip/v3/userspace/public/ippool, DELETE
//     /ip/v3/ipnet/{id} (refused with 1304 while addresses are in use), and
//     legacy auth v3: POST /auth/v3/auth and /auth/v3/auth_by_key answer
//     {"session":<token>}, DELETE /auth/v3/session/{token}, POST
//     /auth/v3/user/{email}/key.
//
// # Inspection hook
//
// GET /_panelsim/dci6/sessions lists every token (user, last use, expiry,
// alive) and login key of the world without renewing anything.
//
// # Not emulated
//
// Switch/PDU/IPMI management endpoints (beyond listing switch ports),
// VLANs, chassis and Intel AMT management endpoints, eservice, ldap, ipmiproxy, ip/v3 ranges, GET /auth/v4/self/session,
// swagger, the 503 "sleeping service" (a fault rule with status 503 and body
// "Unavailable" produces it).
//
// # Our assumptions (seed and reference silent)
//
//   - Generated hardware identities come from the world's seeded gofakeit
//     faker: MACs (MacAddress), barcodes "DC" + ten digits and board
//     serials "MB" + digits (Number, one draw each). gofakeit's Numerify or
//     DigitN would draw once per digit and so shift every later seeded value
//     of every panel (a world has one stream) with no change of format; one
//     draw keeps the default scenario's answers as they were.
//   - Error codes other than 3001, 1106 and 3080 are ours: 1000 internal
//     (500), 1001 bad request naming the field (400), 3002 wrong login (401,
//     the same for a wrong email or password), 3003 access denied (403), 3005
//     bad or used key (401), 1201 server busy (409), 1202 wrong state (409),
//     1301 IP taken (409), 1302 no free IP (409), 1303 wrong IP family (400),
//     1304 network in use (409), 1401 duplicate email (409). Unknown objects
//     answer 404 code 3080 "Instance not found"; so does a malformed id.
//   - Token answers carry the user id in "id" and tokens look like
//     "<user id>-<uuid>". Keys look like "<key id>-<uuid>". POST auth/v4/token
//     answers the token shape plus expires_at ("2006-01-02 15:04:05" UTC),
//     201. token_ttl answers {"name":"token_ttl","value":"<minutes>"}; the
//     boot order setting {"name":"operation_change_boot_order","value"}.
//   - Bodies are JSON whatever the Content-Type (curl -d sends form type);
//     an empty body is {}. Unknown body fields are ignored.
//   - roles is a JSON array (["@user"]), not the doc's "[@user]" string.
//   - The doc's examples show every server field filled in; where a server
//     has nothing to show, the field is null: os_template (no OS
//     installed), owner and owner_email (free server), main_ipv4 and
//     main_ipv6 (no working address of the family), intel_amt (no AMT),
//     chassis and slot (not a blade). A failed allocation (allocation_fail) stays listed
//     until removed but is never the main address.
//   - server.operation is {"id":0,"status":"","status_info":{},"progress_info":[]}
//     until the server ran a long operation; then it mirrors the last one
//     (status pending|running|complete|fail). progress_info items are
//     {name,status}; status_info holds name, progress, the current step and,
//     on failure, code and msg.
//   - power_status is on|off; a new task is refused (1201) while a long
//     operation, a power task or a port change runs on the server. Suspending
//     a suspended server or resuming an "ok" one is not refused: billing
//     modules (WHMCS/BILLmanager-style) suspend and unsuspend without
//     reading the state first, so the panel answers {id,task} with a task
//     whose one switch_ports step takes no time (complete as soon as the
//     queue runs it; at once by default) and the state stays. A long
//     operation on a suspended server is 1202 (it could not boot from the
//     network).
//   - operation_diag with setup_ipmi: true adds a setup_ipmi step (after
//     hardware_check and any clear_disks): when it ends the BMC is
//     configured and, with a non-zero ipmi_pool, takes the first free
//     IPv4 address of that pool (keeping one it already has there); an
//     exhausted pool fails the task at that step with 1302. The address
//     then counts as used, so no server IP can take it; it is not listed
//     by ip/v3 (our simplification). ipmi_pool naming no pool, or one with
//     no IPv4 network while setup_ipmi is set, is 1001 on the request.
//   - operation_os: hdd_raid defaults to no_raid and must fit the disk count
//     (raid_1 2, raid_5 3, raid_10 4); a failure from partitioning on leaves
//     the server without OS. Passwords and SSH keys are checked, not stored.
//   - GET /dci/v3/os_template lists {id,name,tags,type} with type os|diag.
//   - GET /dci/v3/task lists {id,consul_id,name,server,status,progress,
//     progress_info,error,registration_time,update_time,finish_time}.
//   - IP allocation without ip_name/ip_net/ip_pool draws from public pools
//     in id order; the first IPv4 of a server becomes main_ipv4. ip/v3
//     family is 2 (IPv4) or 10 (IPv6), is_public "on"/"off", counts are
//     strings; total_ip excludes network, broadcast and gateway addresses.
//
// History (our assumption; the vendor keeps a window too): the task list
// keeps every running task and the newest finished ones up to the
// scenario's history bound (history: {dci6: N}, default 1000). An older
// finished task is gone from GET /task and /task/{id} (3080 not found),
// except a server's last long operation, which stays readable through
// the server as long as it is that server's last.
//
// Kept answers (ours, invisible on the wire): GET /dci/v3/server/{id} is
// what billing polls while an operation runs, so the world keeps the
// bytes of its latest server answers, per server and caller
// (state.Memo), until anything changes the world: any request but a
// read, any step that runs. A kept answer is byte for byte the one a new
// rendering gives (the tests render again on every use and compare); a
// token check is a read for this purpose (it renews or drops the token,
// and no kept answer shows tokens). ?pretty answers are not kept.
package dci6

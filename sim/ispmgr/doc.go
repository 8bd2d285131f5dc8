// Package ispmgr emulates the ISPsystem mgr5 "func" API of ISPmanager
// (/ispmgr, /manager/ispmgr) and IPmanager (/ipmgr, /manager/ipmgr):
// ?func=<name>&out=<format>&<params> by GET (query) or POST (form body),
// every answer a <doc> tree.
//
// Vendor documents: ISPsystem "Взаимодействие через API" (the seed
// ../shared/seeds/mgr5-api-ipmanager.ru.txt) and the fact sheet
// ../shared/reference/mgr5.md, which also records what real clients
// (official WHMCS module, Khorsa/php-ispmanager-api, the cert-manager
// webhook, certbot plugins) send and parse.
//
// # Emulated
//
//   - Transport: GET and form POST on the four paths, on the main listener
//     and on a dedicated --listen ispmgr=ADDR one. A POST body is read as
//     a form when it is application/x-www-form-urlencoded, multipart/
//     form-data, text/plain (a browser's fetch() with a string body) or
//     untyped; the contract declares the first three, so --validate=strict
//     refuses only the untyped one. Values sent unencoded
//     (':', '@', '/', spaces as '+') are read as the panel reads them;
//     sfrom, clicked_button, operafake, progressid, "*" values and empty
//     values are dropped: the seed (mgr5 document, line 256) lists them
//     together as what an API call may leave out, so an empty value is
//     "not sent" and never clears a field (a billing module posting every
//     form field, most empty, changes only what it fills in; the official
//     module's ipaddr.edit name="" means "not given" too). A field is
//     changed by sending a new value; clearing one to empty is not
//     possible through the API here [doc-derived]. HTTP 200 for
//     every answer, errors included.
//   - Auth: func=auth (username+password; the session is bound to the
//     client address, c.RealIP(), and expires after one idle hour on the
//     virtual clock, timing "ispmgr.session_idle"); auth=<sid>;
//     authinfo=user:password on any call; session.newkey (administrators,
//     key of at least 16 characters) and the one-time key login
//     func=auth&username&key (not bound to an address, key deleted; a key
//     made without username logs in anyone its creator may su to);
//     authinfo limited to networks when the scenario sets authinfo_from;
//     a successful func=auth also sets the session cookie <mgr>ses5 (e.g.
//     ispmgrses5), which identifies the session when no auth= is sent;
//     su=<user> (administrators: anyone, resellers: their own users, others:
//     access error); lang=en|ru with fallback to the scenario's default.
//   - Formats, all rendered from one etree document (render.go; the
//     formats differ only in which parts of the tree they show):
//     xml, devel (xml + interface metadata and paging), text (mgrctl style),
//     sjson, json (pretty), xjson (same document as sjson), JSONdata (data
//     only, plain string values), print (printable HTML table) and the HTML
//     page when out is absent. JSON mapping: attributes "$x", text "$",
//     elem/page/col/prop/param/filter always arrays, empty elements {},
//     tparams echo without authinfo. XML is written by etree, escaping
//     as libxml2 (the real panel's writer) does where etree can: text
//     escapes &, < and > only (a carriage return as &#xD;, or a parser
//     would read a newline), attributes also " and line breaks (&#xA;)
//     but leave > as it is; characters XML cannot carry become U+FFFD.
//     JSON strings needing escapes are written by encoding/json with
//     HTML characters left as they are; the HTML page is html/template.
//   - Lists page with p_cnt (default 1000) and p_num and sort with p_sort
//     and p_order (or p_col=+name/-name) in the formats with paging
//     (devel, sjson, json, xjson, HTML, print); xml, text and JSONdata
//     carry every element, sorted. JSON children come out sorted by name,
//     as in the real replies; XML keeps document order.
//   - ISPmanager funcs: user, user.edit, user.add, user.add.finish,
//     user.delete, user.suspend, user.resume, preset, preset.edit,
//     preset.delete, usrparam, webdomain(.edit/.delete/.suspend/.resume),
//     ISPmanager 6's site(.edit/.delete/.suspend/.resume),
//     emaildomain(...), email(...), domain(...), domain.record(...), the
//     4-era domain.sublist(.edit/.delete), db(...), db.server(.edit/
//     .delete), ftp.user(.edit/.delete/.suspend/.resume), ipaddr,
//     ipaddr.edit, ipaddr.delete, whoami, session.newkey, auth, and
//     <list>.filter for every list of both products.
//     Preset limits are copied into users and the object counts enforced;
//     duplicates give the exists error. Both products in one world: the
//     ISPmanager takes dedicated addresses from the IPmanager networks.
//   - Inspection hook GET /_panelsim/ispmgr/sessions: live sessions and
//     unused one-time keys.
//   - IPmanager funcs: ip, ip.edit (elid = the address; without ip the
//     next free address of ipnet is allocated), ip.delete, ip.filter,
//     ipnet(.edit/.delete), userspace(.edit/.delete), user(.edit/.delete)
//     (the seed's mgrctl -m ipmgr -i user; the same accounts as
//     ISPmanager's, with ISPmanager's user.edit fields: the only public
//     IPmanager 5 call found, a start script's mgrctl -m ipmgr user.edit,
//     sends name, passwd, confirm and sok, and no source names fields of
//     its own, see REFERENCE.md), admin(.edit/.delete) (the seed's error example),
//     whoami, usrparam, session.newkey, auth. Allocation: no duplicates, the address must be
//     a host address of a network the caller sees.
//
// # Not emulated
//
//   - The real HTML interface (out absent answers a small HTML rendering of
//     the same document), list filters (every <list>.filter answers ok at
//     the list's level and changes
//     nothing), mgrctl, licences, SSL certificates, DNS
//     slaves, disk usage (quota_used comes from the scenario), resource
//     limits other than object counts (limit_quota, limit_cpu, ... are kept
//     and shown, not enforced).
//   - Asynchronous operations: every function completes in its request,
//     so Steps is empty and a fail_task fault rule has nothing to fail.
//   - Errors raised outside the functions (unknown path, method, contract
//     violation, injected fault) are in the language of lang= or English,
//     not the scenario's default language. A contract violation in strict
//     mode is answered as the panel answers a bad parameter: HTTP 200 and
//     a value error naming it (the shared validator sets no status; each
//     panel's envelope decides, as mgr5 answers every error with 200).
//
// # Our assumptions (the documents are silent)
//
//   - Levels: administrator 30, reseller 20, user 16. root and admin1 are
//     administrators; the user list shows the accounts below the caller.
//   - Both products share one account table; a session opened on one
//     product is unknown to the other. Disabled users cannot log in and
//     get the same badpassword error as a wrong password.
//   - Answers to func=auth and errors before authentication are a bare
//     <doc> (no theme attributes, no tparams), as the real bad-credentials
//     reply; a failed func=auth also carries an empty <authfail/>. An
//     unknown, expired or foreign-address session is type auth, object
//     expired.
//   - Error types: exists, missed (parameter, or object func for an unknown
//     function), value, access, notfound (elid), limit (object
//     limit_<name>, value = the limit), used (deleting a network or space
//     still in use), internal. XML errors carry stack and group (the
//     template); JSON errors carry detail (the same template) instead.
//   - Dedicated addresses (ipaddr.edit with iptype and no name,
//     user.add.finish with ipsrc=auto) come from the IPmanager networks and
//     go back there when the address or its user is deleted.
//   - Creating an object as an administrator or reseller needs owner=;
//     a user owns what it creates. ipaddr.edit, ip.edit and ipnet.edit
//     answer ok plus the new object's <id>.
//   - A DNS zone is created from a template (NS, A for the apex, www, mail,
//     ns1, ns2, MX, SPF TXT). Record keys are "name TYPE  data" with two
//     spaces; MX data includes the priority. A delete elid that is itself a
//     record key is not split at ", " (TXT values may contain it).
//   - An SRV record's value is "weight port target" (zone-file order after
//     the priority, which is kept apart as for MX): both numbers 0-65535
//     in plain decimal, the target made absolute like an MX host; any
//     other shape is a value error. The record key therefore reads
//     "name SRV  priority weight port target". ISPmanager 5's own SRV
//     form fields (separate weight/port/target fields, perhaps
//     srvdomain) were not found in any public client or page, so
//     domain.record.edit takes the data only in value [assumption].
//   - text format: one "k=v k=v" line per element, "k=v" lines for a form,
//     "OK" for an action, "ERROR type(object): message" for an error; set
//     flags print as "on".
//   - out=print: the vendor documents it for lists only; a form, an action
//     or an error prints the same page as the browser's (no out).
//   - Unknown paths under /ispmgr, /ipmgr and /manager answer an mgr5 error
//     with HTTP 404; methods other than GET and POST HTTP 405 (the vendor
//     documents only these two).
//
// History: mgr5 runs nothing asynchronously, so history: {ispmgr: N} has
// nothing to trim; every object a client created stays until deleted.
//
// # Issue 11 decisions (sources and certainty in REFERENCE.md)
//
//   - whoami answers <user name=… level=…/> for the user the call runs as
//     (su included), on both products [client: BILLmanager clients read
//     doc.user's attributes; mgr5's own test harness calls func=whoami to
//     test a connection; the element's exact attributes are our guess].
//   - Empty parameter values are not sent (see Transport) [doc: seed line
//     256].
//   - Content-Type is exactly text/xml for xml and devel, application/json
//     for the JSON forms [issue: a public client compares it to text/xml;
//     no evidence of a charset].
//   - site.* is webdomain.* through a parameter view (views.go): site_name,
//     site_owner, site_ipaddrs, site_aliases, site_home, site_php_enable,
//     site_php_mode, site_php_{fpm,cgi,apache}_version, site_secure are the
//     site's fields; the other site_* switches clients send (hsts,
//     redirect_http, ssl_cert, ...) are kept and shown, not acted on; the
//     site list is the webdomain list [client: migration tools' site.edit
//     calls, a read-only probe reading the site list and form].
//   - user.add is the wizard's form and creates what user.add.finish does:
//     webdomain_name a site, emaildomain_name a mail domain (the user's
//     address, counted against the preset's limits), ftp_user_name an FTP
//     account with the user's password [client: the official module]. Of
//     the other fields clients send, fullname, email, comment, status,
//     preset and limit_* are stored; quota, loc, addinfo, backup and
//     php_enable are accepted and ignored (no effect modelled). The 14
//     limit_* names (limitNames) are each a parameter of user.edit,
//     user.add, user.add.finish and preset.edit in openapi/ispmgr.yaml,
//     typed LimitValue: what strconv.Atoi reads, not below 0 (strict
//     validation refuses "many" with an error of type value naming the
//     limit; a number past int's range is the panel's own bad value).
//   - Form switches clients send that have no modelled effect are kept
//     and shown in the object's form, never dropped: a site's (see
//     above), a mail domain's defaction, dkim, dmarc, secure,
//     secure_alias, ssl_name, email, a database's charset, remote_access.
//   - ftp.user: name, owner, passwd, confirm, home (inside the owner's
//     home); counted against limit_ftp_users; removed with the user
//     [client: PHP libraries and a migration tool].
//   - db.server: the local MySQL and PostgreSQL of every world plus the
//     ones administrators add (name, type, host, username, password,
//     version, remote_access); db.edit server= places a database on one;
//     a server holding databases cannot be deleted (used) [client:
//     migration tool's db.server.edit and db.edit calls].
//   - 4-era names: domain.sublist(.edit/.delete) are domain.record with
//     sdtype/addr/prio (the list also takes the zone in elid, keys are
//     domain.record's rkeys) [client: a Python library and two 4-era
//     billing scripts]. For SRV, wght and port are kept: the view joins
//     wght, port and addr (the target) into domain.record's value, and
//     domain.sublist and the domain.sublist.edit form split it back into
//     addr, wght and port (beside prio). A new SRV record needs both
//     numbers (missed wght/port), a change keeps the parts it leaves out,
//     and a bad number is a value error naming wght or port. wght and
//     port of other types are ignored, empty or not [client: the Python
//     library documents the sublist form with prio, wght and port allowed
//     for SRV only, prio alone for MX, none for the other types, and reads
//     key, name, type, addr, prio, wght, port from each list element;
//     a PHP billing config sends prio=&wght=&port= empty with A records].
//     No evidence shows 5 or 6 accepting wwwdomain,
//     emaildomain.sublist, ftp or dbuser, so they answer the "missed
//     func" error every unknown function gets (run in funcs.go).
//   - Tenant isolation: an object of another tenant (elid, plid, or the
//     mail domain of a new mailbox) is looked up among the objects the
//     caller sees, so it answers exactly as an object that does not exist:
//     notfound with the kind (site for site.*), or value(domainname) for
//     email.edit's select field; a function above the caller's level is
//     access(func), and su to someone not below the caller access(su).
//     The ISPwiki error-code page separates "element does not exist"
//     (code 3) from "access denied", which it words as insufficient
//     privileges for a function; nothing public shows a foreign elid
//     answering access, and not found does not confirm the object
//     exists [guess]. ip.edit checks the network before whether the
//     address is taken, so an address allocated in a network the caller
//     does not see is value(ip) like any address outside its networks,
//     not exists. Names that are one per server (a domain, a database, a
//     mailbox) still answer exists to anyone: the server cannot hold two.
//     TestTenantsStayApart probes every object function of the func table
//     as a user and as another reseller.
//   - Deleting a reseller leaves its users in place, owned by the
//     administrators from then on (no owner), so no user is owned by an
//     account that is gone [guess: the documents are silent].
//   - Restores: CheckState (invariants.go) refuses a snapshot with a
//     dangling owner, mail domain, database server, network or address
//     space, an address in a non-canonical spelling or outside its
//     network, overlapping networks, or limits the panel would refuse,
//     naming the JSON pointer. Object counts over a limit are not refused:
//     user.edit may lower a limit below what a user has.
//   - user.suspend keeps the account's objects and refuses its logins;
//     resuming a running account is ok (billing modules resume
//     unconditionally).
package ispmgr

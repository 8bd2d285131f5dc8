package ispmgr

import (
	"regexp"
	"strconv"

	"github.com/panelsim/panelsim/internal/ordered"
)

// userName is what the panel accepts as an account name (a system user).
var userName = regexp.MustCompile(`^[a-z_][a-z0-9_.\-]{0,31}$`)

// presetName is what the panel accepts as a template name.
var presetName = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

var userCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "fullname"}, {name: "active"},
	{name: "level", numeric: true}, {name: "owner"}, {name: "preset"}, {name: "quota_total", numeric: true},
	{name: "quota_used", numeric: true}, {name: "comment"}}

// userList is func=user: the accounts below the caller.
func userList(c *call) (result, *mgrError) {
	below := func(u *User) bool { return u.Level < levelAdmin && u.Name != c.user.Name && c.st.sees(c.user, u.Name) }
	return listResult{key: "name", cols: userCols, elems: listElems(c.st.Users, below, userElem)}, nil
}

func userElem(u *User) *Node {
	e := newNode("elem")
	e.grow(len(userCols))
	e.AddText("id", strconv.FormatInt(u.ID, 10))
	e.AddText("name", u.Name)
	e.AddText("fullname", u.FullName)
	e.AddText("active", onOff(u.Active))
	e.AddText("level", itoa(u.Level))
	e.AddText("owner", u.Owner)
	e.AddText("preset", u.Preset)
	if q, ok := u.Limits["quota"]; ok {
		e.AddText("quota_total", itoa(q))
	}
	e.AddText("quota_used", itoa(u.QuotaUsed))
	e.AddText("comment", u.Comment)
	return e
}

// userEditor is the flow of func=user.edit: the form, a new user (sok
// without elid) or a change (sok with elid) of an account the caller
// manages. user.add is the same flow without elid.
var userEditor = editFlow[*User]{
	lookup:    (*call).managedUser,
	blankForm: nameOnlyForm,
	form:      userForm,
	create:    userCreate,
	update:    userChange,
}

func userEdit(c *call) (result, *mgrError) { return userEditor.run(c, c.p.Get("elid")) }

// userCreateOnly is func=user.add: user.edit without elid, always a new
// user (StereoFlo's client sends it with sok=ok); without sok it shows the
// blank form. It is the account wizard's form, so it creates what the
// wizard's fields ask for, as user.add.finish does (webdomain_name a site,
// emaildomain_name a mail domain, ftp_user_name an FTP account).
func userCreateOnly(c *call) (result, *mgrError) {
	flow := userEditor
	flow.create = userAddFinish
	return flow.run(c, "")
}

// managedUser finds an account the caller manages.
func (c *call) managedUser(name string) (*User, *mgrError) {
	u := c.st.Users[name]
	if u == nil || u.Level >= levelAdmin || u.Name == c.user.Name || !c.st.sees(c.user, name) {
		return nil, notFound("user", name)
	}
	return u, nil
}

func userForm(u *User, _ string) result {
	f := fieldsNode()
	f.AddText("name", u.Name)
	f.AddText("fullname", u.FullName)
	f.AddText("email", u.Email)
	f.AddText("comment", u.Comment)
	f.AddText("preset", u.Preset)
	f.AddText("owner", u.Owner)
	f.AddText("active", onOff(u.Active))
	for _, l := range limitNames {
		if v, ok := u.Limits[l]; ok {
			f.AddText("limit_"+l, itoa(v))
		}
	}
	return formResult{elid: u.Name, fields: f}
}

// newAccount checks what every new account needs (a free, valid name and
// a password, confirmed if confirm is sent) and returns it unstored, with
// its full name and e-mail: the start of a user and of an administrator.
func (c *call) newAccount(level int) (*User, *mgrError) {
	name, e := c.require("name")
	if e != nil {
		return nil, e
	}
	if !userName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.Users[name] != nil {
		return nil, exists("user", name)
	}
	pass, e := c.require("passwd")
	if e != nil {
		return nil, e
	}
	if e := c.checkConfirm(pass); e != nil {
		return nil, e
	}
	return &User{Name: name, Password: pass, Level: level, Active: true, Limits: map[string]int{},
		FullName: c.p.Get("fullname"), Email: c.p.Get("email")}, nil
}

// newUserFromParams checks every parameter of a new account and returns
// it without storing it.
func (c *call) newUserFromParams() (*User, *mgrError) {
	u, e := c.newAccount(levelUser)
	if e != nil {
		return nil, e
	}
	u.Comment = c.p.Get("comment")
	if c.user.Level < levelAdmin {
		u.Owner = c.user.Name
	} else if o := c.p.Get("owner"); o != "" {
		if r := c.st.Users[o]; r == nil || r.Level != levelReseller {
			return nil, badValue("owner", o)
		}
		u.Owner = o
	}
	if e := c.applyPresetAndLimits(u); e != nil {
		return nil, e
	}
	if st := c.p.Get("status"); st == "off" || st == "2" {
		u.Active = false
	}
	return u, nil
}

// applyPresetAndLimits copies a named preset's limits into u, then the
// explicit limit_* parameters over them.
func (c *call) applyPresetAndLimits(u *User) *mgrError {
	limits := copyLimits(u.Limits)
	preset := u.Preset
	if name := c.p.Get("preset"); name != "" && name != "custom" {
		p := c.st.Presets[name]
		if p == nil {
			return badValue("preset", name)
		}
		preset = name
		limits = copyLimits(p.Limits)
	}
	if e := c.readLimits(limits); e != nil {
		return e
	}
	u.Preset, u.Limits = preset, limits
	return nil
}

// copyLimits is a copy of limits to change without touching the original:
// a fresh map, never nil, even for none.
func copyLimits(limits map[string]int) map[string]int {
	out := make(map[string]int, len(limits))
	for k, v := range limits {
		out[k] = v
	}
	return out
}

// readLimits applies the limit_* parameters sent: a number sets the limit
// (an empty value is not sent, so it keeps the limit).
func (c *call) readLimits(limits map[string]int) *mgrError {
	for _, l := range limitNames {
		key := "limit_" + l
		if !c.p.Has(key) {
			continue
		}
		v := c.p.Get(key)
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badValue(key, v)
		}
		limits[l] = n
	}
	return nil
}

func userCreate(c *call) (result, *mgrError) {
	u, e := c.newUserFromParams()
	if e != nil {
		return nil, e
	}
	c.storeUser(u)
	return okResult{}, nil
}

func (c *call) storeUser(u *User) {
	u.ID = c.tx.NextID(Name + ".user")
	c.st.Users[u.Name] = u
}

func userChange(c *call, u *User) (result, *mgrError) {
	pass := c.p.Get("passwd")
	if e := c.checkConfirm(pass); e != nil {
		return nil, e
	}
	next := *u
	if e := c.applyPresetAndLimits(&next); e != nil {
		return nil, e
	}
	if pass != "" {
		next.Password = pass
	}
	c.setIfSent("fullname", &next.FullName)
	c.setIfSent("email", &next.Email)
	c.setIfSent("comment", &next.Comment)
	*u = next
	return okResult{}, nil
}

// userAddFinish is the wizard's last step: the user and, unless switched
// off, its first web and mail domains and FTP account, all checked before
// anything is made. The site and the mail domain get the user's first
// address (the dedicated one with ipsrc=auto) and count against the
// limits the user was just given.
func userAddFinish(c *call) (result, *mgrError) {
	u, e := c.newUserFromParams()
	if e != nil {
		return nil, e
	}
	var web *WebDomain
	var mail *EmailDomain
	dedicated, e := c.wizardAddress(u)
	if e != nil {
		return nil, e
	}
	if name := domainParam(c, "webdomain"); name != "" {
		if web, e = c.newWebDomain(u, name); e != nil {
			return nil, e
		}
		if dedicated != nil {
			web.IPAddr = dedicated.IP
		}
	}
	if name := domainParam(c, "emaildomain"); name != "" {
		if mail, e = c.newEmailDomain(u, name); e != nil {
			return nil, e
		}
		if dedicated != nil {
			mail.IPAddr = dedicated.IP
		}
	}
	var ftp *FTPUser
	if name := c.p.Get("ftp_user_name"); name != "" && c.p.Get("ftp_user") != "off" {
		if ftp, e = c.newFTPUser(u, name, u.Password); e != nil {
			return nil, e
		}
	}
	c.storeUser(u)
	if ftp != nil {
		c.storeFTPUser(ftp)
	}
	if dedicated != nil {
		c.storeDedicated(dedicated, u.Name)
	}
	if web != nil {
		c.storeWebDomain(web)
	}
	if mail != nil {
		c.storeEmailDomain(mail)
	}
	return okResult{}, nil
}

// wizardAddress is the dedicated address user.add.finish gives the new
// user with ipsrc=auto (iptype= names the family, as the official billing
// module sends it); nil for do_not_assign or no ipsrc (shared addresses).
func (c *call) wizardAddress(u *User) (*IP, *mgrError) {
	if c.p.Get("ipsrc") != "auto" {
		return nil, nil
	}
	if e := checkLimit(u, "ipaddrs", 0); e != nil {
		return nil, e
	}
	ip := c.st.allocateAny(c.p.Get("iptype"))
	if ip == nil {
		return nil, badValue("iptype", c.p.Get("iptype"))
	}
	return ip, nil
}

// storeDedicated allocates ip in IPmanager and assigns it in ISPmanager.
func (c *call) storeDedicated(ip *IP, owner string) {
	ip.ID = c.tx.NextID(Name + ".ip")
	ip.Note = "ISPmanager " + owner
	c.st.IPs[ip.IP] = ip
	c.st.IPAddrs[ip.IP] = &IPAddr{ID: c.tx.NextID(Name + ".ipaddr"), IP: ip.IP, Role: roleAssigned, Owner: owner, Allocated: true}
}

// domainParam reads the wizard's <kind>_name unless <kind>=off.
func domainParam(c *call, kind string) string {
	if c.p.Get(kind) == "off" {
		return ""
	}
	return normDomain(c.p.Get(kind + "_name"))
}

// userDelete removes accounts with everything they own.
func userDelete(c *call) (result, *mgrError) {
	return forEachElid(c, c.managedUser, func(u *User) { c.st.deleteUser(u.Name) })
}

func (st *State) deleteUser(name string) {
	dropOwned(st.WebDomains, webOwner, name)
	for k, v := range st.EmailDomains {
		if v.Owner == name {
			st.deleteEmailDomain(k)
		}
	}
	dropOwned(st.Zones, zoneOwner, name)
	dropOwned(st.DBs, dbOwner, name)
	dropOwned(st.FTPUsers, ftpOwner, name)
	// Dedicated addresses go back: released in IPmanager when they came
	// from there, shared otherwise.
	for _, ip := range ordered.Keys(st.IPAddrs) {
		if a := st.IPAddrs[ip]; a.Owner == name && a.Allocated {
			st.removeIPAddr(ip)
		} else if a.Owner == name {
			a.Owner, a.Role = "", roleShared
		}
	}
	for _, sp := range st.Spaces {
		kept := sp.Users[:0:0]
		for _, u := range sp.Users {
			if u != name {
				kept = append(kept, u)
			}
		}
		sp.Users = kept
	}
	// A reseller's users stay, the administrators' from now on: an
	// account later made under the same name gains no one.
	for _, u := range st.Users {
		if u.Owner == name {
			u.Owner = ""
		}
	}
	st.dropSessionsOf(name)
	for k, v := range st.Keys {
		if v.User == name {
			delete(st.Keys, k)
		}
	}
	delete(st.Users, name)
}

func (st *State) dropSessionsOf(name string) {
	for id, s := range st.Sessions {
		if s.User == name {
			delete(st.Sessions, id)
		}
	}
}

// userSetActive is func=user.suspend and user.resume.
func userSetActive(active bool) func(c *call) (result, *mgrError) {
	return func(c *call) (result, *mgrError) {
		return forEachElid(c, c.managedUser, func(u *User) {
			u.Active = active
			if !active {
				c.st.dropSessionsOf(u.Name)
			}
		})
	}
}

var presetCols = func() []column {
	cols := []column{{name: "id", numeric: true}, {name: "name"}}
	for _, l := range limitNames {
		cols = append(cols, column{name: "limit_" + l, numeric: true})
	}
	return cols
}()

// presetList is func=preset.
func presetList(c *call) (result, *mgrError) {
	return listResult{key: "name", cols: presetCols, elems: listElems(c.st.Presets, nil, presetElem)}, nil
}

func presetElem(p *Preset) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(p.ID, 10))
	e.AddText("name", p.Name)
	addLimits(e, p.Limits)
	return e
}

func addLimits(n *Node, limits map[string]int) {
	for _, l := range limitNames {
		if v, ok := limits[l]; ok {
			n.AddText("limit_"+l, itoa(v))
		}
	}
}

// presetEdit is func=preset.edit; resellers see the templates, only
// administrators change them.
func presetEdit(c *call) (result, *mgrError) {
	return editFlow[*Preset]{
		lookup:    (*call).lookupPreset,
		blankForm: nameOnlyForm,
		form: func(p *Preset, elid string) result {
			f := fieldsNode()
			f.AddText("name", p.Name)
			addLimits(f, p.Limits)
			return formResult{elid: elid, fields: f}
		},
		create: presetCreate,
		update: func(c *call, p *Preset) (result, *mgrError) {
			limits := copyLimits(p.Limits)
			if e := c.readLimits(limits); e != nil {
				return nil, e
			}
			p.Limits = limits
			return ok()
		},
		submitLevel: levelAdmin,
	}.run(c, c.p.Get("elid"))
}

// presetCreate adds a template: its limits are checked before its name.
func presetCreate(c *call) (result, *mgrError) {
	limits := map[string]int{}
	if e := c.readLimits(limits); e != nil {
		return nil, e
	}
	name, e := c.require("name")
	if e != nil {
		return nil, e
	}
	if !presetName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.Presets[name] != nil {
		return nil, exists("preset", name)
	}
	c.st.Presets[name] = &Preset{ID: c.tx.NextID(Name + ".preset"), Name: name, Limits: limits}
	return ok()
}

// lookupPreset finds the template an elid names.
func (c *call) lookupPreset(elid string) (*Preset, *mgrError) {
	if p := c.st.Presets[elid]; p != nil {
		return p, nil
	}
	return nil, notFound("preset", elid)
}

// presetDelete removes templates; users keep the limits they were given.
func presetDelete(c *call) (result, *mgrError) {
	known := func(name string) (string, *mgrError) {
		_, e := c.lookupPreset(name)
		return name, e
	}
	return forEachElid(c, known, func(name string) { delete(c.st.Presets, name) })
}

// usrparam is the caller's own settings; with sok it changes the password
// (the official module calls it with su=<user>).
func usrparam(c *call) (result, *mgrError) {
	u := c.user
	if !c.sok() {
		f := fieldsNode()
		f.AddText("name", u.Name)
		f.AddText("fullname", u.FullName)
		f.AddText("email", u.Email)
		f.AddText("lang", c.lang)
		return formResult{fields: f}, nil
	}
	return c.changeAccount(u)
}

// changeAccount sets an account's own settings the call sends: a new
// password (confirmed if confirm is sent), full name and e-mail.
func (c *call) changeAccount(u *User) (result, *mgrError) {
	pass := c.p.Get("passwd")
	if e := c.checkConfirm(pass); e != nil {
		return nil, e
	}
	if pass != "" {
		u.Password = pass
	}
	c.setIfSent("fullname", &u.FullName)
	c.setIfSent("email", &u.Email)
	return ok()
}

// sessionNewKey is func=session.newkey: a one-time login key for a user.
func sessionNewKey(c *call) (result, *mgrError) {
	if e := c.st.newKey(c.tx, c.actor, c.req.Mgr, c.p.Get("username"), c.p.Get("key")); e != nil {
		return nil, e
	}
	return ok()
}

package ispmgr

import "strconv"

// whoamiResult is func=whoami: who the call runs as (the su user when su
// is given), as <user name=… level=…/>. Clients call it to test a
// connection and the credentials; mgr5's own test harness does the same
// (see REFERENCE.md).
type whoamiResult struct{ u *User }

func (r whoamiResult) fill(_ *call, doc *Node) {
	doc.Add("user").Set("name", r.u.Name).Set("level", itoa(r.u.Level))
}

func whoami(c *call) (result, *mgrError) { return whoamiResult{c.user}, nil }

var adminCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "fullname"}, {name: "active"}, {name: "level", numeric: true}}

// adminList is func=admin: the administrators.
func adminList(c *call) (result, *mgrError) {
	isAdmin := func(u *User) bool { return u.Level >= levelAdmin }
	elem := func(u *User) *Node {
		e := newNode("elem")
		e.AddText("id", strconv.FormatInt(u.ID, 10))
		e.AddText("name", u.Name)
		e.AddText("fullname", u.FullName)
		e.AddText("active", onOff(u.Active))
		e.AddText("level", itoa(u.Level))
		return e
	}
	return listResult{key: "name", cols: adminCols, elems: listElems(c.st.Users, isAdmin, elem)}, nil
}

// adminEdit is func=admin.edit, the seed's own error example: a new
// administrator (name, passwd, confirm, fullname) or a change; a taken
// name is the exists error of object user, as the seed shows it.
func adminEdit(c *call) (result, *mgrError) {
	return editFlow[*User]{
		lookup:    (*call).lookupAdmin,
		blankForm: nameOnlyForm,
		form: func(u *User, _ string) result {
			f := fieldsNode()
			f.AddText("name", u.Name)
			f.AddText("fullname", u.FullName)
			f.AddText("email", u.Email)
			f.AddText("active", onOff(u.Active))
			return formResult{elid: u.Name, fields: f}
		},
		create: adminCreate,
		update: (*call).changeAccount,
	}.run(c, c.p.Get("elid"))
}

func adminCreate(c *call) (result, *mgrError) {
	u, e := c.newAccount(levelAdmin)
	if e != nil {
		return nil, e
	}
	c.storeUser(u)
	return ok()
}

// lookupAdmin finds an administrator by name.
func (c *call) lookupAdmin(name string) (*User, *mgrError) {
	if u := c.st.Users[name]; u != nil && u.Level >= levelAdmin {
		return u, nil
	}
	return nil, notFound("admin", name)
}

// adminDelete removes administrators, never the caller itself.
func adminDelete(c *call) (result, *mgrError) {
	other := func(name string) (*User, *mgrError) {
		u, e := c.lookupAdmin(name)
		if e == nil && u.Name == c.actor.Name {
			return nil, errorf(errAccess, "admin", name)
		}
		return u, e
	}
	return forEachElid(c, other, func(u *User) { c.st.deleteUser(u.Name) })
}

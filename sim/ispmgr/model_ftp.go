package ispmgr

import (
	"path"
	"strconv"
	"strings"
)

// FTPUser is an FTP account of a panel user (func=ftp.user): it logs in
// with its own password into a directory of its owner's home.
type FTPUser struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	Password string `json:"password"`
	// Home is the directory relative to the owner's home ("/" is the home).
	Home   string `json:"home"`
	Active bool   `json:"active"`
}

func ftpOwner(f *FTPUser) string { return f.Owner }

var ftpCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "owner"}, {name: "home"}, {name: "active"}}

// ftpUserList is func=ftp.user: the FTP accounts the caller sees.
func ftpUserList(c *call) (result, *mgrError) {
	return listResult{key: "name", cols: ftpCols, elems: listElems(c.st.FTPUsers, visibleTo(c, ftpOwner), ftpElem)}, nil
}

func ftpElem(f *FTPUser) *Node {
	e := newNode("elem")
	e.AddText("id", strconv.FormatInt(f.ID, 10))
	e.AddText("name", f.Name)
	e.AddText("owner", f.Owner)
	e.AddText("home", f.Home)
	e.AddText("active", onOff(f.Active))
	return e
}

// ftpUserEdit is func=ftp.user.edit: name, owner (administrators and
// resellers), passwd/confirm and home, as the PHP and Go clients send them.
func ftpUserEdit(c *call) (result, *mgrError) {
	return editFlow[*FTPUser]{
		lookup: func(c *call, elid string) (*FTPUser, *mgrError) {
			return lookupVisible(c, c.st.FTPUsers, ftpOwner, "ftp.user", elid)
		},
		blankForm: func() result {
			f := fieldsNode()
			f.Add("name")
			f.AddText("home", "/")
			return formResult{fields: f}
		},
		form: func(u *FTPUser, _ string) result {
			f := fieldsNode()
			f.AddText("name", u.Name)
			f.AddText("owner", u.Owner)
			f.AddText("home", u.Home)
			f.AddText("active", onOff(u.Active))
			return formResult{elid: u.Name, fields: f}
		},
		create: func(c *call) (result, *mgrError) {
			owner, name, e := c.ownerAndName()
			if e != nil {
				return nil, e
			}
			pass, e := c.require("passwd")
			if e != nil {
				return nil, e
			}
			u, e := c.newFTPUser(owner, name, pass)
			if e != nil {
				return nil, e
			}
			c.storeFTPUser(u)
			return ok()
		},
		update: func(c *call, u *FTPUser) (result, *mgrError) {
			next := *u
			if e := c.ftpParams(&next); e != nil {
				return nil, e
			}
			if pass := c.p.Get("passwd"); pass != "" {
				next.Password = pass
			}
			*u = next
			return ok()
		},
	}.run(c, c.p.Get("elid"))
}

// newFTPUser checks a new FTP account of owner and returns it unstored.
func (c *call) newFTPUser(owner *User, name, pass string) (*FTPUser, *mgrError) {
	if !userName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.FTPUsers[name] != nil {
		return nil, exists("ftp.user", name)
	}
	if e := checkLimit(owner, "ftp_users", ownedCount(c.st.FTPUsers, ftpOwner, owner.Name)); e != nil {
		return nil, e
	}
	u := &FTPUser{Name: name, Owner: owner.Name, Password: pass, Home: "/", Active: true}
	if e := c.ftpParams(u); e != nil {
		return nil, e
	}
	return u, nil
}

// ftpParams applies the changeable parameters: confirm (against passwd)
// and home, a directory inside the owner's home.
func (c *call) ftpParams(u *FTPUser) *mgrError {
	if e := c.checkConfirm(c.p.Get("passwd")); e != nil {
		return e
	}
	if h := c.p.Get("home"); h != "" {
		clean := path.Clean("/" + h)
		if strings.Contains(h, "..") || strings.ContainsAny(h, "\x00\n") {
			return badValue("home", h)
		}
		u.Home = clean
	}
	return nil
}

func (c *call) storeFTPUser(u *FTPUser) {
	u.ID = c.tx.NextID(Name + ".ftpuser")
	c.st.FTPUsers[u.Name] = u
}

func ftpUserDelete(c *call) (result, *mgrError) {
	return forEachElid(c, visibleID(c, c.st.FTPUsers, ftpOwner, "ftp.user"), func(id string) {
		delete(c.st.FTPUsers, id)
	})
}

// ftpUserSetActive is func=ftp.user.suspend and ftp.user.resume.
func ftpUserSetActive(active bool) func(c *call) (result, *mgrError) {
	return func(c *call) (result, *mgrError) {
		return forEachElid(c, visibleID(c, c.st.FTPUsers, ftpOwner, "ftp.user"), func(id string) {
			c.st.FTPUsers[id].Active = active
		})
	}
}

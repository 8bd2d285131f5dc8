package ispmgr

import (
	"regexp"
	"strconv"

	"github.com/panelsim/panelsim/internal/ordered"
)

// DBServer is a database server the panel creates databases on
// (func=db.server): the local MySQL and PostgreSQL unless the
// administrator adds others.
type DBServer struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Host         string `json:"host"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	Version      string `json:"version,omitempty"`
	RemoteAccess bool   `json:"remote_access"`
}

// dbServerName is what the panel accepts as a server's name.
var dbServerName = regexp.MustCompile(`^[A-Za-z0-9_.\-]{1,64}$`)

// defaultDBServers are the servers of a fresh panel, one per database
// type, named as the panel names its local servers.
var defaultDBServers = []DBServer{
	{Name: "MySQL", Type: "mysql", Host: "localhost", Username: "root", Version: "8.0"},
	{Name: "PostgreSQL", Type: "postgresql", Host: "localhost", Username: "postgres", Version: "15"},
}

// dbTypes are the database types the panel knows.
var dbTypes = map[string]bool{"mysql": true, "postgresql": true}

// serverFor resolves where a new database goes: the server named by
// server= (its type wins), or the first server of type= (mysql when
// absent).
func (c *call) serverFor() (*DBServer, *mgrError) {
	if name := c.p.Get("server"); name != "" {
		s := c.st.DBServers[name]
		if s == nil {
			return nil, badValue("server", name)
		}
		return s, nil
	}
	typ := orDefault(c.p.Get("type"), "mysql")
	for _, name := range ordered.Keys(c.st.DBServers) {
		if s := c.st.DBServers[name]; s.Type == typ {
			return s, nil
		}
	}
	return nil, badValue("type", typ)
}

var dbServerCols = []column{{name: "id", numeric: true}, {name: "name"}, {name: "type"}, {name: "host"},
	{name: "username"}, {name: "version"}, {name: "remote_access"}, {name: "db_count", numeric: true}}

// dbServerList is func=db.server: every user sees the servers (the
// database form offers them); only administrators change them.
func dbServerList(c *call) (result, *mgrError) {
	elem := func(s *DBServer) *Node {
		e := newNode("elem")
		e.AddText("id", strconv.FormatInt(s.ID, 10))
		e.AddText("name", s.Name)
		e.AddText("type", s.Type)
		e.AddText("host", s.Host)
		e.AddText("username", s.Username)
		e.AddText("version", s.Version)
		e.AddText("remote_access", onOff(s.RemoteAccess))
		e.AddText("db_count", itoa(ownedCount(c.st.DBs, dbServerOf, s.Name)))
		return e
	}
	return listResult{key: "name", cols: dbServerCols, elems: listElems(c.st.DBServers, nil, elem)}, nil
}

func dbServerOf(d *Database) string { return d.Server }

// dbServerEdit is func=db.server.edit with the fields the migration tools
// send: name, type, host, username, password, version, remote_access.
func dbServerEdit(c *call) (result, *mgrError) {
	return editFlow[*DBServer]{
		lookup: func(c *call, elid string) (*DBServer, *mgrError) {
			if s := c.st.DBServers[elid]; s != nil {
				return s, nil
			}
			return nil, notFound("db.server", elid)
		},
		blankForm: func() result {
			f := fieldsNode()
			f.Add("name")
			f.AddText("type", "mysql")
			f.AddText("host", "localhost")
			return formResult{fields: f}
		},
		form: func(s *DBServer, _ string) result {
			f := fieldsNode()
			f.AddText("name", s.Name)
			f.AddText("type", s.Type)
			f.AddText("host", s.Host)
			f.AddText("username", s.Username)
			f.AddText("version", s.Version)
			f.AddText("remote_access", onOff(s.RemoteAccess))
			return formResult{elid: s.Name, fields: f}
		},
		create:      dbServerCreate,
		update:      dbServerChange,
		submitLevel: levelAdmin,
	}.run(c, c.p.Get("elid"))
}

func dbServerCreate(c *call) (result, *mgrError) {
	name, e := c.require("name")
	if e != nil {
		return nil, e
	}
	if !dbServerName.MatchString(name) {
		return nil, badValue("name", name)
	}
	if c.st.DBServers[name] != nil {
		return nil, exists("db.server", name)
	}
	typ := orDefault(c.p.Get("type"), "mysql")
	if !dbTypes[typ] {
		return nil, badValue("type", typ)
	}
	pass, e := c.require("password")
	if e != nil {
		return nil, e
	}
	s := &DBServer{Name: name, Type: typ, Host: "localhost", Username: "root", Password: pass}
	dbServerParams(c, s)
	s.ID = c.tx.NextID(Name + ".dbserver")
	c.st.DBServers[name] = s
	return ok()
}

func dbServerChange(c *call, s *DBServer) (result, *mgrError) {
	if t := c.p.Get("type"); t != "" && t != s.Type {
		return nil, badValue("type", t)
	}
	dbServerParams(c, s)
	if pass := c.p.Get("password"); pass != "" {
		s.Password = pass
	}
	return ok()
}

// dbServerParams applies the fields a change may set.
func dbServerParams(c *call, s *DBServer) {
	c.setIfSent("host", &s.Host)
	c.setIfSent("username", &s.Username)
	c.setIfSent("version", &s.Version)
	if c.p.Has("remote_access") {
		s.RemoteAccess = isOn(c.p.Get("remote_access"))
	}
}

// dbServerDelete removes servers that hold no database (the used error
// names the first one that does).
func dbServerDelete(c *call) (result, *mgrError) {
	unused := func(name string) (string, *mgrError) {
		if c.st.DBServers[name] == nil {
			return "", notFound("db.server", name)
		}
		if ownedCount(c.st.DBs, dbServerOf, name) > 0 {
			return "", errorf(errUsed, "db.server", name)
		}
		return name, nil
	}
	return forEachElid(c, unused, func(name string) { delete(c.st.DBServers, name) })
}

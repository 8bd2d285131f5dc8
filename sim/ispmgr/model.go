package ispmgr

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/panelsim/panelsim/internal/ordered"
	"github.com/panelsim/panelsim/state"
)

// Access levels as mgr5 reports them in <auth level=...>.
const (
	levelUser     = 16
	levelReseller = 20
	levelAdmin    = 30
)

// levelNames are the scenario spellings of the levels.
var levelNames = map[string]int{"user": levelUser, "reseller": levelReseller, "admin": levelAdmin}

// The two products served from this package.
const (
	mgrISP = "ispmgr"
	mgrIP  = "ipmgr"
)

// timingSessionIdle is how long a session lives after its last request.
const timingSessionIdle = Name + ".session_idle"

// defaultSessionIdle is the documented mgr5 idle expiry.
const defaultSessionIdle = time.Hour

// State is everything the panel remembers in one world. Both products
// share the account table (root, admin1 and vasya log in to either).
type State struct {
	Lang string `json:"lang"`
	Host string `json:"host"`
	// AuthinfoFrom limits authinfo= logins to these networks (the panel's
	// RestrictAuthinfoRange); empty allows every address.
	AuthinfoFrom []string                `json:"authinfo_from,omitempty"`
	Users        map[string]*User        `json:"users"`
	Presets      map[string]*Preset      `json:"presets"`
	WebDomains   map[string]*WebDomain   `json:"webdomains"`
	EmailDomains map[string]*EmailDomain `json:"emaildomains"`
	Mailboxes    map[string]*Mailbox     `json:"mailboxes"`
	Zones        map[string]*Zone        `json:"zones"`
	DBs          map[string]*Database    `json:"dbs"`
	DBServers    map[string]*DBServer    `json:"dbservers"`
	FTPUsers     map[string]*FTPUser     `json:"ftpusers"`
	IPAddrs      map[string]*IPAddr      `json:"ipaddrs"`
	Spaces       map[string]*Space       `json:"userspaces"`
	Nets         map[string]*Net         `json:"ipnets"`
	IPs          map[string]*IP          `json:"ips"`
	Sessions     map[string]*Session     `json:"sessions"`
	Keys         map[string]*Key         `json:"keys"`

	sessionPurge state.Purge
}

// newState makes an empty state with every map ready.
func newState() *State {
	return &State{
		Lang: "en", Users: map[string]*User{}, Presets: map[string]*Preset{},
		WebDomains: map[string]*WebDomain{}, EmailDomains: map[string]*EmailDomain{},
		Mailboxes: map[string]*Mailbox{}, Zones: map[string]*Zone{}, DBs: map[string]*Database{},
		DBServers: map[string]*DBServer{}, FTPUsers: map[string]*FTPUser{},
		IPAddrs: map[string]*IPAddr{}, Spaces: map[string]*Space{}, Nets: map[string]*Net{},
		IPs: map[string]*IP{}, Sessions: map[string]*Session{}, Keys: map[string]*Key{},
	}
}

// UnmarshalJSON restores a snapshot: tables missing, null or holding null
// entries come back empty, and a language the panel does not speak falls
// back to English, so a hand-edited snapshot cannot leave the panel
// failing every call.
func (st *State) UnmarshalJSON(b []byte) error {
	type plain State
	p := plain(*newState())
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*st = State(p)
	if !languages[st.Lang] {
		st.Lang = "en"
	}
	st.Users, st.Presets = tidy(st.Users), tidy(st.Presets)
	st.WebDomains, st.EmailDomains, st.Mailboxes = tidy(st.WebDomains), tidy(st.EmailDomains), tidy(st.Mailboxes)
	st.Zones, st.DBs, st.IPAddrs = tidy(st.Zones), tidy(st.DBs), tidy(st.IPAddrs)
	st.Spaces, st.Nets, st.IPs = tidy(st.Spaces), tidy(st.Nets), tidy(st.IPs)
	st.Sessions, st.Keys = tidy(st.Sessions), tidy(st.Keys)
	st.DBServers, st.FTPUsers = tidy(st.DBServers), tidy(st.FTPUsers)
	return nil
}

// tidy is a restored table without null entries, empty rather than nil.
func tidy[V any](m map[string]*V) map[string]*V {
	out := make(map[string]*V, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// User is a panel account: an administrator, a reseller or a user.
type User struct {
	ID        int64          `json:"id"`
	Name      string         `json:"name"`
	Password  string         `json:"password"`
	FullName  string         `json:"fullname,omitempty"`
	Email     string         `json:"email,omitempty"`
	Comment   string         `json:"comment,omitempty"`
	Level     int            `json:"level"`
	Owner     string         `json:"owner,omitempty"`
	Preset    string         `json:"preset,omitempty"`
	Active    bool           `json:"active"`
	Limits    map[string]int `json:"limits,omitempty"`
	QuotaUsed int            `json:"quota_used,omitempty"`
}

// Preset is a user template: the limits new users get.
type Preset struct {
	ID     int64          `json:"id"`
	Name   string         `json:"name"`
	Limits map[string]int `json:"limits,omitempty"`
}

// Session is a login made with func=auth. A session made from a one-time
// key is not bound to the client address.
type Session struct {
	ID       string    `json:"id"`
	User     string    `json:"user"`
	Mgr      string    `json:"mgr"`
	IP       string    `json:"ip,omitempty"`
	Bound    bool      `json:"bound"`
	LastUsed time.Time `json:"last_used"`
}

// Key is a one-time login key made by session.newkey. A key made without
// username may log in anyone its creator may act as (su rules).
type Key struct {
	Key     string    `json:"key"`
	User    string    `json:"user,omitempty"`
	Creator string    `json:"creator"`
	Mgr     string    `json:"mgr"`
	Created time.Time `json:"created"`
}

// limitNames are the preset and user limits, without the limit_ prefix
// they carry on the wire. The panel enforces the object counts
// (webdomains, emaildomains, emails, domains, db, ftp_users, ipaddrs); the others are
// kept and shown as the real panel's resource limits are, not enforced.
var limitNames = []string{"webdomains", "emaildomains", "emails", "domains", "db", "quota", "ipaddrs",
	"traff", "db_users", "ftp_users", "cpu", "memory", "process", "email_quota"}

func isLimitName(s string) bool {
	for _, n := range limitNames {
		if n == s {
			return true
		}
	}
	return false
}

// newSessionID draws a 24-hex-digit session id from the world's RNG.
func newSessionID(tx *state.Tx) string {
	r := tx.Rand()
	return fmt.Sprintf("%016x%08x", r.Uint64(), r.Uint32())
}

// sessionIdle is the configured idle lifetime of sessions.
func sessionIdle(tx *state.Tx) time.Duration { return tx.Timing(timingSessionIdle) }

// login checks a username and password. Disabled accounts fail like a
// wrong password: the panel does not tell an attacker which one it was.
func (st *State) login(name, password string) (*User, *mgrError) {
	u := st.Users[name]
	if u == nil || u.Password != password || password == "" || !u.Active {
		return nil, errorf(errAuth, objBadPassword, "")
	}
	return u, nil
}

// authinfoAllowed applies the authinfo address restriction.
func (st *State) authinfoAllowed(ip string) bool {
	if len(st.AuthinfoFrom) == 0 {
		return true
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, r := range st.AuthinfoFrom {
		if p, err := netip.ParsePrefix(r); err == nil && p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// openSession makes a session for u.
func (st *State) openSession(tx *state.Tx, u *User, mgr, ip string, bound bool) *Session {
	st.dropExpiredSessions(tx)
	s := &Session{ID: newSessionID(tx), User: u.Name, Mgr: mgr, IP: ip, Bound: bound, LastUsed: tx.Now()}
	for st.Sessions[s.ID] != nil {
		s.ID = newSessionID(tx)
	}
	st.Sessions[s.ID] = s
	tx.Note("session %s for %s on %s (bound to %q)", s.ID, u.Name, mgr, ip)
	return s
}

// dropExpiredSessions forgets sessions idle for longer than the lifetime,
// amortised over logins (see state.PurgeDead).
func (st *State) dropExpiredSessions(tx *state.Tx) {
	state.PurgeDead(&st.sessionPurge, st.Sessions, func(s *Session) bool { return s.expired(tx) })
}

func (s *Session) expired(tx *state.Tx) bool {
	return tx.Now().Sub(s.LastUsed) >= sessionIdle(tx)
}

// useSession resolves auth=<sid>: the session must exist, belong to this
// product, come from the address it was opened from (unless made from a
// key) and not be idle for an hour. Using it restarts the idle hour.
func (st *State) useSession(tx *state.Tx, sid, mgr, ip string) (*User, *mgrError) {
	s := st.Sessions[sid]
	if s == nil || s.Mgr != mgr || (s.Bound && s.IP != ip) {
		return nil, errorf(errAuth, "expired", "")
	}
	if s.expired(tx) {
		tx.CoverAuth(Name, authExpired)
		delete(st.Sessions, sid)
		return nil, errorf(errAuth, "expired", "")
	}
	u := st.Users[s.User]
	if u == nil || !u.Active {
		delete(st.Sessions, sid)
		return nil, errorf(errAuth, "disabled", "")
	}
	s.LastUsed = tx.Now()
	return u, nil
}

// newKey stores a one-time login key (session.newkey). username names the
// user the key logs in; some clients leave it out and name the user only
// at login, which the creator's su rights then cover.
func (st *State) newKey(tx *state.Tx, creator *User, mgr, username, key string) *mgrError {
	if key == "" {
		return missed("key")
	}
	if len([]rune(key)) < 16 {
		return badValue("key", key)
	}
	if username != "" && st.Users[username] == nil {
		return notFound("user", username)
	}
	st.Keys[key] = &Key{Key: key, User: username, Creator: creator.Name, Mgr: mgr, Created: tx.Now()}
	tx.Note("one-time key for %q by %s on %s", username, creator.Name, mgr)
	return nil
}

// useKey logs a user in with a one-time key and deletes the key. The
// session is not bound to the client address.
func (st *State) useKey(tx *state.Tx, mgr, username, key string) (*Session, *User, *mgrError) {
	k := st.Keys[key]
	if k == nil || k.Mgr != mgr || (k.User != "" && k.User != username) || !st.keyCovers(k, username) {
		return nil, nil, errorf(errAuth, objBadPassword, "")
	}
	u := st.Users[username]
	if u == nil || !u.Active {
		return nil, nil, errorf(errAuth, objBadPassword, "")
	}
	delete(st.Keys, key)
	return st.openSession(tx, u, mgr, "", false), u, nil
}

// keyCovers says whether a key made without a username may log in user:
// only if its creator still exists and may act as that user.
func (st *State) keyCovers(k *Key, user string) bool {
	if k.User != "" {
		return true
	}
	creator := st.Users[k.Creator]
	if creator == nil {
		return false
	}
	_, e := st.canSu(creator, user)
	return e == nil
}

// canSu applies the su rules: an administrator may act as anyone, a
// reseller as its own users, everyone else only as themselves.
func (st *State) canSu(actor *User, target string) (*User, *mgrError) {
	t := st.Users[target]
	if t == nil {
		return nil, notFound("user", target)
	}
	switch {
	case actor.Name == t.Name, actor.Level >= levelAdmin:
		return t, nil
	case actor.Level >= levelReseller && t.Owner == actor.Name:
		return t, nil
	}
	return nil, accessDenied("su")
}

// sees says whether actor may see objects owned by owner.
func (st *State) sees(actor *User, owner string) bool {
	switch {
	case actor.Level >= levelAdmin:
		return true
	case actor.Name == owner:
		return true
	case actor.Level >= levelReseller:
		o := st.Users[owner]
		return o != nil && o.Owner == actor.Name
	}
	return false
}

// SessionView is a session as the inspection hook shows it.
type SessionView struct {
	ID       string    `json:"id"`
	User     string    `json:"user"`
	Mgr      string    `json:"mgr"`
	IP       string    `json:"ip"`
	Bound    bool      `json:"bound"`
	LastUsed time.Time `json:"last_used"`
	Expires  time.Time `json:"expires"`
}

// KeyView is a one-time key as the inspection hook shows it.
type KeyView struct {
	Key     string    `json:"key"`
	User    string    `json:"user"`
	Creator string    `json:"creator"`
	Mgr     string    `json:"mgr"`
	Created time.Time `json:"created"`
}

// AuthView is what GET /_panelsim/ispmgr/sessions answers: the live
// sessions and the unused one-time keys, so a test can see what a billing
// system did without calling the panel.
type AuthView struct {
	Sessions []SessionView `json:"sessions"`
	Keys     []KeyView     `json:"keys"`
}

// Sessions lists the live (not expired) sessions and the unused keys.
func Sessions(tx *state.Tx) AuthView {
	st := state.PanelState[State](tx, Name)
	v := AuthView{Sessions: []SessionView{}, Keys: []KeyView{}}
	for _, id := range ordered.Keys(st.Sessions) {
		s := st.Sessions[id]
		if s.expired(tx) {
			continue
		}
		v.Sessions = append(v.Sessions, SessionView{ID: s.ID, User: s.User, Mgr: s.Mgr, IP: s.IP, Bound: s.Bound,
			LastUsed: s.LastUsed, Expires: s.LastUsed.Add(sessionIdle(tx))})
	}
	for _, k := range ordered.Keys(st.Keys) {
		key := st.Keys[k]
		v.Keys = append(v.Keys, KeyView{Key: key.Key, User: key.User, Creator: key.Creator, Mgr: key.Mgr, Created: key.Created})
	}
	return v
}

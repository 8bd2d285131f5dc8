package imserver

import (
	"fmt"
	"strconv"
	"time"

	"github.com/panelsim/panelsim/state"
)

// State is everything the IMserver panel remembers in one world. It is
// plain JSON-serialisable data so worlds can be snapshotted and forked.
type State struct {
	Accounts  map[string]*Account `json:"accounts"`
	Sessions  map[string]*Session `json:"sessions"`
	SMS       []SMSKey            `json:"sms"`
	Presets   []Preset            `json:"presets"`
	Templates []Template          `json:"templates"`
	ISOs      []ISO               `json:"isos"`
	Prices    Prices              `json:"prices"`
	Servers   map[int64]*Server   `json:"servers"`
	Tasks     map[int64]*Task     `json:"tasks"`
	Contracts map[int64]*Contract `json:"contracts"`
	Payments  map[int64]*Payment  `json:"payments"`
	Zones     map[int64]*Zone     `json:"zones"`
	Records   map[int64]*Record   `json:"records"`
	Networks  map[int64]*Network  `json:"networks"`
	Ifaces    map[int64]*Iface    `json:"ifaces"`
	Tickets   map[int64]*Ticket   `json:"tickets"`
	// Finished indexes the finished tasks for the history trim (derived
	// from Tasks, so no snapshot holds it; see state.Finished).
	Finished state.Finished[int64] `json:"-"`

	sessionPurge state.Purge
}

func newState() *State {
	return &State{
		Accounts: map[string]*Account{}, Sessions: map[string]*Session{},
		Servers: map[int64]*Server{}, Tasks: map[int64]*Task{}, Contracts: map[int64]*Contract{},
		Payments: map[int64]*Payment{}, Zones: map[int64]*Zone{}, Records: map[int64]*Record{},
		Networks: map[int64]*Network{}, Ifaces: map[int64]*Iface{}, Tickets: map[int64]*Ticket{},
	}
}

// The two-factor modes of an account (the vendor's "twofactorauth" option).
const (
	TwoFactorOff     = "off"
	TwoFactorSMS     = "sms"
	TwoFactorPasskey = "passkey"
)

// Account is a subscriber of the panel.
type Account struct {
	Login     string `json:"login"`
	Password  string `json:"password"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	TwoFactor string `json:"twofactorauth"`
	// Passkeys are the one-time eToken PASS codes still unused.
	Passkeys []string `json:"passkeys,omitempty"`
	// Key is the SMS key last sent (nil when none is live).
	Key *SMSKey `json:"key,omitempty"`
	// LastKeyAt is when a key was last sent, for the 30 s throttle.
	LastKeyAt time.Time `json:"last_key_at"`
}

// SMSKey is a key "sent" by SMS, kept for the inspection hook.
type SMSKey struct {
	Login    string    `json:"login"`
	Phone    string    `json:"phone"`
	Key      string    `json:"key"`
	Sent     time.Time `json:"sent"`
	Expires  time.Time `json:"expires"`
	Attempts int       `json:"attempts"`
	Used     bool      `json:"used"`
}

// Session is an authorisation session (32 lowercase hex characters).
type Session struct {
	ID      string    `json:"id"`
	Login   string    `json:"login"`
	Expires time.Time `json:"expires"`
}

// The fixed rules of the vendor's login.
const (
	smsKeyAttempts = 3
	sessionBytes   = 16
)

// model is one transaction's view of the panel: the world's Tx, the state
// and, after authentication, the account the session belongs to.
type model struct {
	tx    *state.Tx
	st    *State
	login string
	// public caches the public addresses held (publicAddrs).
	public map[string]bool
}

func newModel(tx *state.Tx) *model {
	return &model{tx: tx, st: state.PanelState[State](tx, Name)}
}

func (m *model) now() time.Time { return m.tx.Now() }

// LoginInput is the login command's parameters.
type LoginInput struct {
	Username, Password string
	SMSKey, Passkey    string
	SendKey            bool
}

// Login checks the credentials and the account's second factor and opens a
// session. With sendkey=1 on an SMS account it only sends a key.
func (m *model) Login(in LoginInput) (string, error) {
	a := m.st.Accounts[in.Username]
	if a == nil || a.Password != in.Password {
		return "", fail(CodeBadLogin, "wrong login or password for %q", in.Username)
	}
	path := authPassword
	switch a.TwoFactor {
	case TwoFactorSMS:
		if in.SendKey {
			return "", m.sendKey(a)
		}
		if err := m.checkSMSKey(a, in.SMSKey); err != nil {
			return "", err
		}
		path = authSMS
	case TwoFactorPasskey:
		if err := m.usePasskey(a, in.Passkey); err != nil {
			return "", err
		}
		path = authPasskey
	}
	m.tx.CoverAuth(Name, path)
	return m.openSession(a.Login), nil
}

func (m *model) sendKey(a *Account) error {
	now := m.now()
	if !a.LastKeyAt.IsZero() && now.Sub(a.LastKeyAt) < m.tx.Timing("imserver.smskey_resend") {
		return fail(CodeSMSThrottled, "an SMS key was sent at %s; ask again after %s", a.LastKeyAt.Format(time.RFC3339), m.tx.Timing("imserver.smskey_resend"))
	}
	key := SMSKey{
		Login: a.Login, Phone: a.Phone, Key: fmt.Sprintf("%06d", m.tx.Rand().IntN(1000000)),
		Sent: now, Expires: now.Add(m.tx.Timing("imserver.smskey_ttl")), Attempts: smsKeyAttempts,
	}
	a.Key, a.LastKeyAt = &key, now
	m.st.SMS = append(m.st.SMS, key)
	m.tx.Note("sms key %s sent to %s for %s", key.Key, a.Phone, a.Login)
	return fail(CodeSMSKeyNeeded, "SMS key sent to %s; log in with smskey", a.Phone)
}

// checkSMSKey spends one attempt of the live key; the third failure (or a
// success) ends the key.
func (m *model) checkSMSKey(a *Account, given string) error {
	if given == "" {
		return fail(CodeSMSKeyNeeded, "account %s needs an SMS key (send one with sendkey=1)", a.Login)
	}
	k := a.Key
	if k == nil || !m.now().Before(k.Expires) {
		a.Key = nil
		return fail(CodeSMSExpired, "no live SMS key for %s (keys live %s); send a new one", a.Login, m.tx.Timing("imserver.smskey_ttl"))
	}
	if k.Attempts <= 0 {
		a.Key = nil
		return fail(CodeSMSAttempts, "the SMS key was tried %d times; send a new one", smsKeyAttempts)
	}
	k.Attempts--
	m.syncSMS(*k)
	if !sameKey(given, k.Key) {
		if k.Attempts == 0 {
			a.Key = nil
			return fail(CodeSMSAttempts, "wrong SMS key, and that was the last of %d attempts", smsKeyAttempts)
		}
		return fail(CodeWrongKey, "wrong SMS key (%d attempts left)", k.Attempts)
	}
	k.Used = true
	m.syncSMS(*k)
	a.Key = nil
	return nil
}

// syncSMS updates the inspection copy of a sent key.
func (m *model) syncSMS(k SMSKey) {
	for i := len(m.st.SMS) - 1; i >= 0; i-- {
		if m.st.SMS[i].Login == k.Login && m.st.SMS[i].Sent.Equal(k.Sent) {
			m.st.SMS[i] = k
			return
		}
	}
}

// sameKey compares keys the way an int parameter is meant: the vendor
// documents smskey and passkey as int, so "012345" and 12345 are one key.
func sameKey(given, want string) bool {
	if given == want {
		return true
	}
	g, err1 := strconv.ParseUint(given, 10, 64)
	w, err2 := strconv.ParseUint(want, 10, 64)
	return err1 == nil && err2 == nil && g == w
}

func (m *model) usePasskey(a *Account, given string) error {
	if given == "" {
		return fail(CodePasskeyNeeded, "account %s needs an eToken PASS passkey", a.Login)
	}
	for i, pk := range a.Passkeys {
		if sameKey(given, pk) {
			a.Passkeys = append(a.Passkeys[:i:i], a.Passkeys[i+1:]...)
			return nil
		}
	}
	return fail(CodeWrongKey, "passkey %q is not a valid unused passkey of %s", given, a.Login)
}

func (m *model) openSession(login string) string {
	var b [sessionBytes]byte
	for {
		for i := range b {
			b[i] = byte(m.tx.Rand().UintN(256))
		}
		id := fmt.Sprintf("%x", b[:])
		if _, taken := m.st.Sessions[id]; !taken {
			now := m.now()
			state.PurgeDead(&m.st.sessionPurge, m.st.Sessions, func(s *Session) bool { return !now.Before(s.Expires) })
			m.st.Sessions[id] = &Session{ID: id, Login: login, Expires: m.now().Add(m.tx.Timing("imserver.session_ttl"))}
			return id
		}
	}
}

// Authenticate resolves a session to its account and slides its 24 h
// lifetime forward; expired sessions are dropped.
func (m *model) Authenticate(sess string) error {
	if sess == "" {
		return fail(CodeNoSession, "parameter sess is required")
	}
	s := m.st.Sessions[sess]
	if s == nil {
		return fail(CodeNoSession, "unknown or closed session")
	}
	if !m.now().Before(s.Expires) {
		m.tx.CoverAuth(Name, authExpired)
		delete(m.st.Sessions, sess)
		return fail(CodeNoSession, "session expired at %s", s.Expires.Format(time.RFC3339))
	}
	if m.st.Accounts[s.Login] == nil {
		return fail(CodeNoSession, "the session's account is gone")
	}
	s.Expires = m.now().Add(m.tx.Timing("imserver.session_ttl"))
	m.tx.CoverAuth(Name, authSession)
	m.login = s.Login
	return nil
}

// Logout closes the session.
func (m *model) Logout(sess string) string {
	delete(m.st.Sessions, sess)
	return sess
}

// AccountView is get_account's data.
type AccountView struct {
	Login         string `json:"login"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	Phone         string `json:"phone"`
	TwoFactorAuth string `json:"twofactorauth"`
	Balance       string `json:"balance"`
	Currency      string `json:"currency"`
	Servers       int    `json:"servers"`
}

// Account describes the logged-in account.
func (m *model) Account() AccountView {
	a := m.st.Accounts[m.login]
	n := 0
	for _, s := range m.st.Servers {
		if s.Owner == m.login {
			n++
		}
	}
	return AccountView{
		Login: a.Login, Name: a.Name, Email: a.Email, Phone: a.Phone, TwoFactorAuth: a.TwoFactor,
		Balance: money(m.totalBalance()), Currency: currency, Servers: n,
	}
}

// SentKeys lists every SMS key sent in the world, oldest first.
func (m *model) SentKeys() []SMSKey {
	return append([]SMSKey{}, m.st.SMS...)
}

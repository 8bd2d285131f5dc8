package dci6

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/panelsim/panelsim/state"
)

// defaultTokenTTL is the vendor's idle lifetime of a token.
const defaultTokenTTL = 60 * time.Minute

// maxTokenTTLMinutes (ten years) keeps the lifetime far from overflowing.
const maxTokenTTLMinutes = 10 * 365 * 24 * 60

// keyLifetime is how long a login key may be exchanged.
const keyLifetime = time.Hour

// Token is an auth v4 session token.
type Token struct {
	Token       string     `json:"token"`
	UserID      int64      `json:"user_id"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsed    time.Time  `json:"last_used"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	Description string     `json:"description,omitempty"`
}

// LoginKey is a one-time key an admin issues for a user.
type LoginKey struct {
	ID        int64     `json:"id"`
	Key       string    `json:"key"`
	UserID    int64     `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	Used      bool      `json:"used"`
}

// Caller is the authenticated user of a request.
type Caller struct {
	UserID int64
	Email  string
	Admin  bool
	Token  string
}

// TokenView is the answer of every call that issues a token.
type TokenView struct {
	Confirmed bool    `json:"confirmed"`
	ID        string  `json:"id"`
	Token     string  `json:"token"`
	ExpiresAt *string `json:"expires_at,omitempty"`
}

// KeyView is the answer of a key creation.
type KeyView struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// alive says whether a token is still valid at now under ttl.
func (t *Token) alive(now time.Time, ttl time.Duration) bool {
	if t.ExpiresAt != nil {
		return now.Before(*t.ExpiresAt)
	}
	return now.Sub(t.LastUsed) < ttl
}

func newToken(tx *state.Tx, s *State, u *User) *Token {
	now := tx.Now()
	t := &Token{Token: fmt.Sprintf("%d-%s", u.ID, tx.Faker().UUID()), UserID: u.ID, CreatedAt: now, LastUsed: now}
	state.PurgeDead(&s.tokenPurge, s.Tokens, func(t *Token) bool { return s.Users[t.UserID] == nil || !t.alive(now, s.TokenTTL) })
	s.Tokens[t.Token] = t
	return t
}

func tokenView(t *Token) TokenView {
	v := TokenView{Confirmed: true, ID: strconv.FormatInt(t.UserID, 10), Token: t.Token}
	if t.ExpiresAt != nil {
		e := formatTime(*t.ExpiresAt)
		v.ExpiresAt = &e
	}
	return v
}

// Login checks an email and password and issues a token. A wrong email and
// a wrong password answer the same error.
func Login(tx *state.Tx, email, password string) (TokenView, error) {
	s := st(tx)
	u := s.userByEmail(email)
	if u == nil || u.Password != password {
		return TokenView{}, newError(codeBadLogin, "Invalid email or password")
	}
	tx.CoverAuth(Name, authPassword)
	return tokenView(newToken(tx, s, u)), nil
}

func (s *State) userByEmail(email string) *User {
	for _, u := range s.Users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

// Authenticate resolves a token to its caller and, the timeout being idle
// time, renews it. Dead tokens are deleted, as the vendor does.
func Authenticate(tx *state.Tx, token string) (Caller, error) {
	s := st(tx)
	t := s.Tokens[token]
	if token == "" || t == nil {
		return Caller{}, unauthorized()
	}
	now := tx.Now()
	u := s.Users[t.UserID]
	if u == nil || !t.alive(now, s.TokenTTL) {
		tx.CoverAuth(Name, authExpired)
		delete(s.Tokens, token)
		return Caller{}, unauthorized()
	}
	t.LastUsed = now
	tx.CoverAuth(Name, authToken)
	return Caller{UserID: u.ID, Email: u.Email, Admin: u.IsAdmin(), Token: token}, nil
}

// timeLayouts are the expires_at forms accepted: the doc's and RFC 3339.
var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", time.RFC3339, "2006-01-02"}

func parseTime(v string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(v)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// IssueToken gives the caller a new token with a fixed expiry.
func IssueToken(tx *state.Tx, c Caller, expiresAt, description string) (TokenView, error) {
	at, ok := parseTime(expiresAt)
	if !ok {
		return TokenView{}, fieldError("expires_at", "want a time like \"2030-01-31 00:00:00\", got %q", expiresAt)
	}
	if !at.After(tx.Now()) {
		return TokenView{}, fieldError("expires_at", "%s is not in the future", formatTime(at))
	}
	s := st(tx)
	t := newToken(tx, s, s.Users[c.UserID])
	t.ExpiresAt, t.Description = &at, description
	return tokenView(t), nil
}

// Logout revokes a token; a user may revoke only its own, an admin any.
func Logout(tx *state.Tx, c Caller, token string) error {
	s := st(tx)
	t := s.Tokens[token]
	if t == nil || (!c.Admin && t.UserID != c.UserID) {
		return notFound("token", token)
	}
	delete(s.Tokens, token)
	return nil
}

// SettingView is the answer of a setting change.
type SettingView struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// SetTokenTTL changes the idle lifetime of tokens, in minutes.
func SetTokenTTL(tx *state.Tx, c Caller, value string) (SettingView, error) {
	if !c.Admin {
		return SettingView{}, accessDenied()
	}
	n, err := strconv.Atoi(strings.TrimSpace(value))
	if err != nil || n <= 0 || n > maxTokenTTLMinutes {
		return SettingView{}, fieldError("value", "want a number of minutes from 1 to %d, got %q", maxTokenTTLMinutes, value)
	}
	st(tx).TokenTTL = time.Duration(n) * time.Minute
	return SettingView{Name: "token_ttl", Value: strconv.Itoa(n)}, nil
}

// CreateKey issues a one-time login key for a user named by email or id.
func CreateKey(tx *state.Tx, c Caller, ref string) (KeyView, error) {
	if !c.Admin {
		return KeyView{}, accessDenied()
	}
	s := st(tx)
	u := s.userByRef(ref)
	if u == nil {
		return KeyView{}, notFound("user", ref)
	}
	k := &LoginKey{ID: tx.NextID("dci6.key"), UserID: u.ID, ExpiresAt: tx.Now().Add(keyLifetime)}
	k.Key = fmt.Sprintf("%d-%s", k.ID, tx.Faker().UUID())
	state.PurgeDead(&s.keyPurge, s.Keys, func(k *LoginKey) bool { return k.Used || !tx.Now().Before(k.ExpiresAt) })
	s.Keys[k.Key] = k
	return KeyView{ID: strconv.FormatInt(k.ID, 10), Key: k.Key}, nil
}

func (s *State) userByRef(ref string) *User {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.Users[id]
	}
	return s.userByEmail(ref)
}

// LoginByKey exchanges a key, once, for a token of its user.
func LoginByKey(tx *state.Tx, key string) (TokenView, error) {
	s := st(tx)
	k := s.Keys[key]
	if k == nil || k.Used || !tx.Now().Before(k.ExpiresAt) || s.Users[k.UserID] == nil {
		return TokenView{}, newError(codeBadKey, "Invalid key")
	}
	k.Used = true
	tx.CoverAuth(Name, authKey)
	return tokenView(newToken(tx, s, s.Users[k.UserID])), nil
}

// SessionView is the legacy auth v3 answer: the token as "session".
type SessionView struct {
	Session string `json:"session"`
}

// sessionOf turns a token answer into the auth v3 shape.
func sessionOf(v TokenView, err error) (SessionView, error) {
	return SessionView{Session: v.Token}, err
}

// SessionsView is what GET /_panelsim/dci6/sessions shows: every token and
// login key with what a test needs to reason about expiry.
type SessionsView struct {
	Now      string          `json:"now"`
	TokenTTL string          `json:"token_ttl"`
	Tokens   []TokenInfoView `json:"tokens"`
	Keys     []KeyInfoView   `json:"keys"`
}

// TokenInfoView is one token in the inspection hook.
type TokenInfoView struct {
	Token       string `json:"token"`
	UserID      int64  `json:"user_id"`
	Email       string `json:"email"`
	LastUsed    string `json:"last_used"`
	ExpiresAt   string `json:"expires_at"`
	Fixed       bool   `json:"fixed"`
	Alive       bool   `json:"alive"`
	Description string `json:"description,omitempty"`
}

// KeyInfoView is one login key in the inspection hook.
type KeyInfoView struct {
	ID        int64  `json:"id"`
	Key       string `json:"key"`
	UserID    int64  `json:"user_id"`
	ExpiresAt string `json:"expires_at"`
	Used      bool   `json:"used"`
}

// Sessions lists tokens (by token text) and keys (by id) without touching
// them: reading does not renew a token.
func Sessions(tx *state.Tx) SessionsView {
	s := st(tx)
	now := tx.Now()
	v := SessionsView{Now: formatTime(now), TokenTTL: s.TokenTTL.String(), Tokens: []TokenInfoView{}, Keys: []KeyInfoView{}}
	names := make([]string, 0, len(s.Tokens))
	for k := range s.Tokens {
		names = append(names, k)
	}
	sortStrings(names)
	for _, name := range names {
		t := s.Tokens[name]
		exp := t.LastUsed.Add(s.TokenTTL)
		if t.ExpiresAt != nil {
			exp = *t.ExpiresAt
		}
		email := ""
		if u := s.Users[t.UserID]; u != nil {
			email = u.Email
		}
		v.Tokens = append(v.Tokens, TokenInfoView{Token: t.Token, UserID: t.UserID, Email: email, LastUsed: formatTime(t.LastUsed),
			ExpiresAt: formatTime(exp), Fixed: t.ExpiresAt != nil, Alive: t.alive(now, s.TokenTTL), Description: t.Description})
	}
	keys := make([]*LoginKey, 0, len(s.Keys))
	for _, k := range s.Keys {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	for _, k := range keys {
		v.Keys = append(v.Keys, KeyInfoView{ID: k.ID, Key: k.Key, UserID: k.UserID, ExpiresAt: formatTime(k.ExpiresAt), Used: k.Used})
	}
	return v
}

package dci6

import (
	"strings"

	"github.com/panelsim/panelsim/state"
)

// defaultVlansPerUser is what a new user may have.
const defaultVlansPerUser = 5

// CreateUserRequest is the body of POST /dci/v3/user.
type CreateUserRequest struct {
	Email       *string `json:"email"`
	FullName    *string `json:"full_name"`
	Password    *string `json:"password"`
	PhoneNumber *string `json:"phone_number"`
	Role        *string `json:"role"`
}

var userFields = fieldSet[userRow]{
	"id":           func(r userRow) any { return r.u.ID },
	"email":        func(r userRow) any { return r.u.Email },
	"full_name":    func(r userRow) any { return r.u.FullName },
	"server_count": func(r userRow) any { return int64(r.servers) },
	"roles":        func(r userRow) any { return strings.Join(r.u.Roles, ",") },
}

type userRow struct {
	u       *User
	servers int
}

// ListUsers lists users with the number of servers each owns.
func ListUsers(tx *state.Tx, lq ListQuery) (ListView[UserView], error) {
	s := st(tx)
	rows := func() ([]userRow, error) {
		owned := map[int64]int{}
		for _, sv := range s.Servers {
			owned[sv.OwnerID]++
		}
		out := make([]userRow, 0, len(s.Users))
		for _, u := range sortedValues(s.Users) {
			out = append(out, userRow{u, owned[u.ID]})
		}
		return out, nil
	}
	return listWith(lq, userFields, rows, func(r userRow) UserView {
		return UserView{ID: r.u.ID, Email: r.u.Email, FullName: r.u.FullName, PhoneNumber: r.u.Phone,
			ServerCount: r.servers, Roles: append([]string{}, r.u.Roles...), VlansPerUser: r.u.VlansPerUser}
	})
}

// validEmail is the panel's light check: something@something.
func validEmail(e string) bool {
	at := strings.IndexByte(e, '@')
	return at > 0 && at < len(e)-1 && !strings.ContainsAny(e, " \t\r\n")
}

// CreateUser adds a user; the email must be new.
func CreateUser(tx *state.Tx, req CreateUserRequest) (IDView, error) {
	if req.Email == nil || !validEmail(*req.Email) {
		return IDView{}, fieldError("email", "a valid email is required")
	}
	if req.Password == nil || *req.Password == "" {
		return IDView{}, fieldError("password", "is required")
	}
	role := roleUser
	if req.Role != nil {
		role = *req.Role
	}
	if role != roleUser && role != roleAdmin {
		return IDView{}, fieldError("role", "must be @admin or @user, got %q", role)
	}
	s := st(tx)
	if s.userByEmail(*req.Email) != nil {
		return IDView{}, &apiError{Code: codeDuplicate, Msg: "User with this email already exists", Value: map[string]any{"field": "email"}}
	}
	u := &User{ID: tx.NextID("dci6.user"), Email: *req.Email, Password: *req.Password, Roles: []string{role},
		VlansPerUser: defaultVlansPerUser, CreatedAt: tx.Now()}
	if req.FullName != nil {
		u.FullName = *req.FullName
	}
	if req.PhoneNumber != nil {
		u.Phone = *req.PhoneNumber
	}
	s.Users[u.ID] = u
	return IDView{ID: u.ID}, nil
}

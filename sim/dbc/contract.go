package dbc

import "sort"

// JSONBodies tells the contract that every request body is read as JSON
// whatever its Content-Type (the client's curl examples send -d bodies
// with curl's form type), so --validate checks such bodies against their
// JSON schema.
func (*Panel) JSONBodies() bool { return true }

// Operations lists the routes the client serves under /api/v1 (as
// ParseRoute names them), for the check that the spec describes every one
// of them and nothing else.
func (*Panel) Operations() []string {
	names := []string{"version"}
	for name := range handlers {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

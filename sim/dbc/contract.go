package dbc

// JSONBodies tells the contract that every request body is read as JSON
// whatever its Content-Type (the client's curl examples send -d bodies
// with curl's form type), so --validate checks such bodies against their
// JSON schema.
func (*Panel) JSONBodies() bool { return true }

package dci6

// JSONBodies tells the contract that every request body is read as JSON
// whatever its Content-Type (the vendor's curl -d examples send JSON as a
// form), so --validate checks such bodies against their JSON schema.
func (*Panel) JSONBodies() bool { return true }

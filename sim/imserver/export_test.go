package imserver

// Commands lists every cmd of the gateway and whether it needs no
// session, so a test can check it covers them all (a command added later
// cannot slip past it).
func Commands() map[string]bool {
	out := map[string]bool{}
	for name, cmd := range commands {
		out[name] = cmd.public
	}
	return out
}

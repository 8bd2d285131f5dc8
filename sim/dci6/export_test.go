package dci6

// Route is one row of the panel's URL table as tests see it.
type Route struct {
	Method, Path  string // Path without the /api prefix, as routes() has it
	Public, Admin bool
}

// Routes lists the panel's whole URL table, so a test can check it covers
// every route (a route added later cannot slip past it).
func Routes() []Route {
	var out []Route
	for _, rt := range New().routes() {
		out = append(out, Route{Method: rt.method, Path: rt.path, Public: rt.level == public, Admin: rt.level == adminLevel})
	}
	return out
}

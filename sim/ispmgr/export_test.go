package ispmgr

import "sort"

// FuncNames lists every function a product serves (its func table), so
// the external tests can check they cover each one.
func FuncNames(mgr string) []string {
	var out []string
	for name := range funcs(mgr) {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// FuncLevel is the lowest access level that may call a product's
// function (0 for a function the product does not serve).
func FuncLevel(mgr, name string) int { return funcs(mgr)[name].level }

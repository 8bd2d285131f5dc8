package sim

import (
	"github.com/panelsim/panelsim/sim/dbc"
	"github.com/panelsim/panelsim/sim/dci6"
	"github.com/panelsim/panelsim/sim/imserver"
	"github.com/panelsim/panelsim/sim/ispmgr"
)

// All returns a fresh instance of every panel panelsim serves.
func All() []Panel {
	return []Panel{dci6.New(), imserver.New(), dbc.New(), ispmgr.New()}
}

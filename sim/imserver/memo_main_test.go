package imserver_test

import (
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
)

func TestMain(m *testing.M) { simtest.Main(m) }

package dci6

import (
	"strings"

	"github.com/panelsim/panelsim/state"
)

// This file holds what real clients call beyond the seeds: switch ports
// and the IPmanager pool and network writes billing modules use.

// SwitchPortView is a port as GET /dci/v3/switch/{id}/port lists it.
type SwitchPortView struct {
	ID               int64  `json:"id"`
	Switch           int64  `json:"switch"`
	Description      string `json:"description"`
	AdminStatus      string `json:"admin_status"`
	OperStatus       string `json:"oper_status"`
	ConnectionID     int64  `json:"connection_id"`
	Server           int64  `json:"server"`
	IsIPMIConnection bool   `json:"is_ipmi_connection"`
}

type portRow struct {
	p      Port
	server int64
}

var portFields = fieldSet[portRow]{
	"id":           func(r portRow) any { return r.p.ID },
	"description":  func(r portRow) any { return r.p.Description },
	"admin_status": func(r portRow) any { return r.p.AdminStatus },
	"oper_status":  func(r portRow) any { return r.p.OperStatus },
	"server":       func(r portRow) any { return r.server },
}

// ListSwitchPorts lists the ports of a switch that servers are wired to.
func ListSwitchPorts(tx *state.Tx, switchID int64, lq ListQuery) (ListView[SwitchPortView], error) {
	s := st(tx)
	rows := func() ([]portRow, error) {
		if s.Switches[switchID] == nil {
			return nil, notFound("switch", switchID)
		}
		var out []portRow
		for _, sv := range sortedValues(s.Servers) {
			for _, p := range sv.Ports {
				if p.SwitchID == switchID {
					out = append(out, portRow{p, sv.ID})
				}
			}
		}
		return out, nil
	}
	return listWith(lq, portFields, rows, func(r portRow) SwitchPortView {
		return SwitchPortView{ID: r.p.ID, Switch: r.p.SwitchID, Description: r.p.Description, AdminStatus: r.p.AdminStatus,
			OperStatus: r.p.OperStatus, ConnectionID: r.p.ConnectionID, Server: r.server, IsIPMIConnection: r.p.IsIPMI}
	})
}

// PoolRequest is the body of pool creation and update.
type PoolRequest struct {
	Name *string `json:"name"`
	Note *string `json:"note"`
}

// GetPool returns one IPmanager pool.
func GetPool(tx *state.Tx, id int64) (PoolView, error) {
	s := st(tx)
	p := s.Pools[id]
	if p == nil {
		return PoolView{}, notFound("ippool", id)
	}
	return s.poolView(p), nil
}

func checkPoolName(name *string, required bool) error {
	if name == nil {
		if required {
			return fieldError("name", "is required")
		}
		return nil
	}
	if strings.TrimSpace(*name) == "" {
		return fieldError("name", "must not be empty")
	}
	return nil
}

// CreatePool adds a public pool (POST /ip/v3/userspace/public/ippool).
func CreatePool(tx *state.Tx, req PoolRequest) (IDView, error) {
	if err := checkPoolName(req.Name, true); err != nil {
		return IDView{}, err
	}
	s := st(tx)
	p := &Pool{ID: tx.NextID("dci6.pool"), Name: *req.Name, Userspace: 1, Public: true}
	if req.Note != nil {
		p.Note = *req.Note
	}
	s.Pools[p.ID] = p
	return IDView{ID: p.ID}, nil
}

// UpdatePool renames a pool or changes its note.
func UpdatePool(tx *state.Tx, id int64, req PoolRequest) (IDView, error) {
	if err := checkPoolName(req.Name, false); err != nil {
		return IDView{}, err
	}
	p := st(tx).Pools[id]
	if p == nil {
		return IDView{}, notFound("ippool", id)
	}
	if req.Name != nil {
		p.Name = *req.Name
	}
	if req.Note != nil {
		p.Note = *req.Note
	}
	return IDView{ID: p.ID}, nil
}

// DeleteNet removes a network that has no address in use.
func DeleteNet(tx *state.Tx, id int64) (IDView, error) {
	s := st(tx)
	n := s.Nets[id]
	if n == nil {
		return IDView{}, notFound("ipnet", id)
	}
	if used := s.usingOf(id); used > 0 {
		return IDView{}, &apiError{Code: codeInUse, Msg: "Network has addresses in use", Value: map[string]any{"using_ip": used}}
	}
	delete(s.Nets, id)
	return IDView{ID: id}, nil
}

package imserver

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// currency is what every amount is in.
const currency = "RUB"

// Contract is an account's contract; servers are charged to one.
type Contract struct {
	ID      int64     `json:"id"`
	Owner   string    `json:"owner"`
	Number  string    `json:"number"`
	Name    string    `json:"name"`
	Date    time.Time `json:"date"`
	Balance int64     `json:"balance"` // kopecks
	Default bool      `json:"default"`
}

// Payment is one movement of money on a contract: a top-up (positive), a
// charge for a server (negative) or a refund of a failed creation.
type Payment struct {
	ID       int64     `json:"id"`
	Owner    string    `json:"owner"`
	Contract int64     `json:"contract"`
	Date     time.Time `json:"date"`
	Amount   int64     `json:"amount"` // kopecks, signed
	Type     string    `json:"type"`
	Comment  string    `json:"comment"`
	ServerID int64     `json:"serverid,omitempty"`
}

// The payment types.
const (
	PaymentTopUp  = "payment"
	PaymentCharge = "charge"
	PaymentRefund = "refund"
)

// Prices are the monthly prices of a custom configuration, in kopecks.
type Prices struct {
	CPU    int64 `json:"cpu"`     // per core at cputype 2
	CPU3   int64 `json:"cpu3"`    // per core at cputype 3
	RAM    int64 `json:"ram"`     // per GB
	SSDGB  int64 `json:"ssd_gb"`  // per GB of SSD
	HDDGB  int64 `json:"hdd_gb"`  // per GB of HDD
	IPAddr int64 `json:"ip_addr"` // per public address (one per server)
}

// defaultPrices are plausible 2025 VPS prices in roubles per month.
var defaultPrices = Prices{CPU: 20000, CPU3: 30000, RAM: 15000, SSDGB: 800, HDDGB: 300, IPAddr: 15000}

// money renders kopecks as the vendor-style "1234.50" string.
func money(k int64) string {
	sign := ""
	if k < 0 {
		sign, k = "-", -k
	}
	return fmt.Sprintf("%s%d.%02d", sign, k/100, k%100)
}

// ContractView is an entry of get_contracts.
type ContractView struct {
	ID      int64  `json:"id"`
	Number  string `json:"number"`
	Name    string `json:"name"`
	Date    string `json:"date"`
	Balance string `json:"balance"`
	Default bool   `json:"default"`
	Servers int    `json:"servers"`
}

// Contracts lists the account's contracts.
func (m *model) Contracts() []ContractView {
	out := []ContractView{}
	for _, id := range slices.Sorted(maps.Keys(m.st.Contracts)) {
		c := m.st.Contracts[id]
		if c.Owner != m.login {
			continue
		}
		n := 0
		for _, s := range m.st.Servers {
			if s.Contract == c.ID {
				n++
			}
		}
		out = append(out, ContractView{ID: c.ID, Number: c.Number, Name: c.Name, Date: fmtDate(c.Date),
			Balance: money(c.Balance), Default: c.Default, Servers: n})
	}
	return out
}

// contract finds the account's contract by id, or its default with id 0.
func (m *model) contract(id int64) (*Contract, error) {
	if id == 0 {
		for _, cid := range slices.Sorted(maps.Keys(m.st.Contracts)) {
			if c := m.st.Contracts[cid]; c.Owner == m.login && c.Default {
				return c, nil
			}
		}
		for _, cid := range slices.Sorted(maps.Keys(m.st.Contracts)) {
			if c := m.st.Contracts[cid]; c.Owner == m.login {
				return c, nil
			}
		}
		return nil, fail(CodeUnknownPreset, "the account has no contract")
	}
	c := m.st.Contracts[id]
	if c == nil || c.Owner != m.login {
		return nil, fail(CodeUnknownPreset, "no contract %d on the account", id)
	}
	return c, nil
}

func (m *model) totalBalance() int64 {
	var sum int64
	for _, c := range m.st.Contracts {
		if c.Owner == m.login {
			sum += c.Balance
		}
	}
	return sum
}

// BalanceView is get_balance's data.
type BalanceView struct {
	Balance   string              `json:"balance"`
	Currency  string              `json:"currency"`
	Contracts []ContractBalanceVw `json:"contracts"`
}

// ContractBalanceVw is one contract's line in get_balance.
type ContractBalanceVw struct {
	ID      int64  `json:"id"`
	Number  string `json:"number"`
	Balance string `json:"balance"`
}

// Balance sums the account's contracts; contract 0 means all of them.
func (m *model) Balance(contract int64) (BalanceView, error) {
	out := BalanceView{Currency: currency, Contracts: []ContractBalanceVw{}}
	if contract != 0 {
		if _, err := m.contract(contract); err != nil {
			return out, err
		}
	}
	var sum int64
	for _, c := range m.Contracts() {
		if contract != 0 && c.ID != contract {
			continue
		}
		k := m.st.Contracts[c.ID].Balance
		sum += k
		out.Contracts = append(out.Contracts, ContractBalanceVw{ID: c.ID, Number: c.Number, Balance: money(k)})
	}
	out.Balance = money(sum)
	return out, nil
}

// PaymentView is an entry of get_payments.
type PaymentView struct {
	ID       int64  `json:"id"`
	Date     string `json:"date"`
	Contract int64  `json:"contract"`
	Amount   string `json:"amount"`
	Type     string `json:"type"`
	Comment  string `json:"comment"`
	ServerID int64  `json:"serverid"`
}

// Payments lists the account's money movements, newest first, at most count.
func (m *model) Payments(contract int64, count int) ([]PaymentView, error) {
	if contract != 0 {
		if _, err := m.contract(contract); err != nil {
			return nil, err
		}
	}
	ids := slices.Sorted(maps.Keys(m.st.Payments))
	sort.Slice(ids, func(i, j int) bool { return ids[i] > ids[j] })
	out := []PaymentView{}
	for _, id := range ids {
		p := m.st.Payments[id]
		if p.Owner != m.login || (contract != 0 && p.Contract != contract) {
			continue
		}
		if len(out) == count {
			break
		}
		out = append(out, PaymentView{ID: p.ID, Date: fmtTime(p.Date), Contract: p.Contract,
			Amount: money(p.Amount), Type: p.Type, Comment: p.Comment, ServerID: p.ServerID})
	}
	return out, nil
}

// book records a movement of money and applies it to the contract.
func (m *model) book(c *Contract, amount int64, kind, comment string, server int64) {
	c.Balance += amount
	id := m.tx.NextID("imserver.payment")
	m.st.Payments[id] = &Payment{ID: id, Owner: c.Owner, Contract: c.ID, Date: m.now(), Amount: amount,
		Type: kind, Comment: comment, ServerID: server}
}

// Preset is a ready configuration with a fixed monthly price.
type Preset struct {
	ID      int64  `json:"id" yaml:"id"`
	Name    string `json:"name" yaml:"name"`
	CPU     int    `json:"cpu" yaml:"cpu"`
	CPUType int    `json:"cputype" yaml:"cputype"`
	RAM     int    `json:"ram" yaml:"ram"`
	HDDs    []Disk `json:"hdd_list" yaml:"hdd_list"`
	Price   int64  `json:"price" yaml:"-"` // kopecks per month
}

// PresetView is an entry of get_presets.
type PresetView struct {
	ID      int64      `json:"id"`
	Name    string     `json:"name"`
	CPU     int        `json:"cpu"`
	CPUType int        `json:"cputype"`
	RAM     int        `json:"ram"`
	HDDList []DiskView `json:"hdd_list"`
	Price   string     `json:"price"`
}

// Presets lists the configurations on offer.
func (m *model) Presets() []PresetView {
	out := []PresetView{}
	for _, p := range m.st.Presets {
		disks := []DiskView{}
		for _, d := range p.HDDs {
			disks = append(disks, DiskView(d))
		}
		out = append(out, PresetView{ID: p.ID, Name: p.Name, CPU: p.CPU, CPUType: p.CPUType, RAM: p.RAM,
			HDDList: disks, Price: money(p.Price)})
	}
	return out
}

func (m *model) preset(id int64) (Preset, bool) {
	for _, p := range m.st.Presets {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}

// price is the monthly price of a custom configuration.
func (pr Prices) price(cfg Config) int64 {
	core := pr.CPU
	if cfg.CPUType == 3 {
		core = pr.CPU3
	}
	total := int64(cfg.CPU)*core + int64(cfg.RAM)*pr.RAM + pr.IPAddr
	for _, d := range cfg.HDDs {
		if d.Type == DiskSSD {
			total += int64(d.Size) * pr.SSDGB
		} else {
			total += int64(d.Size) * pr.HDDGB
		}
	}
	return total
}

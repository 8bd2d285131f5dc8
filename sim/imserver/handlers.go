package imserver

import (
	"bytes"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// keyLogin is where a request remembers the login its answer names.
const keyLogin = "imserver.login"

// command is one cmd of the gateway: run parses its parameters and makes
// one model call; public commands need no session.
type command struct {
	public bool
	// kept says the command only reads and its answer depends on nothing
	// but the state, the account and the id parameter: the world keeps it
	// until something changes (state.Memo).
	kept bool
	run  func(m *model, p params) (any, error)
}

// loginResult makes the gateway answer with the login envelope.
type loginResult struct{ sess string }

// commands is the gateway's table, by family.
var commands = map[string]command{
	// Account.
	"login":       {public: true, run: cmdLogin},
	"logout":      {run: func(m *model, p params) (any, error) { s, _, _ := p.str("sess"); return m.Logout(s), nil }},
	"get_account": {run: func(m *model, p params) (any, error) { return m.Account(), nil }},

	// Servers.
	"get_servers":        {run: withOptID("id", (*model).Servers)},
	"get_servers_status": {kept: true, run: withOptID("id", (*model).Statuses)},
	"get_presets":        {run: func(m *model, p params) (any, error) { return m.Presets(), nil }},
	CmdAdd:               {run: cmdAddServer},
	CmdUpdate:            {run: cmdUpdateServer},
	CmdRun:               {run: act(CmdRun)},
	CmdStop:              {run: act(CmdStop)},
	CmdPause:             {run: act(CmdPause)},
	CmdReload:            {run: act(CmdReload)},
	CmdArchive:           {run: act(CmdArchive)},
	CmdDelete:            {run: act(CmdDelete)},
	CmdReinstall:         {run: cmdReinstall},
	CmdEth:               {run: cmdEth},
	"get_logs":           {run: cmdLogs},

	// Templates and ISO images.
	"get_templates": {run: func(m *model, p params) (any, error) { return m.Templates(), nil }},
	"get_isos":      {run: func(m *model, p params) (any, error) { return m.ISOs(), nil }},
	"mount_iso":     {run: cmdMountISO},
	"umount_iso":    {run: withID("id", (*model).UmountISO)},

	// DNS.
	"get_dns_zones":   {run: func(m *model, p params) (any, error) { return m.Zones(), nil }},
	"add_dns_zone":    {run: cmdAddZone},
	"del_dns_zone":    {run: withID("id", (*model).DelZone)},
	"get_dns_records": {run: cmdRecords},
	"add_dns_record":  {run: cmdAddRecord},
	"del_dns_record":  {run: withID("id", (*model).DelRecord)},

	// Private networks and interfaces.
	"get_networks":   {run: func(m *model, p params) (any, error) { return m.Networks(), nil }},
	"add_network":    {run: cmdAddNetwork},
	"del_network":    {run: withID("id", (*model).DelNetwork)},
	"get_interfaces": {run: withOptID("id", (*model).Interfaces)},

	// Statistics, contracts, finance.
	"get_stats":     {run: cmdStats},
	"get_contracts": {run: func(m *model, p params) (any, error) { return m.Contracts(), nil }},
	"get_balance":   {run: cmdBalance},
	"get_payments":  {run: cmdPayments},

	// Tickets.
	"get_tickets":  {run: withOptID("id", (*model).Tickets)},
	"add_ticket":   {run: cmdAddTicket},
	"reply_ticket": {run: cmdReplyTicket},
	"close_ticket": {run: withID("id", (*model).CloseTicket)},
}

// gateway serves /api: every command is a parameter of the one URL.
func (pn *Panel) gateway(c echo.Context) error {
	req := c.Request()
	if req.Method != http.MethodGet && req.Method != http.MethodPost {
		return &simhttp.Error{Kind: simhttp.KindMethod, Msg: "the API takes GET and POST, not " + req.Method}
	}
	pp := requestParams(c)
	p, perr := pp.p, pp.err
	name, _, _ := p.str("cmd")
	if name == "login" {
		user, _, _ := p.str("loginUsername")
		c.Set(keyLogin, user)
	}
	if perr != nil {
		return nativeError(perr)
	}
	cmd, err := lookup(name)
	if err != nil {
		return nativeError(err)
	}
	key, keep := keptKeyOf(name, cmd, p)
	transact := simhttp.Do
	if keep {
		transact = simhttp.View
	}
	var data any
	var kept []byte
	err = transact(c, func(tx *state.Tx) error {
		m := newModel(tx)
		if !cmd.public {
			sess, _, _ := p.str("sess")
			if err := m.Authenticate(sess); err != nil {
				return err
			}
			c.Set(keyLogin, m.login)
		}
		if !keep {
			var err error
			data, err = cmd.run(m, p)
			return err
		}
		key.login = m.login
		var err error
		kept, err = state.Memo(tx, key, func() ([]byte, error) {
			d, err := cmd.run(m, p)
			if err != nil {
				return nil, err
			}
			data = d
			return ownEnvelope(&envelope{Success: true, Data: d, Login: m.login}), nil
		})
		return err
	})
	if err != nil {
		return nativeError(err)
	}
	if kept != nil {
		return c.Blob(http.StatusOK, answerType, kept)
	}
	return respond(c, data)
}

// keptKey names a kept answer: the command, the account asking and the
// id parameter as given (had), the only one a kept command reads.
type keptKey struct {
	cmd, login, id string
	had            bool
}

// keptKeyOf is the key of a kept command's answer; keep is false for any
// other command, or an id parameter that is not a plain value (the
// command refuses it, and nothing is kept).
func keptKeyOf(name string, cmd command, p params) (_ keptKey, keep bool) {
	if !cmd.kept {
		return keptKey{}, false
	}
	id, had, err := p.str("id")
	return keptKey{cmd: name, id: id, had: had}, err == nil
}

func lookup(name string) (command, error) {
	if strings.TrimSpace(name) == "" {
		return command{}, fail(CodeMissingParam, "parameter cmd is required")
	}
	cmd, ok := commands[name]
	if !ok {
		return command{}, fail(CodeUnknownCommand, "unknown command %q", name)
	}
	return cmd, nil
}

// respond writes a command's data in the vendor's envelope.
func respond(c echo.Context, data any) error {
	login, _ := c.Get(keyLogin).(string)
	if lr, ok := data.(loginResult); ok {
		return writeJSON(c, http.StatusOK, loginEnvelope{Success: true, Sess: lr.sess, Login: login})
	}
	return writeEnvelope(c, http.StatusOK, &envelope{Success: true, Data: data, Login: login})
}

// writeEnvelope writes an answer envelope, by hand when its data has an
// encoder (see render_json.go), else through encode: the same bytes.
func writeEnvelope(c echo.Context, status int, env *envelope) error {
	buf := answerBytes.Get().(*answerSlice)
	defer buf.release()
	var ok bool
	buf.b, ok = appendEnvelope(buf.b[:0], env)
	if !ok {
		return writeJSON(c, status, *env)
	}
	return c.Blob(status, answerType, buf.b)
}

// answerType is the Content-Type of every gateway answer.
const answerType = "application/json; charset=utf-8"

// ownEnvelope is env as writeEnvelope writes it, in bytes of its own; nil
// when its data has no hand encoder.
func ownEnvelope(env *envelope) []byte {
	buf := answerBytes.Get().(*answerSlice)
	defer buf.release()
	var ok bool
	if buf.b, ok = appendEnvelope(buf.b[:0], env); !ok {
		return nil
	}
	return bytes.Clone(buf.b)
}

func writeJSON(c echo.Context, status int, v any) error {
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer putAnswerBuffer(buf)
	b, err := encode(buf, v)
	if err != nil {
		return err
	}
	return c.Blob(status, answerType, b)
}

// nativeError hands a model or parser refusal to RenderError.
func nativeError(err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return &simhttp.Error{Kind: simhttp.KindPanel, Code: ae.Code, Msg: ae.Msg}
	}
	return err
}

func cmdLogin(m *model, p params) (any, error) {
	user, err := p.required("loginUsername")
	if err != nil {
		return nil, err
	}
	pass, err := p.required("loginPassword")
	if err != nil {
		return nil, err
	}
	in := LoginInput{Username: user, Password: pass}
	if in.SMSKey, _, err = p.str("smskey"); err != nil {
		return nil, err
	}
	if in.Passkey, _, err = p.str("passkey"); err != nil {
		return nil, err
	}
	send, err := p.optInt("sendkey", 0)
	if err != nil || (send != 0 && send != 1) {
		return nil, fail(CodeBadValue, "sendkey must be 0 or 1")
	}
	in.SendKey = send == 1
	in.SMSKey, in.Passkey = strings.TrimSpace(in.SMSKey), strings.TrimSpace(in.Passkey)
	sess, err := m.Login(in)
	if err != nil {
		return nil, err
	}
	return loginResult{sess: sess}, nil
}

// withID adapts a model method taking one required id to a command whose
// answer is the id as a string.
func withID(param string, fn func(*model, int64) (int64, error)) func(*model, params) (any, error) {
	return func(m *model, p params) (any, error) {
		id, err := p.id(param)
		if err != nil {
			return nil, err
		}
		got, err := fn(m, id)
		if err != nil {
			return nil, err
		}
		return idString(got), nil
	}
}

// withOptID adapts a listing filtered by an optional id.
func withOptID[T any](param string, fn func(*model, int64) (T, error)) func(*model, params) (any, error) {
	return func(m *model, p params) (any, error) {
		id, err := p.optInt(param, 0)
		if err != nil {
			return nil, err
		}
		if id < 0 {
			return nil, fail(CodeBadValue, "parameter %s must be a positive id", param)
		}
		return fn(m, id)
	}
}

// act is a plain server action taking only the server id.
func act(cmd string) func(*model, params) (any, error) {
	return withID("id", func(m *model, id int64) (int64, error) { return m.Act(cmd, id) })
}

func cmdAddServer(m *model, p params) (any, error) {
	spec, err := parseServerSpec(p)
	if err != nil {
		return nil, err
	}
	id, err := m.AddServer(spec)
	if err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdUpdateServer(m *model, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	spec, err := parseServerSpec(p)
	if err != nil {
		return nil, err
	}
	if _, err := m.UpdateServer(id, spec); err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdReinstall(m *model, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	tpl, err := p.optInt("template", 0)
	if err != nil {
		return nil, err
	}
	if _, err := m.Reinstall(id, tpl); err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdEth(m *model, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	action, err := p.required("action")
	if err != nil {
		return nil, err
	}
	network, err := p.optInt("network", 0)
	if err != nil {
		return nil, err
	}
	iface, err := p.optInt("interface", 0)
	if err != nil {
		return nil, err
	}
	if _, err := m.EthAction(id, action, network, iface); err != nil {
		return nil, err
	}
	return idString(id), nil
}

// countParam reads get_logs-style count: default 50, clamped to 100.
func countParam(p params) (int, error) {
	n, err := p.optInt("count", logsDefault)
	if err != nil {
		return 0, err
	}
	if n < 1 {
		return 0, fail(CodeBadValue, "count must be at least 1, got %d", n)
	}
	return int(min(n, logsMax)), nil
}

func cmdLogs(m *model, p params) (any, error) {
	count, err := countParam(p)
	if err != nil {
		return nil, err
	}
	server, err := p.optInt("id", 0)
	if err != nil {
		return nil, err
	}
	return m.Logs(count, server)
}

func cmdMountISO(m *model, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	iso, err := p.id("iso")
	if err != nil {
		return nil, err
	}
	if _, err := m.MountISO(id, iso); err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdAddZone(m *model, p params) (any, error) {
	name, err := p.required("name")
	if err != nil {
		return nil, err
	}
	id, err := m.AddZone(name)
	if err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdRecords(m *model, p params) (any, error) {
	zone, err := p.id("zone")
	if err != nil {
		return nil, err
	}
	return m.Records(zone)
}

func cmdAddRecord(m *model, p params) (any, error) {
	in := RecordInput{}
	var err error
	if in.Zone, err = p.id("zone"); err != nil {
		return nil, err
	}
	if in.Type, err = p.required("type"); err != nil {
		return nil, err
	}
	if in.Content, err = p.required("content"); err != nil {
		return nil, err
	}
	if in.Name, _, err = p.str("name"); err != nil {
		return nil, err
	}
	ttl, err := p.optInt("ttl", -1)
	if err != nil {
		return nil, err
	}
	prio, err := p.optInt("priority", -1)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"ttl", ttl}, {"priority", prio}} {
		if given, _ := p.present(f.name); given && f.v < 0 {
			return nil, fail(CodeBadValue, "%s must not be negative, got %d", f.name, f.v)
		}
	}
	if ttl > ttlMax+1 || prio > 65536 {
		return nil, fail(CodeBadValue, "ttl or priority out of range")
	}
	in.TTL, in.Priority = int(max(ttl, -1)), int(max(prio, -1))
	id, err := m.AddRecord(in)
	if err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdAddNetwork(m *model, p params) (any, error) {
	name, err := p.required("name")
	if err != nil {
		return nil, err
	}
	subnet, _, err := p.str("subnet")
	if err != nil {
		return nil, err
	}
	id, err := m.AddNetwork(name, strings.TrimSpace(subnet))
	if err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdStats(m *model, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	period, ok, err := p.str("period")
	if err != nil {
		return nil, err
	}
	if !ok || period == "" {
		period = "day"
	}
	return m.Stats(id, period)
}

func cmdBalance(m *model, p params) (any, error) {
	contract, err := p.optInt("contract", 0)
	if err != nil {
		return nil, err
	}
	return m.Balance(contract)
}

func cmdPayments(m *model, p params) (any, error) {
	contract, err := p.optInt("contract", 0)
	if err != nil {
		return nil, err
	}
	count, err := countParam(p)
	if err != nil {
		return nil, err
	}
	return m.Payments(contract, count)
}

func cmdAddTicket(m *model, p params) (any, error) {
	subject, _, err := p.str("subject")
	if err != nil {
		return nil, err
	}
	message, _, err := p.str("message")
	if err != nil {
		return nil, err
	}
	server, err := p.optInt("serverid", 0)
	if err != nil {
		return nil, err
	}
	id, err := m.AddTicket(subject, message, server)
	if err != nil {
		return nil, err
	}
	return idString(id), nil
}

func cmdReplyTicket(m *model, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	message, _, err := p.str("message")
	if err != nil {
		return nil, err
	}
	if _, err := m.ReplyTicket(id, message); err != nil {
		return nil, err
	}
	return idString(id), nil
}

package imserver

import (
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The ticket states: open (waiting for support), answered (support
// replied), closed (no more replies).
const (
	TicketOpen     = "open"
	TicketAnswered = "answered"
	TicketClosed   = "closed"
)

// Ticket is a support request of an account.
type Ticket struct {
	ID       int64     `json:"id"`
	Owner    string    `json:"owner"`
	Subject  string    `json:"subject"`
	Status   string    `json:"status"`
	ServerID int64     `json:"serverid"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	Messages []Message `json:"messages"`
}

// Message is one message of a ticket.
type Message struct {
	Date   time.Time `json:"date"`
	Author string    `json:"author"` // "client" or "support"
	Text   string    `json:"text"`
}

const (
	maxSubject = 200
	maxMessage = 10000
)

// stepTicketReply is the step kind of support's answer to a ticket.
const stepTicketReply = "imserver.ticket_reply"

type ticketArgs struct {
	Ticket int64 `json:"ticket"`
	// Messages is how many messages the ticket had when the reply was
	// scheduled: a later client message schedules its own reply.
	Messages int `json:"messages"`
}

// TicketView is an entry of get_tickets.
type TicketView struct {
	ID       int64         `json:"id"`
	Subject  string        `json:"subject"`
	Status   string        `json:"status"`
	ServerID int64         `json:"serverid"`
	Created  string        `json:"created"`
	Updated  string        `json:"updated"`
	Messages []MessageView `json:"messages"`
}

// MessageView is a message as get_tickets shows it.
type MessageView struct {
	Date   string `json:"date"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

// Tickets lists the account's tickets, newest first (one when id is not 0).
func (m *model) Tickets(id int64) ([]TicketView, error) {
	if id != 0 {
		t, err := m.ticket(id)
		if err != nil {
			return nil, err
		}
		return []TicketView{ticketView(t)}, nil
	}
	ids := slices.Sorted(maps.Keys(m.st.Tickets))
	out := []TicketView{}
	for i := len(ids) - 1; i >= 0; i-- {
		if t := m.st.Tickets[ids[i]]; t.Owner == m.login {
			out = append(out, ticketView(t))
		}
	}
	return out, nil
}

func ticketView(t *Ticket) TicketView {
	msgs := []MessageView{}
	for _, msg := range t.Messages {
		msgs = append(msgs, MessageView{Date: fmtTime(msg.Date), Author: msg.Author, Text: msg.Text})
	}
	return TicketView{ID: t.ID, Subject: t.Subject, Status: t.Status, ServerID: t.ServerID,
		Created: fmtTime(t.Created), Updated: fmtTime(t.Updated), Messages: msgs}
}

func (m *model) ticket(id int64) (*Ticket, error) {
	t := m.st.Tickets[id]
	if t == nil || t.Owner != m.login {
		return nil, fail(CodeNotFound, "no ticket %d on the account", id)
	}
	return t, nil
}

func checkText(field, s string, limit int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fail(CodeMissingParam, "parameter %s is required", field)
	}
	if utf8.RuneCountInString(s) > limit {
		return "", fail(CodeBadValue, "%s is longer than %d characters", field, limit)
	}
	return s, nil
}

// AddTicket opens a ticket (optionally about a server); support answers
// after the imserver.ticket_reply timing.
func (m *model) AddTicket(subject, message string, server int64) (int64, error) {
	subject, err := checkText("subject", subject, maxSubject)
	if err != nil {
		return 0, err
	}
	if message, err = checkText("message", message, maxMessage); err != nil {
		return 0, err
	}
	if server != 0 {
		if _, err := m.server(server); err != nil {
			return 0, err
		}
	}
	t := &Ticket{ID: m.tx.NextID("imserver.ticket"), Owner: m.login, Subject: subject, Status: TicketOpen,
		ServerID: server, Created: m.now(), Updated: m.now(),
		Messages: []Message{{Date: m.now(), Author: "client", Text: message}}}
	m.st.Tickets[t.ID] = t
	return t.ID, m.scheduleReply(t)
}

// scheduleReply queues support's answer; with a timing of 0 it comes at once.
func (m *model) scheduleReply(t *Ticket) error {
	args := ticketArgs{Ticket: t.ID, Messages: len(t.Messages)}
	d := m.tx.Timing("imserver.ticket_reply")
	if d == 0 {
		supportReply(m, args)
		return nil
	}
	return m.tx.After(d, stepTicketReply, args)
}

// ReplyTicket adds the client's message to an open or answered ticket.
func (m *model) ReplyTicket(id int64, message string) (int64, error) {
	t, err := m.ticket(id)
	if err != nil {
		return 0, err
	}
	if t.Status == TicketClosed {
		return 0, fail(CodeWrongState, "ticket %d is closed", id)
	}
	if message, err = checkText("message", message, maxMessage); err != nil {
		return 0, err
	}
	t.Messages = append(t.Messages, Message{Date: m.now(), Author: "client", Text: message})
	t.Status, t.Updated = TicketOpen, m.now()
	return id, m.scheduleReply(t)
}

// CloseTicket closes a ticket for good.
func (m *model) CloseTicket(id int64) (int64, error) {
	t, err := m.ticket(id)
	if err != nil {
		return 0, err
	}
	if t.Status == TicketClosed {
		return 0, fail(CodeWrongState, "ticket %d is already closed", id)
	}
	t.Status, t.Updated = TicketClosed, m.now()
	return id, nil
}

// supportPhrases are what support's answers say between greeting and
// signature, picked by the world's RNG.
var supportPhrases = []string{
	"Мы проверили ваш запрос, проблема устранена.",
	"Запрос передан инженерам, ожидайте ответа в течение часа.",
	"Уточните, пожалуйста, время возникновения проблемы.",
	"Проверьте, пожалуйста, настройки сети внутри сервера.",
	"Работы на узле завершены, сервер доступен.",
}

// supportReply is support answering a ticket, unless the client wrote
// again (that message has its own reply coming) or closed it.
func supportReply(m *model, a ticketArgs) {
	t := m.st.Tickets[a.Ticket]
	if t == nil || t.Status != TicketOpen || len(t.Messages) != a.Messages {
		return
	}
	text := "Здравствуйте! " + supportPhrases[m.tx.Rand().IntN(len(supportPhrases))] + " С уважением, служба поддержки IMserver."
	t.Messages = append(t.Messages, Message{Date: m.now(), Author: "support", Text: text})
	t.Status, t.Updated = TicketAnswered, m.now()
}

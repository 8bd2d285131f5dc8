package sim

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// metrics is what GET /_panelsim/metrics serves, in the Prometheus text
// format, for people running a shared instance. On a request's path it
// costs atomic adds only (a status counter and a histogram observation);
// everything about worlds is read from the registry when scraped.
type metrics struct {
	reg     *prometheus.Registry
	handler http.Handler
	worlds  *state.Worlds
	latency *prometheus.HistogramVec

	mu     sync.Mutex
	panels map[string]*panelMeter
}

// maxStatus bounds the statuses counted one by one; others count as 0.
const maxStatus = 600

// panelMeter counts one panel's answers by status, lock-free.
type panelMeter struct {
	byStatus [maxStatus]atomic.Uint64
	latency  prometheus.Observer
}

func (m *panelMeter) Observe(status int, took time.Duration) {
	if status < 0 || status >= maxStatus {
		status = 0
	}
	m.byStatus[status].Add(1)
	m.latency.Observe(took.Seconds())
}

var (
	descRequests = prometheus.NewDesc("panelsim_requests_total",
		"Panel requests answered, by panel and HTTP status (control-plane requests are not counted).", []string{"panel", "status"}, nil)
	descWorlds       = prometheus.NewDesc("panelsim_worlds", "Worlds alive (and being built) in this process.", nil, nil)
	descMaxWorlds    = prometheus.NewDesc("panelsim_worlds_max", "The --max-worlds cap (0: none).", nil, nil)
	descEvictions    = prometheus.NewDesc("panelsim_world_evictions_total", "Idle worlds evicted to make room for new ones.", nil, nil)
	descPending      = prometheus.NewDesc("panelsim_pending_steps", "Async steps waiting on the virtual clock, summed over worlds.", nil, nil)
	descJournal      = prometheus.NewDesc("panelsim_journal_entries", "Requests held in the worlds' journals, summed over worlds.", nil, nil)
	descJournalBytes = prometheus.NewDesc("panelsim_journal_bytes", "Bytes the worlds' journals hold together (bounded by --journal-memory).", nil, nil)
	descJournalMax   = prometheus.NewDesc("panelsim_journal_memory_max_bytes", "The bound on what the journals hold together (--journal-memory; 0: none).", nil, nil)
	descJournalRoom  = prometheus.NewDesc("panelsim_journal_capacity", "Journal entries the worlds have room for now (journals grow up to their bound), summed.", nil, nil)
	descHistory      = prometheus.NewDesc("panelsim_history_entries",
		"Finished tasks a panel keeps (as of each world's last finished task), summed over worlds.", []string{"panel"}, nil)
	descHistoryDropped = prometheus.NewDesc("panelsim_history_dropped_total",
		"Finished tasks forgotten past the history bound, summed over live worlds.", []string{"panel"}, nil)
)

func newMetrics(worlds *state.Worlds, panels []Panel) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(), worlds: worlds, panels: map[string]*panelMeter{},
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "panelsim_request_duration_seconds", Help: "Time from a panel request's arrival in the walk to its answer, by panel.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"panel"}),
	}
	for _, p := range panels {
		m.Panel(p.Name())
	}
	m.reg.MustRegister(m.latency, m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m
}

// Panel is simhttp.Meters: the meter of a panel, made once.
func (m *metrics) Panel(name string) simhttp.Meter {
	m.mu.Lock()
	defer m.mu.Unlock()
	pm := m.panels[name]
	if pm == nil {
		pm = &panelMeter{latency: m.latency.WithLabelValues(name)}
		m.panels[name] = pm
	}
	return pm
}

// Describe is prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRequests, descWorlds, descMaxWorlds, descEvictions, descPending, descJournal, descJournalRoom, descJournalBytes, descJournalMax, descHistory, descHistoryDropped} {
		ch <- d
	}
}

// Collect is prometheus.Collector: it reads the counters and walks the
// worlds (each world's lock is taken briefly, never the registry's while
// a world's is held).
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	names := make([]string, 0, len(m.panels))
	for n := range m.panels {
		names = append(names, n)
	}
	m.mu.Unlock()
	slices.Sort(names)
	for _, n := range names {
		m.mu.Lock()
		pm := m.panels[n]
		m.mu.Unlock()
		for status := range pm.byStatus {
			if v := pm.byStatus[status].Load(); v > 0 {
				ch <- prometheus.MustNewConstMetric(descRequests, prometheus.CounterValue, float64(v), n, strconv.Itoa(status))
			}
		}
	}
	var pending, journal, room int
	kept, dropped := map[string]int{}, map[string]uint64{}
	m.worlds.Each(func(w *state.World) {
		pending += w.Pending()
		journal += w.Journal().Len()
		room += w.Journal().Cap()
		for panel, h := range w.History() {
			kept[panel] += h.Kept
			dropped[panel] += h.Dropped
		}
	})
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	gauge(descWorlds, float64(m.worlds.Len()))
	gauge(descMaxWorlds, float64(m.worlds.Limits().MaxWorlds))
	ch <- prometheus.MustNewConstMetric(descEvictions, prometheus.CounterValue, float64(m.worlds.Evictions()))
	gauge(descPending, float64(pending))
	gauge(descJournal, float64(journal))
	gauge(descJournalRoom, float64(room))
	gauge(descJournalBytes, float64(m.worlds.JournalBytes()))
	gauge(descJournalMax, float64(m.worlds.Limits().JournalMemory))
	for _, panel := range names {
		gauge(descHistory, float64(kept[panel]), panel)
		ch <- prometheus.MustNewConstMetric(descHistoryDropped, prometheus.CounterValue, float64(dropped[panel]), panel)
	}
}

// serveMetrics is GET /_panelsim/metrics.
func (s *Server) serveMetrics(c echo.Context) error {
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

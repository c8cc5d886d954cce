package kubefuncs

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the client's Prometheus metrics, with the Java SDK's names, help and labels.
type metrics struct {
	received        *prometheus.CounterVec
	handled         *prometheus.CounterVec
	handlerDuration *prometheus.HistogramVec
	inFlight        *prometheus.GaugeVec
	publishFailures prometheus.Counter
	callDuration    *prometheus.HistogramVec
}

// metricsFor registers the metrics with reg, or reuses those already there: every client of a
// process shares one set per registry.
func metricsFor(reg prometheus.Registerer) *metrics {
	return &metrics{
		received: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubefuncs_messages_received_total",
			Help: "Events delivered to this function",
		}, []string{"topic", "channel"})),
		handled: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubefuncs_messages_handled_total",
			Help: "Events handled, by outcome: ok, error (answered with Error), requeued, dead_lettered",
		}, []string{"topic", "channel", "outcome"})),
		handlerDuration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kubefuncs_handler_duration_seconds",
			Help:    "Time spent in the handler",
			Buckets: prometheus.DefBuckets,
		}, []string{"topic", "channel"})),
		inFlight: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "kubefuncs_messages_in_flight",
			Help: "Events being handled right now",
		}, []string{"topic", "channel"})),
		publishFailures: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kubefuncs_publish_failures_total",
			Help: "Publishes (emits, calls, responses, dead letters) that nsqd did not accept",
		})),
		callDuration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kubefuncs_call_duration_seconds",
			Help:    "Time from call to response, by outcome: ok, error, timeout",
			Buckets: prometheus.DefBuckets,
		}, []string{"topic", "outcome"})),
	}
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			if existing, ok := already.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("kubefuncs: cannot register metric: " + err.Error())
	}
	return c
}

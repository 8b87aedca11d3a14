//! The server's metrics: what each component counts, on the one registry `GET /metrics`
//! renders. Guests report through the host's observer (a counter per failure reason and
//! the instantiation latency histogram); the phone side's figures are read at scrape time
//! from the components' own atomics (SIP endpoint, RTP totals, controller, journal), so
//! nothing on a hot path takes a lock or knows about Prometheus. Webhook delivery's
//! counters are read the same way.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use wasmphony_api::{Counter, Histogram, LATENCY_BUCKETS, Labels, Metrics, Scrape};
use wasmphony_controller::{Controller, LoadRefusal};
use wasmphony_engine::{HostObserver, ScenarioFailure};
use wasmphony_media::net::MediaTotals;
use wasmphony_sip::endpoint::{METHOD_LABELS, OverloadReason, STATUS_CLASS_LABELS, SipCounters};
use wasmphony_telephony::JournalStats;
use wasmphony_webhooks::WebhookStats;

/// Guest failure reasons ([`ScenarioFailure::kind`]), each rendered from zero.
const FAILURE_REASONS: [&str; 8] = [
    "trap",
    "cpu",
    "memory",
    "stack",
    "log-flood",
    "error",
    "instance-limit",
    "instantiate",
];

const GUEST_FAILURES: &str = "wasmphony_guest_failures_total";
const GUEST_FAILURES_HELP: &str =
    "Scenario instances stopped early, by reason (the route's fallback took the caller).";

/// The scenario host's observer: guest failures by reason, instantiation latency.
pub(crate) struct GuestMetrics {
    metrics: Arc<Metrics>,
    failures: HashMap<&'static str, Counter>,
    instantiation: Histogram,
}

impl GuestMetrics {
    pub(crate) fn new(metrics: Arc<Metrics>) -> GuestMetrics {
        let failures = FAILURE_REASONS
            .iter()
            .map(|reason| {
                let counter =
                    metrics.counter(GUEST_FAILURES, GUEST_FAILURES_HELP, &[("reason", reason)]);
                (*reason, counter)
            })
            .collect();
        let instantiation = metrics.histogram(
            "wasmphony_guest_instantiation_seconds",
            "Time to instantiate a scenario component for a call or a timer wake-up.",
            LATENCY_BUCKETS,
            &[],
        );
        GuestMetrics {
            metrics,
            failures,
            instantiation,
        }
    }
}

impl HostObserver for GuestMetrics {
    fn instantiated(&self, elapsed: Duration) {
        self.instantiation.observe_duration(elapsed);
    }

    fn guest_failed(&self, failure: &ScenarioFailure) {
        let kind = failure.kind();
        match self.failures.get(kind) {
            Some(counter) => counter.inc(),
            // A reason added to the engine later: counted all the same (rare, so the
            // registry's lookup is fine here).
            None => self
                .metrics
                .counter(GUEST_FAILURES, GUEST_FAILURES_HELP, &[("reason", kind)])
                .inc(),
        }
    }
}

/// What the phone side exposes to a scrape.
pub(crate) struct PhoneSources {
    pub(crate) sip: Arc<SipCounters>,
    pub(crate) rtp: Arc<MediaTotals>,
    pub(crate) controller: Arc<Controller>,
    pub(crate) journal: Arc<JournalStats>,
}

impl PhoneSources {
    /// Registers the phone side's families on `metrics`.
    pub(crate) fn register(self, metrics: &Metrics) {
        let sources = Arc::new(self);
        metrics.register_collector(Arc::new(move |scrape: &mut Scrape<'_>| {
            sources.collect_calls(scrape);
            sources.collect_sip(scrape);
            sources.collect_rtp(scrape);
            sources.collect_queues(scrape);
            sources.collect_journal(scrape);
        }));
    }

    fn collect_calls(&self, scrape: &mut Scrape<'_>) {
        let live = i64::try_from(self.controller.live_calls()).unwrap_or(i64::MAX);
        scrape.gauge(
            "wasmphony_calls_active",
            "Calls in progress on this node.",
            &[(&[], live)],
        );
    }

    fn collect_sip(&self, scrape: &mut Scrape<'_>) {
        let sip = self.sip.snapshot();
        let mut requests: Vec<(Labels<'_>, u64)> = Vec::new();
        let in_methods: Vec<[(&str, &str); 2]> = METHOD_LABELS
            .iter()
            .map(|method| [("direction", "in"), ("method", *method)])
            .collect();
        let out_methods: Vec<[(&str, &str); 2]> = METHOD_LABELS
            .iter()
            .map(|method| [("direction", "out"), ("method", *method)])
            .collect();
        for (labels, count) in in_methods.iter().zip(sip.received.requests) {
            requests.push((labels, count));
        }
        for (labels, count) in out_methods.iter().zip(sip.sent.requests) {
            requests.push((labels, count));
        }
        scrape.counter(
            "wasmphony_sip_requests_total",
            "SIP requests received (retransmissions included) and sent (each once), by method.",
            &requests,
        );
        let in_classes: Vec<[(&str, &str); 2]> = STATUS_CLASS_LABELS
            .iter()
            .map(|class| [("direction", "in"), ("class", *class)])
            .collect();
        let out_classes: Vec<[(&str, &str); 2]> = STATUS_CLASS_LABELS
            .iter()
            .map(|class| [("direction", "out"), ("class", *class)])
            .collect();
        let mut responses: Vec<(Labels<'_>, u64)> = Vec::new();
        for (labels, count) in in_classes.iter().zip(sip.received.responses) {
            responses.push((labels, count));
        }
        for (labels, count) in out_classes.iter().zip(sip.sent.responses) {
            responses.push((labels, count));
        }
        scrape.counter(
            "wasmphony_sip_responses_total",
            "SIP responses received and sent (each once), by status class.",
            &responses,
        );
        scrape.counter(
            "wasmphony_sip_malformed_total",
            "SIP messages that did not parse: answered 400, or dropped (no Via, or over rate).",
            &[
                (&[("outcome", "answered_400")], sip.malformed_answered),
                (&[("outcome", "dropped")], sip.malformed_dropped),
            ],
        );
        let controller = self.controller.counters().snapshot();
        let endpoint_reasons: Vec<[(&str, &str); 1]> = OverloadReason::ALL
            .iter()
            .map(|reason| [("reason", reason.label())])
            .collect();
        let controller_reasons: Vec<[(&str, &str); 1]> = LoadRefusal::ALL
            .iter()
            .map(|reason| [("reason", reason.label())])
            .collect();
        let mut overload: Vec<(Labels<'_>, u64)> = Vec::new();
        for (labels, count) in endpoint_reasons.iter().zip(sip.overload) {
            overload.push((labels, count));
        }
        for (labels, count) in controller_reasons.iter().zip(controller.load_refusals) {
            overload.push((labels, count));
        }
        scrape.counter(
            "wasmphony_sip_overload_503_total",
            "Requests answered 503 for load: source over its rate, transaction table or \
             request queue full (endpoint); call rate, call capacity or RTP ports (INVITEs).",
            &overload,
        );
        scrape.counter(
            "wasmphony_sip_retransmissions_absorbed_total",
            "Request retransmissions answered by their transaction, never seen by a call.",
            &[(&[], sip.retransmissions)],
        );
        scrape.counter(
            "wasmphony_sip_transaction_timeouts_total",
            "Transactions that timed out: server (no ACK), client (no final answer).",
            &[
                (&[("side", "server")], sip.server_timeouts),
                (&[("side", "client")], sip.client_timeouts),
            ],
        );
        scrape.counter(
            "wasmphony_sip_register_auth_failures_total",
            "REGISTERs whose credentials failed (wrong password, unknown user, foreign AOR).",
            &[(&[], controller.register_auth_failures)],
        );
    }

    fn collect_rtp(&self, scrape: &mut Scrape<'_>) {
        let rtp = self.rtp.snapshot();
        let packets = rtp.packets;
        scrape.counter(
            "wasmphony_rtp_packets_total",
            "RTP over all legs, ended and live: received from the peer, sent, malformed, \
             foreign (not the latched peer: dropped), dropped (late, unknown type, queues full).",
            &[
                (&[("kind", "received")], packets.received),
                (&[("kind", "sent")], packets.sent),
                (&[("kind", "malformed")], packets.malformed),
                (&[("kind", "foreign")], packets.foreign),
                (&[("kind", "dropped")], packets.dropped),
            ],
        );
        scrape.gauge(
            "wasmphony_rtp_legs_active",
            "Media legs (RTP sessions) open now.",
            &[(&[], i64::try_from(rtp.live_legs).unwrap_or(i64::MAX))],
        );
    }

    fn collect_queues(&self, scrape: &mut Scrape<'_>) {
        let sizes = self.controller.queue_sizes();
        let labels: Vec<[(&str, &str); 2]> = sizes
            .iter()
            .map(|size| {
                [
                    ("tenant", size.tenant.as_str()),
                    ("queue", size.queue.as_str()),
                ]
            })
            .collect();
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        let waiting: Vec<(Labels<'_>, i64)> = labels
            .iter()
            .zip(&sizes)
            .map(|(labels, size)| (&labels[..], gauge(size.waiting)))
            .collect();
        scrape.gauge(
            "wasmphony_queue_callers_waiting",
            "Callers waiting in a queue (callback tasks excluded).",
            &waiting,
        );
        let available: Vec<(Labels<'_>, i64)> = labels
            .iter()
            .zip(&sizes)
            .map(|(labels, size)| (&labels[..], gauge(size.agents_available)))
            .collect();
        scrape.gauge(
            "wasmphony_queue_agents_available",
            "A queue's agents logged in and free to take a call.",
            &available,
        );
    }

    fn collect_journal(&self, scrape: &mut Scrape<'_>) {
        let journal = &self.journal;
        scrape.counter(
            "wasmphony_journal_cdrs_total",
            "Call records written by this node: opened at admission, finished at hang-up, \
             writes failed.",
            &[
                (
                    &[("event", "opened")],
                    journal.opened.load(Ordering::Relaxed),
                ),
                (
                    &[("event", "finished")],
                    journal.finished.load(Ordering::Relaxed),
                ),
                (
                    &[("event", "failed")],
                    journal.failed.load(Ordering::Relaxed),
                ),
            ],
        );
    }
}

/// Registers webhook delivery's families on `metrics`: deliveries by outcome and the
/// events waiting in the webhooks' queues.
pub(crate) fn register_webhooks(metrics: &Metrics, stats: Arc<WebhookStats>) {
    metrics.register_collector(Arc::new(move |scrape: &mut Scrape<'_>| {
        let now = stats.snapshot();
        scrape.counter(
            "wasmphony_webhook_deliveries_total",
            "Webhook events by outcome: delivered (2xx), retried (an attempt failed, another \
             follows), failed (the last attempt failed: given up), dropped (the webhook's \
             queue was full).",
            &[
                (&[("outcome", "delivered")], now.delivered),
                (&[("outcome", "retried")], now.retried),
                (&[("outcome", "failed")], now.failed),
                (&[("outcome", "dropped")], now.dropped),
            ],
        );
        scrape.gauge(
            "wasmphony_webhook_deliveries_queued",
            "Webhook events waiting to be sent, over all webhooks.",
            &[(&[], i64::try_from(now.queued).unwrap_or(i64::MAX))],
        );
    }));
}

//! A small Prometheus registry shared by the API and the rest of the server.
//!
//! The API computes store-backed figures (calls by disposition, live calls, component
//! versions) at scrape time. The server registers on the same [`Metrics`] (hand it to
//! [`crate::ApiState`]): counters, gauges and histograms it updates itself (guest failures,
//! instantiation latency), and [`Collector`]s that read the components' own atomics (SIP,
//! RTP, queues, journal) when `GET /metrics` renders them all.

mod histogram;
mod scrape;

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use parking_lot::Mutex;

use histogram::HistogramCells;
pub use histogram::{Histogram, LATENCY_BUCKETS};
pub use scrape::{Collector, Labels, Scrape};

/// Most label combinations one metric keeps; later ones share one `overflow="true"` series,
/// so labels derived from peer input cannot grow the registry without bound.
pub const MAX_SERIES_PER_METRIC: usize = 1_000;

/// A monotonically increasing count.
#[derive(Debug, Clone)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down (calls in progress, queue sizes).
#[derive(Debug, Clone)]
pub struct Gauge(Arc<AtomicI64>);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// Adds `delta` (negative to subtract).
    pub fn add(&self, delta: i64) {
        self.0.fetch_add(delta, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

#[derive(Debug, Clone)]
enum Cell {
    Counter(Arc<AtomicU64>),
    Gauge(Arc<AtomicI64>),
    Histogram(Arc<HistogramCells>),
}

#[derive(Debug)]
struct Family {
    help: &'static str,
    kind: Kind,
    /// A histogram family's bucket bounds (fixed by its first registration).
    bounds: &'static [f64],
    /// Rendered label sets (`{a="x",b="y"}` or empty) to their value.
    series: BTreeMap<String, Cell>,
}

/// The registry: metric families by name, and collectors read at scrape time. Cheap to
/// share behind an `Arc`; its lock is taken when a series is first looked up and when
/// rendering, never when a counter moves.
#[derive(Default)]
pub struct Metrics {
    families: Mutex<BTreeMap<&'static str, Family>>,
    collectors: Mutex<Vec<Arc<dyn Collector>>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("families", &self.families.lock().len())
            .field("collectors", &self.collectors.lock().len())
            .finish()
    }
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// The counter `name` with these labels, created at zero on first use. A name first
    /// registered as a gauge yields a detached counter that is never rendered.
    pub fn counter(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &str)],
    ) -> Counter {
        match self.cell(name, help, Kind::Counter, &[], labels) {
            Cell::Counter(cell) => Counter(cell),
            _ => Counter(Arc::default()),
        }
    }

    /// The gauge `name` with these labels, created at zero on first use. A name first
    /// registered as a counter yields a detached gauge that is never rendered.
    pub fn gauge(&self, name: &'static str, help: &'static str, labels: &[(&str, &str)]) -> Gauge {
        match self.cell(name, help, Kind::Gauge, &[], labels) {
            Cell::Gauge(cell) => Gauge(cell),
            _ => Gauge(Arc::default()),
        }
    }

    /// The histogram `name` over `bounds` (ascending upper bounds, e.g.
    /// [`LATENCY_BUCKETS`]) with these labels, empty on first use. A name first registered
    /// with another kind yields a detached histogram that is never rendered.
    pub fn histogram(
        &self,
        name: &'static str,
        help: &'static str,
        bounds: &'static [f64],
        labels: &[(&str, &str)],
    ) -> Histogram {
        match self.cell(name, help, Kind::Histogram, bounds, labels) {
            Cell::Histogram(cell) => Histogram(cell),
            _ => Histogram::detached(bounds),
        }
    }

    /// Adds a collector, asked for its families at every scrape (after the registry's).
    pub fn register_collector(&self, collector: Arc<dyn Collector>) {
        self.collectors.lock().push(collector);
    }

    fn cell(
        &self,
        name: &'static str,
        help: &'static str,
        kind: Kind,
        bounds: &'static [f64],
        labels: &[(&str, &str)],
    ) -> Cell {
        let mut families = self.families.lock();
        let family = families.entry(name).or_insert_with(|| Family {
            help,
            kind,
            bounds,
            series: BTreeMap::new(),
        });
        let mut key = render_labels(labels);
        if !family.series.contains_key(&key) && family.series.len() >= MAX_SERIES_PER_METRIC {
            key = render_labels(&[("overflow", "true")]);
        }
        family
            .series
            .entry(key)
            .or_insert_with(|| match family.kind {
                Kind::Counter => Cell::Counter(Arc::default()),
                Kind::Gauge => Cell::Gauge(Arc::default()),
                Kind::Histogram => Cell::Histogram(Arc::new(HistogramCells::new(family.bounds))),
            })
            .clone()
    }

    /// Appends every registered metric, then every collector's, to `out` in the
    /// Prometheus text format.
    pub fn render_into(&self, out: &mut String) {
        {
            let families = self.families.lock();
            for (name, family) in families.iter() {
                write_header(out, name, family.help, family.kind);
                for (labels, cell) in &family.series {
                    let value = match cell {
                        Cell::Counter(value) => value.load(Ordering::Relaxed).to_string(),
                        Cell::Gauge(value) => value.load(Ordering::Relaxed).to_string(),
                        Cell::Histogram(cells) => {
                            cells.render(out, name, labels);
                            continue;
                        }
                    };
                    let _ = writeln!(out, "{name}{labels} {value}");
                }
            }
        }
        // Cloned out of the lock: a collector may take its component's own locks.
        let collectors = self.collectors.lock().clone();
        let mut scrape = Scrape::new(out);
        for collector in collectors {
            collector.collect(&mut scrape);
        }
    }
}

/// A scrape-time figure rendered beside the registry (computed from the store).
pub(crate) struct Sample<'a> {
    pub(crate) labels: Vec<(&'a str, &'a str)>,
    pub(crate) value: u64,
}

/// Appends one computed gauge family to `out`.
pub(crate) fn render_gauge_family(
    out: &mut String,
    name: &str,
    help: &str,
    samples: &[Sample<'_>],
) {
    write_header(out, name, help, Kind::Gauge);
    for sample in samples {
        let _ = writeln!(
            out,
            "{name}{} {}",
            render_labels(&sample.labels),
            sample.value
        );
    }
}

fn write_header(out: &mut String, name: &str, help: &str, kind: Kind) {
    let _ = writeln!(
        out,
        "# HELP {name} {}",
        help.replace('\\', "\\\\").replace('\n', "\\n")
    );
    let _ = writeln!(out, "# TYPE {name} {}", kind.as_str());
}

fn render_labels(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(name, value)| {
            let escaped = value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{name}=\"{escaped}\"")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_gauges_render_in_prometheus_text() {
        let metrics = Metrics::new();
        let answered = metrics.counter("calls_total", "Calls.", &[("disposition", "answered")]);
        answered.add(3);
        metrics
            .counter("calls_total", "Calls.", &[("disposition", "answered")])
            .inc();
        metrics
            .gauge("queue_size", "Waiting callers.", &[("queue", "a\"b")])
            .set(-2);
        let mut out = String::new();
        metrics.render_into(&mut out);
        assert_eq!(
            out,
            "# HELP calls_total Calls.\n# TYPE calls_total counter\ncalls_total{disposition=\"answered\"} 4\n\
             # HELP queue_size Waiting callers.\n# TYPE queue_size gauge\nqueue_size{queue=\"a\\\"b\"} -2\n"
        );
    }

    #[test]
    fn histograms_and_collectors_render_after_registration() {
        let metrics = Metrics::new();
        let latency = metrics.histogram("x_seconds", "X latency.", &[0.5], &[("world", "call")]);
        latency.observe(0.25);
        latency.observe(2.0);
        // The same series again: the same cells.
        metrics
            .histogram("x_seconds", "X latency.", &[0.5], &[("world", "call")])
            .observe(0.5);
        metrics.register_collector(Arc::new(|scrape: &mut Scrape<'_>| {
            scrape.counter("y_total", "Y.", &[(&[], 7)]);
        }));
        let mut out = String::new();
        metrics.render_into(&mut out);
        assert_eq!(
            out,
            "# HELP x_seconds X latency.\n# TYPE x_seconds histogram\n\
             x_seconds_bucket{world=\"call\",le=\"0.5\"} 2\n\
             x_seconds_bucket{world=\"call\",le=\"+Inf\"} 3\n\
             x_seconds_sum{world=\"call\"} 2.75\n\
             x_seconds_count{world=\"call\"} 3\n\
             # HELP y_total Y.\n# TYPE y_total counter\ny_total 7\n"
        );
    }

    #[test]
    fn a_name_keeps_its_first_kind() {
        let metrics = Metrics::new();
        metrics.counter("z", "Z.", &[]).inc();
        metrics
            .histogram("z", "Z.", LATENCY_BUCKETS, &[])
            .observe(1.0);
        metrics.gauge("z", "Z.", &[]).set(5);
        let mut out = String::new();
        metrics.render_into(&mut out);
        assert_eq!(out, "# HELP z Z.\n# TYPE z counter\nz 1\n");
    }

    #[test]
    fn label_sets_are_bounded() {
        let metrics = Metrics::new();
        for i in 0..MAX_SERIES_PER_METRIC + 10 {
            metrics
                .counter("x_total", "X.", &[("peer", &i.to_string())])
                .inc();
        }
        let mut out = String::new();
        metrics.render_into(&mut out);
        assert!(out.contains("x_total{overflow=\"true\"} 10"), "{out}");
        assert_eq!(out.lines().count(), 2 + MAX_SERIES_PER_METRIC + 1);
    }
}

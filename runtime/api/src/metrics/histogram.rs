//! A Prometheus histogram with fixed buckets: one relaxed atomic add per bucket hit, the
//! sum and the count, so observing never takes a lock.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) for latencies from 100 µs to ten seconds: instantiating a pooled
/// component takes tens of microseconds to a millisecond, a cold one tens of milliseconds.
pub const LATENCY_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// A histogram's shared cells: one count per bucket (not cumulative; the `+Inf` bucket
/// last), the sum of observed values (f64 bits) and the count.
#[derive(Debug)]
pub(crate) struct HistogramCells {
    bounds: &'static [f64],
    buckets: Box<[AtomicU64]>,
    sum_bits: AtomicU64,
    count: AtomicU64,
}

impl HistogramCells {
    pub(crate) fn new(bounds: &'static [f64]) -> HistogramCells {
        HistogramCells {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_bits: AtomicU64::new(0f64.to_bits()),
            count: AtomicU64::new(0),
        }
    }

    /// Appends the `_bucket` (cumulative, `le` added to `labels`), `_sum` and `_count`
    /// lines of one series.
    pub(crate) fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0u64;
        for (index, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = match self.bounds.get(index) {
                Some(bound) => bound.to_string(),
                None => "+Inf".to_owned(),
            };
            let labels = with_label(labels, "le", &le);
            let _ = writeln!(out, "{name}_bucket{labels} {cumulative}");
        }
        let sum = f64::from_bits(self.sum_bits.load(Ordering::Relaxed));
        let _ = writeln!(out, "{name}_sum{labels} {sum}");
        let _ = writeln!(
            out,
            "{name}_count{labels} {}",
            self.count.load(Ordering::Relaxed)
        );
    }
}

/// Adds `name="value"` to an already rendered label set (`{…}` or empty).
fn with_label(labels: &str, name: &str, value: &str) -> String {
    match labels.strip_suffix('}') {
        Some(open) => format!("{open},{name}=\"{value}\"}}"),
        None => format!("{{{name}=\"{value}\"}}"),
    }
}

/// A distribution of observed values (latencies in seconds) over fixed buckets.
#[derive(Debug, Clone)]
pub struct Histogram(pub(crate) Arc<HistogramCells>);

impl Histogram {
    /// A histogram over `bounds` (ascending upper bounds) that no registry renders.
    pub fn detached(bounds: &'static [f64]) -> Histogram {
        Histogram(Arc::new(HistogramCells::new(bounds)))
    }

    /// Records one value.
    pub fn observe(&self, value: f64) {
        let cells = &self.0;
        let index = cells
            .bounds
            .iter()
            .position(|bound| value <= *bound)
            .unwrap_or(cells.bounds.len());
        if let Some(bucket) = cells.buckets.get(index) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        // A CAS loop on the bits: contention only when two observations race.
        let _ = cells
            .sum_bits
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some((f64::from_bits(bits) + value).to_bits())
            });
        cells.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Records a duration in seconds.
    pub fn observe_duration(&self, elapsed: Duration) {
        self.observe(elapsed.as_secs_f64());
    }

    /// Values observed so far.
    pub fn count(&self) -> u64 {
        self.0.count.load(Ordering::Relaxed)
    }

    /// The sum of the values observed so far.
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.0.sum_bits.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: &[f64] = &[0.1, 0.5, 1.0];

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them() {
        let histogram = Histogram::detached(BOUNDS);
        for value in [0.05, 0.1, 0.3, 0.7, 4.0] {
            histogram.observe(value);
        }
        let mut out = String::new();
        histogram.0.render(&mut out, "x_seconds", "");
        assert_eq!(
            out,
            "x_seconds_bucket{le=\"0.1\"} 2\n\
             x_seconds_bucket{le=\"0.5\"} 3\n\
             x_seconds_bucket{le=\"1\"} 4\n\
             x_seconds_bucket{le=\"+Inf\"} 5\n\
             x_seconds_sum 5.15\n\
             x_seconds_count 5\n"
        );
        assert_eq!(histogram.count(), 5);
    }

    #[test]
    fn the_le_label_joins_the_series_labels() {
        let histogram = Histogram::detached(BOUNDS);
        histogram.observe_duration(Duration::from_millis(200));
        let mut out = String::new();
        histogram
            .0
            .render(&mut out, "x_seconds", "{world=\"call\"}");
        assert!(
            out.starts_with("x_seconds_bucket{world=\"call\",le=\"0.1\"} 0\n"),
            "{out}"
        );
        assert!(
            out.contains("x_seconds_bucket{world=\"call\",le=\"0.5\"} 1\n"),
            "{out}"
        );
        assert!(
            out.ends_with("x_seconds_count{world=\"call\"} 1\n"),
            "{out}"
        );
    }

    #[test]
    fn observations_from_many_threads_are_all_counted() {
        let histogram = Histogram::detached(BOUNDS);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        histogram.observe(0.25);
                    }
                });
            }
        });
        assert_eq!(histogram.count(), 4000);
        assert!(
            (histogram.sum() - 1000.0).abs() < 1e-6,
            "{}",
            histogram.sum()
        );
    }
}

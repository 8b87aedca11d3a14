//! Figures read at scrape time from the components that own them (the SIP endpoint's
//! counters, the RTP totals, queue sizes): a [`Collector`] writes them through a
//! [`Scrape`] when `GET /metrics` renders, so the hot paths only bump their own atomics.

use std::fmt::Write;

use super::{Kind, MAX_SERIES_PER_METRIC, render_labels, write_header};

/// Labels of one sample: `(name, value)` pairs.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

/// Something that writes metric families at scrape time.
pub trait Collector: Send + Sync {
    /// Writes this collector's families.
    fn collect(&self, scrape: &mut Scrape<'_>);
}

impl<F> Collector for F
where
    F: Fn(&mut Scrape<'_>) + Send + Sync,
{
    fn collect(&self, scrape: &mut Scrape<'_>) {
        self(scrape)
    }
}

/// The exposition being written; collectors add whole families to it.
pub struct Scrape<'a> {
    out: &'a mut String,
}

impl<'a> Scrape<'a> {
    pub(crate) fn new(out: &'a mut String) -> Scrape<'a> {
        Scrape { out }
    }

    /// A counter family with its samples.
    pub fn counter(&mut self, name: &str, help: &str, samples: &[(Labels<'_>, u64)]) {
        self.family(name, help, Kind::Counter, samples);
    }

    /// A gauge family with its samples.
    pub fn gauge(&mut self, name: &str, help: &str, samples: &[(Labels<'_>, i64)]) {
        self.family(name, help, Kind::Gauge, samples);
    }

    /// Writes at most [`MAX_SERIES_PER_METRIC`] series; the rest are summed into one
    /// `overflow="true"` series, as the registry does.
    fn family<V>(&mut self, name: &str, help: &str, kind: Kind, samples: &[(Labels<'_>, V)])
    where
        V: Copy + std::fmt::Display + std::iter::Sum<V>,
    {
        write_header(self.out, name, help, kind);
        let kept = samples.len().min(MAX_SERIES_PER_METRIC);
        for (labels, value) in &samples[..kept] {
            let _ = writeln!(self.out, "{name}{} {value}", render_labels(labels));
        }
        if samples.len() > kept {
            let rest: V = samples[kept..].iter().map(|(_, value)| *value).sum();
            let _ = writeln!(self.out, "{name}{{overflow=\"true\"}} {rest}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collector_writes_whole_families() {
        let collector = |scrape: &mut Scrape<'_>| {
            scrape.counter(
                "sip_messages_total",
                "SIP messages.",
                &[
                    (&[("direction", "in"), ("method", "INVITE")], 3),
                    (&[("direction", "out"), ("status", "2xx")], 2),
                ],
            );
            scrape.gauge("calls_active", "Live calls.", &[(&[], 1)]);
        };
        let mut out = String::new();
        collector.collect(&mut Scrape::new(&mut out));
        assert_eq!(
            out,
            "# HELP sip_messages_total SIP messages.\n# TYPE sip_messages_total counter\n\
             sip_messages_total{direction=\"in\",method=\"INVITE\"} 3\n\
             sip_messages_total{direction=\"out\",status=\"2xx\"} 2\n\
             # HELP calls_active Live calls.\n# TYPE calls_active gauge\ncalls_active 1\n"
        );
    }

    #[test]
    fn collected_series_are_bounded_too() {
        let names: Vec<String> = (0..MAX_SERIES_PER_METRIC + 3)
            .map(|i| i.to_string())
            .collect();
        let labels: Vec<[(&str, &str); 1]> =
            names.iter().map(|n| [("queue", n.as_str())]).collect();
        let samples: Vec<(Labels<'_>, i64)> = labels.iter().map(|l| (&l[..], 2)).collect();
        let mut out = String::new();
        Scrape::new(&mut out).gauge("queue_waiting", "Waiting.", &samples);
        assert!(
            out.ends_with("queue_waiting{overflow=\"true\"} 6\n"),
            "{out}"
        );
        assert_eq!(out.lines().count(), 2 + MAX_SERIES_PER_METRIC + 1);
    }
}

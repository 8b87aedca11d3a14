//! How virtual time relates to real time.

use std::time::Duration;

use crate::time::Span;

/// Longest real sleep one virtual advance may cause (a guard against a
/// mistaken pace turning a test into an hour-long wait).
pub const MAX_SLEEP_PER_ADVANCE: Duration = Duration::from_secs(60);

/// Whether a simulated call waits in real time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Pace {
    /// Virtual time only: a ten-minute call runs in milliseconds.
    #[default]
    Virtual,
    /// Every virtual advance also awaits `tokio::time::sleep` for
    /// `real_per_virtual_second` per virtual second, so many simulated calls
    /// stay parked at once (sandbox tests, benchmarks).
    Sleep { real_per_virtual_second: Duration },
}

impl Pace {
    /// Waits as this pace asks for a virtual advance of `span`.
    pub(crate) async fn wait(self, span: Span) {
        if let Pace::Sleep {
            real_per_virtual_second,
        } = self
        {
            if span == Span::ZERO {
                return;
            }
            let real = real_per_virtual_second
                .mul_f64(span.as_millis() as f64 / 1000.0)
                .min(MAX_SLEEP_PER_ADVANCE);
            tokio::time::sleep(real).await;
        }
    }
}

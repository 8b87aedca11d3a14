//! Log output for command-line tools: off unless asked for.

use tracing_subscriber::filter::LevelFilter;

/// Sends `tracing` events to stderr: info with one `-v`, debug
/// with two, everything with three; nothing without `-v`.
pub(crate) fn init(verbosity: u8) {
    let level = match verbosity {
        0 => return,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    };
    // Fails only when a subscriber is already set, which is then kept.
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

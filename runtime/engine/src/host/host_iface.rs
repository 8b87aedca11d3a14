use crate::api::{LocalTime, LogLevel};
use crate::bindings::call_world::wasmphony::scenario::host::Host;
use crate::failure::ScenarioFailure;
use crate::state::{CallState, Party};

impl Host for CallState {
    async fn log(&mut self, level: LogLevel, message: String) -> wasmtime::Result<()> {
        self.meter.enter_host();
        self.meter.log_lines += 1;
        let max_lines = self.limits.max_log_lines;
        if self.meter.log_lines > max_lines {
            // A guest that logs without end is stuck; stopping it hands the
            // caller to the fallback instead of filling the disk.
            let failure = ScenarioFailure::LogFlood(max_lines);
            self.meter.failure = Some(failure.clone());
            return Err(wasmtime::Error::msg(failure.to_string()));
        }
        let line = truncate(&message, self.limits.max_log_line_bytes);
        match &mut self.party {
            Party::Call(call) => call.log(level, line),
            Party::Timer(sink) => sink.log(level, line),
        }
        Ok(())
    }

    async fn now(&mut self) -> wasmtime::Result<LocalTime> {
        self.meter.enter_host();
        Ok(match &self.party {
            Party::Call(call) => call.now(),
            Party::Timer(sink) => sink.now(),
        })
    }

    async fn config(&mut self) -> wasmtime::Result<String> {
        self.meter.enter_host();
        Ok(self.config_json.to_string())
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("héllo", 3), "hé");
        assert_eq!(truncate("hi", 10), "hi");
    }
}

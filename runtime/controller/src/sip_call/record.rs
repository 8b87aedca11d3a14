//! `record`: the caller's audio into a crash-safe WAV under the data directory.

use std::time::{Duration, SystemTime};

use tokio::time::Instant;
use wasmphony_engine::api::{CallError, Prompt, RecordOptions};
use wasmphony_media::dtmf::Digit;

use super::SipCall;
use super::wake::Wake;
use crate::call_record::CallRecording;
use crate::limits::{MAX_RECORD_SECONDS, MAX_RECORDINGS_PER_CALL};

impl SipCall {
    /// Records until the time limit, a terminator key, `silence_seconds` of the caller
    /// saying nothing, or the caller hanging up (the message is kept in every case).
    /// Returns the recording id.
    pub(super) async fn record_caller(
        &mut self,
        options: &RecordOptions,
    ) -> Result<String, CallError> {
        self.answer_call().await?;
        self.check_recording_limit()?;
        if options.beep {
            self.play_prompts(&[Prompt::Beep], false).await?;
        }
        let (id, relative, file) = self.open_recording()?;
        let leg = self.leg.as_ref().ok_or(CallError::Hangup)?;
        let stop_after_silence = (options.silence_seconds > 0)
            .then(|| Duration::from_secs(u64::from(options.silence_seconds)));
        leg.start_recording(file, stop_after_silence)
            .await
            .map_err(|e| CallError::Rejected(e.to_string()))?;
        self.recording_began(&id, relative);
        let seconds = match options.max_seconds {
            0 => MAX_RECORD_SECONDS,
            n => n.min(MAX_RECORD_SECONDS),
        };
        let started = Instant::now();
        let until = started + Duration::from_secs(u64::from(seconds));
        let terminators: Vec<Digit> = options
            .terminators
            .chars()
            .filter_map(Digit::from_char)
            .collect();
        loop {
            match self.next_wake(Some(until)).await {
                Wake::Digit(key) if terminators.contains(&key) => break,
                Wake::Digit(_) | Wake::PlayEnded => {}
                Wake::Deadline | Wake::Silence => break,
                Wake::Gone => {
                    // Dropping the leg finishes the file: the message is kept.
                    self.caller_left();
                    self.recorded(&id, started);
                    return Ok(id);
                }
            }
        }
        if let Some(leg) = self.leg.as_ref() {
            leg.stop_recording()
                .await
                .map_err(|e| CallError::Rejected(e.to_string()))?;
        }
        self.recorded(&id, started);
        Ok(id)
    }

    fn check_recording_limit(&self) -> Result<(), CallError> {
        if self.recordings >= MAX_RECORDINGS_PER_CALL {
            return Err(CallError::Limit(format!(
                "{MAX_RECORDINGS_PER_CALL} recordings per call"
            )));
        }
        Ok(())
    }

    /// Opens the file of the call's next recording (within the per-call limit): its id,
    /// its path relative to the recordings directory, and the file for the leg.
    pub(super) fn open_recording(&mut self) -> Result<(String, String, std::fs::File), CallError> {
        self.check_recording_limit()?;
        self.recordings += 1;
        let id = format!("{}-{}", file_safe(&self.info.id), self.recordings);
        let relative = self.recording_relative_path(&id);
        let file = open(&self.recording_file(&relative))
            .map_err(|e| CallError::Rejected(format!("recording file: {e}")))?;
        Ok((id, relative, file))
    }

    /// Books that recording `id` (file `relative`) started now, on whichever leg.
    pub(super) fn recording_began(&self, id: &str, relative: String) {
        self.book.lock().recording_started(CallRecording {
            id: id.to_string(),
            path: relative,
            started_at: SystemTime::now(),
            length: None,
        });
    }

    /// The file of a recording's path relative to the recordings directory.
    pub(super) fn recording_file(&self, relative: &str) -> std::path::PathBuf {
        self.context.data_dir.join("recordings").join(relative)
    }

    /// Books the end of recording `id`, started at `started`.
    fn recorded(&self, id: &str, started: Instant) {
        self.book.lock().recording_ended(id, started.elapsed());
    }

    /// Where recording `id` goes, relative to the data directory's `recordings/`: one
    /// directory per tenant, so the API serves a tenant only its own files.
    fn recording_relative_path(&self, id: &str) -> String {
        format!("{}/{id}.wav", file_safe(&self.info.tenant))
    }
}

fn open(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
}

/// Longest piece of a peer-chosen value used in a file name.
const MAX_FILE_PART: usize = 64;

/// A peer-controlled value (the Call-ID) made safe as a file name part.
pub(crate) fn file_safe(value: &str) -> String {
    value
        .chars()
        .take(MAX_FILE_PART)
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::file_safe;

    #[test]
    fn peer_values_cannot_escape_the_directory() {
        assert_eq!(file_safe("../../etc/passwd"), "______etc_passwd");
        assert_eq!(file_safe(&"a".repeat(500)).len(), 64);
    }
}

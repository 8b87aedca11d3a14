//! The per-call recorder: told each 20 ms tick's caller and agent audio and
//! the time, it writes them side by side and flushes on schedule.

use super::wav_writer::{CrashSafeWavWriter, RecordError};
use crate::codec::{INTERNAL_RATE_HZ, SAMPLES_PER_FRAME_8K};
use std::io::{Seek, Write};
use std::time::{Duration, Instant};

/// Longest time between header rewrites: a crash loses at most this much audio.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);

/// Records one call: channel 0 is the caller, channel 1 the agent (or
/// whatever the caller hears: prompts, music).
#[derive(Debug)]
pub struct CallRecorder<W: Write + Seek> {
    writer: CrashSafeWavWriter<W>,
    last_flush: Instant,
    interleaved: Vec<i16>,
}

impl<W: Write + Seek> CallRecorder<W> {
    /// Starts a recording into `file` at `now`.
    pub fn new(file: W, now: Instant) -> Result<Self, RecordError> {
        Ok(Self {
            writer: CrashSafeWavWriter::new(file, 2, INTERNAL_RATE_HZ)?,
            last_flush: now,
            interleaved: Vec::with_capacity(2 * SAMPLES_PER_FRAME_8K),
        })
    }

    /// Writes one 20 ms tick. A missing or short side is recorded as silence,
    /// so the channels stay aligned whatever each leg delivers.
    pub fn write_frame(
        &mut self,
        caller: Option<&[i16]>,
        agent: Option<&[i16]>,
        now: Instant,
    ) -> Result<(), RecordError> {
        self.interleaved.clear();
        let at = |side: Option<&[i16]>, i: usize| side.and_then(|s| s.get(i)).copied().unwrap_or(0);
        for i in 0..SAMPLES_PER_FRAME_8K {
            self.interleaved.push(at(caller, i));
            self.interleaved.push(at(agent, i));
        }
        self.writer.write_samples(&self.interleaved)?;
        if now.saturating_duration_since(self.last_flush) >= FLUSH_INTERVAL {
            self.writer.flush()?;
            self.last_flush = now;
        }
        Ok(())
    }

    /// Ends the recording and returns the file.
    pub fn finish(self) -> Result<W, RecordError> {
        self.writer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::FRAME_DURATION;
    use crate::codec::test_signal::sine;
    use std::fs::{File, OpenOptions};

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("wasmphony-media-{}-{name}.wav", std::process::id()))
    }

    #[test]
    fn file_cut_mid_call_reads_back_up_to_the_last_flush() {
        let path = temp_path("cut");
        let file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let t0 = Instant::now();
        let mut recorder = CallRecorder::new(file, t0).unwrap();
        let caller = sine(440.0, 8000, 8000 * 4, 9000.0);
        let agent = sine(1000.0, 8000, 8000 * 4, 5000.0);
        // 2.3 s of a call; then the process "dies": no finish(), the file is copied as is.
        let ticks = 115;
        for (i, (c, a)) in caller
            .chunks(160)
            .zip(agent.chunks(160))
            .take(ticks)
            .enumerate()
        {
            recorder
                .write_frame(Some(c), Some(a), t0 + FRAME_DURATION * i as u32)
                .unwrap();
        }
        let on_disk = std::fs::read(&path).unwrap();
        let flushed_frames = (on_disk.len() - 44) / 4;
        // Flushed at most FLUSH_INTERVAL (+ one tick) before the crash.
        assert!(
            flushed_frames >= (ticks - 26) * 160,
            "only {flushed_frames} frames on disk"
        );
        // Cut the file at several points past the last flush and read it back.
        for extra in [0usize, 1, 3, 100] {
            let cut = temp_path(&format!("cut-{extra}"));
            let mut bytes = on_disk.clone();
            bytes.extend(std::iter::repeat_n(0x55, extra)); // a torn write after the flush
            std::fs::write(&cut, &bytes).unwrap();
            let mut reader = hound::WavReader::open(&cut).unwrap();
            assert_eq!(reader.spec().channels, 2);
            let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
            assert_eq!(samples.len(), flushed_frames * 2);
            let (left, right): (Vec<i16>, Vec<i16>) =
                samples.chunks(2).map(|p| (p[0], p[1])).unzip();
            assert_eq!(left[..], caller[..flushed_frames]);
            assert_eq!(right[..], agent[..flushed_frames]);
            std::fs::remove_file(&cut).unwrap();
        }
        drop(recorder);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn missing_side_is_silence_and_finish_keeps_everything() {
        let path = temp_path("sides");
        let t0 = Instant::now();
        let mut recorder = CallRecorder::new(File::create(&path).unwrap(), t0).unwrap();
        recorder.write_frame(Some(&[100; 160]), None, t0).unwrap();
        recorder
            .write_frame(None, Some(&[200; 80]), t0 + FRAME_DURATION)
            .unwrap();
        recorder.finish().unwrap();
        let samples: Vec<i16> = hound::WavReader::open(&path)
            .unwrap()
            .samples::<i16>()
            .map(Result::unwrap)
            .collect();
        assert_eq!(samples.len(), 640);
        assert_eq!(&samples[..4], &[100, 0, 100, 0]);
        assert_eq!(&samples[320..324], &[0, 200, 0, 200]);
        assert_eq!(&samples[636..], &[0, 0, 0, 0], "short frame padded");
        std::fs::remove_file(&path).unwrap();
    }
}

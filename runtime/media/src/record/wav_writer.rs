//! A WAV writer whose header is always valid on disk.
//!
//! Samples are appended first and the RIFF and data sizes rewritten after,
//! so at every instant the header claims at most what the file holds: a
//! crash at any point leaves a WAV that plays up to the last flush.

use std::io::{Seek, SeekFrom, Write};

/// Canonical header length (RIFF + fmt + data chunk headers).
pub const WAV_HEADER_LEN: u64 = 44;
/// Samples held in memory between flushes before an early flush: 0.5 s of
/// stereo 8 kHz, what one recorder flush interval accumulates.
pub const MAX_PENDING_BYTES: usize = 16 * 1024;
/// Largest data chunk a WAV can describe (its size field is 32 bits).
const MAX_DATA_BYTES: u64 = u32::MAX as u64 - WAV_HEADER_LEN;

/// Why recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Writing the file failed.
    #[error("recording I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The file reached the WAV size limit (about 37 hours of stereo 8 kHz).
    #[error("recording reached the 4 GiB WAV limit")]
    Full,
}

/// Appends 16-bit PCM to a WAV file, keeping its header valid.
#[derive(Debug)]
pub struct CrashSafeWavWriter<W: Write + Seek> {
    inner: W,
    pending: Vec<u8>,
    data_bytes: u64,
}

impl<W: Write + Seek> CrashSafeWavWriter<W> {
    /// Writes an empty WAV header (`channels` × 16-bit at `sample_rate`) at the start of `inner`.
    pub fn new(mut inner: W, channels: u16, sample_rate: u32) -> Result<Self, RecordError> {
        let block_align = channels * 2;
        let mut header = Vec::with_capacity(WAV_HEADER_LEN as usize);
        header.extend_from_slice(b"RIFF");
        header.extend_from_slice(&36u32.to_le_bytes());
        header.extend_from_slice(b"WAVEfmt ");
        header.extend_from_slice(&16u32.to_le_bytes());
        header.extend_from_slice(&1u16.to_le_bytes()); // PCM
        header.extend_from_slice(&channels.to_le_bytes());
        header.extend_from_slice(&sample_rate.to_le_bytes());
        header.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
        header.extend_from_slice(&block_align.to_le_bytes());
        header.extend_from_slice(&16u16.to_le_bytes());
        header.extend_from_slice(b"data");
        header.extend_from_slice(&0u32.to_le_bytes());
        inner.seek(SeekFrom::Start(0))?;
        inner.write_all(&header)?;
        inner.flush()?;
        Ok(Self {
            inner,
            pending: Vec::with_capacity(MAX_PENDING_BYTES),
            data_bytes: 0,
        })
    }

    /// Queues interleaved samples; flushes early if [`MAX_PENDING_BYTES`] is reached.
    pub fn write_samples(&mut self, interleaved: &[i16]) -> Result<(), RecordError> {
        if self.data_bytes + (self.pending.len() + interleaved.len() * 2) as u64 > MAX_DATA_BYTES {
            return Err(RecordError::Full);
        }
        for s in interleaved {
            self.pending.extend_from_slice(&s.to_le_bytes());
        }
        if self.pending.len() >= MAX_PENDING_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Appends the queued samples, then makes the header claim them.
    pub fn flush(&mut self) -> Result<(), RecordError> {
        if !self.pending.is_empty() {
            self.inner
                .seek(SeekFrom::Start(WAV_HEADER_LEN + self.data_bytes))?;
            self.inner.write_all(&self.pending)?;
            // The samples must reach the file before the header that claims them.
            self.inner.flush()?;
            self.data_bytes += self.pending.len() as u64;
            self.pending.clear();
        }
        let data = self.data_bytes as u32;
        self.inner.seek(SeekFrom::Start(4))?;
        self.inner.write_all(&(data + 36).to_le_bytes())?;
        self.inner.seek(SeekFrom::Start(40))?;
        self.inner.write_all(&data.to_le_bytes())?;
        self.inner.flush()?;
        Ok(())
    }

    /// Bytes of samples the header currently claims.
    pub fn flushed_bytes(&self) -> u64 {
        self.data_bytes
    }

    /// Flushes and returns the underlying file.
    pub fn finish(mut self) -> Result<W, RecordError> {
        self.flush()?;
        Ok(self.inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A file that accepts `budget` more bytes and then fails every write:
    /// the state a crash leaves behind, at any byte. Large writes may tear;
    /// a 4-byte size field is written whole or not at all, as one `write`
    /// to the page cache is when the process dies.
    struct CrashingFile {
        file: Cursor<Vec<u8>>,
        budget: usize,
    }

    impl Write for CrashingFile {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.budget == 0 || (buf.len() <= 4 && buf.len() > self.budget) {
                self.budget = 0;
                return Err(std::io::Error::other("crash"));
            }
            let n = buf.len().min(self.budget);
            self.budget -= n;
            self.file.write(&buf[..n])
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Seek for CrashingFile {
        fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
            self.file.seek(pos)
        }
    }

    fn samples(n: usize) -> Vec<i16> {
        (0..n).map(|i| (i as i16).wrapping_mul(37)).collect()
    }

    #[test]
    fn a_crash_at_any_byte_leaves_a_valid_prefix() {
        let all = samples(4000);
        let mut last_len = 0;
        for budget in (44..20_000).step_by(13) {
            let mut writer = match CrashSafeWavWriter::new(
                CrashingFile {
                    file: Cursor::new(Vec::new()),
                    budget,
                },
                2,
                8000,
            ) {
                Ok(w) => w,
                Err(_) => continue,
            };
            let mut durable = 0;
            for chunk in all.chunks(320) {
                if writer.write_samples(chunk).is_err() || writer.flush().is_err() {
                    break;
                }
                durable = writer.flushed_bytes() as usize / 2;
            }
            let file = writer.inner.file.into_inner();
            let reader = hound::WavReader::new(Cursor::new(file)).unwrap();
            let read: Vec<i16> = reader.into_samples::<i16>().map(Result::unwrap).collect();
            assert!(
                read.len() >= durable,
                "budget {budget}: lost flushed samples"
            );
            assert_eq!(read[..], all[..read.len()], "budget {budget}");
            assert!(read.len() >= last_len);
            last_len = read.len();
        }
        assert_eq!(last_len, all.len());
    }

    #[test]
    fn finished_file_is_a_normal_wav() {
        let mut writer = CrashSafeWavWriter::new(Cursor::new(Vec::new()), 2, 8000).unwrap();
        writer.write_samples(&samples(1000)).unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        let reader = hound::WavReader::new(Cursor::new(bytes)).unwrap();
        assert_eq!(
            reader.spec(),
            hound::WavSpec {
                channels: 2,
                sample_rate: 8000,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int
            }
        );
        assert_eq!(reader.len(), 1000);
    }
}

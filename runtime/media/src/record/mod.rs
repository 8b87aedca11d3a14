//! Call recording: caller and agent on the two channels of one 8 kHz 16-bit
//! WAV, written so that a file cut by a crash stays playable.

pub mod recorder;
pub mod silence;
pub mod wav_writer;

pub use recorder::{CallRecorder, FLUSH_INTERVAL};
pub use silence::SilenceDetector;
pub use wav_writer::{CrashSafeWavWriter, RecordError};

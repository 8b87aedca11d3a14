//! Lines in the call's timeline (bounded per call by the host; the excess is dropped).

use crate::wit::host;
pub use crate::wit::host::Level;

/// Logs at a level.
pub fn log(level: Level, message: impl AsRef<str>) {
    host::log(level, message.as_ref());
}

/// Logs a debug line.
pub fn debug(message: impl AsRef<str>) {
    log(Level::Debug, message);
}

/// Logs an info line.
pub fn info(message: impl AsRef<str>) {
    log(Level::Info, message);
}

/// Logs a warning.
pub fn warn(message: impl AsRef<str>) {
    log(Level::Warn, message);
}

/// Logs an error.
pub fn error(message: impl AsRef<str>) {
    log(Level::Error, message);
}

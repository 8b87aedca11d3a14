//! A validated, compiled scenario ready to instantiate per call.

use crate::bindings::call_world::InboundCallPre;
use crate::bindings::timer_world::TimerPre;
use crate::content_hash::ContentHash;
use crate::state::CallState;

/// Which world a component implements. `inbound-call` and `outbound-call`
/// have the same shape, so one compiled component can serve both directions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum World {
    /// Exports `handle(call-info)`: inbound or outbound calls.
    Call,
    /// Exports `on-timer(event)`.
    Timer,
}

impl World {
    pub fn as_str(self) -> &'static str {
        match self {
            World::Call => "call",
            World::Timer => "timer",
        }
    }
}

pub(crate) enum Pre {
    Call(InboundCallPre<CallState>),
    Timer(TimerPre<CallState>),
}

/// A component checked against the contract and linked against the host,
/// so that instantiating it per call does no lookups.
pub struct CompiledScenario {
    pub(crate) hash: ContentHash,
    pub(crate) world: World,
    pub(crate) pre: Pre,
    pub(crate) size: usize,
}

impl CompiledScenario {
    pub fn hash(&self) -> ContentHash {
        self.hash
    }

    pub fn world(&self) -> World {
        self.world
    }

    /// Size of the uploaded component in bytes.
    pub fn size(&self) -> usize {
        self.size
    }
}

impl std::fmt::Debug for CompiledScenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledScenario")
            .field("hash", &self.hash.short())
            .field("world", &self.world)
            .finish()
    }
}

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("the upload is {size} bytes; the limit is {max}")]
    TooLarge { size: usize, max: usize },
    #[error("not a WebAssembly component{0}")]
    NotAComponent(&'static str),
    #[error("the component does not compile: {0}")]
    Compile(String),
    #[error(
        "the component implements no world this host runs (it exports [{exports}]; \
         a scenario exports `handle` for calls or `on-timer` for timers)"
    )]
    UnknownWorld { exports: String },
    #[error("the component cannot be linked against wasmphony:scenario@0.1.0: {0}")]
    Link(String),
}

/// The binary preamble of a component (as opposed to a core module).
const COMPONENT_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];
const MODULE_PREAMBLE: [u8; 8] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

pub(crate) fn check_preamble(bytes: &[u8]) -> Result<(), ValidationError> {
    match bytes.get(..8) {
        Some(head) if head == COMPONENT_PREAMBLE => Ok(()),
        Some(head) if head == MODULE_PREAMBLE => Err(ValidationError::NotAComponent(
            " (it is a core module; build with --target wasm32-wasip2 or run `wasm-tools component new`)",
        )),
        _ => Err(ValidationError::NotAComponent(" (bad magic bytes)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_tells_components_from_modules_and_junk() {
        assert_eq!(check_preamble(&COMPONENT_PREAMBLE), Ok(()));
        assert!(
            matches!(check_preamble(&MODULE_PREAMBLE), Err(ValidationError::NotAComponent(m)) if m.contains("core module"))
        );
        assert!(check_preamble(b"hello world").is_err());
        assert!(check_preamble(b"").is_err());
    }
}

//! Request body limits per route family. A peer controls body sizes, so every route that
//! reads a body reads at most one of these.

/// JSON bodies of configuration objects, contacts, records: generous for a route's scenario
/// configuration, small enough that a flood of them cannot exhaust memory.
pub const MAX_JSON_BODY: usize = 256 * 1024;

/// A prompt upload (WAV): the store's cap on prompt audio.
pub const MAX_PROMPT_BODY: usize = wasmphony_store::MAX_PROMPT_BYTES;

/// A component upload (`.wasm`): the engine's cap on components.
pub const MAX_COMPONENT_BODY: usize = wasmphony_engine::MAX_COMPONENT_BYTES;

/// A contacts CSV import; the store also caps the number of rows.
pub const MAX_CSV_IMPORT_BODY: usize = 8 * 1024 * 1024;

/// The body limits one router applies; [`ApiLimits::default`] uses the constants above.
/// Tests lower them to exercise the oversize path cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiLimits {
    /// See [`MAX_JSON_BODY`].
    pub json_body: usize,
    /// See [`MAX_PROMPT_BODY`].
    pub prompt_body: usize,
    /// See [`MAX_COMPONENT_BODY`].
    pub component_body: usize,
    /// See [`MAX_CSV_IMPORT_BODY`].
    pub csv_import_body: usize,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            json_body: MAX_JSON_BODY,
            prompt_body: MAX_PROMPT_BODY,
            component_body: MAX_COMPONENT_BODY,
            csv_import_body: MAX_CSV_IMPORT_BODY,
        }
    }
}

//! Request body limits per route family. A peer controls body sizes, so every route that
//! reads a body reads at most one of these. The public widget route is rate-limited too.

use std::time::Duration;

pub use crate::rate_limit::BucketSpec;

/// JSON bodies of configuration objects, contacts, records: generous for a route's scenario
/// configuration, small enough that a flood of them cannot exhaust memory.
pub const MAX_JSON_BODY: usize = 256 * 1024;

/// A prompt upload (WAV): the store's cap on prompt audio.
pub const MAX_PROMPT_BODY: usize = wasmphony_store::MAX_PROMPT_BYTES;

/// A component upload (`.wasm`): the engine's cap on components.
pub const MAX_COMPONENT_BODY: usize = wasmphony_engine::MAX_COMPONENT_BYTES;

/// A contacts CSV import; the store also caps the number of rows.
pub const MAX_CSV_IMPORT_BODY: usize = 8 * 1024 * 1024;

/// Callback requests one widget key may file at once, then one per
/// [`WIDGET_KEY_REFILL`]: a busy site's visitors fit, a script hammering the key does not.
pub const WIDGET_KEY_BURST: u32 = 20;
/// See [`WIDGET_KEY_BURST`].
pub const WIDGET_KEY_REFILL: Duration = Duration::from_secs(30);
/// Widget requests one source address may send at once (whatever the key), then one per
/// [`WIDGET_SOURCE_REFILL`]: a visitor retrying a typo fits, a flood does not.
pub const WIDGET_SOURCE_BURST: u32 = 5;
/// See [`WIDGET_SOURCE_BURST`].
pub const WIDGET_SOURCE_REFILL: Duration = Duration::from_secs(60);
/// Source addresses (and widget keys) whose buckets are kept at once.
pub const WIDGET_TRACKED_SOURCES: usize = 10_000;

/// The body and rate limits one router applies; [`ApiLimits::default`] uses the constants
/// above. Tests lower them to exercise the oversize and 429 paths cheaply.
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
    /// Widget requests per widget key ([`WIDGET_KEY_BURST`]).
    pub widget_per_key: BucketSpec,
    /// Widget requests per source address ([`WIDGET_SOURCE_BURST`]).
    pub widget_per_source: BucketSpec,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            json_body: MAX_JSON_BODY,
            prompt_body: MAX_PROMPT_BODY,
            component_body: MAX_COMPONENT_BODY,
            csv_import_body: MAX_CSV_IMPORT_BODY,
            widget_per_key: BucketSpec {
                burst: WIDGET_KEY_BURST,
                refill: WIDGET_KEY_REFILL,
            },
            widget_per_source: BucketSpec {
                burst: WIDGET_SOURCE_BURST,
                refill: WIDGET_SOURCE_REFILL,
            },
        }
    }
}

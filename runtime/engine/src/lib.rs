//! The wasmtime host that runs call scenarios: WebAssembly components written
//! against `wit/scenario` (`wasmphony:scenario@0.1.0`).
//!
//! One [`ScenarioHost`] per process compiles and validates components
//! ([`ScenarioHost::compile`]) and runs one instance per call
//! ([`ScenarioHost::run_call`]) in its own `Store`, parked on a fiber while the
//! host does media or signalling work. Guests are sandboxed by
//! [`SandboxLimits`]: memory, stack, CPU between host calls (epoch
//! interruption), log volume, argument sizes and instances per tenant. When a
//! guest fails for any reason, the route's [`Fallback`] takes the caller.
//!
//! The host knows nothing of SIP or RTP: calls come in through the
//! [`CallControl`] trait (a real call in the server, a scripted caller in the
//! simulator) and tenant data through [`TenantServices`].

pub mod api;
mod artifact_cache;
mod bindings;
mod compiled;
mod content_hash;
mod control;
mod epoch;
mod failure;
mod fallback;
mod host;
mod limits;
mod observer;
mod registry;
mod scenario_host;
mod services;
mod state;

pub use compiled::{CompiledScenario, ValidationError, World};
pub use content_hash::ContentHash;
pub use control::{CallControl, TimeSource, TimerSink};
pub use failure::ScenarioFailure;
pub use fallback::{Fallback, FallbackOutcome, VOICEMAIL_GREETING, parse_target};
pub use limits::SandboxLimits;
pub use observer::{HostObserver, Unobserved};
pub use registry::{MAX_VERSIONS_PER_SCENARIO, RegistryError, ScenarioRegistry, VersionInfo};
pub use scenario_host::{CallRun, HostConfig, HostError, MAX_COMPONENT_BYTES, ScenarioHost};
pub use services::{CallbackAttempt, CallbackFiling, TenantServices};

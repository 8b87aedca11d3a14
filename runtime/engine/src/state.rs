//! What one wasmtime `Store` holds: the call it serves, the tenant's services,
//! and the meters that enforce the sandbox limits.

use std::sync::Arc;

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::control::{CallControl, TimerSink};
use crate::failure::ScenarioFailure;
use crate::limits::SandboxLimits;
use crate::services::TenantServices;

/// Who the instance talks to: a call, or (timer world) nobody.
pub(crate) enum Party {
    Call(Box<dyn CallControl>),
    Timer(Arc<dyn TimerSink>),
}

pub(crate) struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: GuestLimiter,
    pub(crate) meter: Meter,
    pub(crate) party: Party,
    pub(crate) services: Arc<dyn TenantServices>,
    pub(crate) config_json: Arc<str>,
    pub(crate) limits: Arc<SandboxLimits>,
}

impl CallState {
    pub(crate) fn new(
        party: Party,
        services: Arc<dyn TenantServices>,
        config_json: Arc<str>,
        limits: Arc<SandboxLimits>,
    ) -> Self {
        // No arguments, environment, files, sockets or stdio: a scenario reaches
        // the outside world only through the contract's interfaces.
        let wasi = WasiCtx::builder().build();
        CallState {
            wasi,
            table: ResourceTable::new(),
            limiter: GuestLimiter {
                max_memory_bytes: limits.max_memory_bytes,
                max_table_elements: limits.max_table_elements,
                memory_denied: false,
            },
            meter: Meter {
                cpu_ticks: 0,
                cpu_budget_ticks: limits.cpu_budget_ticks(),
                log_lines: 0,
                failure: None,
            },
            party,
            services,
            config_json,
            limits,
        }
    }

    /// Takes the call back once the instance is done, for the fallback.
    pub(crate) fn into_party(self) -> Party {
        self.party
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Counts what a guest consumes between and across host calls.
pub(crate) struct Meter {
    /// Epoch ticks spent in guest code since the last host call.
    pub(crate) cpu_ticks: u64,
    pub(crate) cpu_budget_ticks: u64,
    pub(crate) log_lines: u32,
    /// Set by the host when it stops the guest for a limit, so the trap that
    /// follows is reported with its real reason.
    pub(crate) failure: Option<ScenarioFailure>,
}

impl Meter {
    /// Every host call starts a fresh CPU budget.
    pub(crate) fn enter_host(&mut self) {
        self.cpu_ticks = 0;
    }
}

/// Memory and table caps; remembers a denial so the resulting trap (Rust
/// guests abort on allocation failure) is reported as a memory failure.
pub(crate) struct GuestLimiter {
    max_memory_bytes: usize,
    max_table_elements: usize,
    pub(crate) memory_denied: bool,
}

impl ResourceLimiter for GuestLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_memory_bytes {
            self.memory_denied = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.max_table_elements)
    }
}

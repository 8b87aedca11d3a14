//! The scenario host: one wasmtime engine, one linker, a pool of instance
//! slots, and the per-call run loop that enforces the sandbox and the
//! fallback policy.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{
    Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, UpdateDeadline,
};

use crate::api::TimerEvent;
use crate::artifact_cache::ArtifactCache;
use crate::bindings::call_world::{InboundCall, InboundCallPre};
use crate::bindings::timer_world::TimerPre;
use crate::compiled::{CompiledScenario, Pre, ValidationError, World, check_preamble};
use crate::content_hash::ContentHash;
use crate::control::{CallControl, TimerSink};
use crate::failure::ScenarioFailure;
use crate::fallback::{Fallback, FallbackOutcome, run_fallback};
use crate::limits::SandboxLimits;
use crate::observer::{HostObserver, Unobserved};
use crate::services::TenantServices;
use crate::state::{CallState, Party};

/// Largest component upload accepted.
pub const MAX_COMPONENT_BYTES: usize = 32 * 1024 * 1024;
/// Longest failure message kept (guest messages are untrusted and unbounded).
const MAX_FAILURE_MESSAGE: usize = 1024;

/// How the host is set up.
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub limits: SandboxLimits,
    /// Where compiled artifacts are cached across restarts (none: memory only).
    pub cache_dir: Option<PathBuf>,
    /// Instance slots in the pooling allocator: the most scenario instances
    /// (calls plus timers) alive at once in this process.
    pub pool_slots: u32,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            limits: SandboxLimits::DEFAULT,
            cache_dir: None,
            pool_slots: 1_000,
        }
    }
}

/// Errors setting the host up (not guest failures).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("wasmtime engine: {0}")]
    Engine(String),
    #[error("epoch ticker thread: {0}")]
    Ticker(#[from] std::io::Error),
}

/// The result of running one call's scenario.
pub struct CallRun {
    /// Content hash of the component that ran (for the CDR).
    pub component_hash: ContentHash,
    /// Why the guest stopped early, if it did.
    pub failure: Option<ScenarioFailure>,
    /// What the fallback did, when it ran.
    pub fallback: Option<FallbackOutcome>,
    /// The call, handed back for hang-up and bookkeeping.
    pub call: Box<dyn CallControl>,
}

pub struct ScenarioHost {
    engine: Engine,
    linker: Linker<CallState>,
    limits: Arc<SandboxLimits>,
    cache: ArtifactCache,
    tenant_slots: Mutex<HashMap<String, Arc<Semaphore>>>,
    observer: Arc<dyn HostObserver>,
    // Declared last: dropped after everything that may still run guest code.
    _ticker: crate::epoch::EpochTicker,
}

impl ScenarioHost {
    pub fn new(config: HostConfig) -> Result<Arc<Self>, HostError> {
        Self::observed(config, Arc::new(Unobserved))
    }

    /// A host that tells `observer` of every instantiation and guest failure (metrics).
    pub fn observed(
        config: HostConfig,
        observer: Arc<dyn HostObserver>,
    ) -> Result<Arc<Self>, HostError> {
        let limits = config.limits;
        let engine = Engine::new(&engine_config(&limits, config.pool_slots))
            .map_err(|e| HostError::Engine(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| HostError::Engine(format!("{e:#}")))?;
        InboundCall::add_to_linker::<CallState, HasSelf<CallState>>(&mut linker, |s| s)
            .map_err(|e| HostError::Engine(format!("{e:#}")))?;
        let ticker = crate::epoch::EpochTicker::start(engine.clone(), limits.epoch_tick)?;
        Ok(Arc::new(ScenarioHost {
            cache: ArtifactCache::new(&engine, config.cache_dir),
            engine,
            linker,
            limits: Arc::new(limits),
            tenant_slots: Mutex::new(HashMap::new()),
            observer,
            _ticker: ticker,
        }))
    }

    pub fn limits(&self) -> &SandboxLimits {
        &self.limits
    }

    /// Validates and compiles an upload: it must be a component, compile, and
    /// implement a world this host runs with imports the host provides.
    pub fn compile(&self, bytes: &[u8]) -> Result<CompiledScenario, ValidationError> {
        if bytes.len() > MAX_COMPONENT_BYTES {
            return Err(ValidationError::TooLarge {
                size: bytes.len(),
                max: MAX_COMPONENT_BYTES,
            });
        }
        check_preamble(bytes)?;
        let hash = ContentHash::of(bytes);
        let component = self
            .cache
            .load_or_compile(&self.engine, hash, bytes)
            .map_err(|e| ValidationError::Compile(format!("{e:#}")))?;
        let exports: Vec<String> = component
            .component_type()
            .exports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        let link = |e: wasmtime::Error| ValidationError::Link(format!("{e:#}"));
        let instance_pre = self.linker.instantiate_pre(&component).map_err(link)?;
        let (world, pre) = if exports.iter().any(|e| e == "handle") {
            (
                World::Call,
                Pre::Call(InboundCallPre::new(instance_pre).map_err(link)?),
            )
        } else if exports.iter().any(|e| e == "on-timer") {
            (
                World::Timer,
                Pre::Timer(TimerPre::new(instance_pre).map_err(link)?),
            )
        } else {
            return Err(ValidationError::UnknownWorld {
                exports: exports.join(", "),
            });
        };
        Ok(CompiledScenario {
            hash,
            world,
            pre,
            size: bytes.len(),
        })
    }

    /// Runs `scenario` for one call. Whatever the guest does, the caller is
    /// not left in silence: on failure the route's `fallback` takes the call.
    pub async fn run_call(
        &self,
        tenant: &str,
        scenario: &CompiledScenario,
        call: Box<dyn CallControl>,
        services: Arc<dyn TenantServices>,
        config_json: Arc<str>,
        fallback: &Fallback,
    ) -> CallRun {
        let hash = scenario.hash;
        let (failure, mut call) = match &scenario.pre {
            Pre::Call(pre) => {
                self.run_guest(tenant, pre, call, services, config_json)
                    .await
            }
            Pre::Timer(_) => (
                Some(ScenarioFailure::Instantiate(
                    "a timer scenario cannot take a call".into(),
                )),
                call,
            ),
        };
        let fallback = match &failure {
            None => None,
            Some(failure) => {
                self.observer.guest_failed(failure);
                tracing::warn!(tenant, component = %hash.short(), %failure, "scenario failed; running the fallback");
                call.on_guest_failure(&failure.to_string());
                Some(Box::pin(run_fallback(call.as_mut(), fallback)).await)
            }
        };
        CallRun {
            component_hash: hash,
            failure,
            fallback,
            call,
        }
    }

    async fn run_guest(
        &self,
        tenant: &str,
        pre: &InboundCallPre<CallState>,
        call: Box<dyn CallControl>,
        services: Arc<dyn TenantServices>,
        config_json: Arc<str>,
    ) -> (Option<ScenarioFailure>, Box<dyn CallControl>) {
        let _permit = match self.tenant_slot(tenant) {
            Ok(permit) => permit,
            Err(failure) => return (Some(failure), call),
        };
        let info = call.info();
        let mut store = self.new_store(Party::Call(call), services, config_json);
        let started = Instant::now();
        // Boxed, as the fallback above: a call's task keeps its future at the size of its
        // largest state for the whole call, and instantiating lasts a moment.
        let result = match Box::pin(pre.instantiate_async(&mut store)).await {
            Ok(instance) => {
                self.observer.instantiated(started.elapsed());
                instance.call_handle(&mut store, &info).await
            }
            Err(err) => Err(err),
        };
        let failure = classify(result, &store, &self.limits);
        let Party::Call(call) = store.into_data().into_party() else {
            unreachable!("run_guest builds a call party")
        };
        (failure, call)
    }

    /// Instantiates `scenario` in a fresh store and drops the instance without
    /// calling its export: exactly what every call pays before the guest's first
    /// instruction. The benchmark measures it; it also proves that a component
    /// instantiates under this host's limits.
    pub async fn instantiate_only(
        &self,
        tenant: &str,
        scenario: &CompiledScenario,
        call: Box<dyn CallControl>,
        services: Arc<dyn TenantServices>,
    ) -> Result<(), ScenarioFailure> {
        let _permit = self.tenant_slot(tenant)?;
        let mut store = self.new_store(Party::Call(call), services, Arc::from("{}"));
        let instantiated = match &scenario.pre {
            Pre::Call(pre) => pre.instantiate_async(&mut store).await.map(drop),
            Pre::Timer(pre) => pre.instantiate_async(&mut store).await.map(drop),
        };
        instantiated.map_err(|err| ScenarioFailure::Instantiate(bounded(&format!("{err:#}"))))
    }

    /// Runs a timer-world scenario for one wake-up.
    pub async fn run_timer(
        &self,
        tenant: &str,
        scenario: &CompiledScenario,
        sink: Arc<dyn TimerSink>,
        services: Arc<dyn TenantServices>,
        config_json: Arc<str>,
        event: TimerEvent,
    ) -> Result<(), ScenarioFailure> {
        let outcome = self
            .run_timer_guest(tenant, scenario, sink, services, config_json, event)
            .await;
        if let Err(failure) = &outcome {
            self.observer.guest_failed(failure);
        }
        outcome
    }

    async fn run_timer_guest(
        &self,
        tenant: &str,
        scenario: &CompiledScenario,
        sink: Arc<dyn TimerSink>,
        services: Arc<dyn TenantServices>,
        config_json: Arc<str>,
        event: TimerEvent,
    ) -> Result<(), ScenarioFailure> {
        let Pre::Timer(pre) = &scenario.pre else {
            return Err(ScenarioFailure::Instantiate(
                "a call scenario cannot take a timer".into(),
            ));
        };
        let _permit = self.tenant_slot(tenant)?;
        let mut store = self.new_store(Party::Timer(sink), services, config_json);
        let started = Instant::now();
        let result = match pre.instantiate_async(&mut store).await {
            Ok(instance) => {
                self.observer.instantiated(started.elapsed());
                instance.call_on_timer(&mut store, &event).await
            }
            Err(err) => Err(err),
        };
        match classify(result, &store, &self.limits) {
            None => Ok(()),
            Some(failure) => Err(failure),
        }
    }

    fn new_store(
        &self,
        party: Party,
        services: Arc<dyn TenantServices>,
        config_json: Arc<str>,
    ) -> Store<CallState> {
        let state = CallState::new(party, services, config_json, self.limits.clone());
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        store.set_epoch_deadline(1);
        let budget = self.limits.cpu_budget;
        store.epoch_deadline_callback(move |mut ctx| {
            let meter = &mut ctx.data_mut().meter;
            meter.cpu_ticks += 1;
            if meter.cpu_ticks > meter.cpu_budget_ticks {
                let failure = ScenarioFailure::CpuBudget(budget);
                meter.failure = Some(failure.clone());
                return Err(wasmtime::Error::msg(failure.to_string()));
            }
            // Let other calls' tasks run on this worker before continuing.
            Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(tokio::task::yield_now()),
            ))
        });
        store
    }

    /// Takes one of the tenant's instance slots for the life of a run.
    fn tenant_slot(&self, tenant: &str) -> Result<OwnedSemaphorePermit, ScenarioFailure> {
        let max = self.limits.max_instances_per_tenant;
        let semaphore = self
            .tenant_slots
            .lock()
            .entry(tenant.to_string())
            .or_insert_with(|| Arc::new(Semaphore::new(max as usize)))
            .clone();
        semaphore
            .try_acquire_owned()
            .map_err(|_| ScenarioFailure::InstanceLimit(max))
    }
}

fn engine_config(limits: &SandboxLimits, pool_slots: u32) -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.max_wasm_stack(limits.max_wasm_stack_bytes);
    // Host functions run on the guest's fiber too; leave them room.
    config.async_stack_size(limits.fiber_stack_bytes());
    // A pooled fiber stack goes back to the system (zeroed) when its call ends. Without
    // this the stack's touched pages (28 KiB per ivr-menu call) stay resident in every
    // slot a burst of calls ever used, so memory never returned to idle after a peak,
    // and the next tenant's guest would run on a stack holding the last one's data.
    // The cost is one madvise per instance and a few page faults on the next call.
    config.async_stack_zeroing(true);
    // Reserve only what a guest may use, so that thousands of slots fit in the
    // address space; bounds checks are explicit below that size.
    let memory = limits.max_memory_bytes as u64;
    config.memory_reservation(memory);
    config.memory_guard_size(2 * 1024 * 1024);
    config.memory_reservation_for_growth(0);
    let slots = pool_slots.max(1);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(4))
        .total_memories(slots.saturating_mul(2))
        .total_tables(slots.saturating_mul(2))
        .total_stacks(slots)
        .async_stack_keep_resident(0)
        .max_memory_size(limits.max_memory_bytes)
        .table_elements(limits.max_table_elements);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// Turns the outcome of a guest run into a failure reason, preferring the
/// reason the host recorded when it stopped the guest itself.
fn classify(
    result: wasmtime::Result<Result<(), String>>,
    store: &Store<CallState>,
    limits: &SandboxLimits,
) -> Option<ScenarioFailure> {
    let err = match result {
        Ok(Ok(())) => return None,
        Ok(Err(message)) => {
            return Some(ScenarioFailure::GuestError(bounded(&message)));
        }
        Err(err) => err,
    };
    let state = store.data();
    if let Some(failure) = &state.meter.failure {
        return Some(failure.clone());
    }
    if state.limiter.memory_denied {
        return Some(ScenarioFailure::Memory(limits.max_memory_bytes));
    }
    if let Some(wasmtime::Trap::StackOverflow) = err.downcast_ref::<wasmtime::Trap>() {
        return Some(ScenarioFailure::StackOverflow);
    }
    Some(ScenarioFailure::Trap(bounded(&format!("{err:#}"))))
}

fn bounded(message: &str) -> String {
    crate::host::truncate(message, MAX_FAILURE_MESSAGE).to_string()
}

//! Running a script: the component, a [`SimCall`] and [`SimServices`]
//! through the engine, then the expectations.

use std::sync::Arc;
use std::time::Duration;

use wasmphony_engine::{CompiledScenario, ScenarioHost, ValidationError};

use crate::call::{SIM_TENANT, SimCall};
use crate::check::{Observed, check};
use crate::component::{ComponentError, resolve_component, resolve_config};
use crate::pace::Pace;
use crate::report::SimReport;
use crate::script::Script;
use crate::services::SimServices;
use crate::timeline::Happening;

/// Real time one script may take beyond its pacing before it is reported as
/// stuck (a guest looping on host calls that take no virtual time is not
/// stopped by the sandbox's CPU budget, which restarts at every host call).
pub const MAX_REAL_RUN: Duration = Duration::from_secs(30);

/// [`MAX_REAL_RUN`] plus the longest a paced call may legitimately wait.
fn real_time_limit(pace: Pace) -> Duration {
    match pace {
        Pace::Virtual => MAX_REAL_RUN,
        Pace::Sleep {
            real_per_virtual_second,
        } => {
            let seconds = u32::try_from(crate::call::MAX_CALL_SECONDS).unwrap_or(u32::MAX);
            MAX_REAL_RUN.saturating_add(real_per_virtual_second.saturating_mul(seconds))
        }
    }
}

/// How to run a script.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    pub pace: Pace,
}

/// Why a script could not be run at all (as opposed to failing its expectations).
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Component(#[from] ComponentError),
    #[error("{script}: the component {label} is not a valid scenario: {source}")]
    Invalid {
        script: String,
        label: String,
        source: ValidationError,
    },
    #[error("{script}: the scenario did not finish within {limit:?} of real time")]
    Stuck { script: String, limit: Duration },
}

/// Runs `script` against `host` in virtual time.
pub async fn run_script(host: &ScenarioHost, script: &Script) -> Result<SimReport, SimError> {
    run_script_with(host, script, RunOptions::default()).await
}

/// Runs `script` against `host` with `options`.
pub async fn run_script_with(
    host: &ScenarioHost,
    script: &Script,
    options: RunOptions,
) -> Result<SimReport, SimError> {
    let source = resolve_component(script)?;
    let config = resolve_config(script, &source.default_config)?;
    let compiled = host
        .compile(&source.bytes)
        .map_err(|source_error| SimError::Invalid {
            script: script.origin.display().to_string(),
            label: source.label.clone(),
            source: source_error,
        })?;
    let mut script = script.clone();
    script.world.get_or_insert(source.world);
    run_compiled(host, &compiled, Arc::new(script), config, options).await
}

/// Runs an already compiled scenario for `script` with `config_json`.
pub async fn run_compiled(
    host: &ScenarioHost,
    compiled: &CompiledScenario,
    script: Arc<Script>,
    config_json: String,
    options: RunOptions,
) -> Result<SimReport, SimError> {
    let call = SimCall::new(script.clone(), options.pace);
    let journal = call.journal();
    let services = Arc::new(SimServices::from_script(&script).with_journal(journal.clone()));
    let call = call.with_services(services.clone());
    let started = std::time::Instant::now();
    let run = host.run_call(
        SIM_TENANT,
        compiled,
        Box::new(call),
        services.clone(),
        Arc::from(config_json),
        &script.fallback,
    );
    let run = tokio::time::timeout(real_time_limit(options.pace), run)
        .await
        .map_err(|_| SimError::Stuck {
            script: script.origin.display().to_string(),
            limit: real_time_limit(options.pace),
        })?;
    let real_time = started.elapsed();
    if !journal.facts().call_ended {
        journal.note(Happening::ScenarioReturns);
        journal.with_facts(|facts| facts.call_ended = true);
    }
    let facts = journal.facts();
    let records = services.records();
    let mut outcomes = facts.outcomes;
    outcomes.guest_failed |= run.failure.is_some();
    let disposition = outcomes.disposition();
    let unmet = check(
        &script.expect,
        &Observed {
            facts: &facts,
            records: &records,
            disposition,
            failure: run.failure.as_ref(),
            fallback_ran: run.fallback.is_some(),
        },
    );
    Ok(SimReport {
        name: script.name.clone(),
        script: script.origin.clone(),
        component_hash: run.component_hash,
        timeline: journal.timeline(),
        failure: run.failure,
        fallback: run.fallback,
        disposition,
        facts,
        records,
        ended_at: journal.now(),
        real_time,
        unmet,
    })
}

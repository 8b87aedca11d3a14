//! `wasmphony scenario …`: run simulator scripts against scenario components.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgAction, Args, Subcommand};
use wasmphony_engine::{FallbackOutcome, HostConfig, ScenarioHost};
use wasmphony_sim::{Script, SimReport, one_line_reason, run_script};

/// Instance slots the simulator's host reserves: scripts run one at a time.
const SIM_POOL_SLOTS: u32 = 4;

#[derive(Debug, Subcommand)]
pub(crate) enum ScenarioCommand {
    /// Run simulator scripts (see SIMSCRIPT.md) and check their expectations.
    ///
    /// Prints each call's timeline, then PASS or FAIL with every unmet
    /// expectation. Exits non-zero when any script fails or cannot be run.
    Test(TestArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TestArgs {
    /// Script files (YAML).
    #[arg(required = true, value_name = "SCRIPT.yaml")]
    scripts: Vec<PathBuf>,
    /// Show logs on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = ArgAction::Count)]
    verbose: u8,
    /// Print the timeline only for scripts that fail.
    #[arg(short, long)]
    quiet: bool,
}

pub(crate) fn run(command: ScenarioCommand) -> ExitCode {
    match command {
        ScenarioCommand::Test(args) => test(args),
    }
}

/// How one script ended.
enum Verdict {
    Passed,
    Failed,
    Error,
}

fn test(args: TestArgs) -> ExitCode {
    super::logging::init(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let config = HostConfig {
        pool_slots: SIM_POOL_SLOTS,
        ..HostConfig::default()
    };
    let host = match ScenarioHost::new(config) {
        Ok(host) => host,
        Err(error) => {
            eprintln!("error: cannot start the scenario host: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut verdicts = Vec::with_capacity(args.scripts.len());
    for path in &args.scripts {
        let verdict = match Script::load(path) {
            Err(error) => report_error(&error.to_string()),
            Ok(script) => match runtime.block_on(run_script(&host, &script)) {
                Err(error) => report_error(&error.to_string()),
                Ok(report) => print_report(&report, args.quiet),
            },
        };
        verdicts.push(verdict);
    }
    let passed = verdicts
        .iter()
        .filter(|v| matches!(v, Verdict::Passed))
        .count();
    let failed = verdicts
        .iter()
        .filter(|v| matches!(v, Verdict::Failed))
        .count();
    let errors = verdicts.len() - passed - failed;
    if verdicts.len() > 1 {
        println!(
            "{} scripts: {passed} passed, {failed} failed, {errors} could not run",
            verdicts.len()
        );
    }
    if passed == verdicts.len() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn report_error(message: &str) -> Verdict {
    println!("ERROR {message}");
    println!();
    Verdict::Error
}

fn print_report(report: &SimReport, quiet: bool) -> Verdict {
    let passed = report.passed();
    if !quiet || !passed {
        println!("== {} ({})", report.name, report.script.display());
        for event in &report.timeline {
            println!("{event}");
        }
    }
    let mut summary = format!(
        "ended at {}, disposition {}, simulated in {:.1?}",
        report.ended_at, report.disposition, report.real_time
    );
    if let Some(failure) = &report.failure {
        summary.push_str(&format!(
            "; guest failure: {}",
            one_line_reason(&failure.to_string())
        ));
    }
    match &report.fallback {
        Some(FallbackOutcome::Served) => summary.push_str("; the fallback served the call"),
        Some(FallbackOutcome::Failed(error)) => {
            summary.push_str(&format!("; the fallback ended with {}", error.kind()));
        }
        None => {}
    }
    if passed {
        println!("PASS  {} ({summary})", report.name);
        println!();
        return Verdict::Passed;
    }
    println!("FAIL  {} ({summary})", report.name);
    for unmet in &report.unmet {
        println!("  - {}", unmet.message);
    }
    println!();
    Verdict::Failed
}

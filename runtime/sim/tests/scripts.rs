//! Every shipped scenario's simulator scripts, and this crate's own scripts
//! for the misbehaving test guest, run through the real engine.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmphony_engine::{HostConfig, ScenarioHost};
use wasmphony_sim::{
    FailureKind, Pace, RunOptions, Script, SimReport, VirtualTime, resolve_component,
    resolve_config, run_compiled, run_script,
};

fn host() -> Arc<ScenarioHost> {
    ScenarioHost::new(HostConfig {
        pool_slots: 64,
        ..HostConfig::default()
    })
    .unwrap()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `dir/*/tests/*.yaml` (or `dir/*.yaml` when `nested` is false), sorted.
fn yaml_files(dir: &Path, nested: bool) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = if nested {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path().join("tests"))
            .filter(|p| p.is_dir())
            .collect()
    } else {
        vec![dir.to_path_buf()]
    };
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    files
}

fn describe(report: &SimReport) -> String {
    let mut text = format!("{} ({}):\n", report.name, report.script.display());
    for event in &report.timeline {
        text.push_str(&format!("{event}\n"));
    }
    for unmet in &report.unmet {
        text.push_str(&format!("  - {unmet}\n"));
    }
    text
}

async fn run_all(files: &[PathBuf]) -> Vec<SimReport> {
    let host = host();
    let mut reports = Vec::new();
    for file in files {
        let script = Script::load(file).unwrap_or_else(|e| panic!("{e}"));
        reports.push(
            run_script(&host, &script)
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    reports
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_scenario_script_passes() {
    let files = yaml_files(&repo_root().join("scenarios"), true);
    assert!(files.len() >= 4, "found only {files:?}");
    let failures: Vec<String> = run_all(&files)
        .await
        .iter()
        .filter(|r| !r.passed())
        .map(describe)
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scripts failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_misbehaviour_of_the_test_guest_falls_back() {
    let files = yaml_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts"),
        false,
    );
    let reports = run_all(&files).await;
    let failures: Vec<String> = reports
        .iter()
        .filter(|r| !r.passed())
        .map(describe)
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Each misbehaviour is covered by a script that expects its failure and the fallback.
    let scripts: Vec<Script> = files.iter().map(|f| Script::load(f).unwrap()).collect();
    for kind in [
        FailureKind::Cpu,
        FailureKind::Trap,
        FailureKind::Memory,
        FailureKind::Stack,
        FailureKind::LogFlood,
        FailureKind::Error,
    ] {
        assert!(
            scripts
                .iter()
                .any(|s| s.expect.failure == Some(kind) && s.expect.fallback == Some(true)),
            "no script expects a {} failure",
            kind.as_str()
        );
    }
    for report in reports.iter().filter(|r| r.failure.is_some()) {
        assert!(
            report.fallback.is_some(),
            "{}: failed without fallback",
            report.name
        );
    }
}

fn script_text(path: &str, edit: impl FnOnce(String) -> String) -> Script {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = edit(std::fs::read_to_string(&file).unwrap());
    Script::parse(&text, &file).unwrap()
}

#[tokio::test]
async fn a_broken_expectation_is_reported_in_plain_words() {
    let script = script_text("tests/scripts/guest-ok.yaml", |t| {
        t.replace("prompts: [greeting]", "prompts: [greeting, menu-main]")
            .replace("completed", "answered")
    });
    let report = run_script(&host(), &script).await.unwrap();
    assert!(!report.passed());
    let messages: Vec<&str> = report.unmet.iter().map(|u| u.message.as_str()).collect();
    assert!(
        messages.contains(&"expected prompt `menu-main` after `greeting`, but it was never played"),
        "{messages:?}"
    );
    assert!(
        messages.contains(&"expected disposition `answered`, but it was `completed`"),
        "{messages:?}"
    );
}

#[tokio::test]
async fn an_unexpected_guest_failure_fails_the_script() {
    let script = script_text("tests/scripts/guest-trap.yaml", |t| {
        t.replace("  failure: trap\n", "")
    });
    let report = run_script(&host(), &script).await.unwrap();
    assert!(!report.passed());
    assert_eq!(report.unmet[0].field, "failure");
    assert!(
        report.unmet[0]
            .message
            .contains("`unreachable` instruction"),
        "{}",
        report.unmet[0]
    );
    assert!(
        !report.unmet[0].message.contains('\n'),
        "{}",
        report.unmet[0]
    );
}

#[tokio::test]
async fn a_ten_minute_call_simulates_in_milliseconds() {
    let host = host();
    let script = Script::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/ten-minute-call.yaml"),
    )
    .unwrap();
    let source = resolve_component(&script).unwrap();
    let config = resolve_config(&script, &source.default_config).unwrap();
    let compiled = host.compile(&source.bytes).unwrap();
    let started = Instant::now();
    let report = run_compiled(
        &host,
        &compiled,
        Arc::new(script),
        config,
        RunOptions::default(),
    )
    .await
    .unwrap();
    let took = started.elapsed();
    assert!(report.passed(), "{}", describe(&report));
    assert!(
        report.ended_at >= VirtualTime::from_millis(600_000),
        "ended at {}",
        report.ended_at
    );
    // Real sleeping would take ten minutes; this bound only catches that.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    println!("a {} call simulated in {took:?}", report.ended_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paced_calls_park_side_by_side() {
    let host = host();
    let script = Script::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/guest-slow-ok.yaml"),
    )
    .unwrap();
    let source = resolve_component(&script).unwrap();
    let config = resolve_config(&script, &source.default_config).unwrap();
    let compiled = Arc::new(host.compile(&source.bytes).unwrap());
    let script = Arc::new(script);
    let pace = Pace::Sleep {
        real_per_virtual_second: Duration::from_millis(20),
    };
    let started = Instant::now();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (host, compiled, script, config) = (
                host.clone(),
                compiled.clone(),
                script.clone(),
                config.clone(),
            );
            tokio::spawn(async move {
                run_compiled(&host, &compiled, script, config, RunOptions { pace }).await
            })
        })
        .collect();
    for call in calls {
        let report = call.await.unwrap().unwrap();
        assert!(report.passed(), "{}", describe(&report));
    }
    // Each call is 14.5 virtual seconds = 290 ms of real waiting; twenty in a row would be 5.8 s.
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(290),
        "took {took:?}: the pace did not wait"
    );
    assert!(
        took < Duration::from_secs(5),
        "took {took:?}: the calls did not wait side by side"
    );
}

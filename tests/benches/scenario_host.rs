//! Scenario-host benchmark (a bench binary, not a timed test):
//!
//! 1. instantiation per call from a warm `InstancePre` (the pooling allocator, a fresh `Store`,
//!    `instantiate_async`), reported as median and 99th percentile;
//! 2. host memory per parked call: N concurrent simulated calls (default 10,000) of the test
//!    guest's `slow-ok` behaviour, each parked inside a host call, with the process's resident
//!    memory sampled at the peak and again after they all finished.
//!
//! `cargo bench -p wasmphony-tests --bench scenario_host` (set `WASMPHONY_BENCH_CALLS` to change N).
//! Targets (issue 2): median instantiation under 50 µs; under 64 KiB per parked call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wasmphony_engine::SandboxLimits;
use wasmphony_sim::{Pace, SimCall, SimServices};
use wasmphony_tests::{
    compile_test_guest, host_with, proportional_bytes, resident_bytes, run_test_guest,
    test_guest_script,
};

const INSTANTIATIONS: usize = 20_000;
const WARM_UP: usize = 500;
const TENANT: &str = "bench";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(instantiation());
    let calls = std::env::var("WASMPHONY_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_usize);
    runtime.block_on(parked_calls(calls));
}

async fn instantiation() {
    let host = host_with(SandboxLimits::DEFAULT, 64);
    let guest = compile_test_guest(&host);
    let script = test_guest_script("ok");
    let services = Arc::new(SimServices::new());
    let mut samples = Vec::with_capacity(INSTANTIATIONS);
    for i in 0..WARM_UP + INSTANTIATIONS {
        let call = Box::new(SimCall::new(script.clone(), Pace::Virtual));
        let started = Instant::now();
        host.instantiate_only(TENANT, &guest, call, services.clone())
            .await
            .expect("the test guest instantiates");
        if i >= WARM_UP {
            samples.push(started.elapsed());
        }
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "instantiate (warm InstancePre, pooled): median {:.1} µs, p99 {:.1} µs, min {:.1} µs over {} runs",
        micros(at(0.5)),
        micros(at(0.99)),
        micros(samples[0]),
        samples.len()
    );
}

async fn parked_calls(calls: usize) {
    let limits = SandboxLimits {
        max_instances_per_tenant: u32::try_from(calls).expect("call count fits u32"),
        ..SandboxLimits::DEFAULT
    };
    let host = host_with(limits, u32::try_from(calls + 16).expect("slots fit u32"));
    let guest = compile_test_guest(&host);
    // Warm the code paths and the allocator before the baseline.
    let _ = run_test_guest(&host, &guest, "ok", Pace::Virtual).await;
    let baseline = resident_bytes().unwrap_or(0);
    let baseline_pss = proportional_bytes().unwrap_or(0);

    // slow-ok spends 18 virtual seconds in host calls; at 250 ms per virtual second every
    // call stays parked for about 4.5 s, long after the last one has started.
    let pace = Pace::Sleep {
        real_per_virtual_second: Duration::from_millis(250),
    };
    let live = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(calls);
    for _ in 0..calls {
        let (host, guest, live) = (host.clone(), guest.clone(), live.clone());
        tasks.push(tokio::spawn(async move {
            live.fetch_add(1, Ordering::Relaxed);
            let report = run_test_guest(&host, &guest, "slow-ok", pace).await;
            live.fetch_sub(1, Ordering::Relaxed);
            report.failure.is_none() && report.unmet.is_empty()
        }));
    }
    let spawned_in = started.elapsed();
    let (mut peak_rss, mut peak_live, mut peak_pss) = (baseline, 0, baseline_pss);
    let mut peak_maps = Vec::new();
    while live.load(Ordering::Relaxed) > 0 || peak_live == 0 {
        let now_live = live.load(Ordering::Relaxed);
        let rss = resident_bytes().unwrap_or(0);
        if rss > peak_rss {
            peak_rss = rss;
            peak_pss = peak_pss.max(proportional_bytes().unwrap_or(0));
            if std::env::var_os("WASMPHONY_BENCH_MAPS").is_some() {
                peak_maps = wasmphony_tests::resident_by_mapping(8);
            }
        }
        peak_live = peak_live.max(now_live);
        tokio::time::sleep(Duration::from_millis(20)).await;
        if started.elapsed() > Duration::from_secs(300) {
            break;
        }
    }
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap_or(false) {
            ok += 1;
        }
    }
    let after = resident_bytes().unwrap_or(0);
    let per_call = peak_rss.saturating_sub(baseline) as f64 / calls as f64;
    let per_call_pss = peak_pss.saturating_sub(baseline_pss) as f64 / calls as f64;
    println!(
        "parked calls: {calls} started in {:.2} s, {peak_live} live at the peak, {ok} finished cleanly",
        spawned_in.as_secs_f64()
    );
    for (resident, size, name) in &peak_maps {
        println!(
            "  at the peak: {:>8.1} MiB resident in a {:>10.1} MiB mapping {name}",
            mib(*resident),
            mib(*size)
        );
    }
    println!(
        "resident memory: baseline {:.1} MiB, peak {:.1} MiB, after {:.1} MiB => {:.1} KiB per parked call",
        mib(baseline),
        mib(peak_rss),
        mib(after),
        per_call / 1024.0
    );
    println!(
        "physical memory (PSS: shared pages counted once): baseline {:.1} MiB, peak {:.1} MiB => {:.1} KiB per parked call",
        mib(baseline_pss),
        mib(peak_pss),
        per_call_pss / 1024.0
    );
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

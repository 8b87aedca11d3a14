//! Load benchmarks of the call controller with sipp as the callers, all on
//! 127.0.0.1: real SIP and RTP, the controller in this process.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-bench cargo build --release -p wasmphony-controller --example load_bench
//! B=/work/target-bench/release/examples/load_bench
//! $B signalling --rates 500,1000,1500,2000 --seconds 60    # issue 3: calls/s, scenario per call
//! $B ivr --levels 500,1000,2000,3000,4000 --stay 10         # issue 4: concurrent ivr-menu calls
//! ```
//! Each level prints one `SUMMARY` line of `key=value` fields; bench/README.md
//! says what each figure means.

#[path = "load_bench/harness.rs"]
mod harness;
#[path = "load_bench/pcap.rs"]
mod pcap;
#[path = "load_bench/procfs.rs"]
mod procfs;
#[path = "load_bench/sink.rs"]
mod sink;
#[path = "load_bench/sipp.rs"]
mod sipp;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use harness::Harness;
use sink::{DtmfPlan, Sink};
use sipp::{Sipp, SippReport, SippSpec};

/// The controller's SIP port.
const CONTROLLER_SIP_PORT: u16 = 15_070;
/// The sink's RTP port (RTCP on the next).
const SINK_PORT: u16 = 14_000;
/// sipp processes use SIP ports from here, media ports from `SIPP_MEDIA_BASE`.
const SIPP_SIP_BASE: u16 = 15_100;
const SIPP_MEDIA_BASE: u16 = 16_000;
/// A run's failed-call budget: 0.1 %.
const MAX_FAILED_SHARE: f64 = 0.001;
/// Answer-time bound of the ivr benchmark, ms.
const ANSWER_BOUND_MS: f64 = 100.0;
/// Share of call-seconds that must be at 48..=52 packets. Not 100 %: a packet
/// read late by a busy box moves from one second to the next (a low second
/// then a high one, the call's total unchanged).
const MIN_STEADY_PERCENT: f64 = 99.9;
/// How much more than its nominal length a sipp run may take before it is killed.
const OVERSTAY: Duration = Duration::from_secs(120);
/// Resource sampling period.
const SAMPLE: Duration = Duration::from_millis(250);
/// The RFC 2833 capture sipp ships for the key 1.
const DTMF_PCAPS: [&str; 3] = [
    "/usr/share/sip-tester/dtmf_2833_1.pcap",
    "/usr/share/sipp/pcap/dtmf_2833_1.pcap",
    "/usr/local/share/sipp/pcap/dtmf_2833_1.pcap",
];

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    mode: String,
    rates: Vec<u64>,
    levels: Vec<u64>,
    seconds: u64,
    stay_seconds: u64,
    generations: u64,
    procs: Option<u64>,
    number: Option<String>,
    dtmf_from_sipp: bool,
    dtmf_delay_ms: u64,
    idle_seconds: u64,
    sink_rcvbuf: Option<u64>,
    /// Give freed heap back after bursts, as the server does (`--keep-freed-memory`: off).
    memory_release: bool,
    /// Read the proportional set size once the ivr level is reached (`--pss`).
    pss: bool,
}

impl Options {
    fn parse() -> Result<Options, String> {
        let mut args = std::env::args().skip(1);
        let mode = args.next().ok_or_else(usage)?;
        let mut options = Options {
            mode,
            rates: vec![500, 1000, 1500, 2000],
            levels: vec![500, 1000, 2000, 3000, 4000],
            seconds: 60,
            stay_seconds: 10,
            generations: 3,
            procs: None,
            number: None,
            dtmf_from_sipp: false,
            dtmf_delay_ms: 2_500,
            idle_seconds: 5,
            sink_rcvbuf: None,
            memory_release: true,
            pss: false,
        };
        while let Some(flag) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--rates" => options.rates = list(&value()?)?,
                "--levels" => options.levels = list(&value()?)?,
                "--seconds" => options.seconds = number(&value()?)?,
                "--stay" => options.stay_seconds = number(&value()?)?,
                "--generations" => options.generations = number(&value()?)?,
                "--procs" => options.procs = Some(number(&value()?)?),
                "--number" => options.number = Some(value()?),
                "--dtmf-delay-ms" => options.dtmf_delay_ms = number(&value()?)?,
                "--idle" => options.idle_seconds = number(&value()?)?,
                "--sink-rcvbuf" => options.sink_rcvbuf = Some(number(&value()?)?),
                "--dtmf-from-sipp" => options.dtmf_from_sipp = true,
                "--keep-freed-memory" => options.memory_release = false,
                "--pss" => options.pss = true,
                other => return Err(format!("unknown option {other}\n{}", usage())),
            }
        }
        Ok(options)
    }
}

fn usage() -> String {
    "usage: load_bench signalling [--rates 500,1000] [--seconds 60] [--procs N] [--number 2001]\n\
     \x20      load_bench ivr [--levels 500,1000] [--stay 10] [--generations 3] [--dtmf-delay-ms 2500] [--dtmf-from-sipp] [--pss]\n\
     \x20      either: [--sink-rcvbuf BYTES] (root: the sink's receive buffer) [--idle 5] [--keep-freed-memory]"
        .into()
}

fn number(text: &str) -> Result<u64, String> {
    text.parse().map_err(|e| format!("{text}: {e}"))
}

fn list(text: &str) -> Result<Vec<u64>, String> {
    text.split(',').map(number).collect()
}

fn bench_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("bench")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join("wasmphony-load-bench").join(name)
}

/// CPU and memory over one level.
struct Meter {
    started: Instant,
    ticks: u64,
    sink_ticks: u64,
    rss_before: u64,
    rss_peak: u64,
    live_peak: usize,
    /// Live calls at which the proportional set size is read once (`--pss`).
    pss_at_live: Option<usize>,
    pss_before: u64,
    /// (PSS KiB, live calls) at that reading.
    pss_reached: Option<(u64, usize)>,
}

impl Meter {
    fn start(pss_at_live: Option<usize>) -> Meter {
        let rss = procfs::rss_kib();
        Meter {
            started: Instant::now(),
            ticks: procfs::self_ticks(),
            sink_ticks: procfs::thread_ticks(sink::THREAD_NAME),
            rss_before: rss,
            rss_peak: rss,
            live_peak: 0,
            pss_at_live,
            pss_before: pss_at_live.map_or(0, |_| procfs::pss_kib()),
            pss_reached: None,
        }
    }

    fn sample(&mut self, live: usize) {
        self.rss_peak = self.rss_peak.max(procfs::rss_kib());
        self.live_peak = self.live_peak.max(live);
        if self.pss_reached.is_none()
            && let Some(at) = self.pss_at_live
            && live >= at
        {
            self.pss_reached = Some((procfs::pss_kib(), live));
        }
    }

    /// `pss_before_kib`, `pss_level_kib`, `pss_live`, `pss_kib_per_call` fields, when read.
    fn pss_fields(&self) -> String {
        match self.pss_reached {
            Some((pss, live)) => format!(
                " pss_before_kib={} pss_level_kib={pss} pss_live={live} pss_kib_per_call={:.1}",
                self.pss_before,
                pss.saturating_sub(self.pss_before) as f64 / live.max(1) as f64
            ),
            None => String::new(),
        }
    }

    /// (elapsed s, bench CPU %, of which sink thread CPU %) since start.
    fn cpu(&self) -> (f64, f64, f64) {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let ticks = procfs::self_ticks().saturating_sub(self.ticks);
        let sink = procfs::thread_ticks(sink::THREAD_NAME).saturating_sub(self.sink_ticks);
        let percent = |t: u64| 100.0 * t as f64 / procfs::TICKS_PER_SECOND / elapsed;
        (elapsed, percent(ticks), percent(sink))
    }
}

/// Runs `specs` to the end while sampling; returns the merged sipp report and the meter.
async fn drive(
    harness: &Harness,
    specs: &[SippSpec],
    nominal: Duration,
    pss_at_live: Option<usize>,
) -> (SippReport, Meter) {
    let mut meter = Meter::start(pss_at_live);
    let mut procs: Vec<Sipp> = specs
        .iter()
        .map(|spec| Sipp::spawn(spec).expect("sipp starts (is it installed?)"))
        .collect();
    sipp::wait_all(&mut procs, SAMPLE, nominal + OVERSTAY, || {
        meter.sample(harness.controller.live_calls())
    })
    .await;
    let mut report = SippReport {
        exit_code: Some(0),
        ..SippReport::default()
    };
    for sipp in &procs {
        report.merge(sipp.report());
    }
    report.sort_rtds();
    (report, meter)
}

/// Waits until no call is live and `expected` records arrived (bounded).
async fn settle(harness: &Harness, expected: u64) {
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until
        && (harness.controller.live_calls() > 0 || harness.records_so_far() < expected)
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn procs_for(options: &Options, rate: f64) -> u64 {
    // One sipp process tops out near 2,000 calls/s; halve the work above 1,000.
    options
        .procs
        .unwrap_or(if rate > 1_000.0 { 2 } else { 1 })
        .max(1)
}

/// One level's load, split over `procs` sipp processes.
struct Load<'a> {
    target: std::net::SocketAddr,
    scenario: &'a str,
    service: &'a str,
    rate: f64,
    limit: u64,
    calls: u64,
    procs: u64,
    pause_ms: Option<u64>,
    keys: Vec<(String, String)>,
    label: String,
}

fn specs(load: &Load<'_>) -> Vec<SippSpec> {
    let procs = load.procs.max(1);
    (0..procs)
        .map(|i| SippSpec {
            scenario: bench_file(load.scenario),
            target: load.target.to_string(),
            service: load.service.into(),
            sip_port: SIPP_SIP_BASE + i as u16,
            media_port: SIPP_MEDIA_BASE + 4 * i as u16,
            rate: load.rate / procs as f64,
            limit: load.limit.div_ceil(procs),
            calls: load.calls.div_ceil(procs),
            pause_ms: load.pause_ms,
            keys: load.keys.clone(),
            dir: scratch(&format!("{}-{i}", load.label)),
        })
        .collect()
}

/// Calls that went wrong by either side's account: sipp's unsuccessful calls,
/// or the controller's records that are not answered-without-failure (the
/// larger; one bad call usually shows on both sides).
fn failed_calls(report: &SippReport, tally: &harness::Tally) -> u64 {
    let sipp_bad = report.created.saturating_sub(report.successful);
    let controller_bad =
        tally.records.saturating_sub(tally.clean) + report.created.saturating_sub(tally.records);
    sipp_bad.max(controller_bad)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

/// Issue 3: calls per second with a scenario per call, `seconds` per rate.
async fn signalling(options: &Options, harness: &Harness, sink: &Sink) {
    let service = options.number.as_deref().unwrap_or(harness::NUMBER_INSTANT);
    let mut total_calls = 0u64;
    let rss_start = procfs::rss_kib();
    for &rate in &options.rates {
        let procs = procs_for(options, rate as f64);
        let calls = rate * options.seconds;
        let keys = vec![("rtp_sink".to_string(), sink.port.to_string())];
        let specs = specs(&Load {
            target: harness.sip,
            scenario: "uac_host_hangs_up.xml",
            service,
            rate: rate as f64,
            // Generous: calls last tens of ms; a backlog shows as failures, not as a cap.
            limit: (rate * 10).max(1_000),
            calls,
            procs,
            pause_ms: None,
            keys,
            label: format!("signalling-{rate}"),
        });
        harness.take();
        sink.take();
        let expected = harness.records_so_far() + calls;
        let (report, mut meter) =
            drive(harness, &specs, Duration::from_secs(options.seconds), None).await;
        let (elapsed, cpu, sink_cpu) = meter.cpu();
        meter.sample(0);
        settle(harness, expected).await;
        tokio::time::sleep(Duration::from_secs(options.idle_seconds)).await;
        let rss_after = procfs::rss_kib();
        let tally = harness.take();
        let media = sink.take();
        total_calls += report.created;
        let failed = failed_calls(&report, &tally);
        let share = failed as f64 / report.created.max(1) as f64;
        let clean =
            report.exit_code == Some(0) && share < MAX_FAILED_SHARE && report.created >= calls;
        println!(
            "SUMMARY mode=signalling number={service} rate={rate} procs={procs} seconds={elapsed:.1} \
             created={} successful={} sipp_failed={} records={} records_clean={} problems={} \
             failed_share_pct={:.3} achieved_cps={:.0} retrans={} dead={} out_of_call={} \
             rtd_p50_ms={:.1} rtd_p99_ms={:.1} rtd_max_ms={:.1} live_peak={} \
             bench_cpu_pct={cpu:.0} sink_cpu_pct={sink_cpu:.0} sipp_cpu_pct={:.0} \
             rss_before_kib={} rss_peak_kib={} rss_after_kib={rss_after} rss_start_kib={rss_start} \
             total_calls={total_calls} media_packets={} loadavg={} clean={}",
            report.created,
            report.successful,
            report.failed,
            tally.records,
            tally.clean,
            tally.problems_text(),
            100.0 * share,
            report.created as f64 / elapsed,
            report.retransmissions,
            report.dead,
            report.out_of_call,
            report.rtd_percentile(50.0),
            report.rtd_percentile(99.0),
            report.rtd_percentile(100.0),
            meter.live_peak,
            100.0 * report.cpu_seconds / elapsed,
            meter.rss_before,
            meter.rss_peak,
            media.packets,
            load_average(),
            if clean { "yes" } else { "no" },
        );
    }
}

/// Issue 4: concurrent ivr-menu calls, ramped level by level.
async fn ivr(options: &Options, harness: &Harness, sink: &Sink) {
    let rss_start = procfs::rss_kib();
    for &level in &options.levels {
        let stay_ms = options.stay_seconds * 1_000;
        let rate = level as f64 / options.stay_seconds as f64;
        let calls = level * options.generations;
        let procs = procs_for(options, rate);
        let mut keys = vec![("rtp_sink".to_string(), sink.port.to_string())];
        let (scenario, pause_ms) = if options.dtmf_from_sipp {
            let pcap = DTMF_PCAPS
                .iter()
                .find(|p| std::path::Path::new(p).exists())
                .expect("sipp's dtmf_2833_1.pcap");
            keys.push(("dtmf_pcap".into(), (*pcap).into()));
            ("uac_ivr_pcap.xml", stay_ms.saturating_sub(2_500))
        } else {
            ("uac_ivr.xml", stay_ms)
        };
        let specs = specs(&Load {
            target: harness.sip,
            scenario,
            service: harness::NUMBER_IVR,
            rate,
            limit: level,
            calls,
            procs,
            pause_ms: Some(pause_ms),
            keys,
            label: format!("ivr-{level}"),
        });
        harness.take();
        sink.take();
        let drops_before = procfs::udp_drops(sink.port).unwrap_or(0);
        let expected = harness.records_so_far() + calls;
        let nominal = Duration::from_secs(options.stay_seconds * (options.generations + 1));
        // The level is reached when 99 % of its calls are up (a few end as others start).
        let pss_at_live = options.pss.then_some(level as usize * 99 / 100);
        let (report, mut meter) = drive(harness, &specs, nominal, pss_at_live).await;
        let (elapsed, cpu, sink_cpu) = meter.cpu();
        meter.sample(0);
        settle(harness, expected).await;
        tokio::time::sleep(Duration::from_secs(options.idle_seconds)).await;
        let rss_after = procfs::rss_kib();
        let tally = harness.take();
        let media = sink.take();
        let drops = procfs::udp_drops(sink.port)
            .unwrap_or(0)
            .saturating_sub(drops_before);
        let failed = failed_calls(&report, &tally);
        let share = failed as f64 / report.created.max(1) as f64;
        let missed_keys = tally.answered.saturating_sub(tally.chose_1);
        let over_bound = report.rtd_over(ANSWER_BOUND_MS);
        let steady = media.steady_percent();
        let per_call_kib =
            meter.rss_peak.saturating_sub(meter.rss_before) as f64 / meter.live_peak.max(1) as f64;
        let clean = report.exit_code == Some(0)
            && share < MAX_FAILED_SHARE
            && report.created >= calls
            && missed_keys == 0
            && over_bound == 0
            && media.call_seconds > 0
            && steady >= MIN_STEADY_PERCENT;
        println!(
            "SUMMARY mode=ivr level={level} rate={rate:.0} procs={procs} seconds={elapsed:.1} \
             created={} successful={} sipp_failed={} records={} records_clean={} problems={} \
             failed_share_pct={:.3} keys_sent={} keys_chosen={} keys_missed={missed_keys} \
             hangup_caller={} hangup_host={} retrans={} dead={} out_of_call={} \
             rtd_p50_ms={:.1} rtd_p99_ms={:.1} rtd_max_ms={:.1} rtd_over_100ms={over_bound} \
             bye_p50_ms={:.1} bye_p99_ms={:.1} bye_max_ms={:.1} bye_over_500ms={} \
             controller_answer_max_ms={:.1} live_peak={} \
             rtp_packets={} rtp_calls={} call_seconds={} steady_pct={steady:.3} low_seconds={} \
             high_seconds={} min_pps={} max_pps={} sink_drops={drops} \
             bench_cpu_pct={cpu:.0} sink_cpu_pct={sink_cpu:.0} sipp_cpu_pct={:.0} \
             rss_before_kib={} rss_peak_kib={} rss_after_kib={rss_after} rss_start_kib={rss_start} \
             kib_per_call={per_call_kib:.1}{} loadavg={} clean={}",
            report.created,
            report.successful,
            report.failed,
            tally.records,
            tally.clean,
            tally.problems_text(),
            100.0 * share,
            media.dtmf_sent,
            tally.chose_1,
            tally.hangup_caller,
            tally.hangup_host,
            report.retransmissions,
            report.dead,
            report.out_of_call,
            report.rtd_percentile(50.0),
            report.rtd_percentile(99.0),
            report.rtd_percentile(100.0),
            report.bye_percentile(50.0),
            report.bye_percentile(99.0),
            report.bye_percentile(100.0),
            report.bye_ms.iter().filter(|ms| **ms > 500.0).count(),
            tally.max_answer_ms,
            meter.live_peak,
            media.packets,
            media.flows,
            media.call_seconds,
            media.low_seconds,
            media.high_seconds,
            if media.min_pps == u32::MAX {
                0
            } else {
                media.min_pps
            },
            media.max_pps,
            100.0 * report.cpu_seconds / elapsed,
            meter.rss_before,
            meter.rss_peak,
            meter.pss_fields(),
            load_average(),
            if clean { "yes" } else { "no" },
        );
    }
}

#[tokio::main]
async fn main() {
    let options = match Options::parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let dtmf = if options.mode == "ivr" && !options.dtmf_from_sipp {
        let path = DTMF_PCAPS
            .iter()
            .find(|p| std::path::Path::new(p).exists())
            .expect("sipp's dtmf_2833_1.pcap");
        let packets = pcap::udp_payloads(path).expect("the capture reads");
        Some(DtmfPlan {
            packets,
            delay: Duration::from_millis(options.dtmf_delay_ms),
        })
    } else {
        None
    };
    let rss_empty = procfs::rss_kib();
    let harness = Harness::start(CONTROLLER_SIP_PORT)
        .await
        .expect("the controller starts");
    if options.memory_release {
        tokio::spawn(wasmphony_controller::release_freed_memory_periodically(
            wasmphony_controller::MEMORY_RELEASE_PERIOD,
            wasmphony_controller::MEMORY_RELEASE_THRESHOLD,
        ));
    }
    let sink = match options.sink_rcvbuf {
        Some(bytes) => procfs::with_rmem_default(bytes, || Sink::start(SINK_PORT, dtmf))
            .expect("net.core.rmem_default is writable (root)"),
        None => Sink::start(SINK_PORT, dtmf),
    }
    .expect("the RTP sink binds");
    println!(
        "START mode={} controller=127.0.0.1:{CONTROLLER_SIP_PORT} sink=127.0.0.1:{} \
         rss_empty_kib={rss_empty} rss_ready_kib={} hwm_kib={}",
        options.mode,
        sink.port,
        procfs::rss_kib(),
        procfs::hwm_kib()
    );
    match options.mode.as_str() {
        "signalling" => signalling(&options, &harness, &sink).await,
        "ivr" => ivr(&options, &harness, &sink).await,
        other => {
            eprintln!("unknown mode {other}\n{}", usage());
            std::process::exit(2);
        }
    }
    println!(
        "END rss_kib={} hwm_kib={} live={} dropped_records={}",
        procfs::rss_kib(),
        procfs::hwm_kib(),
        harness.controller.live_calls(),
        harness.controller.dropped_records()
    );
    sink.stop();
}

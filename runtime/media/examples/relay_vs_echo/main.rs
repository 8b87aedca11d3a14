//! Relay cost against the physical floor: RTP packets per CPU-second relayed by the real
//! bridge (`MediaLeg`s bridged with `bridge_to`: latching, SSRC/sequence/timestamp rewrite)
//! compared, in the same run, with a plain UDP echo loop on the same media threads, both
//! on 127.0.0.1 under the same offered packet rate, in alternating rounds.
//!
//! ```text
//! cargo run --release -p wasmphony-media --example relay_vs_echo -- \
//!     [--bridges 500] [--pps 50[,100,…]] [--rounds 3] [--warmup 3] [--window 10] [--spread]
//! ```
//!
//! Each bridge has two streams (one per direction) of `--pps` packets per second (50 is a
//! phone's 20 ms PCMU): 500 bridges = 1,000 legs = 1,000 streams = 50,000 packets/s offered.
//! The echo gets the same streams at the same rate, on one socket. Only the CPU of the
//! system under test's runtime threads is counted (`/proc/self/task/*/stat`), never the
//! generator's or the sinks'. Exits non-zero when a packet is lost at a phone's rate (≤ 50
//! per stream; higher rates explore the maximum and only report loss), when a stream stops
//! being delivered, or when the relay did not rewrite a header (after all rounds ran).

#![allow(clippy::unwrap_used)] // a measuring tool: failing loudly is what it is for

mod cpu;
mod load;
mod sut;

use load::{Load, Sides};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use sut::{Mode, Sut};

/// Packets per second per stream of a real phone (20 ms frames).
const PHONE_PPS: u32 = 50;
/// After the generator stops, how long packets in flight may take to arrive.
const DRAIN: Duration = Duration::from_millis(500);

struct Options {
    bridges: usize,
    rates: Vec<u32>,
    rounds: usize,
    warmup: Duration,
    window: Duration,
    /// Each bridge's two legs on two media threads (a bridge between two calls).
    spread: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        bridges: 500,
        rates: vec![PHONE_PPS],
        rounds: 3,
        warmup: Duration::from_secs(3),
        window: Duration::from_secs(10),
        spread: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--spread" {
            options.spread = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |v: &str| v.parse::<u64>().map_err(|e| format!("{flag} {v}: {e}"));
        match flag.as_str() {
            "--bridges" => options.bridges = number(&value)? as usize,
            "--pps" => {
                options.rates = value
                    .split(',')
                    .map(|v| number(v).map(|n| n as u32))
                    .collect::<Result<_, _>>()?;
            }
            "--rounds" => options.rounds = number(&value)? as usize,
            "--warmup" => options.warmup = Duration::from_secs(number(&value)?),
            "--window" => options.window = Duration::from_secs(number(&value)?),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if options.bridges == 0 || options.rounds == 0 || options.rates.contains(&0) {
        return Err("bridges, rounds and rates must be positive".to_owned());
    }
    Ok(options)
}

/// One round's figures.
struct Round {
    mode: Mode,
    pps: u32,
    /// Tagged packets delivered during the measuring window.
    delivered: u64,
    window: Duration,
    /// CPU of the system under test during the window.
    cpu: Duration,
    sent_total: u64,
    lost_total: u64,
    load: String,
}

impl Round {
    fn per_core(&self) -> f64 {
        self.delivered as f64 / self.cpu.as_secs_f64().max(1e-9)
    }
}

/// One round; `Err` when it could not run, otherwise its figures and what went wrong in it
/// (loss, silent streams, headers not rewritten), so later rounds still run and report.
fn run_round(mode: Mode, options: &Options, pps: u32) -> Result<(Round, Vec<String>), String> {
    let streams = 2 * options.bridges;
    let sides = Sides::bind()?;
    let system = match mode {
        Mode::Echo => Sut::echo(streams)?,
        Mode::Relay => Sut::relay(options.bridges, sides.addresses()?, options.spread)?,
    };
    let load = Load::start(&sides, system.destinations.clone(), pps)?;
    std::thread::sleep(options.warmup);
    let (cpu_before, delivered_before, started) = (
        cpu::sut_cpu()?,
        load.delivered.load(std::sync::atomic::Ordering::Relaxed),
        Instant::now(),
    );
    std::thread::sleep(options.window);
    let (cpu_after, delivered_after, window) = (
        cpu::sut_cpu()?,
        load.delivered.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed(),
    );
    let load_average = cpu::load_average();
    let result = load.stop(DRAIN)?;
    // Read while both sides' sockets are still open.
    // Even ports only: the odd ones are the sides' RTCP halves, never read, which fill up
    // with the legs' reports by design.
    let load_drops =
        cpu::udp_drops(|p| p % 2 == 0 && (load::SIDE_PORTS.0..=load::SIDE_PORTS.1).contains(&p));
    let sut_drops = cpu::udp_drops(|p| {
        p >= sut::FIRST_PORT && p <= sut::FIRST_PORT + 4 * options.bridges as u16 + 200
    });
    let legs = system.leg_counters();
    let echo_failed = system.echo_failed();
    system.shutdown();

    let sent_total: u64 = result.sent.iter().sum();
    let delivered_total: u64 = result.delivered.iter().sum();
    let silent_streams = result.delivered.iter().filter(|d| **d == 0).count();
    let short_streams = result
        .sent
        .iter()
        .zip(&result.delivered)
        .filter(|(s, d)| d < s)
        .count();
    let round = Round {
        mode,
        pps,
        delivered: delivered_after - delivered_before,
        window,
        cpu: cpu_after.saturating_sub(cpu_before),
        sent_total,
        lost_total: sent_total.saturating_sub(delivered_total),
        load: load_average,
    };
    println!(
        "{:>5} {:>4} pps/stream: {:>8.0} pps delivered, CPU {:>5.2} s in {:.1} s → {:>9.0} pps per core ({:.2} µs/packet); \
         sent {} lost {} ({} streams short, {} silent); untagged {}, out of order {}, SSRC kept {}; \
         legs dropped {} foreign {} malformed {}; kernel drops at the load {load_drops}, at the system under test {sut_drops}; load {}",
        mode.name(),
        pps,
        round.delivered as f64 / window.as_secs_f64(),
        round.cpu.as_secs_f64(),
        window.as_secs_f64(),
        round.per_core(),
        round.cpu.as_secs_f64() * 1e6 / round.delivered.max(1) as f64,
        sent_total,
        round.lost_total,
        short_streams,
        silent_streams,
        result.untagged,
        result.out_of_order,
        result.ssrc_kept,
        legs.dropped,
        legs.foreign,
        legs.malformed,
        round.load,
    );
    let mut problems = Vec::new();
    if echo_failed {
        problems.push("the echo task stopped".to_owned());
    }
    if round.delivered == 0 || silent_streams > 0 {
        problems.push(format!(
            "{}: {silent_streams} streams delivered nothing",
            mode.name()
        ));
    }
    let rewritten = match mode {
        Mode::Echo => result.ssrc_kept == delivered_total,
        Mode::Relay => result.ssrc_kept == 0,
    };
    if !rewritten {
        problems.push(format!(
            "{}: {} of {delivered_total} packets kept the generator's SSRC",
            mode.name(),
            result.ssrc_kept
        ));
    }
    let refused = legs.dropped + legs.foreign + legs.malformed;
    if pps <= PHONE_PPS && refused > 0 {
        problems.push(format!(
            "the legs dropped {}, took {} foreign and {} malformed datagrams",
            legs.dropped, legs.foreign, legs.malformed
        ));
    }
    if pps <= PHONE_PPS && (round.lost_total > 0 || result.out_of_order > 0) {
        problems.push(format!(
            "{} lost {} of {sent_total} packets ({} out of order) at {pps} packets/s per stream",
            mode.name(),
            round.lost_total,
            result.out_of_order
        ));
    }
    Ok((round, problems))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("relay_vs_echo: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} bridges ({} legs, {} streams, {}), rates {:?} packets/s per stream, {} rounds, warm-up {:?}, window {:?}; load average {}",
        options.bridges,
        2 * options.bridges,
        2 * options.bridges,
        if options.spread {
            "each bridge's legs on two media threads"
        } else {
            "each bridge's legs on one media thread"
        },
        options.rates,
        options.rounds,
        options.warmup,
        options.window,
        cpu::load_average()
    );
    let mut rounds = Vec::new();
    let mut failures = Vec::new();
    for &pps in &options.rates {
        for round in 0..options.rounds {
            // Alternate which goes first, so a drift in the machine's load hits both alike.
            let order = if round.is_multiple_of(2) {
                [Mode::Echo, Mode::Relay]
            } else {
                [Mode::Relay, Mode::Echo]
            };
            for mode in order {
                match run_round(mode, &options, pps) {
                    Ok((r, problems)) => {
                        for problem in &problems {
                            eprintln!("relay_vs_echo: FAILED: {problem}");
                        }
                        failures.extend(problems);
                        rounds.push(r);
                    }
                    Err(e) => {
                        eprintln!("relay_vs_echo: could not run: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        }
    }
    println!("summary (medians over {} rounds):", options.rounds);
    for &pps in &options.rates {
        let of = |mode: Mode| -> Vec<&Round> {
            rounds
                .iter()
                .filter(|r| r.mode == mode && r.pps == pps)
                .collect()
        };
        let (echo, relay) = (of(Mode::Echo), of(Mode::Relay));
        let echo_rate = median(echo.iter().map(|r| r.per_core()).collect());
        let relay_rate = median(relay.iter().map(|r| r.per_core()).collect());
        let offered = pps as f64 * 2.0 * options.bridges as f64;
        let lost = |rs: &[&Round]| -> (u64, u64) {
            rs.iter()
                .fold((0, 0), |(l, s), r| (l + r.lost_total, s + r.sent_total))
        };
        let (echo_lost, echo_sent) = lost(&echo);
        let (relay_lost, relay_sent) = lost(&relay);
        let loads: Vec<&str> = echo.iter().chain(&relay).map(|r| r.load.as_str()).collect();
        let windows = echo.iter().chain(&relay).map(|r| r.window.as_secs_f64());
        println!(
            "  {pps} pps/stream ({offered:.0} offered): echo {echo_rate:.0} pps per core, relay {relay_rate:.0} pps per core, \
             relay costs {:.2}x the floor per packet; lost echo {echo_lost}/{echo_sent}, relay {relay_lost}/{relay_sent}; \
             windows {:.1}–{:.1} s; load averages {}",
            echo_rate / relay_rate.max(1e-9),
            windows.clone().fold(f64::MAX, f64::min),
            windows.fold(0.0, f64::max),
            loads.join(" "),
        );
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("relay_vs_echo: {} failure(s), see above", failures.len());
        ExitCode::FAILURE
    }
}

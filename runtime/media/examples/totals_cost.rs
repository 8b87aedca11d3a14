//! What the process-wide RTP totals cost: a packet still bumps only its own leg's counter
//! (no lock, no shared cache line between legs); a leg takes the totals' lock once when it
//! starts and once when it ends; a metrics scrape sums the live legs under that lock.
//!
//! ```text
//! cargo run --release -p wasmphony-media --example totals_cost
//! ```
#![allow(clippy::unwrap_used)] // example code: failing fast is the point

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use wasmphony_media::net::MediaTotals;
use wasmphony_media::rtp::stats::MediaCounters;

const PACKETS: u64 = 50_000_000;
const LEGS: usize = 3_000;
const SCRAPES: u32 = 1_000;

fn main() {
    let totals = Arc::new(MediaTotals::default());

    // The per-packet path, exactly as a session runs it.
    let leg = Arc::new(MediaCounters::default());
    let _registration = totals.register(leg.clone());
    let started = Instant::now();
    for _ in 0..PACKETS {
        MediaCounters::bump(black_box(&leg.received));
    }
    let per_packet = started.elapsed().as_nanos() as f64 / PACKETS as f64;

    // Legs starting and ending.
    let started = Instant::now();
    let registrations: Vec<_> = (0..LEGS)
        .map(|_| totals.register(Arc::new(MediaCounters::default())))
        .collect();
    let register = started.elapsed().as_nanos() as f64 / LEGS as f64;

    // Scrapes with every leg live.
    let started = Instant::now();
    for _ in 0..SCRAPES {
        black_box(totals.snapshot());
    }
    let scrape = started.elapsed().as_micros() as f64 / f64::from(SCRAPES);

    let started = Instant::now();
    drop(registrations);
    let end = started.elapsed().as_nanos() as f64 / LEGS as f64;

    let snapshot = totals.snapshot();
    assert_eq!(snapshot.packets.received, PACKETS);
    println!("per packet (own leg's relaxed atomic, no lock): {per_packet:.2} ns");
    println!(
        "leg start (register, one lock): {register:.0} ns; leg end (fold, one lock): {end:.0} ns"
    );
    println!("scrape with {} live legs: {scrape:.1} µs", LEGS + 1);
}

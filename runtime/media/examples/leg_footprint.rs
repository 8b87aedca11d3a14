//! Memory and CPU of N idle-but-sending media legs (each sends 50 packets/s of
//! silence to a sink socket): `cargo run --release -p wasmphony-media --example leg_footprint -- 1000`.
//! A rough figure for capacity planning, not the sipp benchmark.

#![allow(clippy::unwrap_used)] // a measuring tool: failing loudly is what it is for

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};
use wasmphony_media::bridge::LegFormat;
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::{LegConfig, MediaLeg};
use wasmphony_media::net::{PortAllocator, RtpSession};
use wasmphony_media::play::PromptLibrary;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn main() {
    let legs: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let localhost = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let sink = tokio::net::UdpSocket::bind((localhost, 0)).await.unwrap();
        let sink_address = sink.local_addr().unwrap();
        let counter = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            let mut count = 0u64;
            while let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), sink.recv_from(&mut buf)).await {
                count += 1;
            }
            count
        });
        let library = PromptLibrary::new(&[Codec::Pcmu]).unwrap();
        let allocator = PortAllocator::new(30_000, 30_000 + 2 * legs as u16 + 100).unwrap();
        let format = LegFormat { codec: Codec::Pcmu, payload_type: 0, telephone_event_pt: Some(101) };
        let before = rss_kib();
        let mut handles = Vec::with_capacity(legs);
        for _ in 0..legs {
            let session = RtpSession::bind(&allocator, localhost).unwrap();
            handles.push(MediaLeg::spawn(session, LegConfig { format, remote: Some(sink_address), inband_dtmf: false, silence: library.silence() }));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (cpu0, t0) = (cpu_seconds(), Instant::now());
        tokio::time::sleep(Duration::from_secs(5)).await;
        let cpu = (cpu_seconds() - cpu0) / t0.elapsed().as_secs_f64();
        let after = rss_kib();
        let sent: u64 = handles.iter().map(|h| h.counters().snapshot().sent).sum();
        println!("{legs} legs: RSS +{} KiB ({:.1} KiB per leg), CPU {:.1} % of one core ({:.2} % per leg), {sent} packets sent in ~6 s ({:.1}/s per leg)",
            after - before, (after - before) as f64 / legs as f64, cpu * 100.0, cpu * 100.0 / legs as f64, sent as f64 / 6.0 / legs as f64);
        drop(handles);
        println!("sink received {} packets", counter.await.unwrap());
    });
}

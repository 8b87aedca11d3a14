//! Measures how many calls per second the store journal records as the controller uses it:
//! every call from its own task, `started` (CDR opened) then `finished` (CDR, tag and events
//! committed; returns once durable), `concurrency` calls in flight. The journal's writer
//! commits whatever queued meanwhile as one transaction (group commit); compare with
//! `wasmphony-store`'s `cdr_write_rate`, which commits every write on its own.
//!
//! `cargo run -p wasmphony-telephony --release --example journal_rate -- <url> [calls] [concurrency]`
//! e.g. `sqlite:///tmp/journal.db 20000 500` or `postgres://postgres@127.0.0.1/rate 20000 500`
//! (the PostgreSQL database must exist; the SQLite file is created).
#![allow(clippy::unwrap_used)] // example code: failing fast is the point

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Semaphore;
use wasmphony_controller::{
    CallDirection, CallJournal, CallRecord, CallStart, Disposition, HangupSide,
};
use wasmphony_events::EventBus;
use wasmphony_store::{NewTenant, Store, UnixMs};
use wasmphony_telephony::StoreJournal;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .expect("usage: journal_rate <url> [calls] [concurrency]")
        .clone();
    let calls: usize = args.get(2).map_or(10_000, |n| n.parse().unwrap());
    let concurrency: usize = args.get(3).map_or(500, |n| n.parse().unwrap());
    let store = Store::connect(&url).await.unwrap();
    let slug = format!("rate-{}", UnixMs::now().0);
    store
        .create_tenant(&NewTenant {
            slug: slug.clone(),
            name: slug.clone(),
            country_code: "359".into(),
        })
        .await
        .unwrap();
    let journal = StoreJournal::start(store.clone(), EventBus::new());
    let slots = Arc::new(Semaphore::new(concurrency));
    let began = Instant::now();
    let mut tasks = Vec::with_capacity(calls);
    for n in 0..calls {
        let permit = slots.clone().acquire_owned().await.unwrap();
        let (journal, slug) = (journal.clone(), slug.clone());
        tasks.push(tokio::spawn(async move {
            let now = SystemTime::now();
            let call = CallStart {
                call_id: format!("{slug}-{n}"),
                tenant: slug,
                scenario: "ivr-menu".into(),
                component_hash: "hash".into(),
                from: format!("+3592{:07}", n % 10_000_000),
                to: "+35924001000".into(),
                dialed: "+35924001000".into(),
                direction: CallDirection::Inbound,
                source: None,
                started_at: now,
            };
            let record = CallRecord {
                call_id: call.call_id.clone(),
                tenant: call.tenant.clone(),
                scenario: call.scenario.clone(),
                component_hash: call.component_hash.clone(),
                from: call.from.clone(),
                to: call.to.clone(),
                dialed: call.dialed.clone(),
                direction: CallDirection::Inbound,
                source: None,
                started_at: now,
                answered_at: Some(now + Duration::from_millis(500)),
                connected_at: None,
                ended_at: now + Duration::from_secs(10),
                disposition: Disposition::Answered,
                hangup_side: HangupSide::Caller,
                tags: vec!["menu:1".into()],
                vars: Vec::new(),
                log: Vec::new(),
                recordings: Vec::new(),
                recording: None,
                failure: None,
                fallback: None,
                queue: None,
                agent: None,
            };
            journal.started(call).await;
            journal.finished(record).await;
            drop(permit);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = began.elapsed().as_secs_f64();
    let stats = journal.stats();
    println!(
        "journal_rate backend={:?} calls={calls} concurrency={concurrency} seconds={elapsed:.2} \
         calls_per_s={:.0} finished={} failed={}",
        store.backend(),
        calls as f64 / elapsed,
        stats.finished.load(Ordering::Relaxed),
        stats.failed.load(Ordering::Relaxed),
    );
}

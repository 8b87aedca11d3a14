//! Measures how many calls per second the store can open and finish (CDR + 2 events +
//! 1 tag, one transaction each) on a backend, with N concurrent writers.
//!
//! `cargo run -p wasmphony-store --release --example cdr_write_rate -- <url> [calls] [writers]`
//! e.g. `sqlite:///tmp/rate.db 5000 8` or `postgres://postgres@127.0.0.1/rate 5000 8`
//! (the PostgreSQL database must exist; the SQLite file is created).
#![allow(clippy::unwrap_used)] // example code: failing fast is the point

use std::time::Instant;

use serde_json::json;
use wasmphony_store::*;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .expect("usage: cdr_write_rate <url> [calls] [writers]")
        .clone();
    let calls: usize = args.get(2).map_or(2_000, |n| n.parse().unwrap());
    let writers: usize = args.get(3).map_or(1, |n| n.parse().unwrap());
    let store = Store::connect(&url).await.unwrap();
    let slug = format!("rate-{}", UnixMs::now().0);
    let tenant = store
        .create_tenant(&NewTenant {
            slug: slug.clone(),
            name: slug.clone(),
            country_code: "49".into(),
        })
        .await
        .unwrap()
        .id;
    let began = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let (store, slug) = (store.clone(), slug.clone());
            tokio::spawn(async move {
                for index in (writer..calls).step_by(writers) {
                    let start = UnixMs::now();
                    let id = CallId::from(format!("{slug}-{index}").as_str());
                    let call = NewCall {
                        id: id.clone(),
                        direction: Direction::Inbound,
                        from: format!("+4930{:07}", index % 1000),
                        to: "+4930555000".into(),
                        dialed: "+4930555000".into(),
                        source: None,
                        start,
                        scenario: None,
                        component_hash: None,
                    };
                    store.open_call(tenant, &call).await.unwrap();
                    let end = CallEnd {
                        answer: Some(start),
                        connected: None,
                        end: start.plus_ms(1),
                        disposition: Disposition::Answered,
                        hangup_cause: None,
                        hangup_side: None,
                        queue: None,
                        agent: None,
                        recording: None,
                        tags: vec!["rate".into()],
                    };
                    let events = [
                        CallEvent {
                            seq: 0,
                            at: start,
                            kind: "ringing".into(),
                            detail: json!(null),
                        },
                        CallEvent {
                            seq: 1,
                            at: start,
                            kind: "answered".into(),
                            detail: json!(null),
                        },
                    ];
                    store.finish_call(tenant, &id, &end, &events).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let seconds = began.elapsed().as_secs_f64();
    println!(
        "{:?}: {calls} calls with {writers} writer(s) in {seconds:.2} s = {:.0} calls/s",
        store.backend(),
        calls as f64 / seconds
    );
    store.close().await;
}

//! A process killed with SIGKILL while it writes CDRs loses no finished call: every call
//! whose `finish_call` returned before the kill is complete with its events after a
//! restart, and the calls it cut are closed as interrupted by `close_interrupted`.
//!
//! The test re-runs its own binary as the writer (selected by an environment variable),
//! so the kill hits a real process mid-write, on each backend.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;
use wasmphony_store::*;

/// Set in the child: the database URL to write to.
const WRITER_URL_ENV: &str = "WASMPHONY_STORE_SIGKILL_WRITER_URL";
/// Finished calls the parent waits for before it kills the writer.
const ACKS_BEFORE_KILL: usize = 200;
/// Calls the writer keeps open (live) at any time.
const IN_FLIGHT: usize = 4;
/// Upper bound on the writer's run, so a stuck child fails the test instead of hanging it.
const WRITER_DEADLINE: Duration = Duration::from_secs(120);
/// Upper bound on calls the writer opens.
const WRITER_MAX_CALLS: usize = 100_000;

fn call_id(index: usize) -> CallId {
    CallId::from(format!("call-{index:06}").as_str())
}

/// The child: opens calls and finishes them IN_FLIGHT calls later, printing `OPEN id` after
/// each open and `ACK id` after each finish returned.
async fn write_until_killed(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let tenant = store.tenant_by_slug("acme").await.unwrap().unwrap().id;
    for index in 0..WRITER_MAX_CALLS {
        let start = common::at(index as i64);
        let call = NewCall {
            id: call_id(index),
            direction: Direction::Inbound,
            from: format!("+4930{:07}", index % 50),
            to: "+4930555000".into(),
            dialed: "+4930555000".into(),
            source: None,
            start,
            scenario: Some("ivr-menu".into()),
            component_hash: Some("h1".into()),
        };
        store.open_call(tenant, &call).await.unwrap();
        println!("OPEN {}", call.id);
        if let Some(finishing) = index.checked_sub(IN_FLIGHT) {
            let start = common::at(finishing as i64);
            let end = CallEnd {
                answer: Some(start.plus_ms(1_000)),
                connected: None,
                end: start.plus_ms(30_000),
                disposition: Disposition::Answered,
                hangup_cause: None,
                hangup_side: Some(HangupSide::Caller),
                queue: None,
                agent: None,
                recording: None,
                tags: vec!["load".into()],
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
                    at: start.plus_ms(1_000),
                    kind: "answered".into(),
                    detail: json!(null),
                },
            ];
            store
                .finish_call(tenant, &call_id(finishing), &end, &events)
                .await
                .unwrap();
            println!("ACK {}", call_id(finishing));
        }
    }
}

/// The parent: starts the writer on `url`, kills it after ACKS_BEFORE_KILL finished calls,
/// then checks the database.
async fn kill_writer_and_recover(url: String, test_name: &'static str) {
    let store = Store::connect(&url).await.unwrap();
    let tenant = common::tenant(&store, "acme", "49").await;
    store.close().await;

    let url_for_child = url.clone();
    let (acked, opened, rate) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([test_name, "--exact", "--nocapture", "--test-threads", "1"])
            .env(WRITER_URL_ENV, url_for_child)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut acked, mut opened) = (BTreeSet::new(), BTreeSet::new());
        let mut record = |line: String| {
            if let Some(id) = line.strip_prefix("ACK ") {
                acked.insert(id.to_owned());
            } else if let Some(id) = line.strip_prefix("OPEN ") {
                opened.insert(id.to_owned());
            }
        };
        let began = Instant::now();
        let mut acks_seen = 0;
        while acks_seen < ACKS_BEFORE_KILL {
            let left = WRITER_DEADLINE.saturating_sub(began.elapsed());
            let line = lines
                .recv_timeout(left)
                .expect("the writer stalled or died");
            acks_seen += usize::from(line.starts_with("ACK "));
            record(line);
        }
        let rate = ACKS_BEFORE_KILL as f64 / began.elapsed().as_secs_f64();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        // Lines the writer printed before it died count too: their commits returned.
        for line in lines.try_iter() {
            record(line);
        }
        (acked, opened, rate)
    })
    .await
    .unwrap();
    eprintln!(
        "writer finished {:.0} calls/s (open + finish with 2 events) before SIGKILL",
        rate
    );

    let store = Store::connect(&url).await.unwrap();
    for id in &acked {
        let call = store
            .call(tenant, &CallId::from(id.as_str()))
            .await
            .unwrap();
        assert_eq!(call.status, CallStatus::Completed, "{id} was acknowledged");
        assert_eq!(call.tags, ["load"]);
        assert_eq!(
            store.call_events(tenant, &call.id).await.unwrap().len(),
            2,
            "{id}"
        );
    }
    let live = store.live_calls(tenant).await.unwrap();
    assert!(
        (IN_FLIGHT..=IN_FLIGHT + 1).contains(&live.len()),
        "{} live calls",
        live.len()
    );
    let closed = store.close_interrupted(UnixMs::now()).await.unwrap();
    assert_eq!(closed as usize, live.len());
    for call in &live {
        assert!(
            !acked.contains(&call.id.0),
            "{} was acknowledged but is not finished",
            call.id
        );
        let after = store.call(tenant, &call.id).await.unwrap();
        assert_eq!(after.status, CallStatus::Interrupted);
    }
    assert!(store.live_calls(tenant).await.unwrap().is_empty());
    let total = store
        .count_calls(tenant, &CallFilter::default())
        .await
        .unwrap() as usize;
    assert!(
        total >= opened.len() && total <= opened.len() + 1,
        "{total} calls, {} opened",
        opened.len()
    );
    store.close().await;
}

#[test]
fn sigkill_during_writes_loses_no_finished_call_sqlite() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if let Ok(url) = std::env::var(WRITER_URL_ENV) {
        return runtime.block_on(write_until_killed(&url));
    }
    runtime.block_on(common::on_sqlite_url(|url| {
        kill_writer_and_recover(url, "sigkill_during_writes_loses_no_finished_call_sqlite")
    }));
}

#[test]
fn sigkill_during_writes_loses_no_finished_call_postgres() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    if let Ok(url) = std::env::var(WRITER_URL_ENV) {
        return runtime.block_on(write_until_killed(&url));
    }
    runtime.block_on(common::on_postgres_url(|url| {
        kill_writer_and_recover(url, "sigkill_during_writes_loses_no_finished_call_postgres")
    }));
}

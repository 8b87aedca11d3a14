//! Real calls into `wasmphony serve`: sipp callers on loopback reach the demo tenant's
//! ivr-menu, and what they did is on record in the store: CDRs with their timeline,
//! customer cards, and — after a SIGKILL — the calls cut by it closed as interrupted,
//! never a completed call lost. Hot swapping a component while calls run drops none.

mod support;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use support::{Server, run_sipp, sqlite_url};
use wasmphony_store::{CallFilter, CallStatus, Disposition, Page, Store, TenantId};

/// The demo number answered by ivr-menu, as a phone dials it.
const IVR_NUMBER: &str = "35924001000";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

async fn demo(store: &Store) -> TenantId {
    store
        .tenant_by_slug("demo")
        .await
        .expect("tenants")
        .expect("the demo tenant")
        .id
}

/// Every call of the demo tenant, oldest first.
async fn all_calls(url: &str) -> Vec<wasmphony_store::Call> {
    let store = Store::connect(url).await.expect("the database opens");
    let tenant = demo(&store).await;
    let mut calls = store
        .search_calls(
            tenant,
            &CallFilter::default(),
            Page::first(wasmphony_store::MAX_PAGE_SIZE),
        )
        .await
        .expect("calls");
    calls.sort_by_key(|call| call.start);
    store.close().await;
    calls
}

fn calls_land_in_the_store(data_dir: &Path, extra: &[&str], url: &str) {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let server = Server::start(data_dir, extra);
    let run = run_sipp(
        &server.sip,
        IVR_NUMBER,
        "uac_logged.xml",
        data_dir,
        &[
            "-key",
            "rtp_sink",
            "9",
            "-d",
            "500",
            "-m",
            "5",
            "-l",
            "5",
            "-timeout",
            "30s",
            "-timeout_error",
        ],
        Duration::from_secs(45),
    );
    assert_eq!(run.code, Some(0), "sipp: {}", run.output);
    assert_eq!(run.completed.len(), 5, "{}", run.output);
    drop(server);

    let calls = runtime().block_on(all_calls(url));
    let ivr_hash = wasmphony_engine::ContentHash::of(
        wasmphony_scenarios::by_name("ivr-menu")
            .expect("shipped")
            .bytes,
    )
    .to_hex();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    for call in &calls {
        assert!(
            run.completed.contains(&call.id.0),
            "{} is not one of sipp's calls",
            call.id.0
        );
        assert_eq!(call.status, CallStatus::Completed);
        assert_eq!(call.disposition, Some(Disposition::Answered), "{call:?}");
        assert_eq!(call.scenario.as_deref(), Some("ivr-menu"));
        assert_eq!(call.component_hash.as_deref(), Some(ivr_hash.as_str()));
        assert_eq!(call.dialed, "+35924001000");
        assert!(call.customer_number.starts_with("+359888123"), "{call:?}");
        assert!(call.answer.is_some() && call.talk_ms > 0, "{call:?}");
    }
    runtime().block_on(async {
        let store = Store::connect(url).await.expect("open");
        let tenant = demo(&store).await;
        let events = store
            .call_events(tenant, &calls[0].id)
            .await
            .expect("events");
        let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds.first(), Some(&"started"), "{kinds:?}");
        assert!(kinds.contains(&"answered"), "{kinds:?}");
        assert_eq!(kinds.last(), Some(&"ended"), "{kinds:?}");
        let card = store
            .find_contact(tenant, &calls[0].customer_number)
            .await
            .expect("contact");
        assert!(card.is_some(), "every caller gets a customer card");
    });
}

#[test]
fn sipp_calls_to_the_demo_number_are_on_record_in_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    calls_land_in_the_store(dir.path(), &[], &sqlite_url(dir.path()));
}

#[test]
fn sipp_calls_to_the_demo_number_are_on_record_in_postgres() {
    runtime().block_on(wasmphony_testkit::postgres::on_postgres_url(
        |url| async move {
            let dir = tempfile::tempdir().expect("temp dir");
            let handle = std::thread::spawn(move || {
                calls_land_in_the_store(dir.path(), &["--database", &url], &url);
            });
            if let Err(panic) = handle.join() {
                std::panic::resume_unwind(panic);
            }
        },
    ));
}

/// SIGKILL while 200 calls run: every call sipp saw completed has its CDR, the calls cut
/// by the kill are closed as interrupted at the next start, and no call stays live.
#[test]
fn a_sigkill_during_200_calls_loses_no_completed_call() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = Server::start(dir.path(), &[]);
    let sip = server.sip.clone();
    let sipp_dir = dir.path().to_path_buf();
    // 40 calls/s of 1.5 s each; the server dies about 3 s in, with ~60 calls up.
    let sipp = std::thread::spawn(move || {
        run_sipp(
            &sip,
            IVR_NUMBER,
            "uac_logged.xml",
            &sipp_dir,
            &[
                "-key",
                "rtp_sink",
                "9",
                "-d",
                "1500",
                "-r",
                "40",
                "-m",
                "200",
                "-recv_timeout",
                "2000",
            ],
            Duration::from_secs(60),
        )
    });
    std::thread::sleep(Duration::from_secs(3));
    server.kill();
    let run = sipp.join().expect("sipp thread");
    assert!(
        !run.completed.is_empty(),
        "some calls completed before the kill: {}",
        run.output
    );
    assert!(
        run.completed.len() < 200,
        "the kill cut calls: {}",
        run.output
    );

    // The next start closes what the kill cut.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args(["serve", "--check", "--data-dir"])
        .arg(dir.path())
        .env_remove("WASMPHONY_DATABASE_URL")
        .output()
        .expect("restart");
    let banner = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{banner}");
    assert!(banner.contains("as interrupted"), "{banner}");

    let calls = runtime().block_on(all_calls(&sqlite_url(dir.path())));
    let completed: HashSet<_> = calls
        .iter()
        .filter(|c| c.status == CallStatus::Completed)
        .map(|c| c.id.0.clone())
        .collect();
    for id in &run.completed {
        assert!(
            completed.contains(id),
            "call {id} completed for sipp but its CDR is not completed"
        );
    }
    assert!(
        calls.iter().all(|c| c.status != CallStatus::Live),
        "no call stays live"
    );
    let interrupted = calls
        .iter()
        .filter(|c| c.status == CallStatus::Interrupted)
        .count();
    assert!(
        interrupted > 0,
        "calls up at the kill are interrupted: {calls:#?}"
    );
    eprintln!(
        "sipp completed {} calls before the kill; store: {} completed, {interrupted} interrupted",
        run.completed.len(),
        completed.len()
    );
}

/// A component version with a different hash and the same behaviour: the shipped
/// ivr-menu with a custom section appended (a component may carry any number).
fn ivr_menu_v2() -> Vec<u8> {
    let mut bytes = wasmphony_scenarios::by_name("ivr-menu")
        .expect("shipped")
        .bytes
        .to_vec();
    let name = b"wasmphony-test";
    let payload = b"version two";
    let size = 1 + name.len() + payload.len();
    bytes.push(0); // custom section id
    bytes.push(u8::try_from(size).expect("small section"));
    bytes.push(u8::try_from(name.len()).expect("short name"));
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    bytes
}

/// Activating a new version while sipp places calls at a steady rate drops no call;
/// calls that started before the swap ran the old version, later ones the new.
#[test]
fn a_hot_swap_under_load_drops_no_call() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);
    let key = server.tenant_key(1, "admin");

    let sip = server.sip.clone();
    let sipp_dir = dir.path().to_path_buf();
    // 10 calls/s for 6 s, 1 s each.
    let sipp = std::thread::spawn(move || {
        run_sipp(
            &sip,
            IVR_NUMBER,
            "uac_logged.xml",
            &sipp_dir,
            &[
                "-key",
                "rtp_sink",
                "9",
                "-d",
                "1000",
                "-r",
                "10",
                "-m",
                "60",
                "-timeout",
                "40s",
                "-timeout_error",
            ],
            Duration::from_secs(60),
        )
    });
    std::thread::sleep(Duration::from_millis(2500));
    let v2 = ivr_menu_v2();
    let (status, body) = server.http(
        "POST",
        "/api/v1/components/ivr-menu",
        Some(&key),
        Some(("application/wasm", &v2)),
    );
    assert!(status == 200 || status == 201, "upload: {status} {body}");
    let uploaded: serde_json::Value = serde_json::from_str(&body).expect("json");
    let version = uploaded["versions"]
        .as_array()
        .and_then(|versions| versions.iter().filter_map(|v| v["version"].as_u64()).max())
        .expect("the upload lists its versions");
    assert_eq!(version, 2, "{body}");
    let before = wasmphony_store::UnixMs::now();
    let swap_started = Instant::now();
    let (status, body) = server.http(
        "POST",
        "/api/v1/components/ivr-menu/activate",
        Some(&key),
        Some((
            "application/json",
            format!(r#"{{"version":{version}}}"#).as_bytes(),
        )),
    );
    assert_eq!(status, 200, "activate: {body}");
    let after = wasmphony_store::UnixMs::now();
    assert!(swap_started.elapsed() < Duration::from_secs(5));

    let run = sipp.join().expect("sipp thread");
    assert_eq!(
        run.code,
        Some(0),
        "no call failed across the swap: {}",
        run.output
    );
    assert_eq!(run.completed.len(), 60, "{}", run.output);
    drop(server);

    let old = wasmphony_engine::ContentHash::of(
        wasmphony_scenarios::by_name("ivr-menu")
            .expect("shipped")
            .bytes,
    )
    .to_hex();
    let new = wasmphony_engine::ContentHash::of(&v2).to_hex();
    let calls = runtime().block_on(all_calls(&sqlite_url(dir.path())));
    assert_eq!(calls.len(), 60);
    let (mut on_old, mut on_new) = (0, 0);
    for call in &calls {
        assert_eq!(call.status, CallStatus::Completed, "{call:?}");
        assert_eq!(call.disposition, Some(Disposition::Answered), "{call:?}");
        match call.component_hash.as_deref() {
            Some(hash) if hash == old => {
                on_old += 1;
                assert!(
                    call.start <= after,
                    "a call started after the swap ran the old version: {call:?}"
                );
            }
            Some(hash) if hash == new => {
                on_new += 1;
                assert!(
                    call.start >= before,
                    "a call started before the swap ran the new version: {call:?}"
                );
            }
            other => panic!("unknown component hash {other:?}"),
        }
    }
    assert!(on_old > 0 && on_new > 0, "old {on_old}, new {on_new}");
    eprintln!("hot swap: {on_old} calls on the old version, {on_new} on the new, none failed");
}

/// A number and route added through the API take calls within seconds, without a restart.
#[test]
fn a_route_added_through_the_api_takes_calls() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);
    let key = server.tenant_key(1, "admin");
    let json = |body: serde_json::Value| body.to_string().into_bytes();
    let number = json(serde_json::json!({ "number": "+35924007000" }));
    let (status, body) = server.http(
        "POST",
        "/api/v1/numbers",
        Some(&key),
        Some(("application/json", &number)),
    );
    assert_eq!(status, 201, "{body}");
    let route = json(serde_json::json!({
        "number": "+35924007000", "scenario": "ivr-menu", "config": {}, "fallback": null, "working_hours": null
    }));
    let (status, body) = server.http(
        "POST",
        "/api/v1/routes",
        Some(&key),
        Some(("application/json", &route)),
    );
    assert_eq!(status, 201, "{body}");

    // The route table is rebuilt within ROUTE_REFRESH (2 s); until then the number is unknown.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let run = run_sipp(
            &server.sip,
            "35924007000",
            "uac_logged.xml",
            dir.path(),
            &[
                "-key",
                "rtp_sink",
                "9",
                "-d",
                "300",
                "-m",
                "1",
                "-timeout",
                "10s",
                "-timeout_error",
            ],
            Duration::from_secs(20),
        );
        if run.code == Some(0) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the new route never took the call: {}",
            run.output
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

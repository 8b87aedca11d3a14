//! Staff phones on `wasmphony serve`: a phone REGISTERs to its tenant's domain with digest
//! authentication (sipp: right secret, wrong secret, unknown user — the last two answered
//! alike), and a registered softphone (baresip) receives a call a scenario dials to its
//! extension, bridged with the sipp caller: the caller hears the phone's tone.

mod support;

use std::path::Path;
use std::time::Duration;

use support::phone::{Ear, banner_secret, seed_ivr_route, start_baresip, tone_frames};
use support::{Server, run_sipp, sqlite_url};
use wasmphony_store::{CallFilter, Page, Store};

/// The extension the bridged call rings.
const EXTENSION: &str = "101";
/// A number added for the bridge test, answered by an ivr-menu that dials [`EXTENSION`].
const BRIDGE_NUMBER: &str = "+35924009000";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

fn register(
    server: &Server,
    dir: &Path,
    scenario: &str,
    user: &str,
    secret: &str,
) -> support::SippRun {
    let users = dir.join(format!("users-{user}-{scenario}.csv"));
    std::fs::write(&users, format!("SEQUENTIAL\n{user};demo;\n")).expect("users file");
    let users = users.to_string_lossy().into_owned();
    run_sipp(
        &server.sip,
        "demo",
        scenario,
        dir,
        &[
            "-inf",
            &users,
            "-au",
            user,
            "-ap",
            secret,
            "-m",
            "1",
            "-timeout",
            "20s",
            "-timeout_error",
        ],
        Duration::from_secs(30),
    )
}

#[test]
fn a_phone_registers_with_its_secret_and_wrong_or_unknown_credentials_look_alike() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);
    let secret = banner_secret(&server.banner, EXTENSION);

    let right = register(&server, dir.path(), "uac_register.xml", EXTENSION, &secret);
    assert_eq!(
        right.code,
        Some(0),
        "the right secret registers: {}",
        right.output
    );
    let wrong = register(
        &server,
        dir.path(),
        "uac_register_refused.xml",
        EXTENSION,
        "not-the-secret",
    );
    assert_eq!(
        wrong.code,
        Some(0),
        "a wrong secret is refused with 401: {}",
        wrong.output
    );
    let unknown = register(
        &server,
        dir.path(),
        "uac_register_refused.xml",
        "999",
        "whatever-secret",
    );
    assert_eq!(
        unknown.code,
        Some(0),
        "an unknown user gets the same 401: {}",
        unknown.output
    );
}

#[test]
fn a_registered_softphone_receives_a_call_bridged_from_a_sipp_caller() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    seed_ivr_route(
        dir.path(),
        BRIDGE_NUMBER,
        serde_json::json!({ "action": "extension", "extension": EXTENSION }),
        |_| {},
    );
    let server = Server::start(dir.path(), &[]);
    let secret = banner_secret(&server.banner, EXTENSION);
    let _phone = start_baresip(&dir.path().join("baresip"), &server.sip, EXTENSION, &secret);

    let ear = Ear::open();
    let run = run_sipp(
        &server.sip,
        BRIDGE_NUMBER.trim_start_matches('+'),
        "uac_logged.xml",
        dir.path(),
        &[
            "-key",
            "rtp_sink",
            &ear.port.to_string(),
            "-d",
            "5000",
            "-m",
            "1",
            "-timeout",
            "30s",
            "-timeout_error",
        ],
        Duration::from_secs(40),
    );
    let payloads = ear.heard();
    assert_eq!(run.code, Some(0), "{}", run.output);
    let tone = tone_frames(&payloads);
    assert!(
        tone >= 100,
        "the caller heard the phone's tone for 2 s or more: {tone} of {} frames",
        payloads.len()
    );
    drop(server);

    runtime().block_on(async {
        let store = Store::connect(&sqlite_url(dir.path())).await.expect("open");
        let tenant = store
            .tenant_by_slug("demo")
            .await
            .expect("read")
            .expect("demo")
            .id;
        let calls = store
            .search_calls(tenant, &CallFilter::default(), Page::first(10))
            .await
            .expect("calls");
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(
            calls[0].tags.contains(&format!("extension:{EXTENSION}")),
            "{:?}",
            calls[0]
        );
        let events = store
            .call_events(tenant, &calls[0].id)
            .await
            .expect("events");
        assert!(
            !events
                .iter()
                .any(|e| e.detail.to_string().contains("not answered")),
            "the extension answered: {events:?}"
        );
    });
}

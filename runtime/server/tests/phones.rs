//! Staff phones on `wasmphony serve`: a phone REGISTERs to its tenant's domain with digest
//! authentication (sipp: right secret, wrong secret, unknown user — the last two answered
//! alike), and a registered softphone (baresip) receives a call a scenario dials to its
//! extension, bridged with the sipp caller: the caller hears the phone's tone.

mod support;

use std::path::Path;
use std::time::Duration;

use support::phone::{
    banner_secret, call_and_hear, only_call, seed_ivr_route, start_baresip, tone_frames,
};
use support::{Server, run_sipp};

/// The extension the bridged call rings.
const EXTENSION: &str = "101";
/// A number added for the bridge test, answered by an ivr-menu that dials [`EXTENSION`].
const BRIDGE_NUMBER: &str = "+35924009000";

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

    let payloads = call_and_hear(&server, BRIDGE_NUMBER, dir.path());
    let tone = tone_frames(&payloads);
    assert!(
        tone >= 100,
        "the caller heard the phone's tone for 2 s or more: {tone} of {} frames",
        payloads.len()
    );
    drop(server);

    let (call, events) = only_call(dir.path());
    assert!(
        call.tags.contains(&format!("extension:{EXTENSION}")),
        "{call:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| e.detail.to_string().contains("not answered")),
        "the extension answered: {events:?}"
    );
}

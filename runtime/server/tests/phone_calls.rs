//! Staff phones' own calls on `wasmphony serve`: a phone (sipp, with digest credentials)
//! calls another extension (baresip) and hears it, with media on three media threads and
//! with none (`--media-threads 0`); a phone calls an external number,
//! which goes out through the tenant's trunk (sipp as the carrier) with the trunk's caller
//! id; and an INVITE with wrong credentials never reaches the trunk (no toll fraud).

mod support;

use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

use support::phone::{Ear, banner_secret, start_baresip, tone_frames};
use support::{Server, SippRun, run_sipp, sipp_xml};

const CALLER: &str = "102";
const CALLEE: &str = "101";
const EXTERNAL: &str = "+35929000000";
/// The caller id the trunk presents (the carrier's sipp XML checks for it literally).
const TRUNK_CALLER_ID: &str = "+35924000111";

/// sipp as phone `user` of the demo tenant calling `dialed`, talking for `talk_ms`, its
/// RTP going to `ear_port`.
#[allow(clippy::too_many_arguments)]
fn phone_call(
    server: &Server,
    dir: &Path,
    scenario: &str,
    dialed: &str,
    user: &str,
    secret: &str,
    ear_port: u16,
    talk_ms: u32,
) -> SippRun {
    let users = dir.join(format!("phone-{user}.csv"));
    std::fs::write(&users, format!("SEQUENTIAL\n{user};demo;\n")).expect("users file");
    run_sipp(
        &server.sip,
        dialed,
        scenario,
        dir,
        &[
            "-inf",
            &users.to_string_lossy(),
            "-au",
            user,
            "-ap",
            secret,
            "-key",
            "rtp_sink",
            &ear_port.to_string(),
            "-d",
            &talk_ms.to_string(),
            "-m",
            "1",
            "-timeout",
            "30s",
            "-timeout_error",
        ],
        Duration::from_secs(40),
    )
}

/// Media threads as `wasmphony-media-N` name them (Linux keeps 15 bytes of a name).
const MEDIA_THREAD: &str = "wasmphony-media";

#[test]
fn a_phone_calls_another_extension_and_hears_it() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &["--media-threads", "3"]);
    assert_eq!(server.threads_named(MEDIA_THREAD), 3, "--media-threads 3");
    a_phone_call_is_heard(server, dir.path());
}

#[test]
fn without_media_threads_a_phone_call_is_heard_too() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &["--media-threads", "0"]);
    assert_eq!(server.threads_named(MEDIA_THREAD), 0, "--media-threads 0");
    a_phone_call_is_heard(server, dir.path());
}

/// Phone 102 (sipp) calls 101 (baresip, playing a tone) and must hear it; the call's
/// record is a direct call between them.
fn a_phone_call_is_heard(server: Server, dir: &Path) {
    let callee_secret = banner_secret(&server.banner, CALLEE);
    let caller_secret = banner_secret(&server.banner, CALLER);
    let _phone = start_baresip(&dir.join("baresip"), &server.sip, CALLEE, &callee_secret);

    let ear = Ear::open();
    let run = phone_call(
        &server,
        dir,
        "uac_phone_call.xml",
        CALLEE,
        CALLER,
        &caller_secret,
        ear.port,
        4_000,
    );
    let heard = ear.heard();
    assert_eq!(run.code, Some(0), "{}", run.output);
    let tone = tone_frames(&heard);
    assert!(
        tone >= 100,
        "the caller heard the other phone's tone for 2 s or more: {tone} of {} frames",
        heard.len()
    );
    drop(server);
    let (call, _) = support::phone::only_call(dir);
    assert_eq!(
        call.scenario.as_deref(),
        Some(wasmphony_controller::DIRECT_CALL)
    );
    assert_eq!(call.from, CALLER, "{call:?}");
    assert!(call.answer.is_some(), "answered: {call:?}");
}

#[test]
fn only_an_authenticated_phone_reaches_the_trunk_and_it_presents_the_trunk_caller_id() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);
    let caller_secret = banner_secret(&server.banner, CALLER);
    // The carrier: first a bare socket that must never hear from us.
    let carrier = UdpSocket::bind("127.0.0.1:0").expect("carrier socket");
    let carrier_port = carrier.local_addr().expect("addr").port();
    let key = server.tenant_key(1, "admin");
    let trunk = serde_json::json!({
        "name": "carrier",
        "uri": format!("sip:127.0.0.1:{carrier_port}"),
        "username": null,
        "password": null,
        "caller_id": TRUNK_CALLER_ID,
        "priority": 0,
        "prefixes": ["+359"],
    })
    .to_string();
    let (status, reply) = server.http(
        "POST",
        "/api/v1/trunks",
        Some(&key),
        Some(("application/json", trunk.as_bytes())),
    );
    assert_eq!(status, 201, "{reply}");
    // Routes (and trunks) are re-read within 2 s.
    std::thread::sleep(Duration::from_secs(3));

    let ear = Ear::open();
    for (user, secret) in [(CALLER, "not-the-secret"), ("999", "whatever-secret")] {
        let refused = phone_call(
            &server,
            dir.path(),
            "uac_phone_call_refused.xml",
            EXTERNAL,
            user,
            secret,
            ear.port,
            1_000,
        );
        assert_eq!(
            refused.code,
            Some(0),
            "{user} with a wrong secret gets 407 twice: {}",
            refused.output
        );
    }
    carrier
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut buf = [0u8; 2048];
    assert!(
        carrier.recv_from(&mut buf).is_err(),
        "nothing reached the trunk: {}",
        String::from_utf8_lossy(&buf)
    );
    drop(carrier);

    let sipp_carrier = std::thread::spawn(move || {
        let port = carrier_port.to_string();
        let media = wasmphony_testkit::free_udp_port().to_string();
        std::process::Command::new("sipp")
            .args([
                "-sf",
                &sipp_xml("uas_trunk.xml"),
                "-i",
                "127.0.0.1",
                "-p",
                &port,
            ])
            .args(["-mp", &media, "-rtp_echo", "-m", "1", "-nostdin"])
            .args(["-timeout", "30s", "-timeout_error"])
            .output()
            .expect("sipp carrier")
    });
    std::thread::sleep(Duration::from_millis(500));
    let run = phone_call(
        &server,
        dir.path(),
        "uac_phone_call.xml",
        EXTERNAL,
        CALLER,
        &caller_secret,
        ear.port,
        2_000,
    );
    assert_eq!(run.code, Some(0), "{}", run.output);
    let carrier_run = sipp_carrier.join().expect("carrier thread");
    assert!(
        carrier_run.status.success(),
        "the carrier took the call with the trunk's caller id: {}\n{}",
        String::from_utf8_lossy(&carrier_run.stdout),
        String::from_utf8_lossy(&carrier_run.stderr)
    );
    let _ = ear.heard();
}

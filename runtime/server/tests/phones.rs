//! Staff phones on `wasmphony serve`: a phone REGISTERs to its tenant's domain with digest
//! authentication (sipp: right secret, wrong secret, unknown user — the last two answered
//! alike), and a registered softphone (baresip) receives a call a scenario dials to its
//! extension, bridged with the sipp caller: the caller hears the phone's tone.

mod support;

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use support::{Server, run_sipp, sqlite_url};
use wasmphony_media::codec::g711::mulaw_to_linear;
use wasmphony_media::dtmf::goertzel::Goertzel;
use wasmphony_store::{CallFilter, Page, RouteSpec, Store};

/// The extension the bridged call rings.
const EXTENSION: &str = "101";
/// A number added for the bridge test, answered by an ivr-menu that dials [`EXTENSION`].
const BRIDGE_NUMBER: &str = "+35924009000";
/// The tone the softphone sends, in Hz.
const TONE_HZ: u32 = 1_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// The SIP secret the banner shows for `username`.
fn banner_secret(banner: &str, username: &str) -> String {
    let prefix = format!("phone:      sip:{username}@demo password ");
    banner
        .lines()
        .find_map(|line| line.trim().strip_prefix(prefix.trim_start()))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no secret for {username} in the banner:\n{banner}"))
        .to_string()
}

fn register(server: &Server, dir: &Path, scenario: &str, user: &str, secret: &str) -> support::SippRun {
    let users = dir.join(format!("users-{user}-{scenario}.csv"));
    std::fs::write(&users, format!("SEQUENTIAL\n{user};demo;\n")).expect("users file");
    let users = users.to_string_lossy().into_owned();
    run_sipp(
        &server.sip,
        "demo",
        scenario,
        dir,
        &["-inf", &users, "-au", user, "-ap", secret, "-m", "1", "-timeout", "20s", "-timeout_error"],
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
    assert_eq!(right.code, Some(0), "the right secret registers: {}", right.output);
    let wrong = register(&server, dir.path(), "uac_register_refused.xml", EXTENSION, "not-the-secret");
    assert_eq!(wrong.code, Some(0), "a wrong secret is refused with 401: {}", wrong.output);
    let unknown = register(&server, dir.path(), "uac_register_refused.xml", "999", "whatever-secret");
    assert_eq!(unknown.code, Some(0), "an unknown user gets the same 401: {}", unknown.output);
}

/// Seeds the demo tenant, then routes [`BRIDGE_NUMBER`] to an ivr-menu that is always open,
/// skips its greeting and, when the caller presses nothing, dials [`EXTENSION`].
fn seed_bridge_route(data_dir: &Path) {
    let check = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args(["serve", "--check", "--data-dir"])
        .arg(data_dir)
        .env_remove("WASMPHONY_DATABASE_URL")
        .output()
        .expect("seed");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let shipped = wasmphony_scenarios::by_name("ivr-menu").expect("shipped");
    let mut config: serde_json::Value = serde_json::from_str(shipped.default_config).expect("json");
    config["hours"] = "daily 00:00-24:00".into();
    config["greeting"] = serde_json::json!([]);
    let menu = &mut config["menu"];
    menu["retries"] = 1.into();
    menu["timeout_ms"] = 300.into();
    menu["timeout_prompt"] = "beep".into();
    menu["root"]["prompt"] = "beep".into();
    menu["on_failure"] = serde_json::json!({ "action": "extension", "extension": EXTENSION });
    runtime().block_on(async {
        let store = Store::connect(&sqlite_url(data_dir)).await.expect("open");
        let tenant = store.tenant_by_slug("demo").await.expect("read").expect("demo").id;
        store.add_number(tenant, BRIDGE_NUMBER, Some("ivr-menu")).await.expect("number");
        let route = RouteSpec {
            number: BRIDGE_NUMBER.into(),
            scenario: "ivr-menu".into(),
            config,
            fallback: None,
            working_hours: None,
        };
        store.create_route(tenant, &route, wasmphony_store::UnixMs::now()).await.expect("route");
        store.close().await;
    });
}

/// An 8 kHz WAV of [`TONE_HZ`] for baresip to send.
fn write_tone(path: &Path) {
    let spec = hound::WavSpec { channels: 1, sample_rate: 8_000, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut wav = hound::WavWriter::create(path, spec).expect("tone file");
    for i in 0..8_000 * 30 {
        let phase = 2.0 * std::f32::consts::PI * TONE_HZ as f32 * i as f32 / 8_000.0;
        wav.write_sample((phase.sin() * 8_000.0) as i16).expect("sample");
    }
    wav.finalize().expect("tone written");
}

/// baresip registered as [`EXTENSION`], answering every call, sending the tone.
fn start_baresip(dir: &Path, server_sip: &str, secret: &str) -> support::KillOnDrop {
    let tone = dir.join("tone.wav");
    write_tone(&tone);
    let port = wasmphony_testkit::free_udp_port();
    std::fs::write(
        dir.join("config"),
        format!(
            "sip_listen\t\t127.0.0.1:{port}\nmodule_path\t\t/usr/lib/baresip/modules\nmodule\t\t\tg711.so\n\
             module\t\t\taufile.so\nmodule_app\t\taccount.so\nmodule_app\t\tmenu.so\n\
             audio_player\t\taufile,{}\naudio_source\t\taufile,{}\n",
            dir.join("heard.wav").display(),
            tone.display()
        ),
    )
    .expect("config");
    std::fs::write(
        dir.join("accounts"),
        format!(
            "<sip:{EXTENSION}@demo>;auth_pass={secret};outbound=\"sip:{server_sip};transport=udp\";regint=60;answermode=auto\n"
        ),
    )
    .expect("accounts");
    std::fs::write(dir.join("contacts"), "").expect("contacts");
    let log = std::fs::File::create(dir.join("baresip.log")).expect("log");
    let child = Command::new("baresip")
        .arg("-f")
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(Stdio::null())
        .spawn()
        .expect("baresip starts");
    let running = support::KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(dir.join("baresip.log")).unwrap_or_default();
        if log.contains(&format!("{EXTENSION}@demo")) && log.contains("200 OK") {
            return running;
        }
        assert!(Instant::now() < deadline, "baresip did not register:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How many 20 ms PCMU frames received carry mostly the tone.
fn tone_frames(payloads: &[Vec<u8>]) -> usize {
    let detector = Goertzel::new(TONE_HZ as f32, 8_000);
    payloads
        .iter()
        .filter(|payload| {
            let samples: Vec<f32> = payload.iter().map(|b| f32::from(mulaw_to_linear(*b))).collect();
            let energy: f32 = samples.iter().map(|s| s * s).sum();
            energy > 1e6 && detector.power(&samples) > 0.8 * energy
        })
        .count()
}

#[test]
fn a_registered_softphone_receives_a_call_bridged_from_a_sipp_caller() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    seed_bridge_route(dir.path());
    let server = Server::start(dir.path(), &[]);
    let secret = banner_secret(&server.banner, EXTENSION);
    let phone_dir = dir.path().join("baresip");
    std::fs::create_dir_all(&phone_dir).expect("phone dir");
    let _phone = start_baresip(&phone_dir, &server.sip, &secret);

    // The caller's media goes to this socket: what the caller hears.
    let sink = UdpSocket::bind("127.0.0.1:0").expect("sink");
    sink.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    let sink_port = sink.local_addr().expect("addr").port().to_string();
    let done = Arc::new(AtomicBool::new(false));
    let sipp_done = done.clone();
    let heard = std::thread::spawn(move || {
        let mut payloads = Vec::new();
        let mut buffer = [0_u8; 2048];
        let until = Instant::now() + Duration::from_secs(45);
        while Instant::now() < until && !done.load(Ordering::Relaxed) {
            if let Ok(len) = sink.recv(&mut buffer)
                && len > 12
            {
                payloads.push(buffer[12..len].to_vec());
            }
        }
        payloads
    });
    let run = run_sipp(
        &server.sip,
        BRIDGE_NUMBER.trim_start_matches('+'),
        "uac_logged.xml",
        dir.path(),
        &["-key", "rtp_sink", &sink_port, "-d", "5000", "-m", "1", "-timeout", "30s", "-timeout_error"],
        Duration::from_secs(40),
    );
    sipp_done.store(true, Ordering::Relaxed);
    assert_eq!(run.code, Some(0), "{}", run.output);
    let payloads = heard.join().expect("sink thread");
    let tone = tone_frames(&payloads);
    assert!(tone >= 100, "the caller heard the phone's tone for 2 s or more: {tone} of {} frames", payloads.len());
    drop(server);

    runtime().block_on(async {
        let store = Store::connect(&sqlite_url(dir.path())).await.expect("open");
        let tenant = store.tenant_by_slug("demo").await.expect("read").expect("demo").id;
        let calls = store.search_calls(tenant, &CallFilter::default(), Page::first(10)).await.expect("calls");
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(calls[0].tags.contains(&format!("extension:{EXTENSION}")), "{:?}", calls[0]);
        let events = store.call_events(tenant, &calls[0].id).await.expect("events");
        assert!(
            !events.iter().any(|e| e.detail.to_string().contains("not answered")),
            "the extension answered: {events:?}"
        );
    });
}

//! Staff phones and tenant routes for the server's interop tests: a route seeded into the
//! store before the server starts, baresip registered as an extension (auto-answer, sending
//! a tone), a socket standing for the caller's ear, and a tone detector.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use wasmphony_media::codec::g711::mulaw_to_linear;
use wasmphony_media::dtmf::goertzel::Goertzel;
use wasmphony_store::{RouteSpec, Store};

use super::{KillOnDrop, sqlite_url};

/// The tone softphones send, in Hz.
pub const TONE_HZ: u32 = 1_000;

/// The SIP secret the banner shows for `username`.
pub fn banner_secret(banner: &str, username: &str) -> String {
    let prefix = format!("phone:      sip:{username}@demo password ");
    banner
        .lines()
        .find_map(|line| line.trim().strip_prefix(prefix.trim_start()))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no secret for {username} in the banner:\n{banner}"))
        .to_string()
}

/// Seeds the demo tenant (`serve --check`), then routes `number` to an ivr-menu that is
/// always open, skips its greeting, and when the caller presses nothing within 0.3 s does
/// `on_failure` (a menu action); `edit` adjusts the rest of the configuration.
pub fn seed_ivr_route(
    data_dir: &Path,
    number: &str,
    on_failure: serde_json::Value,
    edit: impl FnOnce(&mut serde_json::Value),
) {
    let check = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args(["serve", "--check", "--data-dir"])
        .arg(data_dir)
        .env_remove("WASMPHONY_DATABASE_URL")
        .output()
        .expect("seed");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let shipped = wasmphony_scenarios::by_name("ivr-menu").expect("shipped");
    let mut config: serde_json::Value = serde_json::from_str(shipped.default_config).expect("json");
    config["hours"] = "daily 00:00-24:00".into();
    config["greeting"] = serde_json::json!([]);
    let menu = &mut config["menu"];
    menu["retries"] = 1.into();
    menu["timeout_ms"] = 300.into();
    menu["timeout_prompt"] = "beep".into();
    menu["root"]["prompt"] = "beep".into();
    menu["on_failure"] = on_failure;
    edit(&mut config);
    on_demo_store(data_dir, |store, tenant| async move {
        store
            .add_number(tenant, number, Some("ivr-menu"))
            .await
            .expect("number");
        let route = RouteSpec {
            number: number.into(),
            scenario: "ivr-menu".into(),
            config,
            fallback: None,
            working_hours: None,
        };
        store
            .create_route(tenant, &route, wasmphony_store::UnixMs::now())
            .await
            .expect("route");
        store.close().await;
    });
}

/// An 8 kHz WAV of [`TONE_HZ`].
fn write_tone(path: &Path) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut wav = hound::WavWriter::create(path, spec).expect("tone file");
    for i in 0..8_000 * 30 {
        let phase = 2.0 * std::f32::consts::PI * TONE_HZ as f32 * i as f32 / 8_000.0;
        wav.write_sample((phase.sin() * 8_000.0) as i16)
            .expect("sample");
    }
    wav.finalize().expect("tone written");
}

/// baresip registered as `extension@demo` at `server_sip`, answering every call at once,
/// sending [`TONE_HZ`]; returns once the registration is confirmed.
pub fn start_baresip(dir: &Path, server_sip: &str, extension: &str, secret: &str) -> KillOnDrop {
    std::fs::create_dir_all(dir).expect("phone dir");
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
        format!("<sip:{extension}@demo>;auth_pass={secret};outbound=\"sip:{server_sip};transport=udp\";regint=60;answermode=auto\n"),
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
    let running = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = std::fs::read_to_string(dir.join("baresip.log")).unwrap_or_default();
        if log.contains(&format!("{extension}@demo")) && log.contains("200 OK") {
            return running;
        }
        assert!(
            Instant::now() < deadline,
            "baresip did not register:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A UDP socket standing for the caller's ear: it keeps every RTP payload until stopped.
pub struct Ear {
    pub port: u16,
    done: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Vec<u8>>>,
}

impl Ear {
    pub fn open() -> Ear {
        Ear::open_on("127.0.0.1")
    }

    /// An ear on `ip` (`::1` for an IPv6 caller).
    pub fn open_on(ip: &str) -> Ear {
        let ip: std::net::IpAddr = ip.parse().expect("an IP address");
        let socket = UdpSocket::bind((ip, 0)).expect("ear");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let port = socket.local_addr().expect("addr").port();
        let done = Arc::new(AtomicBool::new(false));
        let stop = done.clone();
        let thread = std::thread::spawn(move || {
            let mut payloads = Vec::new();
            let mut buffer = [0_u8; 2048];
            let until = Instant::now() + Duration::from_secs(60);
            while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                if let Ok(len) = socket.recv(&mut buffer)
                    && len > 12
                {
                    payloads.push(buffer[12..len].to_vec());
                }
            }
            payloads
        });
        Ear { port, done, thread }
    }

    /// Stops listening; what was heard.
    pub fn heard(self) -> Vec<Vec<u8>> {
        self.done.store(true, Ordering::Relaxed);
        self.thread.join().expect("ear thread")
    }
}

/// How many 20 ms PCMU frames carry mostly [`TONE_HZ`].
pub fn tone_frames(payloads: &[Vec<u8>]) -> usize {
    let detector = Goertzel::new(TONE_HZ as f32, 8_000);
    payloads
        .iter()
        .filter(|payload| {
            let samples: Vec<f32> = payload
                .iter()
                .map(|b| f32::from(mulaw_to_linear(*b)))
                .collect();
            let energy: f32 = samples.iter().map(|s| s * s).sum();
            energy > 1e6 && detector.power(&samples) > 0.8 * energy
        })
        .count()
}

/// One sipp call to `number` that talks 5 s and hangs up, with its media going to an
/// [`Ear`]; asserts that sipp saw it through and returns what the caller heard.
pub fn call_and_hear(server: &super::Server, number: &str, dir: &Path) -> Vec<Vec<u8>> {
    call_and_hear_at(&server.sip, number, dir, "127.0.0.1", &[])
}

/// [`call_and_hear`] to the server's SIP address `sip` (`[::1]:5060` for IPv6), the
/// caller's ear on `ear_ip`, with sipp's `extra` arguments (`-t t1` for TCP).
pub fn call_and_hear_at(
    sip: &str,
    number: &str,
    dir: &Path,
    ear_ip: &str,
    extra: &[&str],
) -> Vec<Vec<u8>> {
    let ear = Ear::open_on(ear_ip);
    let port = ear.port.to_string();
    let mut args = vec![
        "-key",
        "rtp_sink",
        &port,
        "-d",
        "5000",
        "-m",
        "1",
        "-timeout",
        "30s",
        "-timeout_error",
    ];
    args.extend_from_slice(extra);
    let run = super::run_sipp(
        sip,
        number.trim_start_matches('+'),
        "uac_logged.xml",
        dir,
        &args,
        Duration::from_secs(40),
    );
    let payloads = ear.heard();
    assert_eq!(run.code, Some(0), "{}", run.output);
    payloads
}

/// The demo tenant's call records in `data_dir`'s database, newest first.
pub fn demo_calls(data_dir: &Path) -> Vec<wasmphony_store::Call> {
    on_demo_store(data_dir, |store, tenant| async move {
        let filter = wasmphony_store::CallFilter::default();
        let calls = store
            .search_calls(tenant, &filter, wasmphony_store::Page::first(100))
            .await
            .expect("calls");
        store.close().await;
        calls
    })
}

/// The demo tenant's only call record in `data_dir`'s database, with its timeline.
pub fn only_call(data_dir: &Path) -> (wasmphony_store::Call, Vec<wasmphony_store::CallEvent>) {
    on_demo_store(data_dir, |store, tenant| async move {
        let filter = wasmphony_store::CallFilter::default();
        let mut calls = store
            .search_calls(tenant, &filter, wasmphony_store::Page::first(10))
            .await
            .expect("calls");
        assert_eq!(calls.len(), 1, "{calls:?}");
        let call = calls.remove(0);
        let events = store.call_events(tenant, &call.id).await.expect("events");
        store.close().await;
        (call, events)
    })
}

/// Runs `body` with `data_dir`'s store and the demo tenant's id.
fn on_demo_store<T, F, Fut>(data_dir: &Path, body: F) -> T
where
    F: FnOnce(Store, wasmphony_store::TenantId) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::connect(&sqlite_url(data_dir)).await.expect("open");
        let tenant = store
            .tenant_by_slug("demo")
            .await
            .expect("read")
            .expect("demo")
            .id;
        body(store, tenant).await
    })
}

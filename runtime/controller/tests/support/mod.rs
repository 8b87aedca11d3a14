//! Shared pieces of the controller's interop tests: a controller on loopback
//! with the shipped scenarios and the demo prompts, and sipp runs with deadlines.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use wasmphony_controller::{CallRecord, Controller, ControllerConfig, Route, RouteTable, Tenant};
use wasmphony_engine::{Fallback, HostConfig, SandboxLimits, ScenarioHost, ScenarioRegistry};
use wasmphony_media::codec::Codec;
use wasmphony_media::net::PortAllocator;
use wasmphony_media::play::PromptLibrary;
use wasmphony_sim::SimServices;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig};

/// Longest a sipp run may take before the test fails.
pub const SIPP_DEADLINE: Duration = Duration::from_secs(40);
/// Longest wait for a call's record once sipp is done.
pub const RECORD_WAIT: Duration = Duration::from_secs(15);
/// The tenant every test uses.
pub const TENANT: &str = "demo";
/// The number sipp dials (`-s`).
pub const NUMBER: &str = "5551000";

pub use wasmphony_testkit::free_udp_port;

pub mod talk;

/// True when sipp can run (a loud skip without it, a failure under CI).
pub fn sipp_available() -> bool {
    wasmphony_testkit::have_sipp()
}

/// Path of a scenario file under `tests/sipp/`.
pub fn sipp_xml(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "sipp", name]
        .iter()
        .collect();
    p.to_string_lossy().into_owned()
}

/// The RFC 2833 pcap sipp ships for `digit`.
pub fn dtmf_pcap(digit: char) -> Option<String> {
    [
        "/usr/share/sip-tester",
        "/usr/share/sipp/pcap",
        "/usr/local/share/sipp/pcap",
    ]
    .iter()
    .map(|dir| format!("{dir}/dtmf_2833_{digit}.pcap"))
    .find(|p| std::path::Path::new(p).exists())
}

/// Output of a sipp run.
pub struct SippRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl SippRun {
    pub fn assert_clean(&self) {
        assert_eq!(
            self.code,
            Some(0),
            "sipp failed:\n{}\n{}",
            self.stdout,
            self.stderr
        );
    }
}

/// Runs sipp with `args` in a scratch directory, killed if it outlives [`SIPP_DEADLINE`].
pub async fn run_sipp(args: Vec<String>) -> SippRun {
    let dir: PathBuf = [env!("CARGO_TARGET_TMPDIR"), "controller-sipp"]
        .iter()
        .collect();
    std::fs::create_dir_all(&dir).unwrap();
    let child = tokio::process::Command::new("sipp")
        .args(&args)
        .args([
            "-nostdin",
            "-timeout",
            "30s",
            "-timeout_error",
            "-trace_err",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn sipp");
    let out = tokio::time::timeout(SIPP_DEADLINE, child.wait_with_output())
        .await
        .expect("sipp finished in time")
        .unwrap();
    SippRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// sipp as a caller of `scenario_xml` against `controller`, one call.
pub fn uac_args(
    scenario_xml: &str,
    controller: SocketAddr,
    extra: &[(&str, String)],
) -> Vec<String> {
    let mut args = vec![
        controller.to_string(),
        "-sf".into(),
        sipp_xml(scenario_xml),
        "-s".into(),
        NUMBER.into(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        free_udp_port().to_string(),
        "-mp".into(),
        free_udp_port().to_string(),
        "-m".into(),
        "1".into(),
    ];
    for (key, value) in extra {
        args.extend(["-key".to_string(), key.to_string(), value.clone()]);
    }
    args
}

/// A controller on 127.0.0.1 answering [`NUMBER`] with one scenario.
pub struct Harness {
    pub controller: Arc<Controller>,
    pub sip: SocketAddr,
    pub records: mpsc::Receiver<CallRecord>,
    pub data_dir: PathBuf,
}

/// What [`start`] routes [`NUMBER`] to.
pub struct Setup {
    pub scenario: &'static str,
    pub bytes: &'static [u8],
    pub config: String,
    pub fallback: Fallback,
    pub limits: SandboxLimits,
    pub number_gateway: Option<SocketAddr>,
    pub max_calls: usize,
}

impl Setup {
    /// A shipped scenario with `config`.
    pub fn shipped(name: &'static str, config: String) -> Setup {
        Setup {
            scenario: name,
            bytes: wasmphony_scenarios::by_name(name).unwrap().bytes,
            config,
            fallback: Fallback::Announcement("goodbye".into()),
            limits: SandboxLimits::DEFAULT,
            number_gateway: None,
            max_calls: wasmphony_controller::DEFAULT_MAX_CALLS,
        }
    }

    /// The sandbox test guest behaving as `behave`.
    pub fn test_guest(behave: &str) -> Setup {
        Setup {
            scenario: "test-guest",
            bytes: wasmphony_scenarios::test_guest(),
            config: format!(r#"{{"behave":"{behave}"}}"#),
            fallback: Fallback::Announcement("goodbye".into()),
            limits: SandboxLimits::DEFAULT,
            number_gateway: None,
            max_calls: wasmphony_controller::DEFAULT_MAX_CALLS,
        }
    }
}

fn prompts() -> PromptLibrary {
    let mut library = PromptLibrary::new(&[Codec::Pcmu, Codec::Pcma]).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../prompts");
    library.load_dir(&root.join("builtin")).unwrap();
    library.load_dir(&root.join("demo")).unwrap();
    library
}

pub async fn start(setup: Setup, test_name: &str) -> Harness {
    start_with_routes(setup, test_name, |_| {}).await
}

/// [`start`], with `extra` adding to the route table (trunks, more tenants' data).
pub async fn start_with_routes(
    setup: Setup,
    test_name: &str,
    extra: impl FnOnce(&mut RouteTable),
) -> Harness {
    let host = ScenarioHost::new(HostConfig {
        limits: setup.limits,
        cache_dir: None,
        pool_slots: 16,
    })
    .unwrap();
    let registry = Arc::new(ScenarioRegistry::new(host));
    registry
        .register(TENANT, setup.scenario, setup.bytes)
        .unwrap();
    let mut routes = RouteTable::new();
    routes.add_tenant(
        TENANT,
        Tenant {
            services: Arc::new(SimServices::new()),
            prompts: Arc::new(prompts()),
        },
    );
    routes.add_number(
        NUMBER,
        Route {
            tenant: TENANT.into(),
            scenario: setup.scenario.into(),
            config_json: Arc::from(setup.config.as_str()),
            fallback: setup.fallback,
        },
    );
    extra(&mut routes);
    let (endpoint, incoming) = Endpoint::bind(EndpointConfig::udp("127.0.0.1:0".parse().unwrap()))
        .await
        .unwrap();
    let sip = endpoint.local_addrs(wasmphony_sip::endpoint::TransportKind::Udp)[0];
    let data_dir: PathBuf = [env!("CARGO_TARGET_TMPDIR"), "controller-data", test_name]
        .iter()
        .collect();
    let _ = std::fs::remove_dir_all(&data_dir);
    let mut config = ControllerConfig::new(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        PortAllocator::new(42_000, 48_000).unwrap(),
        data_dir.clone(),
    );
    config.number_gateway = setup.number_gateway;
    config.max_calls = setup.max_calls;
    let (controller, records) = Controller::new(endpoint, registry, routes, &config);
    tokio::spawn(controller.clone().run(incoming));
    Harness {
        controller,
        sip,
        records,
        data_dir,
    }
}

impl Harness {
    /// The next call record, within [`RECORD_WAIT`].
    pub async fn next_record(&mut self) -> CallRecord {
        tokio::time::timeout(RECORD_WAIT, self.records.recv())
            .await
            .expect("a call record in time")
            .unwrap()
    }

    /// Waits (bounded) until no call is live.
    pub async fn assert_no_live_calls(&self) {
        let until = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.controller.live_calls() > 0 && tokio::time::Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(self.controller.live_calls(), 0, "calls leaked");
    }
}

/// The ivr-menu's shipped configuration, open all day, with a short greeting
/// and option 1 replaced by `option_1` (JSON).
pub fn ivr_config(option_1: &str) -> String {
    let mut config: serde_json::Value = serde_json::from_str(
        wasmphony_scenarios::by_name("ivr-menu")
            .unwrap()
            .default_config,
    )
    .unwrap();
    config["hours"] = "daily 00:00-24:00".into();
    config["greeting"] = serde_json::json!(["greeting"]);
    config["menu"]["root"]["options"]["1"] = serde_json::from_str(option_1).unwrap();
    config.to_string()
}

/// Waits (at most 10 s) until a process listens on UDP `port` — a sipp party spawned in
/// the background has bound its port — so that a request to it is not lost while it
/// starts: under load that takes long enough for RFC 3261's back-off to carry the retry
/// past a party's scripted hang-up. Reads `/proc/net/udp` rather than probing with a bind,
/// which could take the port from under the starting sipp.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub async fn wait_until_listening(port: u16) {
    let wanted = format!(":{port:04X}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
        let bound = table
            .lines()
            .skip(1)
            .filter_map(|line| line.split_whitespace().nth(1))
            .any(|local| local.ends_with(&wanted));
        if bound {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing listens on UDP port {port} after 10 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

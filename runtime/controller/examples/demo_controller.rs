//! A controller on loopback with the shipped scenarios and the demo prompts,
//! for trying calls with sipp or a softphone and for load runs.
//!
//! ```text
//! cargo run -p wasmphony-controller --example demo_controller -- 127.0.0.1:5070
//! # 1000: ivr-menu (open all day); 1001: answer, play `greeting`, hang up.
//! sipp 127.0.0.1:5070 -s 1001 -sf runtime/controller/tests/sipp/uac_wait_bye.xml \
//!      -key rtp_sink 9 -r 50 -m 5000 -nostdin
//! ```
//! Every 5 s it prints live calls, finished calls by disposition, and resident memory.
#![allow(clippy::unwrap_used)] // example code: failing fast is the point

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use wasmphony_controller::{Controller, ControllerConfig, Route, RouteTable, Tenant};
use wasmphony_engine::{Fallback, HostConfig, ScenarioHost, ScenarioRegistry};
use wasmphony_media::codec::Codec;
use wasmphony_media::net::PortAllocator;
use wasmphony_media::play::PromptLibrary;
use wasmphony_sim::SimServices;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, RateLimit};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn route(scenario: &str, config: String) -> Route {
    Route {
        tenant: "demo".into(),
        scenario: scenario.into(),
        config_json: Arc::from(config.as_str()),
        fallback: Fallback::Announcement("goodbye".into()),
    }
}

#[tokio::main]
async fn main() {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5070".into())
        .parse()
        .unwrap();
    let host = ScenarioHost::new(HostConfig {
        pool_slots: 8_000,
        ..HostConfig::default()
    })
    .unwrap();
    let registry = Arc::new(ScenarioRegistry::new(host));
    let ivr = wasmphony_scenarios::by_name("ivr-menu").unwrap();
    registry.register("demo", "ivr-menu", ivr.bytes).unwrap();
    registry
        .register("demo", "test-guest", wasmphony_scenarios::test_guest())
        .unwrap();

    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../prompts");
    let mut prompts = PromptLibrary::new(&[Codec::Pcmu, Codec::Pcma]).unwrap();
    prompts.load_dir(&root.join("builtin")).unwrap();
    prompts.load_dir(&root.join("demo")).unwrap();
    let mut routes = RouteTable::new();
    routes.add_tenant(
        "demo",
        Tenant {
            services: Arc::new(SimServices::new()),
            prompts: Arc::new(prompts),
        },
    );
    let mut ivr_config: serde_json::Value = serde_json::from_str(ivr.default_config).unwrap();
    ivr_config["hours"] = "daily 00:00-24:00".into();
    routes.add_number("1000", route("ivr-menu", ivr_config.to_string()));
    routes.add_number("1001", route("test-guest", r#"{"behave":"ok"}"#.into()));

    let mut sip = EndpointConfig::udp(addr);
    // One sipp source drives the whole load: lift the per-source limit.
    sip.rate_limit = RateLimit {
        requests_per_second: 1e9,
        burst: 1e9,
        retry_after_secs: 5,
    };
    sip.incoming_queue = 16_384;
    let (endpoint, incoming) = Endpoint::bind(sip).await.unwrap();
    let data_dir = std::env::temp_dir().join("wasmphony-demo-controller");
    let ip: IpAddr = addr.ip();
    let mut config =
        ControllerConfig::new(ip, PortAllocator::new(20_000, 59_999).unwrap(), data_dir);
    config.max_calls = 8_000;
    let (controller, mut records) = Controller::new(endpoint, registry, routes, &config);
    tokio::spawn(controller.clone().run(incoming));

    let finished: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let counter = finished.clone();
    tokio::spawn(async move {
        while let Some(record) = records.recv().await {
            let key = match &record.failure {
                Some(failure) => format!("failed:{}", failure.split(':').next().unwrap_or("")),
                None => format!("{:?}", record.disposition),
            };
            *counter.lock().entry(key).or_default() += 1;
        }
    });
    println!("listening on {addr}; rss_kib={}", rss_kib());
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        println!(
            "live={} finished={:?} dropped_records={} rss_kib={}",
            controller.live_calls(),
            finished.lock(),
            controller.dropped_records(),
            rss_kib()
        );
    }
}

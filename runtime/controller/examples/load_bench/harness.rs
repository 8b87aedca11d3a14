//! The controller under test, in this process: the shipped ivr-menu and the
//! test guest, the repo's prompts, SimServices, and a tally of the call
//! records it emits.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;
use wasmphony_controller::{
    CallRecord, Controller, ControllerConfig, Disposition, HangupSide, Route, RouteTable, Tenant,
};
use wasmphony_engine::{Fallback, HostConfig, ScenarioHost, ScenarioRegistry};
use wasmphony_media::codec::Codec;
use wasmphony_media::net::PortAllocator;
use wasmphony_media::play::{Prompt, PromptLibrary};
use wasmphony_sim::SimServices;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, RateLimit};

/// ivr-menu, open all day; option 1 plays `menu-main` (12.9 s) and hangs up.
pub(crate) const NUMBER_IVR: &str = "2000";
/// test-guest `ok` in a library whose `greeting` is one 20 ms frame: answer, hang up.
pub(crate) const NUMBER_INSTANT: &str = "2001";
/// test-guest `ok` with the real `greeting` (1.8 s).
pub(crate) const NUMBER_GREETING: &str = "2002";
/// The tag ivr-menu sets when the caller chose option 1 at the top menu.
pub(crate) const CHOSE_1: &str = "menu:1";
/// Calls and instance slots: above the largest level.
const CAPACITY: usize = 12_000;
/// Room for unread records (the tally reads them at once).
const RECORD_SINK: usize = 65_536;

/// Counts of the records since the last [`Harness::take`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) records: u64,
    pub(crate) answered: u64,
    /// Answered, no guest failure.
    pub(crate) clean: u64,
    /// Records with the `menu:1` tag.
    pub(crate) chose_1: u64,
    pub(crate) hangup_caller: u64,
    pub(crate) hangup_host: u64,
    /// Failures and odd dispositions, by kind.
    pub(crate) problems: BTreeMap<String, u64>,
    /// Answer delay seen by the controller (INVITE in to answered), ms, max.
    pub(crate) max_answer_ms: f64,
}

impl Tally {
    fn add(&mut self, record: &CallRecord) {
        self.records += 1;
        match &record.disposition {
            Disposition::Answered => self.answered += 1,
            other => *self.problems.entry(format!("{other:?}")).or_default() += 1,
        }
        if let Some(failure) = &record.failure {
            let kind = failure.split(':').next().unwrap_or("").to_string();
            *self.problems.entry(format!("failure:{kind}")).or_default() += 1;
        } else if record.disposition == Disposition::Answered {
            self.clean += 1;
        }
        if record.tags.iter().any(|t| t == CHOSE_1) {
            self.chose_1 += 1;
        }
        match record.hangup_side {
            HangupSide::Caller => self.hangup_caller += 1,
            // Load-bench calls are inbound: nobody is called out.
            HangupSide::Host | HangupSide::Callee => self.hangup_host += 1,
        }
        if let Some(answered) = record.answered_at
            && let Ok(delay) = answered.duration_since(record.started_at)
        {
            self.max_answer_ms = self.max_answer_ms.max(delay.as_secs_f64() * 1e3);
        }
    }

    /// Problems as `kind:count,...` (`-` when none).
    pub(crate) fn problems_text(&self) -> String {
        if self.problems.is_empty() {
            return "-".into();
        }
        self.problems
            .iter()
            .map(|(k, v)| format!("{k}:{v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The controller and its record tally.
pub(crate) struct Harness {
    pub(crate) controller: Arc<Controller>,
    pub(crate) sip: SocketAddr,
    tally: Arc<Mutex<Tally>>,
}

impl Harness {
    /// Starts the controller on 127.0.0.1:`sip_port`, RTP on 20000..=59999.
    pub(crate) async fn start(sip_port: u16) -> Result<Harness, Box<dyn std::error::Error>> {
        let host = ScenarioHost::new(HostConfig {
            pool_slots: CAPACITY as u32,
            ..HostConfig::default()
        })?;
        let registry = Arc::new(ScenarioRegistry::new(host));
        let ivr = wasmphony_scenarios::by_name("ivr-menu").ok_or("ivr-menu is not shipped")?;
        for tenant in ["bench", "instant"] {
            registry.register(tenant, "ivr-menu", ivr.bytes)?;
            registry.register(tenant, "test-guest", wasmphony_scenarios::test_guest())?;
        }

        let mut routes = RouteTable::new();
        let prompts = repo_prompts()?;
        let mut instant = prompts.clone();
        // One frame: test-guest `ok` answers, plays it, hangs up — a signalling-only call.
        instant.insert(Prompt::from_pcm(
            "greeting",
            &[0; 160],
            8_000,
            &[Codec::Pcmu, Codec::Pcma],
        )?)?;
        for (tenant, library) in [("bench", prompts), ("instant", instant)] {
            routes.add_tenant(
                tenant,
                Tenant {
                    services: Arc::new(SimServices::new()),
                    prompts: Arc::new(library),
                },
            );
        }
        routes.add_number(
            NUMBER_IVR,
            route("bench", "ivr-menu", ivr_config(ivr.default_config)?),
        );
        routes.add_number(
            NUMBER_INSTANT,
            route("instant", "test-guest", r#"{"behave":"ok"}"#.into()),
        );
        routes.add_number(
            NUMBER_GREETING,
            route("bench", "test-guest", r#"{"behave":"ok"}"#.into()),
        );

        let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), sip_port);
        let mut sip = EndpointConfig::udp(addr);
        // sipp is one source driving the whole load: lift the per-source limit.
        sip.rate_limit = RateLimit {
            requests_per_second: 1e9,
            burst: 1e9,
            retry_after_secs: 5,
        };
        sip.incoming_queue = 16_384;
        let (endpoint, incoming) = Endpoint::bind(sip).await?;
        let data_dir = std::env::temp_dir().join("wasmphony-load-bench");
        let mut config =
            ControllerConfig::new(addr.ip(), PortAllocator::new(20_000, 59_999)?, data_dir);
        config.max_calls = CAPACITY;
        config.record_sink = RECORD_SINK;
        let (controller, mut records) = Controller::new(endpoint, registry, routes, &config);
        tokio::spawn(controller.clone().run(incoming));

        let tally: Arc<Mutex<Tally>> = Arc::default();
        let counter = tally.clone();
        tokio::spawn(async move {
            while let Some(record) = records.recv().await {
                counter.lock().add(&record);
            }
        });
        Ok(Harness {
            controller,
            sip: addr,
            tally,
        })
    }

    /// The tally since the last call, reset.
    pub(crate) fn take(&self) -> Tally {
        std::mem::take(&mut *self.tally.lock())
    }

    /// Records tallied so far (not reset).
    pub(crate) fn records_so_far(&self) -> u64 {
        self.tally.lock().records
    }
}

fn repo_prompts() -> Result<PromptLibrary, Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../prompts");
    let mut prompts = PromptLibrary::new(&[Codec::Pcmu, Codec::Pcma])?;
    prompts.load_dir(&root.join("builtin"))?;
    prompts.load_dir(&root.join("demo"))?;
    Ok(prompts)
}

fn route(tenant: &str, scenario: &str, config: String) -> Route {
    Route {
        tenant: tenant.into(),
        scenario: scenario.into(),
        config_json: Arc::from(config.as_str()),
        fallback: Fallback::Announcement("goodbye".into()),
    }
}

/// The shipped configuration, open all day, with the short greeting; option 1
/// ends the menu (so ivr-menu tags `menu:1`) with a prompt longer than the
/// caller stays, so the call keeps playing until the caller's BYE. (An
/// `announce` option would keep playing too, but leaves no trace of the key
/// in the call record: it does not leave the menu.)
fn ivr_config(default: &str) -> Result<String, serde_json::Error> {
    let mut config: serde_json::Value = serde_json::from_str(default)?;
    config["hours"] = "daily 00:00-24:00".into();
    config["greeting"] = serde_json::json!(["greeting"]);
    config["menu"]["root"]["options"]["1"] =
        serde_json::json!({"action": "hangup", "prompt": "menu-main"});
    Ok(config.to_string())
}

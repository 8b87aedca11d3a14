//! What the queue interop tests share: a controller on loopback whose ivr-menu sends
//! callers to the `bookings` queue, agents that register with sipp, and tenant services
//! that remember every callback attempt the queue records.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use parking_lot::Mutex;
use tokio::sync::mpsc;
use wasmphony_acd::QueueConfig;
use wasmphony_controller::{
    CallRecord, Controller, ControllerConfig, PhoneBook, QueueDefinition, Route, RouteTable,
    Tenant, TrunkPlan,
};
use wasmphony_engine::api::{
    CallError, Contact, ContactUpdate, HistoryEntry, NewRecord, OriginateRequest, RecordData,
};
use wasmphony_engine::{
    CallbackAttempt, CallbackFiling, Fallback, HostConfig, SandboxLimits, ScenarioHost,
    ScenarioRegistry, TenantServices,
};
use wasmphony_media::codec::Codec;
use wasmphony_media::net::PortAllocator;
use wasmphony_media::play::PromptLibrary;
use wasmphony_sim::SimServices;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig};

use crate::support::{NUMBER, TENANT, free_udp_port, ivr_config, run_sipp, sipp_xml};

/// The queue ivr-menu's option 1 sends callers to.
pub const QUEUE: &str = "bookings";
/// The queue's agent's extension (SIP user too).
pub const AGENT: &str = "101";
/// The agent's SIP secret.
pub const AGENT_SECRET: &str = "agent-secret-101";

/// The simulator's services plus a log of the callback attempts the queue records and
/// of the dialled number each callback was filed under.
#[derive(Default)]
pub struct RecordingServices {
    pub inner: SimServices,
    pub attempts: Mutex<Vec<(String, CallbackAttempt)>>,
    pub filed_under: Mutex<Vec<Option<String>>>,
}

#[async_trait]
impl TenantServices for RecordingServices {
    async fn find_contact(&self, number: &str) -> Result<Option<Contact>, CallError> {
        self.inner.find_contact(number).await
    }
    async fn upsert_contact(&self, update: ContactUpdate) -> Result<Contact, CallError> {
        self.inner.upsert_contact(update).await
    }
    async fn contact_history(
        &self,
        contact_id: &str,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, CallError> {
        self.inner.contact_history(contact_id, limit).await
    }
    async fn add_note(&self, contact_id: &str, text: &str) -> Result<(), CallError> {
        self.inner.add_note(contact_id, text).await
    }
    async fn create_record(&self, data: NewRecord) -> Result<String, CallError> {
        self.inner.create_record(data).await
    }
    async fn get_record(&self, id: &str) -> Result<Option<RecordData>, CallError> {
        self.inner.get_record(id).await
    }
    async fn set_record_status(&self, id: &str, status: &str) -> Result<(), CallError> {
        self.inner.set_record_status(id, status).await
    }
    async fn query_records(
        &self,
        kind: &str,
        status: &str,
        limit: u32,
    ) -> Result<Vec<RecordData>, CallError> {
        self.inner.query_records(kind, status, limit).await
    }
    async fn schedule_callback(&self, filing: CallbackFiling) -> Result<String, CallError> {
        self.filed_under.lock().push(filing.dialed.clone());
        self.inner.schedule_callback(filing).await
    }
    async fn originate(&self, request: OriginateRequest) -> Result<String, CallError> {
        self.inner.originate(request).await
    }
    async fn finish_callback(
        &self,
        task_id: &str,
        attempt: CallbackAttempt,
    ) -> Result<(), CallError> {
        self.attempts.lock().push((task_id.to_string(), attempt));
        Ok(())
    }
}

/// A controller whose [`NUMBER`] runs ivr-menu with option 1 to [`QUEUE`] (callback key
/// `1`), [`AGENT`] its only member, numbers dialled through `gateway`.
pub struct QueueHarness {
    pub controller: Arc<Controller>,
    pub sip: SocketAddr,
    pub records: mpsc::Receiver<CallRecord>,
    pub services: Arc<RecordingServices>,
}

fn prompts() -> PromptLibrary {
    let mut library = PromptLibrary::new(&[Codec::Pcmu, Codec::Pcma]).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../prompts");
    library.load_dir(&root.join("builtin")).unwrap();
    library.load_dir(&root.join("demo")).unwrap();
    library
}

pub async fn start(gateway: SocketAddr, queue: QueueConfig, test_name: &str) -> QueueHarness {
    let bookings = QueueDefinition {
        name: QUEUE.into(),
        config: queue,
        members: vec![AGENT.into()],
    };
    start_queues(gateway, vec![bookings], test_name).await
}

/// Like [`start`], with the tenant's queues given whole (the menu still leads to [`QUEUE`]).
pub async fn start_queues(
    gateway: SocketAddr,
    queues: Vec<QueueDefinition>,
    test_name: &str,
) -> QueueHarness {
    start_with_trunks(gateway, queues, TrunkPlan::new(), test_name).await
}

/// Like [`start_queues`], the tenant's numbers also carried by `trunks` (click-to-call
/// reaches numbers only through them).
pub async fn start_with_trunks(
    gateway: SocketAddr,
    queues: Vec<QueueDefinition>,
    trunks: TrunkPlan,
    test_name: &str,
) -> QueueHarness {
    start_with_phones(gateway, queues, trunks, &[], test_name).await
}

/// Like [`start_with_trunks`], with `phones` (extension, secret; the extension is the
/// SIP user too) in the tenant's phone book beside [`AGENT`].
pub async fn start_with_phones(
    gateway: SocketAddr,
    queues: Vec<QueueDefinition>,
    trunks: TrunkPlan,
    phones: &[(&str, &str)],
    test_name: &str,
) -> QueueHarness {
    let host = ScenarioHost::new(HostConfig {
        limits: SandboxLimits::DEFAULT,
        cache_dir: None,
        pool_slots: 32,
    })
    .unwrap();
    let registry = Arc::new(ScenarioRegistry::new(host));
    let ivr = wasmphony_scenarios::by_name("ivr-menu").unwrap();
    registry.register(TENANT, "ivr-menu", ivr.bytes).unwrap();
    let services = Arc::new(RecordingServices::default());
    let mut routes = RouteTable::new();
    routes.add_tenant(
        TENANT,
        Tenant {
            services: services.clone(),
            prompts: Arc::new(prompts()),
        },
    );
    let to_queue = format!(r#"{{"action":"queue","queue":"{QUEUE}"}}"#);
    routes.add_number(
        NUMBER,
        Route {
            tenant: TENANT.into(),
            scenario: "ivr-menu".into(),
            config_json: Arc::from(ivr_config(&to_queue).as_str()),
            fallback: Fallback::Announcement("goodbye".into()),
        },
    );
    let mut book = PhoneBook::new();
    book.add_phone(AGENT, AGENT, AGENT_SECRET);
    for (extension, secret) in phones {
        book.add_phone(extension, extension, secret);
    }
    routes.set_phone_book(TENANT, book);
    routes.set_trunk_plan(TENANT, trunks);
    for queue in queues {
        routes.add_queue(TENANT, queue);
    }
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
        PortAllocator::new(48_000, 52_000).unwrap(),
        data_dir,
    );
    config.number_gateway = Some(gateway);
    let (controller, records) = Controller::new(endpoint, registry, routes, &config);
    tokio::spawn(controller.clone().run(incoming));
    QueueHarness {
        controller,
        sip,
        records,
        services,
    }
}

/// Registers [`AGENT`]'s phone from 127.0.0.1:`port` (sipp, digest authentication).
pub async fn register_agent(sip: SocketAddr, port: u16) {
    register_phone(sip, port, AGENT, AGENT_SECRET).await;
}

/// Registers `extension`'s phone from 127.0.0.1:`port` (sipp, digest authentication).
pub async fn register_phone(sip: SocketAddr, port: u16, extension: &str, secret: &str) {
    let args = vec![
        sip.to_string(),
        "-sf".into(),
        sipp_xml("agent_register.xml"),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
        "-m".into(),
        "1".into(),
        "-au".into(),
        extension.into(),
        "-ap".into(),
        secret.into(),
        "-key".into(),
        "agent".into(),
        extension.into(),
        "-key".into(),
        "domain".into(),
        TENANT.into(),
    ];
    run_sipp(args).await.assert_clean();
}

/// sipp answering one call with `scenario_xml` on 127.0.0.1:`port`.
pub fn uas_args(scenario_xml: &str, port: u16) -> Vec<String> {
    vec![
        "-sf".into(),
        sipp_xml(scenario_xml),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
        "-mp".into(),
        free_udp_port().to_string(),
        "-m".into(),
        "1".into(),
    ]
}

impl QueueHarness {
    /// The next call record, within [`crate::support::RECORD_WAIT`].
    pub async fn next_record(&mut self) -> CallRecord {
        tokio::time::timeout(crate::support::RECORD_WAIT, self.records.recv())
            .await
            .expect("a call record in time")
            .unwrap()
    }
}

/// Longest wait for the queue to record a callback attempt after the calls ended.
pub const ATTEMPT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long the gateway is watched for a second call to the same customer: longer
/// than the queue's presence refresh and its ring timeout floor.
pub const QUIET_WATCH: std::time::Duration = std::time::Duration::from_secs(4);

/// The attempts recorded, once there are `count` of them (bounded wait).
pub async fn wait_for_attempts(
    harness: &QueueHarness,
    count: usize,
) -> Vec<(String, wasmphony_engine::CallbackAttempt)> {
    let until = tokio::time::Instant::now() + ATTEMPT_WAIT;
    loop {
        let attempts = harness.services.attempts.lock().clone();
        if attempts.len() >= count || tokio::time::Instant::now() >= until {
            return attempts;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Nothing calls the customer's number again.
pub async fn assert_no_second_call(port: u16) {
    let socket = tokio::net::UdpSocket::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let mut buffer = vec![0u8; 4096];
    let received = tokio::time::timeout(QUIET_WATCH, socket.recv_from(&mut buffer)).await;
    if let Ok(Ok((len, from))) = received {
        panic!(
            "the customer was called again from {from}: {}",
            String::from_utf8_lossy(&buffer[..len])
        );
    }
}

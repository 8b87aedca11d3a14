//! What every call of one controller shares: the SIP endpoint, the RTP port
//! range, where recordings go, and how outbound legs are reached.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use wasmphony_media::net::PortAllocator;
use wasmphony_media::shards::MediaShards;
use wasmphony_sip::auth::DigestAlgorithm;
use wasmphony_sip::endpoint::Endpoint;

use crate::in_dialog::{MediaDialogs, TransferPoints};
use crate::journal::CallJournal;
use crate::live_calls::LiveCalls;
use crate::media_addresses::MediaAddresses;
use crate::media_thread::start_media_threads;
use crate::phones::Phones;
use crate::queues::QueueHub;
use crate::trunks::{TrunkRegistrations, Trunks};

/// Settings of a [`crate::Controller`].
#[derive(Debug, Clone)]
pub struct ControllerConfig {
    /// Address written into our SDP and where RTP sockets bind.
    pub media_ip: IpAddr,
    /// On a dual-stack host, the media address of the other IP family: peers of that
    /// family get their media there. `None`: everyone gets `media_ip`.
    pub other_family_media_ip: Option<IpAddr>,
    /// The RTP port range (one pair per leg).
    pub ports: PortAllocator,
    /// Recordings are written under `data_dir/recordings/<tenant>/`.
    pub data_dir: PathBuf,
    /// Most calls alive at once; INVITEs beyond get `503`.
    pub max_calls: usize,
    /// New calls admitted per second; beyond, INVITEs get `503` + Retry-After at
    /// once (no backlog that would make every call late). `None`: no limit.
    pub max_calls_per_second: Option<u32>,
    /// Capacity of the call-record channel.
    pub record_sink: usize,
    /// Tenants' offset from UTC in minutes (one zone for now).
    pub utc_offset_minutes: i32,
    /// Where outbound calls to phone numbers go (`sip:<number>@gateway`) for a
    /// tenant without trunks; `None`: such a tenant cannot dial numbers.
    pub number_gateway: Option<SocketAddr>,
    /// Digest algorithms offered to registering phones, in order of preference.
    /// Default MD5 only: some phones (baresip 1.0 of Debian, many desk phones) give up
    /// when any challenge offers SHA-256.
    pub phone_digest: Vec<DigestAlgorithm>,
    /// Threads that run the calls' media (see [`wasmphony_media::shards`]); default one
    /// per core; 0: none, media runs on the runtime that runs the calls.
    pub media_threads: usize,
}

impl ControllerConfig {
    /// Defaults around `media_ip`, `ports` and `data_dir`.
    pub fn new(media_ip: IpAddr, ports: PortAllocator, data_dir: PathBuf) -> Self {
        ControllerConfig {
            media_ip,
            other_family_media_ip: None,
            ports,
            data_dir,
            max_calls: crate::limits::DEFAULT_MAX_CALLS,
            max_calls_per_second: None,
            record_sink: crate::limits::DEFAULT_RECORD_SINK,
            utc_offset_minutes: 0,
            number_gateway: None,
            phone_digest: vec![DigestAlgorithm::Md5],
            media_threads: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

/// The shared context of calls (the config plus the endpoint).
pub(crate) struct ControllerContext {
    pub(crate) endpoint: Endpoint,
    /// Our media address for each peer's IP family.
    pub(crate) media: MediaAddresses,
    pub(crate) ports: PortAllocator,
    /// Where legs run (`None` if the threads could not be started: on the caller's
    /// runtime then); see `media_thread.rs`.
    pub(crate) media_shards: Option<MediaShards>,
    pub(crate) data_dir: PathBuf,
    pub(crate) utc_offset_minutes: i32,
    pub(crate) number_gateway: Option<SocketAddr>,
    /// Outbound legs in progress, so the callee's BYE finds its bridge.
    pub(crate) legs: LiveCalls,
    /// Established legs (inbound and outbound), for re-INVITE and UPDATE.
    pub(crate) media_dialogs: MediaDialogs,
    /// Bridged legs whose party may transfer the call (REFER).
    pub(crate) transfer_points: TransferPoints,
    /// Staff phones: accounts and registrations.
    pub(crate) phones: Phones,
    /// Where calls are reported.
    pub(crate) journal: Arc<dyn CallJournal>,
    /// Call queues: definitions and their tasks.
    pub(crate) queues: QueueHub,
    /// Every tenant's carrier trunks.
    pub(crate) trunks: Trunks,
    /// Registrations kept with carriers.
    pub(crate) trunk_registrations: TrunkRegistrations,
}

impl ControllerContext {
    pub(crate) fn new(
        endpoint: Endpoint,
        config: &ControllerConfig,
        journal: Arc<dyn CallJournal>,
    ) -> Self {
        ControllerContext {
            endpoint,
            media: MediaAddresses::new(config.media_ip, config.other_family_media_ip),
            ports: config.ports.clone(),
            media_shards: start_media_threads(config.media_threads),
            data_dir: config.data_dir.clone(),
            utc_offset_minutes: config.utc_offset_minutes,
            number_gateway: config.number_gateway,
            legs: LiveCalls::default(),
            media_dialogs: MediaDialogs::default(),
            transfer_points: TransferPoints::default(),
            phones: Phones::new(config.phone_digest.clone()),
            journal,
            queues: QueueHub::default(),
            trunks: Trunks::default(),
            trunk_registrations: TrunkRegistrations::default(),
        }
    }
}

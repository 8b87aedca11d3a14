//! The server's phone side: a SIP endpoint, the call controller routing its calls
//! into scenarios, CDRs journalled in the store, and routes kept in step with it.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmphony_api::{OriginateRefusal, OriginateRequest, Originator};
use wasmphony_controller::{Controller, ControllerConfig, OriginateError};
use wasmphony_media::net::PortAllocator;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, TransportKind};
use wasmphony_telephony::dialer::{Dialer, run_dialer};
use wasmphony_telephony::{StoreJournal, base_library, keep_routes_fresh, load_routes};

use super::Server;
use super::media_ips::{MediaIpError, media_ips};
use super::metrics::PhoneSources;

/// How the phone side listens.
#[derive(Debug, Clone)]
pub(crate) struct TelephonyConfig {
    /// SIP over UDP and TCP, on each address.
    pub(crate) sip: Vec<SocketAddr>,
    /// Addresses in our SDP, where RTP is bound, at most one per IP family; default:
    /// the SIP addresses'.
    pub(crate) media_ips: Vec<IpAddr>,
    /// RTP ports, inclusive first and exclusive last.
    pub(crate) rtp_ports: (u16, u16),
    /// Directories of prompts every tenant has (built-in words, shipped prompts).
    pub(crate) prompt_dirs: Vec<PathBuf>,
    /// Most calls at once.
    pub(crate) max_calls: usize,
    /// Most new calls per second (`None`: no limit).
    pub(crate) max_cps: Option<u32>,
    /// Digest algorithms offered to registering phones.
    pub(crate) phone_digest: Vec<wasmphony_sip::auth::DigestAlgorithm>,
    /// Threads for the calls' media (`None`: the controller's default, one per core).
    pub(crate) media_threads: Option<usize>,
}

/// Why the phone side could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TelephonyError {
    #[error("SIP on {addrs:?}: {source}")]
    Sip {
        addrs: Vec<SocketAddr>,
        source: wasmphony_sip::endpoint::EndpointError,
    },
    #[error("RTP ports {0}-{1}: {2}")]
    Ports(u16, u16, String),
    #[error("prompts: {0}")]
    Prompts(#[from] wasmphony_media::play::PromptError),
    #[error("routes: {0}")]
    Routes(#[from] wasmphony_store::StoreError),
    #[error("media addresses: {0}")]
    MediaIps(#[from] MediaIpError),
}

/// The running phone side.
pub(crate) struct Telephony {
    pub(crate) controller: Arc<Controller>,
    pub(crate) sip_addrs: SipAddrs,
    pub(crate) numbers: usize,
    pub(crate) journal: Arc<StoreJournal>,
}

/// Where SIP listens, as bound (a port 0 asked for became a real one).
pub(crate) struct SipAddrs {
    pub(crate) udp: Vec<SocketAddr>,
    pub(crate) tcp: Vec<SocketAddr>,
}

/// Click-to-call for the HTTP API, over the call controller.
pub(crate) struct ControllerOriginator(pub(crate) Arc<Controller>);

impl Originator for ControllerOriginator {
    fn originate(&self, request: OriginateRequest<'_>) -> Result<String, OriginateRefusal> {
        self.0
            .originate(request.tenant, request.from, request.to)
            .map_err(|error| match error {
                // A tenant without routes or phones has no extension to ring either.
                OriginateError::UnknownTenant(_) | OriginateError::UnknownExtension(_) => {
                    OriginateRefusal::UnknownExtension(request.from.into())
                }
                OriginateError::NoRegisteredPhone(extension) => {
                    OriginateRefusal::NoRegisteredPhone(extension)
                }
                OriginateError::InvalidTarget(to) => OriginateRefusal::InvalidTarget(to),
                OriginateError::NoTrunk(number) => OriginateRefusal::NoTrunk(number),
                OriginateError::AtCapacity => OriginateRefusal::AtCapacity(error.to_string()),
            })
    }
}

/// Longest a stop waits for queued call records.
const STOP_FLUSH_WAIT: Duration = Duration::from_secs(10);

impl Telephony {
    /// Binds SIP, loads the routes and starts taking calls.
    pub(crate) async fn start(
        server: &Server,
        config: &TelephonyConfig,
    ) -> Result<Telephony, TelephonyError> {
        let (media_ip, other_family_media_ip) = media_ips(&config.sip, &config.media_ips)?;
        let (first, last) = config.rtp_ports;
        let ports = PortAllocator::new(first, last)
            .map_err(|e| TelephonyError::Ports(first, last, e.to_string()))?;
        let base = Arc::new(base_library(&config.prompt_dirs)?);
        let loaded = load_routes(&server.store, &base).await?;

        let sip = EndpointConfig {
            udp: config.sip.clone(),
            tcp: config.sip.clone(),
            ..EndpointConfig::udp_and_tcp(SocketAddr::new(media_ip, 0))
        };
        let (endpoint, incoming) =
            Endpoint::bind(sip)
                .await
                .map_err(|source| TelephonyError::Sip {
                    addrs: config.sip.clone(),
                    source,
                })?;
        let sip_addrs = SipAddrs {
            udp: endpoint.local_addrs(TransportKind::Udp),
            tcp: endpoint.local_addrs(TransportKind::Tcp),
        };
        let sip_counters = endpoint.counters();
        let rtp_totals = ports.totals();
        let mut controller_config = ControllerConfig::new(media_ip, ports, server.data_dir.clone());
        controller_config.other_family_media_ip = other_family_media_ip;
        controller_config.max_calls = config.max_calls;
        controller_config.max_calls_per_second = config.max_cps;
        controller_config.phone_digest = config.phone_digest.clone();
        if let Some(threads) = config.media_threads {
            controller_config.media_threads = threads;
        }
        // The writers run as long as the journal; `stop` flushes them.
        let journal = StoreJournal::start(server.store.clone(), server.events.clone());
        let controller = Controller::with_journal(
            endpoint,
            server.registry.clone(),
            loaded.table,
            &controller_config,
            journal.clone(),
        );
        PhoneSources {
            sip: sip_counters,
            rtp: rtp_totals,
            controller: controller.clone(),
            journal: journal.stats(),
        }
        .register(&server.metrics);
        tokio::spawn(controller.clone().run(incoming));
        // One per process: gives the heap a burst of calls freed back to the system.
        tokio::spawn(wasmphony_controller::release_freed_memory_periodically(
            wasmphony_controller::MEMORY_RELEASE_PERIOD,
            wasmphony_controller::MEMORY_RELEASE_THRESHOLD,
        ));
        tokio::spawn(keep_routes_fresh(
            controller.clone(),
            server.store.clone(),
            base,
            loaded.source,
        ));
        // The auto-callback dialer: hands the tenants' due callback tasks to their queues.
        let dialer = Dialer::new(server.store.clone(), controller.clone());
        tokio::spawn(run_dialer(dialer));
        Ok(Telephony {
            controller,
            sip_addrs,
            numbers: loaded.numbers,
            journal,
        })
    }

    /// Click-to-call over this phone side's controller, for the HTTP API.
    pub(crate) fn originator(&self) -> Arc<dyn Originator> {
        Arc::new(ControllerOriginator(self.controller.clone()))
    }

    /// Waits (at most [`STOP_FLUSH_WAIT`]) until the journal has written what it was
    /// given. Calls still running are left live in the store, to be closed as interrupted
    /// at the next start.
    pub(crate) async fn stop(self) {
        let live = self.controller.live_calls();
        if live > 0 {
            eprintln!(
                "wasmphony: {live} call(s) in progress are cut; the next start closes them as interrupted"
            );
        }
        if tokio::time::timeout(STOP_FLUSH_WAIT, self.journal.flush())
            .await
            .is_err()
        {
            eprintln!(
                "wasmphony: call records still queued after {STOP_FLUSH_WAIT:?}; the next start closes those calls"
            );
        }
    }
}

//! The controller: owns the endpoint's channel of new requests, starts a call
//! task per routed INVITE, and tells running calls when their caller leaves.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::RwLock;
use tokio::sync::{Semaphore, mpsc};
use wasmphony_engine::ScenarioRegistry;
use wasmphony_media::dtmf::parse_info;
use wasmphony_sip::dialog::DialogId;
use wasmphony_sip::endpoint::{Endpoint, Incoming, ServerTransaction};
use wasmphony_sip::ids::new_tag;
use wasmphony_sip::message::{Method, Request, StatusCode};

use crate::call_record::CallRecord;
use crate::context::{ControllerConfig, ControllerContext};
use crate::counters::ControllerCounters;
use crate::journal::{CallJournal, ChannelJournal};
use std::collections::HashMap;

use wasmphony_sip::registration::RegistrationState;

use crate::admission::CallRate;
use crate::limits::BYE_ANSWER_WAIT;
use crate::live_calls::{ByeOutcome, CallerGone, LiveCalls};
use crate::phones::RegisterRefusal;
use crate::route::RouteTable;
use crate::trunks::TrunkPlan;

/// Routes real SIP calls into scenarios.
pub struct Controller {
    pub(crate) context: Arc<ControllerContext>,
    pub(crate) registry: Arc<ScenarioRegistry>,
    pub(crate) routes: RwLock<Arc<RouteTable>>,
    pub(crate) live: LiveCalls,
    /// One permit per call slot ([`ControllerConfig::max_calls`]).
    pub(crate) slots: Arc<Semaphore>,
    /// Records the default [`ChannelJournal`] dropped (0 with another journal).
    dropped_records: Arc<AtomicU64>,
    /// New calls per second admitted ([`ControllerConfig::max_calls_per_second`]).
    pub(crate) call_rate: Option<parking_lot::Mutex<CallRate>>,
    /// Load refusals and REGISTER authentication failures, for metrics.
    pub(crate) counters: Arc<ControllerCounters>,
}

impl Controller {
    /// A controller for calls arriving at `endpoint`; records of finished calls
    /// come out of the returned channel.
    pub fn new(
        endpoint: Endpoint,
        registry: Arc<ScenarioRegistry>,
        routes: RouteTable,
        config: &ControllerConfig,
    ) -> (Arc<Controller>, mpsc::Receiver<CallRecord>) {
        let (journal, record_rx) = ChannelJournal::new(config.record_sink);
        let dropped = journal.dropped();
        let controller = Self::build(
            endpoint,
            registry,
            routes,
            config,
            Arc::new(journal),
            dropped,
        );
        (controller, record_rx)
    }

    /// A controller that reports its calls to `journal` (the store, in the server).
    pub fn with_journal(
        endpoint: Endpoint,
        registry: Arc<ScenarioRegistry>,
        routes: RouteTable,
        config: &ControllerConfig,
        journal: Arc<dyn CallJournal>,
    ) -> Arc<Controller> {
        Self::build(endpoint, registry, routes, config, journal, Arc::default())
    }

    fn build(
        endpoint: Endpoint,
        registry: Arc<ScenarioRegistry>,
        routes: RouteTable,
        config: &ControllerConfig,
        journal: Arc<dyn CallJournal>,
        dropped_records: Arc<AtomicU64>,
    ) -> Arc<Controller> {
        let context = ControllerContext::new(endpoint, config, journal);
        context.phones.set_books(routes.phone_books());
        context.queues.set_definitions(routes.queues());
        let call_rate = config
            .max_calls_per_second
            .map(|rate| parking_lot::Mutex::new(CallRate::new(rate, std::time::Instant::now())));
        let plans = routes.trunk_plans();
        let controller = Arc::new(Controller {
            context: Arc::new(context),
            registry,
            routes: RwLock::new(Arc::new(routes)),
            live: LiveCalls::default(),
            slots: Arc::new(Semaphore::new(config.max_calls)),
            dropped_records,
            call_rate,
            counters: Arc::default(),
        });
        controller.set_trunk_plans(plans);
        controller
    }

    /// Replaces the route table; calls in progress keep their route.
    pub fn set_routes(&self, routes: RouteTable) {
        self.context.phones.set_books(routes.phone_books());
        self.context.queues.set_definitions(routes.queues());
        self.set_trunk_plans(routes.trunk_plans());
        *self.routes.write() = Arc::new(routes);
    }

    fn set_trunk_plans(&self, plans: HashMap<String, Arc<TrunkPlan>>) {
        self.context
            .trunk_registrations
            .sync(&self.context.endpoint, &plans);
        self.context.trunks.set_plans(plans);
    }

    /// The state of each registration kept with a carrier: (tenant, trunk, state).
    pub fn trunk_registrations(&self) -> Vec<(String, String, RegistrationState)> {
        self.context.trunk_registrations.states()
    }

    /// Calls in progress.
    pub fn live_calls(&self) -> usize {
        self.live.len()
    }

    /// Every defined queue's callers waiting and agents available.
    pub fn queue_sizes(&self) -> Vec<crate::queues::QueueSize> {
        self.context.queues.sizes()
    }

    /// The controller's counters (load refusals, REGISTER authentication failures).
    pub fn counters(&self) -> Arc<ControllerCounters> {
        self.counters.clone()
    }

    /// Call records dropped because the channel of [`Controller::new`] was full.
    pub fn dropped_records(&self) -> u64 {
        self.dropped_records.load(Ordering::Relaxed)
    }

    /// Serves requests until the endpoint's channel closes.
    pub async fn run(self: Arc<Self>, mut incoming: mpsc::Receiver<Incoming>) {
        while let Some(item) = incoming.recv().await {
            match item {
                Incoming::Request(transaction) => self.on_request(transaction).await,
                // The endpoint matched it to our 2xx already; a re-INVITE's ACK may
                // carry the answer to our offer.
                Incoming::Ack { request, .. } => self.on_dialog_ack(&request).await,
                Incoming::AckTimeout { call_id } => {
                    self.live.caller_gone(&call_id, None, CallerGone::NoAck);
                }
            }
        }
    }

    async fn on_request(self: &Arc<Self>, mut transaction: ServerTransaction) {
        let request = transaction.request();
        let status = match request.method {
            Method::Invite if request.head.to.tag().is_none() => {
                self.on_invite(transaction).await;
                return;
            }
            // Re-INVITE and UPDATE: hold, unhold, a moved peer, session refresh.
            Method::Invite | Method::Update => {
                self.on_offer_in_dialog(transaction).await;
                return;
            }
            Method::Refer => {
                self.on_refer(transaction).await;
                return;
            }
            Method::Bye => {
                self.on_bye(transaction).await;
                return;
            }
            Method::Info => self.on_info(request),
            Method::Register => {
                self.on_register(transaction).await;
                return;
            }
            _ => StatusCode::NOT_IMPLEMENTED,
        };
        let _ = transaction.respond_with(status).await;
    }

    /// The caller's BYE is answered once the call's record is journalled (or after
    /// [`BYE_ANSWER_WAIT`]); a callee's BYE on an outbound leg at once.
    async fn on_bye(&self, mut transaction: ServerTransaction) {
        let Some(id) = DialogId::for_incoming(transaction.request()) else {
            let _ = transaction
                .respond_with(StatusCode::CALL_DOES_NOT_EXIST)
                .await;
            return;
        };
        let mut transaction = match self
            .live
            .caller_bye(&id.call_id, &id.local_tag, transaction)
        {
            ByeOutcome::Parked(parked) => {
                tokio::spawn(async move {
                    tokio::time::sleep(BYE_ANSWER_WAIT).await;
                    parked.give_up_waiting().await;
                });
                return;
            }
            ByeOutcome::AnswerNow(mut transaction) => {
                let _ = transaction.respond_with(StatusCode::OK).await;
                return;
            }
            ByeOutcome::Unknown(transaction) => transaction,
        };
        let tag = Some(id.local_tag.as_str());
        let status = if self
            .context
            .legs
            .caller_gone(&id.call_id, tag, CallerGone::Bye)
        {
            StatusCode::OK
        } else {
            StatusCode::CALL_DOES_NOT_EXIST
        };
        let _ = transaction.respond_with(status).await;
    }

    /// REGISTER from a staff phone to its tenant's domain (the Request-URI's host).
    async fn on_register(&self, mut transaction: ServerTransaction) {
        let request = transaction.request();
        let domain = request.uri.host().to_string();
        let routes = self.route_table();
        let response = match routes.tenant_for_domain(&domain) {
            Some(tenant) => self.context.phones.register(
                tenant,
                request,
                transaction.source(),
                &new_tag(),
                Instant::now(),
            ),
            None => Err(RegisterRefusal::UnknownDomain),
        };
        let response = match response {
            Ok(response) => response,
            Err(RegisterRefusal::UnknownDomain) => transaction.response(StatusCode::NOT_FOUND),
            Err(RegisterRefusal::NoEntropy) => {
                transaction.response(StatusCode::SERVER_INTERNAL_ERROR)
            }
        };
        self.counters
            .on_register_answer(transaction.request(), &response);
        let _ = transaction.respond(response).await;
    }

    /// SIP INFO with a DTMF body (application/dtmf-relay or application/dtmf)
    /// for a live call; other INFO packages are not supported (415).
    fn on_info(&self, request: &Request) -> StatusCode {
        let Some(id) = DialogId::for_incoming(request) else {
            return StatusCode::CALL_DOES_NOT_EXIST;
        };
        let content_type = request.head.content_type().unwrap_or("");
        let key = std::str::from_utf8(&request.body)
            .ok()
            .and_then(|body| parse_info(content_type, body));
        let Some((digit, _)) = key else {
            return StatusCode::UNSUPPORTED_MEDIA_TYPE;
        };
        if self.live.info_digit(&id.call_id, &id.local_tag, digit) {
            StatusCode::OK
        } else {
            StatusCode::CALL_DOES_NOT_EXIST
        }
    }

    pub(crate) fn route_table(&self) -> Arc<RouteTable> {
        self.routes.read().clone()
    }
}

//! The dialer's rounds over the store: per tenant, claim each dialable task and hand it
//! to the tenant's queue; give the claim back when the queue has no free agent.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use wasmphony_controller::{CallbackJob, CallbackOfferError, Controller};
use wasmphony_store::{CallbackState, Page, Store, StoreError, Tenant, UnixMs};

use super::plan::{TASKS_PER_TENANT, dialable, queue_order, queues_for};

/// How often the dialer looks at the lists.
pub const DIAL_INTERVAL: Duration = Duration::from_secs(5);

/// Why a dialer round stopped.
#[derive(Debug, thiserror::Error)]
pub enum DialerError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Where the dialer hands claimed tasks: the controller's queues (a stand-in in tests).
#[async_trait]
pub trait CallbackQueues: Send + Sync {
    /// Gives `job` to `tenant`'s queue `queue`; an error when it did not take it.
    async fn offer_callback(
        &self,
        tenant: &str,
        queue: &str,
        job: CallbackJob,
    ) -> Result<(), CallbackOfferError>;
}

#[async_trait]
impl CallbackQueues for Controller {
    async fn offer_callback(
        &self,
        tenant: &str,
        queue: &str,
        job: CallbackJob,
    ) -> Result<(), CallbackOfferError> {
        Controller::offer_callback(self, tenant, queue, job).await
    }
}

/// Who the dialer of this store's node claims tasks as.
pub fn dialer_claimer(store: &Store) -> String {
    format!("dialer@{}", store.node())
}

/// Who a queue of this store's node claims tasks as (held in memory after "press 1", or
/// taken by an agent).
pub fn queue_claimer(store: &Store) -> String {
    format!("queue@{}", store.node())
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TickReport {
    /// Tasks a queue took.
    pub handed: u32,
    /// Claims given back because no agent was free.
    pub released: u32,
}

/// The dialer of one server over the store.
pub struct Dialer {
    store: Store,
    queues: Arc<dyn CallbackQueues>,
    claimer: String,
}

impl Dialer {
    /// A dialer handing `store`'s tasks to `queues`.
    pub fn new(store: Store, queues: Arc<dyn CallbackQueues>) -> Self {
        let claimer = dialer_claimer(&store);
        Dialer {
            store,
            queues,
            claimer,
        }
    }

    /// Gives back the claims this node's dialer and queues took before `before` (its
    /// start): the tasks they held in memory were lost with the previous process.
    pub async fn release_stale_claims(
        &self,
        before: UnixMs,
        now: UnixMs,
    ) -> Result<u64, DialerError> {
        let mut released = 0;
        for claimer in [self.claimer.clone(), queue_claimer(&self.store)] {
            released += self
                .store
                .release_stale_callback_claims(&claimer, before, now)
                .await?;
        }
        Ok(released)
    }

    /// One round over every tenant at `now`. A tenant whose round fails is logged and
    /// skipped; the others go on.
    pub async fn tick(&self, now: UnixMs) -> Result<TickReport, DialerError> {
        let mut report = TickReport::default();
        for tenant in self.store.list_tenants().await? {
            if let Err(error) = self.tenant_round(&tenant, now, &mut report).await {
                tracing::warn!(tenant = %tenant.slug, %error, "dialer round failed");
            }
        }
        Ok(report)
    }

    async fn tenant_round(
        &self,
        tenant: &Tenant,
        now: UnixMs,
        report: &mut TickReport,
    ) -> Result<(), DialerError> {
        let page = Page::first(TASKS_PER_TENANT);
        let tasks = self
            .store
            .list_callbacks(tenant.id, Some(CallbackState::New), page)
            .await?;
        if !tasks.iter().any(|task| task.due <= now) {
            return Ok(());
        }
        let stored = self.store.list_queues(tenant.id).await?;
        let ordered = queue_order(stored.iter().map(|queue| queue.spec.name.as_str()));
        if ordered.is_empty() {
            return Ok(());
        }
        let hours: HashMap<_, _> = self
            .store
            .list_routes(tenant.id)
            .await?
            .into_iter()
            .filter_map(|route| Some((route.number, route.working_hours?)))
            .collect();
        // Queues that refused a task this round: no agent free there for later ones either.
        let mut full: HashSet<&str> = HashSet::new();
        for task in dialable(&tasks, &hours, now) {
            let queues: Vec<&str> = queues_for(task, &ordered)
                .into_iter()
                .filter(|queue| !full.contains(queue))
                .collect();
            if queues.is_empty() {
                continue;
            }
            let claimed = match self
                .store
                .claim_callback(tenant.id, task.id, &self.claimer, now)
                .await
            {
                Ok(claimed) => claimed,
                // Taken meanwhile (a queue, another node) or closed by a call.
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
            };
            let job = CallbackJob {
                task_id: claimed.id.to_string(),
                number: claimed.number,
                dialed: claimed.dialed,
            };
            if self.hand_over(&tenant.slug, &queues, job).await {
                report.handed += 1;
                continue;
            }
            self.store
                .release_callback(tenant.id, claimed.id, &self.claimer, now)
                .await?;
            report.released += 1;
            full.extend(queues);
        }
        Ok(())
    }

    /// Offers `job` to each of `queues` in turn; whether one took it.
    async fn hand_over(&self, tenant: &str, queues: &[&str], job: CallbackJob) -> bool {
        for queue in queues {
            match self.queues.offer_callback(tenant, queue, job.clone()).await {
                Ok(()) => return true,
                Err(refused) => tracing::debug!(tenant, queue, %refused, "not taken"),
            }
        }
        false
    }
}

/// Runs `dialer` until the process ends: gives back stale claims once, then a round
/// every [`DIAL_INTERVAL`].
pub async fn run_dialer(dialer: Dialer) {
    let started = UnixMs::now();
    match dialer.release_stale_claims(started, started).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(released, "stale callback claims given back"),
        Err(error) => tracing::warn!(%error, "stale callback claims not released"),
    }
    let mut rounds = tokio::time::interval(DIAL_INTERVAL);
    rounds.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        rounds.tick().await;
        match dialer.tick(UnixMs::now()).await {
            Ok(TickReport { handed: 0, .. }) => {}
            Ok(report) => tracing::info!(?report, "callbacks handed to queues"),
            Err(error) => tracing::warn!(%error, "dialer round failed"),
        }
    }
}

//! The one task per server that subscribes to the event bus for every tenant with an
//! enabled webhook, puts each event into the outboxes of the webhooks that want it, and
//! keeps the set of webhooks (and their workers) in step with the store.

use std::collections::{HashMap, HashSet};
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_stream::{StreamExt, StreamMap};
use wasmphony_events::{EventBus, LiveEvent, Subscription};
use wasmphony_store::{Store, WebhookId};

use crate::config::WebhookConfig;
use crate::kind::event_kind;
use crate::outbox::Outbox;
use crate::sender::Delivery;
use crate::stats::WebhookStats;
use crate::targets::PublicOnly;
use crate::worker::{Target, Worker};

/// Reload requests waiting at once; a caller beyond it waits for a place.
const RELOAD_REQUESTS: usize = 4;

/// Why webhook delivery could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The HTTP client could not be built (its TLS setup failed).
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// Running webhook delivery. Dropping it stops delivery (queued events are lost).
#[derive(Debug)]
pub struct Webhooks {
    reloads: mpsc::Sender<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    stats: Arc<WebhookStats>,
}

impl Webhooks {
    /// Starts delivering `bus`'s events to the enabled webhooks stored in `store`, read
    /// now, whenever `changes` is notified (the API does after each webhook change: give
    /// it the same `Notify`) and every [`WebhookConfig::reload_every`] (changes made on
    /// other nodes sharing the database). Needs a tokio runtime.
    pub fn start(
        store: Store,
        bus: EventBus,
        changes: Arc<Notify>,
        config: WebhookConfig,
    ) -> Result<Webhooks, WebhookError> {
        let mut builder = reqwest::Client::builder();
        if !config.allow_private_targets {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder
            .timeout(config.request_timeout)
            // A 3xx is an answer, not a place to go: following it could lead the signed
            // event anywhere. It counts as a failed attempt.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wasmphony-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let (reloads, requests) = mpsc::channel(RELOAD_REQUESTS);
        let stats = Arc::new(WebhookStats::default());
        let dispatcher = Dispatcher {
            stats: stats.clone(),
            store,
            bus,
            config,
            client,
            workers: HashMap::new(),
            subscriptions: StreamMap::new(),
            ids: DeliveryIds::new(),
        };
        let task = tokio::spawn(dispatcher.run(requests, changes));
        Ok(Webhooks {
            reloads,
            task,
            stats,
        })
    }

    /// Delivery counters over every webhook (for `/metrics`), live as delivery goes on.
    pub fn stats(&self) -> Arc<WebhookStats> {
        self.stats.clone()
    }

    /// Reads the stored webhooks now and applies them; returns once applied, so events
    /// published afterwards reach the webhooks stored before the call. Events published
    /// before the call are in their webhooks' queues by then (events go first).
    pub async fn reload(&self) {
        let (done, applied) = oneshot::channel();
        if self.reloads.send(done).await.is_ok() {
            // An error only means the task is gone: nothing left to apply.
            let _ = applied.await;
        }
    }
}

impl Drop for Webhooks {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Arc<LiveEvent>> + Send>>;

fn event_stream(subscription: Subscription) -> EventStream {
    Box::pin(futures_util::stream::unfold(
        subscription,
        |mut subscription| async move { subscription.recv().await.map(|event| (event, subscription)) },
    ))
}

/// A webhook's worker as the dispatcher holds it.
struct WorkerSlot {
    target: watch::Sender<Arc<Target>>,
    outbox: Arc<Outbox>,
    task: JoinHandle<()>,
}

impl Drop for WorkerSlot {
    fn drop(&mut self) {
        // Deleted or disabled: its queued events and a retry in progress end here.
        self.task.abort();
    }
}

struct Dispatcher {
    store: Store,
    bus: EventBus,
    config: WebhookConfig,
    client: reqwest::Client,
    workers: HashMap<WebhookId, WorkerSlot>,
    /// One bus subscription per tenant slug with at least one worker.
    subscriptions: StreamMap<String, EventStream>,
    ids: DeliveryIds,
    stats: Arc<WebhookStats>,
}

impl Dispatcher {
    async fn run(
        mut self,
        mut requests: mpsc::Receiver<oneshot::Sender<()>>,
        changes: Arc<Notify>,
    ) {
        let mut reload_tick = tokio::time::interval(self.config.reload_every);
        reload_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                // Events first: a reload waits until the events already published are
                // queued (what `Webhooks::reload` promises). Event rates are those of
                // calls, so reloads are not starved.
                biased;
                Some((slug, event)) = self.subscriptions.next(), if !self.subscriptions.is_empty() => {
                    self.dispatch(&slug, &event);
                }
                request = requests.recv() => match request {
                    Some(done) => {
                        self.reload().await;
                        let _ = done.send(());
                    }
                    // The handle is gone (its drop aborts this task too).
                    None => return,
                },
                () = changes.notified() => self.reload().await,
                _ = reload_tick.tick() => self.reload().await,
            }
        }
    }

    /// Makes the workers and subscriptions match the stored enabled webhooks. On a store
    /// error the current set stays until the next reload.
    async fn reload(&mut self) {
        let stored = match self.store.enabled_webhooks_all_tenants().await {
            Ok(stored) => stored,
            Err(error) => {
                tracing::warn!(%error, "could not read the webhooks; keeping the current set");
                return;
            }
        };
        let mut keep = HashSet::new();
        for webhook in stored {
            let target = Target::from_stored(webhook);
            keep.insert(target.id);
            match self.workers.get(&target.id) {
                Some(slot) => {
                    if **slot.target.borrow() != target {
                        slot.target.send_replace(Arc::new(target));
                    }
                }
                None => {
                    let slot = self.spawn_worker(target);
                    let id = slot.target.borrow().id;
                    self.workers.insert(id, slot);
                }
            }
        }
        self.workers.retain(|id, _| keep.contains(id));

        let slugs: HashSet<String> = self
            .workers
            .values()
            .map(|slot| slot.target.borrow().tenant_slug.clone())
            .collect();
        let stale: Vec<String> = self
            .subscriptions
            .keys()
            .filter(|slug| !slugs.contains(*slug))
            .cloned()
            .collect();
        for slug in stale {
            self.subscriptions.remove(&slug);
        }
        for slug in slugs {
            if !self.subscriptions.contains_key(&slug) {
                let stream = event_stream(self.bus.subscribe(&slug));
                self.subscriptions.insert(slug, stream);
            }
        }
    }

    fn spawn_worker(&self, target: Target) -> WorkerSlot {
        let (target, receiver) = watch::channel(Arc::new(target));
        let outbox = Arc::new(Outbox::new(self.config.queue_capacity, self.stats.clone()));
        let worker = Worker {
            store: self.store.clone(),
            client: self.client.clone(),
            retry: self.config.retry,
            timeout: self.config.request_timeout,
            public_only: !self.config.allow_private_targets,
            target: receiver,
            outbox: outbox.clone(),
            stats: self.stats.clone(),
        };
        WorkerSlot {
            target,
            outbox,
            task: tokio::spawn(worker.run()),
        }
    }

    /// Queues `event` of tenant `slug` for each of that tenant's webhooks that wants it.
    fn dispatch(&mut self, slug: &str, event: &LiveEvent) {
        let kind = event_kind(event);
        // The same JSON the WebSocket sends, serialised once for every webhook.
        let body = match serde_json::to_vec(event) {
            Ok(body) => Bytes::from(body),
            Err(error) => {
                tracing::warn!(%error, kind, "could not serialise a live event");
                return;
            }
        };
        for slot in self.workers.values() {
            let wanted = {
                let target = slot.target.borrow();
                target.tenant_slug == slug && target.wants(kind)
            };
            if wanted {
                slot.outbox.push(Delivery {
                    kind,
                    body: body.clone(),
                    id: self.ids.next(),
                });
            }
        }
    }
}

/// Delivery ids: a random prefix per dispatcher and a counter, so ids never repeat within
/// a run and are not guessable across runs.
struct DeliveryIds {
    prefix: String,
    next: u64,
}

impl DeliveryIds {
    fn new() -> DeliveryIds {
        let mut random = [0_u8; 8];
        let prefix = match getrandom::fill(&mut random) {
            Ok(()) => hex::encode(random),
            // No entropy source: the start time still separates runs.
            Err(_) => format!(
                "{:016x}",
                wasmphony_events::unix_ms(std::time::SystemTime::now())
            ),
        };
        DeliveryIds { prefix, next: 0 }
    }

    fn next(&mut self) -> String {
        self.next += 1;
        format!("{}-{}", self.prefix, self.next)
    }
}

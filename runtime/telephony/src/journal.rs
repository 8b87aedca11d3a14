//! The store as the controller's call journal: a CDR is opened when a call is
//! admitted (so a crash leaves it "live", closed as "interrupted" at the next
//! start) and finished with its timeline in one transaction when the call ends.
//!
//! Writes go through a few writer tasks, each owning a bounded queue; a call's
//! two writes always go to the same writer, so its CDR is opened before it is
//! finished. `finished` returns once the CDR is committed, which is what lets
//! the controller answer the caller's BYE only for calls already on record.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use wasmphony_controller::{CallBridge, CallJournal, CallRecord, CallStart, VoicemailLeft};
use wasmphony_events::{EventBus, LiveEvent, unix_ms};
use wasmphony_store::{
    Backend, Call, JournalWrite, MAX_JOURNAL_BATCH, Store, StoreError, TenantId, UserId,
};

use crate::cdr;
use crate::tenant_ids::TenantIds;

/// Calls waiting to be written, per writer; callers wait when it is full.
pub const JOURNAL_QUEUE: usize = 4_096;
/// Writers on PostgreSQL (SQLite has one writer at a time whatever we do).
pub const POSTGRES_WRITERS: usize = 4;
/// Longest `finished` waits for its commit before the call lets go of its slot.
pub const JOURNAL_COMMIT_WAIT: Duration = Duration::from_secs(10);

enum Job {
    Open(CallStart),
    /// Boxed: a record is several times the size of the other jobs.
    Finish(Box<CallRecord>, oneshot::Sender<()>),
    /// A call's answer, bridge or voicemail: announced in the call's order, after its
    /// ringing event, which waits for the CDR's opening.
    Announce {
        tenant: String,
        event: LiveEvent,
    },
    /// Answered once everything queued before it is written.
    Flush(oneshot::Sender<()>),
}

/// Counters of the journal, for metrics and the logs.
#[derive(Debug, Default)]
pub struct JournalStats {
    /// CDRs opened.
    pub opened: AtomicU64,
    /// CDRs finished.
    pub finished: AtomicU64,
    /// Writes that failed (logged with their reason).
    pub failed: AtomicU64,
}

/// The store-backed [`CallJournal`].
pub struct StoreJournal {
    writers: Vec<mpsc::Sender<Job>>,
    stats: Arc<JournalStats>,
    /// Where queue and agent changes go at once (they are not stored).
    events: EventBus,
}

impl StoreJournal {
    /// Starts the writers on `store`; they stop once the journal is dropped and their
    /// queues are drained. [`StoreJournal::flush`] waits for what is queued so far.
    /// Live events (ringing with the caller's card, answered, ended) go to `events`
    /// once what they announce is committed.
    pub fn start(store: Store, events: EventBus) -> Arc<StoreJournal> {
        let count = match store.backend() {
            Backend::Postgres => POSTGRES_WRITERS,
            Backend::Sqlite => 1,
        };
        let stats = Arc::new(JournalStats::default());
        let tenants = TenantIds::new(store.clone());
        let mut writers = Vec::with_capacity(count);
        for _ in 0..count {
            let (sender, jobs) = mpsc::channel(JOURNAL_QUEUE);
            writers.push(sender);
            let writer = Writer {
                store: store.clone(),
                tenants: tenants.clone(),
                stats: stats.clone(),
                events: events.clone(),
            };
            tokio::spawn(writer.run(jobs));
        }
        Arc::new(StoreJournal {
            writers,
            stats,
            events,
        })
    }

    /// Returns once every write queued before the call is done (written or failed).
    pub async fn flush(&self) {
        for writer in &self.writers {
            let (done, flushed) = oneshot::channel();
            if writer.send(Job::Flush(done)).await.is_ok() {
                let _ = flushed.await;
            }
        }
    }

    /// The journal's counters.
    pub fn stats(&self) -> Arc<JournalStats> {
        self.stats.clone()
    }

    /// Publishes `event` of call `call_id` through the call's writer, so screens see it
    /// after the call's ringing event and before its end.
    async fn announce(&self, tenant: &str, call_id: &str, event: LiveEvent) {
        let job = Job::Announce {
            tenant: tenant.to_string(),
            event,
        };
        if self.writer_for(call_id).send(job).await.is_err() {
            self.stats.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn writer_for(&self, call_id: &str) -> &mpsc::Sender<Job> {
        // Stable: one call's writes always go to one writer.
        let hash = crate::routes::fnv1a(call_id.as_bytes());
        let index = usize::try_from(hash % self.writers.len() as u64).unwrap_or(0);
        &self.writers[index]
    }
}

#[async_trait]
impl CallJournal for StoreJournal {
    async fn started(&self, call: CallStart) {
        let writer = self.writer_for(&call.call_id);
        if writer.send(Job::Open(call)).await.is_err() {
            self.stats.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn answered(&self, tenant: &str, call_id: &str, at: SystemTime) {
        let event = LiveEvent::CallAnswered {
            call_id: call_id.to_string(),
            at_ms: unix_ms(at),
        };
        self.announce(tenant, call_id, event).await;
    }

    async fn bridged(&self, bridge: CallBridge) {
        let event = LiveEvent::CallBridged {
            call_id: bridge.call_id.clone(),
            with: bridge.with,
            queue: bridge.queue,
            agent: bridge.agent,
            at_ms: unix_ms(bridge.at),
        };
        self.announce(&bridge.tenant, &bridge.call_id, event).await;
    }

    async fn voicemail_left(&self, voicemail: VoicemailLeft) {
        let event = LiveEvent::VoicemailLeft {
            call_id: voicemail.call_id.clone(),
            from: voicemail.from,
            dialed: voicemail.dialed,
            recording: voicemail.recording,
            duration_ms: u64::try_from(voicemail.duration.as_millis()).unwrap_or(u64::MAX),
            at_ms: unix_ms(voicemail.at),
        };
        self.announce(&voicemail.tenant, &voicemail.call_id, event)
            .await;
    }

    async fn finished(&self, record: CallRecord) {
        let (done, committed) = oneshot::channel();
        let call_id = record.call_id.clone();
        if self
            .writer_for(&call_id)
            .send(Job::Finish(Box::new(record), done))
            .await
            .is_err()
        {
            self.stats.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if tokio::time::timeout(JOURNAL_COMMIT_WAIT, committed)
            .await
            .is_err()
        {
            tracing::warn!(call = %call_id, "call record not committed within {JOURNAL_COMMIT_WAIT:?}");
        }
    }

    fn queue_changed(&self, tenant: &str, queue: &str, waiting: u64, at: SystemTime) {
        let event = LiveEvent::QueueChanged {
            queue: queue.to_string(),
            waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
            at_ms: unix_ms(at),
        };
        self.events.publish(tenant, event);
    }

    fn agent_state(&self, tenant: &str, extension: &str, state: &'static str, at: SystemTime) {
        let event = LiveEvent::AgentState {
            extension: extension.to_string(),
            state: state.to_string(),
            at_ms: unix_ms(at),
        };
        self.events.publish(tenant, event);
    }
}

struct Writer {
    store: Store,
    tenants: TenantIds,
    stats: Arc<JournalStats>,
    events: EventBus,
}

impl Writer {
    async fn run(self, mut jobs: mpsc::Receiver<Job>) {
        let mut batch = Vec::with_capacity(MAX_JOURNAL_BATCH);
        // Group commit: whatever queued while the last batch committed goes in the next.
        while jobs.recv_many(&mut batch, MAX_JOURNAL_BATCH).await > 0 {
            self.write_batch(std::mem::take(&mut batch)).await;
        }
    }

    /// Writes the batch's CDRs in one transaction, then does what each job announces, in
    /// queue order (events, commit replies), so nothing is announced before it is on record.
    async fn write_batch(&self, batch: Vec<Job>) {
        // The stored calls, in job order, when the batch committed.
        let mut stored = match self.write_together(&batch).await {
            Ok(calls) => Some(calls.into_iter()),
            Err(error) => {
                // One bad write must not take the others with it: retried one by one below.
                tracing::debug!(
                    "journal batch of {} retried write by write: {error}",
                    batch.len()
                );
                None
            }
        };
        for job in batch {
            let writes = matches!(job, Job::Open(_) | Job::Finish(..));
            let committed = stored.as_mut().filter(|_| writes).and_then(Iterator::next);
            let (call_id, written) = match job {
                Job::Open(call) => {
                    let written = match committed {
                        Some(opened) => {
                            self.stats.opened.fetch_add(1, Ordering::Relaxed);
                            self.announce_ringing(&call, &opened).await;
                            Ok(())
                        }
                        None => self.open(&call).await,
                    };
                    (call.call_id, written)
                }
                Job::Finish(record, done) => {
                    let written = match committed {
                        Some(_) => {
                            self.stats.finished.fetch_add(1, Ordering::Relaxed);
                            self.announce_ended(&record);
                            Ok(())
                        }
                        None => self.finish(&record).await,
                    };
                    let _ = done.send(());
                    (record.call_id, written)
                }
                Job::Announce { tenant, event } => {
                    self.events.publish(&tenant, event);
                    continue;
                }
                Job::Flush(done) => {
                    let _ = done.send(());
                    continue;
                }
            };
            if let Err(error) = written {
                self.stats.failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(call = %call_id, "call record not written: {error}");
            }
        }
    }

    /// Every CDR opening and finish of `batch` in one transaction; the calls as stored, in
    /// the order of their jobs.
    async fn write_together(&self, batch: &[Job]) -> Result<Vec<Call>, StoreError> {
        let mut opens = Vec::new();
        let mut finishes = Vec::new();
        for job in batch {
            match job {
                Job::Open(call) => {
                    let tenant = self.tenants.id(&call.tenant).await?;
                    opens.push((tenant, cdr::new_call(call)));
                }
                Job::Finish(record, _) => {
                    let tenant = self.tenants.id(&record.tenant).await?;
                    let id = wasmphony_store::CallId(record.call_id.clone());
                    let agent = self.agent_of(tenant, record).await;
                    finishes.push((
                        tenant,
                        id,
                        cdr::call_end(record, agent),
                        cdr::events(record),
                        cdr::recordings(record, tenant),
                    ));
                }
                Job::Announce { .. } | Job::Flush(_) => {}
            }
        }
        if opens.is_empty() && finishes.is_empty() {
            return Ok(Vec::new());
        }
        let (mut opened, mut finished) = (opens.iter(), finishes.iter());
        let mut writes = Vec::with_capacity(opens.len() + finishes.len());
        for job in batch {
            match job {
                Job::Open(_) => {
                    if let Some((tenant, call)) = opened.next() {
                        writes.push(JournalWrite::Open {
                            tenant: *tenant,
                            call,
                        });
                    }
                }
                Job::Finish(..) => {
                    if let Some((tenant, id, end, events, recordings)) = finished.next() {
                        writes.push(JournalWrite::Finish {
                            tenant: *tenant,
                            id,
                            end,
                            events,
                            recordings,
                        });
                    }
                }
                Job::Announce { .. } | Job::Flush(_) => {}
            }
        }
        self.store.write_journal(&writes).await
    }

    async fn open(&self, call: &CallStart) -> Result<(), StoreError> {
        let tenant = self.tenants.id(&call.tenant).await?;
        let opened = self.store.open_call(tenant, &cdr::new_call(call)).await?;
        self.stats.opened.fetch_add(1, Ordering::Relaxed);
        self.announce_ringing(call, &opened).await;
        Ok(())
    }

    /// The ringing event of a call whose CDR (`opened`) is on record, with the caller's
    /// card (which exists now: opening the call creates it for a new caller).
    async fn announce_ringing(&self, call: &CallStart, opened: &Call) {
        let contact = match self
            .store
            .find_contact(opened.tenant_id, &opened.customer_number)
            .await
        {
            Ok(contact) => contact.and_then(|card| serde_json::to_value(card).ok()),
            Err(error) => {
                tracing::debug!(call = %call.call_id, "no card for the ringing event: {error}");
                None
            }
        };
        let event = LiveEvent::CallRinging {
            call_id: call.call_id.clone(),
            from: call.from.clone(),
            to: call.to.clone(),
            dialed: opened.dialed.clone(),
            scenario: call.scenario.clone(),
            contact,
            at_ms: unix_ms(call.started_at),
        };
        self.events.publish(&call.tenant, event);
    }

    async fn finish(&self, record: &CallRecord) -> Result<(), StoreError> {
        let tenant = self.tenants.id(&record.tenant).await?;
        let id = wasmphony_store::CallId(record.call_id.clone());
        let agent = self.agent_of(tenant, record).await;
        let end = cdr::call_end(record, agent);
        let events = cdr::events(record);
        let recordings = cdr::recordings(record, tenant);
        let finish = || {
            self.store
                .finish_call_with_recordings(tenant, &id, &end, &events, &recordings)
        };
        match finish().await {
            // Its opening was not written (a failed write): write both now.
            Err(StoreError::NotFound(_)) => {
                self.store
                    .open_call(tenant, &cdr::new_call_from_record(record))
                    .await?;
                finish().await?;
            }
            other => {
                other?;
            }
        }
        self.stats.finished.fetch_add(1, Ordering::Relaxed);
        self.announce_ended(record);
        Ok(())
    }

    /// The user whose extension the record names as its queue agent. A lookup that fails
    /// (no such user any more, the store is down) leaves the column empty rather than
    /// losing the CDR.
    async fn agent_of(&self, tenant: TenantId, record: &CallRecord) -> Option<UserId> {
        let extension = record.agent.as_deref()?;
        match self.store.user_by_extension(tenant, extension).await {
            Ok(user) => user.map(|user| user.id),
            Err(error) => {
                tracing::debug!(call = %record.call_id, %extension, "agent not looked up: {error}");
                None
            }
        }
    }

    /// The ended event of a call whose CDR is committed.
    fn announce_ended(&self, record: &CallRecord) {
        let end = cdr::call_end(record, None);
        let duration = record
            .ended_at
            .duration_since(record.started_at)
            .unwrap_or_default();
        let event = LiveEvent::CallEnded {
            call_id: record.call_id.clone(),
            disposition: end.disposition.as_str().to_string(),
            hangup_side: end
                .hangup_side
                .map_or("system", |side| side.as_str())
                .to_string(),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            at_ms: unix_ms(record.ended_at),
        };
        self.events.publish(&record.tenant, event);
    }
}

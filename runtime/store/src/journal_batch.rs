//! Group commit for the call journal: many calls' CDR openings and finishes in ONE
//! transaction, so the durable commit (an fsync on SQLite with `synchronous=FULL`) is paid
//! once per batch instead of once per write. Under load the journal's writer hands over
//! whatever queued while the previous batch committed; alone, a batch is one write.

use std::collections::HashMap;

use crate::call_record::{Call, CallEnd, CallEvent, NewCall};
use crate::error::{Result, StoreError};
use crate::ids::{CallId, TenantId};
use crate::recordings::Recording;
use crate::store::Store;

/// Most writes one [`Store::write_journal`] takes.
pub const MAX_JOURNAL_BATCH: usize = 256;

/// One write of a journal batch: what [`Store::open_call`] or [`Store::finish_call`] do.
#[derive(Debug, Clone, Copy)]
pub enum JournalWrite<'a> {
    /// Opens a call's CDR (and the caller's card).
    Open {
        /// The call's tenant.
        tenant: TenantId,
        /// The call.
        call: &'a NewCall,
    },
    /// Finishes a live call with its events and updates the missed-call list.
    Finish {
        /// The call's tenant.
        tenant: TenantId,
        /// The call.
        id: &'a CallId,
        /// How it ended.
        end: &'a CallEnd,
        /// Its timeline.
        events: &'a [CallEvent],
        /// The recordings made during it, registered with it.
        recordings: &'a [Recording],
    },
}

impl Store {
    /// Writes `writes` in order in one transaction: every one is committed, or none is.
    /// Returns each write's call as stored. A finish may follow its own call's opening in
    /// the same batch.
    ///
    /// On an error nothing is written, whichever write caused it; the caller retries the
    /// writes one by one ([`Store::open_call`], [`Store::finish_call`]) to keep the others.
    /// Errors are theirs, plus [`StoreError::Conflict`] for a finish whose call is not
    /// live and [`StoreError::Invalid`] for more than [`MAX_JOURNAL_BATCH`] writes.
    pub async fn write_journal(&self, writes: &[JournalWrite<'_>]) -> Result<Vec<Call>> {
        if writes.len() > MAX_JOURNAL_BATCH {
            return Err(StoreError::Invalid(format!(
                "{} journal writes in one batch (at most {MAX_JOURNAL_BATCH})",
                writes.len()
            )));
        }
        // Read and check everything a write needs before taking the write lock.
        let mut countries: HashMap<TenantId, String> = HashMap::new();
        for write in writes {
            if let JournalWrite::Open { tenant, call } = write {
                call.validate()?;
                if !countries.contains_key(tenant) {
                    countries.insert(*tenant, self.tenant_country(*tenant).await?);
                }
            }
        }
        let mut tx = self.begin_write().await?;
        let mut stored = Vec::with_capacity(writes.len());
        for write in writes {
            match *write {
                JournalWrite::Open { tenant, call } => {
                    let country = countries.get(&tenant).map_or("", String::as_str);
                    stored.push(self.open_call_in(&mut tx, tenant, call, country).await?);
                }
                JournalWrite::Finish {
                    tenant,
                    id,
                    end,
                    events,
                    recordings,
                } => match self
                    .finish_call_in(&mut tx, tenant, id, end, events, recordings)
                    .await?
                {
                    Some(call) => stored.push(call),
                    None => return Err(StoreError::Conflict("finished or unknown call")),
                },
            }
        }
        tx.commit().await?;
        Ok(stored)
    }
}

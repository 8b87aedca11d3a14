//! The bridged legs whose party may transfer the call with REFER, keyed like
//! [`super::MediaDialogs`] by Call-ID and our tag. A leg is here only while it
//! is bridged, and only when its party is staff: the host placed it to a
//! registered phone of the tenant or to a SIP URI the tenant's scenario named
//! (not a number reached through a trunk), or it is the caller's leg of an
//! authenticated phone's direct call; the REFER handler hands an accepted
//! transfer to the bridge that owns the leg through a one-slot channel.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use tokio::sync::mpsc;
use wasmphony_engine::api::DialTarget;

/// An accepted REFER, for the bridge to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TransferOrder {
    /// Who the caller is to be connected to.
    pub(crate) target: DialTarget,
    /// The REFER's CSeq: the `id` of its NOTIFYs' Event.
    pub(crate) refer_cseq: u32,
}

/// One leg that may transfer.
pub(crate) struct TransferPoint {
    /// The call's tenant (whose extensions and trunks the target is resolved in).
    pub(crate) tenant: String,
    /// The address the leg was placed to: a REFER from elsewhere is refused.
    pub(crate) peer: IpAddr,
    orders: mpsc::Sender<TransferOrder>,
    /// A transfer is being carried out (a second REFER meanwhile gets 491).
    running: Arc<AtomicBool>,
}

impl TransferPoint {
    /// Claims the point for one transfer; `None` while another runs.
    pub(crate) fn claim(&self) -> Option<TransferClaim> {
        self.running
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()?;
        Some(TransferClaim {
            orders: self.orders.clone(),
            running: self.running.clone(),
            sent: false,
        })
    }
}

/// The right to send one order; released if it is never sent.
pub(crate) struct TransferClaim {
    orders: mpsc::Sender<TransferOrder>,
    running: Arc<AtomicBool>,
    sent: bool,
}

impl TransferClaim {
    /// Whether the bridge still takes orders.
    pub(crate) fn is_live(&self) -> bool {
        !self.orders.is_closed()
    }

    /// Hands the order to the bridge; false when the bridge has ended.
    pub(crate) fn send(mut self, order: TransferOrder) -> bool {
        self.sent = self.orders.try_send(order).is_ok();
        self.sent
    }
}

impl Drop for TransferClaim {
    fn drop(&mut self) {
        if !self.sent {
            self.running.store(false, Ordering::Release);
        }
    }
}

/// The bridge's end of a point: receives orders, says when one is done.
pub(crate) struct TransferInbox {
    orders: mpsc::Receiver<TransferOrder>,
    running: Arc<AtomicBool>,
    _guard: PointGuard,
}

impl TransferInbox {
    /// The next accepted REFER.
    pub(crate) async fn next(&mut self) -> Option<TransferOrder> {
        self.orders.recv().await
    }

    /// The transfer is over (whatever its outcome): the next REFER may come.
    pub(crate) fn done(&self) {
        self.running.store(false, Ordering::Release);
    }
}

/// The next accepted REFER of a leg's `transfers`; never, for a party that may
/// not transfer. (A function of the field alone, so a bridge can wait on it
/// beside the leg's other fields.)
pub(crate) async fn next_order(transfers: &mut Option<TransferInbox>) -> Option<TransferOrder> {
    match transfers.as_mut() {
        Some(inbox) => inbox.next().await,
        None => std::future::pending().await,
    }
}

type Key = (String, String);

/// Legs that may transfer. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct TransferPoints {
    points: Arc<Mutex<HashMap<Key, Arc<TransferPoint>>>>,
}

/// Takes the point out of the table when its bridge ends.
struct PointGuard {
    points: TransferPoints,
    key: Key,
}

impl Drop for PointGuard {
    fn drop(&mut self) {
        self.points.points.lock().remove(&self.key);
    }
}

impl TransferPoints {
    /// Lets the party of dialog (`call_id`, `local_tag`), reached at `peer`,
    /// transfer `tenant`'s call until the inbox drops.
    pub(crate) fn open(
        &self,
        call_id: &str,
        local_tag: &str,
        tenant: &str,
        peer: IpAddr,
    ) -> TransferInbox {
        let key = (call_id.to_string(), local_tag.to_string());
        let (orders, receiver) = mpsc::channel(1);
        let running = Arc::new(AtomicBool::new(false));
        let point = TransferPoint {
            tenant: tenant.to_string(),
            peer,
            orders,
            running: running.clone(),
        };
        self.points.lock().insert(key.clone(), Arc::new(point));
        TransferInbox {
            orders: receiver,
            running,
            _guard: PointGuard {
                points: self.clone(),
                key,
            },
        }
    }

    /// The point of dialog (`call_id`, `local_tag`), if its party may transfer.
    pub(crate) fn get(&self, call_id: &str, local_tag: &str) -> Option<Arc<TransferPoint>> {
        self.points
            .lock()
            .get(&(call_id.to_string(), local_tag.to_string()))
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> TransferOrder {
        TransferOrder {
            target: DialTarget::Extension("102".into()),
            refer_cseq: 2,
        }
    }

    #[tokio::test]
    async fn one_transfer_at_a_time_and_gone_with_the_bridge() {
        let points = TransferPoints::default();
        let mut inbox = points.open("c", "t", "demo", "127.0.0.1".parse().unwrap());
        let point = points.get("c", "t").unwrap();
        assert_eq!(point.tenant, "demo");
        assert!(points.get("c", "other").is_none());

        let claim = point.claim().unwrap();
        assert!(point.claim().is_none(), "a second REFER while one runs");
        assert!(claim.send(order()));
        assert_eq!(inbox.next().await, Some(order()));
        assert!(point.claim().is_none(), "still running until done");
        inbox.done();

        // A claim that is dropped unsent (the REFER was refused) frees the point.
        drop(point.claim().unwrap());
        let claim = point.claim().unwrap();
        drop(inbox);
        assert!(points.get("c", "t").is_none());
        assert!(!claim.is_live());
        assert!(!claim.send(order()));
    }
}

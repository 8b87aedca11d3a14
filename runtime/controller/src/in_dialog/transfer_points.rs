//! The bridged legs whose party may transfer the call with REFER, keyed like
//! [`super::MediaDialogs`] by Call-ID and our tag. A leg is here only while it
//! is bridged, and only when its party is staff: the host placed it to a
//! registered phone of the tenant or to a SIP URI the tenant's scenario named
//! (not a number reached through a trunk), or it is the caller's leg of an
//! authenticated phone's direct call; the REFER handler hands an accepted
//! transfer to the bridge that owns the leg through a one-slot channel. The
//! points of one bridge share a [`TransferTurn`]: one transfer at a time.

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

/// One transfer at a time per bridge: every transfer point of a bridge (both
/// legs of a phone's direct call to a colleague, say) shares one turn, so a
/// REFER on either leg while a transfer runs gets 491 instead of an order the
/// bridge would drop once the running transfer hands the call over. Taken by a
/// claim, given back when the transfer ends, whatever its outcome.
#[derive(Clone, Default)]
pub(crate) struct TransferTurn(Arc<AtomicBool>);

impl TransferTurn {
    fn take(&self) -> bool {
        self.0
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn release(&self) {
        self.0.store(false, Ordering::Release);
    }
}

/// One leg that may transfer.
pub(crate) struct TransferPoint {
    /// The call's tenant (whose extensions and trunks the target is resolved in).
    pub(crate) tenant: String,
    /// The address the leg was placed to: a REFER from elsewhere is refused.
    pub(crate) peer: IpAddr,
    orders: mpsc::Sender<TransferOrder>,
    /// Its bridge's turn (a second REFER while a transfer runs gets 491).
    turn: TransferTurn,
}

impl TransferPoint {
    /// Claims the bridge's turn for one transfer; `None` while another runs.
    pub(crate) fn claim(&self) -> Option<TransferClaim> {
        if !self.turn.take() {
            return None;
        }
        Some(TransferClaim {
            orders: self.orders.clone(),
            turn: self.turn.clone(),
            sent: false,
        })
    }
}

/// The right to send one order; the turn is given back if it is never sent.
pub(crate) struct TransferClaim {
    orders: mpsc::Sender<TransferOrder>,
    turn: TransferTurn,
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
            self.turn.release();
        }
    }
}

/// The bridge's end of a point: receives orders, says when one is done.
pub(crate) struct TransferInbox {
    orders: mpsc::Receiver<TransferOrder>,
    turn: TransferTurn,
    /// An order of this point's is being carried out: the turn is this inbox's
    /// to give back (by [`TransferInbox::done`], or when it drops because the
    /// transfer handed its leg's party over).
    holding: AtomicBool,
    _guard: PointGuard,
}

impl TransferInbox {
    /// The next accepted REFER.
    pub(crate) async fn next(&mut self) -> Option<TransferOrder> {
        let order = self.orders.recv().await?;
        self.holding.store(true, Ordering::Release);
        Some(order)
    }

    /// The transfer is over (whatever its outcome): the next REFER may come.
    pub(crate) fn done(&self) {
        if self.holding.swap(false, Ordering::AcqRel) {
            self.turn.release();
        }
    }

    /// Its bridge's turn, for a point that takes this one's place in the bridge.
    pub(crate) fn turn(&self) -> TransferTurn {
        self.turn.clone()
    }
}

impl Drop for TransferInbox {
    /// A transfer that succeeded ends its referrer's point: the bridge's other
    /// points may transfer again. An order sent but never read (the bridge ended
    /// first) gives its turn back too.
    fn drop(&mut self) {
        self.orders.close();
        let unread = self.orders.try_recv().is_ok();
        if unread || *self.holding.get_mut() {
            self.turn.release();
        }
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
    /// transfer `tenant`'s call until the inbox drops, one transfer at a time
    /// with the other points sharing `turn` (its bridge's).
    pub(crate) fn open(
        &self,
        call_id: &str,
        local_tag: &str,
        tenant: &str,
        peer: IpAddr,
        turn: &TransferTurn,
    ) -> TransferInbox {
        let key = (call_id.to_string(), local_tag.to_string());
        let (orders, receiver) = mpsc::channel(1);
        let point = TransferPoint {
            tenant: tenant.to_string(),
            peer,
            orders,
            turn: turn.clone(),
        };
        self.points.lock().insert(key.clone(), Arc::new(point));
        TransferInbox {
            orders: receiver,
            turn: turn.clone(),
            holding: AtomicBool::new(false),
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
        let turn = TransferTurn::default();
        let mut inbox = points.open("c", "t", "demo", "127.0.0.1".parse().unwrap(), &turn);
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

    fn peer() -> IpAddr {
        "127.0.0.1".parse().unwrap()
    }

    #[tokio::test]
    async fn the_points_of_one_bridge_share_one_turn() {
        let points = TransferPoints::default();
        let turn = TransferTurn::default();
        let mut caller = points.open("c", "ours", "demo", peer(), &turn);
        let mut called = points.open("d", "ours", "demo", peer(), &turn);
        let caller_point = points.get("c", "ours").unwrap();
        let called_point = points.get("d", "ours").unwrap();

        // The caller's transfer runs: the called party's REFER is refused (491).
        assert!(caller_point.claim().unwrap().send(order()));
        assert_eq!(caller.next().await, Some(order()));
        assert!(
            called_point.claim().is_none(),
            "the other leg while one runs"
        );
        assert!(caller_point.claim().is_none());

        // It failed: either leg may transfer again.
        caller.done();
        assert!(called_point.claim().unwrap().send(order()));
        assert_eq!(called.next().await, Some(order()));
        assert!(caller_point.claim().is_none());
        // Only the inbox carrying the order out gives the turn back.
        caller.done();
        assert!(caller_point.claim().is_none());

        // It succeeded: the referrer's point ends with its leg, the turn with it.
        drop(called);
        assert!(points.get("d", "ours").is_none());
        let claim = caller_point.claim().unwrap();
        drop(claim);

        // A point of another bridge has its own turn.
        let other_turn = TransferTurn::default();
        let _other = points.open("e", "ours", "demo", peer(), &other_turn);
        let held = caller_point.claim().unwrap();
        assert!(points.get("e", "ours").unwrap().claim().is_some());
        drop(held);
    }

    #[tokio::test]
    async fn an_order_the_bridge_never_read_gives_the_turn_back() {
        let points = TransferPoints::default();
        let turn = TransferTurn::default();
        let caller = points.open("c", "ours", "demo", peer(), &turn);
        let _called = points.open("d", "ours", "demo", peer(), &turn);
        let called_point = points.get("d", "ours").unwrap();
        assert!(
            points
                .get("c", "ours")
                .unwrap()
                .claim()
                .unwrap()
                .send(order())
        );
        assert!(called_point.claim().is_none());
        // The caller's leg ended before its bridge read the order.
        drop(caller);
        assert!(called_point.claim().is_some());
    }
}

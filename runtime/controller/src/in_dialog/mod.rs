//! Requests inside an established call leg: re-INVITE and UPDATE (hold, unhold,
//! a moved peer, session refresh) and REFER (blind transfer).

mod media_dialogs;
mod offer_answer;
mod refer;
mod refer_notify;
mod refer_to;
mod requests;
mod transfer_points;
mod transfer_report;
mod transfer_ring;

pub(crate) use media_dialogs::{MediaDialogGuard, MediaDialogs};
pub(crate) use offer_answer::SessionMedia;
pub(crate) use transfer_points::{
    TransferInbox, TransferOrder, TransferPoints, TransferTurn, next_order,
};
pub(crate) use transfer_report::{
    ring_failure_status, send_refer_notify, transfer_log, transfer_vars,
};
pub(crate) use transfer_ring::ring_transfer_target;

//! Requests inside an established call leg: re-INVITE and UPDATE (hold, unhold,
//! a moved peer, session refresh) and REFER.

mod media_dialogs;
mod offer_answer;
mod refer;
mod requests;

pub(crate) use media_dialogs::{MediaDialogGuard, MediaDialogs};
pub(crate) use offer_answer::SessionMedia;

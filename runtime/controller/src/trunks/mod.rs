//! Carrier trunks: which trunk carries a dialed number ([`TrunkPlan`]), who a
//! call from a carrier's address belongs to ([`Trunks::identify`]), and the
//! registrations the host keeps with carriers that want them.
//!
//! Every trunk belongs to one tenant. Only a tenant's own scenarios (or its
//! authenticated phones) place calls on its trunks: nothing a peer sends
//! reaches [`TrunkPlan::for_number`] without the tenant's logic asking for it.

mod book;
mod plan;
mod registrations;

pub(crate) use book::Trunks;
pub use plan::{Trunk, TrunkPlan};
pub use registrations::TRUNK_REGISTER_EXPIRES;
pub(crate) use registrations::TrunkRegistrations;

//! What the blind-transfer interop tests share: sipp parties started in the background,
//! the party a transfer hands on (its RTP the test's own socket: marked audio out,
//! echoes counted back), what a call's record says about transfers, and a controller
//! whose tenant's catch-all trunk leads to the customer's sipp.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod called_party;
pub mod cdr;
pub mod echoes;
pub mod parties;

use std::net::SocketAddr;

use wasmphony_controller::{Trunk, TrunkPlan};
use wasmphony_sip::endpoint::Target;

use crate::queue_support::{self, QueueHarness};
use crate::support::free_udp_port;

/// The customer's number, carried by the trunk.
pub const CUSTOMER: &str = "+35924000222";

/// A second staff member's extension (SIP user too), for transfers between colleagues.
pub const COLLEAGUE: &str = "102";
pub const COLLEAGUE_SECRET: &str = "colleague-secret-102";
/// A third staff member's extension.
pub const THIRD_STAFF: &str = "103";
pub const THIRD_STAFF_SECRET: &str = "staff-secret-103";

/// A controller whose tenant's catch-all trunk leads to `customer_port`; [`COLLEAGUE`]
/// and [`THIRD_STAFF`] are in the phone book beside the agent (register them with
/// `queue_support::register_phone`).
pub async fn start_with_customer_trunk(customer_port: u16, test_name: &str) -> QueueHarness {
    let addr: SocketAddr = ([127, 0, 0, 1], customer_port).into();
    let mut plan = TrunkPlan::new();
    plan.add(Trunk {
        name: "carrier".into(),
        host: addr.into(),
        target: Target::udp(addr),
        credentials: None,
        caller_id: None,
        prefixes: Vec::new(),
        priority: 0,
        register: false,
    });
    // No number goes to the gateway here (click-to-call never uses it): a dead port.
    let gateway = ([127, 0, 0, 1], free_udp_port()).into();
    let staff = [
        (COLLEAGUE, COLLEAGUE_SECRET),
        (THIRD_STAFF, THIRD_STAFF_SECRET),
    ];
    queue_support::start_with_phones(gateway, Vec::new(), plan, &staff, test_name).await
}

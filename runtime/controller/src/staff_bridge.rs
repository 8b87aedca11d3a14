//! A staff leg bridged to a customer's leg until one of them hangs up, the staff side
//! free to hand the customer over with REFER (`agent_transfer.rs` carries each order
//! out; the new party takes the staff side's place and may transfer in turn).
//!
//! Two calls end up here: an agent-first call (`agent_first.rs`: the agent the host
//! rang first, the customer it rang next) and a phone's direct call its phone
//! transferred (`sip_call/caller_transfer.rs`: the party the phone called is the
//! customer, the transfer's target the staff side). One loop for both, so a transfer,
//! a hang-up or a media failure ends such a bridge the same way whichever it is.

use std::sync::Arc;
use std::time::SystemTime;

use wasmphony_media::codec::Codec;
use wasmphony_media::leg::{LegEvent, MediaLeg};
use wasmphony_media::play::PromptLibrary;

use crate::agent_first::EndedBy;
use crate::agent_transfer::{AgentTransferEnd, StaffLeg, Transferred, transfer};
use crate::context::ControllerContext;
use crate::in_dialog::{TransferOrder, next_order};
use crate::journal::CallBridge;
use crate::live_calls::GoneReceiver;

/// The customer's leg, as the bridge waits on it and a transfer hands it over.
pub(crate) struct CustomerSide<'a> {
    pub(crate) media: &'a mut MediaLeg,
    /// Set when the customer hangs up.
    pub(crate) gone: &'a mut GoneReceiver,
    /// Shown to a transfer's target as the calling number.
    pub(crate) number: &'a str,
    /// The customer's codec, offered first to a transfer's target so the bridge relays.
    pub(crate) codec: Codec,
}

/// What interrupted the bridge.
enum Happening {
    Ended(EndedBy),
    /// The staff side's REFER was accepted.
    Transfer(TransferOrder),
}

/// Keeps `staff` and `customer` talking until one of them hangs up (or their media
/// fails). They are linked already, `staff` allowed to transfer, and the journal told
/// of `bridge`; it is told again after each transfer (noted in `transfers`). `staff` is
/// whoever has the customer at the end; neither leg is ended here.
pub(crate) async fn hold(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    staff: &mut StaffLeg,
    customer: CustomerSide<'_>,
    bridge: &mut CallBridge,
    transfers: &mut Vec<Transferred>,
) -> EndedBy {
    loop {
        let happening = tokio::select! {
            biased;
            _ = staff.gone.wait_for(Option::is_some) => Happening::Ended(EndedBy::Agent),
            _ = customer.gone.wait_for(Option::is_some) => Happening::Ended(EndedBy::Customer),
            Some(order) = next_order(&mut staff.transfers) => Happening::Transfer(order),
            event = staff.media.next_event() => {
                if matches!(event, None | Some(LegEvent::Failed(_))) { Happening::Ended(EndedBy::Host) } else { continue }
            }
            event = customer.media.next_event() => {
                if matches!(event, None | Some(LegEvent::Failed(_))) { Happening::Ended(EndedBy::Host) } else { continue }
            }
        };
        let order = match happening {
            Happening::Ended(by) => return by,
            Happening::Transfer(order) => order,
        };
        match transfer(context, prompts, &bridge.tenant, staff, &customer, order).await {
            AgentTransferEnd::Connected(next, transferred) => {
                // The referrer's leg was ended by `transfer`; dropping it frees its media.
                *staff = *next;
                bridge.with = transferred.to.clone();
                if transferred.agent.is_some() {
                    bridge.agent = transferred.agent.clone();
                }
                bridge.at = SystemTime::now();
                context.journal.bridged(bridge.clone()).await;
                transfers.push(transferred);
            }
            AgentTransferEnd::Stayed => {}
            AgentTransferEnd::CustomerGone => return EndedBy::Customer,
        }
    }
}

//! The live event bus: what happens on a tenant's calls, queues and agents, as it happens,
//! for operator screens ("screen pop": the caller's card while the phone rings).
//!
//! ```
//! use wasmphony_events::{EventBus, LiveEvent};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let bus = EventBus::new();
//! let mut screen = bus.subscribe("pizza");
//! bus.publish("pizza", LiveEvent::CallAnswered { call_id: "c1".into(), at_ms: 1 });
//! bus.publish("other", LiveEvent::CallAnswered { call_id: "c2".into(), at_ms: 2 });
//! assert_eq!(*screen.recv().await.unwrap(), LiveEvent::CallAnswered { call_id: "c1".into(), at_ms: 1 });
//! # }
//! ```
//!
//! * **Per tenant**, keyed by the tenant's slug (as the call controller names tenants): a
//!   subscriber only ever sees its own tenant's events.
//! * **Publishing never blocks and never fails**: without a subscriber the event is dropped;
//!   a slow subscriber misses events and is told so ([`LiveEvent::Lagged`]) instead of
//!   holding publishers back. Each tenant's channel holds [`CHANNEL_CAPACITY`] events.
//! * **Best effort**: the bus is for screens, not for records. The call journal in the store
//!   stays the source of truth; a screen that reconnects reads the current state there.
#![deny(missing_docs)]

mod bus;
mod event;
mod subscription;

pub use bus::{CHANNEL_CAPACITY, EventBus, TooManySubscribers};
pub use event::{LiveEvent, unix_ms};
pub use subscription::Subscription;

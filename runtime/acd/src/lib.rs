//! Sans-IO cores for "never lose a caller": the call queue (ACD) and
//! forwarding plans.
//!
//! Both cores are told the time (`now: Instant`, a virtual clock) with every
//! input and never read a clock or touch the network. A tokio shell in the
//! server feeds SIP events in, carries the returned actions out, and sleeps
//! until `next_deadline()`. Tests drive them with a virtual clock.
//!
//! - [`Queue`]: agents with devices, skills and presence; callers with
//!   priorities; ring-all, longest-idle, round-robin and skills strategies;
//!   ring timeouts, wrap-up, max wait/length overflow, callback tasks that
//!   keep their place, position/estimated-wait announcements, service level.
//! - [`Forwarding`]: parallel, sequential and combined ring plans, assigned
//!   manager first.
//!
//! The driver's loop, with time jumping instead of passing:
//!
//! ```
//! use std::time::Duration;
//! use wasmphony_acd::*;
//!
//! let mut queue = Queue::new(QueueConfig::default());
//! let t0 = Instant::ORIGIN;
//! queue.login(AgentSpec::new(AgentId(1), DeviceId::new("sip:anna@127.0.0.1")), t0)?;
//! queue.join(CallerId(7), JoinRequest::default(), t0)?;
//! let offer = queue.poll(t0);
//! assert!(matches!(&offer[..], [Action::Offer { caller: CallerId(7), .. }]));
//!
//! // Nobody answers: at the ring timeout the offer is withdrawn.
//! let deadline = queue.next_deadline().expect("the offer rings until a deadline");
//! assert_eq!(deadline, t0 + Duration::from_secs(15));
//! let actions = queue.poll(deadline);
//! assert!(actions.contains(&Action::CancelOffer { caller: CallerId(7), agent: AgentId(1) }));
//! # Ok::<(), QueueError>(())
//! ```

#![deny(missing_docs)]

pub mod action;
pub mod agent;
pub mod caller;
pub mod config;
pub mod error;
mod estimate;
pub mod forward;
pub mod ids;
pub mod limits;
mod queue;
pub mod stats;
mod strategy;
pub mod time;

pub use action::{Action, OfferKind, OfferTarget};
pub use agent::{AgentSpec, AgentState, AwayReason};
pub use caller::{JoinRequest, Priority};
pub use config::{OverflowAction, QueueConfig, Strategy};
pub use error::{ForwardError, QueueError};
pub use forward::{ForwardAction, Forwarding, LegFailure, LegId, Plan, Step, Target};
pub use ids::{AgentId, CallerId, DeviceId, Skill, SkillLevel};
pub use queue::Queue;
pub use stats::ServiceStats;
pub use time::Instant;

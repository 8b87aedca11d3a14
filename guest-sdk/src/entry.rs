//! Entry points: the traits a scenario implements and the macros that export them.

use crate::call::Call;
use crate::error::{ScenarioResult, into_export_result};
use crate::wit::types::CallInfo;

/// The event a `timer` scenario wakes up for.
pub use crate::wit::timer::TimerEvent;

/// A scenario that takes an inbound call (IVR, router, self-ordering).
///
/// Export it with [`inbound_scenario!`](crate::inbound_scenario).
pub trait InboundScenario {
    /// Runs the call. Returning `Err` (other than a hangup) hands the caller to the route's
    /// fallback and reports the failure.
    fn handle(call: Call) -> ScenarioResult;
}

/// A scenario that runs an outbound call once its first leg answered (callbacks, reminders).
///
/// Export it with [`outbound_scenario!`](crate::outbound_scenario).
pub trait OutboundScenario {
    /// Runs the call; the first leg is already answered.
    fn handle(call: Call) -> ScenarioResult;
}

/// A scenario woken by a due record or a schedule, with no call of its own.
///
/// Export it with [`timer_scenario!`](crate::timer_scenario).
pub trait TimerScenario {
    /// Handles the wake-up.
    fn on_timer(event: TimerEvent) -> ScenarioResult;
}

/// Glue the entry macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    use super::*;

    pub use std::string::String;

    pub fn run_inbound<S: InboundScenario>(info: CallInfo) -> Result<(), String> {
        into_export_result(S::handle(Call::new(info)))
    }

    pub fn run_outbound<S: OutboundScenario>(info: CallInfo) -> Result<(), String> {
        into_export_result(S::handle(Call::new(info)))
    }

    pub fn run_timer<S: TimerScenario>(event: TimerEvent) -> Result<(), String> {
        into_export_result(S::on_timer(event))
    }
}

/// Exports a type implementing [`InboundScenario`] as the component's `handle`
/// (world `inbound-call`). Use it once, in the scenario's `lib.rs`.
///
/// ```no_run
/// use wasmphony_guest::{Call, InboundScenario, ScenarioResult};
///
/// struct Hello;
///
/// impl InboundScenario for Hello {
///     fn handle(call: Call) -> ScenarioResult {
///         call.answer()?;
///         call.play("greeting")?;
///         call.hangup();
///         Ok(())
///     }
/// }
///
/// wasmphony_guest::inbound_scenario!(Hello);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! inbound_scenario {
    ($scenario:ty) => {
        #[allow(unsafe_code)]
        const _: () = {
            struct __WasmphonyInboundExport;
            impl $crate::wit::inbound::Guest for __WasmphonyInboundExport {
                fn handle(
                    info: $crate::wit::types::CallInfo,
                ) -> ::core::result::Result<(), $crate::__private::String> {
                    $crate::__private::run_inbound::<$scenario>(info)
                }
            }
            $crate::wit::inbound::export_inbound!(
                __WasmphonyInboundExport with_types_in $crate::wit::inbound
            );
        };
    };
}

/// Exports a type implementing [`OutboundScenario`] as the component's `handle`
/// (world `outbound-call`, which has the same shape as `inbound-call`).
///
/// ```no_run
/// use wasmphony_guest::{Call, OutboundScenario, ScenarioResult};
///
/// struct Reminder;
///
/// impl OutboundScenario for Reminder {
///     fn handle(call: Call) -> ScenarioResult {
///         call.play("booking-reminder")?;
///         call.hangup();
///         Ok(())
///     }
/// }
///
/// wasmphony_guest::outbound_scenario!(Reminder);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! outbound_scenario {
    ($scenario:ty) => {
        #[allow(unsafe_code)]
        const _: () = {
            struct __WasmphonyOutboundExport;
            impl $crate::wit::inbound::Guest for __WasmphonyOutboundExport {
                fn handle(
                    info: $crate::wit::types::CallInfo,
                ) -> ::core::result::Result<(), $crate::__private::String> {
                    $crate::__private::run_outbound::<$scenario>(info)
                }
            }
            $crate::wit::inbound::export_inbound!(
                __WasmphonyOutboundExport with_types_in $crate::wit::inbound
            );
        };
    };
}

/// Exports a type implementing [`TimerScenario`] as the component's `on-timer`
/// (world `timer`).
///
/// ```no_run
/// use wasmphony_guest::{ScenarioResult, TimerEvent, TimerScenario, log};
///
/// struct Nightly;
///
/// impl TimerScenario for Nightly {
///     fn on_timer(event: TimerEvent) -> ScenarioResult {
///         log::info(format!("timer {} fired", event.name));
///         Ok(())
///     }
/// }
///
/// wasmphony_guest::timer_scenario!(Nightly);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! timer_scenario {
    ($scenario:ty) => {
        #[allow(unsafe_code)]
        const _: () = {
            struct __WasmphonyTimerExport;
            impl $crate::wit::timer::Guest for __WasmphonyTimerExport {
                fn on_timer(
                    event: $crate::wit::timer::TimerEvent,
                ) -> ::core::result::Result<(), $crate::__private::String> {
                    $crate::__private::run_timer::<$scenario>(event)
                }
            }
            $crate::wit::timer::export_timer!(
                __WasmphonyTimerExport with_types_in $crate::wit::timer
            );
        };
    };
}

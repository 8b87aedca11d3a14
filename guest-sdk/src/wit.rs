//! The raw wit-bindgen bindings of `wit/scenario` (package `wasmphony:scenario@0.1.0`).
//!
//! Scenario code should not need this module: the rest of the crate wraps it. It is public
//! so that the entry macros can reach the generated export glue, and as an escape hatch for
//! a host function the wrappers do not cover yet.

/// Bindings of the `inbound-call` world. Its interfaces are shared by every world; the
/// `outbound-call` world has exactly the same shape (imports and the `handle` export), so
/// outbound scenarios use these bindings too.
#[allow(unsafe_code, missing_docs, unreachable_pub, clippy::all)]
pub mod inbound {
    wit_bindgen::generate!({
        path: "../wit/scenario",
        world: "wasmphony:scenario/inbound-call@0.1.0",
        pub_export_macro: true,
        export_macro_name: "export_inbound",
        default_bindings_module: "wasmphony_guest::wit::inbound",
        generate_all,
        additional_derives: [PartialEq, Eq],
    });
}

/// Bindings of the `timer` world. The interfaces are the ones generated for `inbound-call`
/// (`with`), so a `Contact` or a `CallError` is the same Rust type in every world.
#[allow(unsafe_code, missing_docs, unreachable_pub, clippy::all)]
pub mod timer {
    wit_bindgen::generate!({
        path: "../wit/scenario",
        world: "wasmphony:scenario/timer@0.1.0",
        pub_export_macro: true,
        export_macro_name: "export_timer",
        default_bindings_module: "wasmphony_guest::wit::timer",
        additional_derives: [PartialEq, Eq],
        with: {
            "wasmphony:scenario/types@0.1.0": crate::wit::inbound::wasmphony::scenario::types,
            "wasmphony:scenario/contacts@0.1.0": crate::wit::inbound::wasmphony::scenario::contacts,
            "wasmphony:scenario/records@0.1.0": crate::wit::inbound::wasmphony::scenario::records,
            "wasmphony:scenario/outbound@0.1.0": crate::wit::inbound::wasmphony::scenario::outbound,
            "wasmphony:scenario/host@0.1.0": crate::wit::inbound::wasmphony::scenario::host,
        },
    });
}

pub use inbound::wasmphony::scenario::{call, contacts, host, outbound, records, types};

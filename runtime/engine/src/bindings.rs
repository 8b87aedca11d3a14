//! Host-side bindings generated from the WIT contract in `wit/scenario`.
//!
//! `inbound-call` and `outbound-call` have the same shape (same imports, one
//! `handle` export), so one set of bindings serves both; `timer` reuses the
//! interface types of the first so one set of host implementations serves all.

#[allow(unsafe_code, unreachable_pub, missing_docs, unused)]
pub(crate) mod call_world {
    wasmtime::component::bindgen!({
        path: "../../wit/scenario",
        world: "inbound-call",
        imports: { default: async | trappable },
        exports: { default: async },
        include_generated_code_from_file: true,
        additional_derives: [PartialEq, Eq],
    });
}

#[allow(unsafe_code, unreachable_pub, missing_docs, unused)]
pub(crate) mod timer_world {
    wasmtime::component::bindgen!({
        path: "../../wit/scenario",
        world: "timer",
        imports: { default: async | trappable },
        exports: { default: async },
        include_generated_code_from_file: true,
        additional_derives: [PartialEq, Eq],
        with: {
            "wasmphony:scenario/types": super::call_world::wasmphony::scenario::types,
            "wasmphony:scenario/contacts": super::call_world::wasmphony::scenario::contacts,
            "wasmphony:scenario/records": super::call_world::wasmphony::scenario::records,
            "wasmphony:scenario/outbound": super::call_world::wasmphony::scenario::outbound,
            "wasmphony:scenario/host": super::call_world::wasmphony::scenario::host,
        },
    });
}

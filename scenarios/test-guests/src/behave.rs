//! The behaviours, one function each.

use std::hint::black_box;

use serde::Deserialize;
use wasmphony_guest::error::Error;
use wasmphony_guest::{Call, CallError, DialTarget, ScenarioResult, log};

/// How many rounds of play and collect `slow-ok` makes.
const SLOW_ROUNDS: u32 = 3;
/// Bytes added to the heap per step of `memory`.
const MEMORY_STEP: usize = 1 << 20;

/// What the guest does (the `behave` configuration value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Behaviour {
    Loop,
    Memory,
    Recurse,
    Trap,
    LogFlood,
    Error,
    Ok,
    SlowOk,
    Transfer,
}

/// Burns CPU forever; `black_box` keeps the optimiser from proving the loop has no effect.
pub(crate) fn spin() -> ScenarioResult {
    let mut counter: u64 = 0;
    loop {
        counter = black_box(counter.wrapping_add(1));
    }
}

/// Allocates and touches memory until the allocator fails (which aborts: a trap).
pub(crate) fn exhaust_memory() -> ScenarioResult {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        let chunk = vec![1_u8; MEMORY_STEP];
        chunks.push(black_box(chunk));
    }
}

/// Recurses until the wasm call stack is exhausted. Each frame keeps its state in wasm locals
/// (no buffer in linear memory), so the engine's wasm stack limit is reached long before Rust's
/// shadow stack in linear memory runs out (that would be an out-of-bounds trap instead); the
/// non-tail use of the recursive result keeps the optimiser from turning it into a loop.
pub(crate) fn recurse_forever() -> ScenarioResult {
    let depth = recurse(black_box(0));
    Err(wasmphony_guest::error::Error::scenario(format!("recursion returned at {depth}")))
}

#[inline(never)]
#[allow(unconditional_recursion, reason = "unbounded recursion is the point")]
fn recurse(depth: u64) -> u64 {
    let deeper = recurse(depth.wrapping_add(1));
    deeper.rotate_left((depth % 63) as u32) ^ depth
}

/// Traps at once with the `unreachable` instruction (a panic elsewhere, for host builds).
pub(crate) fn trap() -> ScenarioResult {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    panic!("test guest: asked to trap");
}

/// Logs forever.
pub(crate) fn flood_log() -> ScenarioResult {
    let mut line: u64 = 0;
    loop {
        line = line.wrapping_add(1);
        log::info(format!("flood line {line}"));
    }
}

/// A well-behaved call.
pub(crate) fn well_behaved(call: &Call) -> ScenarioResult {
    call.answer()?;
    call.play("greeting")?;
    call.hangup();
    Ok(())
}

/// A longer well-behaved call: several plays and collects (timeouts are fine).
pub(crate) fn slow(call: &Call) -> ScenarioResult {
    call.answer()?;
    for round in 0..SLOW_ROUNDS {
        call.play("greeting")?;
        let key = call.collect().timeout_ms(2_000).prompt("menu-main").run_optional()?;
        call.tag(format!("round{round}:{}", key.unwrap_or_default()))?;
    }
    call.hangup();
    Ok(())
}

/// Hands the caller to `to` (a SIP URI) and leaves: the call is then not the scenario's,
/// which the tag says (`after-transfer:hangup` when a later play is refused as it should be).
pub(crate) fn transfer(call: &Call, to: Option<&str>) -> ScenarioResult {
    let to = to.ok_or_else(|| Error::scenario("transfer needs \"to\""))?;
    call.answer()?;
    call.transfer(DialTarget::SipUri(to.to_string()))?;
    let after = match call.play("greeting") {
        Err(CallError::Hangup) => "hangup",
        Err(_) => "error",
        Ok(()) => "played",
    };
    call.tag(format!("after-transfer:{after}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_names_every_behaviour() {
        let names = ["loop", "memory", "recurse", "trap", "log-flood", "error", "ok", "slow-ok", "transfer"];
        let parsed: Vec<Behaviour> = names
            .iter()
            .map(|name| wasmphony_guest::config::parse(&format!("\"{name}\"")))
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(parsed[4], Behaviour::LogFlood);
        assert_eq!(parsed[7], Behaviour::SlowOk);
        assert_eq!(parsed[8], Behaviour::Transfer);
        assert!(wasmphony_guest::config::parse::<Behaviour>("\"fly\"").is_err());
    }
}

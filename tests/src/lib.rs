//! Helpers shared by the cross-crate tests in `tests/tests/` and the benchmarks in
//! `tests/benches/`.

use std::path::Path;
use std::sync::Arc;

use wasmphony_engine::{CompiledScenario, HostConfig, SandboxLimits, ScenarioHost};
use wasmphony_sim::{Pace, RunOptions, Script, SimReport};

/// A host with `limits` and room for `pool_slots` live instances.
pub fn host_with(limits: SandboxLimits, pool_slots: u32) -> Arc<ScenarioHost> {
    ScenarioHost::new(HostConfig {
        limits,
        cache_dir: None,
        pool_slots,
    })
    .unwrap_or_else(|e| panic!("the scenario host must start: {e}"))
}

/// Compiles the misbehaving test guest (its behaviour comes from the script's config).
pub fn compile_test_guest(host: &ScenarioHost) -> Arc<CompiledScenario> {
    Arc::new(
        host.compile(wasmphony_scenarios::test_guest())
            .unwrap_or_else(|e| panic!("the test guest must compile: {e}")),
    )
}

/// A script for the test guest behaving as `behave`, with the route's fallback an
/// announcement of `sorry`, so every failure shows on the timeline.
pub fn test_guest_script(behave: &str) -> Arc<Script> {
    let yaml = format!(
        "name: test guest {behave}\n\
         scenario: test-guest\n\
         config: {{ behave: {behave} }}\n\
         fallback: {{ announcement: sorry }}\n\
         caller: {{ number: \"+359888000001\" }}\n\
         dialed: \"+35924001000\"\n"
    );
    Arc::new(
        Script::parse(&yaml, Path::new("inline.yaml"))
            .unwrap_or_else(|e| panic!("the test script must parse: {e}")),
    )
}

/// Runs one simulated call of the test guest behaving as `behave`.
pub async fn run_test_guest(
    host: &ScenarioHost,
    guest: &CompiledScenario,
    behave: &str,
    pace: Pace,
) -> SimReport {
    let script = test_guest_script(behave);
    let config = format!(r#"{{"behave":"{behave}"}}"#);
    wasmphony_sim::run_compiled(host, guest, script, config, RunOptions { pace })
        .await
        .unwrap_or_else(|e| panic!("the simulated call must run: {e}"))
}

/// Resident memory of this process in bytes (Linux: /proc/self/statm), for the benchmarks.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// Proportional set size of this process in bytes (Linux: /proc/self/smaps_rollup). Unlike
/// the resident size, a page mapped many times (a component's copy-on-write memory image in
/// every instance slot) counts once, so this is the physical memory the process holds.
pub fn proportional_bytes() -> Option<u64> {
    let rollup = std::fs::read_to_string("/proc/self/smaps_rollup").ok()?;
    let line = rollup.lines().find(|line| line.starts_with("Pss:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// One mapping of this process's address space (Linux: /proc/self/smaps).
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Bytes of it in memory.
    pub resident: u64,
    /// Its length.
    pub size: u64,
    /// Its permissions, as smaps writes them (`rw-p`).
    pub permissions: String,
    /// The file or name (`[heap]`), `[anon]` for an anonymous mapping.
    pub name: String,
}

/// Every mapping of this process, in address order (empty where /proc is not there).
pub fn mappings() -> Vec<Mapping> {
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return Vec::new();
    };
    let mut maps: Vec<Mapping> = Vec::new();
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let Some(first) = fields.next() else { continue };
        if let Some((start, end)) = first.split_once('-')
            && let (Ok(start), Ok(end)) =
                (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
        {
            let permissions = fields.next().unwrap_or_default().to_string();
            let name = fields.nth(3).unwrap_or("[anon]").to_string();
            maps.push(Mapping {
                resident: 0,
                size: end - start,
                permissions,
                name,
            });
            continue;
        }
        if first == "Rss:"
            && let (Some(kb), Some(last)) = (
                fields.next().and_then(|v| v.parse::<u64>().ok()),
                maps.last_mut(),
            )
        {
            last.resident = kb * 1024;
        }
    }
    maps
}

/// The process's largest resident mappings, as (resident bytes, mapping size, name), most
/// resident first: shows whether memory sits in the instance pool, the fiber stacks or the
/// heap.
pub fn resident_by_mapping(top: usize) -> Vec<(u64, u64, String)> {
    let mut maps: Vec<(u64, u64, String)> = mappings()
        .into_iter()
        .map(|map| (map.resident, map.size, map.name))
        .collect();
    maps.sort_by_key(|map| std::cmp::Reverse(map.0));
    maps.truncate(top);
    maps
}

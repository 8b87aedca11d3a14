//! The table of embedded components.

/// The first eight bytes of every WebAssembly component (magic `\0asm`, then the component
/// layer's version `0x0d` and layer `1`); a core module has version 1, layer 0 instead.
pub const COMPONENT_PREAMBLE: &[u8] = b"\0asm\x0d\x00\x01\x00";

/// The world a shipped scenario implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum World {
    /// `wasmphony:scenario/inbound-call`: runs an inbound call.
    InboundCall,
    /// `wasmphony:scenario/outbound-call`: runs an outbound call once its first leg answered.
    OutboundCall,
}

impl World {
    /// The world's name in the WIT package (`inbound-call`, `outbound-call`).
    pub fn wit_name(self) -> &'static str {
        match self {
            Self::InboundCall => "inbound-call",
            Self::OutboundCall => "outbound-call",
        }
    }
}

/// A scenario that ships with wasmphony.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippedScenario {
    /// Its name, as routes and simulator scripts refer to it (`ivr-menu`).
    pub name: &'static str,
    /// The world it implements.
    pub world: World,
    /// The component (`wasm32-wasip2`, release build).
    pub bytes: &'static [u8],
    /// The default configuration (JSON) the scenario uses when its route gives none; also the
    /// documented example of its configuration.
    pub default_config: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/components.rs"));

/// Every shipped scenario.
pub fn shipped() -> &'static [ShippedScenario] {
    SHIPPED
}

/// A shipped scenario by name.
pub fn by_name(name: &str) -> Option<&'static ShippedScenario> {
    SHIPPED.iter().find(|scenario| scenario.name == name)
}

/// The sandbox test guest (world `inbound-call`, not shipped): its behaviour is chosen by its
/// configuration `{"behave": "..."}`, one of `loop`, `memory`, `recurse`, `trap`,
/// `log-flood`, `error`, `ok`, `slow-ok`.
pub fn test_guest() -> &'static [u8] {
    TEST_GUEST
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Smaller than any real component: the guest SDK alone brings tens of KiB.
    const MIN_COMPONENT_BYTES: usize = 10 * 1024;

    #[test]
    fn every_component_is_a_non_trivial_component() {
        let all = shipped()
            .iter()
            .map(|s| (s.name, s.bytes))
            .chain([("test-guests", test_guest())]);
        for (name, bytes) in all {
            assert!(
                bytes.starts_with(COMPONENT_PREAMBLE),
                "{name} is not a component"
            );
            assert!(
                bytes.len() > MIN_COMPONENT_BYTES,
                "{name} is only {} bytes",
                bytes.len()
            );
        }
    }

    #[test]
    fn the_four_scenarios_are_shipped_under_unique_names() {
        let names: HashSet<_> = shipped().iter().map(|s| s.name).collect();
        assert_eq!(names.len(), shipped().len(), "duplicate names");
        for name in ["ivr-menu", "branch-router", "voice-order", "auto-callback"] {
            assert!(by_name(name).is_some(), "{name} is not shipped");
        }
        assert!(
            by_name("test-guests").is_none(),
            "the test guest must not be shipped"
        );
        assert_eq!(
            by_name("auto-callback").map(|s| s.world),
            Some(World::OutboundCall)
        );
        assert_eq!(
            by_name("ivr-menu").map(|s| s.world.wit_name()),
            Some("inbound-call")
        );
    }

    #[test]
    fn default_configurations_are_json_objects() {
        for scenario in shipped() {
            let value: serde_json::Value = serde_json::from_str(scenario.default_config)
                .unwrap_or_else(|error| panic!("{}: config.json: {error}", scenario.name));
            assert!(
                value.is_object(),
                "{}: config.json is not a JSON object",
                scenario.name
            );
        }
    }

    /// Every shipped scenario has simulator scripts, as the shipped-scenario policy asks.
    const MIN_SCRIPTS_PER_SCENARIO: usize = 4;

    #[test]
    fn every_shipped_scenario_has_its_simulator_scripts() {
        let scenarios = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
        for scenario in shipped() {
            let dir = scenarios.join(scenario.name).join("tests");
            let scripts: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
                .collect();
            assert!(
                scripts.len() >= MIN_SCRIPTS_PER_SCENARIO,
                "{} has {} scripts, wants {MIN_SCRIPTS_PER_SCENARIO}",
                scenario.name,
                scripts.len()
            );
            let names_it = format!("scenario: {}", scenario.name);
            for script in scripts {
                let text = std::fs::read_to_string(&script).unwrap_or_default();
                assert!(
                    text.lines().any(|line| line.trim() == names_it),
                    "{} does not say `{names_it}`",
                    script.display()
                );
            }
        }
    }

    #[test]
    fn components_differ() {
        let distinct: HashSet<_> = shipped().iter().map(|s| s.bytes).collect();
        assert_eq!(
            distinct.len(),
            shipped().len(),
            "two scenarios compiled to the same bytes"
        );
    }
}

//! Versions and hot swap with real components: validation on upload, atomic activation while
//! calls run, rollback, canary, and per-tenant separation.

use std::sync::Arc;
use std::time::Duration;

use wasmphony_engine::{
    ContentHash, RegistryError, SandboxLimits, ScenarioRegistry, ValidationError,
};
use wasmphony_sim::{Pace, RunOptions};
use wasmphony_tests::{host_with, test_guest_script};

const TENANT: &str = "pizza-palace";
const OTHER_TENANT: &str = "bus-lines";
const NAME: &str = "main-line";

fn registry() -> ScenarioRegistry {
    ScenarioRegistry::new(host_with(SandboxLimits::DEFAULT, 128))
}

/// The test guest with a custom section appended: the same behaviour under another content
/// hash, as a re-upload of a changed scenario would be.
fn second_version() -> Vec<u8> {
    let mut bytes = wasmphony_scenarios::test_guest().to_vec();
    let name = b"wasmphony-test-version";
    let payload = b"2";
    let body_len = 1 + name.len() + payload.len();
    bytes.push(0); // custom section id
    bytes.push(u8::try_from(body_len).expect("short section"));
    bytes.push(u8::try_from(name.len()).expect("short name"));
    bytes.extend_from_slice(name);
    bytes.extend_from_slice(payload);
    bytes
}

#[test]
fn uploads_that_are_not_scenarios_are_refused_with_a_clear_error() {
    let registry = registry();
    let junk = registry.register(TENANT, NAME, b"definitely not wasm");
    assert!(
        matches!(
            junk,
            Err(RegistryError::Invalid(ValidationError::NotAComponent(_)))
        ),
        "{junk:?}"
    );

    let module = wat::parse_str("(module)").expect("wat");
    let err = registry
        .register(TENANT, NAME, &module)
        .expect_err("a core module is refused");
    assert!(err.to_string().contains("core module"), "{err}");

    let empty = wat::parse_str("(component)").expect("wat");
    let err = registry
        .register(TENANT, NAME, &empty)
        .expect_err("an empty component is refused");
    assert!(
        matches!(
            err,
            RegistryError::Invalid(ValidationError::UnknownWorld { .. })
        ),
        "{err:?}"
    );

    let huge = vec![0_u8; wasmphony_engine::MAX_COMPONENT_BYTES + 1];
    let err = registry
        .register(TENANT, NAME, &huge)
        .expect_err("an oversize upload is refused");
    assert!(
        matches!(
            err,
            RegistryError::Invalid(ValidationError::TooLarge { .. })
        ),
        "{err:?}"
    );

    assert!(
        registry.names(TENANT).is_empty(),
        "no failed upload may leave a version behind"
    );
}

#[test]
fn every_shipped_scenario_registers() {
    let registry = registry();
    for shipped in wasmphony_scenarios::shipped() {
        let info = registry
            .register(TENANT, shipped.name, shipped.bytes)
            .unwrap_or_else(|e| panic!("{} must validate: {e}", shipped.name));
        assert_eq!(info.version, 1);
        assert!(info.active);
        assert_eq!(info.hash, ContentHash::of(shipped.bytes));
    }
}

#[test]
fn the_same_bytes_uploaded_twice_are_one_version() {
    let registry = registry();
    let first = registry
        .register(TENANT, NAME, wasmphony_scenarios::test_guest())
        .expect("v1");
    let again = registry
        .register(TENANT, NAME, wasmphony_scenarios::test_guest())
        .expect("v1 again");
    assert_eq!(first, again);
    assert_eq!(registry.versions(TENANT, NAME).expect("versions").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activation_is_atomic_and_calls_in_progress_finish_on_their_version() {
    let registry = Arc::new(registry());
    let v1 = registry
        .register(TENANT, NAME, wasmphony_scenarios::test_guest())
        .expect("v1");
    let v2 = registry
        .register(TENANT, NAME, &second_version())
        .expect("v2");
    assert_eq!(
        (v1.version, v1.active, v2.version, v2.active),
        (1, true, 2, false)
    );

    let pace = Pace::Sleep {
        real_per_virtual_second: Duration::from_millis(5),
    };
    let start_calls = |prefix: &'static str| {
        (0..10)
            .map(|i| {
                let registry = registry.clone();
                let picked = registry
                    .pick(TENANT, NAME, &format!("{prefix}-{i}"))
                    .expect("pick");
                tokio::spawn(async move {
                    let script = test_guest_script("slow-ok");
                    let config = r#"{"behave":"slow-ok"}"#.to_string();
                    wasmphony_sim::run_compiled(
                        registry.host(),
                        &picked,
                        script,
                        config,
                        RunOptions { pace },
                    )
                    .await
                    .expect("the call runs")
                })
            })
            .collect::<Vec<_>>()
    };
    let before = start_calls("before");
    tokio::time::sleep(Duration::from_millis(20)).await;
    registry.activate(TENANT, NAME, 2).expect("activate v2");
    let after = start_calls("after");

    for call in before {
        let report = call.await.expect("task");
        assert!(report.passed(), "{:?}", report.unmet);
        assert_eq!(
            report.component_hash, v1.hash,
            "a call started before the swap ends on v1"
        );
    }
    for call in after {
        let report = call.await.expect("task");
        assert!(report.passed(), "{:?}", report.unmet);
        assert_eq!(
            report.component_hash, v2.hash,
            "a call started after the swap runs v2"
        );
    }

    assert_eq!(registry.rollback(TENANT, NAME).expect("rollback"), 1);
    assert_eq!(
        registry.pick(TENANT, NAME, "later").expect("pick").hash(),
        v1.hash
    );
    assert!(matches!(
        registry.rollback(TENANT, NAME),
        Err(RegistryError::NothingToRollBack { .. })
    ));
}

#[test]
fn a_canary_takes_its_share_of_new_calls_until_activation() {
    let registry = registry();
    let v1 = registry
        .register(TENANT, NAME, wasmphony_scenarios::test_guest())
        .expect("v1");
    let v2 = registry
        .register(TENANT, NAME, &second_version())
        .expect("v2");
    registry.set_canary(TENANT, NAME, 2, 25).expect("canary");
    let on_canary = (0..4_000)
        .filter(|i| {
            registry
                .pick(TENANT, NAME, &format!("call-{i}"))
                .expect("pick")
                .hash()
                == v2.hash
        })
        .count();
    assert!(
        (800..1_200).contains(&on_canary),
        "{on_canary} of 4000 calls on a 25% canary"
    );
    let versions = registry.versions(TENANT, NAME).expect("versions");
    assert_eq!(versions[1].canary_percent, 25);

    assert!(matches!(
        registry.set_canary(TENANT, NAME, 2, 101),
        Err(RegistryError::BadPercent(101))
    ));
    assert!(matches!(
        registry.set_canary(TENANT, NAME, 9, 10),
        Err(RegistryError::UnknownVersion { version: 9, .. })
    ));

    registry.activate(TENANT, NAME, 2).expect("activate");
    let all_v2 = (0..200).all(|i| {
        registry
            .pick(TENANT, NAME, &format!("c{i}"))
            .expect("pick")
            .hash()
            == v2.hash
    });
    assert!(all_v2, "after activation every new call runs v2");
    assert_ne!(v1.hash, v2.hash);
}

#[test]
fn tenants_never_see_each_others_scenarios() {
    let registry = registry();
    registry
        .register(TENANT, NAME, wasmphony_scenarios::test_guest())
        .expect("v1");
    assert!(matches!(
        registry.pick(OTHER_TENANT, NAME, "call"),
        Err(RegistryError::UnknownScenario { .. })
    ));
    assert!(matches!(
        registry.activate(OTHER_TENANT, NAME, 1),
        Err(RegistryError::UnknownScenario { .. })
    ));
    assert!(registry.names(OTHER_TENANT).is_empty());
    assert_eq!(registry.names(TENANT), vec![NAME.to_string()]);
}

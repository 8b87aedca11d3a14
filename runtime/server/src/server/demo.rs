//! The demo tenant: what `cargo run --release` serves on a fresh database — a restaurant
//! chain with one number per shipped inbound scenario, its staff (each with a SIP phone account
//! and a random secret), its queues, and the shipped components stored as version 1.

use wasmphony_engine::{ContentHash, World};
use wasmphony_store::{
    ComponentSource, Device, Fallback, NewComponentVersion, NewTenant, QueueSettings, QueueSpec,
    QueueStrategy, Role, RouteSpec, Store, StoreError, UnixMs, UserSpec,
};

use super::BootError;

/// The demo tenant's slug.
pub(crate) const DEMO_TENANT: &str = "demo";

/// The demo tenant's numbers and the shipped scenario each one runs.
pub(crate) const DEMO_NUMBERS: [(&str, &str); 3] = [
    ("+35924001000", "ivr-menu"),
    ("+35924002000", "branch-router"),
    ("+35924003000", "voice-order"),
];

/// Staff: extension, name, department.
const DEMO_STAFF: [(&str, &str, &str); 5] = [
    ("101", "Maria (bookings)", "bookings"),
    ("102", "Georgi (delivery)", "delivery"),
    ("103", "Elena (banquets)", "banquets"),
    ("104", "Petar (reception)", "reception"),
    ("105", "Director", "management"),
];

/// Random bytes in a demo phone's SIP secret (shown as hex).
const DEMO_SECRET_BYTES: usize = 8;

/// Queues the shipped scenarios' default configurations name.
const DEMO_QUEUES: [&str; 4] = ["bookings", "delivery", "banquets", "reception"];

/// Creates the demo tenant when the database has no tenant yet; returns whether it did.
pub(super) async fn seed_if_empty(store: &Store) -> Result<bool, BootError> {
    if !store.list_tenants().await?.is_empty() {
        return Ok(false);
    }
    let tenant = store
        .create_tenant(&NewTenant {
            slug: DEMO_TENANT.into(),
            name: "Demo restaurant chain".into(),
            country_code: "359".into(),
        })
        .await?
        .id;
    for (extension, name, department) in DEMO_STAFF {
        store
            .create_user(
                tenant,
                &UserSpec {
                    extension: extension.into(),
                    name: name.into(),
                    department: Some(department.into()),
                    role: if extension == "105" {
                        Role::Admin
                    } else {
                        Role::Agent
                    },
                    skills: Vec::new(),
                    password_hash: None,
                    devices: vec![Device::Sip {
                        username: extension.into(),
                    }],
                },
            )
            .await?;
        // A random secret per phone, shown in the start-up banner: the demo never ships
        // a guessable SIP password.
        let mut random = [0_u8; DEMO_SECRET_BYTES];
        getrandom::fill(&mut random)
            .map_err(|e| BootError::Demo(format!("no randomness for SIP secrets: {e}")))?;
        let secret: String = random.iter().map(|b| format!("{b:02x}")).collect();
        store.set_sip_secret(tenant, extension, &secret).await?;
    }
    for queue in DEMO_QUEUES {
        store
            .create_queue(
                tenant,
                &QueueSpec {
                    name: queue.into(),
                    strategy: QueueStrategy::LongestIdle,
                    max_wait_ms: 180_000,
                    max_length: 50,
                    overflow: Some(Fallback::Voicemail),
                    settings: QueueSettings::default(),
                },
            )
            .await?;
    }
    let now = UnixMs::now();
    for shipped in wasmphony_scenarios::shipped() {
        let version = NewComponentVersion {
            hash: ContentHash::of(shipped.bytes).to_hex(),
            // Stored in the engine's vocabulary, as the API stores uploads, so a later
            // upload of a new version is compared with like.
            world: World::Call.as_str().into(),
            source: ComponentSource::Bytes(shipped.bytes.to_vec()),
            size_bytes: shipped.bytes.len() as u64,
        };
        let stored = store
            .add_component_version(tenant, shipped.name, &version, now)
            .await?;
        store
            .activate_component_version(tenant, shipped.name, stored.version)
            .await?;
    }
    for (number, scenario) in DEMO_NUMBERS {
        let shipped = wasmphony_scenarios::by_name(scenario)
            .ok_or_else(|| BootError::Demo(format!("{scenario} is not shipped")))?;
        let config: serde_json::Value = serde_json::from_str(shipped.default_config)
            .map_err(|e| BootError::Demo(format!("{scenario}'s default configuration: {e}")))?;
        store.add_number(tenant, number, Some(scenario)).await?;
        store
            .create_route(
                tenant,
                &RouteSpec {
                    number: number.into(),
                    scenario: scenario.into(),
                    config,
                    fallback: Some(Fallback::Queue {
                        name: "reception".into(),
                    }),
                    working_hours: None,
                },
                now,
            )
            .await
            .map_err(|e: StoreError| BootError::Demo(format!("route for {number}: {e}")))?;
    }
    Ok(true)
}

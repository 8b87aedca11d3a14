//! Component versions: numbering, content hash, activation, rollback, canary.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use wasmphony_store::*;

const WORLD: &str = "wasmphony:scenario/inbound-call@0.1.0";

fn upload(hash: &str, bytes: &[u8]) -> NewComponentVersion {
    NewComponentVersion {
        hash: hash.into(),
        world: WORLD.into(),
        source: ComponentSource::Bytes(bytes.to_vec()),
        size_bytes: bytes.len() as u64,
    }
}

backend_test!(
    versions_activation_rollback_and_canary,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let v1 = store
            .add_component_version(t, "ivr", &upload("h1", b"one"), at(0))
            .await
            .unwrap();
        let v2 = store
            .add_component_version(t, "ivr", &upload("h2", b"two"), at(1))
            .await
            .unwrap();
        let path = NewComponentVersion {
            source: ComponentSource::Path("/var/lib/c/h3.wasm".into()),
            ..upload("h3", b"")
        };
        let v3 = store
            .add_component_version(
                t,
                "ivr",
                &NewComponentVersion {
                    size_bytes: 3_000_000,
                    ..path
                },
                at(2),
            )
            .await
            .unwrap();
        assert_eq!((v1.version, v2.version, v3.version), (1, 2, 3));
        assert_eq!(v3.path.as_deref(), Some("/var/lib/c/h3.wasm"));
        assert_eq!(
            store.component_versions(t, "ivr").await.unwrap(),
            vec![v1.clone(), v2.clone(), v3.clone()]
        );
        assert_eq!(
            store.component_source(t, "ivr", 2).await.unwrap(),
            ComponentSource::Bytes(b"two".to_vec())
        );
        assert_eq!(
            store.component_source(t, "ivr", 3).await.unwrap(),
            ComponentSource::Path("/var/lib/c/h3.wasm".into())
        );
        assert_eq!(
            store.component_version_by_hash(t, "h2").await.unwrap(),
            Some(v2.clone())
        );

        // Uploading the same content again is a conflict and does not burn a version number.
        let dup = store
            .add_component_version(t, "ivr", &upload("h2", b"two"), at(3))
            .await;
        assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
        let component = store.component(t, "ivr").await.unwrap();
        assert_eq!(
            (component.latest_version, component.active_version),
            (3, None)
        );
        assert_eq!(component.version_for_roll(0), None, "nothing active yet");

        let active = store.activate_component_version(t, "ivr", 1).await.unwrap();
        assert_eq!(
            (active.active_version, active.previous_active_version),
            (Some(1), None)
        );
        let active = store.activate_component_version(t, "ivr", 2).await.unwrap();
        assert_eq!(
            (active.active_version, active.previous_active_version),
            (Some(2), Some(1))
        );
        let same = store.activate_component_version(t, "ivr", 2).await.unwrap();
        assert_eq!(
            same.previous_active_version,
            Some(1),
            "re-activating keeps the rollback target"
        );
        assert!(matches!(
            store.activate_component_version(t, "ivr", 9).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.activate_component_version(t, "nope", 1).await,
            Err(StoreError::NotFound(_))
        ));

        let canary = store.set_canary(t, "ivr", Some(3), 10).await.unwrap();
        assert_eq!(
            (canary.canary_version, canary.canary_percent),
            (Some(3), 10)
        );
        assert_eq!(canary.version_for_roll(9), Some(3));
        assert_eq!(canary.version_for_roll(10), Some(2));
        let share = (0..100)
            .filter(|roll| canary.version_for_roll(*roll) == Some(3))
            .count();
        assert_eq!(share, 10);
        assert!(matches!(
            store.set_canary(t, "ivr", Some(3), 101).await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store.set_canary(t, "ivr", Some(9), 10).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(
            store.component(t, "ivr").await.unwrap(),
            canary,
            "refused changes changed nothing"
        );

        // Promoting the canary ends it.
        let promoted = store.activate_component_version(t, "ivr", 3).await.unwrap();
        assert_eq!(
            (
                promoted.active_version,
                promoted.canary_version,
                promoted.canary_percent
            ),
            (Some(3), None, 0)
        );
        let back = store.rollback_component(t, "ivr").await.unwrap();
        assert_eq!(
            (back.active_version, back.previous_active_version),
            (Some(2), Some(3))
        );
        let cleared = store.set_canary(t, "ivr", Some(1), 0).await.unwrap();
        assert_eq!((cleared.canary_version, cleared.canary_percent), (None, 0));

        store
            .add_component_version(t, "fresh", &upload("f1", b"f"), at(5))
            .await
            .unwrap();
        assert!(matches!(
            store.rollback_component(t, "fresh").await,
            Err(StoreError::Conflict(_))
        ));
        let names: Vec<String> = store
            .list_components(t)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["fresh", "ivr"]);
    }
);

backend_test!(
    concurrent_uploads_get_distinct_versions,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        store
            .add_component_version(t, "ivr", &upload("h0", b"0"), at(0))
            .await
            .unwrap();
        let uploads: Vec<_> = (1..=6)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    store
                        .add_component_version(t, "ivr", &upload(&format!("h{i}"), b"x"), at(i))
                        .await
                        .unwrap()
                        .version
                })
            })
            .collect();
        let mut versions = Vec::new();
        for upload in uploads {
            versions.push(upload.await.unwrap());
        }
        versions.sort_unstable();
        assert_eq!(versions, [2, 3, 4, 5, 6, 7]);
    }
);

backend_test!(bad_component_input_is_refused, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    for (name, new) in [
        ("", upload("h", b"x")),
        ("ivr", upload("", b"x")),
        (
            "ivr",
            NewComponentVersion {
                world: " ".into(),
                ..upload("h", b"x")
            },
        ),
    ] {
        let result = store.add_component_version(t, name, &new, at(0)).await;
        assert!(
            matches!(result, Err(StoreError::Invalid(_))),
            "{name:?}: {result:?}"
        );
    }
    assert!(store.list_components(t).await.unwrap().is_empty());
    assert!(matches!(
        store.component_source(t, "ivr", 1).await,
        Err(StoreError::NotFound(_))
    ));
});

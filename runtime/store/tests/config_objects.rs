//! Trunks, queues and prompts: create, update, list, delete, bad input.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use wasmphony_store::*;

backend_test!(trunks_queues_and_prompts, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    let spec = TrunkSpec {
        name: "primary".into(),
        uri: "sip:sip.carrier.example".into(),
        username: Some("acme".into()),
        password: Some("secret".into()),
        caller_id: Some("+4930555000".into()),
        priority: 10,
        prefixes: vec![],
        register: false,
    };
    let primary = store.create_trunk(t, &spec).await.unwrap();
    let backup_spec = TrunkSpec {
        name: "backup".into(),
        priority: 20,
        prefixes: vec!["+359".into(), "00359".into()],
        register: true,
        ..spec.clone()
    };
    let backup = store.create_trunk(t, &backup_spec).await.unwrap();
    assert!(matches!(
        store.create_trunk(t, &spec).await,
        Err(StoreError::Conflict(_))
    ));
    let renamed = TrunkSpec {
        name: "backup".into(),
        ..spec.clone()
    };
    assert!(matches!(
        store.update_trunk(t, primary.id, &renamed).await,
        Err(StoreError::Conflict(_))
    ));
    let cheaper = store
        .update_trunk(
            t,
            primary.id,
            &TrunkSpec {
                priority: 30,
                prefixes: vec!["+49".into()],
                ..spec.clone()
            },
        )
        .await
        .unwrap();
    assert_eq!(cheaper.spec.priority, 30);
    assert_eq!(cheaper.spec.prefixes, ["+49"]);
    let backup_read = store.trunk(t, backup.id).await.unwrap();
    assert_eq!(backup_read.spec.prefixes, ["+359", "00359"]);
    assert!(backup_read.spec.register, "register flag kept");
    for bad in ["", "+", "35a", "1,2", &"9".repeat(40)] {
        let refused = store
            .update_trunk(
                t,
                primary.id,
                &TrunkSpec {
                    prefixes: vec![bad.to_string()],
                    ..spec.clone()
                },
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "prefix {bad:?}"
        );
    }
    assert_eq!(
        store.trunk(t, primary.id).await.unwrap().spec.prefixes,
        ["+49"],
        "a refused update changes nothing"
    );
    let order: Vec<_> = store
        .list_trunks(t)
        .await
        .unwrap()
        .into_iter()
        .map(|trunk| trunk.id)
        .collect();
    assert_eq!(order, [backup.id, primary.id], "by priority");
    assert!(matches!(
        store
            .create_trunk(
                t,
                &TrunkSpec {
                    uri: " ".into(),
                    ..spec.clone()
                }
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    store.delete_trunk(t, backup.id).await.unwrap();
    assert!(matches!(
        store.trunk(t, backup.id).await,
        Err(StoreError::NotFound(_))
    ));

    let queue_spec = QueueSpec {
        name: "sales".into(),
        strategy: QueueStrategy::Skills,
        max_wait_ms: 60_000,
        max_length: 10,
        overflow: Some(Fallback::Number {
            number: "+491701234567".into(),
        }),
        settings: QueueSettings::default(),
    };
    let queue = store.create_queue(t, &queue_spec).await.unwrap();
    assert_eq!(store.queue(t, queue.id).await.unwrap(), queue);
    let longer = QueueSpec {
        max_wait_ms: 120_000,
        overflow: None,
        ..queue_spec.clone()
    };
    let updated = store.update_queue(t, queue.id, &longer).await.unwrap();
    assert_eq!(updated.spec, longer);
    for bad in [
        QueueSpec {
            max_length: 0,
            ..queue_spec.clone()
        },
        QueueSpec {
            name: "".into(),
            ..queue_spec.clone()
        },
    ] {
        assert!(matches!(
            store.update_queue(t, queue.id, &bad).await,
            Err(StoreError::Invalid(_))
        ));
    }
    assert_eq!(
        store.queue(t, queue.id).await.unwrap(),
        updated,
        "refused updates changed nothing"
    );
    store.delete_queue(t, queue.id).await.unwrap();
    assert!(store.list_queues(t).await.unwrap().is_empty());

    store
        .put_prompt(t, "welcome", "audio/wav", b"first", at(0))
        .await
        .unwrap();
    let replaced = store
        .put_prompt(t, "welcome", "audio/wav", b"second take", at(1))
        .await
        .unwrap();
    assert_eq!(replaced.size_bytes, 11);
    assert_eq!(
        store.prompt_audio(t, "welcome").await.unwrap(),
        ("audio/wav".to_owned(), b"second take".to_vec())
    );
    let listed = store.list_prompts(t).await.unwrap();
    assert_eq!((listed.len(), listed[0].size_bytes), (1, 11));
    assert!(matches!(
        store.put_prompt(t, "empty", "audio/wav", b"", at(2)).await,
        Err(StoreError::Invalid(_))
    ));
    let too_big = vec![0_u8; MAX_PROMPT_BYTES + 1];
    assert!(matches!(
        store
            .put_prompt(t, "big", "audio/wav", &too_big, at(2))
            .await,
        Err(StoreError::Invalid(_))
    ));
    store.delete_prompt(t, "welcome").await.unwrap();
    assert!(matches!(
        store.prompt_audio(t, "welcome").await,
        Err(StoreError::NotFound(_))
    ));
});

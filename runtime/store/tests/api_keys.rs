//! API keys by hash (scoped by tenant, revocable), the batched CSV export the HTTP API
//! streams (same bytes as the one-shot export), and the platform-wide metrics counts.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use wasmphony_store::*;

backend_test!(
    keys_are_found_by_hash_and_revoked_per_tenant,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        let other = tenant(&store, "other", "49").await;
        let key = store
            .create_api_key(acme, "crm", Role::Supervisor, "hash-1", at(0))
            .await
            .unwrap();
        assert_eq!(
            (key.tenant_id, key.role, key.revoked),
            (acme, Role::Supervisor, None)
        );
        let found = store
            .api_key_by_hash_all_tenants("hash-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found, key);
        assert!(
            store
                .api_key_by_hash_all_tenants("hash-2")
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store
                .create_api_key(other, "dup", Role::Admin, "hash-1", at(0))
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            store
                .create_api_key(TenantId(999), "x", Role::Admin, "hash-3", at(0))
                .await,
            Err(StoreError::NotFound(_))
        ));
        // Another tenant can neither see nor revoke it.
        assert!(store.list_api_keys(other).await.unwrap().is_empty());
        assert!(matches!(
            store.revoke_api_key(other, key.id, at(1)).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(
            store
                .api_key_by_hash_all_tenants("hash-1")
                .await
                .unwrap()
                .is_some()
        );
        store.revoke_api_key(acme, key.id, at(2)).await.unwrap();
        store.revoke_api_key(acme, key.id, at(3)).await.unwrap();
        assert!(
            store
                .api_key_by_hash_all_tenants("hash-1")
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.list_api_keys(acme).await.unwrap()[0].revoked,
            Some(at(2))
        );
    }
);

backend_test!(
    batched_export_matches_the_one_shot_export,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        // More than one batch (500 rows).
        for i in 0..501_i64 {
            let call = NewCall {
                id: CallId(format!("c{i:04}")),
                direction: Direction::Inbound,
                from: format!("+4917000{i:04}"),
                to: "+4930111".into(),
                dialed: "+4930111".into(),
                source: None,
                start: at(i),
                scenario: None,
                component_hash: None,
            };
            store.open_call(acme, &call).await.unwrap();
            let end = CallEnd {
                answer: (i % 2 == 0).then(|| at(i)),
                connected: None,
                end: at(i + 1),
                disposition: if i % 2 == 0 {
                    Disposition::Answered
                } else {
                    Disposition::Busy
                },
                hangup_cause: None,
                hangup_side: None,
                queue: None,
                agent: None,
                recording: None,
                tags: vec![],
            };
            store.finish_call(acme, &call.id, &end, &[]).await.unwrap();
        }
        let filter = CallFilter::default();
        let mut whole = Vec::new();
        store
            .export_calls_csv(acme, &filter, &mut whole)
            .await
            .unwrap();
        let mut batched = Vec::new();
        let mut cursor: Option<CsvCursor> = None;
        let mut batches = 0;
        loop {
            let (bytes, next) = store
                .export_calls_csv_batch(acme, &filter, cursor.as_ref())
                .await
                .unwrap();
            batched.extend_from_slice(&bytes);
            batches += 1;
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(batches, 2);
        assert_eq!(
            String::from_utf8(batched).unwrap(),
            String::from_utf8(whole).unwrap()
        );

        let counts = store.calls_by_disposition_all_tenants().await.unwrap();
        assert_eq!(
            counts,
            vec![(Disposition::Answered, 251), (Disposition::Busy, 250)]
        );
        assert_eq!(store.live_call_count_all_tenants().await.unwrap(), 0);
        assert_eq!(
            store.component_version_count_all_tenants().await.unwrap(),
            0
        );
    }
);

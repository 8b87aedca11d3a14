//! Webhooks: CRUD scoped by tenant, validation that stores nothing on bad input, the
//! per-tenant limit, delivery health counters and the delivery task's platform-wide view.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use wasmphony_store::*;

fn spec(url: &str) -> WebhookSpec {
    WebhookSpec {
        url: url.into(),
        secret: "0123456789abcdef-secret".into(),
        events: vec!["call_ringing".into(), "call_ended".into()],
        enabled: true,
    }
}

backend_test!(
    webhooks_are_created_read_changed_and_deleted_per_tenant,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        let other = tenant(&store, "other", "49").await;
        let hook = store
            .create_webhook(acme, &spec("https://crm.example/hook"), at(0))
            .await
            .unwrap();
        assert_eq!(hook.tenant_id, acme);
        assert_eq!(hook.spec, spec("https://crm.example/hook"));
        assert_eq!(hook.created, at(0));
        assert_eq!(hook.health, WebhookHealth::default());
        assert_eq!(store.webhook(acme, hook.id).await.unwrap(), hook);
        assert_eq!(store.list_webhooks(acme).await.unwrap(), vec![hook.clone()]);

        // Another tenant sees, changes and deletes nothing of it.
        assert!(store.list_webhooks(other).await.unwrap().is_empty());
        assert!(matches!(
            store.webhook(other, hook.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store
                .update_webhook(other, hook.id, &spec("https://evil.example/"))
                .await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store.delete_webhook(other, hook.id).await,
            Err(StoreError::NotFound(_))
        ));
        let attempt = WebhookAttempt {
            at: at(1),
            status: Some(200),
            error: None,
            outcome: AttemptOutcome::Delivered,
        };
        assert!(matches!(
            store.record_webhook_attempt(other, hook.id, &attempt).await,
            Err(StoreError::NotFound(_))
        ));
        assert_eq!(store.webhook(acme, hook.id).await.unwrap(), hook);

        let mut changed = spec("http://127.0.0.1:9000/other");
        changed.events.clear();
        changed.enabled = false;
        let updated = store.update_webhook(acme, hook.id, &changed).await.unwrap();
        assert_eq!(updated.spec, changed);
        assert_eq!(updated.created, hook.created);

        store.delete_webhook(acme, hook.id).await.unwrap();
        assert!(matches!(
            store.webhook(acme, hook.id).await,
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            store
                .create_webhook(TenantId(999), &spec("https://a.example/"), at(0))
                .await,
            Err(StoreError::NotFound(_))
        ));
    }
);

backend_test!(
    bad_webhooks_are_refused_and_nothing_is_stored,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        let good = store
            .create_webhook(acme, &spec("https://crm.example/hook"), at(0))
            .await
            .unwrap();
        let mut bad = Vec::new();
        for url in [
            "ftp://crm.example/hook".to_owned(),
            "crm.example/hook".to_owned(),
            "https://user:pw@crm.example/".to_owned(),
            format!("https://crm.example/{}", "x".repeat(MAX_WEBHOOK_URL_LEN)),
        ] {
            bad.push(spec(&url));
        }
        let mut short_secret = spec("https://crm.example/");
        short_secret.secret = "short".into();
        bad.push(short_secret);
        let mut long_secret = spec("https://crm.example/");
        long_secret.secret = "s".repeat(MAX_WEBHOOK_SECRET_LEN + 1);
        bad.push(long_secret);
        let mut unknown_kind = spec("https://crm.example/");
        unknown_kind.events.push("call_exploded".into());
        bad.push(unknown_kind);
        for spec in bad {
            assert!(
                matches!(
                    store.create_webhook(acme, &spec, at(1)).await,
                    Err(StoreError::Invalid(_))
                ),
                "{spec:?}"
            );
            assert!(
                matches!(
                    store.update_webhook(acme, good.id, &spec).await,
                    Err(StoreError::Invalid(_))
                ),
                "{spec:?}"
            );
        }
        assert_eq!(store.list_webhooks(acme).await.unwrap(), vec![good]);
    }
);

backend_test!(
    a_tenant_has_a_bounded_number_of_webhooks,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        for n in 0..MAX_WEBHOOKS_PER_TENANT {
            store
                .create_webhook(acme, &spec(&format!("https://h.example/{n}")), at(0))
                .await
                .unwrap();
        }
        assert!(matches!(
            store
                .create_webhook(acme, &spec("https://h.example/one-more"), at(0))
                .await,
            Err(StoreError::Invalid(_))
        ));
        // The limit is per tenant.
        let other = tenant(&store, "other", "49").await;
        store
            .create_webhook(other, &spec("https://h.example/b"), at(0))
            .await
            .unwrap();
    }
);

backend_test!(
    delivery_attempts_add_up_in_the_health,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        let hook = store
            .create_webhook(acme, &spec("https://crm.example/hook"), at(0))
            .await
            .unwrap();
        let steps = [
            (Some(500), Some("HTTP 500"), AttemptOutcome::WillRetry),
            (Some(200), None, AttemptOutcome::Delivered),
            (None, Some("timed out"), AttemptOutcome::GaveUp),
            (
                None,
                Some("queue full"),
                AttemptOutcome::Dropped { events: 2 },
            ),
            (Some(503), Some("HTTP 503"), AttemptOutcome::GaveUp),
        ];
        for (n, (status, error, outcome)) in steps.into_iter().enumerate() {
            let attempt = WebhookAttempt {
                at: at(n as i64 + 1),
                status,
                error: error.map(str::to_owned),
                outcome,
            };
            store
                .record_webhook_attempt(acme, hook.id, &attempt)
                .await
                .unwrap();
        }
        let health = store.webhook(acme, hook.id).await.unwrap().health;
        assert_eq!(
            health,
            WebhookHealth {
                delivered: 1,
                failed: 2,
                dropped: 2,
                last_status: Some(503),
                last_error: Some("HTTP 503".into()),
                last_attempt: Some(at(5)),
            }
        );
        // A long error is kept cut, not refused.
        let attempt = WebhookAttempt {
            at: at(6),
            status: None,
            error: Some("é".repeat(MAX_WEBHOOK_ERROR_LEN)),
            outcome: AttemptOutcome::WillRetry,
        };
        store
            .record_webhook_attempt(acme, hook.id, &attempt)
            .await
            .unwrap();
        let kept = store.webhook(acme, hook.id).await.unwrap().health;
        assert!(kept.last_error.unwrap().len() <= MAX_WEBHOOK_ERROR_LEN);
        assert_eq!(kept.last_status, None);
    }
);

backend_test!(
    the_delivery_view_lists_enabled_webhooks_with_their_tenant_slug,
    |store: Store| async move {
        let acme = tenant(&store, "acme", "49").await;
        let other = tenant(&store, "other", "49").await;
        let a = store
            .create_webhook(acme, &spec("https://a.example/"), at(0))
            .await
            .unwrap();
        let mut off = spec("https://off.example/");
        off.enabled = false;
        store.create_webhook(acme, &off, at(0)).await.unwrap();
        let b = store
            .create_webhook(other, &spec("https://b.example/"), at(0))
            .await
            .unwrap();
        let view = store.enabled_webhooks_all_tenants().await.unwrap();
        assert_eq!(
            view,
            vec![
                TenantWebhook {
                    tenant_slug: "acme".into(),
                    webhook: a
                },
                TenantWebhook {
                    tenant_slug: "other".into(),
                    webhook: b
                },
            ]
        );
    }
);

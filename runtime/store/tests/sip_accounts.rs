//! SIP accounts: secrets set per device, read by the registrar, kept across user updates,
//! refused when weak, and scoped to their tenant.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::tenant;
use wasmphony_store::*;

fn agent(extension: &str, phones: &[&str]) -> UserSpec {
    UserSpec {
        extension: extension.into(),
        name: format!("agent {extension}"),
        department: None,
        role: Role::Agent,
        skills: Vec::new(),
        password_hash: None,
        devices: phones
            .iter()
            .map(|username| Device::Sip {
                username: (*username).into(),
            })
            .collect(),
    }
}

backend_test!(
    sip_secrets_reach_the_registrar_and_survive_updates,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let other = tenant(&store, "other", "49").await;
        let user = store
            .create_user(t, &agent("101", &["101", "101-soft"]))
            .await
            .unwrap();
        store
            .create_user(other, &agent("101", &["101"]))
            .await
            .unwrap();
        assert!(
            store.sip_accounts(t).await.unwrap().is_empty(),
            "no secret, no account"
        );

        store
            .set_sip_secret(t, "101", "correct horse")
            .await
            .unwrap();
        assert!(matches!(
            store.set_sip_secret(t, "101", "short").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            store
                .set_sip_secret(t, "nobody", "long enough secret")
                .await,
            Err(StoreError::NotFound(_))
        ));
        let accounts = store.sip_accounts(t).await.unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].username, "101");
        assert_eq!(accounts[0].secret, "correct horse");
        assert_eq!(accounts[0].extension, "101");
        assert_eq!(accounts[0].user, user.id);
        assert!(
            store.sip_accounts(other).await.unwrap().is_empty(),
            "tenants do not share secrets"
        );

        // Renaming the user keeps the secret of the phone that stays; a removed phone's goes.
        let mut renamed = agent("101", &["101"]);
        renamed.name = "Maria".into();
        store.update_user(t, user.id, &renamed).await.unwrap();
        let accounts = store.sip_accounts(t).await.unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].secret, "correct horse");
        let read = store.user(t, user.id).await.unwrap();
        assert_eq!(
            read.devices,
            vec![Device::Sip {
                username: "101".into()
            }]
        );
    }
);

//! Customer cards: normalised keys, notes, history, audited deletion, CSV import.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use serde_json::json;
use wasmphony_store::*;

fn agent(extension: &str) -> UserSpec {
    UserSpec {
        extension: extension.into(),
        name: format!("Agent {extension}"),
        department: Some("sales".into()),
        role: Role::Agent,
        skills: vec![],
        password_hash: None,
        devices: vec![],
    }
}

backend_test!(
    one_card_per_number_however_written,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let card = store
            .contact_for_number(t, "030 123-4567", at(0))
            .await
            .unwrap();
        assert_eq!(card.number, "+49301234567");
        for written in [
            "+49 (30) 1234567",
            "0049301234567",
            "sip:+49301234567@carrier.example;user=phone",
        ] {
            assert_eq!(
                store
                    .contact_for_number(t, written, at(1))
                    .await
                    .unwrap()
                    .id,
                card.id,
                "{written}"
            );
        }
        assert_eq!(
            store.list_contacts(t, Page::default()).await.unwrap().len(),
            1
        );
        // A Russian tenant's trunk prefix 8 and a US tenant's 10-digit numbers.
        let ru = tenant(&store, "ru", "7").await;
        assert_eq!(
            store
                .contact_for_number(ru, "8 (916) 123-45-67", at(0))
                .await
                .unwrap()
                .number,
            "+79161234567"
        );
        let us = tenant(&store, "us", "1").await;
        assert_eq!(
            store
                .contact_for_number(us, "(212) 555-0100", at(0))
                .await
                .unwrap()
                .number,
            "+12125550100"
        );
        for bad in ["anonymous", "101", "", "+"] {
            let result = store.contact_for_number(t, bad, at(0)).await;
            assert!(
                matches!(result, Err(StoreError::Invalid(_))),
                "{bad:?}: {result:?}"
            );
        }
    }
);

backend_test!(
    update_notes_manager_and_history,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let other = tenant(&store, "other", "49").await;
        let manager = store.create_user(t, &agent("201")).await.unwrap();
        let foreign = store.create_user(other, &agent("201")).await.unwrap();
        let card = store
            .contact_for_number(t, "+49301234567", at(0))
            .await
            .unwrap();

        let mut update = ContactUpdate {
            name: Some("Ada".into()),
            company: Some("Analytical".into()),
            assigned_manager: Some(manager.id),
            fields: json!({ "address": "Main St 1" })
                .as_object()
                .unwrap()
                .clone(),
        };
        let updated = store
            .update_contact(t, card.id, &update, at(10))
            .await
            .unwrap();
        assert_eq!(updated.assigned_manager, Some(manager.id));
        assert_eq!(updated.updated, at(10));
        assert_eq!(store.contact(t, card.id).await.unwrap(), updated);
        // Another tenant's user cannot be the manager.
        update.assigned_manager = Some(foreign.id);
        let result = store.update_contact(t, card.id, &update, at(11)).await;
        assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
        assert_eq!(store.contact(t, card.id).await.unwrap(), updated);
        // Deleting the manager leaves the card without one.
        store.delete_user(t, manager.id).await.unwrap();
        assert_eq!(
            store.contact(t, card.id).await.unwrap().assigned_manager,
            None
        );

        store
            .add_note(
                t,
                card.id,
                Some("ann"),
                "wants a callback after 5 pm",
                at(20),
            )
            .await
            .unwrap();
        store
            .add_note(t, card.id, None, "ordered pizza", at(30))
            .await
            .unwrap();
        let notes = store.notes(t, card.id).await.unwrap();
        assert_eq!(
            notes.iter().map(|n| n.text.as_str()).collect::<Vec<_>>(),
            ["wants a callback after 5 pm", "ordered pizza"]
        );
        assert!(matches!(
            store.add_note(t, card.id, None, " ", at(40)).await,
            Err(StoreError::Invalid(_))
        ));
        let long = "x".repeat(MAX_NOTE_LEN + 1);
        assert!(matches!(
            store.add_note(t, card.id, None, &long, at(40)).await,
            Err(StoreError::Invalid(_))
        ));

        for (i, from) in ["030 1234567", "+49 30 9999999", "+49301234567"]
            .iter()
            .enumerate()
        {
            let id = CallId::from(format!("c{i}").as_str());
            let call = NewCall {
                id: id.clone(),
                direction: Direction::Inbound,
                from: (*from).into(),
                to: "+4930555000".into(),
                dialed: "+4930555000".into(),
                source: None,
                start: at(100 + i as i64),
                scenario: None,
                component_hash: None,
            };
            store.open_call(t, &call).await.unwrap();
        }
        let history = store
            .contact_history(t, card.id, Page::default())
            .await
            .unwrap();
        assert_eq!(
            history.iter().map(|c| c.id.0.as_str()).collect::<Vec<_>>(),
            ["c2", "c0"]
        );

        // Moving the card onto a number that has its own card is a conflict.
        let result = store
            .change_contact_number(t, card.id, "+49 30 9999999", at(200))
            .await;
        assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
        let moved = store
            .change_contact_number(t, card.id, "030 7777777", at(200))
            .await
            .unwrap();
        assert_eq!(moved.number, "+49307777777");

        let big =
            serde_json::Map::from_iter([("blob".to_owned(), json!("x".repeat(MAX_FIELDS_BYTES)))]);
        let result = store
            .update_contact(
                t,
                card.id,
                &ContactUpdate {
                    fields: big,
                    ..ContactUpdate::default()
                },
                at(300),
            )
            .await;
        assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    }
);

backend_test!(delete_is_explicit_and_audited, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    let card = store
        .contact_for_number(t, "+49301234567", at(0))
        .await
        .unwrap();
    store
        .add_note(t, card.id, Some("ann"), "VIP", at(1))
        .await
        .unwrap();
    assert!(matches!(
        store.delete_contact(t, card.id, "", None, at(2)).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(
        store.contact(t, card.id).await.is_ok(),
        "no actor, no deletion"
    );

    store
        .delete_contact(t, card.id, "admin@acme", Some("GDPR request"), at(5))
        .await
        .unwrap();
    assert!(matches!(
        store.contact(t, card.id).await,
        Err(StoreError::NotFound(_))
    ));
    let audit = store.audit_log(t, Page::default()).await.unwrap();
    assert_eq!(audit.len(), 1);
    let entry = &audit[0];
    assert_eq!(
        (
            entry.actor.as_str(),
            entry.action.as_str(),
            entry.object_kind.as_str()
        ),
        ("admin@acme", "delete", "contact")
    );
    assert_eq!(entry.object_id, card.id.0.to_string());
    assert_eq!(entry.reason.as_deref(), Some("GDPR request"));
    assert_eq!(entry.at, at(5));
    assert_eq!(entry.snapshot["contact"]["number"], "+49301234567");
    assert_eq!(entry.snapshot["notes"][0]["text"], "VIP");

    let again = store
        .delete_contact(t, card.id, "admin@acme", None, at(6))
        .await;
    assert!(matches!(again, Err(StoreError::NotFound(_))));
    assert_eq!(
        store.audit_log(t, Page::default()).await.unwrap().len(),
        1,
        "a failed delete is not audited"
    );
});

backend_test!(
    csv_import_keeps_good_rows_and_reports_bad_ones,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let manager = store.create_user(t, &agent("201")).await.unwrap();
        let existing = store
            .contact_for_number(t, "+49301111111", at(0))
            .await
            .unwrap();
        store
            .update_contact(
                t,
                existing.id,
                &ContactUpdate {
                    company: Some("Old Co".into()),
                    ..ContactUpdate::default()
                },
                at(0),
            )
            .await
            .unwrap();
        let csv = "\
Number,Name,Company,Manager,Note,Loyalty
030 1111111,Ann,,201,prefers e-mail,gold
+49 30 2222222,Bob,Bob GmbH,,,
anonymous,Nobody,,,,
030 3333333,Cid,,999,,
030 4444444,Dee,,,
0302222222,Bob B.,,,,silver
,Empty,,,,
";
        let report = store
            .import_contacts_csv(t, csv.as_bytes(), at(50))
            .await
            .unwrap();
        assert_eq!(report.rows, 7);
        assert_eq!((report.created, report.updated), (1, 2), "{report:?}");
        let lines: Vec<u64> = report.errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, [4, 5, 6, 8], "{report:?}");
        assert!(
            report.errors[0].message.contains("anonymous"),
            "{:?}",
            report.errors[0]
        );
        assert!(
            report.errors[1].message.contains("999"),
            "{:?}",
            report.errors[1]
        );
        assert_eq!(
            report.created + report.updated + report.errors.len(),
            report.rows,
            "nothing lost"
        );

        let ann = store
            .find_contact(t, "+49301111111")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ann.id, existing.id);
        assert_eq!(ann.name.as_deref(), Some("Ann"));
        assert_eq!(
            ann.company.as_deref(),
            Some("Old Co"),
            "an empty cell keeps the stored value"
        );
        assert_eq!(ann.assigned_manager, Some(manager.id));
        assert_eq!(ann.fields["loyalty"], "gold");
        assert_eq!(
            store.notes(t, ann.id).await.unwrap()[0].text,
            "prefers e-mail"
        );
        let bob = store
            .find_contact(t, "+49302222222")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (bob.name.as_deref(), bob.company.as_deref()),
            (Some("Bob B."), Some("Bob GmbH"))
        );
        assert_eq!(bob.fields["loyalty"], "silver");
        assert_eq!(
            store.list_contacts(t, Page::default()).await.unwrap().len(),
            2
        );

        let no_number = store
            .import_contacts_csv(t, "name,company\nAnn,X\n".as_bytes(), at(60))
            .await;
        assert!(
            matches!(no_number, Err(StoreError::Invalid(_))),
            "{no_number:?}"
        );
    }
);

backend_test!(
    concurrent_first_calls_make_one_card,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        let racers: Vec<_> = [
            "030 1234567",
            "+49301234567",
            "0049 30 1234567",
            "+49 (30) 123-4567",
        ]
        .into_iter()
        .map(|written| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .contact_for_number(t, written, at(0))
                    .await
                    .unwrap()
                    .id
            })
        })
        .collect();
        let mut ids = Vec::new();
        for racer in racers {
            ids.push(racer.await.unwrap());
        }
        ids.dedup();
        assert_eq!(ids.len(), 1, "every racer got the same card");
        assert_eq!(
            store.list_contacts(t, Page::default()).await.unwrap().len(),
            1
        );
    }
);

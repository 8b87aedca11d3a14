//! Tenant records: create, read, status changes, queries by status and due time.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{at, tenant};
use serde_json::json;
use wasmphony_store::*;

fn order(status: &str, due: Option<UnixMs>) -> NewRecord {
    NewRecord {
        kind: "order".into(),
        status: status.into(),
        due,
        contact_number: Some("030 1234567".into()),
        fields: json!({ "items": ["margherita"] })
            .as_object()
            .unwrap()
            .clone(),
    }
}

backend_test!(records_by_status_and_due_time, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    let late = store
        .create_record(t, &order("new", Some(at(300))), at(0))
        .await
        .unwrap();
    let undated = store
        .create_record(t, &order("new", None), at(0))
        .await
        .unwrap();
    let soon = store
        .create_record(t, &order("new", Some(at(100))), at(0))
        .await
        .unwrap();
    let done = store
        .create_record(t, &order("delivered", Some(at(50))), at(0))
        .await
        .unwrap();
    let trip = store
        .create_record(
            t,
            &NewRecord {
                kind: "trip".into(),
                ..order("new", Some(at(10)))
            },
            at(0),
        )
        .await
        .unwrap();
    assert_eq!(soon.contact_number.as_deref(), Some("+49301234567"));
    assert_eq!(store.record(t, soon.id).await.unwrap(), soon);

    let ids = |records: Vec<Record>| records.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let new_orders = store
        .records_by_status(t, "order", "new", 10)
        .await
        .unwrap();
    assert_eq!(
        ids(new_orders),
        [soon.id, late.id, undated.id],
        "soonest due first, undated last"
    );
    assert_eq!(
        ids(store.records_by_status(t, "order", "new", 1).await.unwrap()),
        [soon.id]
    );
    let due = store.records_due_before(t, at(300), 10).await.unwrap();
    assert_eq!(
        ids(due),
        [trip.id, done.id, soon.id],
        "strictly before, any kind and status"
    );
    let everywhere = store
        .records_due_before_all_tenants(at(101), 10)
        .await
        .unwrap();
    assert_eq!(ids(everywhere), [trip.id, done.id, soon.id]);
    assert_eq!(
        store
            .records_for_number(t, "+49 30 1234567", 10)
            .await
            .unwrap()
            .len(),
        5
    );

    let confirmed = store
        .set_record_status(t, soon.id, "confirmed", None, at(5))
        .await
        .unwrap();
    assert_eq!(
        (confirmed.status.as_str(), confirmed.due, confirmed.updated),
        ("confirmed", None, at(5))
    );
    assert_eq!(
        ids(store
            .records_by_status(t, "order", "new", 10)
            .await
            .unwrap()),
        [late.id, undated.id]
    );
    let fields = json!({ "items": ["diavola"], "paid": true })
        .as_object()
        .unwrap()
        .clone();
    let edited = store
        .set_record_fields(t, soon.id, &fields, at(6))
        .await
        .unwrap();
    assert_eq!(edited.fields, fields);
    assert_eq!(edited.status, "confirmed");
});

backend_test!(bad_record_input_is_refused, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    for bad in [
        NewRecord {
            kind: "".into(),
            ..order("new", None)
        },
        order(" ", None),
    ] {
        assert!(matches!(
            store.create_record(t, &bad, at(0)).await,
            Err(StoreError::Invalid(_))
        ));
    }
    let huge = json!({ "blob": "x".repeat(MAX_FIELDS_BYTES) })
        .as_object()
        .unwrap()
        .clone();
    let result = store
        .create_record(
            t,
            &NewRecord {
                fields: huge,
                ..order("new", None)
            },
            at(0),
        )
        .await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    assert!(
        store
            .records_due_before(t, at(1_000_000), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let record = store
        .create_record(t, &order("new", None), at(0))
        .await
        .unwrap();
    assert!(matches!(
        store.set_record_status(t, record.id, "", None, at(1)).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.record(t, RecordId(record.id.0 + 100)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .create_record(TenantId(999), &order("new", None), at(0))
            .await,
        Err(StoreError::NotFound(_))
    ));
});

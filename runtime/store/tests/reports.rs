//! Reports against generated CDRs with known answers.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{T0, tenant};
use wasmphony_store::*;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// The tenant's clock: UTC+1.
const OFFSET_MINUTES: i32 = 60;

/// One finished call: answered after `answer_s` seconds and talked `talk_s`, or (no
/// answer) ended 45 s after the start.
struct Cdr {
    id: &'static str,
    direction: Direction,
    customer: &'static str,
    start: UnixMs,
    answer_s: Option<i64>,
    talk_s: i64,
    disposition: Disposition,
    agent: Option<UserId>,
    source: Option<&'static str>,
    tags: &'static [&'static str],
}

async fn write(store: &Store, t: TenantId, cdr: Cdr) {
    let (from, to) = match cdr.direction {
        Direction::Inbound => (cdr.customer, "+4930555000"),
        Direction::Outbound => ("+4930555000", cdr.customer),
    };
    let call = NewCall {
        id: CallId::from(cdr.id),
        direction: cdr.direction,
        from: from.into(),
        to: to.into(),
        dialed: "+4930555000".into(),
        source: cdr.source.map(str::to_owned),
        start: cdr.start,
        scenario: None,
        component_hash: None,
    };
    store.open_call(t, &call).await.unwrap();
    let answer = cdr
        .answer_s
        .map(|seconds| cdr.start.plus_ms(seconds * 1000));
    let end = answer.map_or(cdr.start.plus_ms(45_000), |answer| {
        answer.plus_ms(cdr.talk_s * 1000)
    });
    let end = CallEnd {
        answer,
        connected: None,
        end,
        disposition: cdr.disposition,
        hangup_cause: None,
        hangup_side: None,
        queue: None,
        agent: cdr.agent,
        recording: None,
        tags: cdr.tags.iter().map(|tag| (*tag).to_owned()).collect(),
    };
    store.finish_call(t, &call.id, &end, &[]).await.unwrap();
}

/// Local (UTC+1) time on a day of the week starting Monday 2026-11-23.
fn local(day: i64, hour: i64, minute: i64) -> UnixMs {
    T0.plus_ms(day * DAY + hour * HOUR + minute * MINUTE - i64::from(OFFSET_MINUTES) * MINUTE)
}

backend_test!(reports_match_known_answers, |store: Store| async move {
    let t = tenant(&store, "acme", "49").await;
    let (a, b) = (UserId(1), UserId(2));
    let (p, x, q) = ("+49301111111", "+49302222222", "+49303333333");
    use Direction::{Inbound, Outbound};
    use Disposition::{Abandoned, Answered, NoAnswer};
    let cdrs = [
        Cdr {
            id: "c1",
            direction: Inbound,
            customer: p,
            start: local(0, 10, 0),
            answer_s: Some(10),
            talk_s: 60,
            disposition: Answered,
            agent: Some(a),
            source: Some("google"),
            tags: &["order"],
        },
        Cdr {
            id: "c2",
            direction: Inbound,
            customer: x,
            start: local(0, 10, 5),
            answer_s: Some(30),
            talk_s: 120,
            disposition: Answered,
            agent: Some(b),
            source: Some("google"),
            tags: &[],
        },
        Cdr {
            id: "c3",
            direction: Inbound,
            customer: q,
            start: local(0, 10, 30),
            answer_s: None,
            talk_s: 0,
            disposition: Abandoned,
            agent: None,
            source: Some("radio"),
            tags: &["order"],
        },
        Cdr {
            id: "c4",
            direction: Inbound,
            customer: q,
            start: local(1, 14, 0),
            answer_s: None,
            talk_s: 0,
            disposition: NoAnswer,
            agent: None,
            source: None,
            tags: &[],
        },
        Cdr {
            id: "c5",
            direction: Inbound,
            customer: p,
            start: local(1, 14, 10),
            answer_s: Some(5),
            talk_s: 300,
            disposition: Answered,
            agent: Some(a),
            source: Some("radio"),
            tags: &["order", "vip"],
        },
        Cdr {
            id: "c6",
            direction: Outbound,
            customer: q,
            start: local(2, 9, 0),
            answer_s: Some(3),
            talk_s: 30,
            disposition: Answered,
            agent: Some(a),
            source: None,
            tags: &[],
        },
        // Before the period: makes x an existing customer for target calls.
        Cdr {
            id: "c7",
            direction: Inbound,
            customer: x,
            start: T0.plus_ms(-2 * HOUR),
            answer_s: Some(1),
            talk_s: 200,
            disposition: Answered,
            agent: Some(b),
            source: None,
            tags: &[],
        },
    ];
    for cdr in cdrs {
        write(&store, t, cdr).await;
    }
    // A live call in the period counts nowhere.
    let live = NewCall {
        id: CallId::from("live"),
        direction: Inbound,
        from: p.into(),
        to: "+4930555000".into(),
        dialed: "+4930555000".into(),
        source: Some("google".into()),
        start: local(0, 10, 1),
        scenario: None,
        component_hash: None,
    };
    store.open_call(t, &live).await.unwrap();
    let week = Period {
        since: T0,
        until: T0.plus_ms(7 * DAY),
    };

    let summary = store
        .service_summary(t, week, DEFAULT_SERVICE_LEVEL_MS)
        .await
        .unwrap();
    assert_eq!(
        summary,
        ServiceSummary {
            offered: 5,
            answered: 3,
            answered_within_threshold: 2,
            abandoned: 1,
            missed: 2,
            total_wait_ms: 45_000,
            total_talk_ms: 480_000,
        }
    );
    assert_eq!(summary.service_level_percent(), Some(40.0));
    assert_eq!(summary.abandonment_percent(), Some(20.0));
    assert_eq!(
        (summary.average_wait_ms(), summary.average_talk_ms()),
        (Some(15_000), Some(160_000))
    );
    let strict = store.service_summary(t, week, 5_000).await.unwrap();
    assert_eq!(strict.answered_within_threshold, 1);
    let empty = Period {
        since: T0.plus_ms(30 * DAY),
        until: T0.plus_ms(31 * DAY),
    };
    let nothing = store
        .service_summary(t, empty, DEFAULT_SERVICE_LEVEL_MS)
        .await
        .unwrap();
    assert_eq!(
        (nothing, nothing.service_level_percent()),
        (ServiceSummary::default(), None)
    );

    let slots = store
        .calls_by_weekday_hour(t, week, OFFSET_MINUTES)
        .await
        .unwrap();
    let slot = |weekday, hour, calls, answered, talk_s: i64| GroupCount {
        key: WeekdayHour { weekday, hour },
        calls,
        answered,
        talk_ms: talk_s * 1000,
    };
    assert_eq!(
        slots,
        [
            slot(1, 10, 3, 2, 180),
            slot(2, 14, 2, 1, 300),
            slot(3, 9, 1, 1, 30)
        ]
    );

    let agents = store.calls_by_agent(t, week).await.unwrap();
    let agent = |key, calls, answered, talk_s: i64| GroupCount {
        key,
        calls,
        answered,
        talk_ms: talk_s * 1000,
    };
    assert_eq!(agents, [agent(a, 3, 3, 390), agent(b, 1, 1, 120)]);

    let sources = store.calls_by_source(t, week).await.unwrap();
    let source = |key: Option<&str>, answered, talk_s: i64| GroupCount {
        key: key.map(str::to_owned),
        calls: 2,
        answered,
        talk_ms: talk_s * 1000,
    };
    assert_eq!(
        sources,
        [
            source(Some("google"), 2, 180),
            source(Some("radio"), 1, 300),
            source(None, 1, 30)
        ]
    );

    let tags = store.calls_by_tag(t, week).await.unwrap();
    let tag = |key: &str, calls, answered, talk_s: i64| GroupCount {
        key: key.to_owned(),
        calls,
        answered,
        talk_ms: talk_s * 1000,
    };
    assert_eq!(tags, [tag("order", 3, 2, 360), tag("vip", 1, 1, 300)]);

    // c1 is p's first long call; c2 is not x's first (c7 was); c5 is p's second.
    assert_eq!(store.target_calls(t, week, 60_000).await.unwrap(), 1);
    // With a 20 s bar the outbound c6 is q's first qualifying call too.
    assert_eq!(store.target_calls(t, week, 20_000).await.unwrap(), 2);

    // Another tenant's reports are empty.
    let other = tenant(&store, "other", "49").await;
    assert_eq!(
        store
            .service_summary(other, week, DEFAULT_SERVICE_LEVEL_MS)
            .await
            .unwrap(),
        ServiceSummary::default()
    );
    assert!(
        store
            .calls_by_weekday_hour(other, week, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.calls_by_tag(other, week).await.unwrap().is_empty());
    assert_eq!(store.target_calls(other, week, 0).await.unwrap(), 0);
});

backend_test!(
    service_level_counts_the_wait_for_a_person,
    |store: Store| async move {
        let t = tenant(&store, "acme", "49").await;
        // The host answers every call at once (a menu, then hold music); what the caller
        // waits for is the agent: 45 s for the first, 10 s for the second; the third was
        // served by the menu alone.
        for (id, connected_s) in [("held", Some(45)), ("quick", Some(10)), ("menu", None)] {
            let call = NewCall {
                id: CallId::from(id),
                direction: Direction::Inbound,
                from: "030 1234567".into(),
                to: "+4930555000".into(),
                dialed: "+4930555000".into(),
                source: None,
                start: T0,
                scenario: None,
                component_hash: None,
            };
            store.open_call(t, &call).await.unwrap();
            let connected = connected_s.map(|s| T0.plus_ms(s * 1000));
            let end = CallEnd {
                answer: Some(T0.plus_ms(1_000)),
                connected,
                end: T0.plus_ms(100_000),
                disposition: Disposition::Answered,
                hangup_cause: None,
                hangup_side: None,
                queue: None,
                agent: None,
                recording: None,
                tags: vec![],
            };
            let stored = store.finish_call(t, &call.id, &end, &[]).await.unwrap();
            assert_eq!(stored.connected, connected);
            // Talk is with the person; a menu-only call talked from its answer.
            let talk_from = connected_s.unwrap_or(1);
            assert_eq!(stored.talk_ms, 100_000 - talk_from * 1000, "{id}");
        }
        let day = Period {
            since: T0,
            until: T0.plus_ms(DAY),
        };
        let summary = store
            .service_summary(t, day, DEFAULT_SERVICE_LEVEL_MS)
            .await
            .unwrap();
        assert_eq!(
            (
                summary.offered,
                summary.answered,
                summary.answered_within_threshold
            ),
            (3, 3, 2),
            "the 45 s wait for an agent is outside 20 s though the host answered in 1 s"
        );
        assert_eq!(summary.total_wait_ms, 45_000 + 10_000 + 1_000);
        assert_eq!(summary.total_talk_ms, 55_000 + 90_000 + 99_000);
    }
);

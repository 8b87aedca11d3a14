//! A queue's overflow carried out by the host, on loopback with sipp: a caller who waited
//! the queue's maximum is rung through to the backup number, and when that is busy goes
//! back to the scenario (voicemail) with a callback task filed — never lost; a queue that
//! overflows into another queue hands the caller over, and that queue's agent answers.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;

use std::time::Duration;

use queue_support::{AGENT, QUEUE, register_agent, start_queues, uas_args};
use support::{NUMBER, free_udp_port, run_sipp, sipp_available, uac_args};
use wasmphony_acd::{OverflowAction, QueueConfig};
use wasmphony_controller::{
    Disposition, QUEUE_ABANDONED_REASON, QUEUE_OVERFLOW_REASON, QueueDefinition,
};

/// The caller's number in `uac_queue_overflow.xml`.
const CUSTOMER: &str = "0888123456";
/// The bookings queue's backup number.
const BACKUP: &str = "0888999000";

fn bookings(overflow: OverflowAction, members: Vec<String>) -> QueueDefinition {
    QueueDefinition {
        name: QUEUE.into(),
        config: QueueConfig {
            max_wait: Some(Duration::from_secs(2)),
            ring_timeout: Duration::from_secs(3),
            overflow,
            ..QueueConfig::default()
        },
        members,
    }
}

/// The caller presses 1 at the menu (to bookings) and hangs up `stay_ms` later.
async fn caller_stays(harness: &queue_support::QueueHarness, stay_ms: u32) {
    let mut args = uac_args("uac_queue_overflow.xml", harness.sip, &[]);
    args.extend(["-d".into(), stay_ms.to_string()]);
    run_sipp(args).await.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_busy_backup_number_hands_the_caller_to_voicemail_with_a_callback_task() {
    if !sipp_available() {
        return;
    }
    let gateway_port = free_udp_port();
    let gateway = format!("127.0.0.1:{gateway_port}").parse().unwrap();
    // Nobody is logged in: the caller waits 2 s, then the backup is rung (busy).
    let queue = bookings(OverflowAction::Number(BACKUP.into()), vec![AGENT.into()]);
    let mut harness = start_queues(gateway, vec![queue], "overflow-busy-backup").await;
    let backup = tokio::spawn(run_sipp(uas_args("uas_busy.xml", gateway_port)));

    caller_stays(&harness, 9_000).await;
    backup.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    assert!(
        record.tags.contains(&"queue-overflow".to_string())
            && record.tags.contains(&"callback".to_string()),
        "the overflow and the filed task show on the record: {:?}",
        record.tags
    );
    assert!(
        !record
            .vars
            .iter()
            .any(|(name, _)| name == "overflow_answered_by"),
        "nobody answered the backup: {:?}",
        record.vars
    );
    assert_eq!(
        record.recordings.len(),
        1,
        "the scenario took the caller to voicemail: {record:?}"
    );
    let filed = harness.services.inner.callbacks();
    assert_eq!(filed.len(), 1, "one callback task: {filed:?}");
    assert_eq!(filed[0].number, CUSTOMER);
    assert_eq!(filed[0].reason, QUEUE_OVERFLOW_REASON);
    assert_eq!(filed[0].queue.as_deref(), Some(QUEUE));
    // Handed back to the scenario, which took a message: a voicemail (nobody took the
    // call), through the queue, no agent.
    assert_eq!(record.disposition, Disposition::Voicemail);
    assert_eq!(record.queue.as_deref(), Some(QUEUE));
    assert_eq!(record.agent, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_caller_who_hangs_up_waiting_abandoned_the_queue() {
    if !sipp_available() {
        return;
    }
    let gateway = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    // Nobody is logged in and the queue's wait is long: the caller gives up first.
    let mut queue = bookings(OverflowAction::Voicemail, vec![AGENT.into()]);
    queue.config.max_wait = Some(Duration::from_secs(60));
    let mut harness = start_queues(gateway, vec![queue], "abandoned-queue").await;

    // Menu 3 s, then 6 s in bookings.
    caller_stays(&harness, 6_000).await;
    let record = harness.next_record().await;
    assert!(
        record.answered_at.is_some(),
        "the host answered for the music"
    );
    assert_eq!(
        record.disposition,
        Disposition::QueueAbandoned,
        "{record:?}"
    );
    assert_eq!(record.queue.as_deref(), Some(QUEUE));
    assert_eq!(record.agent, None);
    let filed = harness.services.inner.callbacks();
    assert_eq!(filed.len(), 1, "one callback task: {filed:?}");
    assert_eq!(filed[0].reason, QUEUE_ABANDONED_REASON);
    assert_eq!(
        *harness.services.filed_under.lock(),
        [Some(NUMBER.to_string())],
        "filed under the number the caller dialled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_queue_overflowing_into_another_hands_the_caller_to_its_agent() {
    if !sipp_available() {
        return;
    }
    let gateway = format!("127.0.0.1:{}", free_udp_port()).parse().unwrap();
    // Bookings has no agents; reception has the registered one.
    let first = bookings(OverflowAction::Queue("reception".into()), Vec::new());
    let reception = QueueDefinition {
        name: "reception".into(),
        config: QueueConfig {
            ring_timeout: Duration::from_secs(10),
            ..QueueConfig::default()
        },
        members: vec![AGENT.into()],
    };
    let mut harness = start_queues(gateway, vec![first, reception], "overflow-to-queue").await;
    let agent_port = free_udp_port();
    register_agent(harness.sip, agent_port).await;
    let agent = tokio::spawn(run_sipp(uas_args("uas_agent_answers.xml", agent_port)));

    // Menu 3 s, bookings 2 s, then reception's agent; the caller hangs up after 9 s.
    caller_stays(&harness, 9_000).await;
    agent.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    assert!(
        record.tags.contains(&"queue-overflow".to_string())
            && record.tags.contains(&"queue:reception".to_string()),
        "{:?}",
        record.tags
    );
    assert!(
        record
            .vars
            .contains(&("queue_answered_by".to_string(), AGENT.to_string())),
        "reception's agent answered: {:?}",
        record.vars
    );
    assert!(
        harness.services.inner.callbacks().is_empty(),
        "an answered caller gets no callback task"
    );
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.queue.as_deref(), Some("reception"), "the last queue");
    assert_eq!(record.agent.as_deref(), Some(AGENT));
}

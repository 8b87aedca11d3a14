//! Queue callbacks on real calls (sipp on loopback): a caller waiting in a queue presses
//! the callback key, is filed on the tenant's callback list and leaves; when the queue's
//! agent registers, the queue rings the agent, and once the agent answers dials the
//! customer through the number gateway and connects them — exactly once.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;

use std::time::Duration;

use queue_support::{
    QUEUE, assert_no_second_call, register_agent, start, uas_args, wait_for_attempts,
};
use support::{NUMBER, dtmf_pcap, free_udp_port, run_sipp, sipp_available, uac_args};
use wasmphony_acd::QueueConfig;
use wasmphony_engine::CallbackAttempt;

/// The caller's number in `uac_queue_callback.xml`.
const CUSTOMER: &str = "0888123456";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_caller_who_presses_1_is_called_back_through_an_agent() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_queue(customer_port, "queue-callback").await;
    caller_asks_for_a_callback(&mut harness).await;

    // The customer's phone behind the gateway, then the agent's phone.
    let customer = tokio::spawn(run_sipp(uas_args(
        "uas_customer_answers.xml",
        customer_port,
    )));
    let agent_port = free_udp_port();
    register_agent(harness.sip, agent_port).await;
    let agent = tokio::spawn(run_sipp(uas_args("uas_agent_answers.xml", agent_port)));
    customer.await.unwrap().assert_clean();
    agent.await.unwrap().assert_clean();

    let attempts = wait_for_attempts(&harness, 1).await;
    assert!(
        matches!(&attempts[..], [(_, CallbackAttempt::Reached)]),
        "the task's attempt is recorded as reached: {attempts:?}"
    );
    assert_no_second_call(customer_port).await;
    assert_eq!(
        harness.services.attempts.lock().len(),
        1,
        "one attempt for one task"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_busy_customer_is_not_dialled_again_and_the_attempt_is_recorded() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let mut harness = start_queue(customer_port, "queue-callback-busy").await;
    caller_asks_for_a_callback(&mut harness).await;

    let customer = tokio::spawn(run_sipp(uas_args("uas_busy.xml", customer_port)));
    let agent_port = free_udp_port();
    register_agent(harness.sip, agent_port).await;
    // The agent answers, the customer is busy: the host ends the agent's leg.
    let agent = tokio::spawn(run_sipp(uas_args("uas_agent_answers.xml", agent_port)));
    customer.await.unwrap().assert_clean();
    agent.await.unwrap().assert_clean();

    let attempts = wait_for_attempts(&harness, 1).await;
    assert!(
        matches!(&attempts[..], [(_, CallbackAttempt::NotReached)]),
        "the attempt is recorded as not reached: {attempts:?}"
    );
    assert_no_second_call(customer_port).await;
    assert_eq!(harness.services.attempts.lock().len(), 1);
}

/// A controller whose `bookings` queue offers callbacks and dials numbers at
/// 127.0.0.1:`customer_port`.
async fn start_queue(customer_port: u16, test_name: &str) -> queue_support::QueueHarness {
    let gateway = format!("127.0.0.1:{customer_port}").parse().unwrap();
    let config = QueueConfig {
        offer_callback: true,
        ring_timeout: Duration::from_secs(10),
        ..QueueConfig::default()
    };
    start(gateway, config, test_name).await
}

/// No agent is logged in: the caller waits, presses 1, hears the confirmation, and the
/// host hangs up; the task is on the tenant's callback list.
async fn caller_asks_for_a_callback(harness: &mut queue_support::QueueHarness) {
    let pcap = dtmf_pcap('1').expect("sipp's dtmf_2833_1.pcap");
    let caller = run_sipp(uac_args(
        "uac_queue_callback.xml",
        harness.sip,
        &[("dtmf_pcap", pcap)],
    ))
    .await;
    caller.assert_clean();
    let record = harness.next_record().await;
    assert!(
        record.tags.contains(&format!("queue:{QUEUE}"))
            && record.tags.contains(&"queue-callback".into())
            && record.tags.contains(&"callback".into()),
        "the caller asked the queue for a callback: {:?}",
        record.tags
    );
    let filed = harness.services.inner.callbacks();
    assert_eq!(filed.len(), 1, "one callback task: {filed:?}");
    assert_eq!(filed[0].number, CUSTOMER);
    assert_eq!(filed[0].queue.as_deref(), Some(QUEUE));
    assert_eq!(
        filed[0].at_unix, None,
        "called back as soon as an agent is free"
    );
    assert_eq!(
        *harness.services.filed_under.lock(),
        [Some(NUMBER.to_string())],
        "filed under the number the caller dialled"
    );
}

//! Stored callback tasks handed to a queue from outside a call (the server's dialer uses
//! `Controller::offer_callback`), on loopback with sipp: refused while no agent is free;
//! once the agent registers, the queue takes exactly one task per free agent, rings the
//! agent, and when the agent answers dials the customer through the number gateway and
//! connects them — the customer is dialled exactly once and one attempt is recorded.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod queue_support;
mod support;

use std::time::Duration;

use queue_support::{
    QUEUE, assert_no_second_call, register_agent, start, uas_args, wait_for_attempts,
};
use support::{TENANT, free_udp_port, run_sipp, sipp_available};
use wasmphony_acd::QueueConfig;
use wasmphony_controller::{CallbackJob, CallbackOfferError};
use wasmphony_engine::CallbackAttempt;

/// The customer on the stored list.
const CUSTOMER: &str = "0888123456";
/// The tenant number the customer is called from.
const OFFICE: &str = "+35924001000";

fn job(task_id: &str) -> CallbackJob {
    CallbackJob {
        task_id: task_id.into(),
        number: CUSTOMER.into(),
        dialed: OFFICE.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stored_task_is_called_back_once_through_a_free_agent() {
    if !sipp_available() {
        return;
    }
    let customer_port = free_udp_port();
    let gateway = format!("127.0.0.1:{customer_port}").parse().unwrap();
    let config = QueueConfig {
        ring_timeout: Duration::from_secs(10),
        ..QueueConfig::default()
    };
    let harness = start(gateway, config, "dialer-offer").await;
    let controller = &harness.controller;

    // Nobody to take it yet; an unknown queue never can.
    assert_eq!(
        controller.offer_callback(TENANT, QUEUE, job("7")).await,
        Err(CallbackOfferError::NoFreeAgent)
    );
    assert_eq!(
        controller.offer_callback(TENANT, "nope", job("7")).await,
        Err(CallbackOfferError::NoSuchQueue)
    );

    let customer = tokio::spawn(run_sipp(uas_args(
        "uas_customer_answers.xml",
        customer_port,
    )));
    let agent_port = free_udp_port();
    register_agent(harness.sip, agent_port).await;
    let agent = tokio::spawn(run_sipp(uas_args("uas_agent_answers.xml", agent_port)));

    // One free agent: the first task is taken, a second waits (no agent for it).
    assert_eq!(
        controller.offer_callback(TENANT, QUEUE, job("7")).await,
        Ok(())
    );
    // The same task again: still held, or already the agent's (busy) — never taken twice.
    let again = controller.offer_callback(TENANT, QUEUE, job("7")).await;
    assert!(
        matches!(
            again,
            Err(CallbackOfferError::AlreadyHeld | CallbackOfferError::NoFreeAgent)
        ),
        "{again:?}"
    );
    assert_eq!(
        controller.offer_callback(TENANT, QUEUE, job("8")).await,
        Err(CallbackOfferError::NoFreeAgent)
    );

    customer.await.unwrap().assert_clean();
    agent.await.unwrap().assert_clean();
    let attempts = wait_for_attempts(&harness, 1).await;
    assert_eq!(
        attempts,
        vec![("7".to_string(), CallbackAttempt::Reached)],
        "one attempt, reached"
    );
    assert_no_second_call(customer_port).await;
    assert_eq!(harness.services.attempts.lock().len(), 1);
}

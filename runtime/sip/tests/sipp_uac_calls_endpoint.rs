//! sipp's built-in caller (`-sn uac`: INVITE with SDP, 200, ACK, BYE) against our endpoint.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use support::*;
use wasmphony_sip::endpoint::TransportKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_completes_one_call_against_the_endpoint() {
    if !sipp_available() {
        return;
    }
    let (_ep, addr, log, task) = start_uas().await;
    let args: Vec<String> = vec![
        "-sn".into(),
        "uac".into(),
        addr.to_string(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        free_udp_port().to_string(),
        "-m".into(),
        "1".into(),
        "-s".into(),
        "sipp".into(),
    ];
    let run = run_sipp(&args).await;
    task.abort();
    assert_eq!(
        run.code,
        Some(0),
        "sipp failed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("Successful call") || run.code == Some(0));
    let log = log.lock().unwrap().clone();
    assert_eq!(log, ["INVITE sipp", "ACK", "BYE sipp"], "what the UAS saw");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_uac_over_tcp_completes_one_call_against_the_endpoint() {
    if !sipp_available() {
        return;
    }
    let (_ep, addr, log, task) = start_uas_on(TransportKind::Tcp).await;
    #[rustfmt::skip]
    let args: Vec<String> = vec![
        "-sn".into(), "uac".into(), addr.to_string(), "-t".into(), "t1".into(),
        "-i".into(), "127.0.0.1".into(), "-p".into(), free_udp_port().to_string(),
        "-m".into(), "1".into(), "-s".into(), "sipp".into(),
    ];
    let run = run_sipp(&args).await;
    task.abort();
    assert_eq!(
        run.code,
        Some(0),
        "sipp failed:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    let log = log.lock().unwrap().clone();
    assert_eq!(log, ["INVITE sipp", "ACK", "BYE sipp"], "what the UAS saw");
}

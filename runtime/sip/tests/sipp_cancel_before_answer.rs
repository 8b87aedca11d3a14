//! sipp calls, gets 180, CANCELs: our endpoint answers 200 to the CANCEL and 487 to the INVITE.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_cancel_before_answer_gets_487() {
    if !sipp_available() {
        return;
    }
    let (_ep, addr, log, task) = start_uas().await;
    let args: Vec<String> = vec![
        "-sf".into(),
        scenario("uac_cancel.xml"),
        addr.to_string(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        free_udp_port().to_string(),
        "-m".into(),
        "1".into(),
        "-s".into(),
        "ring".into(),
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
    assert_eq!(log, ["INVITE ring", "CANCELLED"], "what the UAS saw");
}

//! Shared pieces of the sipp interop tests: finding sipp, free ports, running it with a
//! deadline, and a tiny UAS built on the endpoint.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{
    Endpoint, EndpointConfig, Incoming, ServerTransaction, Target, TransportKind,
};
use wasmphony_sip::message::{Method, StatusCode, Uri};

/// Longest a sipp run may take before the test fails.
pub const SIPP_DEADLINE: Duration = Duration::from_secs(30);

/// SDP our UAS answers with (opaque to the SIP layer).
pub const ANSWER_SDP: &[u8] = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

pub use wasmphony_testkit::free_udp_port;

/// True when sipp can run (a loud skip without it, a failure under CI).
pub fn sipp_available() -> bool {
    wasmphony_testkit::have_sipp()
}

/// Path of a scenario file under `tests/sipp/`.
pub fn scenario(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "sipp", name]
        .iter()
        .collect();
    p.to_string_lossy().into_owned()
}

/// Output of a sipp run.
pub struct SippRun {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs sipp with `args` in a scratch directory, killed if it outlives [`SIPP_DEADLINE`].
pub async fn run_sipp(args: &[String]) -> SippRun {
    let dir: PathBuf = [env!("CARGO_TARGET_TMPDIR"), "sipp"].iter().collect();
    std::fs::create_dir_all(&dir).unwrap();
    let child = tokio::process::Command::new("sipp")
        .args(args)
        .args([
            "-nostdin",
            "-timeout",
            "20s",
            "-timeout_error",
            "-trace_err",
            "-trace_screen",
        ])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn sipp");
    let out = tokio::time::timeout(SIPP_DEADLINE, child.wait_with_output())
        .await
        .expect("sipp finished in time")
        .unwrap();
    SippRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What the tiny UAS saw, in order ("INVITE sipp", "ACK", "BYE", "CANCELLED", ...).
pub type UasLog = Arc<Mutex<Vec<String>>>;

/// Starts a UAS on 127.0.0.1 (UDP): INVITEs to `ring` ring until CANCELled (486 after 10 s);
/// any other INVITE gets 180 then 200 with SDP; ACK and BYE close the call.
pub async fn start_uas() -> (Endpoint, SocketAddr, UasLog, tokio::task::JoinHandle<()>) {
    start_uas_on(TransportKind::Udp).await
}

/// [`start_uas`] listening on UDP and TCP on one port; returns the address of `transport`.
pub async fn start_uas_on(
    transport: TransportKind,
) -> (Endpoint, SocketAddr, UasLog, tokio::task::JoinHandle<()>) {
    let config = EndpointConfig::udp_and_tcp("127.0.0.1:0".parse().unwrap());
    let (ep, rx) = Endpoint::bind(config).await.unwrap();
    let addr = ep.local_addrs(transport)[0];
    let log: UasLog = Arc::default();
    let task = tokio::spawn(uas_loop(ep.clone(), rx, log.clone()));
    (ep, addr, log, task)
}

async fn uas_loop(ep: Endpoint, mut rx: mpsc::Receiver<Incoming>, log: UasLog) {
    while let Some(item) = rx.recv().await {
        match item {
            Incoming::Request(st) => {
                let line = format!(
                    "{} {}",
                    st.request().method,
                    st.request().uri.user.clone().unwrap_or_default()
                );
                log.lock().unwrap().push(line);
                let ep = ep.clone();
                let log = log.clone();
                tokio::spawn(async move { answer(ep, st, log).await });
            }
            Incoming::Ack { .. } => log.lock().unwrap().push("ACK".to_owned()),
            Incoming::AckTimeout { .. } => log.lock().unwrap().push("ACK-TIMEOUT".to_owned()),
        }
    }
}

async fn answer(ep: Endpoint, mut st: ServerTransaction, log: UasLog) {
    match st.request().method {
        Method::Invite => {
            let target = Target {
                addr: st.source(),
                transport: st.transport(),
            };
            let local = ep.local_addr_for(target).unwrap();
            let params = if st.transport() == TransportKind::Tcp {
                ";transport=tcp"
            } else {
                ""
            };
            let contact = Uri::parse(&format!("sip:uas@{local}{params}")).unwrap();
            let Ok(dialog) = Dialog::as_uas(st.request(), &wasmphony_sip::ids::new_tag(), contact)
            else {
                let r = st.response(StatusCode::BAD_REQUEST);
                let _ = st.respond(r).await;
                return;
            };
            let mut ringing = st.response(StatusCode::RINGING);
            dialog.answer(st.request(), &mut ringing);
            let _ = st.respond(ringing).await;
            if st.request().uri.user.as_deref() == Some("ring") {
                let cancelled = st.take_cancellation().unwrap();
                if tokio::time::timeout(Duration::from_secs(10), cancelled)
                    .await
                    .is_ok()
                {
                    log.lock().unwrap().push("CANCELLED".to_owned());
                    return;
                }
                let mut busy = st.response(StatusCode::BUSY_HERE);
                dialog.answer(st.request(), &mut busy);
                let _ = st.respond(busy).await;
                return;
            }
            let mut ok = st.response(StatusCode::OK);
            dialog.answer(st.request(), &mut ok);
            ok.set_body("application/sdp", Bytes::from_static(ANSWER_SDP));
            let _ = st.respond(ok).await;
        }
        _ => {
            let r = st.response(StatusCode::OK);
            let _ = st.respond(r).await;
        }
    }
}

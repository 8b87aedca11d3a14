//! A minimal UAS for sipp load tests: answers every INVITE 200 with SDP and every BYE 200.
//!
//! ```text
//! cargo run --release -p wasmphony-sip --example bench_uas -- 127.0.0.1:5060
//! sipp -sn uac 127.0.0.1:5060 -r 1000 -m 60000 -nostdin
//! ```
//! Every 5 s it prints its table sizes and resident memory, so a per-call leak shows up as
//! tables or RSS that do not return to their idle level once the load stops.
#![allow(clippy::unwrap_used)] // example code: failing fast is the point

use std::time::Duration;

use bytes::Bytes;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{Endpoint, EndpointConfig, Incoming, RateLimit, ServerTransaction};
use wasmphony_sip::message::{Method, StatusCode, Uri};

const SDP: &[u8] = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn answer(mut st: ServerTransaction, contact: Uri) {
    let status = match st.request().method {
        Method::Invite => {
            let Ok(dialog) = Dialog::as_uas(st.request(), &wasmphony_sip::ids::new_tag(), contact)
            else {
                return;
            };
            let mut ok = st.response(StatusCode::OK);
            dialog.answer(st.request(), &mut ok);
            ok.set_body("application/sdp", Bytes::from_static(SDP));
            let _ = st.respond(ok).await;
            return;
        }
        Method::Bye => StatusCode::OK,
        _ => StatusCode::NOT_IMPLEMENTED,
    };
    let r = st.response(status);
    let _ = st.respond(r).await;
}

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:5060".to_owned())
        .parse()
        .unwrap();
    let mut config = EndpointConfig::udp(addr);
    // One sipp source drives the whole load: lift the per-source limit for the benchmark.
    config.rate_limit = RateLimit {
        requests_per_second: 1e9,
        burst: 1e9,
        retry_after_secs: 5,
    };
    config.incoming_queue = 16_384;
    let (ep, mut rx) = Endpoint::bind(config).await.unwrap();
    let contact = Uri::parse(&format!("sip:uas@{addr}")).unwrap();
    let stats_ep = ep.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            if let Ok(s) = stats_ep.stats().await {
                println!("{s:?} rss_kib={}", rss_kib());
            }
        }
    });
    println!("listening on {addr}, rss_kib={}", rss_kib());
    while let Some(item) = rx.recv().await {
        if let Incoming::Request(st) = item {
            tokio::spawn(answer(st, contact.clone()));
        }
    }
}

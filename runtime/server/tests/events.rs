//! Live events of real calls: an operator screen subscribed to `/api/v1/events` sees a sipp
//! call to the demo number ring (with the caller's card), get answered and end — after its
//! CDR is committed — and another tenant's screen sees nothing of it.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use support::{ADMIN_KEY, Server, one_short_call};
use tokio_tungstenite::tungstenite::Message;

#[test]
fn a_screen_sees_a_real_call_ring_with_the_card_answer_and_end() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);
    let demo_key = server.tenant_key(1, "agent");
    let (status, body) = server.http(
        "POST",
        "/api/v1/tenants",
        Some(ADMIN_KEY),
        Some((
            "application/json",
            br#"{"slug":"other","name":"Other","country_code":"49"}"#,
        )),
    );
    assert_eq!(status, 201, "{body}");
    let other_key = server.tenant_key(2, "agent");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let http = server.http.clone();
    let (mut demo, mut other) = runtime.block_on(async {
        let open = |key: String| {
            let url = format!("ws://{http}/api/v1/events?key={key}");
            async move {
                tokio_tungstenite::connect_async(url)
                    .await
                    .expect("the socket opens")
                    .0
            }
        };
        (open(demo_key).await, open(other_key).await)
    });

    let call_id = one_short_call(&server, dir.path());

    runtime.block_on(async {
        let mut seen = Vec::new();
        while !seen
            .iter()
            .any(|e: &serde_json::Value| e["type"] == "call_ended")
        {
            let message = tokio::time::timeout(Duration::from_secs(10), demo.next())
                .await
                .expect("events arrive")
                .expect("the socket stays open")
                .expect("a frame");
            if let Message::Text(text) = message {
                seen.push(serde_json::from_str(text.as_str()).expect("json event"));
            }
        }
        let types: Vec<_> = seen
            .iter()
            .map(|e| e["type"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(
            types,
            ["call_ringing", "call_answered", "call_ended"],
            "{seen:#?}"
        );
        assert!(
            seen.iter().all(|e| e["call_id"] == call_id.as_str()),
            "{seen:#?}"
        );
        assert_eq!(seen[0]["dialed"], "+35924001000");
        assert!(
            seen[0]["contact"]["number"]
                .as_str()
                .is_some_and(|n| n.starts_with("+359888123")),
            "screen pop card: {}",
            seen[0]
        );
        assert_eq!(seen[2]["disposition"], "answered");
        assert_eq!(seen[2]["hangup_side"], "caller");

        let nothing = tokio::time::timeout(Duration::from_millis(500), other.next()).await;
        assert!(
            nothing.is_err(),
            "another tenant's screen sees nothing: {nothing:?}"
        );
    });
}

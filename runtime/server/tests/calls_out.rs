//! Calls the host places for a tenant, on `wasmphony serve` with real SIP on loopback:
//! - click-to-call: `POST /calls/originate` rings extension 101 (baresip, answering and
//!   sending a tone), then calls the customer through the tenant's trunk (sipp as the
//!   carrier, checking the trunk's caller id, its media going to a socket standing for the
//!   customer's ear) and bridges the two; the CDR is stored
//!   (outbound, source click-to-call, answered, talk time); unknown extensions, phones not
//!   registered, numbers no trunk carries and malformed JSON are refused with clear 4xx;
//!   the phone's tone reaches the customer's ear through the bridge;
//! - the website widget: a public request files a callback task; the dialer rings the
//!   agent, then the customer is called through the trunk and answers; the task is done.

mod support;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use support::phone::{Ear, banner_secret, start_baresip, tone_frames};
use support::{Server, hook, sipp_xml};
use tokio_tungstenite::tungstenite::Message;

const AGENT: &str = "101";
/// An extension of the demo tenant that no phone registers in these tests.
const UNREGISTERED: &str = "102";
const CUSTOMER: &str = "+359888123456";
/// The caller id the trunk presents (the carrier's sipp XML checks for it literally).
const TRUNK_CALLER_ID: &str = "+35924000111";
/// The demo number callbacks are placed from.
const OFFICE: &str = "+35924001000";
/// The secret of the webhook that hears of bridges.
const HOOK_SECRET: &str = "bridge-webhook-secret-0123";
/// Longest wait for a CDR or a task to settle.
const SETTLE_WAIT: Duration = Duration::from_secs(45);

fn json_body(value: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("json")
}

/// Adds a trunk carrying `+359` at `port` to the demo tenant; waits for the routes refresh.
fn add_trunk(server: &Server, key: &str, port: u16) {
    let trunk = serde_json::json!({
        "name": "carrier",
        "uri": format!("sip:127.0.0.1:{port}"),
        "username": null,
        "password": null,
        "caller_id": TRUNK_CALLER_ID,
        "priority": 0,
        "prefixes": ["+359"],
    });
    let body = json_body(&trunk);
    let (status, reply) = server.http(
        "POST",
        "/api/v1/trunks",
        Some(key),
        Some(("application/json", &body)),
    );
    assert_eq!(status, 201, "{reply}");
    // Routes (and trunks) are re-read within 2 s.
    std::thread::sleep(Duration::from_secs(3));
}

/// sipp as the carrier at `port` taking one call (`uas_trunk_answers.xml`), the
/// customer's media going to `ear_port`, in a thread.
fn carrier(port: u16, ear_port: u16) -> std::thread::JoinHandle<Output> {
    std::thread::spawn(move || {
        Command::new("sipp")
            .args(["-sf", &sipp_xml("uas_trunk_answers.xml")])
            .args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-mp", &wasmphony_testkit::free_udp_port().to_string()])
            .args(["-key", "rtp_sink", &ear_port.to_string()])
            .args(["-m", "1", "-nostdin"])
            .args(["-timeout", "60s", "-timeout_error"])
            .output()
            .expect("sipp carrier")
    })
}

fn assert_success(run: &Output, what: &str) {
    assert!(
        run.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

fn originate(server: &Server, key: &str, body: &[u8]) -> (u16, serde_json::Value) {
    let (status, reply) = server.http(
        "POST",
        "/api/v1/calls/originate",
        Some(key),
        Some(("application/json", body)),
    );
    let value = serde_json::from_str(&reply).unwrap_or(serde_json::Value::Null);
    (status, value)
}

/// The stored CDR `id` once it is finished (has a disposition).
fn finished_call(server: &Server, key: &str, id: &str) -> serde_json::Value {
    let deadline = Instant::now() + SETTLE_WAIT;
    loop {
        let (status, reply) = server.http("GET", &format!("/api/v1/calls/{id}"), Some(key), None);
        if status == 200 {
            let call: serde_json::Value = serde_json::from_str(&reply).expect("json");
            if !call["disposition"].is_null() {
                return call;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no finished CDR for {id}: {status} {reply}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn click_to_call_rings_the_extension_then_the_customer_through_the_trunk_and_bridges_them() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    // The webhook receiver below runs on loopback, a private target.
    let server = Server::start(dir.path(), &["--webhook-private-targets"]);
    let admin = server.tenant_key(1, "admin");
    let agent_key = server.tenant_key(1, "agent");
    let carrier_port = wasmphony_testkit::free_udp_port();

    // Before any trunk: a number cannot be reached (no gateway fallback for click-to-call).
    let secret = banner_secret(&server.banner, AGENT);
    let phone_dir = dir.path().join("agent");
    let phone = start_baresip(&phone_dir, &server.sip, AGENT, &secret);
    let to_customer = json_body(&serde_json::json!({"from": AGENT, "to": CUSTOMER}));
    let (status, reply) = originate(&server, &agent_key, &to_customer);
    assert_eq!(status, 422, "no trunk carries it: {reply}");

    add_trunk(&server, &admin, carrier_port);
    let refusals = [
        (serde_json::json!({"from": "555", "to": CUSTOMER}), 404),
        (
            serde_json::json!({"from": UNREGISTERED, "to": CUSTOMER}),
            409,
        ),
        (serde_json::json!({"from": AGENT, "to": "+4930123456"}), 422),
        (
            serde_json::json!({"from": AGENT, "to": "not a number"}),
            422,
        ),
        (serde_json::json!({"from": AGENT}), 400),
    ];
    for (body, expected) in refusals {
        let (status, reply) = originate(&server, &agent_key, &json_body(&body));
        assert_eq!(status, expected, "{body}: {reply}");
        assert!(reply["error"]["code"].is_string(), "{reply}");
    }
    let (status, reply) = originate(&server, &agent_key, b"{\"from\": ");
    assert_eq!(status, 400, "malformed JSON: {reply}");
    let (status, _) = server.http("GET", "/api/v1/calls?limit=10", Some(&admin), None);
    assert_eq!(status, 200);

    // An operator screen follows the call live; the CRM wants to hear of bridges.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (receiver, mut posts) = hook::start_receiver(&runtime);
    let hook_url = format!("http://{receiver}/hook");
    hook::add_webhook(&server, &admin, &hook_url, HOOK_SECRET, &["call_bridged"]);
    let url = format!("ws://{}/api/v1/events?key={agent_key}", server.http);
    let mut screen = runtime.block_on(async {
        tokio_tungstenite::connect_async(url)
            .await
            .expect("the socket opens")
            .0
    });
    let ear = Ear::open();
    let carrier = carrier(carrier_port, ear.port);
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let (status, reply) = originate(&server, &agent_key, &to_customer);
    assert_eq!(status, 202, "{reply}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered at once"
    );
    let call_id = reply["call_id"].as_str().expect("a call id").to_string();

    let carrier_run = carrier.join().expect("carrier thread");
    assert_success(
        &carrier_run,
        "the carrier got the customer's INVITE with the trunk's caller id",
    );
    let heard = ear.heard();
    let call = finished_call(&server, &admin, &call_id);
    let live: Vec<serde_json::Value> = runtime.block_on(async {
        let mut seen = Vec::new();
        while !seen
            .iter()
            .any(|e: &serde_json::Value| e["type"] == "call_ended")
        {
            let message = tokio::time::timeout(Duration::from_secs(10), screen.next())
                .await
                .expect("events arrive")
                .expect("the socket stays open")
                .expect("a frame");
            if let Message::Text(text) = message {
                let event: serde_json::Value = serde_json::from_str(text.as_str()).expect("json");
                if event["call_id"] == call_id.as_str() {
                    seen.push(event);
                }
            }
        }
        seen
    });
    let types: Vec<_> = live
        .iter()
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        [
            "call_ringing",
            "call_answered",
            "call_bridged",
            "call_ended"
        ],
        "{live:#?}"
    );
    assert_eq!(live[2]["with"], CUSTOMER, "{live:#?}");
    assert_eq!(live[2]["agent"], AGENT, "{live:#?}");
    assert!(live[2]["queue"].is_null(), "{live:#?}");
    assert_eq!(live[3]["disposition"], "answered", "{live:#?}");
    // The same bridge, POSTed to the webhook and signed like every event.
    let post = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(15), posts.recv())
            .await
            .expect("a POST arrives")
            .expect("the receiver runs")
    });
    assert_eq!(hook::header(&post.0, "x-wasmphony-event"), "call_bridged");
    hook::assert_signed(&post, HOOK_SECRET);
    let posted: serde_json::Value = serde_json::from_slice(&post.1).expect("json body");
    assert_eq!(posted, live[2], "the webhook got the screen's event");
    drop(phone);
    assert_eq!(call["direction"], "outbound", "{call}");
    assert_eq!(call["source"], "click-to-call", "{call}");
    assert_eq!(call["from"], AGENT, "{call}");
    assert_eq!(call["to"], CUSTOMER, "{call}");
    assert_eq!(call["disposition"], "answered", "{call}");
    assert_eq!(call["hangup_side"], "callee", "{call}");
    // The extension that placed the call is its agent; the customer's answer connected them.
    assert!(call["agent"].as_i64().is_some(), "an agent: {call}");
    assert_eq!(call["connected"], call["answer"], "{call}");
    let talk = call["talk_ms"].as_i64().expect("talk time");
    assert!((3_000..10_000).contains(&talk), "talked about 4 s: {call}");

    // The phone's tone reached the customer through the bridge.
    let tone = tone_frames(&heard);
    assert!(
        tone >= 100,
        "the customer heard the phone's tone for 2 s or more: {tone} of {} frames",
        heard.len()
    );
    drop(server);
}

#[test]
fn a_widget_request_is_called_back_agent_first_and_done() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);
    let admin = server.tenant_key(1, "admin");
    let carrier_port = wasmphony_testkit::free_udp_port();
    add_trunk(&server, &admin, carrier_port);
    let ear = Ear::open();
    let carrier = carrier(carrier_port, ear.port);

    let body = json_body(&serde_json::json!({"name": "www", "number": OFFICE}));
    let (status, reply) = server.http(
        "POST",
        "/api/v1/widget-keys",
        Some(&admin),
        Some(("application/json", &body)),
    );
    assert_eq!(status, 201, "{reply}");
    let created: serde_json::Value = serde_json::from_str(&reply).expect("json");
    let widget = created["secret"].as_str().expect("secret").to_string();

    let secret = banner_secret(&server.banner, AGENT);
    let _agent = start_baresip(&dir.path().join("agent"), &server.sip, AGENT, &secret);
    // The visitor, without any bearer key, types the number nationally.
    let body = json_body(&serde_json::json!({"number": "0888 123 456", "name": "Ada"}));
    let (status, reply) = support::http(
        &server.http,
        "POST",
        &format!("/api/v1/widget/{widget}/callback"),
        None,
        Some(("application/json", &body)),
    );
    assert_eq!(status, 201, "{reply}");
    let filed: serde_json::Value = serde_json::from_str(&reply).expect("json");
    assert_eq!(filed["number"], CUSTOMER);
    let task_id = filed["id"].as_i64().expect("task id");

    let deadline = Instant::now() + SETTLE_WAIT;
    let task = loop {
        let (status, reply) = server.http("GET", "/api/v1/callbacks", Some(&admin), None);
        assert_eq!(status, 200, "{reply}");
        let tasks: serde_json::Value = serde_json::from_str(&reply).expect("json");
        let task = tasks
            .as_array()
            .and_then(|tasks| tasks.iter().find(|t| t["id"] == task_id))
            .cloned()
            .expect("the task is listed");
        if task["state"] == "done" || task["state"] == "failed" {
            break task;
        }
        assert!(Instant::now() < deadline, "not called back in time: {task}");
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(task["state"], "done", "{task}");
    assert_eq!(task["attempts"], 1, "{task}");
    assert_eq!(task["reason"], "widget", "{task}");
    let carrier_run = carrier.join().expect("carrier thread");
    assert_success(
        &carrier_run,
        "the customer was called through the trunk and answered",
    );
    let tone = tone_frames(&ear.heard());
    assert!(
        tone >= 50,
        "the customer heard the agent's phone: {tone} frames"
    );

    let (status, reply) = server.http(
        "GET",
        "/api/v1/reports/widget?since=0&until=9999999999999",
        Some(&admin),
        None,
    );
    assert_eq!(status, 200, "{reply}");
    let report: serde_json::Value = serde_json::from_str(&reply).expect("json");
    assert_eq!(
        report,
        serde_json::json!({"requests": 1, "reached": 1, "failed": 0, "pending": 0})
    );
    drop(server);
}

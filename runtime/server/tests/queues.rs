//! Call queues on real calls: a sipp caller sent to the `bookings` queue by ivr-menu hears
//! hold music and is bridged to the queue's agent (baresip registered as 101, a member of
//! bookings by department), and its CDR says answered through bookings by 101; with no
//! agent reachable, the caller's wait ends and ivr-menu
//! takes a voicemail — nobody is left waiting forever.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use support::phone::{
    banner_secret, call_and_hear, only_call, seed_ivr_route, start_baresip, tone_frames,
};
use support::{Server, run_sipp};
use tokio_tungstenite::tungstenite::Message;

/// A number whose ivr-menu sends silent callers to the bookings queue.
const QUEUE_NUMBER: &str = "+35924009100";
/// The bookings agent of the demo tenant.
const AGENT: &str = "101";

fn to_bookings() -> serde_json::Value {
    serde_json::json!({ "action": "queue", "queue": "bookings" })
}

#[test]
fn a_queued_caller_is_bridged_to_the_queue_agent() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    seed_ivr_route(dir.path(), QUEUE_NUMBER, to_bookings(), |_| {});
    let server = Server::start(dir.path(), &[]);
    let secret = banner_secret(&server.banner, AGENT);
    let _agent = start_baresip(&dir.path().join("agent"), &server.sip, AGENT, &secret);
    // An operator screen follows the queue and its agent.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url = format!(
        "ws://{}/api/v1/events?key={}",
        server.http,
        server.tenant_key(1, "supervisor")
    );
    let mut screen = runtime.block_on(async {
        tokio_tungstenite::connect_async(url)
            .await
            .expect("the socket opens")
            .0
    });

    let payloads = call_and_hear(&server, QUEUE_NUMBER, dir.path());
    let tone = tone_frames(&payloads);
    assert!(
        tone >= 100,
        "the caller heard the agent's phone: {tone} of {} frames",
        payloads.len()
    );
    let seen: Vec<serde_json::Value> = runtime.block_on(async {
        let mut seen = Vec::new();
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout(Duration::from_secs(2), screen.next()).await
        {
            if let Message::Text(text) = message {
                seen.push(serde_json::from_str(text.as_str()).expect("json event"));
            }
        }
        seen
    });
    let queue_counts: Vec<_> = seen
        .iter()
        .filter(|e| e["type"] == "queue_changed" && e["queue"] == "bookings")
        .map(|e| e["waiting"].as_u64().unwrap_or(u64::MAX))
        .collect();
    assert!(
        queue_counts.windows(2).any(|w| w == [1, 0]),
        "the screen saw the caller wait, then leave the queue: {seen:#?}"
    );
    let agent_states: Vec<_> = seen
        .iter()
        .filter(|e| e["type"] == "agent_state" && e["extension"] == AGENT)
        .map(|e| e["state"].as_str().unwrap_or("").to_owned())
        .collect();
    let ringing = agent_states.iter().position(|s| s == "ringing");
    let on_call = agent_states.iter().position(|s| s == "on_call");
    assert!(
        matches!((ringing, on_call), (Some(r), Some(c)) if r < c),
        "the screen saw {AGENT} ring, then take the call: {agent_states:?}"
    );
    // The caller's own events: the bridge to the agent between the answer and the end.
    let call_events: Vec<&serde_json::Value> = seen
        .iter()
        .filter(|e| e["call_id"].is_string() && e["call_id"] == seen_call_id(&seen))
        .collect();
    let types: Vec<&str> = call_events
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
        "{seen:#?}"
    );
    let bridged = call_events[2];
    assert_eq!(bridged["with"], AGENT, "{bridged}");
    assert_eq!(bridged["agent"], AGENT, "{bridged}");
    assert_eq!(bridged["queue"], "bookings", "{bridged}");
    // The CDR the API serves: answered through bookings, by 101.
    let key = server.tenant_key(1, "supervisor");
    let (status, body) = server.http("GET", "/api/v1/calls?limit=10", Some(&key), None);
    assert_eq!(status, 200, "{body}");
    let page: serde_json::Value = serde_json::from_str(&body).expect("json");
    let cdr = &page["calls"][0];
    let (status, body) = server.http("GET", "/api/v1/users", Some(&key), None);
    assert_eq!(status, 200, "{body}");
    let users: serde_json::Value = serde_json::from_str(&body).expect("json");
    let agent_id = users
        .as_array()
        .or_else(|| users["users"].as_array())
        .and_then(|users| users.iter().find(|user| user["extension"] == AGENT))
        .map(|user| user["id"].clone())
        .unwrap_or_else(|| panic!("{AGENT} among the users: {users}"));
    assert_eq!(
        (&cdr["disposition"], &cdr["queue"], &cdr["agent"]),
        (&"answered".into(), &"bookings".into(), &agent_id),
        "{cdr:#}"
    );
    drop(server);
    let tags = only_call(dir.path()).0.tags;
    assert!(tags.contains(&"queue:bookings".to_string()), "{tags:?}");
}

/// The call id of the (only) call whose ringing the screen saw.
fn seen_call_id(seen: &[serde_json::Value]) -> serde_json::Value {
    seen.iter()
        .find(|e| e["type"] == "call_ringing")
        .map(|e| e["call_id"].clone())
        .unwrap_or_else(|| panic!("the screen saw the call ring: {seen:#?}"))
}

#[test]
fn with_no_agent_reachable_the_wait_ends_in_voicemail() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    seed_ivr_route(dir.path(), QUEUE_NUMBER, to_bookings(), |config| {
        config["queue"]["max_wait_seconds"] = 2.into();
        config["voicemail"]["max_seconds"] = 1.into();
    });
    let mut server = Server::start(dir.path(), &[]);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let url = format!(
        "ws://{}/api/v1/events?key={}",
        server.http,
        server.tenant_key(1, "supervisor")
    );
    let mut screen = runtime.block_on(async {
        tokio_tungstenite::connect_async(url)
            .await
            .expect("the socket opens")
            .0
    });
    let run = run_sipp(
        &server.sip,
        QUEUE_NUMBER.trim_start_matches('+'),
        "uac_wait_bye.xml",
        dir.path(),
        &[
            "-key",
            "rtp_sink",
            "9",
            "-m",
            "1",
            "-timeout",
            "40s",
            "-timeout_error",
        ],
        Duration::from_secs(50),
    );
    assert_eq!(
        run.code,
        Some(0),
        "the host ends the call after the message: {}",
        run.output
    );
    // The screen (and so a webhook) heard of the message before the call's end.
    let seen: Vec<serde_json::Value> = runtime.block_on(async {
        let mut seen = Vec::new();
        while !seen
            .iter()
            .any(|e: &serde_json::Value| e["type"] == "call_ended")
        {
            let Ok(Some(Ok(message))) =
                tokio::time::timeout(Duration::from_secs(15), screen.next()).await
            else {
                break;
            };
            if let Message::Text(text) = message {
                seen.push(serde_json::from_str(text.as_str()).expect("json event"));
            }
        }
        seen
    });
    // The message is one click away: registered with the call, its audio served.
    let key = server.tenant_key(1, "supervisor");
    let left = seen
        .iter()
        .find(|e| e["type"] == "voicemail_left")
        .expect("voicemail_left");
    let message = left["recording"].as_str().expect("a recording id");
    let (status, body) = server.http(
        "GET",
        &format!("/api/v1/recordings/{message}"),
        Some(&key),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let meta: serde_json::Value = serde_json::from_str(&body).expect("recording json");
    assert_eq!(meta["call_id"], seen_call_id(&seen), "{meta}");
    assert!(
        meta["duration_ms"].as_i64().is_some_and(|ms| ms > 0),
        "{meta}"
    );
    let (status, audio) = server.http(
        "GET",
        &format!("/api/v1/recordings/{message}/audio"),
        Some(&key),
        None,
    );
    assert_eq!(status, 200);
    assert!(audio.starts_with("RIFF"), "a WAV file");
    // On the missed-call list, as a voicemail.
    let (status, body) = server.http("GET", "/api/v1/callbacks", Some(&key), None);
    assert_eq!(status, 200, "{body}");
    let tasks: Vec<serde_json::Value> = serde_json::from_str(&body).expect("tasks json");
    assert_eq!(tasks.len(), 1, "{tasks:#?}");
    assert_eq!(tasks[0]["reason"], "voicemail", "{tasks:#?}");
    assert_eq!(tasks[0]["state"], "new", "{tasks:#?}");

    // The host hung up: its record follows the BYE; a clean stop writes what is queued.
    server.interrupt(Duration::from_secs(20));
    let call = only_call(dir.path()).0;
    assert_eq!(
        call.disposition,
        Some(wasmphony_store::Disposition::Voicemail)
    );
    assert_eq!(call.recording.map(|id| id.0).as_deref(), Some(message));
    let tags = call.tags;
    assert!(tags.contains(&"queue:bookings".to_string()), "{tags:?}");
    assert!(
        tags.contains(&"voicemail".to_string()),
        "the caller left a message: {tags:?}"
    );
    let call_id = seen_call_id(&seen);
    let types: Vec<&str> = seen
        .iter()
        .filter(|e| e["call_id"] == call_id)
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        [
            "call_ringing",
            "call_answered",
            "voicemail_left",
            "call_ended"
        ],
        "{seen:#?}"
    );
    let left = seen
        .iter()
        .find(|e| e["type"] == "voicemail_left")
        .expect("voicemail_left");
    let ringing = seen
        .iter()
        .find(|e| e["type"] == "call_ringing")
        .expect("call_ringing");
    assert_eq!(left["dialed"], ringing["dialed"], "{left} {ringing}");
    assert_eq!(left["from"], ringing["from"], "{left} {ringing}");
    let recording = left["recording"].as_str().expect("a recording id");
    assert!(
        recording.ends_with("-1"),
        "the call's one recording: {left}"
    );
    let duration = left["duration_ms"].as_u64().expect("a duration");
    assert!(
        (500..=3_000).contains(&duration),
        "a message of about 1 s (max_seconds 1): {left}"
    );
}

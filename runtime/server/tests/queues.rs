//! Call queues on real calls: a sipp caller sent to the `bookings` queue by ivr-menu hears
//! hold music and is bridged to the queue's agent (baresip registered as 101, a member of
//! bookings by department); with no agent reachable, the caller's wait ends and ivr-menu
//! takes a voicemail — nobody is left waiting forever.

mod support;

use std::time::Duration;

use support::phone::{Ear, banner_secret, seed_ivr_route, start_baresip, tone_frames};
use support::{Server, run_sipp, sqlite_url};
use wasmphony_store::{CallFilter, Page, Store};

/// A number whose ivr-menu sends silent callers to the bookings queue.
const QUEUE_NUMBER: &str = "+35924009100";
/// The bookings agent of the demo tenant.
const AGENT: &str = "101";

fn to_bookings() -> serde_json::Value {
    serde_json::json!({ "action": "queue", "queue": "bookings" })
}

fn tags_of_the_only_call(data_dir: &std::path::Path) -> Vec<String> {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::connect(&sqlite_url(data_dir)).await.expect("open");
        let tenant = store
            .tenant_by_slug("demo")
            .await
            .expect("read")
            .expect("demo")
            .id;
        let calls = store
            .search_calls(tenant, &CallFilter::default(), Page::first(10))
            .await
            .expect("calls");
        assert_eq!(calls.len(), 1, "{calls:?}");
        calls[0].tags.clone()
    })
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

    let ear = Ear::open();
    let run = run_sipp(
        &server.sip,
        QUEUE_NUMBER.trim_start_matches('+'),
        "uac_logged.xml",
        dir.path(),
        &[
            "-key",
            "rtp_sink",
            &ear.port.to_string(),
            "-d",
            "5000",
            "-m",
            "1",
            "-timeout",
            "30s",
            "-timeout_error",
        ],
        Duration::from_secs(40),
    );
    let payloads = ear.heard();
    assert_eq!(run.code, Some(0), "{}", run.output);
    let tone = tone_frames(&payloads);
    assert!(
        tone >= 100,
        "the caller heard the agent's phone: {tone} of {} frames",
        payloads.len()
    );
    drop(server);
    let tags = tags_of_the_only_call(dir.path());
    assert!(tags.contains(&"queue:bookings".to_string()), "{tags:?}");
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
    // The host hung up: its record follows the BYE; a clean stop writes what is queued.
    server.interrupt(Duration::from_secs(20));
    let tags = tags_of_the_only_call(dir.path());
    assert!(tags.contains(&"queue:bookings".to_string()), "{tags:?}");
    assert!(
        tags.contains(&"voicemail".to_string()),
        "the caller left a message: {tags:?}"
    );
}

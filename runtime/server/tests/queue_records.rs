//! What a queue call leaves behind, on loopback against the running server (issue 6):
//!
//! - a sipp caller who hangs up while waiting in the bookings queue (no agent) is
//!   `abandoned` in the CDR the API serves, with the queue's name, and is on the
//!   missed-call list once, under the number they dialled; when the agent (sipp,
//!   registered as 101) logs in, the auto-callback dialer calls them back through the
//!   tenant's trunk (sipp as the carrier) presenting that number;
//! - a caller who presses 1 has their callback filed under the number they dialled, and
//!   the queue calls them back from it.
//!
//! The bridged case (`answered` with the agent) is in `queues.rs`.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::phone::{banner_secret, seed_ivr_route};
use support::{KillOnDrop, Server, run_sipp, sipp_xml, sqlite_url};
use wasmphony_store::{CallbackState, CallbackTask, Page, Store, TenantId, TrunkSpec};

/// A number whose ivr-menu sends silent callers to the bookings queue.
const QUEUE_NUMBER: &str = "+35924009300";
/// The caller (the trunk carries `+359`, so they can be called back).
const CUSTOMER: &str = "+359888555001";
/// The bookings agent of the demo tenant.
const AGENT: &str = "101";
/// Longest wait for a task to be called back (the queue refreshes presence every 2 s).
const CALLBACK_WAIT: Duration = Duration::from_secs(45);

fn on_store<T>(data_dir: &Path, body: impl AsyncFnOnce(&Store, TenantId) -> T) -> T {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::connect(&sqlite_url(data_dir)).await.expect("open");
        let tenant = store
            .tenant_by_slug("demo")
            .await
            .expect("read")
            .expect("demo")
            .id;
        let result = body(&store, tenant).await;
        store.close().await;
        result
    })
}

fn tasks(data_dir: &Path) -> Vec<CallbackTask> {
    on_store(data_dir, async |store, tenant| {
        store
            .list_callbacks(tenant, None, Page::first(10))
            .await
            .expect("tasks")
    })
}

/// ivr-menu on [`QUEUE_NUMBER`] sending silent callers to bookings (the demo queue: long
/// wait, no agent logged in), no announcements, callback key 1.
fn seed(data_dir: &Path) {
    let to_bookings = serde_json::json!({ "action": "queue", "queue": "bookings" });
    seed_ivr_route(data_dir, QUEUE_NUMBER, to_bookings, |config| {
        config["queue"]["max_wait_seconds"] = 0.into();
        config["queue"]["announce_every_seconds"] = 0.into();
        config["queue"]["callback_key"] = "1".into();
    });
}

/// One sipp caller from [`CUSTOMER`] into [`QUEUE_NUMBER`] running `scenario`.
fn call(server: &Server, dir: &Path, scenario: &str) {
    std::fs::write(
        dir.join("callers.csv"),
        format!("SEQUENTIAL\n{CUSTOMER};\n"),
    )
    .expect("csv");
    let run = run_sipp(
        &server.sip,
        QUEUE_NUMBER.trim_start_matches('+'),
        scenario,
        dir,
        &[
            "-inf",
            "callers.csv",
            "-key",
            "dtmf_pcap",
            &dtmf_pcap(),
            "-m",
            "1",
            "-timeout",
            "40s",
            "-timeout_error",
        ],
        Duration::from_secs(50),
    );
    assert_eq!(run.code, Some(0), "the call went through: {}", run.output);
}

/// sipp's recording of the RFC 4733 key 1.
fn dtmf_pcap() -> String {
    [
        "/usr/share/sip-tester",
        "/usr/share/sipp/pcap",
        "/usr/local/share/sipp/pcap",
    ]
    .iter()
    .map(|dir| format!("{dir}/dtmf_2833_1.pcap"))
    .find(|path| Path::new(path).exists())
    .expect("sipp's dtmf_2833_1.pcap")
}

/// The API's CDRs of [`QUEUE_NUMBER`].
fn cdrs(server: &Server) -> Vec<serde_json::Value> {
    let key = server.tenant_key(1, "supervisor");
    let (status, body) = server.http(
        "GET",
        &format!(
            "/api/v1/calls?number={}&limit=10",
            QUEUE_NUMBER.replace('+', "%2B")
        ),
        Some(&key),
        None,
    );
    assert_eq!(status, 200, "{body}");
    let reply: serde_json::Value = serde_json::from_str(&body).expect("json");
    reply["calls"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("a page of calls: {reply}"))
}

#[test]
fn a_caller_who_hangs_up_waiting_in_a_queue_is_abandoned_there() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    seed(dir.path());
    let peers = dir.path().join("peers");
    let carrier = start_carrier(dir.path(), &peers);
    let server = Server::start(dir.path(), &[]);
    // The menu times out into the queue; the caller gives up 4.5 s after the answer.
    call(&server, dir.path(), "uac_queue_hangs_up.xml");

    // The caller's BYE is answered once the CDR is committed.
    let calls = cdrs(&server);
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let cdr = &calls[0];
    assert_eq!(cdr["disposition"], "abandoned", "{cdr:#}");
    assert_eq!(cdr["queue"], "bookings", "{cdr:#}");
    assert!(cdr["agent"].is_null(), "{cdr:#}");
    assert!(
        cdr["answer"].as_i64().is_some(),
        "the host had answered (hold music): {cdr:#}"
    );

    // The queue's task and the call's own missed entry are one task, under the number
    // the caller dialled, to be called back through bookings.
    let filed = tasks(dir.path());
    assert_eq!(filed.len(), 1, "{filed:#?}");
    let task = &filed[0];
    assert_eq!(task.number, CUSTOMER);
    assert_eq!(task.dialed, QUEUE_NUMBER);
    assert_eq!(task.queue.as_deref(), Some("bookings"));
    assert_eq!(task.state, CallbackState::New);
    assert_eq!(
        task.last_call.as_ref().map(|id| id.0.as_str()),
        cdr["id"].as_str()
    );

    // The agent logs in: the dialer hands the task to bookings, which rings the agent,
    // then calls the customer back from the number they had dialled.
    let _agent = start_agent(&server, &peers);
    wait_until_called_back(dir.path());
    drop(server);
    drop(carrier);
    assert_called_back_from_the_dialled_number(&peers);
}

#[test]
fn a_press_1_callback_is_filed_under_and_called_back_from_the_dialled_number() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    seed(dir.path());
    let peers = dir.path().join("peers");
    let carrier = start_carrier(dir.path(), &peers);
    let server = Server::start(dir.path(), &[]);

    // No agent yet: the caller waits, presses 1 and is let go.
    call(&server, dir.path(), "uac_queue_press_1.xml");
    let filed = tasks(dir.path());
    assert_eq!(filed.len(), 1, "{filed:#?}");
    assert_eq!(filed[0].number, CUSTOMER);
    assert_eq!(
        filed[0].dialed, QUEUE_NUMBER,
        "filed under the number the caller dialled"
    );
    assert_eq!(filed[0].reason, "queue_callback");

    // The agent logs in: the queue rings them, then dials the customer.
    let _agent = start_agent(&server, &peers);
    wait_until_called_back(dir.path());
    drop(server);
    drop(carrier);
    assert_called_back_from_the_dialled_number(&peers);
}

/// The tenant's trunk to a sipp carrier on loopback that answers and logs every call.
fn start_carrier(data_dir: &Path, peers: &Path) -> KillOnDrop {
    let carrier_port = wasmphony_testkit::free_udp_port();
    on_store(data_dir, async |store, tenant| {
        let trunk = TrunkSpec {
            name: "carrier".into(),
            uri: format!("sip:127.0.0.1:{carrier_port}"),
            username: None,
            password: None,
            caller_id: None,
            priority: 0,
            prefixes: vec!["+359".into()],
            register: false,
        };
        store.create_trunk(tenant, &trunk).await.expect("trunk");
    });
    sipp_peer(
        &peers.join("carrier"),
        "carrier",
        &[
            "-sf",
            &sipp_xml("uas_carrier_logs.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            &carrier_port.to_string(),
            "-mp",
            &wasmphony_testkit::free_udp_port().to_string(),
        ],
    )
}

/// Waits (at most [`CALLBACK_WAIT`]) until no task is open, then asserts the one task
/// was done in one attempt.
fn wait_until_called_back(data_dir: &Path) {
    let started = Instant::now();
    let done = loop {
        let now = tasks(data_dir);
        if now
            .iter()
            .all(|task| !matches!(task.state, CallbackState::New | CallbackState::InProgress))
        {
            break now;
        }
        assert!(
            started.elapsed() < CALLBACK_WAIT,
            "not called back in time: {now:#?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(done.len(), 1, "{done:#?}");
    assert_eq!(
        (done[0].state, done[0].attempts),
        (CallbackState::Done, 1),
        "{done:#?}"
    );
}

/// The carrier saw the customer called once, from the number they had dialled.
fn assert_called_back_from_the_dialled_number(peers: &Path) {
    let log =
        std::fs::read_to_string(peers.join("carrier").join("carrier.log")).unwrap_or_default();
    let customer = CUSTOMER.trim_start_matches('+');
    let calls: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("called ") && line.contains(customer))
        .collect();
    assert_eq!(calls.len(), 1, "the customer was called back once: {log}");
    let from = calls[0]
        .split_once(" from ")
        .map(|(_, from)| from)
        .unwrap_or_default();
    let digits = QUEUE_NUMBER.trim_start_matches('+');
    assert!(
        from.contains(&format!("sip:{QUEUE_NUMBER}@")) || from.contains(&format!("sip:{digits}@")),
        "presented the number the customer had dialled: {}",
        calls[0]
    );
}

/// sipp on `args` from `dir`, logging (`-trace_logs`) into `dir/<name>.log`.
fn sipp_peer(dir: &Path, name: &str, args: &[&str]) -> KillOnDrop {
    std::fs::create_dir_all(dir).expect("peer dir");
    let child = Command::new("sipp")
        .args(args)
        .args(["-nostdin", "-trace_logs", "-log_file"])
        .arg(dir.join(format!("{name}.log")))
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn sipp");
    KillOnDrop(child)
}

/// Registers [`AGENT`] from a sipp phone, which then answers its calls and talks 3 s.
fn start_agent(server: &Server, peers: &Path) -> KillOnDrop {
    let port = wasmphony_testkit::free_udp_port().to_string();
    let secret = banner_secret(&server.banner, AGENT);
    let register = Command::new("sipp")
        .arg(&server.sip)
        .args(["-sf", &sipp_xml("agent_register.xml")])
        .args(["-i", "127.0.0.1", "-p", &port, "-m", "1", "-nostdin"])
        .args(["-au", AGENT, "-ap", &secret])
        .args(["-key", "agent", AGENT, "-key", "domain", "demo"])
        .args(["-timeout", "10s", "-timeout_error"])
        .output()
        .expect("sipp registers");
    assert!(register.status.success(), "{AGENT} registers: {register:?}");
    sipp_peer(
        &peers.join("agent"),
        "agent",
        &[
            "-sf",
            &sipp_xml("uas_agent_talks.xml"),
            "-i",
            "127.0.0.1",
            "-p",
            &port,
            "-mp",
            &wasmphony_testkit::free_udp_port().to_string(),
        ],
    )
}

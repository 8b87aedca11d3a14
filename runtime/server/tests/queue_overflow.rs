//! Issue 6's end-to-end test, on loopback against the running server: 20 sipp callers
//! into the bookings queue with 3 agents (sipp phones registered as 101, 111 and 112 that
//! talk 3 s; wrap-up 1 s). The queue's maximum wait is short, so waiting callers overflow
//! to the backup number, which the host rings itself through the tenant's trunk (sipp as
//! the carrier) and bridges; some callers press 1 for a callback (RFC 4733 from sipp's
//! pcap), some hang up. When the agents free up, the queue calls its "press 1" tasks back
//! and the auto-callback dialer the callers who hung up.
//!
//! From the store and the peers: every caller is answered by an agent, answered by the
//! backup number, or on the missed list with a callback task; every task ends done after
//! one attempt; the carrier saw each missed caller dialled exactly once, nobody else
//! dialled back, and the backup dialled once per overflowed caller. Nobody is lost.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{KillOnDrop, Server, run_sipp, sipp_xml, sqlite_url};
use wasmphony_store::{
    CallFilter, CallStatus, CallbackState, CallbackTask, Device, Fallback, Page, QueueSettings,
    QueueSpec, QueueStrategy, Role, Store, TenantId, TrunkSpec, UserSpec,
};

/// The number whose ivr-menu sends silent callers to the bookings queue.
const QUEUE_NUMBER: &str = "+35924009200";
/// The queue's backup number (reached through the carrier trunk).
const BACKUP: &str = "+35970000001";
/// The bookings agents: the demo's 101 and two more.
const AGENTS: [&str; 3] = ["101", "111", "112"];
/// Callers who wait (agent, backup), ask for a callback, or hang up.
const WAITERS: usize = 12;
const PRESS_1: usize = 4;
const HANG_UP: usize = 4;
/// Longest the whole exchange may take once the callers start.
const SETTLE_WAIT: Duration = Duration::from_secs(75);

fn secret(agent: &str) -> String {
    format!("agent-secret-{agent}")
}

/// The callers' numbers, one group after the other.
fn caller(index: usize) -> String {
    format!("+3598880{:05}", 100 + index)
}

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

/// Three bookings agents with known secrets, the carrier trunk, and the bookings queue
/// with a short wait, the backup number as its overflow, 1 s wrap-up and callbacks.
fn seed_queue(data_dir: &Path, carrier_port: u16) {
    on_store(data_dir, async |store, tenant| {
        for agent in &AGENTS[1..] {
            let spec = UserSpec {
                extension: (*agent).into(),
                name: format!("Agent {agent}"),
                department: Some("bookings".into()),
                role: Role::Agent,
                skills: Vec::new(),
                password_hash: None,
                devices: vec![Device::Sip {
                    username: (*agent).into(),
                }],
            };
            store.create_user(tenant, &spec).await.expect("agent");
        }
        for agent in AGENTS {
            store
                .set_sip_secret(tenant, agent, &secret(agent))
                .await
                .expect("secret");
        }
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
        let bookings = store
            .queue_by_name(tenant, "bookings")
            .await
            .expect("read")
            .expect("the demo's bookings queue");
        let spec = QueueSpec {
            name: "bookings".into(),
            strategy: QueueStrategy::LongestIdle,
            max_wait_ms: 8_000,
            max_length: 50,
            overflow: Some(Fallback::Number {
                number: BACKUP.into(),
            }),
            settings: QueueSettings {
                offer_callback: true,
                callback_key: "1".into(),
                ring_timeout_ms: 4_000,
                wrap_up_ms: 1_000,
                announce_every_ms: None,
            },
        };
        store
            .update_queue(tenant, bookings.id, &spec)
            .await
            .expect("queue");
    });
}

/// sipp on `port` from `dir`, logging (`-trace_logs`) into `dir/<name>.log`.
fn sipp_peer(dir: &Path, name: &str, args: &[String]) -> KillOnDrop {
    std::fs::create_dir_all(dir).expect("peer dir");
    let child = Command::new("sipp")
        .args(args)
        .args(["-nostdin", "-trace_logs", "-log_file"])
        .arg(dir.join(format!("{name}.log")))
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn sipp");
    KillOnDrop(child)
}

/// Registers `agent` from 127.0.0.1:`port`, then answers its calls there.
fn start_agent(server: &Server, dir: &Path, agent: &str) -> KillOnDrop {
    let port = wasmphony_testkit::free_udp_port().to_string();
    let register = Command::new("sipp")
        .arg(&server.sip)
        .args(["-sf", &sipp_xml("agent_register.xml")])
        .args(["-i", "127.0.0.1", "-p", &port, "-m", "1", "-nostdin"])
        .args(["-au", agent, "-ap", &secret(agent)])
        .args(["-key", "agent", agent, "-key", "domain", "demo"])
        .args(["-timeout", "10s", "-timeout_error"])
        .output()
        .expect("sipp registers");
    assert!(register.status.success(), "{agent} registers: {register:?}");
    let args: Vec<String> = [
        "-sf",
        &sipp_xml("uas_agent_talks.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        &port,
        "-mp",
        &wasmphony_testkit::free_udp_port().to_string(),
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    sipp_peer(&dir.join(format!("agent-{agent}")), "agent", &args)
}

/// One group of callers: `count` numbers from `first`, calling at 10 per second.
fn callers(
    server: &Server,
    dir: &Path,
    scenario: &'static str,
    first: usize,
    count: usize,
) -> std::thread::JoinHandle<support::SippRun> {
    let dir = dir.join(scenario.trim_end_matches(".xml"));
    std::fs::create_dir_all(&dir).expect("group dir");
    let numbers: String = (first..first + count)
        .map(|index| format!("{};\n", caller(index)))
        .collect();
    std::fs::write(dir.join("callers.csv"), format!("SEQUENTIAL\n{numbers}")).expect("csv");
    let sip = server.sip.clone();
    let pcap = dtmf_pcap();
    std::thread::spawn(move || {
        let count = count.to_string();
        let mut args = vec![
            "-inf",
            "callers.csv",
            "-r",
            "10",
            "-m",
            &count,
            "-l",
            &count,
            "-timeout",
            "80s",
        ];
        args.extend(["-key", "dtmf_pcap", &pcap]);
        run_sipp(
            &sip,
            QUEUE_NUMBER.trim_start_matches('+'),
            scenario,
            &dir,
            &args,
            Duration::from_secs(90),
        )
    })
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

/// How one caller was served, from their CDR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Served {
    Agent,
    Backup,
    Missed,
}

/// The calls of the test's callers, and the tasks, once every call is over and no task
/// is waiting or being worked (bounded by [`SETTLE_WAIT`]).
fn settled(dir: &Path, started: Instant) -> (BTreeMap<String, Served>, Vec<CallbackTask>) {
    loop {
        let (calls, tasks) = on_store(dir, async |store, tenant| {
            let filter = CallFilter {
                number: Some(QUEUE_NUMBER.into()),
                ..CallFilter::default()
            };
            let calls = store
                .search_calls(tenant, &filter, Page::first(100))
                .await
                .expect("calls");
            let mut served = Vec::new();
            for call in calls {
                let events = store.call_events(tenant, &call.id).await.expect("events");
                let vars: BTreeSet<String> = events
                    .iter()
                    .filter(|event| event.kind == "var")
                    .filter_map(|event| event.detail["name"].as_str().map(str::to_string))
                    .collect();
                served.push((call, vars));
            }
            let tasks = store
                .list_callbacks(tenant, None, Page::first(100))
                .await
                .expect("tasks");
            (served, tasks)
        });
        let all_over = calls.len() == WAITERS + PRESS_1 + HANG_UP
            && calls
                .iter()
                .all(|(call, _)| call.status == CallStatus::Completed);
        let tasks_closed = tasks
            .iter()
            .all(|task| !matches!(task.state, CallbackState::New | CallbackState::InProgress));
        if all_over && tasks_closed {
            let mut served = BTreeMap::new();
            for (call, vars) in calls {
                let how = if vars.contains("queue_answered_by") {
                    Served::Agent
                } else if vars.contains("overflow_answered_by") {
                    assert!(
                        call.tags.contains(&"queue-overflow".to_string()),
                        "{call:?}"
                    );
                    Served::Backup
                } else {
                    assert!(
                        call.tags.contains(&"callback".to_string()),
                        "neither answered nor filed for a callback: {call:?} {vars:?}"
                    );
                    Served::Missed
                };
                let earlier = served.insert(call.customer_number.clone(), how);
                assert!(
                    earlier.is_none(),
                    "one call per caller: {}",
                    call.customer_number
                );
            }
            return (served, tasks);
        }
        assert!(
            started.elapsed() < SETTLE_WAIT,
            "not settled in time: {} calls ({} over), tasks {tasks:#?}",
            calls.len(),
            calls
                .iter()
                .filter(|(call, _)| call.status == CallStatus::Completed)
                .count()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The numbers the carrier was sent, with how often.
fn dialled(carrier_log: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(carrier_log)
        .unwrap_or_default()
        .lines()
    {
        // "called <user> in INVITE sip:<user>"
        if let Some(user) = line.trim().strip_prefix("called ") {
            let user = user.split_whitespace().next().unwrap_or_default();
            let digits = user.trim_start_matches('+').to_string();
            *counts.entry(digits).or_insert(0) += 1;
        }
    }
    counts
}

#[test]
fn twenty_callers_three_agents_nobody_lost_nobody_called_twice() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let to_bookings = serde_json::json!({ "action": "queue", "queue": "bookings" });
    support::phone::seed_ivr_route(dir.path(), QUEUE_NUMBER, to_bookings, |config| {
        // The queue's own limit applies (its overflow), and no announcements.
        config["queue"]["max_wait_seconds"] = 0.into();
        config["queue"]["announce_every_seconds"] = 0.into();
        config["queue"]["callback_key"] = "1".into();
        config["voicemail"]["max_seconds"] = 1.into();
    });
    let carrier_port = wasmphony_testkit::free_udp_port();
    seed_queue(dir.path(), carrier_port);
    let peers = dir.path().join("peers");
    let carrier_args: Vec<String> = [
        "-sf",
        &sipp_xml("uas_carrier_logs.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        &carrier_port.to_string(),
        "-mp",
        &wasmphony_testkit::free_udp_port().to_string(),
    ]
    .iter()
    .map(|arg| arg.to_string())
    .collect();
    let carrier = sipp_peer(&peers.join("carrier"), "carrier", &carrier_args);
    let server = Server::start(dir.path(), &[]);
    let agents: Vec<KillOnDrop> = AGENTS
        .iter()
        .map(|agent| start_agent(&server, &peers, agent))
        .collect();

    let started = Instant::now();
    let groups = [
        callers(&server, &peers, "uac_queue_waits.xml", 0, WAITERS),
        callers(&server, &peers, "uac_queue_press_1.xml", WAITERS, PRESS_1),
        callers(
            &server,
            &peers,
            "uac_queue_hangs_up.xml",
            WAITERS + PRESS_1,
            HANG_UP,
        ),
    ];
    for group in groups {
        let run = group.join().expect("caller group");
        assert_eq!(
            run.code,
            Some(0),
            "every call of the group completed: {}",
            run.output
        );
    }
    let (served, tasks) = settled(dir.path(), started);
    let took = started.elapsed();
    // A last look for late calls: more than a dialer round after the tasks closed.
    std::thread::sleep(Duration::from_secs(6));
    drop(agents);
    drop(carrier);
    drop(server);

    let count = |how: Served| served.values().filter(|s| **s == how).count();
    println!(
        "settled in {took:?}: {} by agents, {} by the backup, {} missed; {} tasks",
        count(Served::Agent),
        count(Served::Backup),
        count(Served::Missed),
        tasks.len()
    );
    assert_eq!(served.len(), WAITERS + PRESS_1 + HANG_UP, "{served:?}");
    assert!(
        count(Served::Agent) >= 3 && count(Served::Backup) >= 1 && count(Served::Missed) >= 1,
        "every path was taken: {served:?}"
    );
    let missed: BTreeSet<String> = served
        .iter()
        .filter(|(_, how)| **how == Served::Missed)
        .map(|(number, _)| number.trim_start_matches('+').to_string())
        .collect();
    let tasked: BTreeSet<String> = tasks
        .iter()
        .map(|task| task.number.trim_start_matches('+').to_string())
        .collect();
    assert_eq!(missed, tasked, "one callback task per missed caller");
    for task in &tasks {
        assert_eq!(
            (task.state, task.attempts),
            (CallbackState::Done, 1),
            "called back once and reached: {task:?}"
        );
    }

    let carrier_saw = dialled(&peers.join("carrier").join("carrier.log"));
    let backup = BACKUP.trim_start_matches('+');
    assert_eq!(
        carrier_saw.get(backup).copied().unwrap_or(0),
        count(Served::Backup),
        "the backup rang once per overflowed caller: {carrier_saw:?}"
    );
    let called_back: BTreeMap<&String, &usize> = carrier_saw
        .iter()
        .filter(|(number, _)| number.as_str() != backup)
        .collect();
    assert_eq!(
        called_back
            .keys()
            .map(|n| (*n).clone())
            .collect::<BTreeSet<_>>(),
        missed,
        "exactly the missed callers were called back: {carrier_saw:?}"
    );
    assert!(
        called_back.values().all(|times| **times == 1),
        "nobody was called twice: {carrier_saw:?}"
    );
}

//! The auto-callback dialer in the running server: a task on the demo tenant's stored
//! missed-call list, then the bookings agent (baresip, 101) registers; the dialer hands
//! the task to a queue with a free agent, the agent's phone rings and answers, the
//! customer is dialled through the tenant's trunk (sipp as the carrier) and answers; the
//! task ends done with one attempt, and the customer is dialled exactly once.

mod support;

use std::net::UdpSocket;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::phone::{banner_secret, start_baresip};
use support::{Server, sipp_xml, sqlite_url};
use wasmphony_store::{
    CallbackState, CallbackTask, CallbackTaskId, MissedCall, Store, TenantId, TrunkSpec, UnixMs,
};

/// The bookings agent of the demo tenant.
const AGENT: &str = "101";
/// The customer to call back (the trunk carries `+359`).
const CUSTOMER: &str = "+359888123456";
/// The demo number the customer had called.
const OFFICE: &str = "+35924001000";
/// Longest wait for the dialer, the agent and the customer (dialer rounds are 5 s).
const DONE_WAIT: Duration = Duration::from_secs(40);
/// How long the carrier is watched for a second call: more than a dialer round.
const QUIET_WATCH: Duration = Duration::from_secs(7);

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

fn task(data_dir: &Path, id: CallbackTaskId) -> CallbackTask {
    on_store(data_dir, async |store, tenant| {
        store.callback_task(tenant, id).await.expect("task")
    })
}

#[test]
fn a_stored_task_is_called_back_through_the_free_agent_once() {
    if !wasmphony_testkit::have_sipp() || !wasmphony_testkit::have_baresip() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let seeded = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args(["serve", "--check", "--data-dir"])
        .arg(dir.path())
        .env_remove("WASMPHONY_DATABASE_URL")
        .output()
        .expect("seed");
    assert!(seeded.status.success(), "{seeded:?}");
    let carrier_port = wasmphony_testkit::free_udp_port();
    let id = on_store(dir.path(), async |store, tenant| {
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
        let missed = MissedCall {
            number: CUSTOMER.into(),
            dialed: OFFICE.into(),
            reason: "no_answer".into(),
            call: None,
            due: UnixMs::now(),
            queue: Some("bookings".into()),
        };
        let now = UnixMs::now();
        store
            .add_missed_call(tenant, &missed, now)
            .await
            .expect("task")
            .id
    });

    let carrier = std::thread::spawn(move || {
        Command::new("sipp")
            .args(["-sf", &sipp_xml("uas_customer_answers.xml")])
            .args(["-i", "127.0.0.1", "-p", &carrier_port.to_string()])
            .args(["-mp", &wasmphony_testkit::free_udp_port().to_string()])
            .args(["-rtp_echo", "-m", "1", "-nostdin"])
            .args(["-timeout", "60s", "-timeout_error"])
            .output()
            .expect("sipp carrier")
    });
    let server = Server::start(dir.path(), &[]);
    // With no agent registered the dialer gives its claims back: no attempt counted.
    std::thread::sleep(Duration::from_secs(6));
    let waiting = task(dir.path(), id);
    assert_eq!(
        (waiting.state, waiting.attempts),
        (CallbackState::New, 0),
        "{waiting:?}"
    );

    let secret = banner_secret(&server.banner, AGENT);
    let _agent = start_baresip(&dir.path().join("agent"), &server.sip, AGENT, &secret);
    let deadline = Instant::now() + DONE_WAIT;
    let done = loop {
        let now = task(dir.path(), id);
        if now.state != CallbackState::New && now.state != CallbackState::InProgress {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "not called back in time: {now:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(
        (done.state, done.attempts),
        (CallbackState::Done, 1),
        "{done:?}"
    );

    let carrier_run = carrier.join().expect("carrier thread");
    assert!(
        carrier_run.status.success(),
        "the customer answered the callback: {}\n{}",
        String::from_utf8_lossy(&carrier_run.stdout),
        String::from_utf8_lossy(&carrier_run.stderr)
    );
    // Nothing dials the customer again.
    let watch = UdpSocket::bind(("127.0.0.1", carrier_port)).expect("carrier port");
    watch.set_read_timeout(Some(QUIET_WATCH)).expect("timeout");
    let mut buffer = [0u8; 2048];
    if let Ok((len, from)) = watch.recv_from(&mut buffer) {
        panic!(
            "the customer was called again from {from}: {}",
            String::from_utf8_lossy(&buffer[..len])
        );
    }
    drop(server);
}

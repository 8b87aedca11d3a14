//! `GET /metrics` of a running server tells what really happened: a real sipp call, a
//! malformed SIP datagram and a malformed RTP datagram sent to the call's leg move exactly
//! their series, the guest's instantiation is timed, and a guest that traps is counted by
//! its reason.

mod support;

use std::collections::HashMap;
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use support::{ADMIN_KEY, Server, run_sipp};

/// The demo number answered by ivr-menu.
const IVR_NUMBER: &str = "35924001000";
/// Longest wait for a series to reach a value.
const SETTLE: Duration = Duration::from_secs(20);

/// The exposition as series (name with labels) to value.
fn scrape(server: &Server) -> HashMap<String, f64> {
    let (status, body) = server.http("GET", "/metrics", Some(ADMIN_KEY), None);
    assert_eq!(status, 200, "{body}");
    body.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("`series value`");
            let value = value.parse().unwrap_or_else(|_| panic!("a number: {line}"));
            (series.to_string(), value)
        })
        .collect()
}

fn value(metrics: &HashMap<String, f64>, series: &str) -> f64 {
    *metrics
        .get(series)
        .unwrap_or_else(|| panic!("{series} is not exposed: {metrics:#?}"))
}

/// Scrapes until `ready` holds (at most [`SETTLE`]); the last scrape.
fn scrape_until(
    server: &Server,
    what: &str,
    ready: impl Fn(&HashMap<String, f64>) -> bool,
) -> HashMap<String, f64> {
    let deadline = Instant::now() + SETTLE;
    loop {
        let metrics = scrape(server);
        if ready(&metrics) {
            return metrics;
        }
        assert!(
            Instant::now() < deadline,
            "{what} never happened: {metrics:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A request whose Max-Forwards does not parse: the endpoint can read its Via, so it
/// answers 400.
fn malformed_options(from_port: u16) -> String {
    format!(
        "OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:{from_port};branch=z9hG4bKmetrics1;rport\r\n\
         Max-Forwards: many\r\nFrom: <sip:probe@127.0.0.1>;tag=m1\r\nTo: <sip:probe@127.0.0.1>\r\n\
         Call-ID: metrics-malformed\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    )
}

#[test]
fn a_call_and_malformed_sip_and_rtp_move_exactly_their_series() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);

    let before = scrape(&server);
    for series in [
        "wasmphony_calls_active",
        "wasmphony_rtp_legs_active",
        "wasmphony_guest_instantiation_seconds_count",
        "wasmphony_sip_malformed_total{outcome=\"answered_400\"}",
        "wasmphony_rtp_packets_total{kind=\"malformed\"}",
        "wasmphony_guest_failures_total{reason=\"trap\"}",
        "wasmphony_journal_cdrs_total{event=\"opened\"}",
    ] {
        assert_eq!(value(&before, series), 0.0, "{series} before any call");
    }

    // One call of four seconds: long enough to reach its leg while it is up.
    let sip = server.sip.clone();
    let call_dir = dir.path().to_path_buf();
    let sipp = std::thread::spawn(move || {
        run_sipp(
            &sip,
            IVR_NUMBER,
            "uac_logged.xml",
            &call_dir,
            &[
                "-key",
                "rtp_sink",
                "9",
                "-d",
                "4000",
                "-m",
                "1",
                "-timeout",
                "30s",
                "-timeout_error",
            ],
            Duration::from_secs(40),
        )
    });
    // The leg sends from the moment signalling completed; its latch then learns the first
    // source within 3 s, so the malformed datagram is counted as malformed, not foreign.
    let during = scrape_until(&server, "the call's media", |m| {
        value(m, "wasmphony_calls_active") == 1.0
            && value(m, "wasmphony_rtp_packets_total{kind=\"sent\"}") > 0.0
    });
    assert_eq!(value(&during, "wasmphony_rtp_legs_active"), 1.0);
    let rtp = UdpSocket::bind("127.0.0.1:0").expect("an RTP socket");
    let (first, last) = server.rtp_ports;
    // Only the call's leg listens in the server's range; the rest of the datagrams are lost.
    for port in (first..last).filter(|port| port % 2 == 0) {
        rtp.send_to(&[0x80, 0x00, 0x01], ("127.0.0.1", port))
            .expect("datagram sent");
    }

    let sip_probe = UdpSocket::bind("127.0.0.1:0").expect("a SIP socket");
    sip_probe
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let probe_port = sip_probe.local_addr().expect("bound").port();
    sip_probe
        .send_to(
            malformed_options(probe_port).as_bytes(),
            server.sip.as_str(),
        )
        .expect("datagram sent");
    let mut answer = [0u8; 4096];
    let (len, _) = sip_probe
        .recv_from(&mut answer)
        .expect("an answer to the malformed request");
    let answer = String::from_utf8_lossy(&answer[..len]);
    assert!(answer.starts_with("SIP/2.0 400 "), "{answer}");

    let run = sipp.join().expect("sipp thread");
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert_eq!(run.completed.len(), 1, "{}", run.output);

    let after = scrape_until(&server, "the call's end", |m| {
        value(m, "wasmphony_calls_active") == 0.0
            && value(m, "wasmphony_rtp_legs_active") == 0.0
            && value(m, "wasmphony_journal_cdrs_total{event=\"finished\"}") == 1.0
    });
    let moved = |series: &str| value(&after, series) - value(&before, series);
    assert_eq!(
        moved("wasmphony_sip_malformed_total{outcome=\"answered_400\"}"),
        1.0
    );
    assert_eq!(
        moved("wasmphony_sip_malformed_total{outcome=\"dropped\"}"),
        0.0
    );
    assert_eq!(
        moved("wasmphony_rtp_packets_total{kind=\"malformed\"}"),
        1.0
    );
    assert_eq!(moved("wasmphony_rtp_packets_total{kind=\"foreign\"}"), 0.0);
    assert!(
        moved("wasmphony_rtp_packets_total{kind=\"sent\"}") >= 100.0,
        "4 s at 50 packets/s"
    );
    assert!(moved("wasmphony_sip_requests_total{direction=\"in\",method=\"INVITE\"}") >= 1.0);
    assert!(moved("wasmphony_sip_requests_total{direction=\"in\",method=\"BYE\"}") >= 1.0);
    assert!(
        moved("wasmphony_sip_responses_total{direction=\"out\",class=\"2xx\"}") >= 2.0,
        "200 to the INVITE and to the BYE"
    );
    assert!(moved("wasmphony_sip_responses_total{direction=\"out\",class=\"4xx\"}") >= 1.0);
    assert_eq!(moved("wasmphony_journal_cdrs_total{event=\"opened\"}"), 1.0);
    assert_eq!(moved("wasmphony_journal_cdrs_total{event=\"failed\"}"), 0.0);
    assert_eq!(
        value(&after, "wasmphony_calls_finished{disposition=\"answered\"}"),
        1.0
    );
    assert!(value(&after, "wasmphony_guest_instantiation_seconds_count") >= 1.0);
    assert_eq!(
        value(
            &after,
            "wasmphony_guest_instantiation_seconds_bucket{le=\"+Inf\"}"
        ),
        value(&after, "wasmphony_guest_instantiation_seconds_count"),
    );
    assert!(value(&after, "wasmphony_guest_instantiation_seconds_sum") > 0.0);
    assert_eq!(
        value(&after, "wasmphony_guest_failures_total{reason=\"trap\"}"),
        0.0
    );
    for reason in [
        "call_rate",
        "capacity",
        "ports",
        "rate_limit",
        "transactions",
        "user_queue",
    ] {
        let series = format!("wasmphony_sip_overload_503_total{{reason=\"{reason}\"}}");
        assert_eq!(value(&after, &series), 0.0, "{series}");
    }

    let (status, _) = server.http("GET", "/metrics", None, None);
    assert_eq!(status, 401, "no key, no metrics");
}

#[test]
fn a_guest_that_traps_is_counted_by_its_reason() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[]);
    let key = server.tenant_key(1, "admin");
    let (status, body) = server.http(
        "POST",
        "/api/v1/components/test-guests",
        Some(&key),
        Some(("application/wasm", wasmphony_scenarios::test_guest())),
    );
    assert!(status == 200 || status == 201, "upload: {status} {body}");
    let json = |body: serde_json::Value| body.to_string().into_bytes();
    let number = json(serde_json::json!({ "number": "+35924007100" }));
    let (status, body) = server.http(
        "POST",
        "/api/v1/numbers",
        Some(&key),
        Some(("application/json", &number)),
    );
    assert_eq!(status, 201, "{body}");
    let route = json(serde_json::json!({
        "number": "+35924007100", "scenario": "test-guests", "config": { "behave": "trap" },
        "fallback": null, "working_hours": null
    }));
    let (status, body) = server.http(
        "POST",
        "/api/v1/routes",
        Some(&key),
        Some(("application/json", &route)),
    );
    assert_eq!(status, 201, "{body}");

    // The route table picks the route up within seconds; each call until then is a 404.
    let deadline = Instant::now() + SETTLE;
    let trapped = "wasmphony_guest_failures_total{reason=\"trap\"}";
    loop {
        // Whatever the fallback does with the caller, the failure is what is counted here.
        run_sipp(
            &server.sip,
            "35924007100",
            "uac_logged.xml",
            dir.path(),
            &[
                "-key", "rtp_sink", "9", "-d", "200", "-m", "1", "-timeout", "10s",
            ],
            Duration::from_secs(20),
        );
        let metrics = scrape(&server);
        if value(&metrics, trapped) >= 1.0 {
            assert_eq!(value(&metrics, trapped), 1.0, "one call, one trap");
            assert_eq!(
                value(&metrics, "wasmphony_guest_failures_total{reason=\"cpu\"}"),
                0.0
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the trap was never counted: {metrics:#?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

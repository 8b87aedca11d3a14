//! SIP over TCP and IPv6 against the real binary: sipp calls the demo's ivr-menu over
//! TCP, over UDP on IPv6 and over TCP on IPv6 on one dual-stack server; each caller hears
//! the prompt at an address of its own family and each call has its CDR.

mod support;

use std::time::Duration;

use support::Server;
use support::phone::{call_and_hear_at, demo_calls};

/// The demo's ivr-menu number.
const IVR_MENU: &str = "35924001000";

/// The address of the banner's SIP line for `family` (`[` for IPv6), and whether it
/// serves TCP on the same port (`udp/tcp`).
fn sip_line(banner: &str, ipv6: bool) -> (String, bool) {
    banner
        .lines()
        .filter_map(|line| line.trim().strip_prefix("SIP:"))
        .map(str::trim)
        .find_map(|rest| {
            let (transports, rest) = rest.split_once(' ')?;
            let addr = rest.split_whitespace().next()?;
            (addr.starts_with('[') == ipv6).then(|| (addr.to_string(), transports == "udp/tcp"))
        })
        .unwrap_or_else(|| panic!("no SIP line for ipv6={ipv6}:\n{banner}"))
}

/// Frames of a 5 s call's prompt: the ivr-menu greets at once and talks for seconds.
const HEARD_AT_LEAST: usize = 100;

#[test]
fn one_dual_stack_server_takes_calls_over_tcp_and_ipv6() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &["--sip", "[::1]:0"]);
    let (v4, v4_tcp) = sip_line(&server.banner, false);
    let (v6, v6_tcp) = sip_line(&server.banner, true);
    assert!(
        v4_tcp && v6_tcp,
        "TCP shares UDP's port:\n{}",
        server.banner
    );

    let cases = [
        ("tcp over IPv4", v4.as_str(), "127.0.0.1", "t1"),
        ("udp over IPv6", v6.as_str(), "::1", "u1"),
        ("tcp over IPv6", v6.as_str(), "::1", "t1"),
    ];
    for (name, sip, ear, transport) in cases {
        let heard = call_and_hear_at(sip, IVR_MENU, dir.path(), ear, &["-t", transport]);
        assert!(
            heard.len() >= HEARD_AT_LEAST,
            "{name}: the caller heard {} frames",
            heard.len()
        );
    }

    // The CDRs are written at hang-up; give the journal a moment to commit the last one.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let calls = loop {
        let calls = demo_calls(dir.path());
        if calls.len() >= cases.len() && calls.iter().all(|call| call.end.is_some())
            || std::time::Instant::now() > deadline
        {
            break calls;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(calls.len(), cases.len(), "{calls:?}");
    for call in &calls {
        assert_eq!(call.dialed, format!("+{IVR_MENU}"), "{call:?}");
        assert!(call.answer.is_some() && call.end.is_some(), "{call:?}");
    }
}

//! Test support shared by the interop suites (sipp, baresip, PostgreSQL).
//!
//! Interop tests need real peers. On a developer's machine without one, the test prints a
//! loud skip and passes; under `CI` (set and not `0`/`false`), a missing peer is a failure,
//! because CI installs every peer and a silent skip there would hide a broken suite.

#[cfg(feature = "postgres")]
pub mod postgres;

use std::io::Write;
use std::process::{Command, Stdio};

/// True when the environment variable `CI` is set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Reports that `what` is missing (`why`): a panic under CI, a loud skip line otherwise.
/// Written to the real stderr, not through the test harness, so the skip is always seen.
pub fn missing(what: &str, why: &str) {
    assert!(!in_ci(), "{what} is unavailable ({why}) but CI is set");
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_string();
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPED {test}: {what} is unavailable ({why}) !!!\n"
    );
}

/// True when `binary` runs (it is asked for `version_flag`); otherwise reports it missing
/// with the Debian `package` that provides it.
pub fn have_binary(binary: &str, version_flag: &str, package: &str) -> bool {
    let runs = Command::new(binary)
        .arg(version_flag)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !runs {
        missing(
            &format!("the `{binary}` binary"),
            &format!("apt-get install {package}"),
        );
    }
    runs
}

/// True when sipp can run (Debian package `sip-tester`).
pub fn have_sipp() -> bool {
    have_binary("sipp", "-v", "sip-tester")
}

/// True when baresip can run (Debian package `baresip`).
pub fn have_baresip() -> bool {
    have_binary("baresip", "-h", "baresip")
}

/// Test peers' ports are taken below this: the media port ranges the tests give their
/// controllers and legs (42,000–52,000) lie inside the kernel's ephemeral range, and a
/// peer told to use a port that a media leg then bound (between the check and the
/// peer's own bind) fails to start, which showed up as a rare "nobody answered".
pub const PEER_PORTS_BELOW: u16 = 40_000;

/// A loopback UDP port that was free a moment ago (for peers that take a port number),
/// below [`PEER_PORTS_BELOW`] when the kernel offers one within a few hundred tries.
pub fn free_udp_port() -> u16 {
    let mut port = 0;
    for _ in 0..500 {
        port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|socket| socket.local_addr())
            .map(|addr| addr.port())
            .unwrap_or_else(|e| panic!("no free loopback UDP port: {e}"));
        if port < PEER_PORTS_BELOW {
            break;
        }
    }
    port
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_that_does_not_exist_is_missing_outside_ci() {
        if in_ci() {
            return; // under CI the same call must panic; checked below
        }
        assert!(!have_binary("wasmphony-no-such-binary", "-v", "nothing"));
    }

    #[test]
    fn free_ports_are_usable() {
        let port = free_udp_port();
        assert_ne!(port, 0);
        assert!(std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok());
    }

    #[test]
    fn free_ports_stay_out_of_the_tests_media_ranges() {
        // With Linux's default ephemeral range (32,768–60,999) ports below 40,000 come up
        // about one try in four: 20 draws all below means the filter works. A machine
        // whose range starts higher has no such port to give.
        let low: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|range| range.split_whitespace().next()?.parse().ok())
            .unwrap_or(u16::MAX);
        if low >= PEER_PORTS_BELOW {
            return;
        }
        for _ in 0..20 {
            assert!(free_udp_port() < PEER_PORTS_BELOW);
        }
    }
}

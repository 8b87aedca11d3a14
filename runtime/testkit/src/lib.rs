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

/// A loopback UDP port that was free a moment ago (for peers that take a port number).
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|socket| socket.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("no free loopback UDP port: {e}"))
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
}

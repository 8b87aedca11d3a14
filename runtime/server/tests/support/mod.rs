//! The `wasmphony` binary as a test peer: started on a scratch data directory with
//! loopback SIP/HTTP on free ports, read from its banner, killed when the test ends;
//! plus a minimal HTTP/1.1 client and sipp runs with deadlines.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

pub mod hook;
pub mod phone;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

/// The admin key every test server uses.
pub const ADMIN_KEY: &str = "test-admin-key";
/// Longest a server may take to print `ready`.
pub const START_DEADLINE: Duration = Duration::from_secs(60);

/// RTP ports for one server, distinct per server of this test binary, so servers
/// of tests running in parallel never compete for the same ports.
fn rtp_range() -> (u16, u16) {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let block = NEXT.fetch_add(1, Ordering::Relaxed);
    // Above Linux's ephemeral range (32768-60999), so no client socket of sipp or the
    // tests takes them; test binaries of one run differ by process id.
    let base = 61_000 + (std::process::id() % 4) as u16 * 1_000 + (block % 5) * 200;
    (base, base + 199)
}

/// A running server; killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub http: String,
    pub sip: String,
    pub banner: String,
    /// The server's RTP ports, first and last.
    pub rtp_ports: (u16, u16),
}

impl Server {
    /// Starts `wasmphony serve` on `data_dir` with `extra` arguments.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let rtp_ports = rtp_range();
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
            .args(["serve", "--http", "127.0.0.1:0", "--sip", "127.0.0.1:0"])
            .args([
                "--admin-key",
                ADMIN_KEY,
                "--rtp-ports",
                &format!("{}-{}", rtp_ports.0, rtp_ports.1),
                "--data-dir",
            ])
            .arg(data_dir)
            .args(extra)
            .env_remove("WASMPHONY_DATABASE_URL")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines_tx, lines_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if lines_tx.send(line).is_err() {
                    // The test stopped listening: keep draining so the server never blocks.
                    continue;
                }
            }
        });
        let mut server = Server {
            child,
            http: String::new(),
            sip: String::new(),
            banner: String::new(),
            rtp_ports,
        };
        loop {
            let line = lines_rx
                .recv_timeout(START_DEADLINE)
                .unwrap_or_else(|_| panic!("no `ready` from the server:\n{}", server.banner));
            server.banner.push_str(&line);
            server.banner.push('\n');
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("HTTP API:") {
                let rest = rest.trim().trim_start_matches("http://");
                server.http = rest.split('/').next().unwrap_or_default().to_string();
            }
            // The first SIP line is the main address (a dual-stack server prints one per family).
            if let Some(rest) = line.strip_prefix("SIP:")
                && server.sip.is_empty()
            {
                let rest = rest.trim().trim_start_matches("udp/tcp").trim();
                server.sip = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
            if line.starts_with("ready") {
                break;
            }
        }
        assert!(
            !server.http.is_empty() && !server.sip.is_empty(),
            "{}",
            server.banner
        );
        server
    }

    /// How many of the server's threads have a name starting with `prefix` (Linux
    /// shows the first 15 bytes of a thread's name).
    pub fn threads_named(&self, prefix: &str) -> usize {
        let tasks = std::fs::read_dir(format!("/proc/{}/task", self.child.id()))
            .expect("the server's threads are listed");
        tasks
            .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
            .filter(|name| name.starts_with(prefix))
            .count()
    }

    /// SIGINT (Ctrl-C); waits at most `wait` for the exit and returns its status and what
    /// the server printed after `ready`.
    pub fn interrupt(&mut self, wait: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// A new API key of tenant `tenant` (by id) with `role`, made with the admin key.
    pub fn tenant_key(&self, tenant: u64, role: &str) -> String {
        let body = format!(r#"{{"name":"test","role":"{role}"}}"#);
        let path = format!("/api/v1/tenants/{tenant}/keys");
        let (status, reply) = self.http(
            "POST",
            &path,
            Some(ADMIN_KEY),
            Some(("application/json", body.as_bytes())),
        );
        assert_eq!(status, 201, "{reply}");
        let created: serde_json::Value = serde_json::from_str(&reply).expect("json");
        created["secret"].as_str().expect("a secret").to_string()
    }

    /// SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// An HTTP request to the server's API.
    pub fn http(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<(&str, &[u8])>,
    ) -> (u16, String) {
        http(&self.http, method, path, key, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 request over a fresh connection; the status code and the body.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<(&str, &[u8])>,
) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("the API accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    let (content_type, bytes) = body.unwrap_or(("application/json", b""));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        bytes.len()
    )
    .expect("request sent");
    stream.write_all(bytes).expect("body sent");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("response read");
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The database URL of a data directory's default SQLite file.
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite:{}", data_dir.join("wasmphony.db").display())
}

/// Path of a sipp scenario under `tests/sipp/`.
pub fn sipp_xml(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "sipp", name]
        .iter()
        .collect();
    path.to_string_lossy().into_owned()
}

/// A finished sipp run.
pub struct SippRun {
    pub code: Option<i32>,
    pub output: String,
    /// Call-IDs of the calls sipp completed (its log file, one per line).
    pub completed: Vec<String>,
}

/// sipp as callers of `number` at `server` with `scenario` (which logs `done <call-id>` for
/// each completed call), run in `dir`, killed after `deadline`.
pub fn run_sipp(
    server_sip: &str,
    number: &str,
    scenario: &str,
    dir: &Path,
    args: &[&str],
    deadline: Duration,
) -> SippRun {
    let log = dir.join("sipp-completed.log");
    let child = Command::new("sipp")
        .arg(server_sip)
        .args([
            "-sf",
            &sipp_xml(scenario),
            "-s",
            number,
            "-i",
            // sipp's own address, of the server's family.
            if server_sip.starts_with('[') {
                "::1"
            } else {
                "127.0.0.1"
            },
            "-p",
        ])
        .arg(wasmphony_testkit::free_udp_port().to_string())
        .args(["-mp", &wasmphony_testkit::free_udp_port().to_string()])
        .args(["-nostdin", "-trace_logs", "-log_file"])
        .arg(&log)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sipp");
    let pid = child.id();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done_tx.send(child.wait_with_output());
    });
    let output = match done_rx.recv_timeout(deadline) {
        Ok(output) => output.expect("sipp ran"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("sipp did not finish within {deadline:?}");
        }
    };
    let completed = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.trim().strip_prefix("done ").map(str::to_string))
        .collect();
    SippRun {
        code: output.status.code(),
        output: format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        completed,
    }
}

/// One sipp call of half a second to the demo's ivr-menu number (its media discarded),
/// asserted complete; its Call-ID.
pub fn one_short_call(server: &Server, dir: &Path) -> String {
    let run = run_sipp(
        &server.sip,
        "35924001000",
        "uac_logged.xml",
        dir,
        &[
            "-key",
            "rtp_sink",
            "9",
            "-d",
            "500",
            "-m",
            "1",
            "-timeout",
            "30s",
            "-timeout_error",
        ],
        Duration::from_secs(40),
    );
    assert_eq!(run.code, Some(0), "{}", run.output);
    run.completed.first().expect("one call").clone()
}

/// A child process killed when the test ends, however it ends.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

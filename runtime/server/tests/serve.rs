//! `wasmphony serve`: the embedded default starts on an empty data directory with the demo
//! tenant and the shipped scenarios, starts again without duplicating anything, and closes
//! the calls a crash cut as interrupted.

use std::path::Path;
use std::process::{Command, Output};

use wasmphony_store::{CallStatus, Direction, NewCall, Store, UnixMs};

fn serve_check(data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args(["serve", "--check", "--data-dir"])
        .arg(data_dir)
        .env_remove("WASMPHONY_DATABASE_URL")
        .output()
        .expect("the wasmphony binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn database(data_dir: &Path) -> String {
    format!("sqlite:{}", data_dir.join("wasmphony.db").display())
}

#[test]
fn a_fresh_data_dir_gets_the_demo_tenant_and_the_shipped_scenarios() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = serve_check(dir.path());
    let text = stdout(&first);
    assert!(first.status.success(), "{text}\n{}", String::from_utf8_lossy(&first.stderr));
    assert!(text.contains("demo tenant created"), "{text}");
    assert!(text.contains("+35924001000 -> ivr-menu"), "{text}");
    let shipped = wasmphony_scenarios_count();
    assert!(text.contains(&format!("{shipped} component version(s) loaded")), "{text}");

    let again = serve_check(dir.path());
    let text = stdout(&again);
    assert!(again.status.success(), "{text}");
    assert!(!text.contains("demo tenant created"), "seeding happens once: {text}");
    assert!(text.contains(&format!("{shipped} component version(s) loaded")), "{text}");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::connect(&database(dir.path())).await.expect("the database opens");
        let tenants = store.list_tenants().await.expect("tenants");
        assert_eq!(tenants.len(), 1, "one demo tenant after two starts");
        let routes = store.list_routes(tenants[0].id).await.expect("routes");
        assert_eq!(routes.len(), 3);
        let components = store.list_components(tenants[0].id).await.expect("components");
        assert_eq!(components.len(), shipped);
        assert!(components.iter().all(|c| c.active_version == Some(1)));
        for component in &components {
            let versions = store.component_versions(tenants[0].id, &component.name).await.expect("versions");
            // The API compares an upload's world with the stored one in the engine's words.
            assert!(
                versions.iter().all(|v| v.world == wasmphony_engine::World::Call.as_str()),
                "{versions:?}"
            );
        }
    });
}

#[test]
fn calls_cut_by_a_crash_are_closed_as_interrupted_at_start_up() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(serve_check(dir.path()).status.success());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (tenant, call_id) = runtime.block_on(async {
        let store = Store::connect(&database(dir.path())).await.expect("open").for_node("node-1");
        let tenant = store.list_tenants().await.expect("tenants")[0].id;
        let call = NewCall {
            id: "cut-by-a-crash".into(),
            direction: Direction::Inbound,
            from: "+359888123456".into(),
            to: "+35924001000".into(),
            dialed: "+35924001000".into(),
            source: None,
            start: UnixMs::now(),
            scenario: Some("ivr-menu".into()),
            component_hash: None,
        };
        store.open_call(tenant, &call).await.expect("a live call");
        store.close().await;
        (tenant, call.id)
    });

    let restart = serve_check(dir.path());
    let text = stdout(&restart);
    assert!(restart.status.success(), "{text}");
    assert!(text.contains("closed 1 call(s) cut by the last stop as interrupted"), "{text}");
    runtime.block_on(async {
        let store = Store::connect(&database(dir.path())).await.expect("open");
        let call = store.call(tenant, &call_id).await.expect("the call is kept");
        assert_eq!(call.status, CallStatus::Interrupted, "{call:?}");
    });
}

#[test]
fn an_unusable_database_url_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args(["serve", "--check", "--database", "mysql://nowhere/db", "--data-dir"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot start"), "{stderr}");
}

fn wasmphony_scenarios_count() -> usize {
    wasmphony_scenarios::shipped().len()
}

/// A GET over a fresh connection; returns the status line and the body.
fn http_get(addr: &str, path: &str, key: Option<&str>) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("the API accepts connections");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("timeout");
    let auth = key.map(|k| format!("Authorization: Bearer {k}\r\n")).unwrap_or_default();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")
        .expect("request sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let status = response.lines().next().unwrap_or_default().to_string();
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// Kills the server when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_server_serves_the_http_api_for_the_demo_tenant() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args(["serve", "--http", "127.0.0.1:0", "--admin-key", "test-admin-key", "--data-dir"])
        .arg(dir.path())
        .env_remove("WASMPHONY_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let _running = Running(child);
    let mut addr = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a banner line");
        if let Some(rest) = line.trim().strip_prefix("HTTP API:") {
            addr = rest.trim().strip_prefix("http://").and_then(|r| r.split('/').next()).map(String::from);
        }
        if line.starts_with("ready") {
            break;
        }
    }
    let addr = addr.expect("the banner names the API address");

    let (status, body) = http_get(&addr, "/api/v1/openapi.json", None);
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("/api/v1/components"), "the OpenAPI document lists the routes");

    let (status, _) = http_get(&addr, "/api/v1/components", None);
    assert!(status.contains("401"), "no key, no data: {status}");

    let (status, body) = http_get(&addr, "/metrics", Some("test-admin-key"));
    assert!(status.contains("200"), "{status}: {body}");
    assert!(body.contains("# TYPE"), "Prometheus text: {body}");
}

//! `wasmphony serve`: the embedded default starts on an empty data directory with the demo
//! tenant and the shipped scenarios, starts again without duplicating anything, and closes
//! the calls a crash cut as interrupted.

mod support;

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
    assert!(
        first.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(text.contains("demo tenant created"), "{text}");
    assert!(text.contains("+35924001000 -> ivr-menu"), "{text}");
    let shipped = wasmphony_scenarios_count();
    assert!(
        text.contains(&format!("{shipped} component version(s) loaded")),
        "{text}"
    );

    let again = serve_check(dir.path());
    let text = stdout(&again);
    assert!(again.status.success(), "{text}");
    assert!(
        !text.contains("demo tenant created"),
        "seeding happens once: {text}"
    );
    assert!(
        text.contains(&format!("{shipped} component version(s) loaded")),
        "{text}"
    );

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = Store::connect(&database(dir.path()))
            .await
            .expect("the database opens");
        let tenants = store.list_tenants().await.expect("tenants");
        assert_eq!(tenants.len(), 1, "one demo tenant after two starts");
        let routes = store.list_routes(tenants[0].id).await.expect("routes");
        assert_eq!(routes.len(), 3);
        let components = store
            .list_components(tenants[0].id)
            .await
            .expect("components");
        assert_eq!(components.len(), shipped);
        assert!(components.iter().all(|c| c.active_version == Some(1)));
        for component in &components {
            let versions = store
                .component_versions(tenants[0].id, &component.name)
                .await
                .expect("versions");
            // The API compares an upload's world with the stored one in the engine's words.
            assert!(
                versions
                    .iter()
                    .all(|v| v.world == wasmphony_engine::World::Call.as_str()),
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
        let store = Store::connect(&database(dir.path()))
            .await
            .expect("open")
            .for_node("node-1");
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
    assert!(
        text.contains("closed 1 call(s) cut by the last stop as interrupted"),
        "{text}"
    );
    runtime.block_on(async {
        let store = Store::connect(&database(dir.path())).await.expect("open");
        let call = store
            .call(tenant, &call_id)
            .await
            .expect("the call is kept");
        assert_eq!(call.status, CallStatus::Interrupted, "{call:?}");
    });
}

#[test]
fn an_unusable_database_url_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_wasmphony"))
        .args([
            "serve",
            "--check",
            "--database",
            "mysql://nowhere/db",
            "--data-dir",
        ])
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

#[test]
fn the_server_serves_the_http_api_and_sip_for_the_demo_tenant() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = support::Server::start(dir.path(), &[]);
    assert!(
        server.banner.contains("try it:"),
        "softphone details: {}",
        server.banner
    );

    let (status, body) = server.http("GET", "/api/v1/openapi.json", None, None);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("/api/v1/components"),
        "the OpenAPI document lists the routes"
    );

    let (status, _) = server.http("GET", "/api/v1/components", None, None);
    assert_eq!(status, 401, "no key, no data");

    let (status, body) = server.http("GET", "/metrics", Some(support::ADMIN_KEY), None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("# TYPE"), "Prometheus text: {body}");
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = support::Server::start(dir.path(), &[]);
    let status = server.interrupt(std::time::Duration::from_secs(20));
    assert!(
        status.is_some_and(|s| s.success()),
        "the server stops on SIGINT with success: {status:?}"
    );
}

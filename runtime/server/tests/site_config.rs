//! The YAML site file: `examples/site.yaml` passes `config check`, `serve --config` applies
//! it (no demo tenant then), applying it again changes nothing, a changed entry is updated,
//! an invalid file is refused with the entry named and nothing written, and the server
//! takes a real SIP call (sipp) on a number from the file.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use support::{Server, run_sipp, sqlite_url};
use wasmphony_store::{CallFilter, Disposition, Page, Role, Store, TenantId};

fn example() -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "examples",
        "site.yaml",
    ]
    .iter()
    .collect()
}

/// The example's text with its relative prompt path made absolute, so a copy can live in a
/// scratch directory.
fn example_text() -> String {
    let prompts: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "..", "prompts", "demo"]
        .iter()
        .collect();
    std::fs::read_to_string(example())
        .expect("the example site file")
        .replace("../prompts/demo", &prompts.display().to_string())
}

fn wasmphony(args: &[&str], data_dir: Option<&Path>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmphony"));
    command.args(args).env_remove("WASMPHONY_DATABASE_URL");
    if let Some(dir) = data_dir {
        command.arg("--data-dir").arg(dir);
    }
    command.output().expect("the wasmphony binary runs")
}

/// `serve --check --config FILE` on `data_dir`.
fn apply(file: &Path, data_dir: &Path) -> Output {
    let file = file.to_str().expect("a UTF-8 path");
    wasmphony(&["serve", "--check", "--config", file], Some(data_dir))
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().expect("runtime")
}

/// Everything the site file can touch, as text, for before/after comparisons.
async fn snapshot(store: &Store) -> String {
    let mut out = format!("{:?}\n", store.list_tenants().await.expect("tenants"));
    for tenant in store.list_tenants().await.expect("tenants") {
        let id = tenant.id;
        out += &format!("{:?}\n", store.list_users(id).await.expect("users"));
        out += &format!("{:?}\n", store.sip_accounts(id).await.expect("sip"));
        out += &format!("{:?}\n", store.list_queues(id).await.expect("queues"));
        out += &format!("{:?}\n", store.list_numbers(id).await.expect("numbers"));
        out += &format!("{:?}\n", store.list_routes(id).await.expect("routes"));
        out += &format!("{:?}\n", store.list_trunks(id).await.expect("trunks"));
        out += &format!("{:?}\n", store.list_prompts(id).await.expect("prompts"));
        for component in store.list_components(id).await.expect("components") {
            out += &format!("{component:?}\n");
            let versions = store.component_versions(id, &component.name).await;
            out += &format!("{:?}\n", versions.expect("versions"));
        }
    }
    out
}

async fn open(data_dir: &Path) -> Store {
    Store::connect(&sqlite_url(data_dir))
        .await
        .expect("the database opens")
}

async fn site_tenant(store: &Store) -> TenantId {
    store
        .tenant_by_slug("pizza-berlin")
        .await
        .expect("tenants")
        .expect("the site's tenant")
        .id
}

#[test]
fn the_example_is_valid_and_applies_once() {
    let check = wasmphony(
        &["config", "check", example().to_str().expect("UTF-8 path")],
        None,
    );
    assert!(check.status.success(), "{}", text(&check));
    assert!(
        text(&check).contains("1 tenant(s), 4 user(s)"),
        "{}",
        text(&check)
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let first = apply(&example(), dir.path());
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("site file:"), "{}", text(&first));
    assert!(
        !text(&first).contains("demo tenant created"),
        "{}",
        text(&first)
    );
    assert!(
        text(&first).contains(" 0 updated, 0 unchanged"),
        "{}",
        text(&first)
    );

    let before = runtime().block_on(async {
        let store = open(dir.path()).await;
        let tenants = store.list_tenants().await.expect("tenants");
        assert_eq!(tenants.len(), 1, "only the file's tenant: {tenants:?}");
        let tenant = site_tenant(&store).await;
        let users = store.list_users(tenant).await.expect("users");
        assert_eq!(users.len(), 4);
        assert_eq!(users[0].extension, "201");
        assert_eq!(users[0].skills.len(), 2);
        assert_eq!(users[2].role, Role::Supervisor);
        let secrets = store.sip_accounts(tenant).await.expect("sip");
        assert_eq!(secrets.len(), 3);
        assert!(
            secrets
                .iter()
                .any(|a| a.username == "201" && a.secret == "change-me-201")
        );
        let routes = store.list_routes(tenant).await.expect("routes");
        assert_eq!(routes.len(), 2);
        let ivr = routes
            .iter()
            .find(|r| r.number == "+4930123450")
            .expect("ivr route");
        let default: serde_json::Value = serde_json::from_str(
            wasmphony_scenarios::by_name("ivr-menu")
                .expect("shipped")
                .default_config,
        )
        .expect("json");
        assert_eq!(
            ivr.config, default,
            "no config in the file: the shipped default"
        );
        let orders = routes
            .iter()
            .find(|r| r.scenario == "orders")
            .expect("orders route");
        assert_eq!(orders.number, "+49301234560", "national number normalised");
        assert!(orders.working_hours.is_some());
        let components = store.list_components(tenant).await.expect("components");
        assert_eq!(components.len(), 2);
        assert!(components.iter().all(|c| c.active_version == Some(1)));
        assert_eq!(
            store.list_trunks(tenant).await.expect("trunks")[0]
                .spec
                .prefixes,
            ["+49"]
        );
        assert_eq!(store.list_queues(tenant).await.expect("queues").len(), 3);
        let (_, audio) = store.prompt_audio(tenant, "closed").await.expect("prompt");
        assert!(audio.starts_with(b"RIFF"));
        snapshot(&store).await
    });

    let again = apply(&example(), dir.path());
    assert!(again.status.success(), "{}", text(&again));
    assert!(
        text(&again).contains("site file:  0 created, 0 updated"),
        "{}",
        text(&again)
    );
    let after = runtime().block_on(async { snapshot(&open(dir.path()).await).await });
    assert_eq!(
        before, after,
        "applying the same file twice changed something"
    );
}

#[test]
fn a_changed_entry_is_updated_and_others_are_kept() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site.yaml");
    std::fs::write(&site, example_text()).expect("write");
    let data = dir.path().join("data");
    assert!(apply(&site, &data).status.success());

    let changed = example_text()
        .replace("name: Anna", "name: Anna Schmidt")
        .replace(
            "max_wait_ms: 120000, max_length: 10",
            "max_wait_ms: 60000, max_length: 5",
        )
        .replace("change-me-202", "new-secret-202");
    std::fs::write(&site, changed).expect("write");
    let output = apply(&site, &data);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("0 created, 3 updated"),
        "{}",
        text(&output)
    );
    runtime().block_on(async {
        let store = open(&data).await;
        let tenant = site_tenant(&store).await;
        let anna = store
            .user_by_extension(tenant, "201")
            .await
            .expect("user")
            .expect("Anna");
        assert_eq!(anna.name, "Anna Schmidt");
        let bookings = store
            .queue_by_name(tenant, "bookings")
            .await
            .expect("q")
            .expect("bookings");
        assert_eq!(
            (bookings.spec.max_wait_ms, bookings.spec.max_length),
            (60_000, 5)
        );
        let secrets = store.sip_accounts(tenant).await.expect("sip");
        assert!(
            secrets
                .iter()
                .any(|a| a.username == "202" && a.secret == "new-secret-202")
        );
        assert_eq!(store.list_users(tenant).await.expect("users").len(), 4);
    });
}

#[test]
fn an_invalid_file_is_refused_with_its_entry_named_and_nothing_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site.yaml");
    std::fs::write(&site, example_text()).expect("write");
    let data = dir.path().join("data");
    assert!(apply(&site, &data).status.success());
    let before = runtime().block_on(async { snapshot(&open(&data).await).await });

    let role_line = 1 + example_text()
        .lines()
        .position(|line| line.contains("role: supervisor"))
        .expect("a supervisor in the example");
    let bad_role = format!("line {role_line} column 15: unknown variant `boss`");
    // A valid change early in the file, a bad entry later: nothing of it is written.
    let cases = [
        (
            example_text()
                .replace("name: Anna", "name: Anna Renamed")
                .replace(
                    "{ kind: queue, name: reception }\n      - number: \"030",
                    "{ kind: queue, name: kitchen }\n      - number: \"030",
                ),
            "tenants[0].routes[0].fallback: names queue \"kitchen\"",
        ),
        (
            example_text()
                .replace("name: Anna", "name: Anna Renamed")
                .replace("role: supervisor", "role: boss"),
            bad_role.as_str(),
        ),
        (
            example_text()
                .replace("name: Anna", "name: Anna Renamed")
                .replace("shipped: branch-router", "shipped: no-such-scenario"),
            "tenants[0].components[1].shipped: \"no-such-scenario\" is not a shipped scenario",
        ),
        (
            example_text()
                .replace("name: Anna", "name: Anna Renamed")
                .replace("\"202\", secret", "\"201\", secret"),
            "tenants[0].users[1].phones[0].username: phone user name \"201\" appears twice",
        ),
    ];
    let twice = example_text().replace(
        "numbers: [\"+4930123450\", \"030 1234560\"]",
        "numbers: [\"+4930123450\", \"030 1234560\", \"030 123450\"]",
    );
    let cases = cases.into_iter().chain([(
        twice,
        "tenants[0].numbers[2]: +4930123450 appears twice in the file",
    )]);
    for (bad, expected) in cases {
        std::fs::write(&site, &bad).expect("write");
        let checked = wasmphony(&["config", "check", site.to_str().expect("UTF-8")], None);
        assert!(!checked.status.success(), "{}", text(&checked));
        assert!(
            text(&checked).contains(expected),
            "expected {expected:?} in:\n{}",
            text(&checked)
        );
        let served = apply(&site, &data);
        assert!(!served.status.success(), "{}", text(&served));
        assert!(text(&served).contains(expected), "{}", text(&served));
        let after = runtime().block_on(async { snapshot(&open(&data).await).await });
        assert_eq!(
            before, after,
            "a refused file changed the store ({expected})"
        );
    }
}

#[test]
fn a_number_another_tenant_owns_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site.yaml");
    let data = dir.path().join("data");
    let before = runtime().block_on(async {
        std::fs::create_dir_all(&data).expect("data dir");
        let store = open(&data).await;
        let other = store
            .create_tenant(&wasmphony_store::NewTenant {
                slug: "other".into(),
                name: "Other".into(),
                country_code: "49".into(),
            })
            .await
            .expect("tenant");
        // The file's second number, written the other way.
        store
            .add_number(other.id, "+49301234560", None)
            .await
            .expect("number");
        let before = snapshot(&store).await;
        store.close().await;
        before
    });
    std::fs::write(&site, example_text()).expect("write");
    let served = apply(&site, &data);
    assert!(!served.status.success(), "{}", text(&served));
    assert!(
        text(&served).contains("tenants[0].numbers[1]: number (another tenant's) already exists"),
        "{}",
        text(&served)
    );
    let after = runtime().block_on(async { snapshot(&open(&data).await).await });
    assert_eq!(before, after, "the refused file wrote something");
}

#[test]
fn the_server_takes_a_call_on_a_number_from_the_file() {
    if !wasmphony_testkit::have_sipp() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let site = example();
    let server = Server::start(&data, &["--config", site.to_str().expect("UTF-8")]);
    let run = run_sipp(
        &server.sip,
        "4930123450",
        "uac_logged.xml",
        dir.path(),
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
    drop(server);
    runtime().block_on(async {
        let store = open(&data).await;
        let tenant = site_tenant(&store).await;
        let calls = store
            .search_calls(tenant, &CallFilter::default(), Page::first(10))
            .await
            .expect("calls");
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_eq!(calls[0].dialed, "+4930123450");
        assert_eq!(calls[0].scenario.as_deref(), Some("ivr-menu"));
        assert_eq!(
            calls[0].disposition,
            Some(Disposition::Answered),
            "{:?}",
            calls[0]
        );
    });
}

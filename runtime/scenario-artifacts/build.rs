//! Compiles the scenario workspace (`scenarios/`) to WebAssembly components with a nested
//! `cargo build --release --target wasm32-wasip2`, the way wasmtime's test-programs artifacts
//! crate does, and generates `components.rs` in OUT_DIR that embeds each component.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The component target; the toolchain file lists it so rustup installs it.
const WASM_TARGET: &str = "wasm32-wasip2";

/// Shipped scenarios: (crate directory under `scenarios/`, world it implements).
const SHIPPED: &[(&str, &str)] = &[
    ("ivr-menu", "InboundCall"),
    ("branch-router", "InboundCall"),
    ("voice-order", "InboundCall"),
    ("auto-callback", "OutboundCall"),
];

/// The misbehaving guest for the engine's sandbox tests (not shipped).
const TEST_GUEST: &str = "test-guests";

/// Environment the outer cargo sets for build scripts that would leak into (and break or
/// needlessly rebuild) the nested build.
const LEAKING_ENV: &[&str] = &[
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_BUILD_TARGET_DIR",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_PRIMARY_PACKAGE",
];

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let repo = manifest_dir
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| {
            fail("cannot find the repository root above runtime/scenario-artifacts")
        });
    let scenarios = repo.join("scenarios");
    let out_dir =
        PathBuf::from(env::var_os("OUT_DIR").unwrap_or_else(|| fail("OUT_DIR is not set")));

    watch_sources(&repo, &scenarios);
    let target_dir = nested_target_dir(&out_dir);
    build_components(&scenarios, &target_dir);

    let wasm_dir = target_dir.join(WASM_TARGET).join("release");
    let code = generate(&scenarios, &wasm_dir);
    fs::write(out_dir.join("components.rs"), code)
        .unwrap_or_else(|error| fail(&format!("cannot write components.rs: {error}")));
}

/// Rerun when a scenario, the guest SDK or the contract changes. Only what goes into a
/// component is watched (manifests, `src/`, `config.json`), never a crate's `tests/` scripts,
/// READMEs, or a `target/` a developer may have created by building inside `scenarios/`:
/// each rerun rebuilds everything that embeds the components.
fn watch_sources(repo: &Path, scenarios: &Path) {
    println!("cargo:rerun-if-changed=build.rs");
    for file in ["Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", scenarios.join(file).display());
    }
    let entries = fs::read_dir(scenarios)
        .unwrap_or_else(|error| fail(&format!("cannot read {}: {error}", scenarios.display())));
    for entry in entries.flatten() {
        let crate_dir = entry.path();
        if crate_dir.join("Cargo.toml").is_file() {
            // A watched path that does not exist makes cargo rerun every time.
            let inputs =
                ["Cargo.toml", "src", "config.json", "build.rs"].map(|input| crate_dir.join(input));
            for input in inputs.iter().filter(|input| input.exists()) {
                println!("cargo:rerun-if-changed={}", input.display());
            }
        }
    }
    let sdk = repo.join("guest-sdk");
    println!(
        "cargo:rerun-if-changed={}",
        sdk.join("Cargo.toml").display()
    );
    println!("cargo:rerun-if-changed={}", sdk.join("src").display());
    println!("cargo:rerun-if-changed={}", repo.join("wit").display());
}

/// The nested build's target directory: beside the outer profile directories
/// (`target/scenarios-wasm`), so debug, release and test builds of the outer workspace share
/// one nested build. Falls back to OUT_DIR when the layout is not the usual one.
fn nested_target_dir(out_dir: &Path) -> PathBuf {
    // OUT_DIR is <target>[/<triple>]/<profile>/build/<pkg>-<hash>/out.
    let outer_target = out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file());
    match outer_target {
        Some(dir) => dir.join("scenarios-wasm"),
        None => out_dir.join("scenarios-wasm"),
    }
}

/// rustup installs the toolchain file's targets only when it installs the toolchain
/// itself; a machine that already had this toolchain lacks the component target.
/// Add it here, so the README's two commands stay all the set-up there is.
fn ensure_wasm_target() {
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let Some(sysroot) = sysroot else { return };
    if sysroot.join("lib/rustlib").join(WASM_TARGET).is_dir() {
        return;
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", WASM_TARGET]);
    if let Some(toolchain) = env::var_os("RUSTUP_TOOLCHAIN") {
        rustup.arg("--toolchain").arg(toolchain);
    }
    // Without rustup (a distribution's rustc) the nested build explains what is missing.
    match rustup.stdout(std::io::stderr()).status() {
        Ok(status) if status.success() => {}
        Ok(status) => eprintln!("`rustup target add {WASM_TARGET}` failed ({status})"),
        Err(error) => eprintln!("cannot run rustup to add {WASM_TARGET}: {error}"),
    }
}

fn build_components(scenarios: &Path, target_dir: &Path) {
    ensure_wasm_target();
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command
        .arg("build")
        .arg("--release")
        .arg("--target")
        .arg(WASM_TARGET)
        .arg("--manifest-path")
        .arg(scenarios.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .current_dir(scenarios)
        // Cargo reads a build script's stdout as directives; the nested build's output is
        // for humans, so it goes to stderr.
        .stdout(std::io::stderr());
    for name in LEAKING_ENV {
        command.env_remove(name);
    }
    let status = command.status().unwrap_or_else(|error| {
        fail(&format!(
            "cannot run {}: {error}",
            PathBuf::from(&cargo).display()
        ))
    });
    if !status.success() {
        fail(&format!(
            "building the scenario components failed ({status}).\n\
             The command was: cargo build --release --target {WASM_TARGET} --manifest-path {}\n\
             If the errors above say the target is missing, install it with:\n    \
             rustup target add {WASM_TARGET}",
            scenarios.join("Cargo.toml").display()
        ));
    }
}

fn generate(scenarios: &Path, wasm_dir: &Path) -> String {
    let mut code = String::from("// Generated by build.rs; do not edit.\n\n");
    code.push_str("static SHIPPED: &[ShippedScenario] = &[\n");
    for (name, world) in SHIPPED {
        let wasm = component_path(wasm_dir, name);
        let config = scenarios.join(name).join("config.json");
        if !config.is_file() {
            fail(&format!(
                "{} is missing: every shipped scenario has a default configuration",
                config.display()
            ));
        }
        let _ = writeln!(
            code,
            "    ShippedScenario {{ name: {name:?}, world: World::{world}, bytes: include_bytes!({wasm:?}), default_config: include_str!({config:?}) }},",
            wasm = wasm.display().to_string(),
            config = config.display().to_string(),
        );
    }
    code.push_str("];\n\n");
    let guest = component_path(wasm_dir, TEST_GUEST);
    let _ = writeln!(
        code,
        "static TEST_GUEST: &[u8] = include_bytes!({:?});",
        guest.display().to_string()
    );
    code
}

/// Where cargo puts a cdylib component: the crate name with `-` turned into `_`.
fn component_path(wasm_dir: &Path, crate_name: &str) -> PathBuf {
    let path = wasm_dir.join(format!("{}.wasm", crate_name.replace('-', "_")));
    if !path.is_file() {
        fail(&format!(
            "the nested build did not produce {}",
            path.display()
        ));
    }
    path
}

fn fail(message: &str) -> ! {
    eprintln!("error: wasmphony-scenarios: {message}");
    std::process::exit(1);
}

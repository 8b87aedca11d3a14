//! `wasmphony serve` (the default command): start the server and run until interrupted.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use wasmphony_sip::auth::DigestAlgorithm;

use crate::server::{
    DEMO_NUMBERS, DEMO_TENANT, HttpApi, Server, ServerConfig, Telephony, TelephonyConfig,
};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Where the SQLite database and the compiled-component cache live.
    #[arg(long, default_value = "data", env = "WASMPHONY_DATA_DIR")]
    pub(crate) data_dir: PathBuf,
    /// Database URL (`sqlite:FILE` or `postgres://…`); default: a SQLite file in the data dir.
    #[arg(long, env = "WASMPHONY_DATABASE_URL")]
    pub(crate) database: Option<String>,
    /// This node's name on the calls it handles (nodes sharing PostgreSQL need distinct names).
    #[arg(long, default_value = "node-1", env = "WASMPHONY_NODE")]
    pub(crate) node: String,
    /// Where the HTTP API listens (port 0: any free port; the banner shows it).
    #[arg(long, default_value = "127.0.0.1:8080", env = "WASMPHONY_HTTP")]
    pub(crate) http: SocketAddr,
    /// Where SIP listens (UDP and TCP on each address, comma-separated, IPv4 and/or
    /// IPv6 such as `[::1]:5060`); phones and trunks send calls here.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "127.0.0.1:5060",
        env = "WASMPHONY_SIP"
    )]
    pub(crate) sip: Vec<SocketAddr>,
    /// Addresses written into SDP and where RTP binds, at most one IPv4 and one IPv6
    /// (comma-separated; default: the SIP addresses'). Each peer gets its own family's.
    #[arg(long, value_delimiter = ',', env = "WASMPHONY_MEDIA_IP")]
    pub(crate) media_ip: Vec<IpAddr>,
    /// RTP port range, `FIRST-LAST` (one even/odd pair per call leg).
    #[arg(long, default_value = "20000-29999", value_parser = parse_port_range, env = "WASMPHONY_RTP_PORTS")]
    pub(crate) rtp_ports: (u16, u16),
    /// Directories of prompts every tenant has, in order (later files win).
    #[arg(long = "prompts", env = "WASMPHONY_PROMPTS", value_delimiter = ',', default_values_os_t = default_prompt_dirs())]
    pub(crate) prompt_dirs: Vec<PathBuf>,
    /// Digest algorithms offered to registering phones, in order (`md5`, `sha-256`).
    /// MD5 alone by default: many phones give up when any challenge offers SHA-256.
    #[arg(long, value_delimiter = ',', default_value = "md5", value_parser = parse_digest, env = "WASMPHONY_SIP_DIGEST")]
    pub(crate) sip_digest: Vec<DigestAlgorithm>,
    /// Most calls at once; INVITEs beyond are answered 503.
    #[arg(long, default_value_t = wasmphony_controller::DEFAULT_MAX_CALLS, env = "WASMPHONY_MAX_CALLS")]
    pub(crate) max_calls: usize,
    /// Most new calls admitted per second; INVITEs beyond get 503 + Retry-After at once
    /// instead of a backlog that makes every call late (0: no limit). The default sits
    /// below what a 2-core machine sustains with a scenario per call (README, Performance).
    #[arg(long, default_value_t = DEFAULT_MAX_CPS, env = "WASMPHONY_MAX_CPS")]
    pub(crate) max_cps: u32,
    /// Threads that run the calls' RTP (default: one per core). A call's legs all run on
    /// one of them, so a bridge relays without crossing threads; 0 runs media on the
    /// signalling threads instead.
    #[arg(long, env = "WASMPHONY_MEDIA_THREADS")]
    pub(crate) media_threads: Option<usize>,
    /// Let tenants' webhooks POST to loopback and private addresses. Off by default: a
    /// tenant must not make the server reach what only it can reach (its loopback, the
    /// private network, a cloud's metadata service). Turn on when the CRM runs beside it.
    #[arg(long, env = "WASMPHONY_WEBHOOK_PRIVATE_TARGETS")]
    pub(crate) webhook_private_targets: bool,
    /// The platform administrator's API key; a random one is generated and printed when absent.
    #[arg(long, env = "WASMPHONY_ADMIN_KEY", hide_env_values = true)]
    pub(crate) admin_key: Option<String>,
    /// A YAML site file (tenants, users, numbers, routes, queues, trunks, prompts,
    /// components) validated and applied at start; no demo tenant is created then.
    #[arg(long, env = "WASMPHONY_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Do not create the demo tenant on an empty database.
    #[arg(long)]
    pub(crate) no_demo: bool,
    /// Start, report what was loaded, and exit (for checks and scripts).
    #[arg(long)]
    pub(crate) check: bool,
    /// Log more (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

/// Default of `--max-cps`.
pub(crate) const DEFAULT_MAX_CPS: u32 = 1_200;

impl ServeArgs {
    /// `serve` with no flags, as `wasmphony` alone runs it (environment variables apply).
    pub(crate) fn parse_defaults() -> ServeArgs {
        #[derive(clap::Parser)]
        struct ServeOnly {
            #[command(flatten)]
            args: ServeArgs,
        }
        <ServeOnly as clap::Parser>::parse_from(["wasmphony"]).args
    }
}

/// The repository's prompt directories: built-in words, then the shipped scenarios' prompts.
fn default_prompt_dirs() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../prompts");
    vec![root.join("builtin"), root.join("demo")]
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (service managers).
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

fn parse_digest(text: &str) -> Result<DigestAlgorithm, String> {
    DigestAlgorithm::parse(text).ok_or_else(|| format!("{text:?}: expected md5 or sha-256"))
}

fn parse_port_range(text: &str) -> Result<(u16, u16), String> {
    let (first, last) = text
        .split_once('-')
        .ok_or("expected FIRST-LAST, e.g. 20000-29999")?;
    let first: u16 = first
        .trim()
        .parse()
        .map_err(|e| format!("first port: {e}"))?;
    let last: u16 = last.trim().parse().map_err(|e| format!("last port: {e}"))?;
    if first == 0 || last < first.saturating_add(2) {
        return Err(format!("{first}-{last} holds no RTP port pair"));
    }
    Ok((first, last))
}

pub(crate) fn run(args: ServeArgs) -> ExitCode {
    crate::cli::logging::init(args.verbose.max(1));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("wasmphony: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> ExitCode {
    let config = ServerConfig {
        data_dir: args.data_dir,
        database_url: args.database,
        node: args.node,
        seed_demo: !args.no_demo,
        site_file: args.config,
    };
    let server = match Server::boot(&config).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("wasmphony: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&server);
    if args.check {
        return if server.components.refused.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let admin_key = match args.admin_key {
        Some(key) => key,
        None => match wasmphony_api::generate_key() {
            Ok(key) => key.secret,
            Err(err) => {
                eprintln!("wasmphony: cannot generate an admin key: {err}");
                return ExitCode::FAILURE;
            }
        },
    };
    let mut api = match HttpApi::bind(&server, args.http, &admin_key).await {
        Ok(api) => api,
        Err(err) => {
            eprintln!(
                "wasmphony: cannot listen on {} for the HTTP API: {err}",
                args.http
            );
            return ExitCode::FAILURE;
        }
    };
    match api.local_addr() {
        Ok(addr) => println!(
            "  HTTP API:   http://{addr}/api/v1 (OpenAPI: /api/v1/openapi.json, metrics: /metrics)"
        ),
        Err(err) => println!("  HTTP API:   listening ({err})"),
    }
    println!("  admin key:  {admin_key}");
    let telephony_config = TelephonyConfig {
        sip: args.sip,
        media_ips: args.media_ip,
        rtp_ports: args.rtp_ports,
        prompt_dirs: args.prompt_dirs,
        max_calls: args.max_calls,
        max_cps: (args.max_cps > 0).then_some(args.max_cps),
        phone_digest: args.sip_digest,
        media_threads: args.media_threads,
    };
    let telephony = match Telephony::start(&server, &telephony_config).await {
        Ok(telephony) => telephony,
        Err(err) => {
            eprintln!("wasmphony: cannot start the phone side: {err}");
            return ExitCode::FAILURE;
        }
    };
    api.set_originator(telephony.originator());
    print_phone_details(&server, &telephony).await;
    // Dropping it stops webhook delivery: kept until the phone side has stopped.
    let webhooks = match server.start_webhooks(args.webhook_private_targets) {
        Ok(webhooks) => webhooks,
        Err(err) => {
            eprintln!("wasmphony: cannot start webhook delivery: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Installed before `ready` is printed, so a stop asked for right after is never missed.
    let stop = match stop_signals() {
        Ok(stop) => stop,
        Err(err) => {
            eprintln!("wasmphony: cannot install the stop signal handlers: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("ready; Ctrl-C stops");
    let stopped = api.serve(stop).await;
    telephony.stop().await;
    drop(webhooks);
    server.store.close().await;
    match stopped {
        Ok(()) => {
            println!("wasmphony: stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("wasmphony: the HTTP API stopped: {err}");
            ExitCode::FAILURE
        }
    }
}

fn print_banner(server: &Server) {
    println!("wasmphony is up");
    println!("  database:   {}", server.database_url);
    if server.closed_interrupted > 0 {
        println!(
            "  closed {} call(s) cut by the last stop as interrupted",
            server.closed_interrupted
        );
    }
    println!(
        "  scenarios:  {} component version(s) loaded{}",
        server.components.registered,
        if server.seeded_demo {
            " (demo tenant created)"
        } else {
            ""
        }
    );
    if let Some(site) = &server.site {
        println!(
            "  site file:  {} created, {} updated, {} unchanged",
            site.created.len(),
            site.updated.len(),
            site.unchanged
        );
    }
    for refused in &server.components.refused {
        println!("  refused:    {refused}");
    }
    let demo = server.registry.names(DEMO_TENANT);
    if !demo.is_empty() {
        println!("  tenant {DEMO_TENANT}: {}", demo.join(", "));
        for (number, scenario) in DEMO_NUMBERS {
            println!("    {number} -> {scenario}");
        }
    }
}

async fn print_phone_details(server: &Server, telephony: &Telephony) {
    let sip = &telephony.sip_addrs;
    for addr in &sip.udp {
        let numbers = telephony.numbers;
        if sip.tcp.contains(addr) {
            println!("  SIP:        udp/tcp {addr} ({numbers} routed number(s))");
        } else {
            println!("  SIP:        udp {addr} ({numbers} routed number(s))");
        }
    }
    for addr in sip.tcp.iter().filter(|addr| !sip.udp.contains(addr)) {
        println!("  SIP:        tcp {addr}");
    }
    let Some(addr) = sip.udp.first() else { return };
    if server.registry.names(DEMO_TENANT).is_empty() {
        return;
    }
    if let Ok(Some(demo)) = server.store.tenant_by_slug(DEMO_TENANT).await
        && let Ok(accounts) = server.store.sip_accounts(demo.id).await
    {
        for account in accounts {
            println!(
                "  phone:      sip:{}@{DEMO_TENANT} password {} (outbound proxy {addr})",
                account.username, account.secret
            );
        }
    }
    let (number, scenario) = DEMO_NUMBERS[0];
    println!("  try it:     call sip:{number}@{addr} from a softphone ({scenario})");
    println!(
        "              or: sipp {addr} -sn uac -s {} -m 1",
        number.trim_start_matches('+')
    );
}

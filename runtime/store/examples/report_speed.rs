//! Measures the reports on a year of CDRs: fills a fresh tenant with `calls` finished
//! calls spread over 365 days (a restaurant chain's busy line: inbound and outbound,
//! answered, missed and abandoned, 8 agents, 4 sources, tags), then times each report
//! over the whole year, several runs each, and prints the median.
//!
//! `cargo run -p wasmphony-store --release --example report_speed -- <url> [calls] [runs]`
//! e.g. `sqlite:///tmp/year.db 365000 5` or `postgres://postgres@127.0.0.1/postgres 365000 5`.
//! Filling goes through `Store::write_journal` (256 calls per transaction), as the call
//! journal writes.
#![allow(clippy::unwrap_used)] // example code: failing fast is the point

use std::time::{Duration, Instant};

use wasmphony_store::*;

const DAY_MS: i64 = 86_400_000;
const SOURCES: [Option<&str>; 4] = [None, Some("google-ads"), Some("flyer"), Some("site")];
const TAGS: [&str; 3] = ["order", "booking", "complaint"];

/// The `n`th call of the year: its opening and its end, all derived from `n`.
fn call(slug: &str, n: u64, calls: u64, agents: &[UserId]) -> (NewCall, CallEnd) {
    let start = UnixMs(1_767_225_600_000 + (n as i64) * (365 * DAY_MS) / (calls as i64));
    let inbound = !n.is_multiple_of(5);
    let customer = format!("+4930{:07}", n * 7_919 % 50_000);
    let (from, to) = if inbound {
        (customer, "+4930555000".to_string())
    } else {
        ("+4930555000".to_string(), customer)
    };
    let outcome = n % 10;
    let (answer, connected, disposition) = match outcome {
        0..=6 => (
            Some(start.plus_ms(1_000)),
            Some(start.plus_ms(((n % 60) as i64) * 1_000)),
            Disposition::Answered,
        ),
        7 => (Some(start.plus_ms(1_000)), None, Disposition::Abandoned),
        8 => (Some(start.plus_ms(1_000)), None, Disposition::Voicemail),
        _ => (None, None, Disposition::NoAnswer),
    };
    let talk = ((n * 37) % 600) as i64 * 1_000;
    let open = NewCall {
        id: CallId::from(format!("{slug}-{n}").as_str()),
        direction: if inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        from,
        to,
        dialed: "+4930555000".into(),
        source: SOURCES[(n % 4) as usize].map(str::to_owned),
        start,
        scenario: Some("ivr-menu".into()),
        component_hash: None,
    };
    let end = CallEnd {
        answer,
        connected,
        end: connected.or(answer).unwrap_or(start).plus_ms(talk + 20_000),
        disposition,
        hangup_cause: None,
        hangup_side: Some(HangupSide::Caller),
        queue: Some("bookings".into()),
        agent: connected.map(|_| agents[(n % agents.len() as u64) as usize]),
        recording: None,
        tags: vec![TAGS[(n % 3) as usize].to_string()],
    };
    (open, end)
}

async fn fill(store: &Store, tenant: TenantId, slug: &str, calls: u64, agents: &[UserId]) {
    let mut n = 0;
    while n < calls {
        let batch: Vec<(NewCall, CallEnd)> = (n..(n + 128).min(calls))
            .map(|i| call(slug, i, calls, agents))
            .collect();
        let mut writes = Vec::with_capacity(batch.len() * 2);
        for (open, _) in &batch {
            writes.push(JournalWrite::Open { tenant, call: open });
        }
        for (open, end) in &batch {
            writes.push(JournalWrite::Finish {
                tenant,
                id: &open.id,
                end,
                events: &[],
                recordings: &[],
            });
        }
        store.write_journal(&writes).await.unwrap();
        n += batch.len() as u64;
    }
}

/// Runs `report` `runs` times; the median time and what the last run returned.
async fn time<T, F, Fut>(runs: usize, mut report: F) -> (Duration, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let began = Instant::now();
        last = Some(report().await);
        times.push(began.elapsed());
    }
    times.sort();
    (times[times.len() / 2], last.unwrap())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .expect("usage: report_speed <url> [calls] [runs]")
        .clone();
    let calls: u64 = args.get(2).map_or(365_000, |n| n.parse().unwrap());
    let runs: usize = args.get(3).map_or(5, |n| n.parse().unwrap());
    let store = Store::connect(&url).await.unwrap();
    let slug = format!("year-{}", UnixMs::now().0);
    let tenant = store
        .create_tenant(&NewTenant {
            slug: slug.clone(),
            name: slug.clone(),
            country_code: "49".into(),
        })
        .await
        .unwrap()
        .id;
    let mut agents = Vec::new();
    for extension in 101..109 {
        let spec = UserSpec {
            extension: extension.to_string(),
            name: format!("Agent {extension}"),
            department: Some("bookings".into()),
            role: Role::Agent,
            skills: vec![],
            password_hash: None,
            devices: vec![],
        };
        agents.push(store.create_user(tenant, &spec).await.unwrap().id);
    }
    let began = Instant::now();
    fill(&store, tenant, &slug, calls, &agents).await;
    let filled = began.elapsed().as_secs_f64();
    println!(
        "{:?}: {calls} calls over 365 days written in {filled:.1} s ({:.0} calls/s)",
        store.backend(),
        calls as f64 / filled
    );
    let year = Period {
        since: UnixMs(1_767_225_600_000),
        until: UnixMs(1_767_225_600_000 + 365 * DAY_MS),
    };
    let (took, summary) = time(runs, || {
        store.service_summary(tenant, year, DEFAULT_SERVICE_LEVEL_MS)
    })
    .await;
    let summary = summary.unwrap();
    println!(
        "service summary: {took:?} (offered {}, service level {:.1} %)",
        summary.offered,
        summary.service_level_percent().unwrap_or(0.0)
    );
    let (took, slots) = time(runs, || store.calls_by_weekday_hour(tenant, year, 60)).await;
    println!("weekday x hour: {took:?} ({} slots)", slots.unwrap().len());
    let (took, rows) = time(runs, || store.calls_by_agent(tenant, year)).await;
    println!("per agent: {took:?} ({} agents)", rows.unwrap().len());
    let (took, rows) = time(runs, || store.calls_by_source(tenant, year)).await;
    println!("per source: {took:?} ({} sources)", rows.unwrap().len());
    let (took, rows) = time(runs, || store.calls_by_tag(tenant, year)).await;
    println!("per tag: {took:?} ({} tags)", rows.unwrap().len());
    let (took, count) = time(runs, || store.target_calls(tenant, year, 60_000)).await;
    println!(
        "target calls (first answered call over 60 s): {took:?} ({} calls)",
        count.unwrap()
    );
    let (took, rows) = time(runs, || {
        store.list_callbacks(tenant, None, Page::first(100))
    })
    .await;
    println!(
        "missed-call list, first page: {took:?} ({} tasks)",
        rows.unwrap().len()
    );
    store.close().await;
}

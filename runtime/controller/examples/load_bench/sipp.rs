//! sipp as the callers: one process per share of the load, each in its own
//! scratch directory, with its statistics (`-trace_stat`) and per-call
//! response times (`-trace_rtt`) read back when it ends.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::procfs;

/// What one sipp process does.
#[derive(Debug, Clone)]
pub(crate) struct SippSpec {
    /// Scenario file.
    pub(crate) scenario: PathBuf,
    /// The controller's SIP address.
    pub(crate) target: String,
    /// Dialed number (`-s`).
    pub(crate) service: String,
    /// Our SIP port and media port.
    pub(crate) sip_port: u16,
    pub(crate) media_port: u16,
    /// New calls per second.
    pub(crate) rate: f64,
    /// Most calls open at once.
    pub(crate) limit: u64,
    /// Calls in all.
    pub(crate) calls: u64,
    /// `-d`, the scenario's plain `<pause/>`, in milliseconds.
    pub(crate) pause_ms: Option<u64>,
    /// `-key name value` pairs.
    pub(crate) keys: Vec<(String, String)>,
    /// Scratch directory for sipp's files.
    pub(crate) dir: PathBuf,
}

/// A running sipp.
pub(crate) struct Sipp {
    child: tokio::process::Child,
    pid: u32,
    dir: PathBuf,
    /// CPU ticks at the last reading.
    pub(crate) ticks: u64,
    /// Peak resident memory seen, KiB.
    pub(crate) rss_peak_kib: u64,
    exited: Option<Option<i32>>,
}

/// sipp's account of a finished run.
#[derive(Debug, Clone, Default)]
pub(crate) struct SippReport {
    pub(crate) exit_code: Option<i32>,
    pub(crate) created: u64,
    pub(crate) successful: u64,
    pub(crate) failed: u64,
    pub(crate) retransmissions: u64,
    pub(crate) dead: u64,
    pub(crate) out_of_call: u64,
    /// Response times (rtd 1: INVITE sent to 200 received), milliseconds.
    pub(crate) rtd_ms: Vec<f64>,
    /// rtd 2 where the scenario has it: the caller's BYE to its 200, milliseconds.
    pub(crate) bye_ms: Vec<f64>,
    /// CPU seconds sipp used.
    pub(crate) cpu_seconds: f64,
    pub(crate) rss_peak_kib: u64,
}

impl SippReport {
    pub(crate) fn merge(&mut self, other: SippReport) {
        self.exit_code = match (self.exit_code, other.exit_code) {
            (Some(0), b) => b,
            (a, _) => a,
        };
        self.created += other.created;
        self.successful += other.successful;
        self.failed += other.failed;
        self.retransmissions += other.retransmissions;
        self.dead += other.dead;
        self.out_of_call += other.out_of_call;
        self.rtd_ms.extend(other.rtd_ms);
        self.bye_ms.extend(other.bye_ms);
        self.cpu_seconds += other.cpu_seconds;
        self.rss_peak_kib = self.rss_peak_kib.max(other.rss_peak_kib);
    }

    /// Sorts the response times (before [`SippReport::rtd_percentile`]).
    pub(crate) fn sort_rtds(&mut self) {
        self.rtd_ms.sort_by(f64::total_cmp);
        self.bye_ms.sort_by(f64::total_cmp);
    }

    /// Percentile `p` (0..=100) of the sorted response times; 0 when none.
    pub(crate) fn rtd_percentile(&self, p: f64) -> f64 {
        percentile(&self.rtd_ms, p)
    }

    /// Percentile `p` (0..=100) of the sorted BYE times; 0 when none.
    pub(crate) fn bye_percentile(&self, p: f64) -> f64 {
        percentile(&self.bye_ms, p)
    }

    /// Calls whose answer took longer than `ms`.
    pub(crate) fn rtd_over(&self, ms: f64) -> usize {
        self.rtd_ms.iter().filter(|r| **r > ms).count()
    }
}

impl Sipp {
    /// Starts sipp for `spec`.
    pub(crate) fn spawn(spec: &SippSpec) -> std::io::Result<Sipp> {
        let _ = std::fs::remove_dir_all(&spec.dir);
        std::fs::create_dir_all(&spec.dir)?;
        let mut args: Vec<String> = vec![
            spec.target.clone(),
            "-sf".into(),
            spec.scenario.to_string_lossy().into_owned(),
            "-s".into(),
            spec.service.clone(),
            "-i".into(),
            "127.0.0.1".into(),
            "-p".into(),
            spec.sip_port.to_string(),
            "-mp".into(),
            spec.media_port.to_string(),
            "-r".into(),
            format!("{}", spec.rate.round().max(1.0) as u64),
            "-rp".into(),
            "1000".into(),
            "-l".into(),
            spec.limit.to_string(),
            "-m".into(),
            spec.calls.to_string(),
            "-nostdin".into(),
            "-timeout".into(),
            "600s".into(),
            "-trace_stat".into(),
            "-stf".into(),
            "stat.csv".into(),
            "-fd".into(),
            "1".into(),
            "-trace_rtt".into(),
            "-rtt_freq".into(),
            "1".into(),
            // A socket buffer big enough for bursts of thousands of messages.
            "-buff_size".into(),
            "4194304".into(),
        ];
        if let Some(ms) = spec.pause_ms {
            args.extend(["-d".into(), ms.to_string()]);
        }
        for (key, value) in &spec.keys {
            args.extend(["-key".into(), key.clone(), value.clone()]);
        }
        let child = tokio::process::Command::new("sipp")
            .args(&args)
            .current_dir(&spec.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::fs::File::create(
                spec.dir.join("stdout.txt"),
            )?))
            .stderr(Stdio::from(std::fs::File::create(
                spec.dir.join("stderr.txt"),
            )?))
            .kill_on_drop(true)
            .spawn()?;
        let pid = child.id().unwrap_or(0);
        Ok(Sipp {
            child,
            pid,
            dir: spec.dir.clone(),
            ticks: 0,
            rss_peak_kib: 0,
            exited: None,
        })
    }

    /// Reads its CPU and memory; reaps it once it has exited (its zombie's
    /// `stat` still holds the final CPU total). True when it has ended.
    pub(crate) fn poll(&mut self) -> bool {
        if self.exited.is_some() {
            return true;
        }
        if let Some(stat) = procfs::pid_stat(self.pid) {
            self.ticks = stat.ticks;
            self.rss_peak_kib = self.rss_peak_kib.max(stat.rss_kib);
            if stat.state != 'Z' {
                return false;
            }
        }
        match self.child.try_wait() {
            Ok(Some(status)) => {
                self.exited = Some(status.code());
                true
            }
            Ok(None) => false,
            Err(_) => {
                self.exited = Some(None);
                true
            }
        }
    }

    /// Kills it (a run that overstays its deadline).
    pub(crate) async fn kill(&mut self) {
        let _ = self.child.kill().await;
        self.exited.get_or_insert(None);
    }

    /// Its statistics, once it has ended.
    pub(crate) fn report(&self) -> SippReport {
        let mut report = read_stats(&self.dir.join("stat.csv"));
        report.exit_code = self.exited.flatten();
        (report.rtd_ms, report.bye_ms) = read_rtts(&self.dir);
        report.cpu_seconds = self.ticks as f64 / procfs::TICKS_PER_SECOND;
        report.rss_peak_kib = self.rss_peak_kib;
        report
    }
}

/// The last line of sipp's `-trace_stat` file, by column name.
fn read_stats(path: &Path) -> SippReport {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return SippReport::default();
    };
    let Some(last) = lines.next_back() else {
        return SippReport::default();
    };
    let names: Vec<&str> = header.split(';').collect();
    let values: Vec<&str> = last.split(';').collect();
    let get = |name: &str| -> u64 {
        names
            .iter()
            .position(|n| *n == name)
            .and_then(|i| values.get(i))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    SippReport {
        created: get("TotalCallCreated"),
        successful: get("SuccessfulCall(C)"),
        failed: get("FailedCall(C)"),
        retransmissions: get("Retransmissions(C)"),
        dead: get("DeadCalls(C)"),
        out_of_call: get("OutOfCallMsgs(C)"),
        ..SippReport::default()
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// Every response time in sipp's `*_rtt.csv` (`date_ms;response_time_ms;rtd_no`):
/// (rtd 1, rtd 2).
fn read_rtts(dir: &Path) -> (Vec<f64>, Vec<f64>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (Vec::new(), Vec::new());
    };
    let mut answers = Vec::new();
    let mut byes = Vec::new();
    for entry in entries.filter_map(|e| e.ok()) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with("_rtt.csv") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text.lines() {
            let mut fields = line.split(';').skip(1);
            let (Some(ms), Some(rtd)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Ok(ms) = ms.trim().parse::<f64>() else {
                continue;
            };
            match rtd.trim() {
                "2" => byes.push(ms),
                _ => answers.push(ms),
            }
        }
    }
    (answers, byes)
}

/// Waits for every sipp in `procs` to end (polling CPU and memory every
/// `tick`), calling `each_tick` meanwhile; kills them after `deadline`.
pub(crate) async fn wait_all(
    procs: &mut [Sipp],
    tick: Duration,
    deadline: Duration,
    mut each_tick: impl FnMut(),
) {
    let end = tokio::time::Instant::now() + deadline;
    loop {
        let mut all_done = true;
        for sipp in procs.iter_mut() {
            all_done &= sipp.poll();
        }
        each_tick();
        if all_done {
            return;
        }
        if tokio::time::Instant::now() > end {
            for sipp in procs.iter_mut() {
                sipp.kill().await;
            }
            return;
        }
        tokio::time::sleep(tick).await;
    }
}

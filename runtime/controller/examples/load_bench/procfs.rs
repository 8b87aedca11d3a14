//! Readings from /proc: resident memory, CPU ticks of a process or of one of
//! our threads, and a UDP socket's drop counter. Linux only, like the bench.

use std::path::Path;

/// Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux).
pub(crate) const TICKS_PER_SECOND: f64 = 100.0;

/// Resident set size of this process, in KiB.
pub(crate) fn rss_kib() -> u64 {
    status_field("/proc/self/status", "VmRSS:")
}

/// Proportional set size of this process, in KiB (`smaps_rollup`): a page mapped in
/// several places counts once, split among them. Every instance slot maps its
/// component's copy-on-write memory image, so the resident size counts those shared
/// pages once per live call while the physical memory holds them once. Reading it walks
/// every mapping under the process's memory lock (tens of milliseconds with thousands of
/// instances), so the bench reads it only when asked (`--pss`).
pub(crate) fn pss_kib() -> u64 {
    status_field("/proc/self/smaps_rollup", "Pss:")
}

/// Peak resident set size of this process since start, in KiB.
pub(crate) fn hwm_kib() -> u64 {
    status_field("/proc/self/status", "VmHWM:")
}

fn status_field(path: &str, field: &str) -> u64 {
    let status = std::fs::read_to_string(path).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// One reading of a `stat` file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stat {
    /// utime + stime, in ticks.
    pub(crate) ticks: u64,
    /// The state letter (`Z` once a child has exited and is not yet reaped).
    pub(crate) state: char,
    /// Resident pages (field 24) in KiB, assuming 4 KiB pages.
    pub(crate) rss_kib: u64,
}

/// Parses `/proc/<pid>/stat` (or a task's); `None` when it is gone or odd.
pub(crate) fn stat(path: &Path) -> Option<Stat> {
    let text = std::fs::read_to_string(path).ok()?;
    // The command name is in parentheses and may hold spaces: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    let rss_pages: u64 = fields.get(21)?.parse().ok()?;
    Some(Stat {
        ticks: utime + stime,
        state,
        rss_kib: rss_pages * 4,
    })
}

/// CPU ticks of this whole process.
pub(crate) fn self_ticks() -> u64 {
    stat(Path::new("/proc/self/stat")).map_or(0, |s| s.ticks)
}

/// CPU ticks of a process by pid.
pub(crate) fn pid_stat(pid: u32) -> Option<Stat> {
    stat(Path::new(&format!("/proc/{pid}/stat")))
}

/// CPU ticks of this process's threads whose name starts with `prefix`.
pub(crate) fn thread_ticks(prefix: &str) -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|comm| comm.trim_end().starts_with(prefix))
        })
        .filter_map(|t| stat(&t.path().join("stat")))
        .map(|s| s.ticks)
        .sum()
}

/// Datagrams the kernel dropped on the IPv4 UDP socket bound to `port`
/// (receive buffer full): the last column of /proc/net/udp.
pub(crate) fn udp_drops(port: u16) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/udp").ok()?;
    let wanted = format!(":{port:04X}");
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let local = fields.get(1)?;
        if local.ends_with(&wanted) {
            fields.last()?.parse().ok()
        } else {
            None
        }
    })
}

/// The default receive buffer of new sockets (`net.core.rmem_default`).
const RMEM_DEFAULT: &str = "/proc/sys/net/core/rmem_default";

/// Runs `bind` with `net.core.rmem_default` set to `bytes`, restoring it at
/// once: std's UdpSocket cannot set SO_RCVBUF itself, and the sink must not
/// lose the bursts that arrive while it is descheduled (needs root).
pub(crate) fn with_rmem_default<T>(bytes: u64, bind: impl FnOnce() -> T) -> std::io::Result<T> {
    let before = std::fs::read_to_string(RMEM_DEFAULT)?;
    std::fs::write(RMEM_DEFAULT, bytes.to_string())?;
    let bound = bind();
    std::fs::write(RMEM_DEFAULT, before.trim())?;
    Ok(bound)
}

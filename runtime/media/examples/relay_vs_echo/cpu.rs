//! CPU time of the threads under test, read from `/proc/self/task/*/stat`, so the load
//! generator's and the sinks' CPU (other threads of this process) stay out of the figures.

use std::time::Duration;

/// Kernel clock ticks per second in `/proc` (USER_HZ, 100 on every Linux ABI).
const TICKS_PER_SECOND: u64 = 100;

/// User + system CPU time spent so far by every live thread of this process named `name`.
/// CPU time of the system under test: its media threads and the runtime that set them up.
pub(crate) fn sut_cpu() -> Result<Duration, String> {
    Ok(threads_named(crate::sut::THREAD_NAME)? + threads_named(crate::sut::MEDIA_THREAD_COMM)?)
}

fn threads_named(name: &str) -> Result<Duration, String> {
    let tasks =
        std::fs::read_dir("/proc/self/task").map_err(|e| format!("/proc/self/task: {e}"))?;
    let mut ticks = 0u64;
    let mut threads = 0usize;
    for task in tasks.flatten() {
        let path = task.path();
        // A thread can end between the listing and the read: skip it.
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        if comm.trim_end() != name {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        ticks += user_plus_system_ticks(&stat)
            .ok_or_else(|| format!("unreadable {}: {stat}", path.display()))?;
        threads += 1;
    }
    if threads == 0 {
        return Err(format!("no thread named {name:?}"));
    }
    Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// utime + stime (fields 14 and 15) of a `stat` line; the command name in field 2 may hold
/// spaces and parentheses, so fields are counted after its last `)`.
fn user_plus_system_ticks(stat: &str) -> Option<u64> {
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

/// The machine's 1-minute load average, as `/proc/loadavg` says.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// Datagrams the kernel dropped (receive buffer full) on this host's live IPv4 UDP sockets
/// whose local port satisfies `port`, from the `drops` column of `/proc/net/udp`: where a
/// loss happened, at the load's sockets or at the system under test's.
pub(crate) fn udp_drops(port: impl Fn(u16) -> bool) -> u64 {
    let Ok(table) = std::fs::read_to_string("/proc/net/udp") else {
        return 0;
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = fields.get(1)?.rsplit_once(':')?.1;
            let local_port = u16::from_str_radix(local_port, 16).ok()?;
            let drops: u64 = fields.last()?.parse().ok()?;
            port(local_port).then_some(drops)
        })
        .sum()
}

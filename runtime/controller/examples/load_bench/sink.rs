//! The one UDP socket every call's SDP points at. It receives what the
//! controller's media legs send, counts packets per source address (one
//! source = one call leg) per second of that call, and — for the ivr
//! benchmark — sends each new call sipp's RFC 2833 capture of a key press.
//!
//! Why the key comes from here and not from sipp's `play_pcap_audio`: sipp
//! sends the capture from its own media port (`-mp`), while the SDP names
//! this socket. The controller's symmetric-RTP latch then either learns
//! sipp's port (first packet within 3 s of the answer: the call's audio moves
//! there and this socket stops hearing it) or drops the key as foreign
//! (later). A real phone sends and receives on one port; so does this socket.
//!
//! Per call, second k is [first packet + k s, first packet + k+1 s); the last,
//! partial second of each call is not judged. A source silent for
//! [`FLOW_GAP`] is a finished call (its port may come back for a new one).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::pcap::PcapPacket;

/// A source silent this long has finished its call.
const FLOW_GAP: Duration = Duration::from_secs(2);
/// Packets per second judged steady (50 expected: one 20 ms frame per packet).
pub(crate) const STEADY_PPS: std::ops::RangeInclusive<u32> = 48..=52;
/// How often the receiving thread publishes its counters and forgets finished calls.
const PUBLISH_EVERY: Duration = Duration::from_millis(200);
/// Longest a blocking receive waits, so due key presses and stop are noticed.
const RECV_TIMEOUT: Duration = Duration::from_millis(2);
/// Name of the receiving thread (its CPU is reported apart from the controller's).
pub(crate) const THREAD_NAME: &str = "rtp-sink";

/// The key press to send each new call, and when.
#[derive(Debug, Clone)]
pub(crate) struct DtmfPlan {
    /// The capture's RTP packets with their offsets.
    pub(crate) packets: Vec<PcapPacket>,
    /// Time from a call's first packet to the first packet of the key.
    pub(crate) delay: Duration,
}

/// What the sink saw since the last [`Sink::take`].
#[derive(Debug, Clone, Default)]
pub(crate) struct SinkTotals {
    /// RTP packets received.
    pub(crate) packets: u64,
    /// Calls (sources) seen.
    pub(crate) flows: u64,
    /// Whole seconds of calls judged.
    pub(crate) call_seconds: u64,
    /// Of those, seconds with 48..=52 packets.
    pub(crate) steady_seconds: u64,
    /// Seconds below 48 packets.
    pub(crate) low_seconds: u64,
    /// Seconds above 52 packets.
    pub(crate) high_seconds: u64,
    /// Fewest packets in one judged second (`u32::MAX` when none).
    pub(crate) min_pps: u32,
    /// Most packets in one judged second.
    pub(crate) max_pps: u32,
    /// Key presses sent (whole captures).
    pub(crate) dtmf_sent: u64,
    /// Send errors.
    pub(crate) send_errors: u64,
}

impl SinkTotals {
    fn new() -> Self {
        SinkTotals {
            min_pps: u32::MAX,
            ..SinkTotals::default()
        }
    }

    fn judge(&mut self, count: u32) {
        self.call_seconds += 1;
        if STEADY_PPS.contains(&count) {
            self.steady_seconds += 1;
        } else if count < *STEADY_PPS.start() {
            self.low_seconds += 1;
        } else {
            self.high_seconds += 1;
        }
        self.min_pps = self.min_pps.min(count);
        self.max_pps = self.max_pps.max(count);
    }

    fn merge(&mut self, other: &SinkTotals) {
        self.packets += other.packets;
        self.flows += other.flows;
        self.call_seconds += other.call_seconds;
        self.steady_seconds += other.steady_seconds;
        self.low_seconds += other.low_seconds;
        self.high_seconds += other.high_seconds;
        self.min_pps = self.min_pps.min(other.min_pps);
        self.max_pps = self.max_pps.max(other.max_pps);
        self.dtmf_sent += other.dtmf_sent;
        self.send_errors += other.send_errors;
    }

    /// Share of judged call-seconds at 48..=52 packets, in percent.
    pub(crate) fn steady_percent(&self) -> f64 {
        if self.call_seconds == 0 {
            return 0.0;
        }
        100.0 * self.steady_seconds as f64 / self.call_seconds as f64
    }
}

/// One call's packets, by second of the call.
struct Flow {
    first: Instant,
    last: Instant,
    second: u64,
    count: u32,
}

impl Flow {
    fn new(now: Instant) -> Flow {
        Flow {
            first: now,
            last: now,
            second: 0,
            count: 0,
        }
    }
}

/// The running sink.
pub(crate) struct Sink {
    /// The RTP port (RTCP is drained on the next one).
    pub(crate) port: u16,
    totals: Arc<Mutex<SinkTotals>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Sink {
    /// Binds 127.0.0.1:`port` (and `port`+1 for RTCP, so the legs' reports
    /// do not draw ICMP errors) and starts the receiving threads.
    pub(crate) fn start(port: u16, dtmf: Option<DtmfPlan>) -> std::io::Result<Sink> {
        let rtp = UdpSocket::bind(("127.0.0.1", port))?;
        let rtcp = UdpSocket::bind(("127.0.0.1", port + 1))?;
        rtp.set_read_timeout(Some(RECV_TIMEOUT))?;
        rtcp.set_read_timeout(Some(Duration::from_millis(100)))?;
        let totals = Arc::new(Mutex::new(SinkTotals::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let receiver = {
            let totals = totals.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(THREAD_NAME.into())
                .spawn(move || receive(rtp, dtmf, totals, stop))?
        };
        let drain = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name(format!("{THREAD_NAME}-rtcp"))
                .spawn(move || {
                    let mut buf = [0u8; 2048];
                    while !stop.load(Ordering::Relaxed) {
                        let _ = rtcp.recv_from(&mut buf);
                    }
                })?
        };
        Ok(Sink {
            port,
            totals,
            stop,
            threads: vec![receiver, drain],
        })
    }

    /// The counters since the last call, reset.
    pub(crate) fn take(&self) -> SinkTotals {
        std::mem::replace(&mut *self.totals.lock(), SinkTotals::new())
    }

    /// Stops the threads.
    pub(crate) fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

/// A key-press packet due at `.0` for the call at `.1`, packet index `.2`.
type Due = Reverse<(Instant, SocketAddr, usize)>;

fn receive(
    socket: UdpSocket,
    dtmf: Option<DtmfPlan>,
    shared: Arc<Mutex<SinkTotals>>,
    stop: Arc<AtomicBool>,
) {
    let mut flows: HashMap<SocketAddr, Flow> = HashMap::new();
    let mut due: BinaryHeap<Due> = BinaryHeap::new();
    let mut local = SinkTotals::new();
    let mut published = Instant::now();
    let mut buf = [0u8; 2048];
    while !stop.load(Ordering::Relaxed) {
        let received = socket.recv_from(&mut buf);
        let now = Instant::now();
        if let Ok((len, from)) = received
            && len >= 12
            && buf[0] >> 6 == 2
        {
            local.packets += 1;
            let stale = flows
                .get(&from)
                .is_none_or(|flow| now.duration_since(flow.last) > FLOW_GAP);
            if stale {
                // A new call (or a port that came back for one): the old call's last partial
                // second is dropped.
                flows.insert(from, Flow::new(now));
                local.flows += 1;
                if let Some(plan) = &dtmf
                    && !plan.packets.is_empty()
                {
                    due.push(Reverse((now + plan.delay, from, 0)));
                }
            }
            let Some(flow) = flows.get_mut(&from) else {
                continue;
            };
            let second = now.duration_since(flow.first).as_secs();
            if second != flow.second {
                local.judge(flow.count);
                // Whole seconds without a packet are seconds at 0 pps.
                for _ in flow.second + 1..second {
                    local.judge(0);
                }
                flow.second = second;
                flow.count = 0;
            }
            flow.count += 1;
            flow.last = now;
        }
        if let Some(plan) = &dtmf {
            send_due(&socket, plan, &mut due, now, &mut local);
        }
        if now.duration_since(published) >= PUBLISH_EVERY {
            flows.retain(|_, flow| now.duration_since(flow.last) <= FLOW_GAP);
            shared.lock().merge(&local);
            local = SinkTotals::new();
            published = now;
        }
    }
    shared.lock().merge(&local);
}

/// Sends every key-press packet that is due, scheduling the next of its capture.
fn send_due(
    socket: &UdpSocket,
    plan: &DtmfPlan,
    due: &mut BinaryHeap<Due>,
    now: Instant,
    totals: &mut SinkTotals,
) {
    while let Some(Reverse((at, to, index))) = due.peek().copied() {
        if at > now {
            break;
        }
        due.pop();
        let Some(packet) = plan.packets.get(index) else {
            continue;
        };
        if socket.send_to(&packet.payload, to).is_err() {
            totals.send_errors += 1;
        }
        match plan.packets.get(index + 1) {
            Some(next) => {
                let gap = next.offset.saturating_sub(packet.offset);
                due.push(Reverse((at + gap, to, index + 1)));
            }
            None => totals.dtmf_sent += 1,
        }
    }
}

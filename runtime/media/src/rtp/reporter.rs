//! When and what to send on RTCP (RFC 3550 §6): a sans-IO reporter that,
//! told the time, builds SR (while we send) or RR compound packets with an
//! SDES CNAME, and fills LSR/DLSR from the peer's last sender report.

use super::rtcp::{
    ReceiverReport, RtcpPacket, SenderReport, write_receiver_report, write_sdes_cname,
    write_sender_report,
};
use super::stats::ReceptionStats;
use super::stream::RtpSendStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Nominal report interval (RFC 3550 §6.2 minimum for a two-party session).
pub const RTCP_INTERVAL: Duration = Duration::from_secs(5);
/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// Schedules and builds this leg's RTCP reports.
#[derive(Debug)]
pub struct RtcpReporter {
    cname: String,
    next_due: Instant,
    packets_at_last_report: u32,
    /// Middle 32 bits of the peer's last SR and when it arrived.
    last_peer_sr: Option<(u32, Instant)>,
}

impl RtcpReporter {
    /// A reporter whose first report is due half an interval after `now`.
    pub fn new(cname: &str, now: Instant) -> Self {
        Self {
            cname: cname.to_string(),
            next_due: now + RTCP_INTERVAL / 2,
            packets_at_last_report: 0,
            last_peer_sr: None,
        }
    }

    /// When [`RtcpReporter::poll`] should next be called.
    pub fn next_due(&self) -> Instant {
        self.next_due
    }

    /// Notes the peer's reports (its SR timestamp feeds our LSR/DLSR).
    pub fn on_rtcp(&mut self, packets: &[RtcpPacket], now: Instant) {
        for packet in packets {
            if let RtcpPacket::SenderReport(sr) = packet {
                self.last_peer_sr = Some(((sr.ntp_timestamp >> 16) as u32, now));
            }
        }
    }

    /// If a report is due at `now`, writes the compound packet into `out`
    /// (cleared first) and returns `true`. `wall` is the wall-clock time for
    /// the SR's NTP timestamp.
    pub fn poll(
        &mut self,
        now: Instant,
        wall: SystemTime,
        sent: &RtpSendStream,
        received: &mut ReceptionStats,
        out: &mut Vec<u8>,
    ) -> bool {
        if now < self.next_due {
            return false;
        }
        // Randomised to 0.5-1.5 intervals so reports of many calls do not synchronise.
        let jitter = 0.5 + rand::random::<f64>();
        self.next_due = now + RTCP_INTERVAL.mul_f64(jitter);
        out.clear();
        let mut reports = Vec::with_capacity(1);
        if let Some(mut block) = received.report() {
            if let Some((lsr, at)) = self.last_peer_sr {
                block.last_sr = lsr;
                block.delay_since_last_sr =
                    (now.saturating_duration_since(at).as_secs_f64() * 65536.0) as u32;
            }
            reports.push(block);
        }
        let sending = sent.packets_sent() != self.packets_at_last_report;
        self.packets_at_last_report = sent.packets_sent();
        if sending {
            write_sender_report(
                &SenderReport {
                    ssrc: sent.ssrc(),
                    ntp_timestamp: ntp_timestamp(wall),
                    rtp_timestamp: sent.next_timestamp(),
                    packet_count: sent.packets_sent(),
                    octet_count: sent.octets_sent(),
                    reports,
                },
                out,
            );
        } else {
            write_receiver_report(
                &ReceiverReport {
                    ssrc: sent.ssrc(),
                    reports,
                },
                out,
            );
        }
        write_sdes_cname(sent.ssrc(), &self.cname, out);
        true
    }
}

/// 64-bit NTP timestamp (seconds since 1900 in the high half).
fn ntp_timestamp(wall: SystemTime) -> u64 {
    let since_unix = wall.duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
    let fraction = (u64::from(since_unix.subsec_nanos()) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::rtcp::parse_compound;

    #[test]
    fn sender_report_while_sending_receiver_report_when_not() {
        let t0 = Instant::now();
        let wall = UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_millis(500);
        let mut reporter = RtcpReporter::new("wasmphony@test", t0);
        let mut stream = RtpSendStream::new(42, 0, 1000);
        let mut stats = ReceptionStats::default();
        let mut out = Vec::new();
        assert!(!reporter.poll(
            t0 + Duration::from_secs(1),
            wall,
            &stream,
            &mut stats,
            &mut out
        ));

        for i in 0..100u16 {
            stream.next_media(0, 160, 160);
            stats.on_packet(7, i, u32::from(i) * 160, u32::from(i) * 160);
        }
        // The peer's SR arrived 1 s before our report.
        let peer_sr = SenderReport {
            ssrc: 7,
            ntp_timestamp: 0x1111_2222_3333_4444,
            ..Default::default()
        };
        reporter.on_rtcp(
            &[RtcpPacket::SenderReport(peer_sr)],
            t0 + Duration::from_millis(1500),
        );
        assert!(reporter.poll(
            t0 + Duration::from_millis(2500),
            wall,
            &stream,
            &mut stats,
            &mut out
        ));
        let packets = parse_compound(&out).unwrap();
        let RtcpPacket::SenderReport(sr) = &packets[0] else {
            panic!("expected an SR, got {packets:?}")
        };
        assert_eq!(
            (sr.ssrc, sr.packet_count, sr.octet_count, sr.rtp_timestamp),
            (42, 100, 16_000, 1000 + 100 * 160)
        );
        assert_eq!(sr.ntp_timestamp >> 32, 1_700_000_000 + NTP_UNIX_OFFSET);
        assert_eq!(sr.ntp_timestamp & 0xFFFF_FFFF, 1 << 31, "half a second");
        let block = sr.reports[0];
        assert_eq!(
            (block.ssrc, block.cumulative_lost, block.last_sr),
            (7, 0, 0x2222_3333)
        );
        assert_eq!(block.delay_since_last_sr, 65536, "one second in 1/65536 s");
        assert_eq!(packets[1], RtcpPacket::Other(202), "SDES CNAME follows");

        // Nothing sent since: the next one is a receiver report, 2.5-7.5 s later.
        let due = reporter.next_due();
        assert!(
            due >= t0 + Duration::from_millis(5000) && due <= t0 + Duration::from_millis(10_000)
        );
        assert!(reporter.poll(due, wall, &stream, &mut stats, &mut out));
        assert!(matches!(
            parse_compound(&out).unwrap()[0],
            RtcpPacket::ReceiverReport(_)
        ));
    }
}

//! RFC 4733 telephone-events: the 4-byte payload, a receiver that reports each
//! key press once (however many redundant end packets arrive), and a sender.

use super::digit::Digit;
use crate::rtp::packet::{RtpHeader, write_rtp};
use crate::rtp::stream::RtpSendStream;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Length of a telephone-event payload.
pub const EVENT_PAYLOAD_LEN: usize = 4;
/// An event whose updates stop for this long is reported as ended (all its
/// end packets were lost). Senders update every 50 ms at most (RFC 4733 §2.5.1.2).
pub const EVENT_TIMEOUT: Duration = Duration::from_millis(300);
/// Reported events waiting to be taken; a peer flooding events loses the oldest.
pub const MAX_PENDING_EVENTS: usize = 16;
/// End packets sent for each event (RFC 4733 §2.5.1.4 recommends three).
pub const END_PACKETS: u8 = 3;
/// Keys queued behind the one being sent.
pub const MAX_QUEUED_KEYS: usize = 32;
/// Default attenuation sent, in -dBm0 (RFC 4733 §2.3.4; 10 is a typical level).
pub const DEFAULT_VOLUME: u8 = 10;

/// Why a telephone-event payload is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not 4 bytes (a peer may pack several events, which we do not support; RFC 4733 §2.5.1.5).
    #[error("telephone-event payload of {0} bytes")]
    BadLength(usize),
}

/// One telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code (0-15 are the DTMF keys).
    pub code: u8,
    /// End bit.
    pub end: bool,
    /// Attenuation in -dBm0 (0-63).
    pub volume: u8,
    /// Duration so far, in RTP timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses a payload.
    pub fn parse(payload: &[u8]) -> Result<Self, EventError> {
        let &[code, flags, hi, lo] = payload else {
            return Err(EventError::BadLength(payload.len()));
        };
        Ok(Self {
            code,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([hi, lo]),
        })
    }

    /// The 4-byte payload.
    pub fn to_bytes(self) -> [u8; EVENT_PAYLOAD_LEN] {
        let [hi, lo] = self.duration.to_be_bytes();
        [
            self.code,
            (u8::from(self.end) << 7) | (self.volume & 0x3F),
            hi,
            lo,
        ]
    }
}

/// A key press as received, reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedEvent {
    /// The key.
    pub digit: Digit,
    /// Attenuation in -dBm0.
    pub volume: u8,
    /// How long the key was held.
    pub duration: Duration,
    /// RTP timestamp of the event start (its identity).
    pub timestamp: u32,
    /// Whether an end packet was seen (false: reported after [`EVENT_TIMEOUT`]
    /// or because the next event began).
    pub ended_cleanly: bool,
}

#[derive(Debug, Clone, Copy)]
struct Ongoing {
    timestamp: u32,
    digit: Digit,
    volume: u8,
    duration: u16,
    last_update: Instant,
}

/// Turns a telephone-event packet stream into key presses.
///
/// Each event is identified by its RTP timestamp: updates and the redundant
/// end packets share it, so the press is reported exactly once, and packets
/// of an event already reported (late or retransmitted) are ignored.
#[derive(Debug)]
pub struct EventReceiver {
    clock_rate: u32,
    ongoing: Option<Ongoing>,
    last_reported: Option<u32>,
    pending: VecDeque<ReceivedEvent>,
}

impl EventReceiver {
    /// A receiver for events on a `clock_rate` Hz stream (8000 for narrowband).
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate: clock_rate.max(1),
            ongoing: None,
            last_reported: None,
            pending: VecDeque::new(),
        }
    }

    /// Processes one telephone-event packet with RTP `timestamp`, received at `now`.
    pub fn on_packet(
        &mut self,
        timestamp: u32,
        payload: &[u8],
        now: Instant,
    ) -> Result<(), EventError> {
        let event = TelephoneEvent::parse(payload)?;
        if self
            .last_reported
            .is_some_and(|last| timestamp.wrapping_sub(last) as i32 <= 0)
        {
            return Ok(()); // redundant end, or a late packet of a finished event
        }
        let Some(digit) = Digit::from_event_code(event.code) else {
            return Ok(());
        };
        match self.ongoing {
            Some(ongoing) if ongoing.timestamp == timestamp => {}
            Some(ongoing) if timestamp.wrapping_sub(ongoing.timestamp) as i32 > 0 => {
                // A newer event began before the old one ended: its end packets were lost.
                self.report(ongoing, false);
            }
            Some(_) => return Ok(()), // older than the ongoing one: stale
            None => {}
        }
        let ongoing = self.ongoing.get_or_insert(Ongoing {
            timestamp,
            digit,
            volume: event.volume,
            duration: 0,
            last_update: now,
        });
        ongoing.duration = ongoing.duration.max(event.duration);
        ongoing.volume = event.volume;
        ongoing.last_update = now;
        if event.end {
            let done = *ongoing;
            self.report(done, true);
        }
        Ok(())
    }

    /// Reports an event whose updates stopped more than [`EVENT_TIMEOUT`] ago.
    pub fn poll(&mut self, now: Instant) {
        if let Some(ongoing) = self.ongoing
            && now.saturating_duration_since(ongoing.last_update) >= EVENT_TIMEOUT
        {
            self.report(ongoing, false);
        }
    }

    /// An event has started and not ended: [`EventReceiver::poll`] must keep being
    /// called so that lost end packets still report it.
    pub fn in_progress(&self) -> bool {
        self.ongoing.is_some()
    }

    /// The next reported key press, oldest first.
    pub fn next_event(&mut self) -> Option<ReceivedEvent> {
        self.pending.pop_front()
    }

    fn report(&mut self, ongoing: Ongoing, ended_cleanly: bool) {
        self.ongoing = None;
        self.last_reported = Some(ongoing.timestamp);
        if self.pending.len() >= MAX_PENDING_EVENTS {
            self.pending.pop_front();
        }
        let micros = u64::from(ongoing.duration) * 1_000_000 / u64::from(self.clock_rate);
        self.pending.push_back(ReceivedEvent {
            digit: ongoing.digit,
            volume: ongoing.volume,
            duration: Duration::from_micros(micros),
            timestamp: ongoing.timestamp,
            ended_cleanly,
        });
    }
}

#[derive(Debug, Clone, Copy)]
struct Sending {
    code: u8,
    volume: u8,
    timestamp: u32,
    elapsed: u32,
    total: u32,
    ends_sent: u8,
}

/// Sends key presses as telephone-events, one packet per 20 ms tick: the
/// start (marker set), updates, then [`END_PACKETS`] end packets. The media
/// timestamp keeps advancing with the ticks, so audio resumes in step.
#[derive(Debug)]
pub struct EventSender {
    payload_type: u8,
    step: u32,
    sending: Option<Sending>,
    queue: VecDeque<(Digit, Duration)>,
}

impl EventSender {
    /// A sender using `payload_type` on a `clock_rate` Hz stream.
    pub fn new(payload_type: u8, clock_rate: u32) -> Self {
        Self {
            payload_type,
            step: clock_rate / 50,
            sending: None,
            queue: VecDeque::new(),
        }
    }

    /// Queues a key press lasting `duration`. Returns `false` when the queue is full.
    pub fn press(&mut self, digit: Digit, duration: Duration) -> bool {
        if self.queue.len() >= MAX_QUEUED_KEYS {
            return false;
        }
        self.queue.push_back((digit, duration));
        true
    }

    /// Whether a key is being sent or waiting (the caller sends events instead of audio).
    pub fn is_busy(&self) -> bool {
        self.sending.is_some() || !self.queue.is_empty()
    }

    /// Writes the packet for this 20 ms tick into `out` (cleared first).
    /// Returns `false` when there is nothing to send.
    pub fn next_packet(&mut self, stream: &mut RtpSendStream, out: &mut Vec<u8>) -> bool {
        out.clear();
        let step = self.step;
        if self.sending.is_none() {
            let Some((digit, duration)) = self.queue.pop_front() else {
                return false;
            };
            let units = (duration.as_micros() as u64 * u64::from(step) * 50 / 1_000_000) as u32;
            // At least one update; the 16-bit duration field bounds the length.
            let total = units.clamp(step, u32::from(u16::MAX) / step * step);
            self.sending = Some(Sending {
                code: digit.event_code(),
                volume: DEFAULT_VOLUME,
                timestamp: stream.next_timestamp(),
                elapsed: 0,
                total,
                ends_sent: 0,
            });
        }
        let Some(sending) = self.sending.as_mut() else {
            return false;
        };
        let marker = sending.elapsed == 0;
        let end = sending.elapsed + step >= sending.total;
        if end {
            sending.elapsed = sending.total;
            sending.ends_sent += 1;
        } else {
            sending.elapsed += step;
        }
        let event = TelephoneEvent {
            code: sending.code,
            end,
            volume: sending.volume,
            duration: sending.elapsed as u16,
        };
        let header: RtpHeader = stream.next_with_timestamp(
            self.payload_type,
            marker,
            sending.timestamp,
            EVENT_PAYLOAD_LEN,
        );
        if sending.ends_sent >= END_PACKETS {
            self.sending = None;
        }
        stream.advance_timestamp(step);
        write_rtp(&header, &event.to_bytes(), out);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::packet::RtpPacket;

    fn digit(c: char) -> Digit {
        Digit::from_char(c).unwrap()
    }

    fn payload(code: u8, end: bool, duration: u16) -> [u8; 4] {
        TelephoneEvent {
            code,
            end,
            volume: 12,
            duration,
        }
        .to_bytes()
    }

    #[test]
    fn payload_round_trip_and_bad_length() {
        let event = TelephoneEvent {
            code: 11,
            end: true,
            volume: 63,
            duration: 1600,
        };
        assert_eq!(TelephoneEvent::parse(&event.to_bytes()), Ok(event));
        assert_eq!(
            TelephoneEvent::parse(&[1, 2, 3]),
            Err(EventError::BadLength(3))
        );
        assert_eq!(
            TelephoneEvent::parse(&[0; 8]),
            Err(EventError::BadLength(8))
        );
    }

    #[test]
    fn redundant_end_packets_report_once_with_duration_and_volume() {
        let t0 = Instant::now();
        let mut rx = EventReceiver::new(8000);
        for (i, (end, dur)) in [
            (false, 160),
            (false, 320),
            (false, 480),
            (true, 800),
            (true, 800),
            (true, 800),
        ]
        .into_iter()
        .enumerate()
        {
            rx.on_packet(
                1000,
                &payload(5, end, dur),
                t0 + Duration::from_millis(20 * i as u64),
            )
            .unwrap();
        }
        assert!(!rx.in_progress(), "ended by its end packets");
        let event = rx.next_event().unwrap();
        assert_eq!(event.digit, digit('5'));
        assert_eq!(event.duration, Duration::from_millis(100));
        assert_eq!(event.volume, 12);
        assert!(event.ended_cleanly);
        assert_eq!(rx.next_event(), None);
        // A late, reordered update of the same event changes nothing.
        rx.on_packet(
            1000,
            &payload(5, false, 480),
            t0 + Duration::from_millis(200),
        )
        .unwrap();
        rx.poll(t0 + Duration::from_secs(5));
        assert_eq!(rx.next_event(), None);
    }

    #[test]
    fn same_key_twice_is_two_presses_by_timestamp() {
        let t0 = Instant::now();
        let mut rx = EventReceiver::new(8000);
        for ts in [1000u32, 3000] {
            rx.on_packet(ts, &payload(1, false, 160), t0).unwrap();
            rx.on_packet(ts, &payload(1, true, 640), t0).unwrap();
            rx.on_packet(ts, &payload(1, true, 640), t0).unwrap();
        }
        let presses: Vec<_> = std::iter::from_fn(|| rx.next_event())
            .map(|e| (e.digit.as_char(), e.timestamp))
            .collect();
        assert_eq!(presses, vec![('1', 1000), ('1', 3000)]);
    }

    #[test]
    fn lost_end_packets_are_reported_by_next_event_or_timeout() {
        let t0 = Instant::now();
        let mut rx = EventReceiver::new(8000);
        rx.on_packet(u32::MAX - 100, &payload(2, false, 320), t0)
            .unwrap();
        // The next event starts across the timestamp wrap.
        rx.on_packet(
            500,
            &payload(3, false, 160),
            t0 + Duration::from_millis(100),
        )
        .unwrap();
        let first = rx.next_event().unwrap();
        assert_eq!((first.digit, first.ended_cleanly), (digit('2'), false));
        rx.poll(t0 + Duration::from_millis(300));
        assert_eq!(rx.next_event(), None, "not yet timed out");
        assert!(rx.in_progress(), "the timeout still needs polling");
        rx.poll(t0 + Duration::from_millis(100) + EVENT_TIMEOUT);
        assert_eq!(rx.next_event().unwrap().digit, digit('3'));
        assert!(!rx.in_progress());
    }

    #[test]
    fn non_key_events_and_garbage_are_ignored() {
        let t0 = Instant::now();
        let mut rx = EventReceiver::new(8000);
        rx.on_packet(10, &payload(16, true, 160), t0).unwrap(); // hook flash
        assert!(rx.on_packet(20, &[1, 2], t0).is_err());
        assert_eq!(rx.next_event(), None);
    }

    #[test]
    fn sender_emits_start_updates_three_ends_then_audio_resumes_in_step() {
        let mut stream = RtpSendStream::new(7, 100, 16000);
        let mut tx = EventSender::new(101, 8000);
        assert!(tx.press(digit('#'), Duration::from_millis(100)));
        let mut rx = EventReceiver::new(8000);
        let mut buf = Vec::new();
        let mut packets = Vec::new();
        let t0 = Instant::now();
        while tx.next_packet(&mut stream, &mut buf) {
            let packet = RtpPacket::parse(&buf).unwrap();
            packets.push((
                packet.header,
                TelephoneEvent::parse(packet.payload).unwrap(),
            ));
            rx.on_packet(packet.header.timestamp, packet.payload, t0)
                .unwrap();
        }
        assert_eq!(
            packets.len(),
            5 + 2,
            "4 updates, then the final duration 3 times"
        );
        assert!(packets[0].0.marker && packets[1..].iter().all(|(h, _)| !h.marker));
        assert!(
            packets
                .iter()
                .all(|(h, e)| h.timestamp == 16000 && h.payload_type == 101 && e.code == 11)
        );
        let sequences: Vec<u16> = packets.iter().map(|(h, _)| h.sequence).collect();
        assert_eq!(sequences, (100..107).collect::<Vec<_>>());
        let ends: Vec<(bool, u16)> = packets.iter().map(|(_, e)| (e.end, e.duration)).collect();
        assert_eq!(
            ends[..5],
            [
                (false, 160),
                (false, 320),
                (false, 480),
                (false, 640),
                (true, 800)
            ]
        );
        assert_eq!(ends[5..], [(true, 800), (true, 800)]);
        assert_eq!(
            stream.next_timestamp(),
            16000 + 7 * 160,
            "one tick of timestamp per packet"
        );
        let received = rx.next_event().unwrap();
        assert_eq!(
            (received.digit, received.duration),
            (digit('#'), Duration::from_millis(100))
        );
        assert_eq!(rx.next_event(), None);
        assert!(!tx.is_busy());
    }
}

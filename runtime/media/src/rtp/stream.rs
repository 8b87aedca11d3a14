//! Outgoing RTP stream state: one SSRC, and sequence numbers and timestamps
//! that stay continuous whatever is being sent (prompts, silence, DTMF, relayed
//! packets from another leg).

use super::packet::RtpHeader;

/// Outgoing stream numbering for one leg.
#[derive(Debug, Clone)]
pub struct RtpSendStream {
    ssrc: u32,
    next_sequence: u16,
    next_timestamp: u32,
    /// Set after a gap so the next packet carries the marker bit.
    talkspurt_start: bool,
    packets_sent: u32,
    octets_sent: u32,
}

impl RtpSendStream {
    /// A stream with a random SSRC, sequence and timestamp origin (RFC 3550 §5.1).
    pub fn new_random() -> Self {
        Self::new(rand::random(), rand::random(), rand::random())
    }

    /// A stream with the given origin (tests, replay).
    pub fn new(ssrc: u32, first_sequence: u16, first_timestamp: u32) -> Self {
        Self {
            ssrc,
            next_sequence: first_sequence,
            next_timestamp: first_timestamp,
            talkspurt_start: true,
            packets_sent: 0,
            octets_sent: 0,
        }
    }

    /// The stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Header for the next media frame, advancing the timestamp by `step`.
    pub fn next_media(&mut self, payload_type: u8, step: u32, payload_len: usize) -> RtpHeader {
        let header = RtpHeader {
            marker: std::mem::take(&mut self.talkspurt_start),
            payload_type,
            sequence: self.next_sequence,
            timestamp: self.next_timestamp,
            ssrc: self.ssrc,
        };
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.next_timestamp = self.next_timestamp.wrapping_add(step);
        self.count(payload_len);
        header
    }

    /// Accounts for `frames` frames of silence that were not sent: timestamps
    /// keep following the clock and the next packet starts a talkspurt.
    pub fn skip(&mut self, step: u32, frames: u32) {
        self.next_timestamp = self.next_timestamp.wrapping_add(step.wrapping_mul(frames));
        self.talkspurt_start = true;
    }

    /// Header for a packet that must carry an explicit timestamp (an RFC 4733
    /// event keeps the timestamp of its start); the sequence still advances.
    pub fn next_with_timestamp(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload_len: usize,
    ) -> RtpHeader {
        let header = RtpHeader {
            marker,
            payload_type,
            sequence: self.next_sequence,
            timestamp,
            ssrc: self.ssrc,
        };
        self.next_sequence = self.next_sequence.wrapping_add(1);
        self.count(payload_len);
        header
    }

    /// Sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.next_sequence
    }

    /// Accounts for a relayed packet sent with `sequence` and `timestamp`
    /// (spanning `step` timestamp units), so packets generated afterwards
    /// (a prompt, DTMF) continue after it. Older packets move nothing back.
    pub fn note_relayed(&mut self, sequence: u16, timestamp: u32, step: u32, payload_len: usize) {
        if sequence.wrapping_sub(self.next_sequence) < 0x8000 {
            self.next_sequence = sequence.wrapping_add(1);
        }
        let end = timestamp.wrapping_add(step);
        if end.wrapping_sub(self.next_timestamp) < 0x8000_0000 {
            self.next_timestamp = end;
        }
        self.talkspurt_start = false;
        self.count(payload_len);
    }

    /// Timestamp the next media frame will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.next_timestamp
    }

    /// Advances the timestamp without sending (the span of a DTMF event).
    pub fn advance_timestamp(&mut self, by: u32) {
        self.next_timestamp = self.next_timestamp.wrapping_add(by);
    }

    /// Packets sent (for RTCP SR).
    pub fn packets_sent(&self) -> u32 {
        self.packets_sent
    }

    /// Payload octets sent (for RTCP SR).
    pub fn octets_sent(&self) -> u32 {
        self.octets_sent
    }

    fn count(&mut self, payload_len: usize) {
        self.packets_sent = self.packets_sent.wrapping_add(1);
        self.octets_sent = self.octets_sent.wrapping_add(payload_len as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_is_continuous_and_wraps() {
        let mut stream = RtpSendStream::new(5, 65534, u32::MAX - 100);
        let a = stream.next_media(0, 160, 160);
        let b = stream.next_media(0, 160, 160);
        let c = stream.next_media(0, 160, 160);
        assert!(a.marker && !b.marker && !c.marker);
        assert_eq!((a.sequence, b.sequence, c.sequence), (65534, 65535, 0));
        assert_eq!(b.timestamp, a.timestamp.wrapping_add(160));
        assert_eq!(c.timestamp, a.timestamp.wrapping_add(320));
        assert!([a.ssrc, b.ssrc, c.ssrc].iter().all(|s| *s == 5));
    }

    #[test]
    fn silence_gap_advances_timestamp_and_marks_next() {
        let mut stream = RtpSendStream::new(1, 0, 0);
        stream.next_media(0, 160, 160);
        stream.skip(160, 10);
        let next = stream.next_media(0, 160, 160);
        assert!(next.marker);
        assert_eq!(next.sequence, 1);
        assert_eq!(next.timestamp, 160 * 11);
        assert_eq!(stream.packets_sent(), 2);
    }
}

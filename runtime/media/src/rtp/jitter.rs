//! A small bounded jitter buffer for the paths that decode (recording, in-band
//! DTMF, transcoding). The pure relay path does not use it.

/// Slots in the buffer: 16 frames = 320 ms of 20 ms audio.
pub const JITTER_CAPACITY: usize = 16;
/// Frames held before playout starts (60 ms).
pub const JITTER_TARGET_DEPTH: u16 = 3;
/// Largest payload stored (an Opus frame at high bitrate fits).
pub const MAX_JITTER_PAYLOAD: usize = 512;

/// One playout step.
#[derive(Debug, PartialEq, Eq)]
pub enum Playout<'a> {
    /// The expected packet.
    Frame(&'a [u8]),
    /// The expected packet is missing: conceal one frame.
    Lost,
}

/// Why a packet was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JitterDrop {
    /// Older than the playout point, or a duplicate.
    Late,
    /// Too far ahead: the buffer restarted at this packet.
    Reset,
    /// Payload larger than [`MAX_JITTER_PAYLOAD`].
    TooLarge,
}

#[derive(Clone)]
struct Slot {
    sequence: u16,
    len: u16,
    filled: bool,
    data: [u8; MAX_JITTER_PAYLOAD],
}

/// Reorders packets by sequence number; fixed memory, no allocation per packet.
///
/// The slots (about 8 KiB) are allocated by the first packet stored: every media leg
/// owns a buffer, but only legs that decode ever fill one, and at thousands of calls the
/// difference is tens of megabytes.
pub struct JitterBuffer {
    /// Empty until the first [`JitterBuffer::push`], then [`JITTER_CAPACITY`] slots.
    slots: Box<[Slot]>,
    /// Next sequence to play; `None` until the first packet.
    play_sequence: Option<u16>,
    buffered: u16,
    started: bool,
}

impl JitterBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self {
            slots: Box::default(),
            play_sequence: None,
            buffered: 0,
            started: false,
        }
    }

    /// Stores a packet. Returns why it was dropped, if it was.
    pub fn push(&mut self, sequence: u16, payload: &[u8]) -> Result<(), JitterDrop> {
        if payload.len() > MAX_JITTER_PAYLOAD {
            return Err(JitterDrop::TooLarge);
        }
        if self.slots.is_empty() {
            let slot = Slot {
                sequence: 0,
                len: 0,
                filled: false,
                data: [0; MAX_JITTER_PAYLOAD],
            };
            self.slots = vec![slot; JITTER_CAPACITY].into_boxed_slice();
        }
        let mut result = Ok(());
        let play = *self.play_sequence.get_or_insert(sequence);
        let ahead = sequence.wrapping_sub(play);
        if ahead >= 0x8000 {
            return Err(JitterDrop::Late);
        }
        if usize::from(ahead) >= JITTER_CAPACITY {
            // The peer jumped (new talkspurt after a long gap, or a restart).
            self.clear();
            self.play_sequence = Some(sequence);
            result = Err(JitterDrop::Reset);
        }
        let slot = &mut self.slots[usize::from(sequence) % JITTER_CAPACITY];
        if slot.filled && slot.sequence == sequence {
            return Err(JitterDrop::Late);
        }
        slot.sequence = sequence;
        slot.len = payload.len() as u16;
        slot.data[..payload.len()].copy_from_slice(payload);
        if !slot.filled {
            self.buffered += 1;
        }
        slot.filled = true;
        result
    }

    /// Takes the next frame at one playout tick, or `None` while filling up.
    pub fn pop(&mut self) -> Option<Playout<'_>> {
        let play = self.play_sequence?;
        if !self.started {
            if self.buffered < JITTER_TARGET_DEPTH {
                return None;
            }
            self.started = true;
        }
        if self.buffered == 0 {
            // Underrun: wait for the buffer to refill before playing again.
            self.started = false;
            return None;
        }
        self.play_sequence = Some(play.wrapping_add(1));
        let slot = &mut self.slots[usize::from(play) % JITTER_CAPACITY];
        if slot.filled && slot.sequence == play {
            slot.filled = false;
            self.buffered -= 1;
            Some(Playout::Frame(&slot.data[..usize::from(slot.len)]))
        } else {
            Some(Playout::Lost)
        }
    }

    /// Bytes the slots take (0 until the first packet).
    pub fn allocated_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.slots)
    }

    fn clear(&mut self) {
        for slot in self.slots.iter_mut() {
            slot.filled = false;
        }
        self.buffered = 0;
        self.started = false;
    }
}

impl Default for JitterBuffer {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_no_slots_until_the_first_packet() {
        let mut buffer = JitterBuffer::new();
        assert_eq!(buffer.allocated_bytes(), 0);
        assert_eq!(buffer.pop(), None);
        buffer.push(7, &[1, 2, 3]).expect("stored");
        assert!(buffer.allocated_bytes() >= JITTER_CAPACITY * MAX_JITTER_PAYLOAD);
    }

    #[test]
    fn reorders_and_reports_loss() {
        let mut jb = JitterBuffer::new();
        jb.push(10, &[10]).unwrap();
        assert_eq!(jb.pop(), None, "still filling");
        jb.push(12, &[12]).unwrap();
        jb.push(11, &[11]).unwrap();
        jb.push(14, &[14]).unwrap();
        assert_eq!(jb.pop(), Some(Playout::Frame(&[10])));
        assert_eq!(jb.pop(), Some(Playout::Frame(&[11])));
        assert_eq!(jb.pop(), Some(Playout::Frame(&[12])));
        assert_eq!(jb.pop(), Some(Playout::Lost));
        assert_eq!(jb.pop(), Some(Playout::Frame(&[14])));
        assert_eq!(jb.pop(), None);
    }

    #[test]
    fn late_and_duplicate_packets_are_dropped() {
        let mut jb = JitterBuffer::new();
        for s in 100..104 {
            jb.push(s, &[1]).unwrap();
        }
        jb.pop();
        assert_eq!(jb.push(100, &[1]), Err(JitterDrop::Late));
        assert_eq!(jb.push(102, &[1]), Err(JitterDrop::Late));
    }

    #[test]
    fn far_jump_resets_and_stays_bounded() {
        let mut jb = JitterBuffer::new();
        jb.push(0, &[0]).unwrap();
        assert_eq!(jb.push(1000, &[1]), Err(JitterDrop::Reset));
        for s in 1001..1003 {
            jb.push(s, &[2]).unwrap();
        }
        assert_eq!(jb.pop(), Some(Playout::Frame(&[1])));
        assert_eq!(
            jb.push(1, &[0; MAX_JITTER_PAYLOAD + 1]),
            Err(JitterDrop::TooLarge)
        );
    }
}

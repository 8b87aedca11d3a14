//! The player: a sans-IO core that walks a playlist and hands out one
//! pre-encoded 20 ms frame per due tick. It is told the time and never sleeps.

use super::prompt::Prompt;
use crate::codec::{Codec, FRAME_DURATION};
use crate::rtp::pacing::PacingClock;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most items in one playlist (a guest builds playlists).
pub const MAX_PLAYLIST_ITEMS: usize = 256;

/// One playlist entry.
#[derive(Debug, Clone)]
pub enum PlayItem {
    /// A prompt from a library.
    Prompt(Arc<Prompt>),
    /// A pause (rounded up to whole 20 ms frames).
    Silence(Duration),
}

impl PlayItem {
    fn frames(&self) -> usize {
        match self {
            PlayItem::Prompt(p) => p.frame_count(),
            PlayItem::Silence(d) => d.as_micros().div_ceil(FRAME_DURATION.as_micros()) as usize,
        }
    }
}

/// How a playback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayEnd {
    /// The playlist ran to its end.
    Completed,
    /// Stopped early (barge-in, hang-up, a new playlist).
    Stopped,
}

/// One frame to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayerFrame<'a> {
    /// The encoded payload.
    pub payload: &'a [u8],
    /// Frames dropped just before this one because the caller stalled
    /// (advance the RTP timestamp by as many frames: see `RtpSendStream::skip`).
    pub skipped: u64,
}

/// Why a playlist was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlayError {
    /// More than [`MAX_PLAYLIST_ITEMS`] items.
    #[error("playlist of {0} items exceeds {MAX_PLAYLIST_ITEMS}")]
    TooLong(usize),
    /// A prompt lacks the call's codec.
    #[error("prompt {0} is not encoded for the call's codec")]
    MissingCodec(String),
    /// A looping playlist with nothing in it would spin forever.
    #[error("looping playlist has no audio")]
    EmptyLoop,
}

/// Plays playlists for one call leg in one codec.
#[derive(Debug)]
pub struct Player {
    codec: Codec,
    silence: Arc<Prompt>,
    items: Vec<PlayItem>,
    looped: bool,
    item: usize,
    frame: usize,
    clock: Option<PacingClock>,
    skipped_seen: u64,
    ended: Option<PlayEnd>,
}

impl Player {
    /// An idle player for `codec`; `silence` is the library's one-frame silence prompt.
    pub fn new(codec: Codec, silence: Arc<Prompt>) -> Self {
        Self {
            codec,
            silence,
            items: Vec::new(),
            looped: false,
            item: 0,
            frame: 0,
            clock: None,
            skipped_seen: 0,
            ended: None,
        }
    }

    /// Starts `items` at `now` (first frame due immediately), replacing what
    /// was playing. `looped` repeats it until stopped (music on hold).
    pub fn play(
        &mut self,
        items: Vec<PlayItem>,
        looped: bool,
        now: Instant,
    ) -> Result<(), PlayError> {
        if items.len() > MAX_PLAYLIST_ITEMS {
            return Err(PlayError::TooLong(items.len()));
        }
        for item in &items {
            if let PlayItem::Prompt(p) = item
                && !p.has_codec(self.codec)
            {
                return Err(PlayError::MissingCodec(p.name().to_string()));
            }
        }
        if looped && items.iter().all(|i| i.frames() == 0) {
            return Err(PlayError::EmptyLoop);
        }
        if !self.silence.has_codec(self.codec) {
            return Err(PlayError::MissingCodec(self.silence.name().to_string()));
        }
        self.stop();
        self.items = items;
        self.looped = looped;
        self.item = 0;
        self.frame = 0;
        self.clock = Some(PacingClock::new(now));
        self.skipped_seen = 0;
        self.ended = None;
        Ok(())
    }

    /// Stops playback (barge-in). Returns whether something was playing.
    pub fn stop(&mut self) -> bool {
        let was_playing = self.is_playing();
        if was_playing {
            self.finish(PlayEnd::Stopped);
        }
        was_playing
    }

    /// Whether a playlist is in progress.
    pub fn is_playing(&self) -> bool {
        self.clock.is_some()
    }

    /// How the last playback ended, once (for the scenario's `play` to return).
    pub fn take_ended(&mut self) -> Option<PlayEnd> {
        self.ended.take()
    }

    /// When the next frame is due, if playing.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.clock.as_ref().map(PacingClock::next_deadline)
    }

    /// The next frame due at `now`; call until it returns `None`.
    pub fn next_frame(&mut self, now: Instant) -> Option<PlayerFrame<'_>> {
        let clock = self.clock.as_mut()?;
        if clock.poll_one(now) == 0 {
            return None;
        }
        let skipped = clock.skipped_frames() - self.skipped_seen;
        self.skipped_seen = clock.skipped_frames();
        // Keep the audio in step with the clock: skipped frames are not played.
        for _ in 0..skipped {
            if !self.advance() {
                break;
            }
        }
        if !self.seek_playable() {
            self.finish(PlayEnd::Completed);
            return None;
        }
        let (item, frame) = (self.item, self.frame);
        self.frame += 1;
        let payload = match &self.items[item] {
            PlayItem::Prompt(p) => p.frame(self.codec, frame),
            PlayItem::Silence(_) => self.silence.frame(self.codec, 0),
        }?;
        Some(PlayerFrame { payload, skipped })
    }

    /// Moves past one frame; `false` when the playlist is over.
    fn advance(&mut self) -> bool {
        if !self.seek_playable() {
            return false;
        }
        self.frame += 1;
        true
    }

    /// Moves to the next item with a frame left, wrapping when looped.
    fn seek_playable(&mut self) -> bool {
        let mut wrapped = false;
        loop {
            match self.items.get(self.item) {
                Some(item) if self.frame < item.frames() => return true,
                Some(_) => {
                    self.item += 1;
                    self.frame = 0;
                }
                None if self.looped && !wrapped => {
                    wrapped = true;
                    self.item = 0;
                    self.frame = 0;
                }
                None => return false,
            }
        }
    }

    fn finish(&mut self, how: PlayEnd) {
        self.clock = None;
        self.items.clear();
        self.ended = Some(how);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::SAMPLES_PER_FRAME_8K;

    const MS: Duration = Duration::from_millis(1);

    /// A prompt whose frame `i` is the constant sample `base + i` (so frames
    /// are recognisable after µ-law encoding via their first byte).
    fn numbered(name: &str, frames: usize, base: i16) -> Arc<Prompt> {
        let pcm: Vec<i16> = (0..frames)
            .flat_map(|i| {
                std::iter::repeat_n((base + (i % 25) as i16) * 1000, SAMPLES_PER_FRAME_8K)
            })
            .collect();
        Arc::new(Prompt::from_pcm(name, &pcm, 8000, &[Codec::Pcmu]).unwrap())
    }

    fn silence() -> Arc<Prompt> {
        Arc::new(
            Prompt::from_pcm("silence", &[0; SAMPLES_PER_FRAME_8K], 8000, &[Codec::Pcmu]).unwrap(),
        )
    }

    fn label(payload: &[u8]) -> i16 {
        (f32::from(crate::codec::g711::mulaw_to_linear(payload[0])) / 1000.0).round() as i16
    }

    /// Polls every `step` with a timer that fires `late` after each step,
    /// collecting (time since start, frame label) until the player stops.
    fn drive(
        player: &mut Player,
        t0: Instant,
        step: Duration,
        late: Duration,
        limit: usize,
    ) -> Vec<(Duration, i16)> {
        let mut out = Vec::new();
        let mut now = t0;
        while player.is_playing() && out.len() < limit {
            while let Some(frame) = player.next_frame(now + late) {
                out.push((now - t0, label(frame.payload)));
            }
            now += step;
        }
        out
    }

    #[test]
    fn playlist_plays_in_order_one_frame_per_20ms_with_silence_items() {
        let mut player = Player::new(Codec::Pcmu, silence());
        let t0 = Instant::now();
        let items = vec![
            PlayItem::Prompt(numbered("a", 3, 1)),
            PlayItem::Silence(40 * MS),
            PlayItem::Prompt(numbered("b", 2, 5)),
        ];
        player.play(items, false, t0).unwrap();
        let frames = drive(&mut player, t0, 20 * MS, 3 * MS, 100);
        let labels: Vec<i16> = frames.iter().map(|f| f.1).collect();
        assert_eq!(labels, [1, 2, 3, 0, 0, 5, 6]);
        let times: Vec<Duration> = frames.iter().map(|f| f.0).collect();
        assert_eq!(times, (0..7).map(|i| 20 * MS * i).collect::<Vec<_>>());
        assert_eq!(player.take_ended(), Some(PlayEnd::Completed));
        assert_eq!(player.take_ended(), None);
    }

    #[test]
    fn coarse_timer_gets_frames_in_bursts_without_drift() {
        let mut player = Player::new(Codec::Pcmu, silence());
        let t0 = Instant::now();
        player
            .play(vec![PlayItem::Prompt(numbered("a", 500, 1))], false, t0)
            .unwrap();
        // A 50 ms timer: frames come 2-3 per wake-up, 10 s of prompt in 10 s.
        let frames = drive(&mut player, t0, 50 * MS, Duration::ZERO, 1000);
        assert_eq!(frames.len(), 500);
        assert!(frames.last().unwrap().0 <= Duration::from_millis(10_000));
        assert!(
            frames
                .iter()
                .enumerate()
                .all(|(i, f)| f.1 == 1 + (i % 25) as i16
                    && f.0 >= 20 * MS * i as u32
                    && f.0 < 20 * MS * i as u32 + 50 * MS)
        );
    }

    #[test]
    fn looped_music_on_hold_wraps_until_barge_in() {
        let mut player = Player::new(Codec::Pcmu, silence());
        let t0 = Instant::now();
        player
            .play(vec![PlayItem::Prompt(numbered("moh", 3, 1))], true, t0)
            .unwrap();
        let mut labels = Vec::new();
        for tick in 0..8u32 {
            while let Some(frame) = player.next_frame(t0 + 20 * MS * tick) {
                labels.push(label(frame.payload));
            }
        }
        assert_eq!(labels, [1, 2, 3, 1, 2, 3, 1, 2]);
        assert!(player.stop(), "barge-in stops it");
        assert_eq!(player.next_frame(t0 + Duration::from_secs(1)), None);
        assert_eq!(player.take_ended(), Some(PlayEnd::Stopped));
        assert!(!player.stop());
    }

    #[test]
    fn a_stall_skips_audio_and_reports_it() {
        let mut player = Player::new(Codec::Pcmu, silence());
        let t0 = Instant::now();
        player
            .play(vec![PlayItem::Prompt(numbered("a", 30, 1))], false, t0)
            .unwrap();
        assert_eq!(label(player.next_frame(t0).unwrap().payload), 1);
        // Stalled for 200 ms: the audio jumps ahead instead of bursting.
        let frame = player.next_frame(t0 + 200 * MS).unwrap();
        assert!(frame.skipped > 0);
        assert_eq!(label(frame.payload), 1 + frame.skipped as i16 + 1);
        assert_eq!(player.next_frame(t0 + 200 * MS), None);
    }

    #[test]
    fn invalid_playlists_are_refused() {
        let mut player = Player::new(Codec::Pcma, silence());
        let t0 = Instant::now();
        assert!(matches!(
            player.play(vec![PlayItem::Prompt(numbered("a", 1, 1))], false, t0),
            Err(PlayError::MissingCodec(_))
        ));
        let mut player = Player::new(Codec::Pcmu, silence());
        assert_eq!(
            player.play(vec![PlayItem::Silence(Duration::ZERO)], true, t0),
            Err(PlayError::EmptyLoop)
        );
        assert_eq!(
            player.play(
                vec![PlayItem::Silence(MS); MAX_PLAYLIST_ITEMS + 1],
                false,
                t0
            ),
            Err(PlayError::TooLong(MAX_PLAYLIST_ITEMS + 1))
        );
        // An empty one-shot playlist completes at once.
        player.play(Vec::new(), false, t0).unwrap();
        assert_eq!(player.next_frame(t0), None);
        assert_eq!(player.take_ended(), Some(PlayEnd::Completed));
    }
}

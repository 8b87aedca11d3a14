//! The leg task: one loop over commands, received RTP, packets relayed from
//! the other leg, and the 20 ms tick.

use super::{DigitSource, LegCommand, LegConfig, LegEvent, RelayPacket, RelayTarget};
use crate::bridge::{LegFormat, Relay, Transcoder};
use crate::codec::{CodecError, Decoder, SAMPLES_PER_FRAME_8K};
use crate::dtmf::{Digit, EventReceiver, EventSender, InbandDetector};
use crate::net::{Received, RtpSession, SessionError};
use crate::play::{PlayEnd, Player, Prompt};
use crate::record::{CallRecorder, SilenceDetector};
use crate::rtp::jitter::{JitterBuffer, Playout};
use crate::rtp::pacing::PacingClock;
use crate::rtp::packet::{MAX_DATAGRAM, RtpPacket, write_rtp};
use crate::rtp::reporter::RtcpReporter;
use crate::rtp::stats::{MediaCounters, ReceptionStats};
use crate::rtp::stream::RtpSendStream;
use std::cell::RefCell;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;

/// While the other leg's packets arrived this recently, they are this leg's
/// outgoing audio and the tick sends no silence of its own.
const RELAY_IDLE: Duration = Duration::from_millis(100);
/// Decoded audio of relayed packets kept for the recorder (60 ms).
const MAX_RELAY_PCM: usize = 3 * SAMPLES_PER_FRAME_8K;

thread_local! {
    /// One receive buffer per worker thread for all the legs it runs: a leg reads a
    /// datagram and handles it within one poll, so no leg needs 1,500 bytes of its own
    /// (thousands of legs would each keep one in their task's future).
    static RECEIVE_BUFFER: RefCell<[u8; MAX_DATAGRAM]> = const { RefCell::new([0; MAX_DATAGRAM]) };
}

pub(super) async fn run(
    session: RtpSession,
    config: LegConfig,
    mut commands: mpsc::Receiver<LegCommand>,
    events: mpsc::Sender<LegEvent>,
) {
    // Boxed: the task's future is made on its spawner's stack, often a scenario's fiber
    // whose touched pages stay resident for the whole call, and copied into the heap;
    // with the leg's state inline it was 1.8 KiB, and the copy made the fiber a page deeper.
    let mut leg = match LegTask::new(session, config, events.clone()) {
        Ok(leg) => Box::new(leg),
        Err(e) => {
            let _ = events.try_send(LegEvent::Failed(e.to_string()));
            return;
        }
    };
    // The other leg's packets for this one, once a bridge opened the queue.
    let mut relay_rx = None;
    // One timer for the leg's life, moved only after it fired or when something needs an
    // earlier wake-up: a packet or a command between two ticks leaves it registered as it
    // is. While relaying, every relayed packet pushes the wanted wake-up later; following
    // it would re-register the timer per packet, so the timer fires at the older time and
    // the tick finds the relay still feeding and sleeps on.
    let mut deadline = leg.next_wake();
    let mut fired = false;
    let tick = tokio::time::sleep_until(deadline.into());
    tokio::pin!(tick);
    loop {
        let due = leg.next_wake();
        if fired || due < deadline {
            deadline = due;
            fired = false;
            tick.as_mut().reset(due.into());
        }
        tokio::select! {
            command = commands.recv() => match command {
                Some(LegCommand::OpenRelay(receiver)) => relay_rx = Some(receiver),
                Some(command) => leg.on_command(command),
                None => break,
            },
            received = std::future::poll_fn(|cx| leg.poll_receive(cx)) => {
                if let Err(e) = received {
                    leg.emit(LegEvent::Failed(e.to_string()));
                    break;
                }
            }
            Some(packet) = relayed(&mut relay_rx) => leg.on_relayed(packet),
            () = &mut tick => {
                fired = true;
                leg.on_tick();
            }
        }
    }
    if let Some(recorder) = leg.recorder.take() {
        let _ = recorder.finish();
    }
}

struct LegTask {
    session: RtpSession,
    format: LegFormat,
    silence: Arc<Prompt>,
    events: mpsc::Sender<LegEvent>,
    counters: Arc<MediaCounters>,
    clock: PacingClock,
    skipped_seen: u64,
    stream: RtpSendStream,
    started: Instant,
    reception: ReceptionStats,
    reporter: RtcpReporter,
    player: Player,
    barge_in: bool,
    /// False while our direction does not send (hold).
    sending: bool,
    dtmf_out: EventSender,
    dtmf_in: EventReceiver,
    inband: Option<InbandDetector>,
    jitter: JitterBuffer,
    decoder: Decoder,
    agent_decoder: Decoder,
    recorder: Option<CallRecorder<std::fs::File>>,
    /// The recording's silence detector, while one is asked for and has not fired.
    silence_detector: Option<SilenceDetector>,
    bridge_to: Option<RelayTarget>,
    relay: Option<(LegFormat, Relay)>,
    transcoder: Option<(LegFormat, Transcoder)>,
    last_relayed: Option<Instant>,
    /// Frames due before this and not yet taken by the clock were the relay's (see
    /// [`LegTask::next_wake`]).
    covered_until: Option<Instant>,
    relay_pcm: Vec<i16>,
    caller_pcm: Vec<i16>,
    agent_pcm: Vec<i16>,
    out: Vec<u8>,
}

/// The next packet relayed to this leg; never ready before a bridge opened the queue.
async fn relayed(relay_rx: &mut Option<mpsc::Receiver<RelayPacket>>) -> Option<RelayPacket> {
    match relay_rx {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

impl LegTask {
    /// Reads what arrived on the leg's RTP or RTCP socket and handles it; pending until
    /// something acceptable arrives. Nothing here polls another leg, so the shared
    /// buffer is never borrowed twice.
    fn poll_receive(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SessionError>> {
        RECEIVE_BUFFER.with_borrow_mut(|buf| {
            match ready!(self.session.poll_recv_any(cx, buf)) {
                Ok(Received::Rtp(len)) => self.on_rtp(&buf[..len]),
                Ok(Received::Rtcp(packets)) => self.reporter.on_rtcp(&packets, Instant::now()),
                Err(e) => return Poll::Ready(Err(e)),
            }
            Poll::Ready(Ok(()))
        })
    }

    fn new(
        session: RtpSession,
        config: LegConfig,
        events: mpsc::Sender<LegEvent>,
    ) -> Result<Self, CodecError> {
        let codec = config.format.codec;
        let now = Instant::now();
        let stream = RtpSendStream::new_random();
        Ok(Self {
            reporter: RtcpReporter::new(&format!("wasmphony-{:08x}", stream.ssrc()), now),
            reception: ReceptionStats::default(),
            started: now,
            counters: session.counters(),
            session,
            format: config.format,
            events,
            clock: PacingClock::new(now),
            skipped_seen: 0,
            stream,
            player: Player::new(codec, Arc::clone(&config.silence)),
            silence: config.silence,
            barge_in: false,
            sending: true,
            dtmf_out: EventSender::new(
                config.format.telephone_event_pt.unwrap_or(101),
                codec.clock_rate(),
            ),
            dtmf_in: EventReceiver::new(codec.clock_rate()),
            inband: config.inband_dtmf.then(InbandDetector::new),
            jitter: JitterBuffer::new(),
            decoder: Decoder::new(codec)?,
            agent_decoder: Decoder::new(codec)?,
            recorder: None,
            silence_detector: None,
            bridge_to: None,
            relay: None,
            transcoder: None,
            last_relayed: None,
            covered_until: None,
            relay_pcm: Vec::new(),
            caller_pcm: Vec::with_capacity(SAMPLES_PER_FRAME_8K),
            agent_pcm: Vec::with_capacity(SAMPLES_PER_FRAME_8K),
            // Grows to the largest packet this leg sends (172 bytes for 20 ms of G.711),
            // not to the 1,500-byte datagram bound: thousands of legs each keep one.
            out: Vec::new(),
        })
    }

    fn emit(&self, event: LegEvent) {
        if self.events.try_send(event).is_err() {
            MediaCounters::bump(&self.counters.dropped);
        }
    }

    fn needs_decoded_audio(&self) -> bool {
        self.recorder.is_some() || self.inband.is_some()
    }

    /// Sends nothing of its own: every frame is either the other leg's relayed audio or,
    /// once that stops for [`RELAY_IDLE`], silence; no frame needs the tick for keys,
    /// playback, decoding, transcoding or a key whose end is awaited.
    fn relay_only(&self) -> bool {
        self.sending
            && self.transcoder.is_none()
            && !self.player.is_playing()
            && !self.dtmf_out.is_busy()
            && !self.dtmf_in.in_progress()
            && !self.needs_decoded_audio()
    }

    /// When the tick must next run: the next frame, except while the relay feeds a
    /// relay-only leg, whose frames then send nothing. It sleeps until the relay could
    /// have gone idle (or the next RTCP report is due), about 10 wake-ups a second
    /// instead of 50, and notes which frames the relay covers
    /// ([`LegTask::consume_relayed_frames`] accounts for them when it wakes).
    fn next_wake(&mut self) -> Instant {
        let frame = self.clock.next_deadline();
        let Some(last) = self.last_relayed.filter(|_| self.relay_only()) else {
            return frame;
        };
        let covered = last + RELAY_IDLE;
        self.covered_until = Some(covered);
        frame.max(covered.min(self.reporter.next_due()))
    }

    /// Consumes the frames due before `now` that the relayed audio covered while the
    /// tick slept, as the 20 ms tick would have: nothing sent, the outgoing stream
    /// untouched, not counted as a stall. The frames after the relay went idle are left
    /// for the tick (silence).
    fn consume_relayed_frames(&mut self, now: Instant) {
        if let Some(covered) = self.covered_until.take() {
            self.clock.consume_until(now.min(covered));
        }
    }

    fn on_command(&mut self, command: LegCommand) {
        // The clock may have slept over relayed frames; a playlist starts on the next
        // frame from now, not on one the relay already covered.
        self.consume_relayed_frames(Instant::now());
        match command {
            LegCommand::Play {
                items,
                looped,
                barge_in,
                reply,
            } => {
                // Aligned with the leg's ticks, so exactly one frame is due per tick.
                let result = self.player.play(items, looped, self.clock.next_deadline());
                // A replaced playlist ends as stopped.
                if let Some(end) = self.player.take_ended() {
                    self.emit(LegEvent::PlayEnded(end));
                }
                self.barge_in = barge_in;
                let _ = reply.send(result);
            }
            LegCommand::StopPlay => {
                self.player.stop();
                if let Some(end) = self.player.take_ended() {
                    self.emit(LegEvent::PlayEnded(end));
                }
            }
            LegCommand::SendDigits { digits, duration } => {
                for digit in digits {
                    if !self.dtmf_out.press(digit, duration) {
                        MediaCounters::bump(&self.counters.dropped);
                    }
                }
            }
            LegCommand::StartRecording {
                file,
                stop_after_silence,
                reply,
            } => {
                let result =
                    CallRecorder::new(file, Instant::now()).map(|r| self.recorder = Some(r));
                self.silence_detector = stop_after_silence
                    .filter(|_| result.is_ok())
                    .map(SilenceDetector::new);
                let _ = reply.send(result);
            }
            LegCommand::StopRecording { reply } => {
                self.silence_detector = None;
                let result = self
                    .recorder
                    .take()
                    .map_or(Ok(()), |r| r.finish().map(drop));
                let _ = reply.send(result);
            }
            LegCommand::Bridge(target) => self.bridge_to = target,
            // The task loop keeps the queue beside the leg (see `run`).
            LegCommand::OpenRelay(_) => {}
            LegCommand::Renegotiated { remote, sending } => {
                // Only a new address re-opens the latch: a session refresh or a hold
                // that keeps the address keeps the source already learned, so a
                // refresh never gives a stranger a window to take the stream.
                if remote != self.session.signalled_peer() {
                    self.session.on_signalling(remote, Instant::now());
                }
                self.sending = sending;
            }
            LegCommand::InjectDigit(digit) => self.on_digit(digit, DigitSource::SipInfo),
        }
    }

    fn on_digit(&mut self, digit: Digit, source: DigitSource) {
        self.emit(LegEvent::Digit(digit, source));
        if self.barge_in && self.player.stop() {
            self.emit(LegEvent::PlayEnded(PlayEnd::Stopped));
            self.player.take_ended();
        }
    }

    /// A valid RTP packet from the peer (the session checked source and syntax).
    fn on_rtp(&mut self, datagram: &[u8]) {
        let Ok(packet) = RtpPacket::parse(datagram) else {
            return;
        };
        let header = packet.header;
        // Arrival time in timestamp units, for the interarrival jitter of RTCP reports.
        let arrival = (self.started.elapsed().as_micros() as u64
            * u64::from(self.format.codec.clock_rate())
            / 1_000_000) as u32;
        self.reception
            .on_packet(header.ssrc, header.sequence, header.timestamp, arrival);
        if Some(header.payload_type) == self.format.telephone_event_pt {
            if self
                .dtmf_in
                .on_packet(header.timestamp, packet.payload, Instant::now())
                .is_err()
            {
                MediaCounters::bump(&self.counters.malformed);
            }
            while let Some(event) = self.dtmf_in.next_event() {
                self.on_digit(event.digit, DigitSource::Rfc4733);
            }
        } else if header.payload_type == self.format.payload_type {
            if self.needs_decoded_audio() {
                let _ = self.jitter.push(header.sequence, packet.payload);
            }
        } else {
            MediaCounters::bump(&self.counters.dropped);
            return;
        }
        if let Some(target) = &self.bridge_to
            && target
                .sender
                .try_send(RelayPacket {
                    datagram: datagram.to_vec(),
                    source: self.format,
                })
                .is_err()
        {
            MediaCounters::bump(&self.counters.dropped);
        }
    }

    /// A packet the other leg of a bridge received.
    fn on_relayed(&mut self, packet: RelayPacket) {
        // Our own prompt or keys take precedence over the other leg's audio; a peer
        // holding us gets nothing.
        if !self.sending || self.player.is_playing() || self.dtmf_out.is_busy() {
            MediaCounters::bump(&self.counters.dropped);
            return;
        }
        let source = packet.source;
        if source.codec == self.format.codec {
            if self.relay.as_ref().is_none_or(|(f, _)| *f != source) {
                self.relay = Relay::new(source, self.format).map(|r| (source, r));
            }
            let Some((_, relay)) = self.relay.as_mut() else {
                return;
            };
            let mut datagram = packet.datagram;
            if relay.relay(&mut datagram, &mut self.stream).is_err() {
                MediaCounters::bump(&self.counters.dropped);
                return;
            }
            self.last_relayed = Some(Instant::now());
            if self.recorder.is_some()
                && let Ok(parsed) = RtpPacket::parse(&datagram)
                && parsed.header.payload_type == self.format.payload_type
                && self
                    .agent_decoder
                    .decode(parsed.payload, &mut self.relay_pcm)
                    .is_ok()
                && self.relay_pcm.len() > MAX_RELAY_PCM
            {
                let excess = self.relay_pcm.len() - MAX_RELAY_PCM;
                self.relay_pcm.drain(..excess);
            }
            self.out.clear();
            self.out.extend_from_slice(&datagram);
            self.send_out(true);
        } else {
            if self.transcoder.as_ref().is_none_or(|(f, _)| *f != source) {
                match Transcoder::new(source, self.format) {
                    Ok(t) => self.transcoder = Some((source, t)),
                    Err(_) => return,
                }
            }
            if let (Some((_, transcoder)), Ok(parsed)) =
                (self.transcoder.as_mut(), RtpPacket::parse(&packet.datagram))
                && transcoder.on_packet(&parsed).is_ok()
            {
                self.last_relayed = Some(Instant::now());
            }
        }
    }

    /// Sends `self.out`. A packet of our own (not `relayed`) re-anchors the
    /// relay, so the other leg's audio resumes after it in sequence and time.
    fn send_out(&mut self, relayed: bool) {
        if !relayed && let Some((_, relay)) = self.relay.as_mut() {
            // Whatever comes next from the other leg continues after this packet.
            relay.reset_source();
        }
        // A full send buffer drops the packet (counted by the session); waiting would
        // only make it late and hold every later tick.
        if let Err(e) = self.session.try_send(&self.out) {
            self.emit(LegEvent::Failed(e.to_string()));
        }
    }

    fn on_tick(&mut self) {
        let now = Instant::now();
        self.consume_relayed_frames(now);
        while self.clock.poll_one(now) == 1 {
            let skipped = self.clock.skipped_frames() - self.skipped_seen;
            if skipped > 0 {
                self.skipped_seen = self.clock.skipped_frames();
                self.stream
                    .skip(self.format.codec.timestamp_step(), skipped as u32);
            }
            self.dtmf_in.poll(now);
            while let Some(event) = self.dtmf_in.next_event() {
                self.on_digit(event.digit, DigitSource::Rfc4733);
            }
            self.send_frame(now);
            self.take_in_frame(now);
        }
        if self.sending
            && self.reporter.poll(
                now,
                SystemTime::now(),
                &self.stream,
                &mut self.reception,
                &mut self.out,
            )
            && let Err(e) = self.session.try_send_rtcp(&self.out)
        {
            self.emit(LegEvent::Failed(e.to_string()));
        }
    }

    /// This tick's outgoing packet: keys, then the player, then the other
    /// leg's audio (relayed as it arrives, or transcoded here), then silence.
    fn send_frame(&mut self, now: Instant) {
        let recording = self.recorder.is_some();
        self.agent_pcm.clear();
        let step = self.format.codec.timestamp_step();
        if !self.sending {
            // On hold: nothing goes out, but the media clock runs on (RFC 3550 §5.1),
            // and a playlist keeps its place in time.
            self.stream.skip(step, 1);
            let _ = self.player.next_frame(now);
            if let Some(end) = self.player.take_ended() {
                self.emit(LegEvent::PlayEnded(end));
            }
            return;
        }
        let relay_feeding = self
            .last_relayed
            .is_some_and(|t| now.saturating_duration_since(t) < RELAY_IDLE);
        if self.dtmf_out.next_packet(&mut self.stream, &mut self.out) {
            // Keys are not audio: the recording hears silence.
        } else if let Some(frame) = self.player.next_frame(now) {
            let header =
                self.stream
                    .next_media(self.format.payload_type, step, frame.payload.len());
            self.out.clear();
            write_rtp(&header, frame.payload, &mut self.out);
            if recording {
                let _ = self
                    .agent_decoder
                    .decode(frame.payload, &mut self.agent_pcm);
            }
        } else if relay_feeding && self.transcoder.is_none() {
            let take = self.relay_pcm.len().min(SAMPLES_PER_FRAME_8K);
            self.agent_pcm.extend(self.relay_pcm.drain(..take));
            return;
        } else if let Some((_, transcoder)) = self.transcoder.as_mut().filter(|_| relay_feeding) {
            match transcoder.on_tick(&mut self.stream, &mut self.out) {
                Ok(true) => self.agent_pcm.extend_from_slice(transcoder.last_decoded()),
                _ => return,
            }
        } else {
            let Some(payload) = self.silence.frame(self.format.codec, 0) else {
                return;
            };
            let header = self
                .stream
                .next_media(self.format.payload_type, step, payload.len());
            self.out.clear();
            write_rtp(&header, payload, &mut self.out);
        }
        if let Some(end) = self.player.take_ended() {
            self.emit(LegEvent::PlayEnded(end));
        }
        self.send_out(false);
    }

    /// This tick's incoming audio, for the in-band detector and the recorder.
    fn take_in_frame(&mut self, now: Instant) {
        if !self.needs_decoded_audio() {
            return;
        }
        self.caller_pcm.clear();
        let concealed = match self.jitter.pop() {
            Some(Playout::Frame(payload)) => {
                self.decoder.decode(payload, &mut self.caller_pcm).is_err()
            }
            Some(Playout::Lost) => true,
            None => false,
        };
        if concealed {
            self.caller_pcm.clear();
            let _ = self.decoder.conceal(&mut self.caller_pcm);
        }
        if let Some(inband) = self.inband.as_mut() {
            inband.process(&self.caller_pcm);
            let mut found = Vec::new();
            while let Some(digit) = inband.next_digit() {
                found.push(digit);
            }
            for digit in found {
                self.on_digit(digit, DigitSource::Inband);
            }
        }
        if let Some(recorder) = self.recorder.as_mut()
            && recorder
                .write_frame(Some(&self.caller_pcm), Some(&self.agent_pcm), now)
                .is_err()
        {
            // A full disk ends the recording, not the call.
            self.recorder = None;
            self.silence_detector = None;
            MediaCounters::bump(&self.counters.dropped);
        }
        if let Some(detector) = self.silence_detector.as_mut()
            && detector.on_frame(&self.caller_pcm)
        {
            self.silence_detector = None;
            self.emit(LegEvent::Silence);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use super::*;
    use crate::bridge::LegFormat;
    use crate::codec::Codec;
    use crate::net::PortAllocator;
    use crate::play::PromptLibrary;
    use std::net::{IpAddr, Ipv4Addr};

    /// Thousands of legs run at once, and the future is first made on its spawner's stack
    /// (often a scenario's fiber): the leg's state belongs in the heap, the receive buffer
    /// in the worker thread. (560 bytes in a debug build; it was 3.3 KiB with both inline.)
    #[tokio::test]
    async fn the_leg_task_future_stays_small() {
        let allocator = PortAllocator::new(44_000, 44_009).unwrap();
        let session = RtpSession::bind(&allocator, IpAddr::V4(Ipv4Addr::LOCALHOST)).unwrap();
        let library = PromptLibrary::new(&[Codec::Pcmu]).unwrap();
        let config = LegConfig {
            format: LegFormat {
                codec: Codec::Pcmu,
                payload_type: 0,
                telephone_event_pt: Some(101),
            },
            remote: None,
            inband_dtmf: false,
            silence: library.silence(),
        };
        let (_commands, command_rx) = mpsc::channel(1);
        let (events, _events) = mpsc::channel(1);
        let future = run(session, config, command_rx, events);
        let size = std::mem::size_of_val(&future);
        assert!(size <= 1024, "the leg task's future is {size} bytes");
    }
}

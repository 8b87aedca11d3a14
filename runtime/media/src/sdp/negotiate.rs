//! Offer/answer (RFC 3264) for one audio stream: PCMU, PCMA, Opus and
//! telephone-event (RFC 4733).

use super::model::{Direction, MediaDescription, RtpMap, SessionDescription};
use crate::codec::Codec;
use std::net::{IpAddr, SocketAddr};

/// First dynamic payload type we assign in our own offers.
const OPUS_OFFER_PT: u8 = 111;
const TELEPHONE_EVENT_OFFER_PT: u8 = 101;
/// Opus parameters we announce (RFC 7587): FEC on, mono is fine for voice.
const OPUS_FMTP: &str = "minptime=10;useinbandfec=1";

/// What this side can do, in preference order.
#[derive(Debug, Clone)]
pub struct LocalMedia {
    /// Address we receive RTP on (written into `c=`).
    pub address: IpAddr,
    /// RTP port (even; RTCP is port + 1).
    pub port: u16,
    /// Codecs in preference order.
    pub codecs: Vec<Codec>,
    /// Whether we accept and send RFC 4733 events.
    pub telephone_event: bool,
    /// Direction we want (SendOnly to put the peer on hold).
    pub direction: Direction,
    /// `o=` session id (stable for the dialog).
    pub session_id: u64,
    /// `o=` version (increment on every new SDP in the dialog).
    pub session_version: u64,
}

impl LocalMedia {
    /// Typical settings: all codecs this build supports, PCMU first,
    /// telephone-event on, sendrecv.
    pub fn new(address: IpAddr, port: u16) -> Self {
        let codecs = [Codec::Pcmu, Codec::Pcma, Codec::Opus]
            .into_iter()
            .filter(|c| c.is_available())
            .collect();
        Self {
            address,
            port,
            codecs,
            telephone_event: true,
            direction: Direction::SendRecv,
            session_id: rand::random::<u32>().into(),
            session_version: 1,
        }
    }
}

/// The outcome of a negotiation: what to send and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// The audio codec both sides use.
    pub codec: Codec,
    /// Its payload type (the same both ways: we always answer with the offerer's numbers).
    pub payload_type: u8,
    /// Payload type of telephone-event, if both sides support it.
    pub telephone_event_pt: Option<u8>,
    /// Where to send RTP; `None` when the peer gave no usable address (0.0.0.0 hold, port 0).
    pub remote_rtp: Option<SocketAddr>,
    /// Our direction on this stream.
    pub direction: Direction,
    /// Index of the audio m-line in the SDP.
    pub media_index: usize,
}

/// Why no answer can be given (the call controller answers 488 Not Acceptable Here).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NegotiationError {
    /// The body did not parse.
    #[error("malformed SDP: {0}")]
    Malformed(#[from] super::model::SdpParseError),
    /// No active `m=audio` section over plain RTP.
    #[error("no audio stream over RTP/AVP (offered: {0})")]
    NoAudioStream(String),
    /// Audio is offered, but with no codec we support.
    #[error("no common codec (offered: {offered}; supported: PCMU, PCMA{opus})", opus = if cfg!(feature = "opus") { ", opus" } else { "" })]
    NoCommonCodec {
        /// The encodings the peer offered, for the log.
        offered: String,
    },
    /// An answer that does not match our offer.
    #[error("answer does not match the offer: {0}")]
    AnswerMismatch(&'static str),
}

/// Builds our offer.
pub fn create_offer(local: &LocalMedia) -> SessionDescription {
    let mut media = audio_section(local);
    for codec in local.codecs.iter().filter(|c| c.is_available()) {
        let pt = codec.static_payload_type().unwrap_or(OPUS_OFFER_PT);
        push_codec(&mut media, *codec, pt);
    }
    if local.telephone_event {
        push_telephone_event(&mut media, TELEPHONE_EVENT_OFFER_PT, 8000);
    }
    session(local, media)
}

/// Answers an offer. Only the first usable audio section is accepted; every
/// other section is declined with port 0, as RFC 3264 §6 requires.
pub fn answer_offer(
    offer: &SessionDescription,
    local: &LocalMedia,
) -> Result<(SessionDescription, NegotiatedMedia), NegotiationError> {
    let index = find_audio(offer)?;
    let offered = &offer.media[index];
    let (codec, pt) = choose_codec(offered, &local.codecs)?;
    let telephone_event_pt = if local.telephone_event {
        find_telephone_event(offered, codec.clock_rate())
    } else {
        None
    };
    let direction = local
        .direction
        .intersect(offer.direction_for(index).reversed());

    let mut answer_media = audio_section(local);
    answer_media.direction = Some(direction);
    push_codec(&mut answer_media, codec, pt);
    if let Some(te) = telephone_event_pt {
        let rate = offered.rtpmap(te).map_or(8000, |m| m.clock_rate);
        push_telephone_event(&mut answer_media, te, rate);
    }
    let mut answer = session(local, answer_media.clone());
    answer.media = offer
        .media
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if i == index {
                answer_media.clone()
            } else {
                declined(m)
            }
        })
        .collect();
    let negotiated = NegotiatedMedia {
        codec,
        payload_type: pt,
        telephone_event_pt,
        remote_rtp: remote_address(offer, index),
        direction,
        media_index: index,
    };
    Ok((answer, negotiated))
}

/// Processes the answer to an offer we made with [`create_offer`].
pub fn process_answer(
    answer: &SessionDescription,
    local: &LocalMedia,
) -> Result<NegotiatedMedia, NegotiationError> {
    let index = find_audio(answer)?;
    let m = &answer.media[index];
    let (codec, pt) = choose_codec(m, &local.codecs)?;
    let telephone_event_pt = if local.telephone_event {
        find_telephone_event(m, codec.clock_rate())
    } else {
        None
    };
    // Peers sometimes answer sendrecv to our sendonly; intersecting keeps ours.
    let their_direction = answer.direction_for(index);
    Ok(NegotiatedMedia {
        codec,
        payload_type: pt,
        telephone_event_pt,
        remote_rtp: remote_address(answer, index),
        direction: local.direction.intersect(their_direction.reversed()),
        media_index: index,
    })
}

fn find_audio(sdp: &SessionDescription) -> Result<usize, NegotiationError> {
    sdp.media
        .iter()
        .position(|m| {
            m.media.eq_ignore_ascii_case("audio")
                && m.port != 0
                && m.protocol.eq_ignore_ascii_case("RTP/AVP")
        })
        .or_else(|| {
            // An audio section with port 0 is a stream the peer turned off; treat it as inactive.
            sdp.media.iter().position(|m| {
                m.media.eq_ignore_ascii_case("audio") && m.protocol.eq_ignore_ascii_case("RTP/AVP")
            })
        })
        .ok_or_else(|| {
            NegotiationError::NoAudioStream(
                sdp.media
                    .iter()
                    .map(|m| format!("{} {}", m.media, m.protocol))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
}

/// The first codec in the peer's order that we support (RFC 3264 §6.1 lets the
/// answerer pick; honouring the offerer's order avoids transcoding on bridges).
fn choose_codec(
    m: &MediaDescription,
    supported: &[Codec],
) -> Result<(Codec, u8), NegotiationError> {
    for pt in m.payload_types() {
        if let Some(codec) = codec_of(m, pt)
            && supported.contains(&codec)
            && codec.is_available()
        {
            return Ok((codec, pt));
        }
    }
    let offered = m
        .payload_types()
        .map(|pt| {
            m.rtpmap(pt).map_or_else(
                || pt.to_string(),
                |r| format!("{}/{}", r.encoding, r.clock_rate),
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    Err(NegotiationError::NoCommonCodec { offered })
}

fn codec_of(m: &MediaDescription, pt: u8) -> Option<Codec> {
    match m.rtpmap(pt) {
        Some(map) if map.encoding.eq_ignore_ascii_case("PCMU") && map.clock_rate == 8000 => {
            Some(Codec::Pcmu)
        }
        Some(map) if map.encoding.eq_ignore_ascii_case("PCMA") && map.clock_rate == 8000 => {
            Some(Codec::Pcma)
        }
        Some(map) if map.encoding.eq_ignore_ascii_case("opus") && map.clock_rate == 48000 => {
            Some(Codec::Opus)
        }
        Some(_) => None,
        // Static payload types need no rtpmap (RFC 3551).
        None => match pt {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        },
    }
}

fn find_telephone_event(m: &MediaDescription, preferred_rate: u32) -> Option<u8> {
    let events: Vec<&RtpMap> = m
        .payload_types()
        .filter_map(|pt| m.rtpmap(pt))
        .filter(|map| map.encoding.eq_ignore_ascii_case("telephone-event"))
        .collect();
    events
        .iter()
        .find(|map| map.clock_rate == preferred_rate)
        .or_else(|| events.first())
        .map(|map| map.payload_type)
}

fn remote_address(sdp: &SessionDescription, index: usize) -> Option<SocketAddr> {
    let port = sdp.media.get(index)?.port;
    let ip = sdp.connection_for(index)?;
    // RFC 2543-style hold (c=0.0.0.0) and port 0 give no destination.
    if port == 0 || ip.is_unspecified() {
        return None;
    }
    Some(SocketAddr::new(ip, port))
}

fn audio_section(local: &LocalMedia) -> MediaDescription {
    MediaDescription {
        media: "audio".into(),
        port: local.port,
        protocol: "RTP/AVP".into(),
        formats: Vec::new(),
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        direction: Some(local.direction),
        ptime: Some(20),
        other_attributes: Vec::new(),
    }
}

fn push_codec(m: &mut MediaDescription, codec: Codec, pt: u8) {
    m.formats.push(pt.to_string());
    let channels = (codec == Codec::Opus).then_some(2);
    m.rtpmaps.push(RtpMap {
        payload_type: pt,
        encoding: codec.encoding_name().into(),
        clock_rate: codec.clock_rate(),
        channels,
    });
    if codec == Codec::Opus {
        m.fmtps.push((pt, OPUS_FMTP.into()));
    }
}

fn push_telephone_event(m: &mut MediaDescription, pt: u8, rate: u32) {
    m.formats.push(pt.to_string());
    m.rtpmaps.push(RtpMap {
        payload_type: pt,
        encoding: "telephone-event".into(),
        clock_rate: rate,
        channels: None,
    });
    m.fmtps.push((pt, "0-16".into()));
}

fn declined(m: &MediaDescription) -> MediaDescription {
    MediaDescription {
        media: m.media.clone(),
        port: 0,
        protocol: m.protocol.clone(),
        formats: m.formats.iter().take(1).cloned().collect(),
        connection: None,
        rtpmaps: Vec::new(),
        fmtps: Vec::new(),
        direction: None,
        ptime: None,
        other_attributes: Vec::new(),
    }
}

fn session(local: &LocalMedia, media: MediaDescription) -> SessionDescription {
    SessionDescription {
        origin_user: "wasmphony".into(),
        session_id: local.session_id,
        session_version: local.session_version,
        origin_address: local.address,
        session_name: "wasmphony".into(),
        connection: Some(local.address),
        direction: None,
        media: vec![media],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> LocalMedia {
        let mut l = LocalMedia::new("10.0.0.1".parse().unwrap(), 20000);
        l.codecs = vec![Codec::Pcmu, Codec::Pcma, Codec::Opus];
        l
    }

    fn offer(m_line: &str, attrs: &str) -> SessionDescription {
        let text = format!(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n{m_line}\r\n{attrs}"
        );
        SessionDescription::parse(&text).unwrap()
    }

    fn check(
        m_line: &str,
        attrs: &str,
    ) -> Result<(SessionDescription, NegotiatedMedia), NegotiationError> {
        answer_offer(&offer(m_line, attrs), &local())
    }

    #[test]
    fn static_pcma_without_rtpmap() {
        let (answer, n) = check("m=audio 4000 RTP/AVP 8 0", "").unwrap();
        assert_eq!((n.codec, n.payload_type), (Codec::Pcma, 8));
        assert_eq!(n.remote_rtp, Some("192.0.2.1:4000".parse().unwrap()));
        assert_eq!(answer.media[0].formats, vec!["8"]);
        assert_eq!(answer.media[0].port, 20000);
        assert_eq!(answer.connection, Some("10.0.0.1".parse().unwrap()));
    }

    #[cfg(feature = "opus")]
    #[test]
    fn dynamic_opus_keeps_offerer_pt_and_fmtp() {
        let (answer, n) = check("m=audio 4000 RTP/AVP 109 101", "a=rtpmap:109 opus/48000/2\r\na=fmtp:109 useinbandfec=1\r\na=rtpmap:101 telephone-event/48000\r\n").unwrap();
        assert_eq!(
            (n.codec, n.payload_type, n.telephone_event_pt),
            (Codec::Opus, 109, Some(101))
        );
        let text = answer.to_string();
        assert!(text.contains("a=rtpmap:109 opus/48000/2"), "{text}");
        assert!(
            text.contains("a=fmtp:109 minptime=10;useinbandfec=1"),
            "{text}"
        );
        assert!(
            text.contains("a=rtpmap:101 telephone-event/48000"),
            "{text}"
        );
    }

    #[cfg(not(feature = "opus"))]
    #[test]
    fn opus_only_offer_is_rejected_when_opus_is_compiled_out() {
        let result = check("m=audio 4000 RTP/AVP 109", "a=rtpmap:109 opus/48000/2\r\n");
        assert!(matches!(
            result,
            Err(NegotiationError::NoCommonCodec { .. })
        ));
    }

    #[test]
    fn telephone_event_matching_codec_rate_is_preferred() {
        let (_, n) = check(
            "m=audio 4000 RTP/AVP 0 100 101",
            "a=rtpmap:100 telephone-event/48000\r\na=rtpmap:101 telephone-event/8000\r\n",
        )
        .unwrap();
        assert_eq!(n.telephone_event_pt, Some(101));
    }

    #[test]
    fn unsupported_codecs_are_skipped_in_offer_order() {
        let (_, n) = check("m=audio 4000 RTP/AVP 18 9 0", "a=rtpmap:18 G729/8000\r\n").unwrap();
        assert_eq!(n.codec, Codec::Pcmu);
    }

    #[test]
    fn hold_directions_are_mirrored() {
        for (offered, expected) in [
            ("a=sendonly\r\n", Direction::RecvOnly),
            ("a=recvonly\r\n", Direction::SendOnly),
            ("a=inactive\r\n", Direction::Inactive),
            ("a=sendrecv\r\n", Direction::SendRecv),
            ("", Direction::SendRecv),
        ] {
            let (answer, n) = check("m=audio 4000 RTP/AVP 0", offered).unwrap();
            assert_eq!(n.direction, expected, "offer {offered:?}");
            assert_eq!(answer.direction_for(0), expected);
        }
    }

    #[test]
    fn we_put_the_peer_on_hold() {
        let mut l = local();
        l.direction = Direction::SendOnly;
        let (answer, n) = answer_offer(&offer("m=audio 4000 RTP/AVP 0", ""), &l).unwrap();
        assert_eq!(n.direction, Direction::SendOnly);
        assert!(answer.to_string().contains("a=sendonly"));
    }

    #[test]
    fn old_style_hold_gives_no_destination() {
        let sdp = SessionDescription::parse("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n").unwrap();
        let (_, n) = answer_offer(&sdp, &local()).unwrap();
        assert_eq!(n.remote_rtp, None);
    }

    #[test]
    fn other_sections_are_declined_in_place() {
        let sdp = SessionDescription::parse("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\nm=audio 4000 RTP/AVP 0\r\n").unwrap();
        let (answer, n) = answer_offer(&sdp, &local()).unwrap();
        assert_eq!(n.media_index, 1);
        assert_eq!(answer.media.len(), 2);
        assert_eq!(answer.media[0].port, 0);
        assert_eq!(answer.media[1].port, 20000);
    }

    #[test]
    fn nothing_acceptable_is_a_clear_rejection() {
        let err = check(
            "m=audio 4000 RTP/AVP 18 96",
            "a=rtpmap:18 G729/8000\r\na=rtpmap:96 AMR/8000\r\n",
        )
        .unwrap_err();
        assert_eq!(
            err,
            NegotiationError::NoCommonCodec {
                offered: "G729/8000 AMR/8000".into()
            }
        );
        assert!(err.to_string().contains("no common codec"));
        let err = check("m=audio 4000 RTP/SAVP 0", "").unwrap_err();
        assert!(matches!(err, NegotiationError::NoAudioStream(ref s) if s.contains("RTP/SAVP")));
        let err = check("m=video 4000 RTP/AVP 96", "").unwrap_err();
        assert!(matches!(err, NegotiationError::NoAudioStream(_)));
    }

    #[test]
    fn offer_then_answer_round_trip() {
        let ours = local();
        let offer = create_offer(&ours);
        let text = offer.to_string();
        let m_line = if cfg!(feature = "opus") {
            "m=audio 20000 RTP/AVP 0 8 111 101"
        } else {
            "m=audio 20000 RTP/AVP 0 8 101"
        };
        assert!(
            text.contains(m_line),
            "never offers a codec this build lacks: {text}"
        );
        let mut theirs = LocalMedia::new("10.0.0.2".parse().unwrap(), 30000);
        theirs.codecs = vec![Codec::Opus, Codec::Pcma];
        let (answer, their_view) =
            answer_offer(&SessionDescription::parse(&text).unwrap(), &theirs).unwrap();
        assert_eq!(their_view.codec, Codec::Pcma);
        let our_view = process_answer(
            &SessionDescription::parse(&answer.to_string()).unwrap(),
            &ours,
        )
        .unwrap();
        assert_eq!((our_view.codec, our_view.payload_type), (Codec::Pcma, 8));
        assert_eq!(our_view.telephone_event_pt, Some(101));
        assert_eq!(our_view.remote_rtp, Some("10.0.0.2:30000".parse().unwrap()));
    }
}

//! Offer/answer inside an established call leg (RFC 3264 §8): re-INVITE and
//! UPDATE (RFC 3311) for hold, unhold, a moved peer and session refresh
//! (RFC 4028). Sans-IO: bodies in, our SDP and what the media leg must change out.
//!
//! The codec negotiated when the call was set up is kept for the dialog's life:
//! the leg's encoder, relay and recorder are built for it, so an offer without
//! it (or with it under another payload type) is refused with 488 and the call
//! goes on unchanged. Our `o=` keeps its session id; its version goes up only
//! when our SDP changes (RFC 3264 §8), so a pure refresh is answered with the
//! very SDP of last time.

use std::net::SocketAddr;

use wasmphony_media::bridge::LegFormat;
use wasmphony_media::sdp::{
    Direction, LocalMedia, SessionDescription, answer_offer, process_answer,
};
use wasmphony_sip::message::StatusCode;

/// What the media leg must now do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LegChange {
    /// The peer's RTP address from its latest SDP (`None`: it gave none, e.g. `c=0.0.0.0`).
    pub(crate) remote: Option<SocketAddr>,
    /// Whether we send (false while the peer holds us: our side is `recvonly`/`inactive`).
    pub(crate) sending: bool,
}

/// Why an in-dialog offer is refused; the call goes on as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OfferRefusal {
    /// Another offer/answer of this dialog is still open (RFC 3261 §14.2, RFC 3311 §5.2).
    #[error("an offer/answer exchange is already in progress")]
    Pending,
    /// The offer is unusable or would change the codec.
    #[error("offer not acceptable: {0}")]
    NotAcceptable(String),
}

impl OfferRefusal {
    /// The final response that carries the refusal.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            OfferRefusal::Pending => StatusCode::REQUEST_PENDING,
            OfferRefusal::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE_HERE,
        }
    }
}

/// A re-INVITE we answered with 2xx and whose ACK has not come yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OpenInvite {
    cseq: u32,
    /// The re-INVITE had no SDP: our 2xx carried the offer, the ACK carries the answer.
    answer_in_ack: bool,
}

/// One established leg's session description state.
#[derive(Debug, Clone)]
pub(crate) struct SessionMedia {
    /// Our address, port, `o=` id and version, and the one codec we keep.
    local: LocalMedia,
    format: LegFormat,
    /// The SDP we sent last (answer or offer).
    ours: SessionDescription,
    open: Option<OpenInvite>,
}

impl SessionMedia {
    /// The state after the dialog's first offer/answer: `local` made `ours`, and
    /// the leg runs `format`.
    pub(crate) fn new(mut local: LocalMedia, format: LegFormat, ours: SessionDescription) -> Self {
        local.codecs = vec![format.codec];
        local.telephone_event = format.telephone_event_pt.is_some();
        local.direction = Direction::SendRecv;
        local.session_id = ours.session_id;
        local.session_version = ours.session_version;
        SessionMedia {
            local,
            format,
            ours,
            open: None,
        }
    }

    /// A re-INVITE with CSeq `cseq`: with an offer, our answer for its 2xx and the
    /// leg's change; without one, our offer for the 2xx (the answer comes in the ACK).
    pub(crate) fn on_invite(
        &mut self,
        cseq: u32,
        body: &[u8],
    ) -> Result<(String, Option<LegChange>), OfferRefusal> {
        if self.open.is_some() {
            return Err(OfferRefusal::Pending);
        }
        if is_empty(body) {
            let offer = self.offer();
            self.open = Some(OpenInvite {
                cseq,
                answer_in_ack: true,
            });
            return Ok((offer, None));
        }
        let (answer, change) = self.answer(body)?;
        self.open = Some(OpenInvite {
            cseq,
            answer_in_ack: false,
        });
        Ok((answer, Some(change)))
    }

    /// An UPDATE: with an offer, our answer and the leg's change; without a body,
    /// a plain session refresh (`None`: 200 without SDP).
    pub(crate) fn on_update(
        &mut self,
        body: &[u8],
    ) -> Result<Option<(String, LegChange)>, OfferRefusal> {
        if is_empty(body) {
            return Ok(None);
        }
        // Our offer in a re-INVITE's 2xx is still unanswered (RFC 3311 §5.2).
        if self.open.is_some_and(|open| open.answer_in_ack) {
            return Err(OfferRefusal::Pending);
        }
        self.answer(body).map(Some)
    }

    /// The ACK of the re-INVITE with CSeq `cseq`: closes it, and when our 2xx
    /// carried an offer, its body is the answer. Other ACKs (the initial INVITE's,
    /// retransmissions) change nothing.
    pub(crate) fn on_ack(&mut self, cseq: u32, body: &[u8]) -> Option<LegChange> {
        let open = self.open.filter(|open| open.cseq == cseq)?;
        self.open = None;
        if !open.answer_in_ack || is_empty(body) {
            return None;
        }
        let text = std::str::from_utf8(body).ok()?;
        let answer = SessionDescription::parse(text).ok()?;
        let negotiated = process_answer(&answer, &self.local).ok()?;
        if negotiated.codec != self.format.codec {
            // Unusable answer: RFC 3264 leaves the old session in place.
            return None;
        }
        Some(LegChange {
            remote: negotiated.remote_rtp,
            sending: negotiated.direction.sends(),
        })
    }

    /// Our 2xx to re-INVITE `cseq` could not be sent: the exchange is void.
    pub(crate) fn abandon(&mut self, cseq: u32) {
        if self.open.is_some_and(|open| open.cseq == cseq) {
            self.open = None;
        }
    }

    /// Our offer for an offerless re-INVITE: our last SDP, sendrecv (we never hold).
    fn offer(&mut self) -> String {
        let mut offer = self.ours.clone();
        for media in offer.media.iter_mut().filter(|m| m.port != 0) {
            media.direction = Some(Direction::SendRecv);
        }
        self.adopt(offer)
    }

    fn answer(&mut self, body: &[u8]) -> Result<(String, LegChange), OfferRefusal> {
        let text = std::str::from_utf8(body)
            .map_err(|_| OfferRefusal::NotAcceptable("SDP is not UTF-8".into()))?;
        let offer = SessionDescription::parse(text)
            .map_err(|e| OfferRefusal::NotAcceptable(e.to_string()))?;
        let (answer, negotiated) = answer_offer(&offer, &self.local)
            .map_err(|e| OfferRefusal::NotAcceptable(e.to_string()))?;
        if negotiated.payload_type != self.format.payload_type {
            return Err(OfferRefusal::NotAcceptable(format!(
                "the call's codec must keep payload type {}",
                self.format.payload_type
            )));
        }
        let change = LegChange {
            remote: negotiated.remote_rtp,
            sending: negotiated.direction.sends(),
        };
        Ok((self.adopt(answer), change))
    }

    /// Makes `sdp` our latest, with the version of the last one if nothing else
    /// changed, else the next version.
    fn adopt(&mut self, mut sdp: SessionDescription) -> String {
        sdp.session_id = self.ours.session_id;
        sdp.session_version = self.ours.session_version;
        if sdp != self.ours {
            sdp.session_version = self.ours.session_version.saturating_add(1);
        }
        self.local.session_version = sdp.session_version;
        let text = sdp.to_string();
        self.ours = sdp;
        text
    }
}

fn is_empty(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_media::codec::Codec;

    const PEER: &str = "v=0\r\no=phone 7 7 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";

    fn offer(direction: &str) -> Vec<u8> {
        format!("{PEER}a={direction}\r\n").into_bytes()
    }

    /// A leg set up as the inbound side: the peer offered PEER, we answered PCMU.
    fn established() -> SessionMedia {
        let local = LocalMedia::new("10.0.0.1".parse().unwrap(), 20000);
        let first = SessionDescription::parse(PEER).unwrap();
        let (answer, negotiated) = answer_offer(&first, &local).unwrap();
        let format = LegFormat {
            codec: negotiated.codec,
            payload_type: negotiated.payload_type,
            telephone_event_pt: negotiated.telephone_event_pt,
        };
        assert_eq!(format.codec, Codec::Pcmu);
        SessionMedia::new(local, format, answer)
    }

    fn parse(text: &str) -> SessionDescription {
        SessionDescription::parse(text).unwrap()
    }

    #[test]
    fn hold_and_unhold_answer_per_rfc_3264_and_stop_then_resume_sending() {
        let mut media = established();
        let first_version = media.ours.session_version;
        let id = media.ours.session_id;
        let peer = Some("192.0.2.1:4000".parse().unwrap());

        let (answer, change) = media.on_invite(2, &offer("sendonly")).unwrap();
        let answer = parse(&answer);
        assert_eq!(answer.direction_for(0), Direction::RecvOnly);
        assert_eq!(
            change,
            Some(LegChange {
                remote: peer,
                sending: false
            })
        );
        assert_eq!(answer.session_id, id);
        assert_eq!(answer.session_version, first_version + 1, "our SDP changed");
        assert_eq!(answer.media[0].formats, vec!["0", "101"], "codec kept");
        assert_eq!(media.on_ack(2, b""), None);

        let (answer, change) = media.on_invite(3, &offer("inactive")).unwrap();
        assert_eq!(parse(&answer).direction_for(0), Direction::Inactive);
        assert!(!change.unwrap().sending);
        media.on_ack(3, b"");

        let (answer, change) = media.on_invite(4, &offer("sendrecv")).unwrap();
        assert_eq!(parse(&answer).direction_for(0), Direction::SendRecv);
        assert_eq!(
            change,
            Some(LegChange {
                remote: peer,
                sending: true
            })
        );
        media.on_ack(4, b"");

        // recvonly from them: we still send.
        let (answer, change) = media.on_invite(5, &offer("recvonly")).unwrap();
        assert_eq!(parse(&answer).direction_for(0), Direction::SendOnly);
        assert!(change.unwrap().sending);
    }

    #[test]
    fn a_refresh_without_change_gets_the_same_sdp_and_version() {
        let mut media = established();
        let before = media.ours.to_string();
        let (answer, change) = media.on_invite(2, PEER.as_bytes()).unwrap();
        assert_eq!(answer, before, "same o= version, same everything");
        assert!(change.unwrap().sending);
        media.on_ack(2, b"");
        let (again, _) = media.on_update(PEER.as_bytes()).unwrap().unwrap();
        assert_eq!(again, before);
        assert_eq!(media.on_update(b"").unwrap(), None, "UPDATE without SDP");
    }

    #[test]
    fn a_moved_peer_is_retargeted() {
        let mut media = established();
        let moved = PEER
            .replace("192.0.2.1", "198.51.100.9")
            .replace("4000", "5002");
        let (_, change) = media.on_invite(2, moved.as_bytes()).unwrap();
        assert_eq!(
            change.unwrap().remote,
            Some("198.51.100.9:5002".parse().unwrap())
        );
    }

    #[test]
    fn another_codec_or_garbage_is_488_and_changes_nothing() {
        let mut media = established();
        let before = media.ours.clone();
        let pcma_only = PEER.replace("RTP/AVP 0 8 101", "RTP/AVP 8");
        let refused = media.on_invite(2, pcma_only.as_bytes()).unwrap_err();
        assert_eq!(refused.status(), StatusCode::NOT_ACCEPTABLE_HERE);
        assert_eq!(
            media
                .on_invite(3, b"garbage")
                .unwrap_err()
                .status()
                .as_u16(),
            488
        );
        assert_eq!(media.ours, before);
        // Nothing is open after a refusal: the next offer is taken.
        assert!(media.on_invite(4, PEER.as_bytes()).is_ok());
    }

    #[test]
    fn a_second_reinvite_before_the_ack_is_491() {
        let mut media = established();
        media.on_invite(2, PEER.as_bytes()).unwrap();
        assert_eq!(
            media.on_invite(3, PEER.as_bytes()).unwrap_err(),
            OfferRefusal::Pending
        );
        assert_eq!(
            media
                .on_invite(3, PEER.as_bytes())
                .unwrap_err()
                .status()
                .as_u16(),
            491
        );
        // The initial INVITE's ACK or a stray one does not close it.
        media.on_ack(1, b"");
        assert!(media.on_invite(3, PEER.as_bytes()).is_err());
        media.on_ack(2, b"");
        assert!(media.on_invite(3, PEER.as_bytes()).is_ok());
        media.abandon(3);
        assert!(media.on_invite(4, PEER.as_bytes()).is_ok());
    }

    #[test]
    fn an_offerless_reinvite_gets_our_offer_and_takes_the_answer_from_the_ack() {
        let mut media = established();
        let (offer, change) = media.on_invite(2, b"").unwrap();
        assert_eq!(change, None);
        let offer = parse(&offer);
        assert_eq!(offer.direction_for(0), Direction::SendRecv);
        assert_eq!(offer.media[0].formats, vec!["0", "101"]);
        // While our offer waits for its answer, an UPDATE offer crosses it.
        assert_eq!(
            media.on_update(PEER.as_bytes()).unwrap_err(),
            OfferRefusal::Pending
        );
        let held_answer = format!("{PEER}a=sendonly\r\n");
        let change = media.on_ack(2, held_answer.as_bytes()).unwrap();
        assert!(!change.sending, "they answered sendonly: they hold us");
        assert_eq!(change.remote, Some("192.0.2.1:4000".parse().unwrap()));
        // A duplicate ACK changes nothing.
        assert_eq!(media.on_ack(2, held_answer.as_bytes()), None);
    }
}

//! A ring group: every leg rings at once until one answers (the others are
//! CANCELled), all fail, the ring time ends, or the caller leaves.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use wasmphony_engine::api::CallError;
use wasmphony_media::bridge::LegFormat;
use wasmphony_media::codec::Codec;
use wasmphony_media::leg::LegConfig;
use wasmphony_media::play::PromptLibrary;
use wasmphony_media::sdp::{SessionDescription, create_offer, process_answer};
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::endpoint::{ClientEvent, Target};
use wasmphony_sip::message::{Response, StatusCode};

use super::place::{AnsweredLeg, DialRequest, LegNews, PlacedLeg, Settle, place, send_bye};
use crate::context::ControllerContext;
use crate::in_dialog::SessionMedia;
use crate::limits::MAX_DIAL_TARGETS;
use crate::live_calls::GoneReceiver;

/// Why nobody was connected.
#[derive(Debug)]
pub(crate) enum RingFailure {
    /// Every leg that gave a final answer was busy (486/600), none answered.
    Busy,
    /// Nobody answered in time.
    NoAnswer,
    /// Every leg ended without answering, none busy, and at least one refused with
    /// this final status (the most telling one: see [`Refusals`]).
    Refused(StatusCode),
    /// The caller left while the targets rang.
    CallerGone,
    /// No leg could be placed.
    Failed(CallError),
}

/// Rings `requests` together for at most `ring_time`.
pub(crate) async fn ring(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    requests: Vec<DialRequest>,
    caller_id: &str,
    caller_codec: Codec,
    ring_time: Duration,
    gone: &mut GoneReceiver,
) -> Result<AnsweredLeg, RingFailure> {
    let (events_tx, mut events) = mpsc::channel(MAX_DIAL_TARGETS * 4);
    let mut legs: Vec<Option<PlacedLeg>> = Vec::new();
    let mut last_error = None;
    for (index, request) in requests.into_iter().enumerate() {
        match place(
            context,
            prompts,
            request,
            caller_id,
            caller_codec,
            index,
            events_tx.clone(),
        )
        .await
        {
            Ok(leg) => legs.push(Some(leg)),
            Err(error) => {
                last_error = Some(error);
                legs.push(None);
            }
        }
    }
    drop(events_tx);
    if legs.iter().all(Option::is_none) {
        return Err(RingFailure::Failed(
            last_error.unwrap_or(CallError::Invalid("nothing to dial".into())),
        ));
    }
    let deadline = Instant::now() + ring_time;
    let mut refusals = Refusals::default();
    loop {
        let event = tokio::select! {
            biased;
            _ = gone.wait_for(Option::is_some) => {
                cancel_all(&mut legs);
                return Err(RingFailure::CallerGone);
            }
            () = tokio::time::sleep_until(deadline) => {
                cancel_all(&mut legs);
                return Err(RingFailure::NoAnswer);
            }
            event = events.recv() => event,
        };
        let Some((index, event)) = event else {
            return Err(refusals.failure());
        };
        let event = match event {
            LegNews::Event(event) => event,
            LegNews::Resent { invite, target } => {
                if let Some(leg) = legs.get_mut(index).and_then(Option::as_mut) {
                    leg.request.uri = invite.uri.clone();
                    leg.request.target = target;
                    leg.invite = *invite;
                }
                continue;
            }
        };
        let response = match event {
            ClientEvent::Response(r) if r.status.is_provisional() => continue,
            ClientEvent::Response(r) => Some(r),
            ClientEvent::Timeout => None,
        };
        let Some(leg) = legs.get_mut(index).and_then(Option::take) else {
            continue;
        };
        match response {
            Some(ok) if ok.status.is_success() => {
                match answered(context, prompts, leg, &ok).await {
                    Ok(answered) => {
                        cancel_all(&mut legs);
                        return Ok(answered);
                    }
                    Err(error) => tracing::info!("answered leg unusable: {error:?}"),
                }
            }
            Some(refused) => refusals.note(refused.status),
            None => {}
        }
        if legs.iter().all(Option::is_none) {
            return Err(refusals.failure());
        }
    }
}

/// The final refusals of a ring group, reduced to what the group's failure says: busy
/// when any leg was busy (486/600), else the most telling refusal in the spirit of RFC
/// 3261 §16.7 (a 6xx over a 4xx over a 5xx, the first of a class), else no answer.
#[derive(Debug, Default)]
struct Refusals {
    busy: bool,
    best: Option<StatusCode>,
}

impl Refusals {
    fn note(&mut self, status: StatusCode) {
        self.busy |= matches!(status.as_u16(), 486 | 600);
        let rank = |status: StatusCode| match status.as_u16() / 100 {
            6 => 0,
            4 => 1,
            5 => 2,
            _ => 3,
        };
        if status.as_u16() >= 400 && self.best.is_none_or(|best| rank(status) < rank(best)) {
            self.best = Some(status);
        }
    }

    fn failure(&self) -> RingFailure {
        match self.best {
            _ if self.busy => RingFailure::Busy,
            Some(status) => RingFailure::Refused(status),
            None => RingFailure::NoAnswer,
        }
    }
}

fn cancel_all(legs: &mut [Option<PlacedLeg>]) {
    for leg in legs.iter_mut().filter_map(Option::take) {
        if let Some(settle) = leg.settle {
            let _ = settle.send(Settle::Cancel);
        }
    }
}

/// ACKs the 2xx and negotiates the leg's media from its SDP answer; a leg
/// whose answer is unusable is ended with BYE.
async fn answered(
    context: &Arc<ControllerContext>,
    prompts: &PromptLibrary,
    mut leg: PlacedLeg,
    ok: &Response,
) -> Result<AnsweredLeg, CallError> {
    let mut dialog =
        Dialog::as_uac(&leg.invite, ok).map_err(|e| CallError::Rejected(e.to_string()))?;
    let target = dialog
        .next_hop()
        .map(|addr| Target {
            addr,
            transport: leg.request.target.transport,
        })
        .unwrap_or(leg.request.target);
    let ack = dialog.ack(leg.invite.head.cseq.seq);
    let _ = context.endpoint.send_ack(ack.clone(), target).await;
    if let Some(settle) = leg.settle.take() {
        let _ = settle.send(Settle::Answered { ack: Box::new(ack) });
    }
    let negotiated = std::str::from_utf8(&ok.body)
        .map_err(|_| CallError::Rejected("SDP answer is not UTF-8".into()))
        .and_then(|text| {
            SessionDescription::parse(text).map_err(|e| CallError::Rejected(e.to_string()))
        })
        .and_then(|sdp| {
            process_answer(&sdp, &leg.local).map_err(|e| CallError::Rejected(e.to_string()))
        });
    let negotiated = match negotiated {
        Ok(negotiated) => negotiated,
        Err(error) => {
            send_bye(&context.endpoint, &mut dialog, target).await;
            return Err(error);
        }
    };
    let config = LegConfig {
        format: LegFormat {
            codec: negotiated.codec,
            payload_type: negotiated.payload_type,
            telephone_event_pt: negotiated.telephone_event_pt,
        },
        remote: negotiated.remote_rtp,
        inband_dtmf: negotiated.telephone_event_pt.is_none(),
        silence: prompts.silence(),
    };
    // Our INVITE's offer is the SDP this dialog's later offers continue from.
    let session_media =
        SessionMedia::new(leg.local.clone(), config.format, create_offer(&leg.local));
    Ok(AnsweredLeg {
        dialog,
        target,
        label: leg.request.label,
        session: leg.session,
        config,
        session_media,
        may_transfer: leg.request.may_transfer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure_of(statuses: &[u16]) -> String {
        let mut refusals = Refusals::default();
        for status in statuses {
            refusals.note(StatusCode::new(*status).unwrap());
        }
        match refusals.failure() {
            RingFailure::Refused(status) => format!("Refused({})", status.as_u16()),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn a_group_fails_with_its_most_telling_refusal() {
        assert_eq!(failure_of(&[]), "NoAnswer");
        assert_eq!(failure_of(&[404, 486, 603]), "Busy", "any busy leg");
        assert_eq!(failure_of(&[600]), "Busy");
        assert_eq!(failure_of(&[503, 404]), "Refused(404)", "a 4xx over a 5xx");
        assert_eq!(
            failure_of(&[404, 403]),
            "Refused(404)",
            "the first of a class"
        );
        assert_eq!(
            failure_of(&[404, 603, 480]),
            "Refused(603)",
            "a 6xx over all"
        );
        assert_eq!(failure_of(&[500]), "Refused(500)");
    }
}

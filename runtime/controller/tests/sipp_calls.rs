//! Real SIP calls from sipp on 127.0.0.1 run scenarios through the controller:
//! RFC 2833 keys reach `ivr-menu`'s menu, a failing guest hands the caller to
//! the fallback, CANCEL and BYE end calls without leaks, and a dialed sipp
//! callee is bridged to the caller.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::sync::Arc;
use std::time::Duration;

use support::talk::*;
use support::*;
use tokio::net::UdpSocket;
use wasmphony_controller::{Disposition, HangupSide, TRANSFERRED_TAG};
use wasmphony_engine::SandboxLimits;
use wasmphony_media::codec::{Codec, Encoder};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ivr_menu_collects_an_rfc2833_key_from_sipp_and_routes() {
    if !sipp_available() {
        return;
    }
    let pcap = dtmf_pcap('1').expect("sipp's dtmf_2833_1.pcap");
    let config = ivr_config(r#"{"action":"hangup","prompt":"goodbye"}"#);
    let mut harness = start(Setup::shipped("ivr-menu", config), "dtmf").await;
    let run = run_sipp(uac_args(
        "uac_dtmf.xml",
        harness.sip,
        &[("dtmf_pcap", pcap)],
    ))
    .await;
    run.assert_clean();
    let record = harness.next_record().await;
    assert!(
        record.tags.contains(&"menu:1".to_string()),
        "tags: {:?}",
        record.tags
    );
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(
        record.hangup_side,
        HangupSide::Host,
        "the scenario hung up after `goodbye`"
    );
    assert_eq!(record.failure, None);
    assert_eq!(record.dialed, NUMBER);
    assert_eq!(record.from, "0888123456");
    assert_eq!(record.tenant, TENANT);
    assert_eq!(record.component_hash.len(), 64);
    harness.assert_no_live_calls().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ivr_menu_takes_a_key_sent_in_sip_info() {
    if !sipp_available() {
        return;
    }
    let config = ivr_config(r#"{"action":"hangup","prompt":"goodbye"}"#);
    let mut harness = start(Setup::shipped("ivr-menu", config), "info").await;
    run_sipp(uac_args("uac_info.xml", harness.sip, &[]))
        .await
        .assert_clean();
    let record = harness.next_record().await;
    assert!(
        record.tags.contains(&"menu:1".to_string()),
        "tags: {:?}",
        record.tags
    );
    assert_eq!(record.hangup_side, HangupSide::Host);
    harness.assert_no_live_calls().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_guest_hands_the_caller_to_the_fallback_announcement() {
    if !sipp_available() {
        return;
    }
    let mut harness = start(Setup::test_guest("trap"), "trap").await;
    let sink = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = sink.local_addr().unwrap().port().to_string();
    let sipp = tokio::spawn(run_sipp(uac_args(
        "uac_wait_bye.xml",
        harness.sip,
        &[("rtp_sink", port)],
    )));
    let heard = receive_rtp(&sink, Duration::from_secs(4)).await;
    sipp.await.unwrap().assert_clean();
    // `goodbye` lasts about 1.7 s: the caller heard it, not silence.
    let spoken = heard
        .iter()
        .filter(|(_, pt, p)| *pt == 0 && p.iter().any(|b| *b != 0xFF))
        .count();
    assert!(
        spoken >= 50,
        "{spoken} packets of the announcement out of {}",
        heard.len()
    );
    let record = harness.next_record().await;
    let failure = record.failure.clone().unwrap_or_default();
    assert!(failure.starts_with("trap:"), "failure: {failure}");
    assert!(
        record
            .fallback
            .as_deref()
            .is_some_and(|f| f.contains("served")),
        "{:?}",
        record.fallback
    );
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.hangup_side, HangupSide::Host);
    harness.assert_no_live_calls().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_before_the_answer_ends_the_call_without_leaks() {
    if !sipp_available() {
        return;
    }
    // The guest spins before answering; give it time enough for the CANCEL to land first.
    let mut setup = Setup::test_guest("loop");
    setup.limits = SandboxLimits {
        cpu_budget: Duration::from_secs(2),
        ..SandboxLimits::DEFAULT
    };
    let mut harness = start(setup, "cancel").await;
    run_sipp(uac_args("uac_cancel.xml", harness.sip, &[]))
        .await
        .assert_clean();
    let record = harness.next_record().await;
    assert_eq!(record.disposition, Disposition::Abandoned);
    assert_eq!(record.hangup_side, HangupSide::Caller);
    assert_eq!(record.answered_at, None);
    assert!(
        record
            .failure
            .as_deref()
            .is_some_and(|f| f.starts_with("cpu:")),
        "{:?}",
        record.failure
    );
    // The fallback could not answer a cancelled call.
    assert!(
        record
            .fallback
            .as_deref()
            .is_some_and(|f| f.contains("hangup")),
        "{:?}",
        record.fallback
    );
    harness.assert_no_live_calls().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_bye_mid_prompt_ends_the_scenario_without_leaks() {
    if !sipp_available() {
        return;
    }
    let config = ivr_config(r#"{"action":"hangup","prompt":"goodbye"}"#);
    let mut harness = start(Setup::shipped("ivr-menu", config), "bye").await;
    let sink = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = sink.local_addr().unwrap().port().to_string();
    let mut args = uac_args("uac_hangs_up.xml", harness.sip, &[("rtp_sink", port)]);
    args.extend(["-d".into(), "1000".into()]);
    let sipp = tokio::spawn(run_sipp(args));
    let heard = receive_rtp(&sink, Duration::from_millis(900)).await;
    sipp.await.unwrap().assert_clean();
    assert!(
        heard.len() >= 20,
        "the greeting was playing: {} packets",
        heard.len()
    );
    let record = harness.next_record().await;
    assert_eq!(record.hangup_side, HangupSide::Caller);
    assert_eq!(record.disposition, Disposition::Answered);
    assert!(
        !record.tags.iter().any(|t| t.starts_with("menu:")),
        "{:?}",
        record.tags
    );
    harness.assert_no_live_calls().await;
    // The media task ended with the call: once what was in flight is read, nothing more arrives.
    let _in_flight = receive_rtp(&sink, Duration::from_millis(200)).await;
    let after = receive_rtp(&sink, Duration::from_millis(300)).await;
    assert!(
        after.is_empty(),
        "{} packets after the hang-up",
        after.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialed_sipp_callee_is_bridged_to_the_caller() {
    if !sipp_available() {
        return;
    }
    let (callee_port, callee) = echoing_callee();
    let option_1 = format!(
        r#"{{"action":"dial","targets":["sip:callee@127.0.0.1:{callee_port}"],"strategy":"parallel"}}"#
    );
    let (echoed, record) = caller_presses_1_and_talks(&option_1, "bridge").await;
    callee.await.unwrap().assert_clean();
    assert!(
        echoed >= 50,
        "{echoed} of our packets came back through the callee"
    );
    assert!(
        record.tags.contains(&"menu:1".to_string()),
        "{:?}",
        record.tags
    );
    assert_eq!(record.hangup_side, HangupSide::Caller);
}

/// Root-mean-square of one channel of an interleaved stereo recording.
fn channel_rms(samples: &[i16], channel: usize) -> f64 {
    let side: Vec<f64> = samples
        .chunks(2)
        .filter_map(|frame| frame.get(channel))
        .map(|s| f64::from(*s))
        .collect();
    (side.iter().map(|s| s * s).sum::<f64>() / side.len().max(1) as f64).sqrt()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_dial_keeps_both_sides_of_the_conversation() {
    if !sipp_available() {
        return;
    }
    let (callee_port, callee) = echoing_callee();
    let option_1 = format!(
        r#"{{"action":"dial","targets":["sip:callee@127.0.0.1:{callee_port}"],"record":true}}"#
    );
    let (echoed, record) = caller_presses_1_and_talks(&option_1, "bridge-recorded").await;
    callee.await.unwrap().assert_clean();
    assert!(
        echoed >= 50,
        "{echoed} packets came back through the callee"
    );
    assert_eq!(record.disposition, Disposition::Answered);
    assert_eq!(record.recordings.len(), 1, "{record:?}");
    let take = &record.recordings[0];
    assert_eq!(record.recording.as_ref(), Some(&take.id));
    assert!(
        take.length
            .is_some_and(|length| length >= Duration::from_secs(3)),
        "the bridge lasted about 5 s: {take:?}"
    );
    let path: std::path::PathBuf = [
        env!("CARGO_TARGET_TMPDIR"),
        "controller-data",
        "bridge-recorded",
        "recordings",
        &take.path,
    ]
    .iter()
    .collect();
    let mut wav = hound::WavReader::open(&path).unwrap();
    assert_eq!(wav.spec().channels, 2);
    let samples: Vec<i16> = wav.samples::<i16>().map(Result::unwrap).collect();
    let seconds = samples.len() as f64 / 2.0 / 8000.0;
    assert!(seconds >= 3.0, "recorded {seconds:.2} s");
    // Our marked audio (PCMU 0x55, amplitude 716) on the caller's channel, and the
    // callee's echo of it on the other: both sides are in the file.
    let (caller, callee) = (channel_rms(&samples, 0), channel_rms(&samples, 1));
    assert!(caller > 300.0, "caller channel rms {caller:.0}");
    assert!(callee > 300.0, "callee channel rms {callee:.0}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequential_dial_passes_a_busy_callee_and_bridges_the_next() {
    if !sipp_available() {
        return;
    }
    let busy_port = free_udp_port();
    let busy_args = vec![
        "-sf".to_string(),
        sipp_xml("uas_busy.xml"),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        busy_port.to_string(),
        "-m".into(),
        "1".into(),
    ];
    let busy = tokio::spawn(run_sipp(busy_args));
    let (callee_port, callee) = echoing_callee();
    let option_1 = format!(
        r#"{{"action":"dial","targets":["sip:busy@127.0.0.1:{busy_port}","sip:callee@127.0.0.1:{callee_port}"],"strategy":"sequential","ring_timeout_seconds":5}}"#
    );
    let (echoed, record) = caller_presses_1_and_talks(&option_1, "sequential").await;
    busy.await.unwrap().assert_clean();
    callee.await.unwrap().assert_clean();
    assert!(
        echoed >= 50,
        "{echoed} of our packets came back through the second callee"
    );
    assert_eq!(record.hangup_side, HangupSide::Caller);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_voicemail_fallback_records_the_callers_audio() {
    if !sipp_available() {
        return;
    }
    let mut setup = Setup::test_guest("trap");
    setup.fallback = wasmphony_engine::Fallback::Voicemail;
    let mut harness = start(setup, "voicemail").await;
    let media = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let port = media.local_addr().unwrap().port().to_string();
    let mut args = uac_args("uac_hangs_up.xml", harness.sip, &[("rtp_sink", port)]);
    args.extend(["-d".into(), "6000".into()]);
    let caller = tokio::spawn(run_sipp(args));
    let mut buf = [0u8; 2048];
    let (_, leg) = tokio::time::timeout(Duration::from_secs(10), media.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    // A 440 Hz tone for the whole call: the greeting and beep, then the recording.
    send_tone(&media, leg, 300).await;
    caller.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    harness.assert_no_live_calls().await;
    assert_eq!(record.recordings.len(), 1, "{record:?}");
    assert!(
        record
            .fallback
            .as_deref()
            .is_some_and(|f| f.contains("served")),
        "{:?}",
        record.fallback
    );
    // The message makes the call a voicemail, with the message as its recording.
    assert_eq!(record.disposition, Disposition::Voicemail);
    let message = &record.recordings[0];
    assert_eq!(record.recording.as_ref(), Some(&message.id));
    assert_eq!(message.path, format!("{TENANT}/{}.wav", message.id));
    assert!(
        message.length.is_some_and(|length| length.as_millis() > 0),
        "{message:?}"
    );
    let path = harness.data_dir.join("recordings").join(&message.path);
    let mut wav = hound::WavReader::open(&path).unwrap();
    assert_eq!(wav.spec().channels, 2);
    let samples: Vec<i16> = wav.samples::<i16>().map(Result::unwrap).collect();
    let caller_side: Vec<f64> = samples.chunks(2).map(|frame| f64::from(frame[0])).collect();
    let seconds = caller_side.len() as f64 / 8000.0;
    let rms =
        (caller_side.iter().map(|s| s * s).sum::<f64>() / caller_side.len().max(1) as f64).sqrt();
    assert!(seconds >= 1.5, "recorded {seconds:.2} s");
    assert!(
        rms > 2000.0,
        "the caller's channel carries the tone: rms {rms:.0}"
    );
}

/// The voicemail fallback asks for 5 s of silence to end the message: a caller who speaks,
/// then says nothing (and whose phone sends nothing), gets the message closed about 5 s
/// later and the call hung up by the host, long before the 120 s limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voicemail_ends_when_the_caller_falls_silent() {
    if !sipp_available() {
        return;
    }
    let mut setup = Setup::test_guest("trap");
    setup.fallback = wasmphony_engine::Fallback::Voicemail;
    let mut harness = start(setup, "voicemail-silence").await;
    let media = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let port = media.local_addr().unwrap().port().to_string();
    let caller = tokio::spawn(run_sipp(uac_args(
        "uac_wait_bye.xml",
        harness.sip,
        &[("rtp_sink", port)],
    )));
    let mut buf = [0u8; 2048];
    let (_, leg) = tokio::time::timeout(Duration::from_secs(10), media.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    // The greeting and beep, then about two seconds of message, then nothing.
    let talking = std::time::Instant::now();
    send_tone(&media, leg, 150).await;
    let talked = talking.elapsed();
    caller.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    harness.assert_no_live_calls().await;
    assert_eq!(record.hangup_side, HangupSide::Host, "{record:?}");
    assert_eq!(record.disposition, Disposition::Voicemail);
    let message = &record.recordings[0];
    let length = message.length.unwrap();
    // The message holds the talk after the beep plus the 5 s of silence that ended it.
    assert!(
        length >= Duration::from_secs(5) && length < talked + Duration::from_secs(8),
        "message of {length:?} after {talked:?} of talk"
    );
    let path = harness.data_dir.join("recordings").join(&message.path);
    let wav = hound::WavReader::open(&path).unwrap();
    let seconds = f64::from(wav.duration()) / 8000.0;
    assert!(
        (seconds - length.as_secs_f64()).abs() < 1.0,
        "file of {seconds:.2} s, booked {length:?}"
    );
}

/// Sends `packets` 20 ms PCMU frames of a 440 Hz tone (peak 8000) from `media` to `leg`.
async fn send_tone(media: &UdpSocket, leg: std::net::SocketAddr, packets: u32) {
    let mut encoder = Encoder::new(Codec::Pcmu).unwrap();
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    for i in 0..packets {
        tick.tick().await;
        let pcm: Vec<i16> = (0..160)
            .map(|n| {
                (8000.0
                    * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i * 160 + n) / 8000.0).sin())
                    as i16
            })
            .collect();
        let mut payload = Vec::new();
        encoder.encode(&pcm, &mut payload).unwrap();
        let mut packet = vec![0x80, 0];
        packet.extend((i as u16).to_be_bytes());
        packet.extend((i * 160).to_be_bytes());
        packet.extend(0x0bad_cafe_u32.to_be_bytes());
        packet.extend(payload);
        let _ = media.send_to(&packet, leg).await;
    }
}

/// A scenario's blind transfer: the test guest answers and transfers the caller to a sipp
/// callee (`transfer` with a SIP URI); the caller's audio comes back through the callee's
/// echo, the scenario's later play is refused with `hangup` (the call is no longer its
/// own), and the record shows the transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scenario_transfers_the_caller_and_leaves_the_call() {
    if !sipp_available() {
        return;
    }
    let (callee_port, callee) = echoing_callee();
    let mut setup = Setup::test_guest("transfer");
    setup.config = format!(r#"{{"behave":"transfer","to":"sip:callee@127.0.0.1:{callee_port}"}}"#);
    let mut harness = start(setup, "scenario-transfer").await;
    let media = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let port = media.local_addr().unwrap().port().to_string();
    let mut args = uac_args("uac_hangs_up.xml", harness.sip, &[("rtp_sink", port)]);
    args.extend(["-d".into(), "6000".into()]);
    let caller = tokio::spawn(run_sipp(args));
    // The host speaks first once the callee is bridged (the callee's echo, or our silence).
    let mut buf = [0u8; 2048];
    let (_, leg) = tokio::time::timeout(Duration::from_secs(10), media.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let ssrc = 0x5eed_0001;
    let sender = {
        let media = media.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            for i in 0..200u16 {
                tick.tick().await;
                let packet = marked_audio(ssrc, i, 160 * u32::from(i));
                let _ = media.send_to(&packet, leg).await;
            }
        })
    };
    let heard = receive_rtp(&media, Duration::from_secs(5)).await;
    sender.await.unwrap();
    let echoed = heard
        .iter()
        .filter(|(_, _, p)| p.len() == 160 && p.iter().all(|b| *b == 0x55))
        .count();
    caller.await.unwrap().assert_clean();
    callee.await.unwrap().assert_clean();
    let record = harness.next_record().await;
    harness.assert_no_live_calls().await;
    assert!(
        echoed >= 50,
        "{echoed} of our packets came back through the callee"
    );
    for tag in [TRANSFERRED_TAG, "after-transfer:hangup"] {
        assert!(
            record.tags.iter().any(|t| t == tag),
            "{tag}: {:?}",
            record.tags
        );
    }
    let transferred_to = record
        .vars
        .iter()
        .find(|(name, _)| name == "transferred_to")
        .map(|(_, value)| value.as_str());
    assert_eq!(
        transferred_to,
        Some(format!("sip:callee@127.0.0.1:{callee_port}").as_str()),
        "{record:?}"
    );
    assert_eq!(record.hangup_side, HangupSide::Caller);
    assert_eq!(record.failure, None);
}

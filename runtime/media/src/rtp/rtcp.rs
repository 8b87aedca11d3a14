//! RTCP sender and receiver reports (RFC 3550 §6.4), in compound packets.

/// Most report blocks a packet may carry (the 5-bit count field).
const MAX_REPORT_BLOCKS: usize = 31;

/// Why a datagram is not valid RTCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RtcpError {
    /// Shorter than a header or than its length field says.
    #[error("RTCP packet truncated")]
    Truncated,
    /// Version field is not 2.
    #[error("unsupported RTCP version {0}")]
    BadVersion(u8),
    /// A compound packet must start with SR or RR.
    #[error("compound RTCP does not start with SR or RR")]
    NotCompound,
}

/// One reception report block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the last report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub highest_sequence: u32,
    /// Interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the last SR's NTP timestamp.
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// A sender report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderReport {
    /// Sender SSRC.
    pub ssrc: u32,
    /// NTP timestamp (seconds in the high 32 bits).
    pub ntp_timestamp: u64,
    /// RTP timestamp matching `ntp_timestamp`.
    pub rtp_timestamp: u32,
    /// Packets sent.
    pub packet_count: u32,
    /// Payload octets sent.
    pub octet_count: u32,
    /// Reception reports.
    pub reports: Vec<ReportBlock>,
}

/// A receiver report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReceiverReport {
    /// Reporter SSRC.
    pub ssrc: u32,
    /// Reception reports.
    pub reports: Vec<ReportBlock>,
}

/// One packet of a compound RTCP datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// SR (200).
    SenderReport(SenderReport),
    /// RR (201).
    ReceiverReport(ReceiverReport),
    /// BYE (203) with the leaving sources.
    Bye(Vec<u32>),
    /// Any other type (SDES, APP, feedback), skipped.
    Other(u8),
}

/// Parses a compound RTCP datagram; never panics on any input.
pub fn parse_compound(mut buf: &[u8]) -> Result<Vec<RtcpPacket>, RtcpError> {
    let mut packets = Vec::new();
    while !buf.is_empty() {
        if buf.len() < 4 {
            return Err(RtcpError::Truncated);
        }
        let version = buf[0] >> 6;
        if version != 2 {
            return Err(RtcpError::BadVersion(version));
        }
        let count = usize::from(buf[0] & 0x1F);
        let packet_type = buf[1];
        let len = 4 * (usize::from(u16::from_be_bytes([buf[2], buf[3]])) + 1);
        let body = buf.get(4..len).ok_or(RtcpError::Truncated)?;
        let packet = match packet_type {
            200 => {
                let fixed = body.get(..24).ok_or(RtcpError::Truncated)?;
                RtcpPacket::SenderReport(SenderReport {
                    ssrc: be32(fixed, 0),
                    ntp_timestamp: (u64::from(be32(fixed, 4)) << 32) | u64::from(be32(fixed, 8)),
                    rtp_timestamp: be32(fixed, 12),
                    packet_count: be32(fixed, 16),
                    octet_count: be32(fixed, 20),
                    reports: parse_blocks(&body[24..], count)?,
                })
            }
            201 => {
                let fixed = body.get(..4).ok_or(RtcpError::Truncated)?;
                RtcpPacket::ReceiverReport(ReceiverReport {
                    ssrc: be32(fixed, 0),
                    reports: parse_blocks(&body[4..], count)?,
                })
            }
            203 => {
                let ids = body.get(..4 * count).ok_or(RtcpError::Truncated)?;
                RtcpPacket::Bye(ids.chunks_exact(4).map(|c| be32(c, 0)).collect())
            }
            other => RtcpPacket::Other(other),
        };
        if packets.is_empty()
            && !matches!(
                packet,
                RtcpPacket::SenderReport(_) | RtcpPacket::ReceiverReport(_)
            )
        {
            return Err(RtcpError::NotCompound);
        }
        packets.push(packet);
        buf = &buf[len..];
    }
    if packets.is_empty() {
        return Err(RtcpError::Truncated);
    }
    Ok(packets)
}

fn be32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

fn parse_blocks(buf: &[u8], count: usize) -> Result<Vec<ReportBlock>, RtcpError> {
    let blocks = buf.get(..24 * count).ok_or(RtcpError::Truncated)?;
    Ok(blocks
        .chunks_exact(24)
        .map(|b| {
            let lost_raw = be32(b, 4) & 0x00FF_FFFF;
            // Sign-extend the 24-bit cumulative loss.
            let cumulative_lost = ((lost_raw << 8) as i32) >> 8;
            ReportBlock {
                ssrc: be32(b, 0),
                fraction_lost: b[4],
                cumulative_lost,
                highest_sequence: be32(b, 8),
                jitter: be32(b, 12),
                last_sr: be32(b, 16),
                delay_since_last_sr: be32(b, 20),
            }
        })
        .collect())
}

fn write_header(out: &mut Vec<u8>, count: usize, packet_type: u8, body_words: usize) {
    out.push(0x80 | (count as u8 & 0x1F));
    out.push(packet_type);
    out.extend_from_slice(&(body_words as u16).to_be_bytes());
}

fn write_blocks(out: &mut Vec<u8>, reports: &[ReportBlock]) {
    for r in reports {
        out.extend_from_slice(&r.ssrc.to_be_bytes());
        let lost = (r.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0x00FF_FFFF;
        out.extend_from_slice(&((u32::from(r.fraction_lost) << 24) | lost).to_be_bytes());
        for v in [
            r.highest_sequence,
            r.jitter,
            r.last_sr,
            r.delay_since_last_sr,
        ] {
            out.extend_from_slice(&v.to_be_bytes());
        }
    }
}

/// Appends a sender report (at most 31 blocks are written).
pub fn write_sender_report(sr: &SenderReport, out: &mut Vec<u8>) {
    let reports = &sr.reports[..sr.reports.len().min(MAX_REPORT_BLOCKS)];
    write_header(out, reports.len(), 200, 6 + 6 * reports.len());
    out.extend_from_slice(&sr.ssrc.to_be_bytes());
    out.extend_from_slice(&sr.ntp_timestamp.to_be_bytes());
    for v in [sr.rtp_timestamp, sr.packet_count, sr.octet_count] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    write_blocks(out, reports);
}

/// Appends a receiver report (at most 31 blocks are written).
pub fn write_receiver_report(rr: &ReceiverReport, out: &mut Vec<u8>) {
    let reports = &rr.reports[..rr.reports.len().min(MAX_REPORT_BLOCKS)];
    write_header(out, reports.len(), 201, 1 + 6 * reports.len());
    out.extend_from_slice(&rr.ssrc.to_be_bytes());
    write_blocks(out, reports);
}

/// Appends an SDES packet with one CNAME item (required in every compound packet).
pub fn write_sdes_cname(ssrc: u32, cname: &str, out: &mut Vec<u8>) {
    let name = &cname.as_bytes()[..cname.len().min(255)];
    // SSRC + type + length + text + at least one null terminator, padded to 32 bits.
    let chunk_len = (4 + 2 + name.len() + 1).div_ceil(4) * 4;
    write_header(out, 1, 202, chunk_len / 4);
    let start = out.len();
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.push(1);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
    out.resize(start + chunk_len, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> ReportBlock {
        ReportBlock {
            ssrc: 7,
            fraction_lost: 12,
            cumulative_lost: -3,
            highest_sequence: 70_000,
            jitter: 40,
            last_sr: 0x1234_5678,
            delay_since_last_sr: 65536,
        }
    }

    #[test]
    fn sender_report_round_trip_in_compound() {
        let sr = SenderReport {
            ssrc: 1,
            ntp_timestamp: 0x0102_0304_0506_0708,
            rtp_timestamp: 160,
            packet_count: 50,
            octet_count: 8000,
            reports: vec![block()],
        };
        let mut buf = Vec::new();
        write_sender_report(&sr, &mut buf);
        write_sdes_cname(1, "wasmphony", &mut buf);
        assert_eq!(buf.len() % 4, 0);
        let parsed = parse_compound(&buf).unwrap();
        assert_eq!(
            parsed,
            vec![RtcpPacket::SenderReport(sr), RtcpPacket::Other(202)]
        );
    }

    #[test]
    fn receiver_report_round_trip() {
        let rr = ReceiverReport {
            ssrc: 9,
            reports: vec![block(), ReportBlock::default()],
        };
        let mut buf = Vec::new();
        write_receiver_report(&rr, &mut buf);
        assert_eq!(
            parse_compound(&buf).unwrap(),
            vec![RtcpPacket::ReceiverReport(rr)]
        );
    }

    #[test]
    fn malformed_rtcp_is_rejected() {
        assert_eq!(parse_compound(&[]), Err(RtcpError::Truncated));
        assert_eq!(
            parse_compound(&[0x80, 200, 0, 50]),
            Err(RtcpError::Truncated)
        );
        assert_eq!(
            parse_compound(&[0x40, 200, 0, 0]),
            Err(RtcpError::BadVersion(1))
        );
        // Claims 2 report blocks but carries none.
        let mut buf = Vec::new();
        write_receiver_report(
            &ReceiverReport {
                ssrc: 1,
                reports: vec![],
            },
            &mut buf,
        );
        buf[0] |= 2;
        assert_eq!(parse_compound(&buf), Err(RtcpError::Truncated));
        // SDES first is not a valid compound packet.
        let mut sdes = Vec::new();
        write_sdes_cname(1, "x", &mut sdes);
        assert_eq!(parse_compound(&sdes), Err(RtcpError::NotCompound));
    }

    #[test]
    fn random_and_mutated_compounds_never_panic() {
        let mut noise = crate::codec::test_signal::Noise::new(5);
        let mut valid = Vec::new();
        write_sender_report(
            &SenderReport {
                ssrc: 1,
                reports: vec![block(); 3],
                ..Default::default()
            },
            &mut valid,
        );
        write_sdes_cname(1, "host", &mut valid);
        let mut bye = Vec::new();
        write_header(&mut bye, 1, 203, 1);
        bye.extend_from_slice(&1u32.to_be_bytes());
        valid.extend_from_slice(&bye);
        assert_eq!(
            parse_compound(&valid).unwrap().last(),
            Some(&RtcpPacket::Bye(vec![1]))
        );
        for i in 0..50_000 {
            let mut buf: Vec<u8> = if i % 2 == 0 {
                (0..(noise.uniform() * 120.0) as usize)
                    .map(|_| (noise.uniform() * 256.0) as u8)
                    .collect()
            } else {
                valid.clone()
            };
            if let Some(first) = buf.first_mut() {
                *first = (*first & 0x3F) | 0x80;
            }
            for _ in 0..3 {
                let at = (noise.uniform() * buf.len() as f64) as usize;
                if let Some(b) = buf.get_mut(at) {
                    *b = (noise.uniform() * 256.0) as u8;
                }
            }
            if let Ok(packets) = parse_compound(&buf) {
                let blocks: usize = packets
                    .iter()
                    .map(|p| match p {
                        RtcpPacket::SenderReport(sr) => sr.reports.len(),
                        RtcpPacket::ReceiverReport(rr) => rr.reports.len(),
                        _ => 0,
                    })
                    .sum();
                assert!(blocks * 24 <= buf.len());
            }
        }
    }

    #[test]
    fn length_field_edge_cases() {
        // Length 0 words: a 4-byte RR without its SSRC is truncated.
        assert_eq!(
            parse_compound(&[0x80, 201, 0, 0]),
            Err(RtcpError::Truncated)
        );
        // Maximum length field on a short buffer.
        assert_eq!(
            parse_compound(&[0x80, 201, 0xFF, 0xFF, 0, 0, 0, 0]),
            Err(RtcpError::Truncated)
        );
        // Valid RR followed by trailing garbage shorter than a header.
        let mut buf = Vec::new();
        write_receiver_report(
            &ReceiverReport {
                ssrc: 1,
                reports: vec![],
            },
            &mut buf,
        );
        buf.extend_from_slice(&[0x80, 0]);
        assert_eq!(parse_compound(&buf), Err(RtcpError::Truncated));
        // More than 31 blocks are cut to 31 on write.
        let mut many = Vec::new();
        write_receiver_report(
            &ReceiverReport {
                ssrc: 1,
                reports: vec![block(); 40],
            },
            &mut many,
        );
        let RtcpPacket::ReceiverReport(rr) = &parse_compound(&many).unwrap()[0] else {
            panic!("not an RR")
        };
        assert_eq!(rr.reports.len(), MAX_REPORT_BLOCKS);
    }
}

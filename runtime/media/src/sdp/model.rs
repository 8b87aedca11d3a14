//! SDP session descriptions (RFC 4566): the subset telephony uses, parsed
//! tolerantly (unknown lines are kept) and written back in canonical order.

use std::fmt::Write as _;
use std::net::IpAddr;

/// Largest SDP body accepted (a peer controls it).
pub const MAX_SDP_LEN: usize = 16 * 1024;
/// Most media sections accepted.
pub const MAX_MEDIA_SECTIONS: usize = 16;

/// Why an SDP body could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpParseError {
    /// Body larger than [`MAX_SDP_LEN`] or more than [`MAX_MEDIA_SECTIONS`] m-lines.
    #[error("SDP too large")]
    TooLarge,
    /// A line is not `x=value`.
    #[error("malformed line {0}")]
    MalformedLine(usize),
    /// A mandatory field is missing or unreadable.
    #[error("invalid {field} on line {line}")]
    InvalidField {
        /// The SDP field, e.g. `m` or `c`.
        field: &'static str,
        /// 1-based line number.
        line: usize,
    },
}

/// Media direction attribute (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Both ways (the default).
    #[default]
    SendRecv,
    /// We only send (the other side put us on hold, or we play music to it).
    SendOnly,
    /// We only receive.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sendrecv" => Direction::SendRecv,
            "sendonly" => Direction::SendOnly,
            "recvonly" => Direction::RecvOnly,
            "inactive" => Direction::Inactive,
            _ => return None,
        })
    }

    /// The direction seen from the other side (sendonly ↔ recvonly).
    pub fn reversed(self) -> Self {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    /// Whether this side sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether this side receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The most both sides allow: sends only if both allow it, and so on.
    pub fn intersect(self, other: Self) -> Self {
        match (
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        ) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }
}

/// `a=rtpmap:<pt> <name>/<rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type.
    pub payload_type: u8,
    /// Encoding name as written (compare case-insensitively).
    pub encoding: String,
    /// Clock rate.
    pub clock_rate: u32,
    /// Channels, if given.
    pub channels: Option<u8>,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// `audio`, `video`, ...
    pub media: String,
    /// Transport port; 0 means the stream is rejected or disabled.
    pub port: u16,
    /// Transport protocol, e.g. `RTP/AVP`.
    pub protocol: String,
    /// Format list (payload types for RTP).
    pub formats: Vec<String>,
    /// Media-level `c=` address.
    pub connection: Option<IpAddr>,
    /// `a=rtpmap` lines.
    pub rtpmaps: Vec<RtpMap>,
    /// `a=fmtp` lines as (payload type, parameters).
    pub fmtps: Vec<(u8, String)>,
    /// Media-level direction attribute.
    pub direction: Option<Direction>,
    /// `a=ptime` in milliseconds.
    pub ptime: Option<u32>,
    /// Other attributes, as (name, value).
    pub other_attributes: Vec<(String, Option<String>)>,
}

impl MediaDescription {
    /// Formats that are valid RTP payload type numbers.
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        self.formats
            .iter()
            .filter_map(|f| f.parse::<u8>().ok())
            .filter(|pt| *pt < 128)
    }

    /// The rtpmap for `pt`, if present.
    pub fn rtpmap(&self, pt: u8) -> Option<&RtpMap> {
        self.rtpmaps.iter().find(|m| m.payload_type == pt)
    }

    /// The fmtp parameters for `pt`, if present.
    pub fn fmtp(&self, pt: u8) -> Option<&str> {
        self.fmtps
            .iter()
            .find(|(p, _)| *p == pt)
            .map(|(_, f)| f.as_str())
    }
}

/// A session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=` user name.
    pub origin_user: String,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` version, incremented on each new offer/answer.
    pub session_version: u64,
    /// `o=` address.
    pub origin_address: IpAddr,
    /// `s=`.
    pub session_name: String,
    /// Session-level `c=` address.
    pub connection: Option<IpAddr>,
    /// Session-level direction attribute.
    pub direction: Option<Direction>,
    /// The `m=` sections in order.
    pub media: Vec<MediaDescription>,
}

impl SessionDescription {
    /// Parses an SDP body; tolerant of unknown lines and `\n` line ends.
    pub fn parse(text: &str) -> Result<Self, SdpParseError> {
        if text.len() > MAX_SDP_LEN {
            return Err(SdpParseError::TooLarge);
        }
        let mut sdp = SessionDescription {
            origin_user: "-".into(),
            session_id: 0,
            session_version: 0,
            origin_address: IpAddr::from([0, 0, 0, 0]),
            session_name: "-".into(),
            connection: None,
            direction: None,
            media: Vec::new(),
        };
        for (index, raw) in text.lines().enumerate() {
            let line_no = index + 1;
            let line = raw.trim_end_matches('\r');
            if line.is_empty() {
                continue;
            }
            let (kind, value) = match line.split_once('=') {
                Some((k, v)) if k.len() == 1 => (k, v),
                _ => return Err(SdpParseError::MalformedLine(line_no)),
            };
            let invalid = |field| SdpParseError::InvalidField {
                field,
                line: line_no,
            };
            match kind {
                "o" => {
                    let parts: Vec<&str> = value.split_whitespace().collect();
                    if parts.len() != 6 {
                        return Err(invalid("o"));
                    }
                    sdp.origin_user = parts[0].to_string();
                    sdp.session_id = parts[1].parse().map_err(|_| invalid("o"))?;
                    sdp.session_version = parts[2].parse().map_err(|_| invalid("o"))?;
                    sdp.origin_address = parts[5].parse().unwrap_or(sdp.origin_address);
                }
                "s" => sdp.session_name = value.to_string(),
                "c" => {
                    let addr = parse_connection(value).ok_or_else(|| invalid("c"))?;
                    match sdp.media.last_mut() {
                        Some(m) => m.connection = Some(addr),
                        None => sdp.connection = Some(addr),
                    }
                }
                "m" => {
                    if sdp.media.len() >= MAX_MEDIA_SECTIONS {
                        return Err(SdpParseError::TooLarge);
                    }
                    let mut parts = value.split_whitespace();
                    let media = parts.next().ok_or_else(|| invalid("m"))?.to_string();
                    let port_field = parts.next().ok_or_else(|| invalid("m"))?;
                    // `port/count` is allowed; we use the first port.
                    let port = port_field
                        .split('/')
                        .next()
                        .and_then(|p| p.parse().ok())
                        .ok_or_else(|| invalid("m"))?;
                    let protocol = parts.next().ok_or_else(|| invalid("m"))?.to_string();
                    sdp.media.push(MediaDescription {
                        media,
                        port,
                        protocol,
                        formats: parts.map(str::to_string).collect(),
                        connection: None,
                        rtpmaps: Vec::new(),
                        fmtps: Vec::new(),
                        direction: None,
                        ptime: None,
                        other_attributes: Vec::new(),
                    });
                }
                "a" => {
                    let (name, attr_value) = match value.split_once(':') {
                        Some((n, v)) => (n, Some(v)),
                        None => (value, None),
                    };
                    if let Some(direction) = Direction::parse(name) {
                        match sdp.media.last_mut() {
                            Some(m) => m.direction = Some(direction),
                            None => sdp.direction = Some(direction),
                        }
                        continue;
                    }
                    let Some(m) = sdp.media.last_mut() else {
                        continue;
                    };
                    match (name, attr_value) {
                        ("rtpmap", Some(v)) => m
                            .rtpmaps
                            .push(parse_rtpmap(v).ok_or_else(|| invalid("a=rtpmap"))?),
                        ("fmtp", Some(v)) => {
                            let (pt, params) = v.split_once(' ').unwrap_or((v, ""));
                            let pt = pt.parse().map_err(|_| invalid("a=fmtp"))?;
                            m.fmtps.push((pt, params.trim().to_string()));
                        }
                        ("ptime", Some(v)) => m.ptime = v.trim().parse().ok(),
                        _ => m
                            .other_attributes
                            .push((name.to_string(), attr_value.map(str::to_string))),
                    }
                }
                // v=, t=, b=, and others carry nothing we negotiate on.
                _ => {}
            }
        }
        Ok(sdp)
    }

    /// The address media for section `index` goes to (media-level `c=`, else session-level).
    pub fn connection_for(&self, index: usize) -> Option<IpAddr> {
        self.media
            .get(index)
            .and_then(|m| m.connection)
            .or(self.connection)
    }

    /// The direction of section `index` (media-level, else session-level, else sendrecv).
    pub fn direction_for(&self, index: usize) -> Direction {
        self.media
            .get(index)
            .and_then(|m| m.direction)
            .or(self.direction)
            .unwrap_or_default()
    }
}

impl std::fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        let _ = write!(
            out,
            "v=0\r\no={} {} {} IN {} {}\r\ns={}\r\n",
            self.origin_user,
            self.session_id,
            self.session_version,
            ip_kind(self.origin_address),
            self.origin_address,
            self.session_name
        );
        if let Some(c) = self.connection {
            let _ = write!(out, "c=IN {} {}\r\n", ip_kind(c), c);
        }
        out.push_str("t=0 0\r\n");
        if let Some(d) = self.direction {
            let _ = write!(out, "a={}\r\n", d.as_str());
        }
        for m in &self.media {
            let _ = write!(
                out,
                "m={} {} {} {}\r\n",
                m.media,
                m.port,
                m.protocol,
                m.formats.join(" ")
            );
            if let Some(c) = m.connection {
                let _ = write!(out, "c=IN {} {}\r\n", ip_kind(c), c);
            }
            for map in &m.rtpmaps {
                let _ = write!(
                    out,
                    "a=rtpmap:{} {}/{}",
                    map.payload_type, map.encoding, map.clock_rate
                );
                if let Some(ch) = map.channels {
                    let _ = write!(out, "/{ch}");
                }
                out.push_str("\r\n");
            }
            for (pt, params) in &m.fmtps {
                let _ = write!(out, "a=fmtp:{pt} {params}\r\n");
            }
            if let Some(p) = m.ptime {
                let _ = write!(out, "a=ptime:{p}\r\n");
            }
            for (name, value) in &m.other_attributes {
                match value {
                    Some(v) => {
                        let _ = write!(out, "a={name}:{v}\r\n");
                    }
                    None => {
                        let _ = write!(out, "a={name}\r\n");
                    }
                }
            }
            if let Some(d) = m.direction {
                let _ = write!(out, "a={}\r\n", d.as_str());
            }
        }
        f.write_str(&out)
    }
}

fn ip_kind(addr: IpAddr) -> &'static str {
    if addr.is_ipv4() { "IP4" } else { "IP6" }
}

fn parse_connection(value: &str) -> Option<IpAddr> {
    let mut parts = value.split_whitespace();
    let (_net, _kind, addr) = (parts.next()?, parts.next()?, parts.next()?);
    // Multicast `addr/ttl` forms: keep the address.
    addr.split('/').next()?.parse().ok()
}

fn parse_rtpmap(value: &str) -> Option<RtpMap> {
    let (pt, rest) = value.split_once(' ')?;
    let mut parts = rest.trim().split('/');
    Some(RtpMap {
        payload_type: pt.parse().ok()?,
        encoding: parts.next()?.to_string(),
        clock_rate: parts.next()?.parse().ok()?,
        channels: parts.next().and_then(|c| c.parse().ok()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINPHONE_OFFER: &str = "v=0\r\no=alice 2890844526 2890844527 IN IP4 192.0.2.10\r\ns=Talk\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 96 0 8 101\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendonly\r\nm=video 0 RTP/AVP 31\r\n";

    #[test]
    fn parses_the_fields_we_negotiate_on() {
        let sdp = SessionDescription::parse(LINPHONE_OFFER).unwrap();
        assert_eq!(sdp.session_id, 2890844526);
        assert_eq!(sdp.connection, Some("192.0.2.10".parse().unwrap()));
        assert_eq!(sdp.media.len(), 2);
        let audio = &sdp.media[0];
        assert_eq!(audio.port, 49170);
        assert_eq!(
            audio.payload_types().collect::<Vec<_>>(),
            vec![96, 0, 8, 101]
        );
        assert_eq!(audio.rtpmap(96).unwrap().channels, Some(2));
        assert_eq!(audio.fmtp(101), Some("0-16"));
        assert_eq!(audio.ptime, Some(20));
        assert_eq!(sdp.direction_for(0), Direction::SendOnly);
        assert_eq!(sdp.direction_for(1), Direction::SendRecv);
    }

    #[test]
    fn write_then_parse_is_identity() {
        let sdp = SessionDescription::parse(LINPHONE_OFFER).unwrap();
        let again = SessionDescription::parse(&sdp.to_string()).unwrap();
        assert_eq!(sdp, again);
    }

    #[test]
    fn malformed_input_is_a_typed_error() {
        assert_eq!(
            SessionDescription::parse("garbage"),
            Err(SdpParseError::MalformedLine(1))
        );
        assert!(matches!(
            SessionDescription::parse("v=0\nm=audio x RTP/AVP 0"),
            Err(SdpParseError::InvalidField {
                field: "m",
                line: 2
            })
        ));
        assert!(matches!(
            SessionDescription::parse("v=0\nc=IN IP4 nonsense"),
            Err(SdpParseError::InvalidField { field: "c", .. })
        ));
        assert_eq!(
            SessionDescription::parse(&"a=x\n".repeat(5000)),
            Err(SdpParseError::TooLarge)
        );
    }

    #[test]
    fn hostile_lines_are_errors_not_panics() {
        for bad in [
            "m=audio 99999 RTP/AVP 0",
            "m=audio",
            "m=audio 5000",
            "o=a b",
            "o=a x 1 IN IP4 1.2.3.4",
            "m=audio 5000 RTP/AVP 0\na=rtpmap:300 PCMU/8000",
            "m=audio 5000 RTP/AVP 0\na=rtpmap:0",
            "m=audio 5000 RTP/AVP 0\na=rtpmap:0 PCMU/abc",
            "m=audio 5000 RTP/AVP 0\na=fmtp:",
            "c=IN",
            "é=1",
            "=x",
        ] {
            assert!(SessionDescription::parse(bad).is_err(), "{bad:?}");
        }
        let many_m = "m=audio 1 RTP/AVP 0\n".repeat(MAX_MEDIA_SECTIONS + 1);
        assert_eq!(
            SessionDescription::parse(&many_m),
            Err(SdpParseError::TooLarge)
        );
        // Tolerated: unknown lines, attributes before any m=, odd whitespace, multibyte text.
        let odd = "v=0\nz=whatever\na=rtpmap:0 PCMU/8000\ns=ünïcödé\nm=audio  5000  RTP/AVP  0  8\na=ptime:abc\n";
        let sdp = SessionDescription::parse(odd).unwrap();
        assert_eq!(sdp.media[0].payload_types().collect::<Vec<_>>(), vec![0, 8]);
        assert_eq!(sdp.media[0].ptime, None);
    }

    #[test]
    fn mutated_offers_parse_and_negotiate_without_panic() {
        let mut noise = crate::codec::test_signal::Noise::new(9);
        let local = crate::sdp::LocalMedia::new("127.0.0.1".parse().unwrap(), 20000);
        let alphabet = b"0123456789 =:/-\r\naceimoprstvAIPV.";
        for _ in 0..20_000 {
            let mut bytes = LINPHONE_OFFER.as_bytes().to_vec();
            for _ in 0..4 {
                let at = (noise.uniform() * bytes.len() as f64) as usize;
                bytes[at] = alphabet[(noise.uniform() * alphabet.len() as f64) as usize];
            }
            let text = String::from_utf8(bytes).unwrap();
            if let Ok(sdp) = SessionDescription::parse(&text) {
                let _ = crate::sdp::answer_offer(&sdp, &local);
                let _ = crate::sdp::process_answer(&sdp, &local);
                let _ = SessionDescription::parse(&sdp.to_string());
            }
        }
    }
}

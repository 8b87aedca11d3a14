//! Which addresses the server writes into SDP and binds RTP to, from `--sip` and
//! `--media-ip`: at most one per IP family, so a dual-stack server answers each peer
//! with an address of its own family.

use std::net::{IpAddr, SocketAddr};

/// Why the media addresses cannot be chosen.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum MediaIpError {
    #[error("the SIP address {0} is unspecified: give --media-ip")]
    Unspecified(SocketAddr),
    #[error("--media-ip {0} and {1} are of the same IP family: give at most one IPv4 and one IPv6")]
    SameFamily(IpAddr, IpAddr),
    #[error("no SIP address to listen on")]
    NoSipAddress,
}

/// The main media address and, on a dual-stack server, the other family's.
///
/// Given `--media-ip` addresses win; without them each family the server listens on
/// for SIP uses its SIP address (which must then be a specific one, not `0.0.0.0`).
/// The main address is the family of the first `--sip` address.
pub(crate) fn media_ips(
    sip: &[SocketAddr],
    given: &[IpAddr],
) -> Result<(IpAddr, Option<IpAddr>), MediaIpError> {
    if let [first, second, ..] = given {
        if first.is_ipv4() == second.is_ipv4() {
            return Err(MediaIpError::SameFamily(*first, *second));
        }
        return Ok((*first, Some(*second)));
    }
    if let [only] = given {
        return Ok((*only, None));
    }
    let first = sip.first().ok_or(MediaIpError::NoSipAddress)?;
    let main = specific(*first)?;
    let other = sip
        .iter()
        .find(|addr| addr.is_ipv4() != first.is_ipv4())
        .map(|addr| specific(*addr))
        .transpose()?;
    Ok((main, other))
}

fn specific(addr: SocketAddr) -> Result<IpAddr, MediaIpError> {
    if addr.ip().is_unspecified() {
        Err(MediaIpError::Unspecified(addr))
    } else {
        Ok(addr.ip())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn sip_addresses_give_one_media_address_per_family() {
        let sip = [
            addr("127.0.0.1:5060"),
            addr("127.0.0.2:5070"),
            addr("[::1]:5060"),
        ];
        assert_eq!(media_ips(&sip, &[]), Ok((ip("127.0.0.1"), Some(ip("::1")))));
        assert_eq!(media_ips(&sip[..1], &[]), Ok((ip("127.0.0.1"), None)));
        assert_eq!(media_ips(&[addr("[::1]:5060")], &[]), Ok((ip("::1"), None)));
    }

    #[test]
    fn given_media_addresses_win_and_must_differ_in_family() {
        let sip = [addr("0.0.0.0:5060"), addr("[::]:5060")];
        assert_eq!(
            media_ips(&sip, &[ip("192.0.2.1"), ip("2001:db8::1")]),
            Ok((ip("192.0.2.1"), Some(ip("2001:db8::1"))))
        );
        assert_eq!(
            media_ips(&sip, &[ip("192.0.2.1"), ip("192.0.2.2")]),
            Err(MediaIpError::SameFamily(ip("192.0.2.1"), ip("192.0.2.2")))
        );
        assert_eq!(media_ips(&sip, &[]), Err(MediaIpError::Unspecified(sip[0])));
        assert_eq!(media_ips(&[], &[]), Err(MediaIpError::NoSipAddress));
    }
}

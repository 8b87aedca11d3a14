//! Which of our addresses a leg's media uses: one per IP family on a dual-stack host.
//!
//! An IPv6 phone cannot send RTP to an IPv4 address (nor the reverse), so a host that
//! takes SIP on both families answers each peer with a media address of the peer's own
//! family. A host with one family answers everyone with it: a peer of the other family
//! then gets an answer it may not reach, as before.

use std::net::IpAddr;

/// Our media addresses: the main one and, on a dual-stack host, one of the other family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MediaAddresses {
    main: IpAddr,
    other_family: Option<IpAddr>,
}

impl MediaAddresses {
    /// `main`, plus `other` when it is of the other IP family (ignored otherwise: two
    /// addresses of one family leave nothing to choose by).
    pub(crate) fn new(main: IpAddr, other: Option<IpAddr>) -> MediaAddresses {
        MediaAddresses {
            main,
            other_family: other.filter(|other| other.is_ipv4() != main.is_ipv4()),
        }
    }

    /// The address for a peer at `peer` (its SDP connection address, or where its
    /// signalling goes): the one of its family when we have it, else the main one.
    pub(crate) fn for_peer(&self, peer: Option<IpAddr>) -> IpAddr {
        match (peer, self.other_family) {
            (Some(peer), Some(other)) if peer.is_ipv4() == other.is_ipv4() => other,
            _ => self.main,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn each_peer_gets_an_address_of_its_family_on_a_dual_stack_host() {
        let both = MediaAddresses::new(ip("192.0.2.1"), Some(ip("2001:db8::1")));
        assert_eq!(both.for_peer(Some(ip("::1"))), ip("2001:db8::1"));
        assert_eq!(both.for_peer(Some(ip("198.51.100.7"))), ip("192.0.2.1"));
        assert_eq!(both.for_peer(None), ip("192.0.2.1"));
    }

    #[test]
    fn a_single_family_host_answers_everyone_with_its_one_address() {
        let v6 = MediaAddresses::new(ip("::1"), None);
        assert_eq!(v6.for_peer(Some(ip("127.0.0.1"))), ip("::1"));
        // A second address of the same family is ignored.
        let same = MediaAddresses::new(ip("127.0.0.1"), Some(ip("127.0.0.2")));
        assert_eq!(same.for_peer(Some(ip("127.0.0.2"))), ip("127.0.0.1"));
    }
}

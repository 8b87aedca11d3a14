//! Where webhooks may POST. A tenant's admin names the URL; unguarded, that would let a
//! tenant make the server reach what only the server can reach (its loopback, the private
//! network, a cloud's metadata address). Unless the operator allows private targets, every
//! address a webhook goes to must be public: checked by the client's resolver at connect
//! time (so a name cannot resolve to a public address at check time and a private one at
//! send time) and, for URLs with an IP literal, before sending.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Is `ip` on the public Internet (not loopback, private, link-local, shared, multicast,
/// documentation or otherwise reserved)?
pub(crate) fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (b & 0xc0) == 64; // 100.64.0.0/10, carrier-grade NAT
    let reserved = a == 0 || a >= 224; // "this network", multicast, 240/4, broadcast
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_documentation()
        || shared
        || reserved)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let unique_local = (first & 0xfe00) == 0xfc00; // fc00::/7
    let link_local = (first & 0xffc0) == 0xfe80; // fe80::/10
    let documentation = first == 0x2001 && ip.segments()[1] == 0x0db8;
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || unique_local
        || link_local
        || documentation)
}

/// A resolver that keeps only public addresses (none left: the name is refused).
#[derive(Debug, Default)]
pub(crate) struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(format!(
                    "{host} has no public address (private targets are not allowed)"
                )
                .into());
            }
            let addrs: Addrs = Box::new(public.into_iter());
            Ok(addrs)
        })
    }
}

/// For a URL whose host is an IP literal (the resolver is not asked): is it allowed?
pub(crate) fn literal_allowed(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    let Some(host) = parsed.host_str() else {
        return false;
    };
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    literal.parse::<IpAddr>().map_or(true, is_public)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn ip_literal_urls_are_checked_names_are_left_to_the_resolver() {
        assert!(!literal_allowed("http://127.0.0.1:8080/hook"));
        assert!(!literal_allowed("http://[::1]/hook"));
        assert!(!literal_allowed("http://169.254.169.254/latest/meta-data"));
        assert!(literal_allowed("https://8.8.8.8/hook"));
        assert!(literal_allowed("https://crm.example/hook"));
        assert!(!literal_allowed("not a url"));
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_private_addresses() {
        let refused = PublicOnly
            .resolve("localhost".parse::<Name>().unwrap())
            .await;
        assert!(refused.is_err());
    }
}

//! The Refer-To of a blind transfer (RFC 3515 §2.1), read into the same
//! [`DialTarget`] a scenario's dial names, so the transfer target is resolved
//! by the dial code itself (`outbound::resolve_target`): an extension's
//! registered phones, a number through the tenant's trunks, or a SIP URI with
//! an IP-literal host. Sans-IO: text and what is "ours" in, target or refusal out.
//!
//! A SIP URI whose host is the tenant's domain (its slug) or one of this
//! server's SIP addresses names one of the tenant's extensions or a number;
//! any other IP-literal host is dialled as it is. `tel:` URIs (RFC 3966) are
//! numbers. URI headers are not copied into the new INVITE (nothing the
//! referrer writes reaches the third party), and `?Replaces=` (attended
//! transfer, RFC 3891) is refused.

use std::net::SocketAddr;

use wasmphony_engine::api::DialTarget;
use wasmphony_sip::message::{NameAddr, Params, StatusCode, Uri};

use crate::direct_call::is_dialable_number;

/// Longest Refer-To value read; longer is refused (no URI we dial is that long).
pub(crate) const MAX_REFER_TO: usize = 512;

/// Why a Refer-To cannot be carried out; the REFER gets [`ReferToError::status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReferToError {
    /// Neither `sip:`, `sips:` nor `tel:`.
    #[error("Refer-To scheme {0:?} is not supported (sip, sips or tel)")]
    UnsupportedScheme(String),
    /// Not a name-addr/addr-spec we can read.
    #[error("Refer-To is not a valid URI")]
    Unparsable,
    /// Over [`MAX_REFER_TO`] bytes.
    #[error("Refer-To is longer than {MAX_REFER_TO} bytes")]
    TooLong,
    /// `?Replaces=`: an attended transfer.
    #[error("attended transfer (Replaces) is not supported")]
    Replaces,
    /// A URI of ours without a user part, or a `tel:` without a number.
    #[error("Refer-To names no extension or number")]
    NoUser,
    /// A user of ours that is neither an extension of the tenant nor a number.
    #[error("Refer-To names no extension or number of the tenant: {0}")]
    Unknown(String),
    /// A host that is neither ours nor an IP literal (no DNS resolution for dial targets).
    #[error(
        "Refer-To host {0} is not reachable (the tenant's domain, this server or an IP address)"
    )]
    UnreachableHost(String),
}

impl ReferToError {
    /// The REFER's final response: `404` for a name nobody has, else `400`.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ReferToError::Unknown(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// What a Refer-To may call "ours".
pub(crate) struct ReferScope<'a> {
    /// The tenant's SIP domain (its slug).
    pub(crate) domain: &'a str,
    /// This server's SIP addresses.
    pub(crate) our_addrs: &'a [SocketAddr],
    /// Whether the tenant has this extension.
    pub(crate) has_extension: &'a dyn Fn(&str) -> bool,
}

/// Reads a Refer-To header value into the target to dial.
pub(crate) fn parse_refer_to(
    value: &str,
    scope: &ReferScope<'_>,
) -> Result<DialTarget, ReferToError> {
    if value.len() > MAX_REFER_TO {
        return Err(ReferToError::TooLong);
    }
    let value = value.trim();
    let address = match (value.find('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        (None, None) => value.split(';').next().unwrap_or(value),
        _ => return Err(ReferToError::Unparsable),
    };
    let Some((scheme, rest)) = address.split_once(':') else {
        return Err(ReferToError::Unparsable);
    };
    if scheme.eq_ignore_ascii_case("tel") {
        return tel_number(rest);
    }
    if !(scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips")) {
        let shown: String = printable(scheme).chars().take(16).collect();
        return Err(ReferToError::UnsupportedScheme(shown));
    }
    let uri = NameAddr::parse(value)
        .map_err(|_| ReferToError::Unparsable)?
        .uri;
    if uri
        .headers
        .as_deref()
        .is_some_and(|headers| headers.to_ascii_lowercase().contains("replaces"))
    {
        return Err(ReferToError::Replaces);
    }
    let host = uri.host().to_string();
    let ours = host.eq_ignore_ascii_case(scope.domain)
        || uri
            .host_port
            .socket_addr(5060)
            .is_some_and(|addr| scope.our_addrs.contains(&addr));
    if ours {
        let user = unescaped(uri.user.as_deref().ok_or(ReferToError::NoUser)?)?;
        return if (scope.has_extension)(&user) {
            Ok(DialTarget::Extension(user))
        } else if is_dialable_number(&user) {
            Ok(DialTarget::Number(user))
        } else {
            Err(ReferToError::Unknown(printable(&user)))
        };
    }
    if uri.host_port.socket_addr(5060).is_none() {
        return Err(ReferToError::UnreachableHost(printable(&host)));
    }
    // Only user, host and port go on: no parameters, headers or password.
    let bare = Uri {
        password: None,
        params: Params::default(),
        headers: None,
        ..uri
    };
    Ok(DialTarget::SipUri(bare.to_string()))
}

/// `tel:+359 888-123.456;phone-context=…`: the number without visual separators.
fn tel_number(rest: &str) -> Result<DialTarget, ReferToError> {
    let number: String = rest
        .split(';')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !matches!(c, '-' | '.' | '(' | ')' | ' '))
        .collect();
    if number.is_empty() {
        return Err(ReferToError::NoUser);
    }
    if is_dialable_number(&number) {
        Ok(DialTarget::Number(number))
    } else {
        Err(ReferToError::Unknown(printable(&number)))
    }
}

/// A user part with its escapes undone (`%2B359…` is `+359…`; phones escape what the
/// user-part grammar reserves). Escapes that do not make UTF-8 are unreadable.
fn unescaped(user: &str) -> Result<String, ReferToError> {
    percent_encoding::percent_decode_str(user)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| ReferToError::Unparsable)
}

/// A peer's text fit for a Warning header and a log line.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\')
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Result<DialTarget, ReferToError> {
        let ours: Vec<SocketAddr> = vec!["127.0.0.1:5060".parse().unwrap()];
        let has_extension = |e: &str| e == "102";
        parse_refer_to(
            value,
            &ReferScope {
                domain: "demo",
                our_addrs: &ours,
                has_extension: &has_extension,
            },
        )
    }

    #[test]
    fn our_domain_or_address_names_an_extension_or_a_number() {
        assert_eq!(
            parse("<sip:102@demo>"),
            Ok(DialTarget::Extension("102".into()))
        );
        assert_eq!(
            parse("\"Bob\" <sip:102@DEMO;transport=udp>;x=1"),
            Ok(DialTarget::Extension("102".into()))
        );
        assert_eq!(
            parse("sip:102@127.0.0.1"),
            Ok(DialTarget::Extension("102".into())),
            "our address, port 5060 by default"
        );
        assert_eq!(
            parse("<sip:+359888123456@demo>"),
            Ok(DialTarget::Number("+359888123456".into()))
        );
        assert_eq!(
            parse("<sip:alice@demo>"),
            Err(ReferToError::Unknown("alice".into()))
        );
        assert_eq!(parse("<sip:demo>"), Err(ReferToError::NoUser));
        assert_eq!(
            parse("<sip:%2B359888123456@demo>"),
            Ok(DialTarget::Number("+359888123456".into())),
            "escaped user parts are read unescaped"
        );
        assert_eq!(
            parse("<sip:%31%30%32@demo>"),
            Ok(DialTarget::Extension("102".into()))
        );
        assert_eq!(
            parse("<sip:%FF%FE@demo>"),
            Err(ReferToError::Unparsable),
            "escapes that are not UTF-8"
        );
        assert_eq!(
            parse("<sip:alice@demo>").unwrap_err().status(),
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn another_ip_host_is_dialled_as_a_bare_sip_uri() {
        assert_eq!(
            parse("<sip:third@127.0.0.1:5072;transport=udp?Subject=hi>"),
            Ok(DialTarget::SipUri("sip:third@127.0.0.1:5072".into())),
            "parameters and headers do not go on"
        );
        assert_eq!(
            parse("<sip:third:secret@192.0.2.7>"),
            Ok(DialTarget::SipUri("sip:third@192.0.2.7".into()))
        );
        assert_eq!(
            parse("<sip:bob@example.org>"),
            Err(ReferToError::UnreachableHost("example.org".into()))
        );
    }

    #[test]
    fn tel_uris_are_numbers() {
        assert_eq!(
            parse("<tel:+359-888-123.456>"),
            Ok(DialTarget::Number("+359888123456".into()))
        );
        assert_eq!(
            parse("tel:0888123456;phone-context=+359"),
            Ok(DialTarget::Number("0888123456".into()))
        );
        assert!(matches!(
            parse("<tel:pizza>"),
            Err(ReferToError::Unknown(_))
        ));
        assert_eq!(parse("<tel:>"), Err(ReferToError::NoUser));
    }

    #[test]
    fn other_schemes_garbage_and_replaces_are_400() {
        let refused = parse("<http://evil.example/x>").unwrap_err();
        assert_eq!(refused, ReferToError::UnsupportedScheme("http".into()));
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            parse("<mailto:a@b>"),
            Err(ReferToError::UnsupportedScheme("mailto".into()))
        );
        assert_eq!(parse("<sip:102@demo"), Err(ReferToError::Unparsable));
        assert_eq!(parse("no scheme"), Err(ReferToError::Unparsable));
        assert_eq!(parse("<sip:@demo>"), Err(ReferToError::Unparsable));
        assert_eq!(
            parse("<sip:bob@192.0.2.7?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>"),
            Err(ReferToError::Replaces)
        );
        let long = format!("<sip:{}@demo>", "1".repeat(MAX_REFER_TO));
        assert_eq!(parse(&long), Err(ReferToError::TooLong));
        for refused in [
            ReferToError::Unparsable,
            ReferToError::Replaces,
            ReferToError::TooLong,
        ] {
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        }
    }
}

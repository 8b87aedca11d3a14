//! The NOTIFYs of a REFER's implicit subscription (RFC 3515 §2.4.4): each
//! carries the transfer's progress as a `message/sipfrag` status line
//! (RFC 3420), `100 Trying` while the target rings (subscription active), then
//! the INVITE's final status (subscription terminated). Sans-IO.

use bytes::Bytes;
use wasmphony_sip::dialog::Dialog;
use wasmphony_sip::message::{HeaderName, Method, Request, StatusCode};

/// Content type of a NOTIFY's body.
pub(crate) const SIPFRAG_CONTENT_TYPE: &str = "message/sipfrag;version=2.0";
/// How long the subscription lasts while the target rings (it ends with the
/// final NOTIFY, sooner: transfers ring at most 30 s).
pub(crate) const REFER_SUBSCRIPTION_SECONDS: u32 = 60;

/// The sipfrag body for `status`: its status line alone.
pub(crate) fn sipfrag(status: StatusCode) -> String {
    format!(
        "SIP/2.0 {} {}\r\n",
        status.as_u16(),
        status.default_reason()
    )
}

/// The Subscription-State for a NOTIFY reporting `status`: active while
/// provisional, terminated once final (`noresource`: nothing more will come).
pub(crate) fn subscription_state(status: StatusCode) -> String {
    if status.is_provisional() {
        format!("active;expires={REFER_SUBSCRIPTION_SECONDS}")
    } else {
        "terminated;reason=noresource".to_string()
    }
}

/// The NOTIFY, in the referrer's `dialog`, reporting `status` for the REFER
/// whose CSeq was `refer_cseq` (its `id`, RFC 3515 §2.4.6).
pub(crate) fn refer_notify(dialog: &mut Dialog, refer_cseq: u32, status: StatusCode) -> Request {
    let mut notify = dialog.new_request(Method::Notify);
    notify
        .head
        .headers
        .set(HeaderName::Event, format!("refer;id={refer_cseq}"));
    notify.head.headers.set(
        HeaderName::Other("Subscription-State".into()),
        subscription_state(status),
    );
    notify
        .head
        .headers
        .set(HeaderName::Contact, format!("<{}>", dialog.local_contact));
    notify.set_body(SIPFRAG_CONTENT_TYPE, Bytes::from(sipfrag(status)));
    notify
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmphony_sip::message::{CallId, NameAddr, Response, Uri};

    /// A UAC dialog as the one we hold with an agent we rang.
    fn dialog() -> Dialog {
        let mut from = NameAddr::new(Uri::parse("sip:caller@127.0.0.1:5060").unwrap());
        from.set_tag("ours");
        let mut invite = Request::new(
            Method::Invite,
            Uri::parse("sip:agent@127.0.0.1:5070").unwrap(),
            from,
            NameAddr::new(Uri::parse("sip:agent@127.0.0.1:5070").unwrap()),
            CallId("c1".into()),
            1,
        );
        invite
            .head
            .headers
            .set(HeaderName::Contact, "<sip:caller@127.0.0.1:5060>");
        let mut ok = wasmphony_sip::message::response_to(&invite, StatusCode::OK);
        ok.head.to.set_tag("theirs");
        ok.head
            .headers
            .set(HeaderName::Contact, "<sip:agent@127.0.0.1:5070>");
        let ok: Response = ok;
        Dialog::as_uac(&invite, &ok).unwrap()
    }

    /// The UAS dialog we hold with a phone that called (a direct call's caller).
    fn server_dialog() -> Dialog {
        let mut from = NameAddr::new(Uri::parse("sip:101@demo").unwrap());
        from.set_tag("phone");
        let mut invite = Request::new(
            Method::Invite,
            Uri::parse("sip:+35924000222@demo").unwrap(),
            from,
            NameAddr::new(Uri::parse("sip:+35924000222@demo").unwrap()),
            CallId("c2".into()),
            2,
        );
        invite
            .head
            .headers
            .set(HeaderName::Contact, "<sip:101@127.0.0.1:5072>");
        let ours = Uri::parse("sip:+35924000222@127.0.0.1:5060").unwrap();
        Dialog::as_uas(&invite, "ours", ours).unwrap()
    }

    #[test]
    fn a_caller_is_notified_in_our_server_dialog() {
        let mut dialog = server_dialog();
        let notify = refer_notify(&mut dialog, 3, StatusCode::TRYING);
        assert_eq!(
            notify.uri.to_string(),
            "sip:101@127.0.0.1:5072",
            "the phone's Contact"
        );
        assert_eq!(notify.head.call_id.0, "c2");
        assert_eq!(notify.head.from.tag(), Some("ours"));
        assert_eq!(notify.head.to.tag(), Some("phone"));
        assert_eq!(
            notify.head.headers.get(&HeaderName::Event),
            Some("refer;id=3")
        );
        assert_eq!(
            notify.head.headers.get(&HeaderName::Contact),
            Some("<sip:+35924000222@127.0.0.1:5060>")
        );
        let last = refer_notify(&mut dialog, 3, StatusCode::OK);
        assert!(
            last.head.cseq.seq > notify.head.cseq.seq,
            "our own CSeq space"
        );
        assert_eq!(&last.body[..], b"SIP/2.0 200 OK\r\n");
    }

    #[test]
    fn sipfrag_is_one_status_line() {
        assert_eq!(sipfrag(StatusCode::TRYING), "SIP/2.0 100 Trying\r\n");
        assert_eq!(sipfrag(StatusCode::OK), "SIP/2.0 200 OK\r\n");
        assert_eq!(sipfrag(StatusCode::BUSY_HERE), "SIP/2.0 486 Busy Here\r\n");
        assert_eq!(
            sipfrag(StatusCode::new(480).unwrap()),
            "SIP/2.0 480 Temporarily Unavailable\r\n"
        );
    }

    #[test]
    fn notifies_are_in_dialog_active_then_terminated() {
        let mut dialog = dialog();
        let first = refer_notify(&mut dialog, 2, StatusCode::TRYING);
        assert_eq!(first.method, Method::Notify);
        assert_eq!(first.uri.to_string(), "sip:agent@127.0.0.1:5070");
        assert_eq!(first.head.call_id.0, "c1");
        assert_eq!(first.head.from.tag(), Some("ours"));
        assert_eq!(first.head.to.tag(), Some("theirs"));
        assert_eq!(
            first.head.headers.get(&HeaderName::Event),
            Some("refer;id=2")
        );
        assert_eq!(
            first
                .head
                .headers
                .get(&HeaderName::Other("Subscription-State".into())),
            Some("active;expires=60")
        );
        assert_eq!(first.head.content_type(), Some(SIPFRAG_CONTENT_TYPE));
        assert_eq!(&first.body[..], b"SIP/2.0 100 Trying\r\n");

        let last = refer_notify(&mut dialog, 2, StatusCode::BUSY_HERE);
        assert!(last.head.cseq.seq > first.head.cseq.seq, "next CSeq");
        assert_eq!(
            last.head
                .headers
                .get(&HeaderName::Other("Subscription-State".into())),
            Some("terminated;reason=noresource")
        );
        assert_eq!(&last.body[..], b"SIP/2.0 486 Busy Here\r\n");
        let text = String::from_utf8(last.to_bytes().to_vec()).unwrap();
        assert!(
            text.starts_with("NOTIFY sip:agent@127.0.0.1:5070 SIP/2.0\r\n"),
            "{text}"
        );
    }
}

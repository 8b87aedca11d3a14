//! Header names (with compact forms) and the list of non-core headers.

use std::fmt;

macro_rules! header_names {
    ($($variant:ident = $name:literal $(, $compact:literal)?;)*) => {
        /// A header name. Known names are normalised to their canonical spelling;
        /// compact forms (`v`, `f`, `t`, `i`, `m`, `l`, `c`, ...) map to the full name.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum HeaderName {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )*
            /// An unknown header, spelled as received.
            Other(Box<str>),
        }

        impl HeaderName {
            /// Parses a header name (case-insensitive, compact forms understood).
            pub fn parse(name: &str) -> HeaderName {
                $(
                    if name.eq_ignore_ascii_case($name) $(|| name.eq_ignore_ascii_case($compact))? {
                        return HeaderName::$variant;
                    }
                )*
                HeaderName::Other(name.into())
            }

            /// Canonical spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $(HeaderName::$variant => $name,)*
                    HeaderName::Other(s) => s,
                }
            }
        }
    };
}

header_names! {
    Via = "Via", "v";
    From = "From", "f";
    To = "To", "t";
    CallId = "Call-ID", "i";
    CSeq = "CSeq";
    MaxForwards = "Max-Forwards";
    ContentLength = "Content-Length", "l";
    ContentType = "Content-Type", "c";
    Contact = "Contact", "m";
    Route = "Route";
    RecordRoute = "Record-Route";
    Expires = "Expires";
    Authorization = "Authorization";
    WwwAuthenticate = "WWW-Authenticate";
    ProxyAuthorization = "Proxy-Authorization";
    ProxyAuthenticate = "Proxy-Authenticate";
    RetryAfter = "Retry-After";
    UserAgent = "User-Agent";
    Server = "Server";
    Allow = "Allow";
    Supported = "Supported", "k";
    Require = "Require";
    Subject = "Subject", "s";
    Event = "Event", "o";
    ReferTo = "Refer-To", "r";
    ReferredBy = "Referred-By", "b";
    ContentEncoding = "Content-Encoding", "e";
    AllowEvents = "Allow-Events", "u";
    SessionExpires = "Session-Expires", "x";
    MinExpires = "Min-Expires";
    Date = "Date";
}

impl HeaderName {
    /// Headers that are parsed into typed fields of [`super::Head`] and never live in [`Headers`].
    pub fn is_core(&self) -> bool {
        matches!(
            self,
            HeaderName::Via
                | HeaderName::From
                | HeaderName::To
                | HeaderName::CallId
                | HeaderName::CSeq
                | HeaderName::MaxForwards
                | HeaderName::ContentLength
        )
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header line (unfolded value, surrounding whitespace trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Name.
    pub name: HeaderName,
    /// Raw value.
    pub value: String,
}

/// The non-core headers of a message, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    /// First value of `name`.
    pub fn get(&self, name: &HeaderName) -> Option<&str> {
        self.0
            .iter()
            .find(|h| &h.name == name)
            .map(|h| h.value.as_str())
    }

    /// All values of `name`, each header line in order.
    pub fn get_all<'a>(&'a self, name: &'a HeaderName) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |h| &h.name == name)
            .map(|h| h.value.as_str())
    }

    /// Appends a header. Core headers are refused (they are typed fields of the head).
    pub fn push(&mut self, name: HeaderName, value: impl Into<String>) {
        debug_assert!(!name.is_core(), "core headers are typed fields of Head");
        if !name.is_core() {
            self.0.push(Header {
                name,
                value: value.into(),
            });
        }
    }

    /// Replaces every `name` header with one value.
    pub fn set(&mut self, name: HeaderName, value: impl Into<String>) {
        self.remove(&name);
        self.push(name, value);
    }

    /// Removes every `name` header.
    pub fn remove(&mut self, name: &HeaderName) {
        self.0.retain(|h| &h.name != name);
    }
}

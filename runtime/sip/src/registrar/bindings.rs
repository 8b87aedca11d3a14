//! Bindings: contacts with expiry per address-of-record.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::message::{HeaderName, NameAddr, Request, Uri, split_outside_quotes};

/// Limits and defaults of a registrar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistrarConfig {
    /// Expiry used when a REGISTER names none.
    pub default_expires: u32,
    /// Shortest accepted non-zero expiry (shorter gets 423 with Min-Expires).
    pub min_expires: u32,
    /// Longer requested expiries are cut to this.
    pub max_expires: u32,
    /// Most contacts one address-of-record may hold.
    pub max_contacts_per_aor: usize,
    /// Most addresses-of-record held at once (bounds memory against a flood of users).
    pub max_aors: usize,
}

/// Default expiry (RFC 3261 suggests one hour).
pub const DEFAULT_EXPIRES: u32 = 3600;
/// Default minimum expiry.
pub const DEFAULT_MIN_EXPIRES: u32 = 60;
/// Default maximum expiry.
pub const DEFAULT_MAX_EXPIRES: u32 = 7200;
/// Default contacts per address-of-record (a desk phone, a softphone, a mobile app, spare).
pub const DEFAULT_MAX_CONTACTS: usize = 10;
/// Default number of addresses-of-record.
pub const DEFAULT_MAX_AORS: usize = 100_000;

impl Default for RegistrarConfig {
    fn default() -> RegistrarConfig {
        RegistrarConfig {
            default_expires: DEFAULT_EXPIRES,
            min_expires: DEFAULT_MIN_EXPIRES,
            max_expires: DEFAULT_MAX_EXPIRES,
            max_contacts_per_aor: DEFAULT_MAX_CONTACTS,
            max_aors: DEFAULT_MAX_AORS,
        }
    }
}

/// Why a REGISTER was refused; each maps to a status code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegistrarError {
    /// A Contact header could not be parsed, or `*` was mixed with others or a non-zero expiry.
    #[error("malformed Contact")]
    BadContact,
    /// The requested expiry is below the minimum.
    #[error("expiry below the {min_expires} s minimum")]
    IntervalTooBrief {
        /// The minimum to advertise in Min-Expires.
        min_expires: u32,
    },
    /// Same Call-ID with a CSeq not above the stored one (an old or replayed request).
    #[error("out-of-order REGISTER")]
    OutOfOrder,
    /// Too many contacts or addresses-of-record.
    #[error("registrar capacity reached")]
    Full,
}

/// One contact bound to an address-of-record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The contact URI.
    pub contact: Uri,
    /// When it lapses.
    pub expires_at: Instant,
    /// Call-ID of the REGISTER that made it.
    pub call_id: String,
    /// CSeq of that REGISTER.
    pub cseq: u32,
    /// Where the REGISTER came from (reach the phone there when it is behind NAT).
    pub source: SocketAddr,
}

impl Binding {
    /// Seconds left at `now` (rounded up, so a live binding never shows 0).
    pub fn remaining_secs(&self, now: Instant) -> u32 {
        let left = self.expires_at.saturating_duration_since(now);
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        u32::try_from(secs).unwrap_or(u32::MAX)
    }
}

/// The address-of-record of a REGISTER: the To URI as `user@host` (host lower-cased).
pub fn aor_of(request: &Request) -> String {
    let uri = &request.head.to.uri;
    let host = uri.host().to_string().to_ascii_lowercase();
    match &uri.user {
        Some(u) => format!("{u}@{host}"),
        None => host,
    }
}

/// The bindings of every address-of-record.
#[derive(Debug, Default)]
pub struct Registrar {
    config: RegistrarConfig,
    bindings: HashMap<String, Vec<Binding>>,
}

/// A parsed Contact entry of a REGISTER.
enum ContactEntry {
    Wildcard,
    Uri(Uri, Option<u32>),
}

fn contacts(request: &Request) -> Result<Vec<ContactEntry>, RegistrarError> {
    let mut out = Vec::new();
    for value in request.head.headers.get_all(&HeaderName::Contact) {
        for entry in split_outside_quotes(value, b',') {
            let entry = entry.trim();
            if entry == "*" {
                out.push(ContactEntry::Wildcard);
                continue;
            }
            let na = NameAddr::parse(entry).map_err(|_| RegistrarError::BadContact)?;
            let expires = match na.params.value("expires") {
                Some(e) => Some(e.parse::<u32>().map_err(|_| RegistrarError::BadContact)?),
                None => None,
            };
            out.push(ContactEntry::Uri(na.uri, expires));
        }
    }
    Ok(out)
}

/// Contacts are the same binding when their URIs match; compared as text, case-insensitive.
fn same_contact(a: &Uri, b: &Uri) -> bool {
    a.to_string().eq_ignore_ascii_case(&b.to_string())
}

impl Registrar {
    /// An empty registrar.
    pub fn new(config: RegistrarConfig) -> Registrar {
        Registrar {
            config,
            bindings: HashMap::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &RegistrarConfig {
        &self.config
    }

    /// Applies a REGISTER for `aor` received from `source` at `now`; returns the bindings
    /// that remain. A REGISTER without Contact only queries.
    pub fn register(
        &mut self,
        aor: &str,
        request: &Request,
        source: SocketAddr,
        now: Instant,
    ) -> Result<Vec<Binding>, RegistrarError> {
        self.purge_aor(aor, now);
        let entries = contacts(request)?;
        let header_expires = request.head.expires();
        let call_id = request.head.call_id.as_str();
        let cseq = request.head.cseq.seq;
        if entries.iter().any(|e| matches!(e, ContactEntry::Wildcard)) {
            if entries.len() != 1 || header_expires != Some(0) {
                return Err(RegistrarError::BadContact);
            }
            if let Some(list) = self.bindings.get(aor)
                && list.iter().any(|b| b.call_id == call_id && b.cseq >= cseq)
            {
                return Err(RegistrarError::OutOfOrder);
            }
            self.bindings.remove(aor);
            return Ok(Vec::new());
        }
        // Validate everything before changing anything (RFC 3261 §10.3: all or nothing).
        let mut changes = Vec::with_capacity(entries.len());
        for entry in entries {
            let ContactEntry::Uri(uri, expires) = entry else {
                continue;
            };
            let expires = expires
                .or(header_expires)
                .unwrap_or(self.config.default_expires);
            if expires != 0 && expires < self.config.min_expires {
                return Err(RegistrarError::IntervalTooBrief {
                    min_expires: self.config.min_expires,
                });
            }
            if let Some(old) = self
                .bindings
                .get(aor)
                .and_then(|l| l.iter().find(|b| same_contact(&b.contact, &uri)))
                && old.call_id == call_id
                && old.cseq >= cseq
            {
                return Err(RegistrarError::OutOfOrder);
            }
            changes.push((uri, expires.min(self.config.max_expires)));
        }
        if !self.bindings.contains_key(aor)
            && !changes.is_empty()
            && self.bindings.len() >= self.config.max_aors
        {
            return Err(RegistrarError::Full);
        }
        let mut list = self.bindings.get(aor).cloned().unwrap_or_default();
        for (uri, expires) in changes {
            list.retain(|b| !same_contact(&b.contact, &uri));
            if expires > 0 {
                list.push(Binding {
                    contact: uri,
                    expires_at: now + Duration::from_secs(u64::from(expires)),
                    call_id: call_id.to_owned(),
                    cseq,
                    source,
                });
            }
        }
        if list.len() > self.config.max_contacts_per_aor {
            return Err(RegistrarError::Full);
        }
        if list.is_empty() {
            self.bindings.remove(aor);
        } else {
            self.bindings.insert(aor.to_owned(), list.clone());
        }
        Ok(list)
    }

    /// Live bindings of `aor` at `now`.
    pub fn lookup(&self, aor: &str, now: Instant) -> Vec<Binding> {
        self.bindings
            .get(aor)
            .map(|l| l.iter().filter(|b| b.expires_at > now).cloned().collect())
            .unwrap_or_default()
    }

    /// Drops every lapsed binding (call periodically).
    pub fn purge(&mut self, now: Instant) {
        self.bindings.retain(|_, list| {
            list.retain(|b| b.expires_at > now);
            !list.is_empty()
        });
    }

    /// Number of addresses-of-record with at least one binding (lapsed ones may count until
    /// the next [`purge`](Self::purge)).
    pub fn len(&self) -> usize {
        self.bindings.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    fn purge_aor(&mut self, aor: &str, now: Instant) {
        if let Some(list) = self.bindings.get_mut(aor) {
            list.retain(|b| b.expires_at > now);
            if list.is_empty() {
                self.bindings.remove(aor);
            }
        }
    }
}

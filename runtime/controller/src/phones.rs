//! Staff phones: each tenant's SIP accounts ([`PhoneBook`], from the route table) and
//! the registrations of its phones ([`Phones`]), so REGISTER is answered with digest
//! authentication and a scenario's dial to an extension rings that user's phones.
//!
//! A tenant's SIP domain (and digest realm) is its slug: a phone registers
//! `sip:101@demo` with the server as its outbound proxy.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};
use wasmphony_sip::auth::{AuthMode, AuthOutcome, Credentials, DigestAlgorithm, DigestServer};
use wasmphony_sip::message::{Request, Response, Uri};
use wasmphony_sip::registrar::{Registrar, RegistrarConfig, RegistrarService};

/// The SIP accounts of one tenant: user name -> secret, extension -> user names.
#[derive(Debug, Clone, Default)]
pub struct PhoneBook {
    secrets: HashMap<String, String>,
    extensions: HashMap<String, Vec<String>>,
}

impl PhoneBook {
    /// An empty book (no phone can register).
    pub fn new() -> Self {
        Self::default()
    }

    /// A phone of `extension` registering as `username` with `secret`.
    pub fn add_phone(&mut self, extension: &str, username: &str, secret: &str) {
        self.secrets
            .insert(username.to_string(), secret.to_string());
        let phones = self.extensions.entry(extension.to_string()).or_default();
        if !phones.iter().any(|p| p == username) {
            phones.push(username.to_string());
        }
    }

    /// The user names of `extension`'s phones.
    pub fn phones_of(&self, extension: &str) -> &[String] {
        self.extensions.get(extension).map_or(&[], Vec::as_slice)
    }

    /// The extension whose phone registers as `username`.
    pub fn extension_of(&self, username: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(_, phones)| phones.iter().any(|p| p == username))
            .map(|(extension, _)| extension.as_str())
    }

    /// Does `extension` have phones here?
    pub fn has_extension(&self, extension: &str) -> bool {
        self.extensions.contains_key(extension)
    }
}

impl Credentials for PhoneBook {
    fn password(&self, _realm: &str, username: &str) -> Option<String> {
        self.secrets.get(username).cloned()
    }
}

/// Where a registered phone is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PhoneContact {
    /// The Contact it registered (Request-URI of an INVITE to it).
    pub(crate) uri: Uri,
    /// Where its REGISTER came from: behind NAT, the only address that reaches it.
    pub(crate) source: SocketAddr,
}

/// Why a REGISTER got no registrar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RegisterRefusal {
    /// The domain is no tenant's, or the tenant has no phones.
    UnknownDomain,
    /// The OS gave no randomness for the nonce key.
    NoEntropy,
}

/// A staff phone that proved who it is on an INVITE.
#[derive(Debug, Clone)]
pub(crate) struct PhoneCaller {
    /// Its SIP user name.
    pub(crate) username: String,
    /// Its user's extension (the caller id on internal calls).
    pub(crate) extension: String,
    /// The tenant's phone book, for resolving what it dialled.
    pub(crate) book: Arc<PhoneBook>,
}

/// What an INVITE from a tenant's phone gets.
pub(crate) enum InviteAuth {
    /// Authenticated.
    Caller(PhoneCaller),
    /// Send this `407` (no, wrong or stale credentials; unknown users alike).
    Challenge(Box<Response>),
    /// No phone book for the tenant, or no randomness for a nonce.
    Refused(RegisterRefusal),
}

/// Every tenant's phone books and registrations. One per controller.
pub(crate) struct Phones {
    algorithms: Vec<DigestAlgorithm>,
    books: RwLock<HashMap<String, Arc<PhoneBook>>>,
    registrars: Mutex<HashMap<String, RegistrarService>>,
    /// Per tenant, the `407` verifier of phones' INVITEs (proxy mode: phones answer
    /// with Proxy-Authorization, as they do towards an outbound proxy).
    invite_auth: Mutex<HashMap<String, DigestServer>>,
}

impl Phones {
    /// No books yet; challenges offer `algorithms` (MD5 when empty).
    pub(crate) fn new(algorithms: Vec<DigestAlgorithm>) -> Self {
        let algorithms = if algorithms.is_empty() {
            vec![DigestAlgorithm::Md5]
        } else {
            algorithms
        };
        Phones {
            algorithms,
            books: RwLock::default(),
            registrars: Mutex::default(),
            invite_auth: Mutex::default(),
        }
    }

    /// Replaces the phone books (registrations stay; a removed account's phone cannot
    /// re-register and is no longer dialled).
    pub(crate) fn set_books(&self, books: HashMap<String, Arc<PhoneBook>>) {
        *self.books.write() = books;
    }

    pub(crate) fn book(&self, tenant: &str) -> Option<Arc<PhoneBook>> {
        self.books.read().get(tenant).cloned()
    }

    /// A digest verifier for `tenant`'s realm with its own random nonce key.
    fn verifier(
        &self,
        tenant: &str,
        mode: AuthMode,
        now: Instant,
    ) -> Result<DigestServer, RegisterRefusal> {
        DigestServer::with_random_secret(tenant, self.algorithms.clone(), mode, now)
            .map_err(|_| RegisterRefusal::NoEntropy)
    }

    /// The answer to a REGISTER for `tenant`'s domain.
    pub(crate) fn register(
        &self,
        tenant: &str,
        request: &Request,
        source: SocketAddr,
        to_tag: &str,
        now: Instant,
    ) -> Result<Response, RegisterRefusal> {
        let book = self.book(tenant).ok_or(RegisterRefusal::UnknownDomain)?;
        let mut registrars = self.registrars.lock();
        let service = match registrars.entry(tenant.to_string()) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(first) => {
                let auth = self.verifier(tenant, AuthMode::Www, now)?;
                first.insert(RegistrarService::new(
                    Registrar::new(RegistrarConfig::default()),
                    auth,
                ))
            }
        };
        Ok(service.handle(request, source, book.as_ref(), to_tag, now))
    }

    /// Checks an INVITE from one of `tenant`'s phones. Nothing a phone dials
    /// (another extension, a number through a trunk) is reached without this.
    pub(crate) fn authenticate_invite(
        &self,
        tenant: &str,
        request: &Request,
        now: Instant,
    ) -> InviteAuth {
        let Some(book) = self.book(tenant) else {
            return InviteAuth::Refused(RegisterRefusal::UnknownDomain);
        };
        let mut verifiers = self.invite_auth.lock();
        let verifier = match verifiers.entry(tenant.to_string()) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(first) => match self.verifier(tenant, AuthMode::Proxy, now) {
                Ok(server) => first.insert(server),
                Err(refusal) => return InviteAuth::Refused(refusal),
            },
        };
        match verifier.verify(request, book.as_ref(), now) {
            AuthOutcome::Authenticated { username } => match book.extension_of(&username) {
                Some(extension) => InviteAuth::Caller(PhoneCaller {
                    extension: extension.to_string(),
                    username,
                    book: book.clone(),
                }),
                None => InviteAuth::Challenge(Box::new(verifier.challenge(request, false, now))),
            },
            AuthOutcome::Challenge { stale } => {
                InviteAuth::Challenge(Box::new(verifier.challenge(request, stale, now)))
            }
        }
    }

    /// Whether `tenant` has the extension `extension` (registered or not).
    pub(crate) fn has_extension(&self, tenant: &str, extension: &str) -> bool {
        self.book(tenant)
            .is_some_and(|book| book.has_extension(extension))
    }

    /// Where `extension`'s registered phones are reached now; empty when the extension
    /// has no phone or none is registered.
    pub(crate) fn contacts(
        &self,
        tenant: &str,
        extension: &str,
        now: Instant,
    ) -> Vec<PhoneContact> {
        let Some(book) = self.book(tenant) else {
            return Vec::new();
        };
        let registrars = self.registrars.lock();
        let Some(service) = registrars.get(tenant) else {
            return Vec::new();
        };
        book.phones_of(extension)
            .iter()
            .flat_map(|username| {
                let aor = format!("{username}@{}", tenant.to_ascii_lowercase());
                service.registrar.lookup(&aor, now)
            })
            .map(|binding| PhoneContact {
                uri: binding.contact,
                source: binding.source,
            })
            .collect()
    }
}

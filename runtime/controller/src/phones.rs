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
use wasmphony_sip::auth::{AuthMode, Credentials, DigestAlgorithm, DigestServer};
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

/// Every tenant's phone books and registrations. One per controller.
pub(crate) struct Phones {
    algorithms: Vec<DigestAlgorithm>,
    books: RwLock<HashMap<String, Arc<PhoneBook>>>,
    registrars: Mutex<HashMap<String, RegistrarService>>,
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
        }
    }

    /// Replaces the phone books (registrations stay; a removed account's phone cannot
    /// re-register and is no longer dialled).
    pub(crate) fn set_books(&self, books: HashMap<String, Arc<PhoneBook>>) {
        *self.books.write() = books;
    }

    fn book(&self, tenant: &str) -> Option<Arc<PhoneBook>> {
        self.books.read().get(tenant).cloned()
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
                let auth = DigestServer::with_random_secret(
                    tenant,
                    self.algorithms.clone(),
                    AuthMode::Www,
                    now,
                )
                .map_err(|_| RegisterRefusal::NoEntropy)?;
                first.insert(RegistrarService::new(
                    Registrar::new(RegistrarConfig::default()),
                    auth,
                ))
            }
        };
        Ok(service.handle(request, source, book.as_ref(), to_tag, now))
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

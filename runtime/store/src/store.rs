//! The connection pool, backend selection, SQLite durability settings and migrations.
//!
//! Why sqlx's `Any` driver rather than an enum over a `SqlitePool` and a `PgPool`: with an
//! enum every query would be written, bound and decoded twice (the query types are generic
//! over the database), and the two copies would drift. `Any` runs one query text on both,
//! because both accept `$1` placeholders, `RETURNING` and `ON CONFLICT`. Its limits are
//! accepted deliberately: it only carries integers, floats, text, bytes and booleans, so
//! times are Unix milliseconds in BIGINT, JSON is TEXT, ids are integers or text, there are
//! no boolean columns (SQLite would return integers) and aggregates are cast to BIGINT
//! (PostgreSQL's `SUM` yields NUMERIC, which `Any` cannot decode). The few statements that
//! differ per dialect branch on [`Store::backend`].

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor, Row};

use crate::error::{Result, StoreError};

/// Connections kept by the pool. SQLite serialises writers anyway; a few connections let
/// readers (reports, API lists) run beside the writer in WAL mode.
pub const MAX_CONNECTIONS: u32 = 8;

/// How long SQLite waits for a competing writer before failing with "database is locked".
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The node name of a [`Store`] until [`Store::for_node`] names it: right for a single node.
pub const DEFAULT_NODE: &str = "local";

/// How long `connect` and every pool checkout wait for a connection.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded, one file, WAL mode: the default for a single node.
    Sqlite,
    /// Shared PostgreSQL for multi-node deployments.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else {
            Err(StoreError::UnsupportedUrl(redact(url)))
        }
    }
}

/// Per-connection SQLite settings, applied to every pooled connection.
///
/// * `journal_mode=WAL`: readers never block the writer (reports run during calls).
/// * `synchronous=FULL`: with WAL, NORMAL survives a process crash but may lose the last
///   commits on power loss or an OS crash; a completed call's CDR must survive both. The
///   price, measured here with `examples/cdr_write_rate` (debug build, busy 2-core box):
///   about 120-160 calls/s opened and finished (two commits each) with FULL against about
///   400 with NORMAL; a node seldom finishes more than a few dozen calls per second.
/// * `foreign_keys=ON`: SQLite leaves them off by default.
/// * `busy_timeout`: wait for a competing writer instead of failing at once.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON;";

/// The storage layer: one pool over SQLite or PostgreSQL and the typed repository methods
/// (in the other modules of this crate). Cheap to clone; clones share the pool.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    node: Arc<str>,
}

impl Store {
    /// Connects to `url` and applies pending migrations.
    ///
    /// * `sqlite:/path/to/file.db` (or `sqlite://relative.db`): creates the file if missing;
    /// * `postgres://user@host:port/db` (or `postgresql://`): the database must exist.
    pub async fn connect(url: &str) -> Result<Store> {
        let backend = Backend::from_url(url)?;
        if backend == Backend::Sqlite && url.contains(":memory:") {
            // Every pooled connection would open its own empty database.
            return Err(StoreError::UnsupportedUrl(
                "in-memory SQLite (use a file; tests use a temporary one)".into(),
            ));
        }
        install_default_drivers();
        let pool = match backend {
            Backend::Sqlite => {
                let busy_ms = SQLITE_BUSY_TIMEOUT.as_millis();
                AnyPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .after_connect(move |connection, _meta| {
                        Box::pin(async move {
                            connection.execute(SQLITE_PRAGMAS).await?;
                            connection
                                .execute(format!("PRAGMA busy_timeout = {busy_ms};").as_str())
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(&sqlite_url_creating_file(url))
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(MAX_CONNECTIONS)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await?
            }
        };
        let store = Store {
            pool,
            backend,
            node: Arc::from(DEFAULT_NODE),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// A handle on the same pool for the node `node`: the calls it opens are stamped with
    /// that name, and its [`Store::close_interrupted`] closes only them, so a restarting
    /// node never closes the live calls of the other nodes sharing a PostgreSQL database.
    pub fn for_node(&self, node: &str) -> Store {
        Store {
            pool: self.pool.clone(),
            backend: self.backend,
            node: Arc::from(node),
        }
    }

    /// The node name stamped on the calls this handle opens.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for checked-out connections to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a transaction that reads before it writes waits for
    /// [`SQLITE_BUSY_TIMEOUT`] instead of failing with "database is locked" when another
    /// writer committed in between.
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        let statement = match self.backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        Ok(self.pool.begin_with(statement).await?)
    }

    async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Reads one SQLite pragma (for tests and diagnostics); `None` on PostgreSQL.
    pub async fn sqlite_pragma(&self, name: &str) -> Result<Option<String>> {
        if self.backend != Backend::Sqlite
            || !name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            return Ok(None);
        }
        let row = sqlx::query(&format!("SELECT * FROM pragma_{name}()"))
            .fetch_one(&self.pool)
            .await?;
        // The value is text for some pragmas (journal_mode) and an integer for others.
        let value = match row.try_get::<String, _>(0) {
            Ok(text) => text,
            Err(_) => row.try_get::<i64, _>(0)?.to_string(),
        };
        Ok(Some(value))
    }
}

/// Adds `mode=rwc` (create if missing) unless the URL already chose a mode.
fn sqlite_url_creating_file(url: &str) -> String {
    if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// Keeps passwords out of error messages.
fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => url.to_owned(),
    }
}

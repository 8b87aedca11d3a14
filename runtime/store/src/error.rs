//! The store's error type.

/// Everything a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no backend we support (`sqlite:` or `postgres://`).
    #[error("unsupported database URL (expected sqlite: or postgres://): {0}")]
    UnsupportedUrl(String),
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The object does not exist for this tenant (or at all).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was violated (for example a second number with the same digits).
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The input is not acceptable (the message says why).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A stored JSON column could not be read back or a value could not be encoded.
    #[error("JSON column: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading or writing CSV failed.
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
    /// Writing an export failed.
    #[error("I/O: {0}")]
    Io(#[source] std::io::Error),
    /// A stored text value is not one the code knows (for example an unknown role).
    #[error("stored value {value:?} is not a valid {what}")]
    Corrupt {
        /// The kind of value.
        what: &'static str,
        /// What the row held.
        value: String,
    },
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
    }
}

/// Shorthand for results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a unique-constraint violation to [`StoreError::Conflict`], anything else through.
pub(crate) fn conflict_as(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |error| match &error {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(error),
    }
}

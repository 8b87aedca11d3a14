//! Small helpers shared by the repository modules: row access, JSON columns, text enums.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::Result;

/// Reads a column, mapping a decode failure to a store error.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(name)?)
}

/// Reads a JSON-in-TEXT column.
pub(crate) fn json_col<T: DeserializeOwned>(row: &AnyRow, name: &str) -> Result<T> {
    let text: String = row.try_get(name)?;
    Ok(serde_json::from_str(&text)?)
}

/// Encodes a value for a JSON-in-TEXT column.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_string(value)?)
}

/// Defines an enum stored as lower-case text, with `as_str` and a checked `parse`.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// The stored (and serialised) text form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the stored text form.
            pub fn parse(text: &str) -> $crate::error::Result<Self> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::error::StoreError::Corrupt {
                        what: stringify!($name),
                        value: other.to_owned(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

/// A value bound to a query whose text is built at run time (search filters).
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// Collects the `WHERE` conditions and their values of a dynamic query, numbering the
/// `$n` placeholders (the form both backends accept).
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    /// Adds a value and returns its placeholder (`$3`).
    pub(crate) fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// Adds a condition (use placeholders obtained from [`Conditions::bind`]).
    pub(crate) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// The conditions joined with `AND` (never empty: callers always scope by tenant).
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            "TRUE".to_owned()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// Binds every collected value, in order, to `query`.
    pub(crate) fn apply<'q>(
        &self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for value in &self.binds {
            query = match value {
                Bind::Int(int) => query.bind(*int),
                Bind::Text(text) => query.bind(text.clone()),
            };
        }
        query
    }
}

/// The largest page any list method returns, so one request cannot pull a whole table.
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// Which slice of a sorted result to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Page {
    /// How many rows at most (clamped to [`MAX_PAGE_SIZE`]).
    pub limit: u32,
    /// How many rows to skip.
    pub offset: u64,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Page {
        Page { limit, offset: 0 }
    }

    /// The page after this one.
    pub fn next(self) -> Page {
        Page {
            limit: self.limit,
            offset: self.offset.saturating_add(u64::from(self.limit)),
        }
    }

    pub(crate) fn sql(self) -> String {
        format!(
            "LIMIT {} OFFSET {}",
            self.limit.min(MAX_PAGE_SIZE),
            self.offset.min(i64::MAX as u64)
        )
    }
}

impl Default for Page {
    fn default() -> Page {
        Page::first(100)
    }
}

/// Rejects empty or oversized text input with [`crate::StoreError::Invalid`].
pub(crate) fn require_text(what: &str, value: &str, max_len: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(crate::StoreError::Invalid(format!("{what} is empty")));
    }
    if value.len() > max_len {
        return Err(crate::StoreError::Invalid(format!(
            "{what} is longer than {max_len} bytes"
        )));
    }
    Ok(())
}

/// Longest name-like text field (names, kinds, statuses, tags) the store accepts.
pub const MAX_NAME_LEN: usize = 200;

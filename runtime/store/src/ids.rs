//! Typed identifiers and the time type used by every table.

use serde::{Deserialize, Serialize};

macro_rules! integer_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

integer_id!(
    /// A tenant (one customer company on the platform).
    TenantId
);
integer_id!(
    /// A user or agent of a tenant.
    UserId
);
integer_id!(
    /// A route (number -> scenario).
    RouteId
);
integer_id!(
    /// An upstream SIP trunk.
    TrunkId
);
integer_id!(
    /// A stored prompt (audio).
    PromptId
);
integer_id!(
    /// A call queue.
    QueueId
);
integer_id!(
    /// A named component (scenario) of a tenant; its versions hang below it.
    ComponentId
);
integer_id!(
    /// A customer card.
    ContactId
);
integer_id!(
    /// A note on a customer card.
    NoteId
);
integer_id!(
    /// A callback task (a missed call to return).
    CallbackTaskId
);
integer_id!(
    /// A tenant record (order, booking, trip).
    RecordId
);
integer_id!(
    /// An API key of a tenant.
    ApiKeyId
);
integer_id!(
    /// A user's login session.
    UserSessionId
);

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name(value.to_owned())
            }
        }
    };
}

text_id!(
    /// A call; chosen by the call controller (unique across the platform, e.g. a UUID).
    CallId
);
text_id!(
    /// A recording; chosen by the recorder (unique across the platform).
    RecordingId
);

/// A point in time as milliseconds since the Unix epoch (UTC). Every time column uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixMs(pub i64);

impl UnixMs {
    /// The current wall-clock time. Store methods whose result depends on time take `now`
    /// as a parameter instead, so tests control it.
    pub fn now() -> UnixMs {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        UnixMs(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }

    /// This time shifted by `millis` (negative to go back).
    pub fn plus_ms(self, millis: i64) -> UnixMs {
        UnixMs(self.0.saturating_add(millis))
    }
}

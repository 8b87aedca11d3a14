//! The API's error type and its JSON form: `{ "error": { "code": "...", "message": "..." } }`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use wasmphony_engine::{RegistryError, ValidationError};
use wasmphony_store::StoreError;

/// Everything a request can fail with; each variant has one status and one stable code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No or an unknown bearer key.
    #[error("{0}")]
    Unauthenticated(&'static str),
    /// The key is valid but its role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// No such object for the caller's tenant (or no such route).
    #[error("{0}")]
    NotFound(String),
    /// The object already exists.
    #[error("{0}")]
    Conflict(String),
    /// The request is malformed or its values are not acceptable.
    #[error("{0}")]
    BadRequest(String),
    /// The uploaded component was refused (not a component, unknown world, does not link).
    #[error("{0}")]
    InvalidComponent(String),
    /// The body is larger than the route accepts.
    #[error("{0}")]
    TooLarge(String),
    /// The body has a content type the route does not accept.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The requested byte range lies outside the file.
    #[error("{0}")]
    RangeNotSatisfiable(String),
    /// The route exists but not with this method.
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// The request is well-formed but its values cannot be acted on (a number that may
    /// not be called, a time out of range).
    #[error("{0}")]
    Unprocessable(String),
    /// Too many requests from this source; try again after `retry_after_secs`.
    #[error("{message}")]
    TooManyRequests {
        /// Why, for the body.
        message: String,
        /// Sent as `Retry-After`.
        retry_after_secs: u64,
    },
    /// A part of the server the route needs is not running (no phone side).
    #[error("{0}")]
    Unavailable(String),
    /// Something failed on our side; the message is safe to show.
    #[error("{0}")]
    Internal(String),
}

/// Shorthand for handler results.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::InvalidComponent(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::BadRequest(_) => "bad_request",
            ApiError::InvalidComponent(_) => "invalid_component",
            ApiError::TooLarge(_) => "too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::RangeNotSatisfiable(_) => "range_not_satisfiable",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Unprocessable(_) => "unprocessable",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
            },
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        if let ApiError::TooManyRequests {
            retry_after_secs, ..
        } = self
        {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::NotFound(format!("{what} not found")),
            StoreError::Conflict(what) => ApiError::Conflict(format!("{what} already exists")),
            StoreError::Invalid(why) => ApiError::BadRequest(why),
            StoreError::Csv(error) => ApiError::BadRequest(format!("CSV: {error}")),
            // Database details (table names, connection errors) stay in the server's log.
            other => {
                tracing::error!(error = %other, "API request failed in the store");
                ApiError::Internal(format!("storage failed: {}", storage_kind(&other)))
            }
        }
    }
}

/// A short, detail-free name for a storage failure.
fn storage_kind(error: &StoreError) -> &'static str {
    match error {
        StoreError::Database(_) => "database error",
        StoreError::Migrate(_) => "migration error",
        StoreError::Json(_) | StoreError::Corrupt { .. } => "stored data unreadable",
        StoreError::Io(_) => "I/O error",
        _ => "unexpected error",
    }
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        match error {
            ValidationError::TooLarge { .. } => ApiError::TooLarge(error.to_string()),
            _ => ApiError::InvalidComponent(error.to_string()),
        }
    }
}

impl From<RegistryError> for ApiError {
    fn from(error: RegistryError) -> Self {
        match error {
            RegistryError::Invalid(invalid) => invalid.into(),
            RegistryError::UnknownScenario { .. } | RegistryError::UnknownVersion { .. } => {
                ApiError::NotFound(error.to_string())
            }
            RegistryError::WorldMismatch { .. } => ApiError::InvalidComponent(error.to_string()),
            RegistryError::NothingToRollBack { .. } | RegistryError::TooManyVersions { .. } => {
                ApiError::Conflict(error.to_string())
            }
            RegistryError::BadPercent(_) => ApiError::BadRequest(error.to_string()),
        }
    }
}

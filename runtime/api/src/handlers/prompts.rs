//! Prompts (announcement audio) of the caller's tenant. Uploads are WAV files sent as the
//! raw body (`PUT /prompts/{name}`, `Content-Type: audio/wav`), capped by the route.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use wasmphony_store::{Prompt, Role, UnixMs};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiPath};
use crate::state::ApiState;

/// The content type prompts are stored and served with.
const WAV: &str = "audio/wav";

/// Whether `bytes` start like a RIFF/WAVE file (the players read nothing else).
fn is_wav(bytes: &[u8]) -> bool {
    bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE"
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
) -> ApiResult<Json<Vec<Prompt>>> {
    Ok(Json(state.store.list_prompts(caller.tenant.id).await?))
}

pub(crate) async fn put(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> ApiResult<(StatusCode, Json<Prompt>)> {
    caller.require(Role::Supervisor)?;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if !matches!(
        content_type,
        Some("audio/wav" | "audio/x-wav" | "audio/wave")
    ) {
        return Err(ApiError::UnsupportedMediaType(
            "a prompt is uploaded as Content-Type: audio/wav".into(),
        ));
    }
    if !is_wav(&body) {
        return Err(ApiError::BadRequest(
            "the body is not a RIFF/WAVE file".into(),
        ));
    }
    let prompt = state
        .store
        .put_prompt(caller.tenant.id, &name, WAV, &body, UnixMs::now())
        .await?;
    Ok((StatusCode::CREATED, Json(prompt)))
}

pub(crate) async fn audio(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<impl IntoResponse> {
    let (content_type, audio) = state.store.prompt_audio(caller.tenant.id, &name).await?;
    Ok(([(CONTENT_TYPE, content_type)], audio))
}

pub(crate) async fn delete(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Supervisor)?;
    state.store.delete_prompt(caller.tenant.id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

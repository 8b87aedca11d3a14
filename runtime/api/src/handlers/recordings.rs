//! Recordings: metadata, and the audio streamed from the recordings directory with HTTP
//! range support (players seek with `Range: bytes=...`).

use std::path::{Component, Path, PathBuf};

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use wasmphony_store::{Recording, RecordingId, Role};

use crate::auth::TenantCaller;
use crate::byte_range::{ByteRange, RangeAnswer, answer};
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiPath;
use crate::state::ApiState;

/// Bytes read from the file per chunk sent.
const CHUNK_BYTES: usize = 64 * 1024;

/// Chunks buffered ahead of a slow client.
const BUFFERED_CHUNKS: usize = 4;

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Recording>> {
    caller.require(Role::Supervisor)?;
    Ok(Json(
        state
            .store
            .recording(caller.tenant.id, &RecordingId(id))
            .await?,
    ))
}

/// The file of a stored relative path, refusing paths that would leave the directory.
fn file_of(dir: &Path, relative: &str) -> ApiResult<PathBuf> {
    let relative = Path::new(relative);
    if !relative
        .components()
        .all(|part| matches!(part, Component::Normal(_)))
    {
        return Err(ApiError::Internal(
            "a stored recording path is not relative".into(),
        ));
    }
    Ok(dir.join(relative))
}

pub(crate) async fn audio(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    caller.require(Role::Supervisor)?;
    let recording = state
        .store
        .recording(caller.tenant.id, &RecordingId(id))
        .await?;
    let dir = state
        .recordings_dir
        .as_ref()
        .ok_or_else(|| ApiError::NotFound("this server keeps no recordings".into()))?;
    let path = file_of(dir, &recording.path)?;
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::NotFound("the recording's audio file is missing".into()))?;
    let size = file
        .metadata()
        .await
        .map_err(|_| ApiError::Internal("the recording's audio file is unreadable".into()))?
        .len();
    let range = headers.get(RANGE).and_then(|value| value.to_str().ok());
    let (status, range) = match answer(range, size) {
        RangeAnswer::Whole if size == 0 => (StatusCode::OK, None),
        RangeAnswer::Whole => (
            StatusCode::OK,
            Some(ByteRange {
                start: 0,
                end: size - 1,
            }),
        ),
        RangeAnswer::Partial(range) => (StatusCode::PARTIAL_CONTENT, Some(range)),
        RangeAnswer::Unsatisfiable => {
            let unsatisfied = HeaderValue::from_str(&format!("bytes */{size}"))
                .map_err(|_| ApiError::Internal("header".into()))?;
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(CONTENT_RANGE, unsatisfied)],
                ApiError::RangeNotSatisfiable(format!("the recording has {size} bytes")),
            )
                .into_response());
        }
    };
    let length = range.map_or(0, ByteRange::len);
    let mut response_headers = HeaderMap::new();
    let header = |text: String| {
        HeaderValue::from_str(&text).map_err(|_| ApiError::Internal("header".into()))
    };
    response_headers.insert(CONTENT_TYPE, header(recording.content_type.clone())?);
    response_headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response_headers.insert(CONTENT_LENGTH, header(length.to_string())?);
    if status == StatusCode::PARTIAL_CONTENT
        && let Some(range) = range
    {
        response_headers.insert(
            CONTENT_RANGE,
            header(format!("bytes {}-{}/{size}", range.start, range.end))?,
        );
    }
    let (sender, receiver) = mpsc::channel::<Result<Vec<u8>, std::io::Error>>(BUFFERED_CHUNKS);
    if let Some(range) = range {
        file.seek(std::io::SeekFrom::Start(range.start))
            .await
            .map_err(|_| ApiError::Internal("the recording's audio file is unreadable".into()))?;
        tokio::spawn(send_file(file, range.len(), sender));
    }
    Ok((
        status,
        response_headers,
        Body::from_stream(ReceiverStream::new(receiver)),
    )
        .into_response())
}

/// Sends `remaining` bytes of `file` in chunks; stops when the client goes away.
async fn send_file(
    mut file: tokio::fs::File,
    mut remaining: u64,
    sender: mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
) {
    while remaining > 0 {
        let want = usize::try_from(remaining)
            .unwrap_or(CHUNK_BYTES)
            .min(CHUNK_BYTES);
        let mut chunk = vec![0_u8; want];
        let read = match file.read(&mut chunk).await {
            Ok(0) => Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof)),
            Ok(read) => Ok(read),
            Err(error) => Err(error),
        };
        let message = read.map(|read| {
            chunk.truncate(read);
            remaining -= read as u64;
            chunk
        });
        let failed = message.is_err();
        if sender.send(message).await.is_err() || failed {
            return;
        }
    }
}

//! Customer cards: list, get by id or number, update, notes, call history, explicit
//! (audited) deletion, CSV import.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use wasmphony_store::{
    AuditEntry, Call, Contact, ContactId, ContactUpdate, ImportReport, Note, Page, Record,
    Recording, Role, UnixMs,
};

use crate::auth::TenantCaller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiBytes, ApiJson, ApiPath, ApiQuery};
use crate::state::ApiState;

/// Page size when the query gives none.
const DEFAULT_PAGE_SIZE: u32 = 100;

/// Paging parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    limit: Option<u32>,
    offset: Option<u64>,
}

impl PageQuery {
    pub(crate) fn from_parts(limit: Option<u32>, offset: Option<u64>) -> PageQuery {
        PageQuery { limit, offset }
    }

    pub(crate) fn page(&self) -> Page {
        Page {
            limit: self.limit.unwrap_or(DEFAULT_PAGE_SIZE),
            offset: self.offset.unwrap_or(0),
        }
    }
}

pub(crate) async fn list(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<Vec<Contact>>> {
    Ok(Json(
        state
            .store
            .list_contacts(caller.tenant.id, query.page())
            .await?,
    ))
}

pub(crate) async fn by_number(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(number): ApiPath<String>,
) -> ApiResult<Json<Contact>> {
    state
        .store
        .find_contact(caller.tenant.id, &number)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("no contact with this number".into()))
}

pub(crate) async fn get(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Contact>> {
    Ok(Json(
        state.store.contact(caller.tenant.id, ContactId(id)).await?,
    ))
}

pub(crate) async fn update(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(update): ApiJson<ContactUpdate>,
) -> ApiResult<Json<Contact>> {
    let contact = state
        .store
        .update_contact(caller.tenant.id, ContactId(id), &update, UnixMs::now())
        .await?;
    Ok(Json(contact))
}

/// A note to add.
#[derive(Debug, Deserialize)]
pub(crate) struct NoteBody {
    text: String,
}

pub(crate) async fn add_note(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NoteBody>,
) -> ApiResult<(StatusCode, Json<Note>)> {
    let note = state
        .store
        .add_note(
            caller.tenant.id,
            ContactId(id),
            Some(&caller.actor),
            &body.text,
            UnixMs::now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(note)))
}

pub(crate) async fn notes(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Note>>> {
    let tenant = caller.tenant.id;
    state.store.contact(tenant, ContactId(id)).await?;
    Ok(Json(state.store.notes(tenant, ContactId(id)).await?))
}

pub(crate) async fn history(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<Vec<Call>>> {
    let tenant = caller.tenant.id;
    state.store.contact(tenant, ContactId(id)).await?;
    Ok(Json(
        state
            .store
            .contact_history(tenant, ContactId(id), query.page())
            .await?,
    ))
}

/// Why a card is deleted (kept in the audit log).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DeleteQuery {
    reason: Option<String>,
}

pub(crate) async fn delete(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(query): ApiQuery<DeleteQuery>,
) -> ApiResult<StatusCode> {
    caller.require(Role::Admin)?;
    state
        .store
        .delete_contact(
            caller.tenant.id,
            ContactId(id),
            &caller.actor,
            query.reason.as_deref(),
            UnixMs::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Imports cards from a CSV body (the store's import format); reports row errors.
pub(crate) async fn import(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<ImportReport>> {
    caller.require(Role::Admin)?;
    let report = state
        .store
        .import_contacts_csv(caller.tenant.id, body.as_ref(), UnixMs::now())
        .await?;
    Ok(Json(report))
}

/// Most recordings or records one card view returns.
const CARD_LIST_LIMIT: u32 = 200;

pub(crate) async fn recordings(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Recording>>> {
    caller.require(Role::Supervisor)?;
    let tenant = caller.tenant.id;
    let contact = state.store.contact(tenant, ContactId(id)).await?;
    let recordings = state
        .store
        .recordings_for_number(tenant, &contact.number, CARD_LIST_LIMIT)
        .await?;
    Ok(Json(recordings))
}

pub(crate) async fn records(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<Record>>> {
    let tenant = caller.tenant.id;
    let contact = state.store.contact(tenant, ContactId(id)).await?;
    let records = state
        .store
        .records_for_number(tenant, &contact.number, CARD_LIST_LIMIT)
        .await?;
    Ok(Json(records))
}

/// The tenant's audit log (explicit deletions with what they removed), newest first.
pub(crate) async fn audit(
    caller: TenantCaller,
    State(state): State<ApiState>,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> ApiResult<Json<Vec<AuditEntry>>> {
    caller.require(Role::Admin)?;
    Ok(Json(
        state
            .store
            .audit_log(caller.tenant.id, query.page())
            .await?,
    ))
}

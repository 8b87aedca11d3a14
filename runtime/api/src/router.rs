//! The route table and the router built from it. The table is the single list of what the
//! API serves: the router, the OpenAPI document check and the cross-tenant test all read it.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Method, header::CONTENT_TYPE};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};

use crate::error::ApiError;
use crate::handlers::{
    callbacks, calls, components, contacts, events, login, metrics, numbers, originate, prompts,
    queues, recordings, records, reports, routes, tenants, trunks, user_password, users, webhooks,
    widget, widget_keys,
};
use crate::limits::ApiLimits;
use crate::state::ApiState;

/// Where the versioned API lives.
pub const API_PREFIX: &str = "/api/v1";

/// The OpenAPI document, served at `GET /api/v1/openapi.json`.
pub const OPENAPI_JSON: &str = include_str!("../openapi.json");

/// Which body a route reads, and so which limit applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body is read.
    None,
    /// JSON ([`crate::limits::MAX_JSON_BODY`]).
    Json,
    /// A WAV prompt ([`crate::limits::MAX_PROMPT_BODY`]).
    Prompt,
    /// A `.wasm` component ([`crate::limits::MAX_COMPONENT_BODY`]).
    Component,
    /// A CSV import ([`crate::limits::MAX_CSV_IMPORT_BODY`]).
    Csv,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the OpenAPI document, the login).
    Public,
    /// The platform administrator's key.
    Platform,
    /// A tenant's key (the handler checks the role).
    Tenant,
    /// No bearer key: a tenant's public widget key in the path, which can only file
    /// callback requests (rate-limited).
    Widget,
}

/// One served route.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// The HTTP method.
    pub method: &'static str,
    /// The path, with `{param}` placeholders, from the server root.
    pub path: &'static str,
    /// The body it reads.
    pub body: BodyKind,
    /// Who may call it.
    pub access: Access,
}

const fn endpoint(
    method: &'static str,
    path: &'static str,
    body: BodyKind,
    access: Access,
) -> Endpoint {
    Endpoint {
        method,
        path,
        body,
        access,
    }
}

use Access::{Platform, Public, Tenant, Widget};
use BodyKind::{Component, Csv, Json, None as NoBody, Prompt};

/// Every route the API serves.
pub const ENDPOINTS: &[Endpoint] = &[
    endpoint("GET", "/api/v1/openapi.json", NoBody, Public),
    endpoint("GET", "/metrics", NoBody, Platform),
    endpoint("POST", "/api/v1/tenants", Json, Platform),
    endpoint("GET", "/api/v1/tenants", NoBody, Platform),
    endpoint("POST", "/api/v1/tenants/{id}/keys", Json, Platform),
    endpoint("POST", "/api/v1/login", Json, Public),
    endpoint("POST", "/api/v1/logout", NoBody, Tenant),
    endpoint("GET", "/api/v1/tenant", NoBody, Tenant),
    endpoint("GET", "/api/v1/keys", NoBody, Tenant),
    endpoint("POST", "/api/v1/keys", Json, Tenant),
    endpoint("DELETE", "/api/v1/keys/{id}", NoBody, Tenant),
    endpoint("GET", "/api/v1/users", NoBody, Tenant),
    endpoint("POST", "/api/v1/users", Json, Tenant),
    endpoint("GET", "/api/v1/users/{id}", NoBody, Tenant),
    endpoint("PUT", "/api/v1/users/{id}", Json, Tenant),
    endpoint("DELETE", "/api/v1/users/{id}", NoBody, Tenant),
    endpoint("PUT", "/api/v1/users/{id}/sip-secret", Json, Tenant),
    endpoint("PUT", "/api/v1/users/{id}/password", Json, Tenant),
    endpoint("GET", "/api/v1/numbers", NoBody, Tenant),
    endpoint("POST", "/api/v1/numbers", Json, Tenant),
    endpoint("DELETE", "/api/v1/numbers/{number}", NoBody, Tenant),
    endpoint("GET", "/api/v1/routes", NoBody, Tenant),
    endpoint("POST", "/api/v1/routes", Json, Tenant),
    endpoint("GET", "/api/v1/routes/{id}", NoBody, Tenant),
    endpoint("PUT", "/api/v1/routes/{id}", Json, Tenant),
    endpoint("DELETE", "/api/v1/routes/{id}", NoBody, Tenant),
    endpoint("GET", "/api/v1/queues", NoBody, Tenant),
    endpoint("POST", "/api/v1/queues", Json, Tenant),
    endpoint("GET", "/api/v1/queues/{id}", NoBody, Tenant),
    endpoint("PUT", "/api/v1/queues/{id}", Json, Tenant),
    endpoint("DELETE", "/api/v1/queues/{id}", NoBody, Tenant),
    endpoint("GET", "/api/v1/trunks", NoBody, Tenant),
    endpoint("POST", "/api/v1/trunks", Json, Tenant),
    endpoint("GET", "/api/v1/trunks/{id}", NoBody, Tenant),
    endpoint("PUT", "/api/v1/trunks/{id}", Json, Tenant),
    endpoint("DELETE", "/api/v1/trunks/{id}", NoBody, Tenant),
    endpoint("GET", "/api/v1/prompts", NoBody, Tenant),
    endpoint("PUT", "/api/v1/prompts/{name}", Prompt, Tenant),
    endpoint("GET", "/api/v1/prompts/{name}", NoBody, Tenant),
    endpoint("DELETE", "/api/v1/prompts/{name}", NoBody, Tenant),
    endpoint("GET", "/api/v1/components", NoBody, Tenant),
    endpoint("POST", "/api/v1/components/{name}", Component, Tenant),
    endpoint("GET", "/api/v1/components/{name}", NoBody, Tenant),
    endpoint("POST", "/api/v1/components/{name}/activate", Json, Tenant),
    endpoint("POST", "/api/v1/components/{name}/rollback", NoBody, Tenant),
    endpoint("PUT", "/api/v1/components/{name}/canary", Json, Tenant),
    endpoint("GET", "/api/v1/calls", NoBody, Tenant),
    endpoint("GET", "/api/v1/calls/live", NoBody, Tenant),
    endpoint("POST", "/api/v1/calls/originate", Json, Tenant),
    endpoint("GET", "/api/v1/calls/export.csv", NoBody, Tenant),
    endpoint("GET", "/api/v1/calls/{id}", NoBody, Tenant),
    endpoint("GET", "/api/v1/calls/{id}/events", NoBody, Tenant),
    endpoint("GET", "/api/v1/events", NoBody, Tenant),
    endpoint("GET", "/api/v1/recordings/{id}", NoBody, Tenant),
    endpoint("GET", "/api/v1/recordings/{id}/audio", NoBody, Tenant),
    endpoint("GET", "/api/v1/contacts", NoBody, Tenant),
    endpoint("POST", "/api/v1/contacts/import", Csv, Tenant),
    endpoint("GET", "/api/v1/contacts/by-number/{number}", NoBody, Tenant),
    endpoint("GET", "/api/v1/contacts/{id}", NoBody, Tenant),
    endpoint("PATCH", "/api/v1/contacts/{id}", Json, Tenant),
    endpoint("DELETE", "/api/v1/contacts/{id}", NoBody, Tenant),
    endpoint("GET", "/api/v1/contacts/{id}/notes", NoBody, Tenant),
    endpoint("POST", "/api/v1/contacts/{id}/notes", Json, Tenant),
    endpoint("GET", "/api/v1/contacts/{id}/history", NoBody, Tenant),
    endpoint("GET", "/api/v1/contacts/{id}/recordings", NoBody, Tenant),
    endpoint("GET", "/api/v1/contacts/{id}/records", NoBody, Tenant),
    endpoint("GET", "/api/v1/audit", NoBody, Tenant),
    endpoint("GET", "/api/v1/records", NoBody, Tenant),
    endpoint("POST", "/api/v1/records", Json, Tenant),
    endpoint("GET", "/api/v1/records/{id}", NoBody, Tenant),
    endpoint("PUT", "/api/v1/records/{id}/status", Json, Tenant),
    endpoint("PUT", "/api/v1/records/{id}/fields", Json, Tenant),
    endpoint("GET", "/api/v1/callbacks", NoBody, Tenant),
    endpoint("POST", "/api/v1/callbacks/{id}/claim", NoBody, Tenant),
    endpoint("POST", "/api/v1/callbacks/{id}/done", Json, Tenant),
    endpoint("GET", "/api/v1/reports/summary", NoBody, Tenant),
    endpoint("GET", "/api/v1/reports/by-agent", NoBody, Tenant),
    endpoint("GET", "/api/v1/reports/by-source", NoBody, Tenant),
    endpoint("GET", "/api/v1/reports/by-tag", NoBody, Tenant),
    endpoint("GET", "/api/v1/reports/by-weekday-hour", NoBody, Tenant),
    endpoint("GET", "/api/v1/reports/widget", NoBody, Tenant),
    endpoint("GET", "/api/v1/widget-keys", NoBody, Tenant),
    endpoint("POST", "/api/v1/widget-keys", Json, Tenant),
    endpoint("DELETE", "/api/v1/widget-keys/{id}", NoBody, Tenant),
    endpoint("POST", "/api/v1/widget-keys/{id}/rotate", NoBody, Tenant),
    endpoint("POST", "/api/v1/widget/{key}/callback", Json, Widget),
    endpoint("GET", "/api/v1/webhooks", NoBody, Tenant),
    endpoint("POST", "/api/v1/webhooks", Json, Tenant),
    endpoint("GET", "/api/v1/webhooks/{id}", NoBody, Tenant),
    endpoint("PUT", "/api/v1/webhooks/{id}", Json, Tenant),
    endpoint("DELETE", "/api/v1/webhooks/{id}", NoBody, Tenant),
];

/// The handler of one table entry; `None` if the table names a route no handler serves
/// (a test checks there is none).
fn handler(method: &str, path: &str) -> Option<MethodRouter<ApiState>> {
    let route = match (method, path) {
        ("GET", "/api/v1/openapi.json") => get(openapi),
        ("GET", "/metrics") => get(metrics::render),
        ("POST", "/api/v1/tenants") => post(tenants::create_tenant),
        ("GET", "/api/v1/tenants") => get(tenants::list_tenants),
        ("POST", "/api/v1/tenants/{id}/keys") => post(tenants::create_tenant_key),
        ("POST", "/api/v1/login") => post(login::login),
        ("POST", "/api/v1/logout") => post(login::logout),
        ("GET", "/api/v1/tenant") => get(tenants::own_tenant),
        ("GET", "/api/v1/keys") => get(tenants::list_own_keys),
        ("POST", "/api/v1/keys") => post(tenants::create_own_key),
        ("DELETE", "/api/v1/keys/{id}") => delete(tenants::revoke_own_key),
        ("GET", "/api/v1/users") => get(users::list),
        ("POST", "/api/v1/users") => post(users::create),
        ("GET", "/api/v1/users/{id}") => get(users::get),
        ("PUT", "/api/v1/users/{id}") => put(users::update),
        ("DELETE", "/api/v1/users/{id}") => delete(users::delete),
        ("PUT", "/api/v1/users/{id}/sip-secret") => put(users::set_sip_secret),
        ("PUT", "/api/v1/users/{id}/password") => put(user_password::set),
        ("GET", "/api/v1/numbers") => get(numbers::list),
        ("POST", "/api/v1/numbers") => post(numbers::add),
        ("DELETE", "/api/v1/numbers/{number}") => delete(numbers::remove),
        ("GET", "/api/v1/routes") => get(routes::list),
        ("POST", "/api/v1/routes") => post(routes::create),
        ("GET", "/api/v1/routes/{id}") => get(routes::get),
        ("PUT", "/api/v1/routes/{id}") => put(routes::update),
        ("DELETE", "/api/v1/routes/{id}") => delete(routes::delete),
        ("GET", "/api/v1/queues") => get(queues::list),
        ("POST", "/api/v1/queues") => post(queues::create),
        ("GET", "/api/v1/queues/{id}") => get(queues::get),
        ("PUT", "/api/v1/queues/{id}") => put(queues::update),
        ("DELETE", "/api/v1/queues/{id}") => delete(queues::delete),
        ("GET", "/api/v1/trunks") => get(trunks::list),
        ("POST", "/api/v1/trunks") => post(trunks::create),
        ("GET", "/api/v1/trunks/{id}") => get(trunks::get),
        ("PUT", "/api/v1/trunks/{id}") => put(trunks::update),
        ("DELETE", "/api/v1/trunks/{id}") => delete(trunks::delete),
        ("GET", "/api/v1/prompts") => get(prompts::list),
        ("PUT", "/api/v1/prompts/{name}") => put(prompts::put),
        ("GET", "/api/v1/prompts/{name}") => get(prompts::audio),
        ("DELETE", "/api/v1/prompts/{name}") => delete(prompts::delete),
        ("GET", "/api/v1/components") => get(components::list),
        ("POST", "/api/v1/components/{name}") => post(components::upload),
        ("GET", "/api/v1/components/{name}") => get(components::get),
        ("POST", "/api/v1/components/{name}/activate") => post(components::activate),
        ("POST", "/api/v1/components/{name}/rollback") => post(components::rollback),
        ("PUT", "/api/v1/components/{name}/canary") => put(components::canary),
        ("GET", "/api/v1/calls") => get(calls::search),
        ("GET", "/api/v1/calls/live") => get(calls::live),
        ("POST", "/api/v1/calls/originate") => post(originate::originate),
        ("GET", "/api/v1/calls/export.csv") => get(calls::export_csv),
        ("GET", "/api/v1/calls/{id}") => get(calls::get),
        ("GET", "/api/v1/calls/{id}/events") => get(calls::events),
        ("GET", "/api/v1/events") => get(events::stream),
        ("GET", "/api/v1/recordings/{id}") => get(recordings::get),
        ("GET", "/api/v1/recordings/{id}/audio") => get(recordings::audio),
        ("GET", "/api/v1/contacts") => get(contacts::list),
        ("POST", "/api/v1/contacts/import") => post(contacts::import),
        ("GET", "/api/v1/contacts/by-number/{number}") => get(contacts::by_number),
        ("GET", "/api/v1/contacts/{id}") => get(contacts::get),
        ("PATCH", "/api/v1/contacts/{id}") => patch(contacts::update),
        ("DELETE", "/api/v1/contacts/{id}") => delete(contacts::delete),
        ("GET", "/api/v1/contacts/{id}/notes") => get(contacts::notes),
        ("POST", "/api/v1/contacts/{id}/notes") => post(contacts::add_note),
        ("GET", "/api/v1/contacts/{id}/history") => get(contacts::history),
        ("GET", "/api/v1/contacts/{id}/recordings") => get(contacts::recordings),
        ("GET", "/api/v1/contacts/{id}/records") => get(contacts::records),
        ("GET", "/api/v1/audit") => get(contacts::audit),
        ("GET", "/api/v1/records") => get(records::list),
        ("POST", "/api/v1/records") => post(records::create),
        ("GET", "/api/v1/records/{id}") => get(records::get),
        ("PUT", "/api/v1/records/{id}/status") => put(records::set_status),
        ("PUT", "/api/v1/records/{id}/fields") => put(records::set_fields),
        ("GET", "/api/v1/callbacks") => get(callbacks::list),
        ("POST", "/api/v1/callbacks/{id}/claim") => post(callbacks::claim),
        ("POST", "/api/v1/callbacks/{id}/done") => post(callbacks::finish),
        ("GET", "/api/v1/reports/summary") => get(reports::summary),
        ("GET", "/api/v1/reports/by-agent") => get(reports::by_agent),
        ("GET", "/api/v1/reports/by-source") => get(reports::by_source),
        ("GET", "/api/v1/reports/by-tag") => get(reports::by_tag),
        ("GET", "/api/v1/reports/by-weekday-hour") => get(reports::by_weekday_hour),
        ("GET", "/api/v1/reports/widget") => get(reports::widget),
        ("GET", "/api/v1/widget-keys") => get(widget_keys::list),
        ("POST", "/api/v1/widget-keys") => post(widget_keys::create),
        ("DELETE", "/api/v1/widget-keys/{id}") => delete(widget_keys::revoke),
        ("POST", "/api/v1/widget-keys/{id}/rotate") => post(widget_keys::rotate),
        ("POST", "/api/v1/widget/{key}/callback") => post(widget::request_callback),
        ("GET", "/api/v1/webhooks") => get(webhooks::list),
        ("POST", "/api/v1/webhooks") => post(webhooks::create),
        ("GET", "/api/v1/webhooks/{id}") => get(webhooks::get),
        ("PUT", "/api/v1/webhooks/{id}") => put(webhooks::update),
        ("DELETE", "/api/v1/webhooks/{id}") => delete(webhooks::delete),
        _ => return None,
    };
    Some(route)
}

fn body_limit(kind: BodyKind, limits: &ApiLimits) -> usize {
    match kind {
        // Routes without a body still get a small limit: they never read one.
        BodyKind::None | BodyKind::Json => limits.json_body,
        BodyKind::Prompt => limits.prompt_body,
        BodyKind::Component => limits.component_body,
        BodyKind::Csv => limits.csv_import_body,
    }
}

/// The API: every route of [`ENDPOINTS`], JSON errors for unknown routes and methods, and
/// error counting into the state's metrics.
pub fn router(state: ApiState) -> Router {
    let limits = state.limits;
    let mut router: Router<ApiState> = Router::new();
    for endpoint in ENDPOINTS {
        // The table and the match above are written side by side; a missing handler is a
        // programming error that the `every_endpoint_has_a_handler` test catches.
        let Some(route) = handler(endpoint.method, endpoint.path) else {
            continue;
        };
        let route = route.layer(DefaultBodyLimit::max(body_limit(endpoint.body, &limits)));
        router = router.route(endpoint.path, route);
    }
    router
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), count_errors))
        .with_state(state)
}

async fn openapi() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], OPENAPI_JSON)
}

async fn no_route() -> ApiError {
    ApiError::NotFound("no such route".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Counts every 4xx/5xx answer by status, for `GET /metrics`.
async fn count_errors(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        state
            .metrics
            .counter(
                "wasmphony_api_errors_total",
                "HTTP API answers with a 4xx or 5xx status, by status.",
                &[("status", status.as_str())],
            )
            .inc();
    }
    response
}

/// The parsed method of an endpoint (for clients and tests).
pub fn endpoint_method(endpoint: &Endpoint) -> Method {
    Method::from_bytes(endpoint.method.as_bytes()).unwrap_or(Method::GET)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn every_endpoint_has_a_handler_and_appears_once() {
        let mut seen = std::collections::HashSet::new();
        for endpoint in ENDPOINTS {
            assert!(
                handler(endpoint.method, endpoint.path).is_some(),
                "{endpoint:?}"
            );
            assert!(
                seen.insert((endpoint.method, endpoint.path)),
                "twice: {endpoint:?}"
            );
        }
    }

    #[test]
    fn the_openapi_document_lists_exactly_the_endpoints() {
        let document: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
        let mut documented = std::collections::BTreeSet::new();
        for (path, operations) in document["paths"].as_object().unwrap() {
            for (method, operation) in operations.as_object().unwrap() {
                assert!(
                    operation["summary"].is_string(),
                    "{method} {path} has no summary"
                );
                assert!(
                    operation["responses"].is_object(),
                    "{method} {path} has no responses"
                );
                documented.insert((method.to_uppercase(), path.clone()));
            }
        }
        let served: std::collections::BTreeSet<(String, String)> = ENDPOINTS
            .iter()
            .map(|e| (e.method.to_owned(), e.path.to_owned()))
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty(),
            "served but not documented: {undocumented:?}"
        );
        assert!(
            unserved.is_empty(),
            "documented but not served: {unserved:?}"
        );
    }
}

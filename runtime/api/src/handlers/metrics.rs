//! `GET /metrics`: Prometheus text for the platform operator (platform administrator key).

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;

use crate::auth::PlatformAdmin;
use crate::error::ApiResult;
use crate::metrics::{Sample, render_gauge_family};
use crate::state::ApiState;

/// The Prometheus text exposition format's content type.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

pub(crate) async fn render(
    _: PlatformAdmin,
    State(state): State<ApiState>,
) -> ApiResult<impl IntoResponse> {
    let mut out = String::new();
    let by_disposition = state.store.calls_by_disposition_all_tenants().await?;
    let samples: Vec<Sample<'_>> = by_disposition
        .iter()
        .map(|(disposition, count)| Sample {
            labels: vec![("disposition", disposition.as_str())],
            value: *count,
        })
        .collect();
    render_gauge_family(
        &mut out,
        "wasmphony_calls_finished",
        "Finished calls on record (all tenants), by disposition.",
        &samples,
    );
    let live = state.store.live_call_count_all_tenants().await?;
    render_gauge_family(
        &mut out,
        "wasmphony_calls_live_on_record",
        "Calls open in the store (all nodes).",
        &[Sample {
            labels: vec![],
            value: live,
        }],
    );
    let versions = state.store.component_version_count_all_tenants().await?;
    render_gauge_family(
        &mut out,
        "wasmphony_component_versions",
        "Component versions stored (all tenants).",
        &[Sample {
            labels: vec![],
            value: versions,
        }],
    );
    state.metrics.render_into(&mut out);
    Ok(([(CONTENT_TYPE, PROMETHEUS_TEXT)], out))
}

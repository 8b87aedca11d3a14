//! Recording audio is streamed with HTTP range support: the whole file with
//! `Accept-Ranges`, one range as 206 with `Content-Range`, a range outside the file as 416;
//! another tenant's recording is not found.
#![allow(clippy::unwrap_used)]

mod common;

use common::TestApp;
use http_body_util::BodyExt;
use hyper::StatusCode;
use wasmphony_store::*;

api_test!(recording_audio_supports_ranges, |app: TestApp| async move {
    let (tenant, key) = app.tenant_with_key("acme", "supervisor").await;
    let (_, other_key) = app.tenant_with_key("other", "admin").await;
    let tenant = TenantId(tenant);
    let call = NewCall {
        id: CallId::from("r1"),
        direction: Direction::Inbound,
        from: "+4917000001".into(),
        to: "+4930111".into(),
        dialed: "+4930111".into(),
        source: None,
        start: UnixMs(1_000),
        scenario: None,
        component_hash: None,
    };
    app.store.open_call(tenant, &call).await.unwrap();
    // 200 KiB: several stream chunks.
    let audio: Vec<u8> = (0..200 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::create_dir_all(app.recordings_dir.join("acme")).unwrap();
    std::fs::write(app.recordings_dir.join("acme/r1.wav"), &audio).unwrap();
    app.store
        .add_recording(&Recording {
            id: RecordingId::from("rec-1"),
            tenant_id: tenant,
            call_id: call.id.clone(),
            path: "acme/r1.wav".into(),
            content_type: "audio/wav".into(),
            duration_ms: 12_000,
            created: UnixMs(2_000),
        })
        .await
        .unwrap();

    let meta = app.get("/api/v1/recordings/rec-1", &key).await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.text());
    assert_eq!(meta.json()["call_id"], serde_json::json!("r1"));

    let whole = app.get("/api/v1/recordings/rec-1/audio", &key).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.headers["accept-ranges"], "bytes");
    assert_eq!(whole.headers["content-type"], "audio/wav");
    assert_eq!(whole.body.as_ref(), audio.as_slice());

    let ranged = |range: &'static str| {
        let app = app.clone();
        let key = key.clone();
        async move {
            // The test client sends headers through `send`; add Range by hand.
            let stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            let request = hyper::Request::builder()
                .uri("/api/v1/recordings/rec-1/audio")
                .header("host", app.addr.to_string())
                .header("authorization", format!("Bearer {key}"))
                .header("range", range)
                .body(http_body_util::Empty::<hyper::body::Bytes>::new())
                .unwrap();
            let response = sender.send_request(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, headers, body)
        }
    };
    let (status, headers, body) = ranged("bytes=100000-100099").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        headers["content-range"],
        format!("bytes 100000-100099/{}", audio.len())
    );
    assert_eq!(body.as_ref(), &audio[100_000..100_100]);
    let (status, _, body) = ranged("bytes=-10").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body.as_ref(), &audio[audio.len() - 10..]);
    let (status, _, body) = ranged("bytes=70000-").await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(body.as_ref(), &audio[70_000..]);
    let (status, headers, _) = ranged("bytes=999999-").await;
    assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(headers["content-range"], format!("bytes */{}", audio.len()));

    assert_eq!(
        app.get("/api/v1/recordings/rec-1/audio", &other_key)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/v1/recordings/rec-1", &other_key).await.status,
        StatusCode::NOT_FOUND
    );
});

-- wasmphony schema, webhooks, SQLite dialect.
-- ../postgres/0004_webhooks.sql is this file translated (see 0001_init.sql).
-- A tenant's webhooks: live events POSTed to `url`, signed with `secret` (HMAC-SHA256). The
-- secret is kept as given because signing needs it; the HTTP API never returns it.
-- `events` is a JSON array of event kinds; empty means every kind. `enabled` is 0 or 1
-- (no boolean columns: sqlx's Any driver would read SQLite's as integers).
-- The delivery health columns are written by the delivery task after each attempt.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL DEFAULT '[]',
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_ms INTEGER NOT NULL,
    delivered_count INTEGER NOT NULL DEFAULT 0,
    failed_count INTEGER NOT NULL DEFAULT 0,
    dropped_count INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    last_error TEXT,
    last_attempt_ms INTEGER
);
CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, id);

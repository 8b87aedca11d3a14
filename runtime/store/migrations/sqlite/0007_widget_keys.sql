-- wasmphony schema, website callback widget keys and the requests they filed, SQLite dialect.
-- ../postgres/0007_widget_keys.sql is this file translated (see 0001_init.sql).
-- A widget key sits in a public web page and can only file callback requests, so like an
-- API key only its SHA-256 is stored. number: the tenant's number the callbacks are placed
-- from (its route's working hours apply to them).
CREATE TABLE widget_keys (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    number TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    rotated_ms INTEGER,
    revoked_ms INTEGER
);
CREATE INDEX widget_keys_by_tenant ON widget_keys (tenant_id, id);
-- One row per callback task a widget filed (a deduplicated repeat files none): the
-- widget report joins it to its task's outcome, whatever later merged into the task.
CREATE TABLE widget_requests (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    widget_key_id INTEGER NOT NULL REFERENCES widget_keys(id) ON DELETE CASCADE,
    task_id INTEGER NOT NULL REFERENCES callback_tasks(id) ON DELETE CASCADE,
    name TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX widget_requests_by_tenant ON widget_requests (tenant_id, created_ms);

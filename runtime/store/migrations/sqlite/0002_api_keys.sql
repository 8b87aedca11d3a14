-- wasmphony schema, API keys, SQLite dialect.
-- ../postgres/0002_api_keys.sql is this file translated (see 0001_init.sql).
-- Only the SHA-256 of a key is kept: a leaked database does not leak working keys. Keys
-- are 256 random bits, so a fast hash is enough (no password-style stretching needed).
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    key_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, id);

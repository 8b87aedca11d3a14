-- wasmphony schema, user login sessions, SQLite dialect.
-- ../postgres/0009_user_logins.sql is this file translated (see 0001_init.sql).
-- A session is what POST /api/v1/login hands out: a random bearer token of which only the
-- SHA-256 is kept (256 random bits, so a fast hash is enough; the user's password itself
-- is in users.password_hash, a slow salted hash). The role is not copied: a session acts
-- with its user's role of the moment, and goes with the user.
CREATE TABLE user_sessions (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE INDEX user_sessions_by_user ON user_sessions (tenant_id, user_id);

-- wasmphony schema, SIP device secrets, SQLite dialect.
-- ../postgres/0003_sip_secrets.sql is this file translated (see 0001_init.sql).
-- SIP digest authentication needs the password itself (or a per-realm hash of it), so the
-- secret of a SIP device is stored as given; it is never returned by the HTTP API.
ALTER TABLE devices ADD COLUMN secret TEXT;

-- wasmphony schema, trunk routing rules, PostgreSQL dialect, generated from ../sqlite.
-- ../postgres/0005_trunk_rules.sql is this file translated (see 0001_init.sql).
-- prefixes: comma-separated destination prefixes the trunk carries ('' = every number);
-- register: 1 when the host keeps a registration with the carrier (outbound REGISTER).
ALTER TABLE trunks ADD COLUMN prefixes TEXT NOT NULL DEFAULT '';
ALTER TABLE trunks ADD COLUMN register BIGINT NOT NULL DEFAULT 0;

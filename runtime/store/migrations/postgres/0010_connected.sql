-- wasmphony schema, when a caller reached a person, PostgreSQL dialect, generated from ../sqlite.
-- ../postgres/0010_connected.sql is this file translated (see 0001_init.sql).
-- connected_ms: when the caller was first connected to a person (a queue agent, a dialled
-- party, a backup number). The host answers most calls itself (menus, hold music), so the
-- wait a caller feels, service level and talk time are measured to this, not to answer_ms.
-- NULL: nobody was connected (the scenario alone handled the call, or it was missed).
ALTER TABLE calls ADD COLUMN connected_ms BIGINT;

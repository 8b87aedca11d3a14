-- wasmphony schema, a queue's callback offer, ring timeout, wrap-up and announcements, SQLite dialect.
-- ../postgres/0008_queue_settings.sql is this file translated (see 0001_init.sql).
-- offer_callback: 1 when waiting callers are offered "press <callback_key> to be called back";
-- callback_key: one phone key (0-9, *, #);
-- ring_timeout_ms: how long one offer rings an agent; wrap_up_ms: an agent's pause after each call;
-- announce_every_ms: interval between position/estimated-wait announcements, NULL for none.
-- Defaults are the ACD core's (wasmphony_acd::QueueConfig::default).
ALTER TABLE queues ADD COLUMN offer_callback INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN callback_key TEXT NOT NULL DEFAULT '1';
ALTER TABLE queues ADD COLUMN ring_timeout_ms INTEGER NOT NULL DEFAULT 15000;
ALTER TABLE queues ADD COLUMN wrap_up_ms INTEGER NOT NULL DEFAULT 10000;
ALTER TABLE queues ADD COLUMN announce_every_ms INTEGER DEFAULT 30000;

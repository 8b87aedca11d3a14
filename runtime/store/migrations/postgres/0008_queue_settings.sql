-- wasmphony schema, a queue's callback offer, ring timeout, wrap-up and announcements, PostgreSQL dialect, generated from ../sqlite.
-- ../postgres/0008_queue_settings.sql is this file translated (see 0001_init.sql).
-- offer_callback: 1 when waiting callers are offered "press <callback_key> to be called back";
-- callback_key: one phone key (0-9, *, #);
-- ring_timeout_ms: how long one offer rings an agent; wrap_up_ms: an agent's pause after each call;
-- announce_every_ms: interval between position/estimated-wait announcements, NULL for none.
-- Defaults are the ACD core's (wasmphony_acd::QueueConfig::default).
ALTER TABLE queues ADD COLUMN offer_callback BIGINT NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN callback_key TEXT NOT NULL DEFAULT '1';
ALTER TABLE queues ADD COLUMN ring_timeout_ms BIGINT NOT NULL DEFAULT 15000;
ALTER TABLE queues ADD COLUMN wrap_up_ms BIGINT NOT NULL DEFAULT 10000;
ALTER TABLE queues ADD COLUMN announce_every_ms BIGINT DEFAULT 30000;

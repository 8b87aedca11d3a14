-- wasmphony schema, the queue a callback task is called back through, PostgreSQL dialect, generated from ../sqlite.
-- queue: the queue named when the callback was requested (a scenario's or a "press 1"),
-- NULL when none was: the dialer then offers the task to the tenant's queues by name.
ALTER TABLE callback_tasks ADD COLUMN queue TEXT;

-- wasmphony schema, SQLite dialect.
-- ../postgres/0001_init.sql is this file translated (INTEGER PRIMARY KEY -> BIGINT identity,
-- INTEGER -> BIGINT, BLOB -> BYTEA); the test `postgres_schema_is_the_sqlite_one_translated`
-- keeps the two in step, and `WASMPHONY_REGENERATE_PG_SCHEMA=1` on that test rewrites it.
-- Times are Unix milliseconds (UTC). JSON columns are TEXT holding serde_json documents.
-- Every tenant-owned row carries tenant_id, and every query filters on it.

CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- Country calling code used to normalise national numbers ("49", "359"); may be empty.
    country_code TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    extension TEXT NOT NULL,
    name TEXT NOT NULL,
    department TEXT,
    role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
    skills TEXT NOT NULL DEFAULT '[]',
    password_hash TEXT,
    created_ms INTEGER NOT NULL,
    UNIQUE (tenant_id, extension)
);

-- Where a user can be reached: a registering SIP phone or an external number.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('sip', 'external')),
    address TEXT NOT NULL,
    UNIQUE (tenant_id, kind, address)
);
CREATE INDEX devices_by_user ON devices (tenant_id, user_id);

-- A public number belongs to exactly one tenant across the whole platform.
CREATE TABLE numbers (
    number TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    label TEXT,
    created_ms INTEGER NOT NULL
);
CREATE INDEX numbers_by_tenant ON numbers (tenant_id, number);

CREATE TABLE routes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    number TEXT NOT NULL,
    -- Component name; its active (or canary) version runs the call.
    scenario TEXT NOT NULL,
    config TEXT NOT NULL DEFAULT 'null',
    fallback TEXT NOT NULL DEFAULT 'null',
    working_hours TEXT NOT NULL DEFAULT 'null',
    created_ms INTEGER NOT NULL,
    UNIQUE (tenant_id, number)
);

CREATE TABLE trunks (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    uri TEXT NOT NULL,
    username TEXT,
    password TEXT,
    caller_id TEXT,
    priority INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);

CREATE TABLE prompts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    audio BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE queues (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    strategy TEXT NOT NULL CHECK (strategy IN ('ring_all', 'longest_idle', 'round_robin', 'skills')),
    max_wait_ms INTEGER NOT NULL,
    max_length INTEGER NOT NULL,
    overflow TEXT NOT NULL DEFAULT 'null',
    UNIQUE (tenant_id, name)
);

CREATE TABLE components (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    -- Bumped first inside add-version transactions: the write lock serialises uploads.
    latest_version INTEGER NOT NULL DEFAULT 0,
    active_version INTEGER,
    previous_active_version INTEGER,
    canary_version INTEGER,
    canary_percent INTEGER NOT NULL DEFAULT 0 CHECK (canary_percent BETWEEN 0 AND 100),
    created_ms INTEGER NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE component_versions (
    id INTEGER PRIMARY KEY,
    component_id INTEGER NOT NULL REFERENCES components(id),
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    -- The WIT world the component implements ("wasmphony:scenario/inbound-call@0.1.0").
    world TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    -- The component itself, or the path of a file holding it (large uploads).
    bytes BLOB,
    path TEXT,
    created_ms INTEGER NOT NULL,
    CHECK (bytes IS NOT NULL OR path IS NOT NULL),
    UNIQUE (component_id, version),
    UNIQUE (component_id, hash)
);

CREATE TABLE calls (
    id TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    -- live from open_call until finish_call; close_interrupted closes the leftovers.
    status TEXT NOT NULL CHECK (status IN ('live', 'completed', 'interrupted')),
    -- The node that runs the call: a restarting node closes only its own live calls.
    node TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    -- The tenant's number that was dialled (inbound) or used as caller id (outbound), normalised.
    dialed TEXT NOT NULL,
    -- The external party's normalised number: the join key to contacts and callbacks.
    customer_number TEXT NOT NULL,
    source TEXT,
    start_ms INTEGER NOT NULL,
    answer_ms INTEGER,
    end_ms INTEGER,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    talk_ms INTEGER NOT NULL DEFAULT 0,
    disposition TEXT,
    hangup_cause TEXT,
    hangup_side TEXT,
    scenario TEXT,
    component_hash TEXT,
    queue TEXT,
    agent_id INTEGER,
    recording_id TEXT
);
CREATE INDEX calls_by_tenant_start ON calls (tenant_id, start_ms);
CREATE INDEX calls_by_customer ON calls (tenant_id, customer_number, start_ms);
CREATE INDEX calls_by_dialed ON calls (tenant_id, dialed, start_ms);
CREATE INDEX calls_by_agent ON calls (tenant_id, agent_id, start_ms);
CREATE INDEX calls_by_source ON calls (tenant_id, source, start_ms);
CREATE INDEX calls_by_disposition ON calls (tenant_id, disposition, start_ms);
CREATE INDEX calls_live ON calls (node) WHERE status = 'live';

CREATE TABLE call_tags (
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    -- Copied from the call so tag reports range-scan one index.
    start_ms INTEGER NOT NULL,
    PRIMARY KEY (call_id, tag)
);
CREATE INDEX call_tags_by_tag ON call_tags (tenant_id, tag, start_ms);

CREATE TABLE call_events (
    id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    tenant_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT 'null',
    UNIQUE (call_id, seq)
);

CREATE TABLE recordings (
    id TEXT PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    call_id TEXT NOT NULL,
    path TEXT NOT NULL,
    content_type TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX recordings_by_call ON recordings (tenant_id, call_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    number TEXT NOT NULL,
    name TEXT,
    company TEXT,
    assigned_manager_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    UNIQUE (tenant_id, number)
);

CREATE TABLE contact_notes (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    at_ms INTEGER NOT NULL,
    author TEXT,
    text TEXT NOT NULL
);
CREATE INDEX contact_notes_by_contact ON contact_notes (tenant_id, contact_id, at_ms);

-- Explicit deletions (and other destructive actions) with a snapshot of what was removed.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id TEXT NOT NULL,
    reason TEXT,
    snapshot TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, at_ms);

-- The missed-call list. number: the customer (normalised); dialed: the tenant's number.
CREATE TABLE callback_tasks (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    number TEXT NOT NULL,
    dialed TEXT NOT NULL,
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('new', 'in_progress', 'done', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    missed_count INTEGER NOT NULL DEFAULT 1,
    due_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    claimed_by TEXT,
    last_call_id TEXT,
    closed_by_call_id TEXT
);
-- At most one open task per caller and tenant number: the dedup rule, enforced by the
-- database so concurrent missed calls cannot create two.
CREATE UNIQUE INDEX callback_tasks_open ON callback_tasks (tenant_id, number, dialed)
    WHERE state IN ('new', 'in_progress');
CREATE INDEX callback_tasks_by_state ON callback_tasks (tenant_id, state, due_ms);

CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    due_ms INTEGER,
    contact_number TEXT,
    fields TEXT NOT NULL DEFAULT '{}',
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL
);
CREATE INDEX records_by_kind_status ON records (tenant_id, kind, status, due_ms);
CREATE INDEX records_by_due ON records (due_ms) WHERE due_ms IS NOT NULL;
CREATE INDEX records_by_contact ON records (tenant_id, contact_number);

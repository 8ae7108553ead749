-- 0001_core: organizations, agents, credentials, the audit chain and revoked tokens.
--
-- Conventions (adapters/sqlite/rows.py is the one place that encodes them):
--   * instants are ISO 8601 text in UTC with microseconds ("2025-01-31T09:30:00.000000+00:00"),
--     fixed width, so text order is chronological order;
--   * enums are their string values; JSON columns hold objects or arrays as text;
--   * agents.scopes is the space-joined scope set (RFC 6749 §3.3 spelling);
--   * revision columns carry the optimistic-locking counter (UPDATE ... WHERE revision = ?).

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE agents (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    -- Emails are unique across the IdP regardless of case (the domain lower-cases them too).
    email           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    agent_type      TEXT NOT NULL,
    version         TEXT NOT NULL,
    capabilities    TEXT NOT NULL,  -- JSON array
    owner           TEXT NOT NULL,
    deployment_env  TEXT NOT NULL,
    scopes          TEXT NOT NULL,  -- space-joined
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    metadata        TEXT NOT NULL,  -- JSON object
    revision        INTEGER NOT NULL
);

-- Listing is always tenant-scoped and newest first (created_at DESC, id DESC).
CREATE INDEX agents_by_organization ON agents (organization_id, created_at, id);

CREATE TABLE credentials (
    id              TEXT PRIMARY KEY,
    agent_id        TEXT NOT NULL REFERENCES agents (id),
    organization_id TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT,
    revoked_at      TEXT,
    rotated_at      TEXT,
    revision        INTEGER NOT NULL
);

-- Client authentication reads an agent's credentials on every token request.
CREATE INDEX credentials_by_agent ON credentials (agent_id, created_at, id);

CREATE TABLE audit_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,  -- chain order, never reused
    id              TEXT NOT NULL UNIQUE,
    occurred_at     TEXT NOT NULL,
    organization_id TEXT,  -- NULL when the tenant is unknown (e.g. an unknown client id)
    actor_id        TEXT,
    agent_id        TEXT,
    action          TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    ip_address      TEXT,
    user_agent      TEXT,
    metadata        TEXT NOT NULL,  -- JSON object
    -- NOTE: no UNIQUE here: forks are prevented by reading the head inside the BEGIN IMMEDIATE
    -- write transaction (adapters/sqlite/chain.py), and verification detects any fork anyway;
    -- the index cost ~12 us of writer CPU per event (docs/benchmarks.md).
    previous_hash   TEXT NOT NULL,
    hash            TEXT NOT NULL
);

CREATE INDEX audit_events_by_organization ON audit_events (organization_id, seq);
CREATE INDEX audit_events_by_agent ON audit_events (agent_id, seq);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);

-- SECURITY: the log is append-only in storage too, so a bug or a stray UPDATE/DELETE cannot
-- rewrite history (tampering with the file itself is what the hash chain detects).
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

-- Revoked access-token ids (jti) until the token's own expiry (unix seconds).
CREATE TABLE revoked_tokens (
    jti         TEXT PRIMARY KEY,
    expires_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

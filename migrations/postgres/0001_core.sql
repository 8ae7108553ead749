-- 0001_core: organizations, agents, credentials, the audit chain and revoked tokens.
--
-- The same tables as migrations/sqlite/0001_core.sql, in PostgreSQL types
-- (adapters/postgres/rows.py is the one place that encodes them):
--   * instants are timestamptz (microsecond precision, read back as aware UTC datetimes);
--   * enums are their string values; agents.capabilities/metadata are jsonb;
--     audit_events.metadata is json (kept verbatim, see below);
--   * agents.scopes is the sorted scope set as text[];
--   * revision columns carry the optimistic-locking counter (UPDATE ... WHERE revision = ...);
--   * ids are text COLLATE "C", so "newest first, then id" orders exactly like Python's str
--     ordering (and like SQLite's BINARY collation) whatever the database's locale.
-- Constraint and index names are part of the contract: adapters/postgres/errors.py maps
-- violations of them to port errors by name.
-- Migration files must not contain BEGIN/COMMIT: the runner wraps each file in one
-- transaction together with its schema_migrations row.

CREATE TABLE organizations (
    id          text COLLATE "C" PRIMARY KEY,
    slug        text NOT NULL CONSTRAINT organizations_slug_key UNIQUE,
    name        text NOT NULL,
    status      text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE agents (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL
        CONSTRAINT agents_organization_id_fkey REFERENCES organizations (id),
    email           text NOT NULL,
    agent_type      text NOT NULL,
    version         text NOT NULL,
    capabilities    jsonb NOT NULL,  -- array of strings
    owner           text NOT NULL,
    deployment_env  text NOT NULL,
    scopes          text[] NOT NULL,
    status          text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    metadata        jsonb NOT NULL,  -- object
    revision        integer NOT NULL
);

-- Emails are unique across the IdP regardless of case (the domain lower-cases them too, and
-- accepts ASCII addresses only, so lower() is locale-independent here).
CREATE UNIQUE INDEX agents_email_key ON agents (lower(email));
-- Listing is always tenant-scoped and newest first (created_at DESC, id DESC).
CREATE INDEX agents_by_organization ON agents (organization_id, created_at, id);

CREATE TABLE credentials (
    id              text COLLATE "C" PRIMARY KEY,
    agent_id        text COLLATE "C" NOT NULL
        CONSTRAINT credentials_agent_id_fkey REFERENCES agents (id),
    organization_id text COLLATE "C" NOT NULL,
    secret_hash     text NOT NULL,
    status          text NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz,
    revoked_at      timestamptz,
    rotated_at      timestamptz,
    revision        integer NOT NULL
);

-- Client authentication reads an agent's credentials on every token request.
CREATE INDEX credentials_by_agent ON credentials (agent_id, created_at, id);

CREATE TABLE audit_events (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- chain order
    id              text COLLATE "C" NOT NULL CONSTRAINT audit_events_id_key UNIQUE,
    occurred_at     timestamptz NOT NULL,
    organization_id text COLLATE "C",  -- NULL when the tenant is unknown (e.g. unknown client)
    actor_id        text,
    agent_id        text COLLATE "C",
    action          text NOT NULL,
    outcome         text NOT NULL,
    ip_address      text,
    user_agent      text,
    -- NOTE: json, not jsonb: the hash covers the metadata as written, and jsonb would
    -- normalise it on the way in (1e300 comes back as an integer, "\u0000" is refused).
    metadata        json NOT NULL,
    -- NOTE: no UNIQUE here: forks are prevented by the audit_chain_head row lock taken at
    -- the start of every write transaction (adapters/postgres/chain.py), and verification
    -- detects any fork anyway.
    previous_hash   text NOT NULL,
    hash            text NOT NULL
);

CREATE INDEX audit_events_by_organization ON audit_events (organization_id, seq);
CREATE INDEX audit_events_by_agent ON audit_events (agent_id, seq);
CREATE INDEX audit_events_by_time ON audit_events (occurred_at);

-- The hash of the last event in chain order (the empty genesis hash while the log is
-- empty). Every group transaction locks this one row first (SELECT ... FOR UPDATE), which
-- serialises all writers of every process, and updates it before COMMIT.
CREATE TABLE audit_chain_head (
    id    smallint PRIMARY KEY CONSTRAINT audit_chain_head_single_row CHECK (id = 1),
    hash  text NOT NULL
);
INSERT INTO audit_chain_head (id, hash) VALUES (1, '');

-- SECURITY: the log is append-only in storage too, so a bug or a stray UPDATE/DELETE cannot
-- rewrite history (tampering below SQL, or by a superuser, is what the hash chain detects).
-- Statement-level triggers refuse even a statement that would match no row.
-- TRUNCATE does not fire them: test fixtures empty the tables with it, and only the
-- table owner may run it.
CREATE FUNCTION audit_refuse_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: the audit log is append-only', TG_OP, TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_rewrite();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_rewrite();

-- The head row is updated in place but never deleted (the writer needs it to lock on).
CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_rewrite();

-- Revoked access-token ids (jti) until the token's own expiry (unix seconds).
CREATE TABLE revoked_tokens (
    jti         text COLLATE "C" PRIMARY KEY,
    expires_at  bigint NOT NULL
);

CREATE INDEX revoked_tokens_by_expiry ON revoked_tokens (expires_at);

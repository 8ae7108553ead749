-- 0007_delegation: agent-to-agent delegation links (docs/delegation.md, docs/adr/0014).
--
-- A link is inserted once and afterwards only revoked (status, revoked_at). Whether it is
-- usable is computed along its chain (parent_id) at every check, so revoking an ancestor
-- needs no write to its descendants. Encodings as in 0001 (adapters/sqlite/rows.py):
-- instants are fixed-width UTC ISO 8601 text, scopes the sorted space-joined string.

CREATE TABLE delegations (
    id                  TEXT PRIMARY KEY,
    organization_id     TEXT NOT NULL REFERENCES organizations (id),
    delegator_agent_id  TEXT NOT NULL REFERENCES agents (id),
    delegatee_agent_id  TEXT NOT NULL REFERENCES agents (id),
    scopes              TEXT NOT NULL CHECK (scopes <> ''),
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL CHECK (expires_at > created_at),
    parent_id           TEXT REFERENCES delegations (id),
    depth               INTEGER NOT NULL CHECK (depth >= 1),
    status              TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    revoked_at          TEXT,
    CHECK (delegator_agent_id <> delegatee_agent_id),
    CHECK ((parent_id IS NULL) = (depth = 1)),
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);

-- The token exchange looks links up by (delegator, delegatee, parent); chains are walked
-- by primary key.
CREATE INDEX delegations_by_parties
    ON delegations (organization_id, delegator_agent_id, delegatee_agent_id, created_at);

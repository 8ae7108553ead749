-- 0007_delegation: agent-to-agent delegation links (docs/delegation.md, docs/adr/0014).
--
-- Same table as migrations/sqlite/0007_delegation.sql in PostgreSQL types. A link is
-- inserted once and afterwards only revoked (status, revoked_at). Whether it is usable is
-- computed along its chain (parent_id) at every check, so revoking an ancestor needs no write
-- to its descendants and no lock on them.

CREATE TABLE delegations (
    id                  text COLLATE "C" PRIMARY KEY,
    organization_id     text COLLATE "C" NOT NULL
        CONSTRAINT delegations_organization_id_fkey REFERENCES organizations (id),
    delegator_agent_id  text COLLATE "C" NOT NULL
        CONSTRAINT delegations_delegator_agent_id_fkey REFERENCES agents (id),
    delegatee_agent_id  text COLLATE "C" NOT NULL
        CONSTRAINT delegations_delegatee_agent_id_fkey REFERENCES agents (id),
    scopes              text[] NOT NULL CONSTRAINT delegations_scopes_check
        CHECK (cardinality(scopes) >= 1),
    created_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    parent_id           text COLLATE "C"
        CONSTRAINT delegations_parent_id_fkey REFERENCES delegations (id),
    depth               integer NOT NULL CONSTRAINT delegations_depth_check CHECK (depth >= 1),
    status              text NOT NULL
        CONSTRAINT delegations_status_check CHECK (status IN ('active', 'revoked')),
    revoked_at          timestamptz,
    CONSTRAINT delegations_lifetime_check CHECK (expires_at > created_at),
    CONSTRAINT delegations_not_self_check CHECK (delegator_agent_id <> delegatee_agent_id),
    CONSTRAINT delegations_root_check CHECK ((parent_id IS NULL) = (depth = 1)),
    CONSTRAINT delegations_revocation_check CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);

-- The token exchange looks links up by (delegator, delegatee, parent); chains are walked
-- by primary key.
CREATE INDEX delegations_by_parties
    ON delegations (organization_id, delegator_agent_id, delegatee_agent_id, created_at);

-- Tenant data: the same row-level security policy as 0004's tables.
ALTER TABLE delegations ENABLE ROW LEVEL SECURITY;
ALTER TABLE delegations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON delegations
    USING (current_setting('agentidp.organization_id', true) IN ('*', organization_id))
    WITH CHECK (current_setting('agentidp.organization_id', true) IN ('*', organization_id));

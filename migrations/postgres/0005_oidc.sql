-- 0005_oidc: GitHub Actions OIDC trust policies (docs/oidc-github.md, docs/adr/0012).
--
-- A policy is inserted once and later deleted; it is never updated. repository_owner_id and
-- repository_id are GitHub's immutable numeric ids as decimal text (claims carry them as
-- strings). agent_id NULL is a bootstrap policy. COLLATE "C": comparisons are byte-exact,
-- as trust-policy matching requires.
CREATE TABLE oidc_trust_policies (
    id                  text COLLATE "C" PRIMARY KEY,
    organization_id     text COLLATE "C" NOT NULL
        CONSTRAINT oidc_trust_policies_organization_id_fkey REFERENCES organizations (id),
    provider            text COLLATE "C" NOT NULL CHECK (provider IN ('github')),
    repository          text COLLATE "C" NOT NULL CHECK (repository <> ''),
    repository_owner_id text COLLATE "C" NOT NULL CHECK (repository_owner_id <> ''),
    repository_id       text COLLATE "C" NOT NULL CHECK (repository_id <> ''),
    branch              text COLLATE "C",
    environment         text COLLATE "C",
    workflow            text COLLATE "C",
    agent_id            text COLLATE "C"
        CONSTRAINT oidc_trust_policies_agent_id_fkey REFERENCES agents (id),
    created_at          timestamptz NOT NULL
);

-- The exchange finds candidate policies by the token's immutable repository id.
CREATE INDEX oidc_trust_policies_by_repository
    ON oidc_trust_policies (provider, repository_id);
CREATE INDEX oidc_trust_policies_by_organization
    ON oidc_trust_policies (organization_id, created_at);
-- One policy per set of conditions in an organization (NULL conditions compared as equal).
CREATE UNIQUE INDEX oidc_trust_policies_conditions_key ON oidc_trust_policies (
    organization_id, provider, repository_id, coalesce(branch, ''), coalesce(environment, ''),
    coalesce(workflow, ''), coalesce(agent_id, '')
);

-- Tenant data: row-level security exactly as 0004 (docs/adr/0011). The exchange runs before
-- the caller's organization is known, acting for '*'.
ALTER TABLE oidc_trust_policies ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_trust_policies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON oidc_trust_policies
    USING (current_setting('agentidp.organization_id', true) IN ('*', organization_id))
    WITH CHECK (current_setting('agentidp.organization_id', true) IN ('*', organization_id));

-- 0005_oidc: GitHub Actions OIDC trust policies (docs/oidc-github.md, docs/adr/0012).
--
-- A policy is inserted once and later deleted; it is never updated. repository_owner_id and
-- repository_id are GitHub's immutable numeric ids as decimal text (claims carry them as
-- strings). agent_id NULL is a bootstrap policy. Instants are fixed-width UTC ISO 8601 text
-- (adapters/sqlite/rows.py). Comparisons are exact: SQLite's default BINARY collation.
CREATE TABLE oidc_trust_policies (
    id                  TEXT PRIMARY KEY,
    organization_id     TEXT NOT NULL REFERENCES organizations (id),
    provider            TEXT NOT NULL CHECK (provider IN ('github')),
    repository          TEXT NOT NULL CHECK (repository <> ''),
    repository_owner_id TEXT NOT NULL CHECK (repository_owner_id <> ''),
    repository_id       TEXT NOT NULL CHECK (repository_id <> ''),
    branch              TEXT,
    environment         TEXT,
    workflow            TEXT,
    agent_id            TEXT REFERENCES agents (id),
    created_at          TEXT NOT NULL
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

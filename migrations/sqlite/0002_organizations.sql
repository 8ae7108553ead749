-- 0002_organizations: plan tiers, limit overrides and optimistic locking on organizations,
-- and organization_members (an agent's role in its organization).
--
-- Encodings as in 0001 (adapters/sqlite/rows.py): instants are fixed-width UTC ISO 8601 text,
-- enums are their values. NULL limit overrides mean "the plan tier's figure".

ALTER TABLE organizations ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN plan_tier TEXT NOT NULL DEFAULT 'free';
ALTER TABLE organizations ADD COLUMN max_agents INTEGER CHECK (max_agents >= 1);
ALTER TABLE organizations ADD COLUMN max_tokens_per_month INTEGER
    CHECK (max_tokens_per_month >= 1);
ALTER TABLE organizations ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

UPDATE organizations SET updated_at = created_at;

-- Listing is newest first, optionally by status.
CREATE INDEX organizations_by_creation ON organizations (created_at, id);

CREATE TABLE organization_members (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    agent_id        TEXT NOT NULL REFERENCES agents (id),
    role            TEXT NOT NULL CHECK (role IN ('member', 'admin')),
    joined_at       TEXT NOT NULL,
    UNIQUE (organization_id, agent_id)
);

-- Members are listed per organization, oldest first; bearer authentication looks a role up
-- by (organization_id, agent_id), which the UNIQUE index above serves.
CREATE INDEX organization_members_by_joining
    ON organization_members (organization_id, joined_at, id);

-- Before this migration, holding admin:orgs was what made an agent its organization's
-- administrator: every such agent (not decommissioned) keeps that power as an admin member.
-- Ids are random version-4 UUIDs in canonical form, like the application's.
INSERT INTO organization_members (id, organization_id, agent_id, role, joined_at)
SELECT
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4'
        || substr(lower(hex(randomblob(2))), 2) || '-'
        || substr('89ab', 1 + abs(random()) % 4, 1) || substr(lower(hex(randomblob(2))), 2)
        || '-' || lower(hex(randomblob(6))),
    organization_id,
    id,
    'admin',
    created_at
FROM agents
WHERE ' ' || scopes || ' ' LIKE '% admin:orgs %' AND status <> 'decommissioned';

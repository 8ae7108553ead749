-- 0002_organizations: plan tiers, limit overrides and optimistic locking on organizations,
-- and organization_members (an agent's role in its organization).
--
-- Same tables as migrations/sqlite/0002_organizations.sql in PostgreSQL types. Constraint
-- names are part of the contract (adapters/postgres/errors.py maps them to port errors).
-- NULL limit overrides mean "the plan tier's figure".

ALTER TABLE organizations
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN plan_tier text NOT NULL DEFAULT 'free',
    ADD COLUMN max_agents integer CONSTRAINT organizations_max_agents_check
        CHECK (max_agents >= 1),
    ADD COLUMN max_tokens_per_month integer
        CONSTRAINT organizations_max_tokens_per_month_check CHECK (max_tokens_per_month >= 1),
    ADD COLUMN revision integer NOT NULL DEFAULT 0;

UPDATE organizations SET updated_at = created_at;
ALTER TABLE organizations ALTER COLUMN updated_at SET NOT NULL;

-- Listing is newest first, optionally by status.
CREATE INDEX organizations_by_creation ON organizations (created_at, id);

CREATE TABLE organization_members (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL
        CONSTRAINT organization_members_organization_id_fkey REFERENCES organizations (id),
    agent_id        text COLLATE "C" NOT NULL
        CONSTRAINT organization_members_agent_id_fkey REFERENCES agents (id),
    role            text NOT NULL
        CONSTRAINT organization_members_role_check CHECK (role IN ('member', 'admin')),
    joined_at       timestamptz NOT NULL,
    CONSTRAINT organization_members_member_key UNIQUE (organization_id, agent_id)
);

-- Members are listed per organization, oldest first; bearer authentication looks a role up
-- by (organization_id, agent_id), which the UNIQUE index above serves.
CREATE INDEX organization_members_by_joining
    ON organization_members (organization_id, joined_at, id);

-- Before this migration, holding admin:orgs was what made an agent its organization's
-- administrator: every such agent (not decommissioned) keeps that power as an admin member.
INSERT INTO organization_members (id, organization_id, agent_id, role, joined_at)
SELECT gen_random_uuid()::text, organization_id, id, 'admin', created_at
FROM agents
WHERE 'admin:orgs' = ANY (scopes) AND status <> 'decommissioned';

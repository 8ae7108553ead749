-- 0006_federation: trusted external identity providers (federation partners,
-- docs/federation.md and docs/adr/0013-federation-partners.md).
--
-- Deployment-wide rows, not tenant data: there is no organization_id column, hence no
-- row-level security policy (0004); allowed_organizations names the organizations a partner
-- may vouch for. Only platform administrators manage partners; any authenticated caller's
-- verification reads them. status is the stored one (a passed expires_at reads as expired in
-- the application).

CREATE TABLE federation_partners (
    id                    text COLLATE "C" PRIMARY KEY,
    name                  text NOT NULL,
    issuer                text COLLATE "C" NOT NULL
        CONSTRAINT federation_partners_issuer_key UNIQUE,
    jwks_uri              text NOT NULL,
    allowed_organizations jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(allowed_organizations) = 'array'),
    status                text NOT NULL CHECK (status IN ('active', 'suspended', 'expired')),
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    expires_at            timestamptz,
    revision              integer NOT NULL DEFAULT 0
);

-- Listing is oldest first.
CREATE INDEX federation_partners_by_creation ON federation_partners (created_at, id);

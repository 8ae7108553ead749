-- 0006_federation: trusted external identity providers (federation partners,
-- docs/federation.md and docs/adr/0013-federation-partners.md).
--
-- Deployment-wide rows: no organization_id (allowed_organizations names the organizations a
-- partner may vouch for). Encodings as in 0001 (adapters/sqlite/rows.py): instants are
-- fixed-width UTC ISO 8601 text; allowed_organizations is a JSON array of strings; status is
-- the stored one (a passed expires_at reads as expired in the application).

CREATE TABLE federation_partners (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    issuer                TEXT NOT NULL UNIQUE,
    jwks_uri              TEXT NOT NULL,
    allowed_organizations TEXT NOT NULL DEFAULT '[]',
    status                TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'expired')),
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    expires_at            TEXT,
    revision              INTEGER NOT NULL DEFAULT 0
);

-- Listing is oldest first.
CREATE INDEX federation_partners_by_creation ON federation_partners (created_at, id);

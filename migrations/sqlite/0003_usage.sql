-- Usage counters of the tier limits (docs/limits.md): one row per organization and counter.
--   counter 'agents'          registered agents that are not decommissioned
--   counter 'tokens:YYYY-MM'  access tokens issued in that calendar month (UTC)
-- The agents counter is maintained by triggers, so every path that adds an agent counts
-- (registration, bootstrap, an organization's first administrator) without the use case
-- having to remember it; the token counter is incremented by the token use case in the same
-- transaction as its token.issued audit event. Limits are enforced by conditional statements
-- on these rows (adapters/*/usage.py), exact under concurrency because every writer updates
-- the same row.
CREATE TABLE usage_counters (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    counter         TEXT NOT NULL,
    value           INTEGER NOT NULL CHECK (value >= 0),
    PRIMARY KEY (organization_id, counter)
);

INSERT INTO usage_counters (organization_id, counter, value)
SELECT organization_id, 'agents', count(*) FROM agents
WHERE status <> 'decommissioned'
GROUP BY organization_id;

CREATE TRIGGER usage_agent_added AFTER INSERT ON agents
WHEN NEW.status <> 'decommissioned'
BEGIN
    INSERT INTO usage_counters (organization_id, counter, value)
    VALUES (NEW.organization_id, 'agents', 1)
    ON CONFLICT (organization_id, counter) DO UPDATE SET value = value + 1;
END;

-- Decommissioning is one-way (the domain refuses the way back), so only that step counts.
CREATE TRIGGER usage_agent_decommissioned AFTER UPDATE OF status ON agents
WHEN OLD.status <> 'decommissioned' AND NEW.status = 'decommissioned'
BEGIN
    UPDATE usage_counters SET value = value - 1
    WHERE organization_id = NEW.organization_id AND counter = 'agents' AND value > 0;
END;

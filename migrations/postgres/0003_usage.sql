-- Usage counters of the tier limits (docs/limits.md): one row per organization and counter.
--   counter 'agents'          registered agents that are not decommissioned
--   counter 'tokens:YYYY-MM'  access tokens issued in that calendar month (UTC)
-- The agents counter is maintained by triggers, so every path that adds an agent counts
-- (registration, bootstrap, an organization's first administrator) without the use case
-- having to remember it; the token counter is incremented by the token use case in the same
-- transaction as its token.issued audit event. Limits are enforced by conditional statements
-- on these rows (adapters/*/usage.py): every writer updates the same row, so the row lock
-- serialises them and each statement sees the latest committed value (READ COMMITTED
-- re-evaluates the condition on the locked row).
CREATE TABLE usage_counters (
    organization_id text COLLATE "C" NOT NULL
        CONSTRAINT usage_counters_organization_id_fkey REFERENCES organizations (id),
    counter         text COLLATE "C" NOT NULL,
    value           bigint NOT NULL CONSTRAINT usage_counters_value_check CHECK (value >= 0),
    CONSTRAINT usage_counters_pkey PRIMARY KEY (organization_id, counter)
);

INSERT INTO usage_counters (organization_id, counter, value)
SELECT organization_id, 'agents', count(*) FROM agents
WHERE status <> 'decommissioned'
GROUP BY organization_id;

CREATE FUNCTION usage_count_agent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO usage_counters (organization_id, counter, value)
        VALUES (NEW.organization_id, 'agents', 1)
        ON CONFLICT (organization_id, counter)
        DO UPDATE SET value = usage_counters.value + 1;
    ELSE
        -- Decommissioning is one-way (the domain refuses the way back): only that step counts.
        UPDATE usage_counters SET value = value - 1
        WHERE organization_id = NEW.organization_id AND counter = 'agents' AND value > 0;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER usage_agent_added AFTER INSERT ON agents
FOR EACH ROW WHEN (NEW.status <> 'decommissioned')
EXECUTE FUNCTION usage_count_agent();

CREATE TRIGGER usage_agent_decommissioned AFTER UPDATE OF status ON agents
FOR EACH ROW WHEN (OLD.status <> 'decommissioned' AND NEW.status = 'decommissioned')
EXECUTE FUNCTION usage_count_agent();

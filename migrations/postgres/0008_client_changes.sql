-- Client changes are pushed to every IdP process (adapters/postgres/client_changes.py):
-- whatever changes an agent, its credentials or an organization notifies the channel
-- agentidp_client_changes at commit, whoever wrote it (a worker, the CLI, psql). Payload: the
-- agent id, or '*' when anything wider changed (an organization, whose agents' status follows
-- it, or a TRUNCATE). PostgreSQL folds identical notifications of one transaction into one.
-- Creating an agent notifies nothing: an unknown client is never cached.

CREATE FUNCTION agentidp_notify_client_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        PERFORM pg_notify('agentidp_client_changes', '*');
    ELSIF TG_TABLE_NAME = 'agents' THEN
        PERFORM pg_notify('agentidp_client_changes', OLD.id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('agentidp_client_changes', OLD.agent_id);
    ELSE
        PERFORM pg_notify('agentidp_client_changes', NEW.agent_id);
    END IF;
    RETURN NULL;
END;
$$;

-- An agent's id never changes (UPDATE keeps it), so OLD.id names the agent for both events.
CREATE TRIGGER agents_notify_client_change
    AFTER UPDATE OR DELETE ON agents
    FOR EACH ROW EXECUTE FUNCTION agentidp_notify_client_change();

CREATE TRIGGER credentials_notify_client_change
    AFTER INSERT OR UPDATE OR DELETE ON credentials
    FOR EACH ROW EXECUTE FUNCTION agentidp_notify_client_change();

CREATE TRIGGER organizations_notify_client_change
    AFTER UPDATE OR DELETE OR TRUNCATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION agentidp_notify_client_change();

CREATE TRIGGER agents_truncate_notify_client_change
    AFTER TRUNCATE ON agents
    FOR EACH STATEMENT EXECUTE FUNCTION agentidp_notify_client_change();

CREATE TRIGGER credentials_truncate_notify_client_change
    AFTER TRUNCATE ON credentials
    FOR EACH STATEMENT EXECUTE FUNCTION agentidp_notify_client_change();

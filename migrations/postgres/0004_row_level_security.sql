-- 0004_row_level_security: tenant isolation enforced by PostgreSQL itself, as a second wall
-- behind the application's own organization filters (docs/adr/0011-row-level-security.md).
--
-- Every statement sees and writes only the rows of the organization named by the
-- transaction-local setting agentidp.organization_id, set by the store before a unit of
-- work's statements (adapters/postgres/tenancy.py):
--   * an organization id: that organization's rows only (reads, and the rows an INSERT or
--     UPDATE would produce: WITH CHECK refuses writing another organization's row);
--   * '*': every row (the system before a caller is known, platform administrators, the
--     local operator, the deployment-wide audit chain);
--   * unset or empty: no row at all, and every write refused (fail closed).
-- current_setting(..., true) is NULL when the setting was never declared in the session, and
-- '' after a transaction that declared it ended; neither matches anything below.
--
-- FORCE: the policies apply to the tables' owner too (the IdP usually owns its schema).
-- They do not apply to superusers or BYPASSRLS roles: run the IdP as an ordinary role
-- (docs/operations.md, "Tenant isolation and row-level security").
-- Not tenant data, hence no policy: audit_chain_head (one global row), revoked_tokens
-- (token ids, no organization), schema_migrations.
-- Data migrations after this one must declare the scope they act for first:
--   SELECT set_config('agentidp.organization_id', '*', true);
-- TRUNCATE and foreign-key checks are not subject to row-level security.

-- Every table with an organization_id column at this point (agents, credentials,
-- audit_events, organization_members, usage_counters) gets the same policy; a table created
-- later needs its own (tests/integration/postgres/test_row_level_security.py fails until it
-- has one).
DO $$
DECLARE
    tenant_table regclass;
BEGIN
    FOR tenant_table IN
        SELECT format('%I.%I', c.table_schema, c.table_name)::regclass
        FROM information_schema.columns AS c
        JOIN information_schema.tables AS t
            ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema()
          AND c.column_name = 'organization_id'
          AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %s '
            'USING (current_setting(''agentidp.organization_id'', true) '
            'IN (''*'', organization_id)) '
            'WITH CHECK (current_setting(''agentidp.organization_id'', true) '
            'IN (''*'', organization_id))',
            tenant_table
        );
    END LOOP;
END;
$$;

-- An organization's own row is its tenant data too (its id is the tenant).
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON organizations
    USING (current_setting('agentidp.organization_id', true) IN ('*', id))
    WITH CHECK (current_setting('agentidp.organization_id', true) IN ('*', id));

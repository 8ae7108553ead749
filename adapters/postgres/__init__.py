"""PostgreSQL adapters (psycopg 3, async pool): the production store."""

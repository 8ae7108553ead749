"""Backend-neutral parts of the relational stores (SQLite and PostgreSQL).

Row mapping, unit-of-work staging, group-commit settling and migration file discovery are the
same logic for every SQL backend; each adapter supplies only its dialect's SQL, its driver
calls and its column encodings. Imports only the domain and the application ports/errors.
"""

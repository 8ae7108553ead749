"""End-to-end tests of the HTTP API (Litestar AsyncTestClient, real uvicorn for interop)."""

"""Redis adapters: revocation list, shared caches."""

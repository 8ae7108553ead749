"""Remote JSON Web Key Sets over HTTPS: the ``KeySetSource`` port (fetching, bounded caching)."""

"""Redis adapters: the shared revocation cache and the shared verified-secret cache.

Public API: :class:`RedisClient` (``run``/``ping``/``close``), :class:`RedisRevocationList`
(``RevocationList`` in front of a durable one; ``rebuild``/``aclose``),
:class:`RedisCachingSecretHasher` (``SecretHasher`` decorator), :data:`RevocationLoader`.
"""

from .client import RedisClient
from .revocation_list import RedisRevocationList, RevocationLoader
from .secret_cache import RedisCachingSecretHasher

__all__ = ["RedisCachingSecretHasher", "RedisClient", "RedisRevocationList", "RevocationLoader"]

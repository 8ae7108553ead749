"""A signing key: one private key, its key id, and the single JWS algorithm it may serve."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from agentidp.application.errors import KeyMaterialError

from . import jws_algorithms
from .jwk import PrivateKey, private_jwk, private_key_from_jwk, public_jwk

RSA_BITS = 2048


class KeyStoreError(KeyMaterialError):
    """Signing keys cannot be loaded or stored safely; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A private signing key with its ``kid`` and its one permitted JWS ``alg``."""

    kid: str
    alg: str
    private_key: PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        # SECURITY: algorithm pinned per key: an RSA key can never be used as ES256 or HS256.
        if jws_algorithms.algorithm_of(self.private_key) != self.alg:
            raise ValueError(f"key {self.kid!r} cannot be used with {self.alg!r}")

    @classmethod
    def generate(cls, alg: str, *, now: datetime | None = None) -> SigningKey:
        """A fresh key for ``alg`` with a kid ``key-YYYYMMDD-<8 hex>``.

        Raises:
            ValueError: ``alg`` is not RS256, ES256 or EdDSA.
        """
        key: PrivateKey
        if alg == jws_algorithms.RS256:
            key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
        elif alg == jws_algorithms.ES256:
            key = ec.generate_private_key(ec.SECP256R1())
        elif alg == jws_algorithms.EDDSA:
            key = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(
                f"unsupported signing algorithm {alg!r}; use one of "
                f"{', '.join(jws_algorithms.ALGORITHMS)}"
            )
        day = (now or datetime.now(UTC)).astimezone(UTC)
        return cls(kid=f"key-{day:%Y%m%d}-{secrets.token_hex(4)}", alg=alg, private_key=key)

    def public_jwk(self) -> dict[str, str]:
        """The public JWK with ``kid``, ``use: sig`` and ``alg`` (for the JWKS endpoint)."""
        return {**public_jwk(self.private_key), "kid": self.kid, "use": "sig", "alg": self.alg}

    def private_jwk(self) -> dict[str, str]:
        """The private JWK with ``kid``, ``use`` and ``alg``: secret material, store with care."""
        return {**private_jwk(self.private_key), "kid": self.kid, "use": "sig", "alg": self.alg}

    @classmethod
    def from_private_jwk(cls, jwk: Mapping[str, Any]) -> SigningKey:
        """The key in a private JWK written by :meth:`private_jwk`.

        Raises:
            ValueError: the JWK is malformed, lacks ``kid``/``alg``, or its ``alg`` does not fit
                the key type.
        """
        kid, alg = jwk.get("kid"), jwk.get("alg")
        if not isinstance(kid, str) or not kid or not isinstance(alg, str):
            raise ValueError("a signing key needs string 'kid' and 'alg' members")
        if jwk.get("use", "sig") != "sig":
            raise ValueError(f"key {kid!r} is not a signature key")
        return cls(kid=kid, alg=alg, private_key=private_key_from_jwk(jwk))


def check_unique_kids(keys: Sequence[SigningKey]) -> None:
    """Raise :class:`KeyStoreError` if two keys share a kid.

    SECURITY: a kid must name exactly one key, or a verifier could pick the wrong one.
    """
    kids = [key.kid for key in keys]
    if len(set(kids)) != len(kids):
        raise KeyStoreError("two signing keys share a kid")

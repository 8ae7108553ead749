"""``ForeignTokenVerifier``: compact JWS tokens of other issuers, checked against their JWKS.

It reuses this package's strict base64url and its per-algorithm verifiers
(:mod:`.jws_algorithms`), so a foreign token meets the same parser as our own. Every check,
in order, with the threat it stops:

1. At most ``policy.max_bytes`` characters, before any decoding, else ``oversized``.
   Stops: CPU and memory abuse.
2. Three ``.`` segments of canonical base64url, else ``malformed``.
   Stops: JWE and JSON serializations, several spellings of one token.
3. The header is a JSON object without duplicate names, else ``malformed-header``.
   Stops: parser differentials over ``alg`` and ``kid``.
4. No ``crit``, else ``crit-unsupported``.
   Stops: extensions we would silently ignore (RFC 7515 §4.1.11).
5. ``alg`` in the policy's list and one we implement (asymmetric only), else
   ``alg-not-allowed``. Stops: ``none``; HS256 keyed with the issuer's public key.
6. ``kid`` a string, else ``unknown-kid``; the payload a JSON object
   (``malformed-payload``) whose *unverified* ``iss`` is the policy's (``wrong-issuer``).
   Stops: key fetches caused by junk or by tokens of other issuers.
7. The key with that ``kid`` from the key set (one bounded refetch), else ``unknown-kid``.
   Stops: attacker-chosen keys (``jku``, ``jwk``, ``x5u``, ``x5c`` are never read).
8. The JWK's type is the one ``alg`` needs (RSA of at least 2048 bits for RS256), else
   ``key-mismatch``. Stops: RSA/EC confusion, weak keys.
9. The signature, else ``bad-signature``. Stops: forgery, tampering.
10. ``iss`` equals the policy's, else ``wrong-issuer``. Stops: another issuer's tokens
    (GitHub Enterprise Server versus github.com).
11. ``aud`` is, or is a list containing, the policy's, else ``wrong-audience``.
    Stops: a token minted for another relying party.
12. ``exp`` (a number) after now - leeway, else ``expired``; ``nbf`` (if present) before
    now + leeway, else ``not-yet-valid``; ``iat`` (a number) not in the future
    (``issued-in-future``) and within ``max_age`` (``too-old``). Stops: replays of old
    tokens, tokens minted for later.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from agentidp.application.ports.key_sets import (
    ForeignTokenPolicy,
    ForeignTokenRejected,
    KeySetSource,
)

from . import base64url, jws_algorithms

# NOTE: the package's own strict helpers, so foreign and own tokens meet one parser.
from .jwk import MIN_RSA_BITS, PublicKey, _member, _uint
from .signer import _unique_members

#: The algorithms this verifier can check at all; the policy narrows them further.
SUPPORTED: Final = frozenset(jws_algorithms.ALGORITHMS)
_JSON_ERRORS: Final = (ValueError, RecursionError, UnicodeDecodeError)


class JwksTokenVerifier:
    """Implements ``ForeignTokenVerifier`` with keys from a ``KeySetSource``."""

    def __init__(self, key_sets: KeySetSource) -> None:
        self._key_sets = key_sets

    async def verify(self, token: str, policy: ForeignTokenPolicy, now: datetime) -> dict[str, Any]:
        if not isinstance(token, str) or len(token) > policy.max_bytes:
            raise ForeignTokenRejected("oversized")
        parts = token.split(".")
        if len(parts) != 3:
            raise ForeignTokenRejected("malformed")
        header = _json_object(parts[0], "malformed-header")
        alg = _allowed_alg(header, policy.algorithms)
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise ForeignTokenRejected("unknown-kid")
        payload = _json_object(parts[1], "malformed-payload")
        # NOTE: unverified yet, so it only decides to stop early: a token that does not even
        # claim our issuer never costs a key fetch (checked again after the signature).
        if payload.get("iss") != policy.issuer:
            raise ForeignTokenRejected("wrong-issuer")
        jwks_uri = policy.jwks_uri or await self._key_sets.discover_jwks_uri(policy.issuer)
        jwk = await self._key_sets.key(jwks_uri, kid)
        if jwk is None:
            raise ForeignTokenRejected("unknown-kid")
        verify = jws_algorithms.verifier_for(_public_key(jwk, alg))
        try:
            signature = base64url.decode(parts[2])
        except ValueError:
            raise ForeignTokenRejected("malformed") from None
        if not verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii")):
            raise ForeignTokenRejected("bad-signature")
        check_registered_claims(payload, policy, now)
        return payload


def check_registered_claims(
    payload: Mapping[str, Any], policy: ForeignTokenPolicy, now: datetime
) -> None:
    """Checks 10-12 of the module docstring on a signature-verified payload.

    Raises:
        ForeignTokenRejected: the first failing check.
    """
    if payload.get("iss") != policy.issuer:
        raise ForeignTokenRejected("wrong-issuer")
    aud = payload.get("aud")
    if not (aud == policy.audience or (isinstance(aud, list) and policy.audience in aud)):
        raise ForeignTokenRejected("wrong-audience")
    instant, leeway = now.timestamp(), policy.leeway.total_seconds()
    exp, iat = _time(payload, "exp"), _time(payload, "iat")
    nbf = _time(payload, "nbf") if "nbf" in payload else None
    if exp <= instant - leeway:
        raise ForeignTokenRejected("expired")
    if nbf is not None and nbf > instant + leeway:
        raise ForeignTokenRejected("not-yet-valid")
    if iat > instant + leeway:
        raise ForeignTokenRejected("issued-in-future")
    if iat < instant - policy.max_age.total_seconds() - leeway:
        raise ForeignTokenRejected("too-old")


def _allowed_alg(header: Mapping[str, Any], allowed: frozenset[str]) -> str:
    if "crit" in header:
        raise ForeignTokenRejected("crit-unsupported")
    alg = header.get("alg")
    # SECURITY: only asymmetric algorithms we implement can pass, whatever the policy lists:
    # "none" and HS* have no verifier here to reach.
    if not isinstance(alg, str) or alg not in allowed or alg not in SUPPORTED:
        raise ForeignTokenRejected("alg-not-allowed")
    return alg


def _public_key(jwk: Mapping[str, Any], alg: str) -> PublicKey:
    try:
        key = public_key_from_jwk(jwk)
    except ValueError:
        raise ForeignTokenRejected("key-mismatch") from None
    if jws_algorithms.algorithm_of(key) != alg or jwk.get("alg", alg) != alg:
        raise ForeignTokenRejected("key-mismatch")
    return key


def public_key_from_jwk(jwk: Mapping[str, Any]) -> PublicKey:
    """The public key of a public JWK (RSA ≥ 2048 bits, EC P-256, OKP Ed25519).

    Raises:
        ValueError: unsupported type or curve, missing or malformed member, weak RSA key.
    """
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "RSA":
        numbers = rsa.RSAPublicNumbers(e=_uint(jwk, "e"), n=_uint(jwk, "n"))
        if numbers.n.bit_length() < MIN_RSA_BITS:
            raise ValueError("weak RSA key")
        return numbers.public_key()
    if kty == "EC" and crv == "P-256":
        point = ec.EllipticCurvePublicNumbers(_uint(jwk, "x"), _uint(jwk, "y"), ec.SECP256R1())
        return point.public_key()
    if kty == "OKP" and crv == "Ed25519":
        return ed25519.Ed25519PublicKey.from_public_bytes(base64url.decode(_member(jwk, "x")))
    raise ValueError(f"unsupported key type {kty!r} / curve {crv!r}")


def _json_object(segment: str, reason: str) -> dict[str, Any]:
    try:
        document = json.loads(
            base64url.decode(segment).decode("utf-8"), object_pairs_hook=_unique_members
        )
    except _JSON_ERRORS:
        raise ForeignTokenRejected(reason) from None
    if not isinstance(document, dict):
        raise ForeignTokenRejected(reason)
    return document


def _time(payload: Mapping[str, Any], name: str) -> float:
    value = payload.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ForeignTokenRejected("malformed-payload")
    return float(value)

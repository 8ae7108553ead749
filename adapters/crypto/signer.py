"""RFC 9068 access tokens as compact JWS: the ``TokenSigner`` port on ``cryptography``.

Signing is on the token endpoint's hot path, so the protected header is encoded once per key
and claims are serialized with msgspec; only the payload and the signature are computed per
token. Verification is deliberately plain, and every check it makes is listed here:

1. A ``str`` (else ``malformed``) of at most 8 KiB, else ``oversized``.
   Stops: CPU and memory abuse with huge tokens.
2. Exactly three ``.``-separated parts, else ``malformed``.
   Stops: JWE and JSON serializations, truncated tokens.
3. The header is canonical base64url of a UTF-8 JSON object without duplicate names, else
   ``malformed-header``. Stops: parser differentials over which ``alg``/``kid`` a token names.
4. No ``crit`` member, else ``crit-unsupported``.
   Stops: extensions we would silently ignore (RFC 7515 §4.1.11).
5. ``typ`` is ``at+jwt`` or ``application/at+jwt`` in any case, else ``wrong-typ``.
   Stops: ID tokens or other JWTs replayed as access tokens (RFC 9068 §4).
6. ``kid`` is a string naming one of our keys, else ``unknown-kid``.
   Stops: attacker-chosen keys (``jku``, ``jwk``, ``x5u``, ``x5c`` are never used).
7. ``alg`` equals the algorithm pinned to that key, else ``alg-mismatch``.
   Stops: ``alg: none``, HS256 keyed with our public key, RSA/EC confusion.
8. Payload and signature are canonical base64url, else ``malformed``.
   Stops: several spellings of one token.
9. The signature verifies with that key over ``header.payload``, else ``bad-signature``.
   Stops: forgery, tampering, a token from another key published under our kid.
10. The payload is a JSON object (parsed only after 9), else ``malformed-payload``.

Checks 3-7 depend only on the header segment. For the exact segment we emit for each key they
hold by construction, so that segment maps straight to its key's verifier; every other
spelling, however equivalent, goes through 3-7 in full.

Claims (``exp``, ``iss``, ``aud``…) are *not* checked here: the domain's claim table does that.
Revocation is keyed by ``jti``, so ECDSA's two valid encodings of one signature (``s`` and
``n - s``) cannot be used to dodge it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from agentidp.application.ports.security import TokenRejected

from . import base64url, jws_algorithms
from .keys import SigningKeys
from .signing_key import KeyStoreError, check_unique_kids

MAX_TOKEN_CHARS: Final = 8 * 1024
TOKEN_TYPE: Final = "at+jwt"
_ACCEPTED_TYPES: Final = frozenset({"at+jwt", "application/at+jwt"})
_JSON_ERRORS: Final = (ValueError, RecursionError)


class JwtTokenSigner:
    """``TokenSigner`` for RS256, ES256 and EdDSA keys from a key store.

    Args:
        keys: the key store; ``current`` signs, every key in ``all_keys`` verifies. Read once.

    Raises:
        KeyStoreError: two keys share a kid, or ``current`` is not among ``all_keys``.
    """

    def __init__(self, keys: SigningKeys) -> None:
        current, all_keys = keys.current, tuple(keys.all_keys)
        check_unique_kids(all_keys)
        if not any(key is current for key in all_keys):
            raise KeyStoreError("the current signing key is missing from all_keys")
        self._algorithm = current.alg
        self._header_segment = _header_segment(current.alg, current.kid) + "."
        self._sign = jws_algorithms.signer_for(current.private_key)
        # kid → (pinned alg, verify function). Built once: keys are loaded once.
        self._verifiers = {
            key.kid: (key.alg, jws_algorithms.verifier_for(key.private_key.public_key()))
            for key in all_keys
        }
        # NOTE: fast path. The exact header segment we emit for each key is known-good (we
        # built it from that key's kid and alg); any other spelling is parsed and checked in full.
        self._own_headers = {
            _header_segment(key.alg, key.kid): self._verifiers[key.kid][1] for key in all_keys
        }
        self._jwks = {"keys": [key.public_jwk() for key in all_keys]}

    @property
    def algorithm(self) -> str:
        return self._algorithm

    def sign(self, claims: Mapping[str, Any]) -> str:
        payload = claims if type(claims) is dict else dict(claims)
        signing_input = self._header_segment + base64url.encode(msgspec.json.encode(payload))
        signature = self._sign(signing_input.encode("ascii"))
        return f"{signing_input}.{base64url.encode(signature)}"

    def verify(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str):
            raise TokenRejected("malformed")  # Defensive: bytes or None from a careless caller
        if len(token) > MAX_TOKEN_CHARS:
            raise TokenRejected("oversized")
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenRejected("malformed")
        header_segment, payload_segment, signature_segment = parts
        verify = self._own_headers.get(header_segment)
        if verify is None:
            verify = self._verifier_for(_header(header_segment))
        try:
            payload = base64url.decode(payload_segment)
            signature = base64url.decode(signature_segment)
        except ValueError:
            raise TokenRejected("malformed") from None
        # Both segments are now known to be pure base64url, hence ASCII.
        signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
        if not verify(signature, signing_input):
            raise TokenRejected("bad-signature")
        return _claims(payload)

    def jwks(self) -> dict[str, Any]:
        # NOTE: built once; a deep copy so no caller can edit the keys others are served.
        return copy.deepcopy(self._jwks)

    def _verifier_for(self, header: dict[str, Any]) -> jws_algorithms.Verify:
        if "crit" in header:
            raise TokenRejected("crit-unsupported")
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in _ACCEPTED_TYPES:
            raise TokenRejected("wrong-typ")
        kid = header.get("kid")
        entry = self._verifiers.get(kid) if isinstance(kid, str) else None
        if entry is None:
            raise TokenRejected("unknown-kid")
        pinned_alg, verify = entry
        # SECURITY: the key decides the algorithm, never the token: stops alg=none and
        # HS256-with-our-public-key (there is no HMAC verifier to reach in the first place).
        if header.get("alg") != pinned_alg:
            raise TokenRejected("alg-mismatch")
        return verify


def _header(segment: str) -> dict[str, Any]:
    try:
        text = base64url.decode(segment).decode("utf-8")  # RFC 7515 §5.2: UTF-8 only
        header = json.loads(text, object_pairs_hook=_unique_members)
    except _JSON_ERRORS:
        raise TokenRejected("malformed-header") from None
    if not isinstance(header, dict):
        raise TokenRejected("malformed-header")
    return header


def _claims(payload: bytes) -> dict[str, Any]:
    try:
        claims = msgspec.json.decode(payload)
    except _JSON_ERRORS:
        raise TokenRejected("malformed-payload") from None
    if not isinstance(claims, dict):
        raise TokenRejected("malformed-payload")
    return claims


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        # SECURITY: RFC 7515 §4: duplicate header names must be rejected (or last-wins); we
        # reject so no two parsers can disagree about which alg or kid a token names.
        raise ValueError("duplicate header member")
    return members


def _header_segment(alg: str, kid: str) -> str:
    header = {"alg": alg, "kid": kid, "typ": TOKEN_TYPE}  # RFC 9068 §2.1, nothing else
    return base64url.encode(json.dumps(header, separators=(",", ":")).encode("utf-8"))

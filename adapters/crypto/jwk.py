"""JSON Web Keys (RFC 7517) for our three key types, to and from ``cryptography`` objects.

| kty | JWS alg | public members | private members | spec |
| --- | --- | --- | --- | --- |
| RSA | RS256 | n, e | d, p, q, dp, dq, qi | RFC 7518 §6.3 |
| EC (P-256) | ES256 | crv, x, y | d | RFC 7518 §6.2 |
| OKP (Ed25519) | EdDSA | crv, x | d | RFC 8037 §2 |

Importing checks that the private and public halves belong together, so a hand-edited key file
cannot publish one key while signing with another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from . import base64url

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

#: Every member that carries private key material, in any key type.
PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MIN_RSA_BITS: Final = 2048
_P256_BYTES: Final = 32


def public_jwk(key: PrivateKey | PublicKey) -> dict[str, str]:
    """The key-type members of the public JWK of ``key`` (no kid, use or alg)."""
    public = key if isinstance(key, PublicKey) else key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return {"kty": "RSA", "n": base64url.encode_uint(numbers.n),
                "e": base64url.encode_uint(numbers.e)}
    if isinstance(public, ec.EllipticCurvePublicKey):
        _require_p256(public.curve)
        point = public.public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": base64url.encode_uint(point.x, _P256_BYTES),
                "y": base64url.encode_uint(point.y, _P256_BYTES)}
    return {"kty": "OKP", "crv": "Ed25519", "x": base64url.encode(public.public_bytes_raw())}


def private_jwk(key: PrivateKey) -> dict[str, str]:
    """The key-type members of the private JWK of ``key``: public members plus secrets."""
    members = public_jwk(key)
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        members |= {"d": base64url.encode_uint(n.d), "p": base64url.encode_uint(n.p),
                    "q": base64url.encode_uint(n.q), "dp": base64url.encode_uint(n.dmp1),
                    "dq": base64url.encode_uint(n.dmq1), "qi": base64url.encode_uint(n.iqmp)}
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        d = key.private_numbers().private_value
        members["d"] = base64url.encode_uint(d, _P256_BYTES)
    else:
        members["d"] = base64url.encode(key.private_bytes_raw())
    return members


def private_key_from_jwk(jwk: Mapping[str, Any]) -> PrivateKey:
    """The private key described by a private JWK.

    Raises:
        ValueError: unsupported kty or curve, a missing or malformed member, an RSA modulus
            under 2048 bits, or public members that do not match the private ones.
    """
    kty = jwk.get("kty")
    key: PrivateKey
    if kty == "RSA":
        key = _rsa_from_jwk(jwk)
    elif kty == "EC" and jwk.get("crv") == "P-256":
        key = ec.derive_private_key(_uint(jwk, "d"), ec.SECP256R1())
    elif kty == "OKP" and jwk.get("crv") == "Ed25519":
        key = ed25519.Ed25519PrivateKey.from_private_bytes(_octets(jwk, "d"))
    else:
        raise ValueError(f"unsupported key type {kty!r} / curve {jwk.get('crv')!r}")
    # SECURITY: the published (public) members must be the ones the private key implies.
    expected = public_jwk(key)
    if any(jwk.get(name) != value for name, value in expected.items()):
        raise ValueError("public members do not match the private key")
    return key


def _rsa_from_jwk(jwk: Mapping[str, Any]) -> rsa.RSAPrivateKey:
    public = rsa.RSAPublicNumbers(e=_uint(jwk, "e"), n=_uint(jwk, "n"))
    if public.n.bit_length() < MIN_RSA_BITS:
        raise ValueError(f"RSA keys need at least {MIN_RSA_BITS} bits")
    numbers = rsa.RSAPrivateNumbers(
        p=_uint(jwk, "p"), q=_uint(jwk, "q"), d=_uint(jwk, "d"),
        dmp1=_uint(jwk, "dp"), dmq1=_uint(jwk, "dq"), iqmp=_uint(jwk, "qi"),
        public_numbers=public,
    )
    return numbers.private_key()  # cryptography checks that the numbers are consistent


def _uint(jwk: Mapping[str, Any], name: str) -> int:
    return base64url.decode_uint(_member(jwk, name))


def _octets(jwk: Mapping[str, Any], name: str) -> bytes:
    return base64url.decode(_member(jwk, name))


def _member(jwk: Mapping[str, Any], name: str) -> str:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise ValueError(f"member {name!r} is missing or not a string")
    return value


def _require_p256(curve: ec.EllipticCurve) -> None:
    if not isinstance(curve, ec.SECP256R1):
        raise ValueError(f"unsupported curve {curve.name}; ES256 needs P-256")

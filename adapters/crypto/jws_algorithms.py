"""The three JWS algorithms we sign with, implemented directly on ``cryptography``.

| alg | key | signature bytes | spec |
| --- | --- | --- | --- |
| RS256 | RSA ≥ 2048 bits | RSASSA-PKCS1-v1_5 with SHA-256, modulus length | RFC 7518 §3.3 |
| ES256 | EC P-256 | raw ``r || s``, 32 octets each (not DER) | RFC 7518 §3.4 |
| EdDSA | Ed25519 | 64 octets | RFC 8037 §3.1 |

There is deliberately no ``none`` and no HMAC algorithm here: a verifier can only ever be built
from one of our asymmetric public keys, for the algorithm that key was made for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from .jwk import PrivateKey, PublicKey

Sign = Callable[[bytes], bytes]
#: ``verify(signature, signing_input)`` → whether the signature is valid; never raises.
Verify = Callable[[bytes, bytes], bool]

RS256: Final = "RS256"
ES256: Final = "ES256"
EDDSA: Final = "EdDSA"
ALGORITHMS: Final = (RS256, ES256, EDDSA)

_P256_OCTETS: Final = 32


def algorithm_of(key: PrivateKey | PublicKey) -> str:
    """The only JWS algorithm ``key`` may be used with.

    Raises:
        ValueError: the key type or curve is not one we support.
    """
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return RS256
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return ES256
        raise ValueError(f"unsupported curve {key.curve.name}")
    return EDDSA


def signer_for(key: PrivateKey) -> Sign:
    """A function producing the JWS signature bytes of a signing input with ``key``."""
    if isinstance(key, rsa.RSAPrivateKey):
        return lambda data: key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return lambda data: _der_to_raw(key.sign(data, ec.ECDSA(hashes.SHA256())))
    return key.sign


def verifier_for(key: PublicKey) -> Verify:
    """A function checking a JWS signature made by the private half of ``key``."""
    if isinstance(key, rsa.RSAPublicKey):
        return lambda sig, data: _checked(key.verify, sig, data, padding.PKCS1v15(),
                                          hashes.SHA256())
    if isinstance(key, ec.EllipticCurvePublicKey):
        return lambda sig, data: _verify_es256(key, sig, data)
    return lambda sig, data: _verify_ed25519(key, sig, data)


def _der_to_raw(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(_P256_OCTETS, "big") + s.to_bytes(_P256_OCTETS, "big")


def _verify_es256(key: ec.EllipticCurvePublicKey, sig: bytes, data: bytes) -> bool:
    # SECURITY: RFC 7518 §3.4 fixes the length; anything else (e.g. a DER signature) is rejected
    # before it can reach the DER encoder.
    if len(sig) != 2 * _P256_OCTETS:
        return False
    r = int.from_bytes(sig[:_P256_OCTETS], "big")
    s = int.from_bytes(sig[_P256_OCTETS:], "big")
    return _checked(key.verify, encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))


def _verify_ed25519(key: ed25519.Ed25519PublicKey, sig: bytes, data: bytes) -> bool:
    return _checked(key.verify, sig, data)


def _checked(verify: Callable[..., None], *args: object) -> bool:
    try:
        verify(*args)
    except (InvalidSignature, ValueError):
        return False
    return True

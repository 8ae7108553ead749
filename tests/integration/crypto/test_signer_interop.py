"""Our hand-rolled JWS must agree with two independent libraries, both ways.

* joserfc and PyJWT verify our tokens using only our published JWKS, algorithm pinned.
* Tokens joserfc and PyJWT sign with our (exported) private key pass our ``verify``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
import pytest
from joserfc import jwk as jose_jwk
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from agentidp.adapters.crypto import base64url
from agentidp.adapters.crypto.keys import MemoryKeyStore, SigningKey
from agentidp.adapters.crypto.signer import JwtTokenSigner
from agentidp.application.ports.security import TokenRejected

ALGORITHMS = ("RS256", "ES256", "EdDSA")
AUDIENCE = "https://api.example.test"
ISSUER = "https://idp.example.test"
Claims = Callable[[], dict[str, Any]]

# joserfc flags "EdDSA" as superseded by RFC 9864's "Ed25519"; we still publish "EdDSA".
pytestmark = pytest.mark.filterwarnings("ignore::joserfc.errors.SecurityWarning")


@pytest.fixture(params=ALGORITHMS)
def alg(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def joserfc_key(key: SigningKey) -> Any:
    """Our private key as joserfc sees it, imported from our own private JWK."""
    jwk: dict[str, str | list[str]] = {**key.private_jwk()}
    return jose_jwk.import_key(jwk)


def joserfc_decode(token: str, jwks: Any, alg: str) -> dict[str, Any]:
    key_set = KeySet.import_key_set(jwks)
    token_obj = jose_jwt.decode(token, key_set, algorithms=[alg])
    return dict(token_obj.claims)


def pyjwt_decode(token: str, jwks: dict[str, Any], alg: str) -> dict[str, Any]:
    kid = json.loads(base64url.decode(token.split(".")[0]))["kid"]
    key = pyjwt.PyJWKSet.from_dict(jwks)[kid]
    return pyjwt.decode(
        token,
        key=key.key,
        algorithms=[alg],
        audience=AUDIENCE,
        issuer=ISSUER,
        leeway=0,
        options={
            "verify_signature": True,
            "verify_exp": True,
            "verify_nbf": True,
            "verify_iat": True,
            "verify_aud": True,
            "verify_iss": True,
            "require": ["exp", "iat", "iss", "aud", "sub", "jti"],
        },
    )


def test_joserfc_verifies_our_tokens_from_the_jwks(
    signers: dict[str, JwtTokenSigner], claims: Claims, alg: str
) -> None:
    """joserfc, given only our JWKS and the pinned algorithm, accepts our tokens."""
    expected = claims()
    token = signers[alg].sign(expected)

    claims_seen = joserfc_decode(token, signers[alg].jwks(), alg)

    assert claims_seen == expected


def test_pyjwt_verifies_our_tokens_from_the_jwks(
    signers: dict[str, JwtTokenSigner], claims: Claims, alg: str
) -> None:
    """PyJWT, with every verification option spelled out, accepts our tokens."""
    expected = claims()

    assert pyjwt_decode(signers[alg].sign(expected), signers[alg].jwks(), alg) == expected


def test_joserfc_rejects_our_token_under_another_algorithm(
    signers: dict[str, JwtTokenSigner], claims: Claims, alg: str
) -> None:
    """Sanity check of the oracle: pinning a different algorithm makes joserfc refuse."""
    other = "ES256" if alg != "ES256" else "RS256"
    token = signers[alg].sign(claims())

    with pytest.raises(JoseError):
        joserfc_decode(token, signers[alg].jwks(), other)


def test_tokens_joserfc_signs_with_our_key_pass_our_verify(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    alg: str,
) -> None:
    """Our private JWK imports into joserfc, and its signatures verify through ours."""
    current = stores[alg].current
    key = joserfc_key(current)
    expected = claims()

    token = jose_jwt.encode({"alg": alg, "kid": current.kid, "typ": "at+jwt"}, expected, key,
                            algorithms=[alg])

    assert signers[alg].verify(token) == expected


def test_tokens_pyjwt_signs_with_our_key_pass_our_verify(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    alg: str,
) -> None:
    """PyJWT's signatures with our key verify through ours (ES256 r||s encoding included)."""
    current = stores[alg].current
    expected = claims()

    token = pyjwt.encode(expected, current.private_key, algorithm=alg,
                         headers={"kid": current.kid, "typ": "at+jwt"})

    assert signers[alg].verify(token) == expected


def test_a_plain_jwt_from_joserfc_is_rejected_for_its_typ(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
) -> None:
    """joserfc's default typ JWT (an ID-token-like JWT) is not an access token to us."""
    current = stores["ES256"].current
    key = joserfc_key(current)

    token = jose_jwt.encode({"alg": "ES256", "kid": current.kid}, claims(), key,
                            algorithms=["ES256"])

    with pytest.raises(TokenRejected) as rejected:
        signers["ES256"].verify(token)
    assert rejected.value.reason == "wrong-typ"


def test_our_public_jwks_matches_joserfcs_view_of_our_private_key(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], alg: str
) -> None:
    """joserfc derives the same public JWK from our private JWK as we publish."""
    current = stores[alg].current

    derived = joserfc_key(current).as_dict(private=False)

    assert derived == signers[alg].jwks()["keys"][0]

"""Attacks on ``JwtTokenSigner.verify``: each must end in ``TokenRejected`` and nothing else."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings
from hypothesis import strategies as st

from agentidp.adapters.crypto import base64url
from agentidp.adapters.crypto.keys import MemoryKeyStore, SigningKey
from agentidp.adapters.crypto.signer import MAX_TOKEN_CHARS, JwtTokenSigner
from agentidp.application.ports.security import TokenRejected

ALGORITHMS = ("RS256", "ES256", "EdDSA")
Claims = Callable[[], dict[str, Any]]
Forge = Callable[..., str]  # the ``forge`` fixture of conftest.py
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
FUZZ = settings(max_examples=300, deadline=None)  # fixtures used here are session-scoped


def rejected(signer: JwtTokenSigner, token: Any) -> str:
    """The reason ``signer`` rejects ``token``; fails the test on acceptance or another error."""
    with pytest.raises(TokenRejected) as caught:
        signer.verify(token)
    reason: str = caught.value.reason
    return reason


def header_for(key: SigningKey, **changes: Any) -> dict[str, Any]:
    header: dict[str, Any] = {"alg": key.alg, "kid": key.kid, "typ": "at+jwt"}
    header.update(changes)
    return {name: value for name, value in header.items() if value is not None}


@pytest.fixture(params=ALGORITHMS)
def alg(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# --- signatures ----------------------------------------------------------------------------


def test_a_flipped_signature_byte_is_rejected(
    signers: dict[str, JwtTokenSigner], claims: Claims, alg: str
) -> None:
    """Any change to the signature bytes is a forgery."""
    signer = signers[alg]
    head, body, sig = signer.sign(claims()).split(".")
    raw = bytearray(base64url.decode(sig))
    raw[len(raw) // 2] ^= 0x01

    assert rejected(signer, f"{head}.{body}.{base64url.encode(bytes(raw))}") == "bad-signature"


def test_a_token_from_another_key_under_our_kid_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    alg: str,
) -> None:
    """Knowing our kid is not enough: the signature must come from our key."""
    ours = stores[alg].current
    impostor_key = SigningKey(kid=ours.kid, alg=alg,
                              private_key=SigningKey.generate(alg).private_key)
    impostor = JwtTokenSigner(MemoryKeyStore(alg, keys=[impostor_key]))

    assert rejected(signers[alg], impostor.sign(claims())) == "bad-signature"


@pytest.mark.parametrize("signature", ["", "AA", "A" * 86, "A" * 342])
def test_empty_or_wrong_length_signatures_are_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, alg: str, signature: str,
) -> None:
    """Signatures of the wrong size (including DER-sized ECDSA and zeros) never verify."""
    head, body, _ = forge(header_for(stores[alg].current), claims(), stores[alg].current).split(".")

    assert rejected(signers[alg], f"{head}.{body}.{signature}") == "bad-signature"


def test_an_es256_der_signature_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims
) -> None:
    """ES256 takes raw r||s only (RFC 7518 §3.4), never the DER a naive signer produces."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = stores["ES256"].current
    head, body, _ = signers["ES256"].sign(claims()).split(".")
    assert isinstance(key.private_key, ec.EllipticCurvePrivateKey)
    der = key.private_key.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))

    assert rejected(signers["ES256"], f"{head}.{body}.{base64url.encode(der)}") == "bad-signature"


# --- algorithm confusion -------------------------------------------------------------------


@pytest.mark.parametrize("alg_none", ["none", "None", "NONE", ""])
@pytest.mark.parametrize("signature", ["", "AAAA"])
def test_alg_none_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    alg_none: str, signature: str,
) -> None:
    """An unsigned token (alg none, any spelling) is never accepted."""
    key = stores["RS256"].current
    head = base64url.encode(json.dumps(header_for(key, alg=alg_none)).encode())
    body = base64url.encode(json.dumps(claims()).encode())

    assert rejected(signers["RS256"], f"{head}.{body}.{signature}") == "alg-mismatch"


def _hmac_secrets(key: SigningKey) -> list[bytes]:
    public = key.private_key.public_key()
    pem = public.public_bytes(serialization.Encoding.PEM,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk = json.dumps(key.public_jwk()).encode()
    return [pem, pem.strip(), der, jwk]


@pytest.mark.parametrize("hs_alg", ["HS256", "HS384", "HS512"])
def test_hmac_keyed_with_our_public_key_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    alg: str, hs_alg: str,
) -> None:
    """The classic confusion attack: HMAC 'signed' with our public key as the secret."""
    key = stores[alg].current
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[hs_alg]
    head = base64url.encode(json.dumps(header_for(key, alg=hs_alg)).encode())
    body = base64url.encode(json.dumps(claims()).encode())

    for secret in _hmac_secrets(key):
        mac = hmac.new(secret, f"{head}.{body}".encode(), digest).digest()
        token = f"{head}.{body}.{base64url.encode(mac)}"
        assert rejected(signers[alg], token) == "alg-mismatch"


CLAIMABLE = ("RS256", "ES256", "EdDSA", "PS256", "RS512", "rs256", "Ed25519")


@pytest.mark.parametrize(("pinned", "claimed"),
                         [(p, c) for p in ALGORITHMS for c in CLAIMABLE if c != p])
def test_another_asymmetric_alg_for_our_kid_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, pinned: str, claimed: str,
) -> None:
    """The kid pins the algorithm: a correctly signed token claiming another alg is refused."""
    alg = pinned
    key = stores[alg].current

    token = forge(header_for(key, alg=claimed), claims(), key)

    assert rejected(signers[alg], token) == "alg-mismatch"


@pytest.mark.parametrize("alg_value", [None, 256, ["RS256"], {"alg": "RS256"}, True])
def test_a_missing_or_non_string_alg_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, alg_value: Any,
) -> None:
    """alg must be present and exactly the pinned string."""
    key = stores["ES256"].current
    header = {"kid": key.kid, "typ": "at+jwt"} | ({} if alg_value is None else {"alg": alg_value})

    assert rejected(signers["ES256"], forge(header, claims(), key)) == "alg-mismatch"


# --- key ids -------------------------------------------------------------------------------


@pytest.mark.parametrize("kid", [None, "", "key-20990101-deadbeef", 7, ["x"], {"k": 1}])
def test_a_missing_unknown_or_non_string_kid_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, kid: Any,
) -> None:
    """Only our own kids select a key; nothing else (or no kid at all) does."""
    key = stores["EdDSA"].current
    header = {"alg": "EdDSA", "typ": "at+jwt"} | ({} if kid is None else {"kid": kid})

    assert rejected(signers["EdDSA"], forge(header, claims(), key)) == "unknown-kid"


def test_an_embedded_jwk_or_jku_is_ignored(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge,
) -> None:
    """A token carrying its own key (jwk/jku/x5u) is judged against our key, so it fails."""
    attacker = SigningKey.generate("ES256")
    header = header_for(attacker, kid=stores["ES256"].current.kid,
                        jwk=attacker.public_jwk(), jku="https://evil.test/jwks.json")

    assert rejected(signers["ES256"], forge(header, claims(), attacker)) == "bad-signature"


# --- typ, crit, header shape ---------------------------------------------------------------


@pytest.mark.parametrize(
    "typ", [None, "JWT", "jwt", "at+jwt ", "application/jwt", "", 1, ["at+jwt"]]
)
def test_a_wrong_or_missing_typ_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, typ: Any,
) -> None:
    """Only at+jwt access tokens are accepted (RFC 9068 §4), not ID tokens or plain JWTs."""
    key = stores["RS256"].current
    header = {"alg": "RS256", "kid": key.kid} | ({} if typ is None else {"typ": typ})

    assert rejected(signers["RS256"], forge(header, claims(), key)) == "wrong-typ"


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "At+Jwt", "application/at+jwt",
                                 "Application/AT+JWT"])
def test_typ_is_compared_case_insensitively(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, typ: str,
) -> None:
    """Media types are case-insensitive; both RFC 9068 spellings are accepted."""
    key = stores["RS256"].current
    expected = claims()

    assert signers["RS256"].verify(forge(header_for(key, typ=typ), expected, key)) == expected


@pytest.mark.parametrize("spelling", [
    '{{"typ":"at+jwt","kid":"{kid}","alg":"{alg}"}}',
    '{{ "alg": "{alg}", "kid": "{kid}", "typ": "at+jwt" }}',
    '{{"alg":"{alg}","kid":"{kid}","typ":"at+jwt","x5t":"ignored"}}',
])
def test_other_spellings_of_our_header_take_the_full_path_and_pass(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, alg: str, spelling: str,
) -> None:
    """Equivalent headers we did not emit byte for byte are parsed and checked, then accepted."""
    key = stores[alg].current
    expected = claims()
    raw = spelling.format(alg=alg, kid=key.kid).encode()

    assert signers[alg].verify(forge(raw, expected, key)) == expected


def test_a_crit_header_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge,
) -> None:
    """We understand no JWS extensions, so a crit header is refused (RFC 7515 §4.1.11)."""
    key = stores["ES256"].current
    header = header_for(key, crit=["b64"], b64=False)

    assert rejected(signers["ES256"], forge(header, claims(), key)) == "crit-unsupported"


def test_duplicate_header_members_are_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge,
) -> None:
    """Two alg (or kid) members could be read differently by two parsers; refuse them."""
    key = stores["ES256"].current
    raw = (f'{{"alg":"none","kid":"{key.kid}","typ":"at+jwt","alg":"ES256"}}').encode()

    assert rejected(signers["ES256"], forge(raw, claims(), key)) == "malformed-header"


@pytest.mark.parametrize("raw_header", [b"", b"[]", b'"x"', b"null", b"{", b"\xff\xfe{}",
                                        b"[" * 2000 + b"]" * 2000,
                                        '{"alg":"ES256"}'.encode("utf-16")])
def test_a_header_that_is_not_a_json_object_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], claims: Claims,
    forge: Forge, raw_header: bytes,
) -> None:
    """Headers must be UTF-8 JSON objects; deep nesting cannot crash the parser."""
    key = stores["ES256"].current

    assert rejected(signers["ES256"], forge(raw_header, claims(), key)) == "malformed-header"


# --- payload -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [b"[1,2]", b'"claims"', b"null", b"42", b"{", b"",
                                     b"\xff", b'{"a":NaN}', b"[" * 2000 + b"]" * 2000])
def test_a_signed_payload_that_is_not_a_json_object_is_rejected(
    stores: dict[str, MemoryKeyStore], signers: dict[str, JwtTokenSigner], forge: Forge,
    alg: str, payload: bytes,
) -> None:
    """Even correctly signed, a payload must be a JSON object of claims."""
    key = stores[alg].current

    assert rejected(signers[alg], forge(header_for(key), payload, key)) == "malformed-payload"


# --- framing -------------------------------------------------------------------------------


def test_an_oversized_token_is_rejected_before_parsing(
    signers: dict[str, JwtTokenSigner], claims: Claims
) -> None:
    """Tokens over 8 KiB are refused outright, even validly signed ones."""
    signer = signers["EdDSA"]
    big = signer.sign(claims() | {"pad": "x" * MAX_TOKEN_CHARS})

    assert rejected(signer, big) == "oversized"
    assert rejected(signer, "a" * (MAX_TOKEN_CHARS + 1)) == "oversized"


@pytest.mark.parametrize("token", ["", ".", "..", "...", "a.b", "a.b.c.d", "a.b.c.d.e",
                                   "garbage", "eyJ", "a..b"])
def test_garbage_and_wrong_part_counts_are_rejected(
    signers: dict[str, JwtTokenSigner], token: str
) -> None:
    """Anything that is not header.payload.signature is refused."""
    assert rejected(signers["RS256"], token)


def test_two_and_four_part_variants_of_a_good_token_are_rejected(
    signers: dict[str, JwtTokenSigner], claims: Claims
) -> None:
    """Dropping or appending a segment (e.g. JWE-like shapes) breaks a valid token."""
    signer = signers["ES256"]
    head, body, sig = signer.sign(claims()).split(".")

    assert rejected(signer, f"{head}.{body}") == "malformed"
    assert rejected(signer, f"{head}.{body}.{sig}.{sig}") == "malformed"
    assert rejected(signer, f"{head}.{body}.") == "bad-signature"


@pytest.mark.parametrize("spoil", ["pad", "plus", "space", "unicode", "trailing-bits"])
def test_non_canonical_base64url_is_rejected(
    signers: dict[str, JwtTokenSigner], claims: Claims, spoil: str
) -> None:
    """Each token has exactly one spelling: padding, +/, spaces or stray bits are refused."""
    signer = signers["RS256"]
    head, body, sig = signer.sign(claims()).split(".")
    last = B64URL.index(sig[-1])
    variants = {
        "pad": f"{head}.{body}.{sig}==",
        "plus": f"{head}.{body}.{sig.replace('-', '+').replace('_', '/')}x",
        "space": f"{head}.{body}.{sig[:10]} {sig[10:]}",
        "unicode": f"{head}.{body}é.{sig}",
        "trailing-bits": f"{head}.{body}.{sig[:-1]}{B64URL[last ^ 1]}",
    }

    assert rejected(signer, variants[spoil]) in {"malformed", "bad-signature"}


@pytest.mark.parametrize("not_text", [None, b"a.b.c", 123, ["a", "b", "c"]])
def test_non_string_input_is_rejected(signers: dict[str, JwtTokenSigner], not_text: Any) -> None:
    """A caller passing bytes or None gets TokenRejected, not a TypeError."""
    assert rejected(signers["RS256"], not_text) == "malformed"


# --- fuzzing: TokenRejected and nothing else -----------------------------------------------


def _only_rejected(signer: JwtTokenSigner, token: Any) -> None:
    try:
        signer.verify(token)
    except TokenRejected:
        return
    pytest.fail(f"accepted {token!r}")


@FUZZ
@given(token=st.text(max_size=600))
def test_fuzz_arbitrary_text(signers: dict[str, JwtTokenSigner], token: str) -> None:
    """Arbitrary text never verifies and never raises anything but TokenRejected."""
    for signer in signers.values():
        _only_rejected(signer, token)


@FUZZ
@given(raw=st.binary(max_size=600))
def test_fuzz_arbitrary_bytes_as_text(signers: dict[str, JwtTokenSigner], raw: bytes) -> None:
    """Bytes off the wire, decoded as latin-1 the way a lax framework might."""
    _only_rejected(signers["ES256"], raw.decode("latin-1"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
segments = st.text(alphabet=B64URL, max_size=120)


@FUZZ
@given(header=json_values | st.fixed_dictionaries(
    {"alg": st.sampled_from(["RS256", "ES256", "EdDSA", "none", "HS256"]),
     "typ": st.sampled_from(["at+jwt", "JWT", "application/at+jwt"])},
    optional={"kid": st.text(max_size=30), "crit": json_values}),
    body=segments, signature=segments)
def test_fuzz_structured_tokens(
    signers: dict[str, JwtTokenSigner], header: Any, body: str, signature: str
) -> None:
    """Plausible headers with random payloads and signatures are all rejected cleanly."""
    head = base64url.encode(json.dumps(header).encode())
    for signer in signers.values():
        _only_rejected(signer, f"{head}.{body}.{signature}")


@FUZZ
@given(data=st.data())
def test_fuzz_any_single_character_change_breaks_a_valid_token(
    signers: dict[str, JwtTokenSigner], claims: Claims, data: st.DataObject
) -> None:
    """Replacing, inserting or deleting one character always yields a rejected token."""
    signer = signers[data.draw(st.sampled_from(ALGORITHMS))]
    token = signer.sign(claims())
    at = data.draw(st.integers(0, len(token) - 1))
    char = data.draw(st.characters(codec="utf-8"))
    edit = data.draw(st.sampled_from(["replace", "insert", "delete"]))
    mutated = {
        "replace": token[:at] + char + token[at + 1:],
        "insert": token[:at] + char + token[at:],
        "delete": token[:at] + token[at + 1:],
    }[edit]
    if mutated == token:
        return

    _only_rejected(signer, mutated)

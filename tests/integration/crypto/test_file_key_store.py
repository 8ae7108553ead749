"""``FileKeyStore`` on a real filesystem: permissions, tampering, rotation and races."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from agentidp.adapters.crypto import base64url
from agentidp.adapters.crypto.keys import KEY_FILE, FileKeyStore, KeyStoreError, SigningKey
from agentidp.adapters.crypto.signer import JwtTokenSigner
from agentidp.adapters.system import ManualClock


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def write_private(path: Path, document: Any) -> None:
    path.write_text(json.dumps(document))
    path.chmod(0o600)


def stored(data_dir: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((data_dir / KEY_FILE).read_text())
    return document


def test_a_missing_data_dir_is_created_0700(tmp_path: Path) -> None:
    """The store creates the data directory (and parents) private to the service user."""
    data_dir = tmp_path / "deep" / "data"
    old_umask = os.umask(0o000)  # even a permissive umask must not widen the mode
    try:
        FileKeyStore(data_dir, "ES256")
    finally:
        os.umask(old_umask)

    assert mode_of(data_dir) == 0o700
    assert mode_of(data_dir / KEY_FILE) == 0o600


def test_an_existing_data_dir_keeps_its_mode(tmp_path: Path) -> None:
    """An operator's directory is used as is; only our files get our modes."""
    tmp_path.chmod(0o750)

    FileKeyStore(tmp_path, "ES256")

    assert mode_of(tmp_path) == 0o750


def test_no_temporary_files_are_left_behind(tmp_path: Path) -> None:
    """After creation and rotation only the key file and its lock remain."""
    FileKeyStore(tmp_path, "ES256")
    FileKeyStore(tmp_path, "EdDSA")

    assert sorted(p.name for p in tmp_path.iterdir()) == ["signing-keys.json", "signing-keys.lock"]


def test_a_symlinked_key_file_is_refused(tmp_path: Path) -> None:
    """A symlink planted as the key file is never followed, for reading or trusting."""
    elsewhere = tmp_path / "elsewhere.json"
    FileKeyStore(tmp_path / "real", "ES256")
    (tmp_path / "real" / KEY_FILE).rename(elsewhere)
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    (data_dir / KEY_FILE).symlink_to(elsewhere)

    with pytest.raises(KeyStoreError, match="cannot open"):
        FileKeyStore(data_dir, "ES256")


def test_a_directory_in_place_of_the_key_file_is_refused(tmp_path: Path) -> None:
    """The key file must be a regular file."""
    (tmp_path / KEY_FILE).mkdir(mode=0o700)

    with pytest.raises(KeyStoreError, match="not a regular file"):
        FileKeyStore(tmp_path, "ES256")


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    """Pointing the data directory at a file gives a clear error."""
    (tmp_path / "data").write_text("")

    with pytest.raises(KeyStoreError, match="not a directory"):
        FileKeyStore(tmp_path / "data", "ES256")


@pytest.mark.parametrize("raw", [
    "not json", "[]", '{"keys": {}}', '{"keys": [], "current": "x"}',
    '{"keys": [1], "current": "x"}', '{"keys": [{"kty": "EC"}], "current": "x"}',
])
def test_a_malformed_key_file_is_refused_and_left_alone(tmp_path: Path, raw: str) -> None:
    """A key file that is not our JWK set stops start-up rather than being overwritten."""
    (tmp_path / KEY_FILE).write_text(raw)
    (tmp_path / KEY_FILE).chmod(0o600)

    with pytest.raises(KeyStoreError, match="not a valid signing key file"):
        FileKeyStore(tmp_path, "ES256")

    assert (tmp_path / KEY_FILE).read_text() == raw


def test_errors_never_echo_key_material(tmp_path: Path) -> None:
    """A key file rejected for an inconsistency does not print its secrets."""
    FileKeyStore(tmp_path, "RS256")
    document = stored(tmp_path)
    document["current"] = "key-19700101-00000000"
    write_private(tmp_path / KEY_FILE, document)

    with pytest.raises(KeyStoreError) as refused:
        FileKeyStore(tmp_path, "RS256")

    jwk = document["keys"][0]
    assert all(jwk[member] not in str(refused.value) for member in ("d", "p", "q", "n"))
    assert refused.value.__cause__ is None
    assert refused.value.__context__ is not None


def test_a_key_whose_public_half_was_swapped_is_refused(tmp_path: Path) -> None:
    """Publishing one key while signing with another cannot be set up by editing the file."""
    FileKeyStore(tmp_path, "ES256")
    document = stored(tmp_path)
    other = SigningKey.generate("ES256").public_jwk()
    document["keys"][0] |= {"x": other["x"], "y": other["y"]}
    write_private(tmp_path / KEY_FILE, document)

    with pytest.raises(KeyStoreError, match="public members do not match"):
        FileKeyStore(tmp_path, "ES256")


def test_a_key_relabelled_with_another_alg_is_refused(tmp_path: Path) -> None:
    """An RSA key marked ES256 (or any mismatch) never loads: the algorithm is pinned."""
    FileKeyStore(tmp_path, "RS256")
    document = stored(tmp_path)
    document["keys"][0]["alg"] = "ES256"
    write_private(tmp_path / KEY_FILE, document)

    with pytest.raises(KeyStoreError, match="cannot be used with"):
        FileKeyStore(tmp_path, "ES256")


def test_a_short_rsa_key_is_refused(tmp_path: Path) -> None:
    """RSA keys under 2048 bits are refused even if someone writes one into the file."""
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    numbers = weak.private_numbers()
    jwk = {"kty": "RSA", "kid": "key-20260101-00000000", "alg": "RS256", "use": "sig",
           **{name: base64url.encode_uint(value) for name, value in {
               "n": numbers.public_numbers.n, "e": numbers.public_numbers.e, "d": numbers.d,
               "p": numbers.p, "q": numbers.q, "dp": numbers.dmp1, "dq": numbers.dmq1,
               "qi": numbers.iqmp}.items()}}
    write_private(tmp_path / KEY_FILE, {"current": jwk["kid"], "keys": [jwk]})

    with pytest.raises(KeyStoreError, match="2048"):
        FileKeyStore(tmp_path, "RS256")


def test_duplicate_kids_in_the_file_are_refused(tmp_path: Path) -> None:
    """Two keys under one kid would make verification ambiguous."""
    FileKeyStore(tmp_path, "ES256")
    document = stored(tmp_path)
    twin = SigningKey.generate("ES256").private_jwk() | {"kid": document["current"]}
    document["keys"].append(twin)
    write_private(tmp_path / KEY_FILE, document)

    with pytest.raises(KeyStoreError, match="share a kid"):
        FileKeyStore(tmp_path, "ES256")


def test_rotation_keeps_every_older_key(tmp_path: Path) -> None:
    """Each algorithm change adds a current key; older tokens keep verifying."""
    first = FileKeyStore(tmp_path, "RS256")
    token = JwtTokenSigner(first).sign({"n": 1})

    FileKeyStore(tmp_path, "ES256")
    third = FileKeyStore(tmp_path, "RS256")

    assert [k.alg for k in third.all_keys] == ["RS256", "ES256", "RS256"]
    assert third.current.kid != first.current.kid
    assert JwtTokenSigner(third).verify(token) == {"n": 1}
    assert stored(tmp_path)["current"] == third.current.kid
    assert mode_of(tmp_path / KEY_FILE) == 0o600


def test_concurrent_first_starts_agree_on_one_key(tmp_path: Path) -> None:
    """Workers starting together on an empty data dir all end up with the same key."""
    kids: list[str] = []
    lock = threading.Lock()

    def start() -> None:
        kid = FileKeyStore(tmp_path, "ES256").current.kid
        with lock:
            kids.append(kid)

    workers = [threading.Thread(target=start) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert len(kids) == 8
    assert len(set(kids)) == 1
    assert len(stored(tmp_path)["keys"]) == 1


def test_the_kid_is_dated_by_the_clock_in_utc(tmp_path: Path) -> None:
    """Key ids carry the UTC creation date from the injected clock."""
    late_evening_west = datetime(2030, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))

    store = FileKeyStore(tmp_path, "EdDSA", clock=ManualClock(late_evening_west))

    assert store.current.kid.startswith("key-20300102-")
    assert late_evening_west.astimezone(UTC).date().isoformat() == "2030-01-02"

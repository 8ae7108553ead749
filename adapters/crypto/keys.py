"""Key stores: where signing keys come from. Each loads its keys once, at construction.

A store exposes ``current`` (signs new tokens) and ``all_keys`` (every key whose tokens must
still verify, ``current`` first).

:class:`MemoryKeyStore` generates keys in memory (tests, throwaway servers).
:class:`FileKeyStore` keeps a private JWK set in the data directory (the embedded default).

File ``<data_dir>/signing-keys.json``, mode 0600::

    {"current": "<kid>", "keys": [<private JWK>, ...]}

``keys`` is an RFC 7517 §5 JWK set; ``current`` is an extra member (§5 says unknown members
are ignored by other readers) naming the key that signs. Older keys stay in the set so tokens
they signed keep verifying after a rotation.

Checks, and the threat each one stops:

* File created ``O_CREAT|O_EXCL`` with mode 0600, written, fsynced, renamed into place:
  the key is never readable by other users, not even briefly, and a crash leaves no torn file.
* Data directory created 0700: other users can neither list nor replace the key file.
* Refuse a key file with any group/other permission bit: such a key may already be copied.
* Open with ``O_NOFOLLOW`` and require a regular file: a planted symlink cannot make us load
  (and then trust) some other file.
* ``flock`` on ``signing-keys.lock`` around load-or-create: two workers starting together
  cannot each mint a different key.
* Every JWK checked (public half matches the private one, ``alg`` fits the key type, kids
  unique): a hand-edited file cannot publish one key while signing with another.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from agentidp.application.ports.system import Clock

from .signing_key import KeyStoreError, SigningKey, check_unique_kids

__all__ = ["KEY_FILE", "FileKeyStore", "KeyStoreError", "MemoryKeyStore", "SigningKey",
           "SigningKeys"]

KEY_FILE: Final = "signing-keys.json"
_LOCK_FILE: Final = "signing-keys.lock"
_PRIVATE_FILE: Final = 0o600
_PRIVATE_DIR: Final = 0o700
_GROUP_OTHER: Final = 0o077


class SigningKeys(Protocol):
    """What a token signer needs from a key store."""

    @property
    def current(self) -> SigningKey:
        """The key new tokens are signed with."""
        ...

    @property
    def all_keys(self) -> Sequence[SigningKey]:
        """Every key whose tokens must still verify, ``current`` first."""
        ...


class MemoryKeyStore:
    """Keys that live only as long as the process (tests, ephemeral dev servers).

    Args:
        algorithm: RS256, ES256 or EdDSA.
        clock: dates the generated key id (defaults to the system clock).
        keys: use exactly these keys (the first signs) instead of generating one.

    Raises:
        ValueError: unsupported ``algorithm``, or the first of ``keys`` is for another one.
        KeyStoreError: two of ``keys`` share a kid.
    """

    def __init__(
        self,
        algorithm: str,
        *,
        clock: Clock | None = None,
        keys: Sequence[SigningKey] = (),
    ) -> None:
        if not keys:
            now = clock.now() if clock is not None else None
            keys = (SigningKey.generate(algorithm, now=now),)
        if keys[0].alg != algorithm:
            raise ValueError(f"the current key is for {keys[0].alg}, not {algorithm}")
        check_unique_kids(keys)
        self._keys = tuple(keys)

    @property
    def current(self) -> SigningKey:
        return self._keys[0]

    @property
    def all_keys(self) -> Sequence[SigningKey]:
        return self._keys


class FileKeyStore:
    """Signing keys loaded once from (or created in) ``data_dir``.

    If the stored current key is for another algorithm than ``algorithm``, a new key is
    generated and becomes current; the old keys are kept so their tokens still verify.

    Args:
        data_dir: the deployment's data directory (created 0700 if missing).
        algorithm: RS256, ES256 or EdDSA.
        clock: dates new key ids (defaults to the system clock).

    Raises:
        KeyStoreError: the key file is unsafe (group/world permissions, not a regular file) or
            unreadable, malformed or inconsistent. The message never contains key material.
        ValueError: ``algorithm`` is not supported.
    """

    def __init__(self, data_dir: str | os.PathLike[str], algorithm: str, *,
                 clock: Clock | None = None) -> None:
        directory = Path(data_dir)
        self.path = directory / KEY_FILE
        _ensure_private_dir(directory)
        with _exclusive_lock(directory / _LOCK_FILE):
            keys = _load(self.path)
            if not keys or keys[0].alg != algorithm:
                now = clock.now() if clock is not None else None
                keys = [SigningKey.generate(algorithm, now=now), *keys]
                try:
                    _write_atomically(self.path, _document(keys))
                except OSError as exc:
                    raise KeyStoreError(f"cannot write {self.path}: {exc.strerror}") from None
        self._keys = tuple(keys)

    @property
    def current(self) -> SigningKey:
        return self._keys[0]

    @property
    def all_keys(self) -> Sequence[SigningKey]:
        return self._keys


def _ensure_private_dir(directory: Path) -> None:
    try:
        directory.mkdir(mode=_PRIVATE_DIR, parents=True)
    except FileExistsError:
        if not directory.is_dir():
            raise KeyStoreError(f"{directory} exists and is not a directory") from None
        return
    directory.chmod(_PRIVATE_DIR)  # mkdir's mode is filtered by the umask; make it exact


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, _PRIVATE_FILE)
    except OSError as exc:
        if exc.errno not in (errno.EROFS, errno.EACCES):
            raise KeyStoreError(f"cannot create {path}: {exc.strerror}") from None
        fd = None
    if fd is None:
        # NOTE: a read-only data directory (keys provisioned by the operator): nobody can
        # write here, so there is no race to lock against. A needed write fails loudly.
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _load(path: Path) -> list[SigningKey]:
    """The stored keys, current first; empty if there is no key file yet."""
    try:
        # SECURITY: O_NOFOLLOW: never follow a symlink planted in place of the key file.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise KeyStoreError(f"cannot open {path}: {exc.strerror}") from None
    try:
        _check_private(path, os.fstat(fd))  # fstat: the very file we opened, no race
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as file:
        raw = file.read()
    try:
        return _parse(json.loads(raw))
    except (ValueError, TypeError, KeyStoreError) as exc:
        # NOTE: no ``from exc`` and no file content: the text could echo key material.
        raise KeyStoreError(f"{path} is not a valid signing key file: {_safe_reason(exc)}") \
            from None


def _check_private(path: Path, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise KeyStoreError(f"{path} is not a regular file")
    mode = stat.S_IMODE(st.st_mode)
    if mode & _GROUP_OTHER:
        # SECURITY: a key others could read may already be copied; refuse rather than sign
        # tokens anyone could forge. Fix the mode, and rotate if exposure is possible.
        raise KeyStoreError(
            f"{path} has mode {mode:04o}: signing keys must not be accessible by group or "
            f"others; run `chmod 600 {path}` (and rotate the key if it may have been copied)"
        )


def _parse(document: Any) -> list[SigningKey]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("expected an object with a 'keys' array")
    keys = [SigningKey.from_private_jwk(_object(jwk)) for jwk in document["keys"]]
    check_unique_kids(keys)
    current = [key for key in keys if key.kid == document.get("current")]
    if len(current) != 1:
        raise ValueError("'current' does not name one of the keys")
    return [*current, *(key for key in keys if key is not current[0])]


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("every key must be a JSON object")
    return value


def _safe_reason(exc: Exception) -> str:
    # JSON errors quote positions only; key errors are our own messages. Keep it short anyway.
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _document(keys: Sequence[SigningKey]) -> bytes:
    body = {"current": keys[0].kid, "keys": [key.private_jwk() for key in keys]}
    return json.dumps(body, indent=2).encode("utf-8") + b"\n"


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    # SECURITY: created 0600 from the first byte (O_EXCL: never reuse someone else's file).
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, _PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)  # make the rename itself durable
    finally:
        os.close(fd)

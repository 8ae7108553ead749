"""Reading a policy directory: Rego modules and data documents, and a cheap fingerprint
that tells whether any of them changed since the last load.

Layout (the one OPA uses, so the same directory can be served by ``opa run -s``):

* every ``*.rego`` file is a module, except ``*_test.rego`` (policy tests, run by pytest);
* every ``data.json`` is a base document placed at the data path of its directory
  (``policies/data.json`` at ``data``, ``policies/x/y/data.json`` at ``data.x.y``);
* everything else is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

DATA_FILE: Final = "data.json"
TEST_SUFFIX: Final = "_test.rego"

#: (relative path, mtime in ns, size) of every policy file: equal fingerprints, same policies.
Fingerprint = tuple[tuple[str, int, int], ...]


class PolicyLoadError(Exception):
    """The directory cannot be read or a file in it is malformed; the message names it."""


@dataclass(frozen=True, slots=True)
class PolicySource:
    """The text of every module and the merged-ready data documents of one directory."""

    modules: tuple[tuple[str, str], ...]
    documents: tuple[tuple[str, dict[str, Any]], ...]
    fingerprint: Fingerprint


def is_policy_file(relative: str, *, include_tests: bool = False) -> bool:
    """Whether the engine loads the file at ``relative`` (tests only when asked)."""
    name = relative.rsplit("/", 1)[-1]
    if name.endswith(".rego"):
        return include_tests or not name.endswith(TEST_SUFFIX)
    return name == DATA_FILE


def fingerprint(root: Path, *, include_tests: bool = False) -> Fingerprint:
    """Path, mtime and size of every policy file under ``root``, sorted.

    Raises:
        PolicyLoadError: ``root`` is not a readable directory.
    """
    entries = []
    try:
        for directory, _, names in os.walk(root, onerror=_raise):
            for name in names:
                path = Path(directory, name)
                relative = path.relative_to(root).as_posix()
                if is_policy_file(relative, include_tests=include_tests):
                    stat = path.stat()
                    entries.append((relative, stat.st_mtime_ns, stat.st_size))
    except OSError as exc:
        raise PolicyLoadError(f"Cannot read the policy directory {root}: {exc}") from exc
    return tuple(sorted(entries))


def read_policies(root: Path, *, include_tests: bool = False) -> PolicySource:
    """Every module and data document under ``root``.

    Raises:
        PolicyLoadError: the directory is unreadable, holds no module, or a data document is
            not a JSON object.
    """
    seen = fingerprint(root, include_tests=include_tests)
    modules, documents = [], []
    for relative, _, _ in seen:
        try:
            text = (root / relative).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyLoadError(f"Cannot read policy file {relative}: {exc}") from exc
        if relative.endswith(".rego"):
            modules.append((relative, text))
        else:
            documents.append((relative, _placed(relative, text)))
    if not modules:
        raise PolicyLoadError(f"No Rego module in the policy directory {root}.")
    return PolicySource(tuple(modules), tuple(documents), seen)


def _placed(relative: str, text: str) -> dict[str, Any]:
    """The document of ``relative`` nested under its directory's data path."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise PolicyLoadError(f"Policy data {relative} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise PolicyLoadError(f"Policy data {relative} must be a JSON object.")
    for segment in reversed(relative.split("/")[:-1]):
        document = {segment: document}
    return document


def _raise(error: OSError) -> None:
    raise error

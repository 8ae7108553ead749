"""In-process Rego evaluation with regopy (rego-cpp), the default policy decision point.

Cost. Compiling the policies takes milliseconds, so it happens once per load: the modules
and data are built into a regopy *bundle* with the package ``agentidp.authz`` as its
entrypoint, and each decision only sets the input and runs that plan (~0.1-0.2 ms). On top of
that, decisions are memoised per distinct input document until the next reload: the shipped
policy is a pure function of input and data, and most requests repeat an input seen before
(same caller, same route). ``make bench`` measures both paths.

Threads. A regopy interpreter holds the input it evaluates, so setting the input and
querying must not interleave. Decisions run synchronously on the event loop thread (one
evaluation is cheaper than a hop to a worker thread); a lock makes the engine safe when
several threads share it (the CLI, tests, an embedding application).

Reload. At most once per ``check_interval`` a decision compares the files' fingerprint
(path, mtime, size) with the loaded one and recompiles on change; :meth:`reload` forces it.
A new policy set that does not compile, uses a built-in regopy lacks or does not answer a
probe decision is rejected: the last good policies stay in force and the rejection is logged
at ERROR level (once per broken version). With no good policies at all (a broken policy at
start-up) every decision raises :class:`PolicyUnavailable`: fail closed.

regopy traps avoided here (docs/policies.md): a query is never answered by
``Output.expressions()`` (it aborts the process on an undefined result), and an unknown
built-in evaluates to *undefined* silently, hence :func:`unknown_builtins`.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import regopy

from agentidp.application.errors import PolicyUnavailable
from agentidp.application.ports.policy import AccessRequest, Decision, policy_input

from .documents import PACKAGE_NAME, PACKAGE_PATH, decision_from_document
from .policy_files import Fingerprint, PolicyLoadError, PolicySource, fingerprint, read_policies

logger = logging.getLogger("agentidp.policy")

DEFAULT_CHECK_INTERVAL: Final = 1.0
DEFAULT_CACHE_SIZE: Final = 4096
#: The "version" of a directory that cannot be read (so its error is logged once).
_UNREADABLE: Final[Fingerprint] = (("<unreadable>", 0, 0),)

#: A call of a dotted name (``net.cidr_contains(``), outside strings and comments.
_DOTTED_CALL = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\s*\(")
_STRINGS_AND_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|#[^\n]*')
_IMPORT = re.compile(r"^\s*import\s+([\w.\[\]\"]+)(?:\s+as\s+(\w+))?", re.MULTILINE)


def unknown_builtins(source: str, is_builtin: Callable[[str], bool]) -> set[str]:
    """Dotted function calls in a Rego module that are neither built-ins regopy has nor
    references into ``data`` or an imported package: each would silently be undefined."""
    code = _STRINGS_AND_COMMENTS.sub('""', source)
    aliases = {"data", "input"}
    for path, alias in _IMPORT.findall(code):
        aliases.add(alias or path.rsplit(".", 1)[-1])
    return {
        name
        for name in _DOTTED_CALL.findall(code)
        if name.split(".", 1)[0] not in aliases and not is_builtin(name)
    }


@dataclass(frozen=True, slots=True)
class _Compiled:
    """One loaded policy set: its interpreter, its compiled plan and what it was built from."""

    interpreter: Any
    bundle: Any
    fingerprint: Fingerprint


class RegoPolicyEngine:
    """:class:`PolicyDecisionPoint` evaluating the Rego policies under ``policy_dir``."""

    def __init__(
        self,
        policy_dir: Path,
        *,
        check_interval: float = DEFAULT_CHECK_INTERVAL,
        cache_size: int = DEFAULT_CACHE_SIZE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._dir = Path(policy_dir)
        self._check_interval = check_interval
        self._cache_size = cache_size
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._compiled: _Compiled | None = None
        self._rejected: Fingerprint | None = None
        self._cache: OrderedDict[str, Decision] = OrderedDict()
        self._next_check = monotonic() + check_interval
        self.reload()

    @property
    def loaded(self) -> bool:
        """Whether a good policy set is in force (``False`` means every decision fails)."""
        return self._compiled is not None

    async def decide(self, request: AccessRequest) -> Decision:
        """Raises: PolicyUnavailable (no good policy loaded, or evaluation failed)."""
        return self.evaluate(policy_input(request))

    def evaluate(self, document: dict[str, Any]) -> Decision:
        """Decide on an input document (synchronous; the benchmark and tests call it).

        Raises:
            PolicyUnavailable: no good policy is loaded or the evaluation failed.
        """
        self._reload_if_changed()
        key = json.dumps(document, sort_keys=True, separators=(",", ":"))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            compiled = self._compiled
            if compiled is None:
                raise PolicyUnavailable()
            decision = decision_from_document(_query(compiled, document))
            self._cache[key] = decision
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return decision

    def evaluate_uncached(self, document: dict[str, Any]) -> Decision:
        """Like :meth:`evaluate` but always runs the policy (for the benchmark)."""
        return decision_from_document(self.result(document))

    def result(self, document: dict[str, Any]) -> Any:
        """The raw package document for an input (``None`` when undefined), as OPA's Data
        API would return it; for diagnostics and the tests' loopback OPA.

        Raises:
            PolicyUnavailable: no good policy is loaded or the evaluation failed.
        """
        with self._lock:
            if self._compiled is None:
                raise PolicyUnavailable()
            return _query(self._compiled, document)

    def reload(self) -> bool:
        """Load the policies now if they changed; ``True`` when the good set in force is
        the current one on disk. A rejected set leaves the previous one in force."""
        try:
            current = fingerprint(self._dir)
        except PolicyLoadError as exc:
            self._reject(_UNREADABLE, str(exc))
            return False
        if self._compiled is not None and self._compiled.fingerprint == current:
            return True
        if current == self._rejected:
            return False
        try:
            compiled = _compile(read_policies(self._dir))
        except (PolicyLoadError, PolicyUnavailable) as exc:
            self._reject(current, str(exc))
            return False
        with self._lock:
            self._compiled = compiled
            self._rejected = None
            self._cache.clear()
        logger.info("Loaded policies from %s (%d files).", self._dir, len(compiled.fingerprint))
        return True

    def _reload_if_changed(self) -> None:
        now = self._monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self._check_interval
        self.reload()

    def _reject(self, version: Fingerprint, reason: str) -> None:
        if version == self._rejected:
            return  # logged when first seen; not again at every check
        self._rejected = version
        if self._compiled is None:
            logger.error("No policy can be loaded; every request is refused: %s", reason)
        else:
            logger.error("Policy change rejected; the previous policies stay in force: %s", reason)


def _compile(source: PolicySource) -> _Compiled:
    """Build and probe a policy set.

    Raises:
        PolicyLoadError: a module does not parse, data does not merge or a built-in is missing.
        PolicyUnavailable: the compiled policy cannot answer a probe decision.
    """
    interpreter = regopy.Interpreter()
    _check_builtins(source.modules, interpreter.is_builtin)
    try:
        for name, text in source.modules:
            interpreter.add_module(name, text)
        for _, document in source.documents:
            interpreter.add_data(document)
        bundle = interpreter.build(None, [PACKAGE_PATH])
    except (regopy.RegoError, ValueError, TypeError) as exc:
        raise PolicyLoadError(f"The policies do not compile: {exc}") from exc
    compiled = _Compiled(interpreter, bundle, source.fingerprint)
    # A probe with an empty input must give a well-formed answer: this catches conflicting
    # rules and a missing package or `allow`, which regopy reports only when queried.
    probe = _query(compiled, {})
    if not isinstance(probe, dict) or not isinstance(probe.get("allow"), bool):
        raise PolicyLoadError(f"The policies do not define data.{PACKAGE_NAME}.allow.")
    decision_from_document(probe)
    return compiled


def _check_builtins(modules: Iterable[tuple[str, str]], is_builtin: Callable[[str], bool]) -> None:
    for name, text in modules:
        missing = unknown_builtins(text, is_builtin)
        if missing:
            raise PolicyLoadError(
                f"{name} calls built-ins the embedded evaluator lacks: {', '.join(sorted(missing))}"
            )


def _query(compiled: _Compiled, document: dict[str, Any]) -> Any:
    """The package document for ``document`` (``None`` when undefined).

    Raises:
        PolicyUnavailable: the evaluation failed.
    """
    try:
        compiled.interpreter.set_input(document)
        output = compiled.interpreter.query_bundle_entrypoint(compiled.bundle, PACKAGE_PATH)
    except (regopy.RegoError, ValueError, TypeError) as exc:
        raise PolicyUnavailable() from exc
    if not output.ok():
        logger.error("Policy evaluation failed: %s", output)
        raise PolicyUnavailable()
    # NOTE: never output.expressions(): on an undefined result it aborts the process.
    text = str(output)
    if text == "undefined":
        return None
    try:
        expressions = json.loads(text).get("expressions") or [None]
    except (ValueError, AttributeError) as exc:
        raise PolicyUnavailable() from exc
    return expressions[0]

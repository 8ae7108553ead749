"""Backend-neutral mechanics of the group-commit writers: grouping, linger and settling.

A writer takes every batch that is queued (waiting only for the first), runs them in one
transaction and settles each batch's future with its outcome. The backends differ in how
they wait (a thread on a ``queue.SimpleQueue``, a task on an ``asyncio.Queue``) and run SQL;
the group-size policy and what settling a future means are the same, and live here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, TypeVar

#: Upper bound of batches per transaction, so one group's latency stays bounded under load.
MAX_GROUP: Final = 512
#: While commits arrive concurrently, a group smaller than this waits up to
#: :data:`LINGER_SECONDS` for more: each group costs a durable flush (an fsync) and its log
#: frames, so fuller groups save CPU under load (docs/benchmarks.md). A lone commit never
#: waits.
LINGER_BELOW: Final = 16
LINGER_SECONDS: Final = 0.002

#: What a batch's caller receives: ``None`` for committed, else the exception to raise.
Outcome = BaseException | None

B = TypeVar("B")


@dataclass(slots=True)
class WriterStats:
    """Counters for benchmarks and metrics: mean group size is ``batches / groups``."""

    groups: int = 0
    batches: int = 0


class LingerPolicy:
    """Linger only while concurrent commits are arriving: a lone commit never waits.

    After each group, :meth:`observe` records whether it had company; the next group lingers
    (up to :data:`LINGER_SECONDS`, until it holds :data:`LINGER_BELOW` batches) only if so.
    """

    __slots__ = ("_busy",)

    def __init__(self) -> None:
        self._busy = False

    @property
    def lingers(self) -> bool:
        """True if the group being formed should wait for more batches."""
        return self._busy

    def observe(self, group_size: int) -> None:
        """Record the size of the group just formed."""
        self._busy = group_size > 1


def drain(group: list[B], get_nowait: Callable[[], B | None], empty: type[Exception]) -> bool:
    """Move queued batches into ``group`` without waiting, up to :data:`MAX_GROUP`.

    Args:
        group: the group being formed (appended to).
        get_nowait: the queue's non-blocking get; ``None`` is the stop marker.
        empty: the exception ``get_nowait`` raises on an empty queue.

    Returns True if a stop was queued (the batches before it are in ``group``).
    """
    while len(group) < MAX_GROUP:
        try:
            batch = get_nowait()
        except empty:
            return False
        if batch is None:
            return True
        group.append(batch)
    return False


def settle_all(settlements: Iterable[tuple[asyncio.Future[None], Outcome]]) -> None:
    """Resolve each future with its outcome; call on the futures' own event loop.

    A future that is already done (its awaiting task was cancelled) is left alone.
    """
    for future, outcome in settlements:
        if future.done():
            continue
        if outcome is None:
            future.set_result(None)
        else:
            future.set_exception(outcome)

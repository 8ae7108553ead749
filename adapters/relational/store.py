"""The lifecycle boilerplate every relational store shares: ``async with`` opens and closes
it, its reader is there only while it is open, and the errors it raises while it is not open
or its writer is not running."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import ClassVar, Generic, Self, TypeVar

from agentidp.application.errors import BackendUnavailable

R = TypeVar("R")


class StoreLifecycle(ABC, Generic[R]):
    """Base of a store with ``open``/``close``; ``async with store:`` opens, then closes it.

    The subclass sets ``_reader`` (its backend's reader, of type ``R``) while it is open and
    ``None`` otherwise.
    """

    #: The backend's name in error messages ("SQLite", "PostgreSQL").
    backend: ClassVar[str]

    _reader: R | None

    @abstractmethod
    async def open(self) -> None:
        """Open the store (idempotence and errors are the backend's)."""

    @abstractmethod
    async def close(self) -> None:
        """Close the store."""

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def reader(self) -> R:
        """The store's reads (for adapters built on this store).

        Raises:
            BackendUnavailable: the store is not open.
        """
        if self._reader is None:
            raise self.not_open()
        return self._reader

    def not_open(self) -> BackendUnavailable:
        """The error of a call that needs the store open."""
        return BackendUnavailable(f"The {self.backend} store is not open.")

    def writer_not_running(self) -> BackendUnavailable:
        """The error of a health check that finds the writer stopped."""
        return BackendUnavailable(f"The {self.backend} writer is not running.")

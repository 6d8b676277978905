"""The one open transaction the repositories of a unit of work share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable
from sqlalchemy.exc import DBAPIError

from kiosk.adapters.db.errors import storage_error
from kiosk.domain.errors import StorageError


class Transaction:
    """Executes statements on the unit of work's connection; a refusal of the database
    becomes a StorageError (the step does not happen)."""

    def __init__(self) -> None:
        self._connection: Connection | None = None

    def attach(self, connection: Connection | None) -> None:
        self._connection = connection

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise StorageError("Aucune transaction ouverte : utilisez « with uow() as tx ».")
        return self._connection

    @property
    def dialect_name(self) -> str:
        return self.connection.dialect.name

    def execute(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | list[Mapping[str, Any]] | None = None,
        *,
        stream: bool = False,
    ) -> CursorResult[Any]:
        connection = self.connection
        if stream:
            connection = connection.execution_options(yield_per=500)
        try:
            if parameters is None:
                return connection.execute(statement)
            return connection.execute(statement, parameters)
        except DBAPIError as exc:
            raise storage_error(exc) from exc

"""The auditor's desk reads of the audit log in SQL (``AuditReader``): a page, a count and
the statistics under a query, answered from the indexes of migration 0006 instead of a
walk of the whole log.

What each filter becomes, with the meaning of ``AuditQuery.keeps`` kept exactly:

- dates: ``at`` between two instants (``ix_audit_events_at``);
- event type (a prefix) and agent (any case): the few distinct values the log holds are
  listed first, one index probe each (a "loose index scan", the same recursive query on
  SQLite and PostgreSQL), Python picks those the query keeps, and the events are read by
  ``IN (...)`` on ``ix_audit_events_event_type`` / ``ix_audit_events_agent``. This is
  exact whatever the case or the database's collation, which a ``LIKE`` or a range on
  PostgreSQL would not be;
- outcome: equality (``ix_audit_events_outcome``);
- office: ``upper(site)`` (a handful of offices: an index would not narrow much);
- dossier: any part of the reference, any case: ``upper(dossier_ref) LIKE '%…%'``. No
  B-tree serves a substring; SQLite reads it from ``ix_audit_events_dossier_ref``, a
  fraction of the table.

Each call is one short transaction (on SQLite, ``BEGIN IMMEDIATE`` like every other:
readers hold the desk's appends for a few milliseconds at most).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from kiosk.adapters.db.audit_log import event_from_row
from kiosk.adapters.db.retry import ReconnectPolicy, begin
from kiosk.adapters.db.schema import audit_events
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.audit import Outcome
from kiosk.domain.audit_ports import (
    DELIVERED,
    REFUSALS,
    AuditPage,
    AuditQuery,
    AuditTally,
    UnreadableEventError,
    refusal_reason,
)

_E = audit_events.c
# Every distinct value of a column, one index probe each (PostgreSQL's wiki calls it a
# loose index scan; SQLite runs the same query). Only for the indexed columns below.
_DISTINCT = """
WITH RECURSIVE v(x) AS (
    SELECT min({col}) FROM audit_events
    UNION ALL
    SELECT (SELECT min({col}) FROM audit_events WHERE {col} > v.x) FROM v
    WHERE v.x IS NOT NULL
)
SELECT x FROM v WHERE x IS NOT NULL
"""
_DISTINCT_TYPES = text(_DISTINCT.format(col="event_type"))
_DISTINCT_AGENTS = text(_DISTINCT.format(col="agent"))


class SqlAuditReader:
    def __init__(self, engine: Engine, reconnect: ReconnectPolicy | None = None) -> None:
        self._engine = engine
        self._reconnect = reconnect or ReconnectPolicy()

    @contextmanager
    def _reading(self) -> Iterator[Transaction]:
        connection = begin(self._engine, self._reconnect)
        tx = Transaction()
        tx.attach(connection)
        try:
            yield tx
        finally:
            tx.attach(None)
            with suppress(DBAPIError):  # read only: nothing is lost with the connection
                connection.rollback()
            connection.close()

    def page(self, query: AuditQuery, offset: int = 0, limit: int = 50) -> AuditPage:
        with self._reading() as tx:
            where = _conditions(tx, query)
            total = _count(tx, where)
            if limit <= 0 or offset >= total:
                return AuditPage([], total)
            # The page's seqs from the indexes alone, then only its rows are read whole.
            seqs = select(_E.seq).where(*where).order_by(_E.seq).offset(offset).limit(limit)
            chosen = list(tx.execute(seqs).scalars())
            rows = tx.execute(select(audit_events).where(_E.seq.in_(chosen)).order_by(_E.seq))
            return AuditPage([event_from_row(row) for row in rows], total)

    def count(self, query: AuditQuery) -> int:
        with self._reading() as tx:
            return _count(tx, _conditions(tx, query))

    def tally(self, query: AuditQuery) -> AuditTally:
        with self._reading() as tx:
            where = _conditions(tx, query)
            events = _count(tx, where)
            offices = _ranked(tx, _E.site, where)
            agents = _ranked(tx, _E.agent, [*where, _E.agent.is_not(None), _E.agent != ""])
            delivered = select(_E.at).where(
                *where, _E.event_type == DELIVERED, _E.outcome == Outcome.SUCCESS.value
            )
            deliveries: list[datetime] = list(tx.execute(delivered.order_by(_E.seq)).scalars())
            refusals = _refusals(tx, where)
        return AuditTally(events, offices, agents, deliveries, refusals)


def _count(tx: Transaction, where: Sequence[ColumnElement[bool]]) -> int:
    total: int = tx.execute(
        select(func.count()).select_from(audit_events).where(*where)
    ).scalar_one()
    return total


def _conditions(tx: Transaction, query: AuditQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.since is not None:
        where.append(_E.at >= query.since)
    if query.until is not None:
        where.append(_E.at < query.until)
    if query.office:
        where.append(func.upper(_E.site) == query.office.upper())
    if query.agent:
        agents = tx.execute(_DISTINCT_AGENTS).scalars()
        where.append(_E.agent.in_([a for a in agents if query.keeps_agent(a)]))
    if query.type_prefix:
        types = tx.execute(_DISTINCT_TYPES).scalars()
        where.append(_E.event_type.in_([t for t in types if query.keeps_type(t)]))
    if query.outcome is not None:
        where.append(_E.outcome == query.outcome.value)
    if query.dossier_part:
        part = query.dossier_part.upper()
        where.append(func.upper(_E.dossier_ref).contains(part, autoescape=True))
    if query.after_seq is not None:
        where.append(_E.seq > query.after_seq)
    return where


def _ranked(
    tx: Transaction, column: ColumnElement[Any], where: Sequence[ColumnElement[bool]]
) -> dict[str, int]:
    """Counts by value, the largest first, ties in the order each value first appears
    (what ``Counter.most_common`` gives over the events in log order)."""
    statement = (
        select(column.label("value"), func.count().label("n"), func.min(_E.seq).label("first"))
        .where(*where)
        .group_by(column)
    )
    rows = sorted(tx.execute(statement).all(), key=lambda row: (-row.n, row.first))
    return {str(row.value): int(row.n) for row in rows}


def _refusals(tx: Transaction, where: Sequence[ColumnElement[bool]]) -> dict[str, int]:
    statement = (
        select(_E.seq, _E.event_type, _E.details)
        .where(*where, _E.outcome.in_([outcome.value for outcome in REFUSALS]))
        .order_by(_E.seq)
    )
    reasons: Counter[str] = Counter()
    for row in tx.execute(statement):
        try:
            parsed = json.loads(row.details)
        except ValueError as exc:
            raise UnreadableEventError(row.seq) from exc
        if not isinstance(parsed, dict):
            raise UnreadableEventError(row.seq)
        reasons[refusal_reason(row.event_type, parsed)] += 1
    return dict(reasons.most_common())

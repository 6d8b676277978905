"""The auditor's desk reads of the audit log in SQL (``AuditReader``): a page, a count and
the statistics under a query, answered from the indexes of migration 0006 instead of a
walk of the whole log.

What each filter becomes, with the meaning of ``AuditQuery.keeps`` kept exactly:

- dates: ``at`` between two instants (``ix_audit_events_at``), and ``seq`` between the
  period's first and last events, so that the other filters read a range of theirs;
- event type (a prefix), agent and office (any case): the few distinct values the log
  holds are listed first, one index probe each (a "loose index scan", the same recursive
  query on SQLite and PostgreSQL), Python picks those the query keeps, and the events are
  read by ``IN (...)`` on ``ix_audit_events_event_type``, ``_agent``, ``_site``: exact
  whatever the case or the database's collation, which a ``LIKE`` or a range on
  PostgreSQL would not be;
- outcome: equality (``ix_audit_events_outcome``);
- dossier: any part of the reference, any case: ``LIKE '%…%'`` (``ILIKE`` on
  PostgreSQL). No B-tree serves a substring: SQLite reads the whole of
  ``ix_audit_events_dossier_ref``, a fraction of the table (about 100 ms for a million
  events, against a few for the other filters).

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

from sqlalchemy import ColumnElement, Engine, false, func, select, text
from sqlalchemy.exc import DBAPIError

from kiosk.adapters.db.audit_log import event_from_row
from kiosk.adapters.db.retry import ReconnectPolicy, begin
from kiosk.adapters.db.schema import audit_events
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.audit import AuditEvent, Outcome
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
_DISTINCT_SITES = text(_DISTINCT.format(col="site"))


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

    def page(
        self, query: AuditQuery, offset: int = 0, limit: int = 50, after_seq: int | None = None
    ) -> AuditPage:
        with self._reading() as tx:
            where = _conditions(tx, query)
            total = _count(tx, where)
            if limit <= 0 or (after_seq is None and offset >= total):
                return AuditPage([], total)
            seqs = select(_E.seq).where(*where)
            after = [] if after_seq is None else [_E.seq > after_seq]
            seqs = seqs.where(*after).offset(0 if after else offset)
            # A part of a reference matches few events anywhere in the log: walking the
            # table in seq order to find them would read all of it, the index on the
            # reference is much smaller (``seq + 0`` keeps the planner from that walk).
            order = _E.seq + 0 if query.dossier_part else _E.seq
            chosen = list(tx.execute(seqs.order_by(order).limit(limit)).scalars())
            # The page's seqs came from the indexes alone; only its own rows are read whole.
            rows = tx.execute(select(audit_events).where(_E.seq.in_(chosen)).order_by(_E.seq))
            return AuditPage(_events(iter(rows), chosen), total)

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


def _events(rows: Iterator[Any], seqs: Sequence[int]) -> list[AuditEvent]:
    """The page's rows as events; a stored time that no longer reads as one names its
    event, as the walk of the log does."""
    events: list[AuditEvent] = []
    for seq in seqs:
        try:
            row = next(rows, None)
        except (ValueError, TypeError) as exc:
            raise UnreadableEventError(seq) from exc
        if row is None:
            break
        events.append(event_from_row(row))
    return events


def _count(tx: Transaction, where: Sequence[ColumnElement[bool]]) -> int:
    total: int = tx.execute(
        select(func.count()).select_from(audit_events).where(*where)
    ).scalar_one()
    return total


def _conditions(tx: Transaction, query: AuditQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if query.since is not None or query.until is not None:
        where += _period(tx, query.since, query.until)
    if query.office:
        office = query.office.upper()
        sites = tx.execute(_DISTINCT_SITES).scalars()
        where.append(_E.site.in_([site for site in sites if site.upper() == office]))
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
        if tx.dialect_name == "sqlite":
            # SQLite's LIKE ignores the case of ASCII letters, all a reference is made of
            # (``receipt.REFERENCE``); ``upper()`` on every row would triple the cost.
            where.append(_E.dossier_ref.contains(part, autoescape=True))
        else:
            where.append(_E.dossier_ref.icontains(part, autoescape=True))
    return where


def _period(
    tx: Transaction, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    """The period's instants, and the seqs of its first and last events: redundant (every
    event of the period lies between them, whatever the order of kiosks' clocks), but it
    turns the other filters' indexes (value, seq) into a range read."""
    at = []
    if since is not None:
        at.append(_E.at >= since)
    if until is not None:
        at.append(_E.at < until)
    bounds = tx.execute(
        select(func.min(_E.seq).label("first"), func.max(_E.seq).label("last")).where(*at)
    ).one()
    if bounds.first is None:
        return [false()]
    return [*at, _E.seq.between(bounds.first, bounds.last)]


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

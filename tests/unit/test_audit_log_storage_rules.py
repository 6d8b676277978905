"""Pure rules behind the stored audit log: when a checkpoint is due, how one extends the
last, how the stored tree is compared node by node, and how a draft's personal fields
become a commitment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.domain.audit import GENESIS_HASH, AuditDraft, AuditEvent, Outcome, seal
from kiosk.domain.audit_ports import commit_personal_draft
from kiosk.domain.checkpoint import Checkpoint
from kiosk.domain.checkpoint_schedule import CheckpointSchedule, extend_checkpoint
from kiosk.domain.errors import IntegrityError
from kiosk.domain.log_verification import event_leaf_hash
from kiosk.domain.merkle import MerkleAccumulator, root
from kiosk.domain.personal_data import verify_personal
from kiosk.domain.stored_tree import StoredTreeCheck, TreeFault, TreeFaultKind

T0 = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


def chain(count: int) -> list[AuditEvent]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, count + 1):
        draft = AuditDraft("test", Outcome.SUCCESS, "camille", None, {"n": seq})
        event = seal(draft, seq, T0 + timedelta(minutes=seq), "BREST", "k", prev)
        events.append(event)
        prev = event.hash
    return events


def checkpoint_of(events: list[AuditEvent], at: datetime = T0) -> Checkpoint:
    return Checkpoint("kiosk/BREST/k", len(events), root(map(event_leaf_hash, events)), at)


def test_a_checkpoint_is_due_after_n_events_or_t_minutes_with_something_new() -> None:
    schedule = CheckpointSchedule(every_events=100, every_minutes=60)
    last = checkpoint_of(chain(10))
    assert not schedule.due(None, 0, T0)
    assert schedule.due(None, 1, T0)
    assert not schedule.due(last, 10, T0 + timedelta(days=3))
    assert not schedule.due(last, 109, T0 + timedelta(minutes=59))
    assert schedule.due(last, 110, T0 + timedelta(minutes=1))
    assert schedule.due(last, 11, T0 + timedelta(minutes=60))
    with pytest.raises(ValueError):
        CheckpointSchedule(every_events=0)


def _peaks(events: list[AuditEvent]) -> list[bytes]:
    acc = MerkleAccumulator()
    acc.extend(map(event_leaf_hash, events))
    return list(acc.peaks)


def test_a_checkpoint_extends_the_last_one_over_the_events_since() -> None:
    events = chain(13)
    previous = checkpoint_of(events[:5])
    acc = extend_checkpoint(previous, _peaks(events[:5]), events[4].hash, iter(events[5:]))
    assert (acc.size, acc.root()) == (13, root(map(event_leaf_hash, events)))
    first = extend_checkpoint(None, [], GENESIS_HASH, iter(events))
    assert first.root() == acc.root()


def test_nothing_extends_a_rewritten_past_or_a_broken_chain() -> None:
    events = chain(8)
    previous = checkpoint_of(events[:4])
    other = chain(5)[1:]  # another history of the same length
    with pytest.raises(IntegrityError, match="ne donne plus la racine"):
        extend_checkpoint(previous, _peaks(other), events[3].hash, iter(events[4:]))
    tampered = [*events[4:6], seal(AuditDraft("x", Outcome.SUCCESS), 7, T0, "B", "k", "0" * 64)]
    with pytest.raises(IntegrityError, match="n° 7 : ne suit pas"):
        extend_checkpoint(previous, _peaks(events[:4]), events[3].hash, iter(tampered))


class Levels:
    """Stored levels as a dict, as the database would return them."""

    def __init__(self, rows: dict[tuple[int, int], bytes]) -> None:
        self.rows = rows

    def level_rows(self, level: int) -> Iterator[tuple[int, bytes]]:
        for (row_level, index), digest in sorted(self.rows.items()):
            if row_level == level:
                yield index, digest


def stored(events: list[AuditEvent]) -> dict[tuple[int, int], bytes]:
    acc, rows = MerkleAccumulator(), {}
    for index, event in enumerate(events):
        leaf = event_leaf_hash(event)
        rows[(0, index)] = leaf
        rows |= {(n.level, n.index): n.hash for n in acc.append_nodes(leaf)}
    return rows


def check(events: list[AuditEvent], rows: dict[tuple[int, int], bytes]) -> TreeFault | None:
    checker = StoredTreeCheck(Levels(rows))
    for event in events:
        checker.take(event_leaf_hash(event))
    return checker.finish()


def fault_of(events: list[AuditEvent], rows: dict[tuple[int, int], bytes]) -> TreeFault:
    fault = check(events, rows)
    assert fault is not None
    return fault


def test_the_stored_tree_is_compared_node_by_node() -> None:
    events = chain(11)
    rows = stored(events)
    assert check(events, rows) is None
    altered = dict(rows)
    altered[(2, 1)] = bytes(32)
    fault = fault_of(events, altered)
    assert (fault.kind, fault.level, fault.index) == (TreeFaultKind.ALTERED, 2, 1)
    assert (fault.first_seq, fault.last_seq) == (5, 8)
    missing = {k: v for k, v in rows.items() if k != (0, 9)}
    assert fault_of(events, missing).kind is TreeFaultKind.MISSING
    assert fault_of(events[:9], rows).kind is TreeFaultKind.EXTRA


def test_personal_fields_become_a_salted_commitment_in_the_details() -> None:
    class Salts:
        def token_bytes(self, n: int) -> bytes:
            return bytes(range(n))

    draft = AuditDraft(
        "identity.check", Outcome.SUCCESS, "camille", "CS-1", {"ok": True}, {"nom": "Le Gall"}
    )
    assert "Le Gall" not in repr(draft)
    committed, record = commit_personal_draft(draft, Salts())
    assert record is not None and committed.personal is None
    assert set(committed.details or {}) == {"ok", "personal"}
    assert verify_personal(
        {"nom": "Le Gall"}, record.salt, str((committed.details or {})["personal"])
    )
    plain, none = commit_personal_draft(AuditDraft("x", Outcome.SUCCESS), Salts())
    assert none is None and plain.details is None
    with pytest.raises(ValueError, match="reserved"):
        commit_personal_draft(
            AuditDraft("x", Outcome.SUCCESS, details={"personal": "x"}, personal={"a": "b"}),
            Salts(),
        )

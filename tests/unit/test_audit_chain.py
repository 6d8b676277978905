"""The audit chain: any change to the history is found and the first bad event named."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from kiosk.domain.audit import GENESIS_HASH, AuditDraft, AuditEvent, Outcome, seal, verify_chain

T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def chain(n: int) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    prev = GENESIS_HASH
    for i in range(1, n + 1):
        draft = AuditDraft("dossier.lookup", Outcome.SUCCESS, "camille", f"CS-{i}", {"n": i})
        ev = seal(draft, i, T0 + timedelta(seconds=i), "BREST", "k1", prev)
        events.append(ev)
        prev = ev.hash
    return events


def test_an_untouched_log_verifies() -> None:
    report = verify_chain(chain(20))
    assert report.ok and report.checked == 20
    assert "20 événement" in report.message


def test_a_modified_event_is_named() -> None:
    events = chain(10)
    events[4] = dataclasses.replace(events[4], details={"n": 999})
    report = verify_chain(events)
    assert not report.ok and report.first_bad_seq == 5
    assert "n° 5" in report.message and "modifié" in report.message


def test_a_changed_outcome_is_named() -> None:
    events = chain(5)
    events[2] = dataclasses.replace(events[2], outcome=Outcome.FAILURE)
    assert verify_chain(events).first_bad_seq == 3


def test_a_deleted_event_is_named() -> None:
    events = chain(10)
    del events[6]
    report = verify_chain(events)
    assert not report.ok and report.first_bad_seq == 8
    assert "supprimé" in report.message


def test_reordered_events_are_named() -> None:
    events = chain(10)
    events[3], events[4] = events[4], events[3]
    report = verify_chain(events)
    assert not report.ok and report.first_bad_seq == 5


def test_a_renumbered_rewrite_still_breaks_the_chain() -> None:
    events = chain(6)
    del events[2]
    events = [dataclasses.replace(ev, seq=i + 1) for i, ev in enumerate(events)]
    report = verify_chain(events)
    assert not report.ok and report.first_bad_seq == 3
    assert "chaînage" in report.message

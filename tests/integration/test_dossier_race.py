"""Several kiosks on one database (SQLite and PostgreSQL): a dossier's appointment is held
by one kiosk at a time. The second kiosk is told who holds it; two kiosks racing for one
dossier deliver it exactly once; a silent kiosk's appointment is taken over after the
timeout, or released by an administrator, and both are audited; a kiosk restarted after
a crash finds its interrupted appointment and resumes it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest

from kiosk.adapters.fakes.fake_token import FakeToken
from kiosk.domain.audit import verify_chain
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import AuthError, KioskError, NotFoundError, StateError
from kiosk.services.appointment import EndReason
from tests.integration.db_env import database_url
from tests.integration.fake_desk import DIGEST
from tests.integration.kiosks_env import (
    ADMIN,
    CAMILLE,
    YANN,
    Kiosk,
    SharedDb,
    passed,
    shared_db,
)
from tests.integration.personalisation_env import USER_PIN
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, shared_db)

HELD_BY_BREST_1 = (
    "Ce dossier est en cours de remise au kiosque brest-1 par Camille Le Gall depuis 09:12."
)


def test_a_second_kiosk_is_told_who_holds_the_dossier(shared_db: SharedDb) -> None:
    [reference] = shared_db.add_dossiers(1)
    first, second = shared_db.kiosk("brest-1"), shared_db.kiosk("brest-2")
    first.open(CAMILLE, reference)

    with pytest.raises(StateError) as refused:
        second.open(YANN, reference)

    assert refused.value.message == HELD_BY_BREST_1
    # Nor can the second kiosk touch a token for it, whatever it holds in memory.
    appointment = passed(first.open(CAMILLE, reference))  # the first kiosk resumes
    with pytest.raises(StateError, match="kiosque brest-1"):
        second.personalisation().personalise(appointment, second.token().serial, USER_PIN)
    assert second.token().keys == {} and second.ca.issued == []


def _deliver(kiosk: Kiosk, reference: str) -> str:
    agent = CAMILLE if kiosk.kiosk_id == "brest-1" else YANN
    appointment = passed(kiosk.open(agent, reference))
    service = kiosk.personalisation()
    result = service.personalise(appointment, kiosk.token().serial, USER_PIN)
    service.sign_acceptance(appointment, result.token_serial, USER_PIN, result.key_id, DIGEST)
    return kiosk.kiosk_id


def _race(actions: list[Callable[[], str]]) -> tuple[list[str], list[KioskError]]:
    """Run the actions in threads released together; what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    won: list[str] = []
    lost: list[KioskError] = []
    lock = threading.Lock()

    def run(action: Callable[[], str]) -> None:
        barrier.wait(timeout=30)
        try:
            outcome = action()
        except KioskError as exc:
            with lock:
                lost.append(exc)
            return
        with lock:
            won.append(outcome)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    return won, lost


ROUNDS = 8


def test_two_kiosks_racing_for_one_dossier_deliver_it_exactly_once(shared_db: SharedDb) -> None:
    references = shared_db.add_dossiers(ROUNDS)
    kiosks = [shared_db.kiosk("brest-1"), shared_db.kiosk("brest-2")]

    for reference in references:
        for kiosk in kiosks:
            kiosk.tokens.tokens[0] = FakeToken(f"TOK-{kiosk.kiosk_id}-{reference}")
        won, lost = _race([partial(_deliver, kiosk, reference) for kiosk in kiosks])

        assert len(won) == 1, (won, lost)
        [refusal] = lost
        winner = won[0]
        assert isinstance(refusal, StateError)
        # Told who holds it, or (if the winner was that quick) that it is delivered.
        assert f"au kiosque {winner} par" in refusal.message or "« Remis »" in refusal.message
        assert shared_db.state(reference) is DossierState.DELIVERED
        loser = next(k for k in kiosks if k.kiosk_id != winner)
        assert loser.token().keys == {}  # the losing kiosk touched no token

    deliveries = shared_db.rows("SELECT dossier_ref FROM deliveries ORDER BY dossier_ref")
    assert [row[0] for row in deliveries] == references
    assert shared_db.rows("SELECT count(*) FROM appointments WHERE ended_at IS NULL") == [(0,)]
    ends = shared_db.rows("SELECT end_reason, count(*) FROM appointments GROUP BY end_reason")
    assert ends == [("delivered", ROUNDS)]
    events = shared_db.audit()
    assert verify_chain(events).ok
    starts = [e for e in events if e.event_type == "appointment.start"]
    assert len(starts) == ROUNDS


def test_the_database_refuses_a_second_claim_made_at_the_same_time(shared_db: SharedDb) -> None:
    """Both kiosks looked before either claimed: the database itself keeps one claim."""
    [reference] = shared_db.add_dossiers(1)
    first, second = shared_db.kiosk("brest-1"), shared_db.kiosk("brest-2")
    claimed = threading.Event()
    outcome: list[object] = []

    def second_kiosk_claims() -> None:
        claimed.wait(timeout=30)
        with second.uow() as uow:  # waits for the first transaction on both engines
            outcome.append(
                uow.appointments.claim(reference, "yann", "Yann Kerjean", second.clock.now())
            )
            uow.commit()

    thread = threading.Thread(target=second_kiosk_claims)
    thread.start()
    with first.uow() as uow:
        assert uow.appointments.claim(reference, "camille", "Camille", first.clock.now())
        claimed.set()
        uow.commit()
    thread.join(timeout=30)

    assert outcome == [None]
    assert shared_db.rows("SELECT kiosk FROM appointments WHERE ended_at IS NULL") == [("brest-1",)]


def test_a_silent_kiosk_is_taken_over_after_the_timeout_and_it_is_audited(
    shared_db: SharedDb,
) -> None:
    [reference] = shared_db.add_dossiers(1)
    crashed, other = shared_db.kiosk("brest-1"), shared_db.kiosk("brest-2")
    silent = crashed.open(CAMILLE, reference)
    shared_db.clock.advance(timedelta(minutes=14))
    with pytest.raises(StateError, match="brest-1"):
        other.open(YANN, reference)

    shared_db.clock.advance(timedelta(minutes=1))
    appointment = other.open(YANN, reference)

    taken = next(e for e in shared_db.audit() if e.event_type == "appointment.taken_over")
    assert (taken.kiosk, taken.agent, taken.dossier_ref) == ("brest-2", "yann", reference)
    assert taken.details["from_kiosk"] == "brest-1" and taken.details["why"] == "silent"
    # The kiosk that came back late is told, and changes nothing.
    with pytest.raises(StateError, match="n'est plus ouvert à ce kiosque") as late:
        crashed.appointments.end(silent, EndReason.HOLDER_ABSENT)
    assert "au kiosque brest-2 par Yann Kerjean" in late.value.message
    assert shared_db.state(reference) is DossierState.CONVOKED
    assert appointment.lease_id is not None


def test_a_kiosk_that_beats_is_never_taken_over(shared_db: SharedDb) -> None:
    [reference] = shared_db.add_dossiers(1)
    alive, other = shared_db.kiosk("brest-1"), shared_db.kiosk("brest-2")
    appointment = alive.open(CAMILLE, reference)
    for _ in range(3):
        shared_db.clock.advance(timedelta(minutes=10))
        alive.appointments.heartbeat(appointment)
    with pytest.raises(StateError, match="brest-1 par Camille Le Gall depuis 09:12"):
        other.open(YANN, reference)


def test_an_administrator_takes_a_dossier_over_or_releases_it_and_both_are_audited(
    shared_db: SharedDb,
) -> None:
    first_ref, second_ref = shared_db.add_dossiers(2)
    holder, other = shared_db.kiosk("brest-1"), shared_db.kiosk("brest-2")
    holder.open(CAMILLE, first_ref)
    holder.open(CAMILLE, second_ref)

    with pytest.raises(AuthError, match="administrateur"):
        other.open(YANN, first_ref, take_over=True)
    other.open(ADMIN, first_ref, take_over=True)
    released = other.appointments.release(second_ref, ADMIN)
    with pytest.raises(NotFoundError):
        other.appointments.release(second_ref, ADMIN)

    assert released.kiosk == "brest-1"
    events = {e.event_type: e for e in shared_db.audit()}
    assert events["appointment.taken_over"].details["why"] == "administrator"
    assert events["appointment.released"].agent == "admin"
    assert events["appointment.released"].details["kiosk"] == "brest-1"
    assert [lease.dossier_ref for lease in other.appointments.open_appointments()] == [first_ref]


def test_a_kiosk_restarted_after_a_crash_finds_its_appointment_and_resumes_it(
    shared_db: SharedDb,
) -> None:
    first_ref, second_ref = shared_db.add_dossiers(2)
    before_crash = shared_db.kiosk("brest-1")
    before_crash.open(CAMILLE, first_ref)
    shared_db.kiosk("brest-2").open(YANN, second_ref)
    before_crash.engine.dispose()  # the process is gone; its claim stays

    restarted = shared_db.kiosk("brest-1")
    [interrupted] = restarted.appointments.interrupted()
    assert (interrupted.dossier_ref, interrupted.agent_name) == (first_ref, "Camille Le Gall")

    resumed = restarted.open(CAMILLE, first_ref)

    assert resumed.lease_id != interrupted.id
    [start] = [e for e in shared_db.audit() if e.details.get("resumes") == interrupted.id]
    assert start.event_type == "appointment.start"
    assert [x.id for x in restarted.appointments.interrupted()] == [resumed.lease_id]


def test_ending_or_leaving_an_appointment_frees_the_dossier(shared_db: SharedDb) -> None:
    ended_ref, left_ref = shared_db.add_dossiers(2)
    first, second = shared_db.kiosk("brest-1"), shared_db.kiosk("brest-2")
    first.appointments.end(first.open(CAMILLE, ended_ref), EndReason.HOLDER_ABSENT)
    first.appointments.leave(first.open(CAMILLE, left_ref))

    second.open(YANN, ended_ref)
    second.open(YANN, left_ref)

    assert shared_db.state(ended_ref) is DossierState.CONVOKED  # refused, then convoked again
    assert shared_db.state(left_ref) is DossierState.CONVOKED
    kinds = [e.event_type for e in shared_db.audit()]
    assert kinds.count("appointment.left") == 1 and "appointment.taken_over" not in kinds

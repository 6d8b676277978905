"""The dossier's life: only the moves the desk may make."""

from __future__ import annotations

import pytest

from kiosk.domain.dossier_state import (
    DELIVERABLE,
    TRANSITIONS,
    DossierState,
    can_transition,
    transition,
)
from kiosk.domain.errors import StateError

S = DossierState


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.VALIDATED, S.CONVOKED),
        (S.CONVOKED, S.DELIVERED),
        (S.CONVOKED, S.REFUSED),
        (S.REFUSED, S.CONVOKED),
        (S.VALIDATED, S.CANCELLED),
        (S.CONVOKED, S.CANCELLED),
        (S.DELIVERED, S.REVOKED),
    ],
)
def test_allowed_moves(current: DossierState, target: DossierState) -> None:
    assert transition(current, target, reason="Titulaire absent") is target


@pytest.mark.parametrize("closed", [S.CANCELLED, S.REVOKED])
def test_cancelled_and_revoked_dossiers_are_closed(closed: DossierState) -> None:
    assert TRANSITIONS[closed] == frozenset()
    for target in S:
        assert not can_transition(closed, target)


def test_a_delivered_dossier_can_only_have_its_certificate_revoked() -> None:
    assert TRANSITIONS[S.DELIVERED] == {S.REVOKED}
    for target in (S.CONVOKED, S.REFUSED, S.CANCELLED, S.DELIVERED):
        with pytest.raises(StateError, match="Remis"):
            transition(S.DELIVERED, target, reason="Titulaire absent")


@pytest.mark.parametrize("early", [S.VALIDATED, S.CONVOKED, S.REFUSED, S.CANCELLED])
def test_only_a_delivered_certificate_can_be_revoked(early: DossierState) -> None:
    with pytest.raises(StateError, match="Révoqué"):
        transition(early, S.REVOKED)


def test_a_dossier_cannot_be_delivered_without_a_convocation() -> None:
    with pytest.raises(StateError, match="Validé"):
        transition(S.VALIDATED, S.DELIVERED)


def test_a_refusal_must_give_its_reason() -> None:
    with pytest.raises(StateError, match="motif"):
        transition(S.CONVOKED, S.REFUSED, reason="  ")


def test_convoked_and_previously_refused_dossiers_are_received_at_the_desk() -> None:
    assert {S.CONVOKED, S.REFUSED} == DELIVERABLE
    assert S.REVOKED not in DELIVERABLE


def test_every_state_has_a_french_label() -> None:
    assert all(state.label for state in S)

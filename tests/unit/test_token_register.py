"""The token register's state machine: which moves are allowed, and which tokens are
refused when inserted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import StateError
from kiosk.domain.token_register import (
    TRANSITIONS,
    TokenRecord,
    TokenState,
    can_transition,
    refusal_on_insert,
    transition,
)

AT = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
SERIAL = "TOK-42"
REF = "CS-2026-000123"


def _record(state: TokenState, dossier_ref: str | None = REF) -> TokenRecord:
    tied = dossier_ref if state.tied_to_dossier else None
    return TokenRecord(SERIAL, state, AT, dossier_ref=tied)


def test_a_token_first_seen_is_blank_foreign_or_defective_only() -> None:
    allowed = {s for s in TokenState if can_transition(None, s)}
    assert allowed == {TokenState.BLANK, TokenState.FOREIGN, TokenState.DEFECTIVE}


def test_the_life_of_a_token_from_blank_to_delivered() -> None:
    record = None
    for state in (TokenState.BLANK, TokenState.PERSONALISING, TokenState.PERSONALISED):
        record = transition(record, SERIAL, state, AT, dossier_ref=REF, agent="amartin")
    record = transition(record, SERIAL, TokenState.DELIVERED, AT, dossier_ref=REF)
    assert (record.state, record.dossier_ref) == (TokenState.DELIVERED, REF)


@pytest.mark.parametrize("state", [TokenState.DEFECTIVE, TokenState.LOST])
def test_a_token_out_of_service_never_comes_back(state: TokenState) -> None:
    assert TRANSITIONS[state] == frozenset()
    with pytest.raises(StateError, match="ne peut pas passer"):
        transition(_record(state), SERIAL, TokenState.BLANK, AT)


def test_a_delivered_token_is_wiped_only_when_handed_back_for_its_dossiers_renewal() -> None:
    assert TRANSITIONS[TokenState.DELIVERED] == {
        TokenState.WIPED,
        TokenState.DELIVERED,  # handed over again, to a renewal made beside the holder's key
        TokenState.DEFECTIVE,
        TokenState.LOST,
    }
    delivered = _record(TokenState.DELIVERED)
    assert refusal_on_insert(delivered, "CS-2026-000999") is not None
    assert refusal_on_insert(delivered, "CS-2026-000999", reuse_for="CS-2020-000001") is not None
    assert refusal_on_insert(delivered, "CS-2026-000999", reuse_for=delivered.dossier_ref) is None
    for state in (TokenState.DEFECTIVE, TokenState.LOST):
        gone = replace(_record(state), dossier_ref=delivered.dossier_ref)
        assert refusal_on_insert(gone, "CS-2026-000999", reuse_for=delivered.dossier_ref)


def test_a_state_tied_to_a_dossier_must_name_it_and_others_forget_it() -> None:
    with pytest.raises(StateError, match="doit nommer son dossier"):
        transition(_record(TokenState.BLANK), SERIAL, TokenState.PERSONALISING, AT)
    wiped = transition(
        _record(TokenState.PERSONALISED), SERIAL, TokenState.WIPED, AT, dossier_ref=REF
    )
    assert wiped.dossier_ref is None


def test_putting_a_token_out_of_service_needs_a_reason() -> None:
    with pytest.raises(StateError, match="motif"):
        transition(_record(TokenState.BLANK), SERIAL, TokenState.DEFECTIVE, AT, note=" ")
    record = transition(None, SERIAL, TokenState.DEFECTIVE, AT, note="Connecteur cassé")
    assert record.note == "Connecteur cassé"


@given(st.sampled_from(list(TokenState)), st.sampled_from(list(TokenState)))
def test_transition_accepts_exactly_the_moves_of_the_table(
    current: TokenState, target: TokenState
) -> None:
    record = _record(current)
    try:
        moved = transition(record, SERIAL, target, AT, dossier_ref=REF, note="motif")
    except StateError:
        assert target not in TRANSITIONS[current]
    else:
        assert target in TRANSITIONS[current] and moved.state is target


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (TokenState.DEFECTIVE, "défectueux"),
        (TokenState.LOST, "perdu"),
        (TokenState.DELIVERED, "déjà été remis"),
    ],
)
def test_tokens_refused_when_inserted_again_say_why(state: TokenState, words: str) -> None:
    message = refusal_on_insert(_record(state), REF)
    assert message is not None and words in message and SERIAL in message


@pytest.mark.parametrize(
    "state",
    [TokenState.BLANK, TokenState.FOREIGN, TokenState.PERSONALISING, TokenState.WIPED],
)
def test_other_tokens_are_not_refused_outright(state: TokenState) -> None:
    assert refusal_on_insert(_record(state), REF) is None
    assert refusal_on_insert(None, REF) is None

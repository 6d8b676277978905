"""Unblocking a user PIN with the SO PIN (the simulated token, where a PIN really locks),
and the escrow contexts the back office accepts."""

from __future__ import annotations

import pytest

from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.so_pin_recovery import EscrowContext
from kiosk.domain.token_ports import PinIncorrectError, PinLockedError

SERIAL, SO_PIN, PIN, NEW_PIN = "TOK-1", "SO-123456", "1234-old", "5678-new"
KEY_ID = b"\x01"


@pytest.fixture
def locked() -> FakeTokenPort:
    """A personalised token whose user PIN was blocked by three wrong tries."""
    tokens = FakeTokenPort([FakeToken(SERIAL)])
    tokens.initialise(SERIAL, "CCI TEST", SO_PIN, PIN)
    tokens.generate_key_pair(SERIAL, PIN, KeyAlgorithm.EC_P256, KEY_ID)
    for _ in range(3):
        with pytest.raises((PinIncorrectError, PinLockedError)):
            tokens.sign(SERIAL, "wrong", KEY_ID, b"data")
    return tokens


def test_the_so_pin_unblocks_a_locked_pin_and_the_key_stays(locked: FakeTokenPort) -> None:
    with pytest.raises(PinLockedError):
        locked.sign(SERIAL, PIN, KEY_ID, b"data")

    locked.unblock_pin(SERIAL, SO_PIN, NEW_PIN)

    assert locked.sign(SERIAL, NEW_PIN, KEY_ID, b"data")
    [info] = locked.list_tokens()
    assert not info.user_pin_locked
    with pytest.raises(PinIncorrectError):
        locked.sign(SERIAL, PIN, KEY_ID, b"data")


def test_a_wrong_so_pin_unblocks_nothing(locked: FakeTokenPort) -> None:
    with pytest.raises(PinIncorrectError, match="administrateur"):
        locked.unblock_pin(SERIAL, "not-the-so-pin", NEW_PIN)

    with pytest.raises(PinLockedError):
        locked.sign(SERIAL, NEW_PIN, KEY_ID, b"data")


@pytest.mark.parametrize(
    ("context", "token", "dossier", "named"),
    [
        ("kiosk-so-pin/v1;token=TOK-1;dossier=CS-1", "TOK-1", "CS-1", True),
        ("kiosk-so-pin/v1;token=;dossier=CS-1", "TOK-1", "CS-1", True),  # no serial yet then
        ("kiosk-so-pin/v1;token=TOK-2;dossier=CS-1", "TOK-1", "CS-1", False),
        ("kiosk-so-pin/v1;token=TOK-1;dossier=CS-2", "TOK-1", "CS-1", False),
    ],
)
def test_an_escrow_serves_only_its_token_and_dossier(
    context: str, token: str, dossier: str, named: bool
) -> None:
    parsed = EscrowContext.parse(context)

    assert parsed is not None and parsed.names(token, dossier) is named


@pytest.mark.parametrize(
    "context", ["", "other/v1;token=T;dossier=D", "kiosk-so-pin/v1;token=T", "kiosk-so-pin/v1"]
)
def test_a_context_of_another_form_is_not_read(context: str) -> None:
    assert EscrowContext.parse(context) is None

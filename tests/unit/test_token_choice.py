"""Which token the card in a reader stands for: the interrupted run's, else a blank one."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import DeviceError
from kiosk.domain.reader_ports import ReaderPairing, TokenSelector
from kiosk.domain.token_choice import token_in_reader
from kiosk.domain.token_ports import TokenInfo

READER = "Virtual PCD 00 00"


def token(serial: str, *, blank: bool = True, label: str = "") -> TokenInfo:
    return TokenInfo(
        label, serial, "SoftHSM project", "SoftHSM v2", not blank, not blank, False, False
    )


CA = token("ca01", blank=False, label="KIOSK-CA")
DELIVERED = token("d001", blank=False, label="CCI KERMARREC CS-2026-000001")
STARTED = token("a001", blank=False, label="CCI LE GOFF CS-2026-000123")
FREE_SLOT = token("")


def test_the_interrupted_runs_token_comes_first() -> None:
    tokens = [CA, DELIVERED, STARTED, FREE_SLOT]

    assert token_in_reader(tokens, READER, [], "a001") == STARTED


def test_otherwise_a_blank_token_softhsms_free_slot_in_the_demo() -> None:
    assert token_in_reader([CA, DELIVERED, STARTED, FREE_SLOT], READER, [], None) == FREE_SLOT
    assert token_in_reader([CA, FREE_SLOT], READER, [], "gone") == FREE_SLOT


def test_a_lone_token_that_is_not_blank_is_still_chosen_so_that_its_check_says_why() -> None:
    assert token_in_reader([DELIVERED], READER, [], None) == DELIVERED


def test_no_token_or_several_used_ones_are_refused_in_french() -> None:
    with pytest.raises(DeviceError, match="Aucun support reconnu dans le lecteur"):
        token_in_reader([], READER, [], None)
    with pytest.raises(DeviceError, match="Plusieurs supports déjà initialisés"):
        token_in_reader([CA, DELIVERED], READER, [], None)


def test_pairings_keep_only_the_readers_tokens_and_refuse_a_reader_nobody_paired() -> None:
    pairings = [ReaderPairing("Virtual PCD*", TokenSelector(label="CCI KERMARREC CS-2026-000001"))]

    assert token_in_reader([CA, DELIVERED], READER, pairings, None) == DELIVERED
    assert token_in_reader([CA, DELIVERED, STARTED], READER, pairings, "a001") == STARTED
    with pytest.raises(DeviceError, match="n'est associé à aucun support"):
        token_in_reader([CA, DELIVERED], "Gemalto 00 00", pairings, None)

"""PC/SC failures as the French sentence the desk agent sees."""

from __future__ import annotations

import pytest
from smartcard import scard

from kiosk.adapters.reader.pcsc_errors import SERVICE_UNAVAILABLE, pcsc_error


@pytest.mark.parametrize(
    "code",
    [
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_F_COMM_ERROR,
        scard.SCARD_E_INVALID_HANDLE,
        # Some bindings hand codes back as signed 32-bit integers.
        scard.SCARD_E_NO_SERVICE - 2**32,
    ],
)
def test_a_missing_or_lost_pcscd_is_named_in_french(code: int) -> None:
    assert pcsc_error(code, "lister les lecteurs").message == SERVICE_UNAVAILABLE
    assert SERVICE_UNAVAILABLE == "Le service de lecteur de cartes (pcscd) ne répond pas."


def test_another_failure_says_what_was_being_done_and_keeps_the_code() -> None:
    error = pcsc_error(scard.SCARD_E_SHARING_VIOLATION, "lire l'état des lecteurs")

    assert "lire l'état des lecteurs" in error.message
    assert "0x8010000B" in error.message

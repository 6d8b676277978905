"""Token library failures reach the agent as French sentences that say what to do."""

from __future__ import annotations

import pytest
from pkcs11 import exceptions as p11

from kiosk.adapters.token.pkcs11_errors import token_errors, translate
from kiosk.domain.errors import DeviceError, KioskError, NotFoundError, ValidationError
from kiosk.domain.token_ports import PinIncorrectError, PinLockedError, TokenRemovedError


@pytest.mark.parametrize(
    ("failure", "expected", "opening"),
    [
        (p11.TokenNotPresent, TokenRemovedError, "Support retiré"),
        (p11.DeviceRemoved, TokenRemovedError, "Support retiré"),
        (p11.SessionHandleInvalid, TokenRemovedError, "Support retiré"),
        (p11.SessionClosed, TokenRemovedError, "Support retiré"),
        (p11.PinIncorrect, PinIncorrectError, "Code PIN incorrect"),
        (p11.PinLocked, PinLockedError, "Code PIN bloqué"),
        (p11.PinLenRange, ValidationError, "Code PIN refusé"),
        (p11.NoSuchKey, NotFoundError, "Clé introuvable"),
        (p11.DeviceMemory, DeviceError, "Le support est plein"),
        (p11.GeneralError, DeviceError, "Le support a refusé la génération de la clé"),
    ],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_each_library_failure_becomes_a_french_kiosk_error(
    failure: type[p11.PKCS11Error], expected: type[KioskError], opening: str
) -> None:
    error = translate(failure("library text, CKR code"), action="la génération de la clé")

    assert type(error) is expected
    assert error.message.startswith(opening)
    assert "library text" not in error.message


def test_the_block_raises_the_translation_with_the_library_error_as_its_cause() -> None:
    with pytest.raises(PinLockedError) as raised, token_errors("la signature"):
        raise p11.PinLocked()

    assert isinstance(raised.value.__cause__, p11.PinLocked)

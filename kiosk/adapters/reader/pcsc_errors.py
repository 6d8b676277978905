"""PC/SC result codes turned into the kiosk's French DeviceError."""

from __future__ import annotations

from smartcard import scard

from kiosk.domain.errors import DeviceError

SERVICE_UNAVAILABLE = "Le service de lecteur de cartes (pcscd) ne répond pas."

# Codes meaning the daemon is absent or went away (a context made before a pcscd restart
# answers INVALID_HANDLE or COMM_ERROR rather than NO_SERVICE).
_SERVICE_LOST = frozenset(
    {
        scard.SCARD_E_NO_SERVICE,
        scard.SCARD_E_SERVICE_STOPPED,
        scard.SCARD_F_COMM_ERROR,
        scard.SCARD_E_INVALID_HANDLE,
    }
)


def _unsigned(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def is_service_lost(hresult: int) -> bool:
    return _unsigned(hresult) in {_unsigned(code) for code in _SERVICE_LOST}


def pcsc_error(hresult: int, action: str) -> DeviceError:
    """The DeviceError for a failed PC/SC call. ``action`` says in French what was being
    done ("lister les lecteurs"); the code is kept for the support desk."""
    if is_service_lost(hresult):
        return DeviceError(SERVICE_UNAVAILABLE)
    code = _unsigned(hresult)
    return DeviceError(
        f"Le lecteur de cartes a refusé l'opération ({action}) : code PC/SC 0x{code:08X}."
    )

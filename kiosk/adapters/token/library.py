"""One PKCS#11 module, loaded once per process, plus the calls python-pkcs11 lacks.

python-pkcs11 caches one ``lib`` per module path for the whole process, and
``lib.reinitialize()`` would close every session of the process (the CA's included), so
nothing here ever finalises the module. C_InitToken and C_CloseAllSessions go through
ctypes on the same path: ``dlopen`` hands back the library python-pkcs11 already
initialised, so they act on the same slots and sessions.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

import pkcs11
from pkcs11 import exceptions as p11

from kiosk.domain.errors import ConfigError

_CK_ULONG = ctypes.c_ulong
_C_INIT_TOKEN = 9  # index in CK_FUNCTION_LIST, after the CK_VERSION header
_C_CLOSE_ALL_SESSIONS = 14

# CK_RV values C_InitToken / C_CloseAllSessions can return that a person may cause.
_RV_ERRORS: dict[int, type[p11.PKCS11Error]] = {
    0x03: p11.SlotIDInvalid,
    0x30: p11.DeviceError,
    0x31: p11.DeviceMemory,
    0x32: p11.DeviceRemoved,
    0xA0: p11.PinIncorrect,
    0xA2: p11.PinLenRange,
    0xA4: p11.PinLocked,
    0xB3: p11.SessionHandleInvalid,
    0xB6: p11.SessionExists,
    0xE0: p11.TokenNotPresent,
    0xE1: p11.TokenNotRecognised,
    0xE2: p11.TokenWriteProtected,
}


class _FunctionList(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_ubyte * 2),
        ("functions", ctypes.c_void_p * 15),
    ]


def _check(rv: int) -> None:
    if rv != 0:
        raise _RV_ERRORS.get(rv, p11.GeneralError)(f"CK_RV 0x{rv:08X}")


class Pkcs11Library:
    """The module at ``module_path``: python-pkcs11's handle and the raw function table."""

    _instances: dict[str, Pkcs11Library] = {}  # noqa: RUF012 - one per module path
    _instances_lock = threading.Lock()

    def __init__(self, module_path: str) -> None:
        if not Path(module_path).is_file():
            raise ConfigError("module PKCS#11", f"fichier introuvable : {module_path}")
        try:
            self.lib = pkcs11.lib(module_path)
        except p11.PKCS11Error as exc:
            raise ConfigError("module PKCS#11", f"chargement impossible : {module_path}") from exc
        self.module_path = module_path
        # A token operation is a short series of calls on one session: one at a time per
        # module keeps two threads from logging in and out of the same token under each other.
        self.lock = threading.RLock()
        raw = ctypes.CDLL(module_path)
        table = ctypes.POINTER(_FunctionList)()
        raw.C_GetFunctionList.argtypes = [ctypes.POINTER(ctypes.POINTER(_FunctionList))]
        raw.C_GetFunctionList.restype = _CK_ULONG
        _check(raw.C_GetFunctionList(ctypes.byref(table)))
        functions = table.contents.functions
        init_token = ctypes.CFUNCTYPE(
            _CK_ULONG, _CK_ULONG, ctypes.c_char_p, _CK_ULONG, ctypes.c_char_p
        )
        close_all = ctypes.CFUNCTYPE(_CK_ULONG, _CK_ULONG)
        self._init_token = init_token(functions[_C_INIT_TOKEN])
        self._close_all_sessions = close_all(functions[_C_CLOSE_ALL_SESSIONS])
        self._raw = raw  # keeps the dlopen reference alive with the function pointers

    @classmethod
    def shared(cls, module_path: str) -> Pkcs11Library:
        """The process-wide instance for ``module_path`` (the token adapter and the CA share it)."""
        with cls._instances_lock:
            instance = cls._instances.get(module_path)
            if instance is None:
                instance = cls._instances[module_path] = cls(module_path)
            return instance

    def init_token(self, slot_id: int, so_pin: str, label: str) -> None:
        """C_InitToken: erases the token. Raises python-pkcs11 exceptions like the rest."""
        encoded_label = label.encode("utf-8")
        if len(encoded_label) > 32:
            raise p11.ArgumentsBad("label longer than 32 bytes")
        pin = so_pin.encode("utf-8")
        _check(self._init_token(slot_id, pin, len(pin), encoded_label.ljust(32, b" ")))

    def close_all_sessions(self, slot_id: int) -> None:
        """Closes the sessions a failed C_Login leaves behind in python-pkcs11."""
        _check(self._close_all_sessions(slot_id))

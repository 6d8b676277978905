"""``TokenPort`` over any PKCS#11 module (SoftHSM2 in tests, the token vendor's in production).

Every call opens a short session on the token named by its serial, logs in if it must,
works, and closes it: nothing stays logged in between the steps of a personalisation, and
a token pulled between two steps is met as a clear error at the next one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from itertools import chain

import pkcs11
from cryptography import x509
from pkcs11 import Attribute, ObjectClass, TokenFlag
from pkcs11 import exceptions as p11
from pkcs11.attributes import AttributeMapper, handle_ulong

from kiosk.adapters.token import certificate_objects, token_keys
from kiosk.adapters.token.key_cleanup import discard_keys
from kiosk.adapters.token.library import Pkcs11Library
from kiosk.adapters.token.pkcs11_errors import token_errors
from kiosk.adapters.token.x509_subject import build_csr
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import DeviceError, ValidationError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.token_ports import (
    DiscardedKeys,
    PinIncorrectError,
    TokenInfo,
    TokenNotBlankError,
    TokenRemovedError,
)

_TOKEN_GONE = (p11.TokenNotPresent, p11.TokenNotRecognised, p11.DeviceRemoved)


def _attribute_mapper() -> AttributeMapper:
    # python-pkcs11 0.10 does not know CKA_CERTIFICATE_CATEGORY (a CK_ULONG).
    mapper = AttributeMapper()
    mapper.register_handler(Attribute.CERTIFICATE_CATEGORY, *handle_ulong)
    return mapper


def _serial(token: pkcs11.Token) -> str:
    return token.serial.decode("ascii", "replace").strip()


def _info(token: pkcs11.Token) -> TokenInfo:
    flags = token.flags
    return TokenInfo(
        label=token.label.strip(),
        serial=_serial(token),
        manufacturer=token.manufacturer_id.strip(),
        model=token.model.strip(),
        initialized=bool(flags & TokenFlag.TOKEN_INITIALIZED),
        user_pin_initialized=bool(flags & TokenFlag.USER_PIN_INITIALIZED),
        user_pin_locked=bool(flags & TokenFlag.USER_PIN_LOCKED),
        user_pin_final_try=bool(flags & TokenFlag.USER_PIN_FINAL_TRY),
    )


def _tokens_in(slots: list[pkcs11.Slot]) -> Iterator[pkcs11.Token]:
    for slot in slots:
        with suppress(*_TOKEN_GONE):  # pulled between the slot list and this read
            yield slot.get_token()


def _check_label(label: str) -> None:
    if not label.strip() or len(label.encode("utf-8")) > 32:
        raise ValidationError("Le nom du support doit comporter de 1 à 32 caractères.")


def _check_key_id(key_id: bytes) -> None:
    if not 1 <= len(key_id) <= 64:
        raise ValidationError("L'identifiant de clé doit comporter de 1 à 64 octets.")


def _load_certificate(cert_der: bytes) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(cert_der)
    except ValueError as exc:
        raise ValidationError("Certificat illisible : il n'est pas au format X.509 DER.") from exc


class Pkcs11TokenAdapter:
    """The tokens of one PKCS#11 module. ``key_label`` names new key pairs until a
    certificate gives them its own label."""

    def __init__(self, module_path: str, *, key_label: str = "Signature") -> None:
        self._library = Pkcs11Library.shared(module_path)
        self._key_label = key_label
        self._last_slot: dict[str, int] = {}  # serial -> slot id; slots move, so only a hint

    # Discovery ---------------------------------------------------------------------------

    def list_tokens(self) -> list[TokenInfo]:
        with self._library.lock, token_errors("la lecture des supports"):
            return [_info(token) for token in self._present_tokens()]

    def find_blank(self) -> TokenInfo | None:
        return next((info for info in self.list_tokens() if info.blank), None)

    def _present_tokens(self) -> list[pkcs11.Token]:
        return list(_tokens_in(self._library.lib.get_slots(token_present=True)))

    def _token(self, serial: str) -> pkcs11.Token:
        def wanted(token: pkcs11.Token) -> bool:
            return _serial(token) == serial and bool(serial or not _info(token).initialized)

        with token_errors("la lecture des supports"):
            slots = self._library.lib.get_slots(token_present=True)
            # Reading every token's info costs a few ms each: try the slot it was last in.
            last_seen = [slot for slot in slots if slot.slot_id == self._last_slot.get(serial)]
            for token in chain(_tokens_in(last_seen), _tokens_in(slots)):
                if wanted(token):
                    self._last_slot[serial] = token.slot.slot_id
                    return token
        raise TokenRemovedError()

    # Sessions ----------------------------------------------------------------------------

    @contextmanager
    def _session(
        self,
        serial: str,
        action: str,
        *,
        user_pin: str | None = None,
        so_pin: str | None = None,
        rw: bool = False,
    ) -> Iterator[pkcs11.Session]:
        with self._library.lock:
            token = self._token(serial)
            with token_errors(action):
                session = self._open(token, user_pin=user_pin, so_pin=so_pin, rw=rw)
            try:
                with token_errors(action):
                    yield session
            finally:
                with suppress(p11.PKCS11Error):  # a pulled token cannot log out; say why not
                    session.close()

    def _open(
        self, token: pkcs11.Token, *, user_pin: str | None, so_pin: str | None, rw: bool
    ) -> pkcs11.Session:
        try:
            return token.open(
                rw=rw, user_pin=user_pin, so_pin=so_pin, attribute_mapper=_attribute_mapper()
            )
        except p11.PinIncorrect as exc:
            self._close_left_open(token)
            final_try = bool(token.slot.get_token().flags & TokenFlag.USER_PIN_FINAL_TRY)
            raise PinIncorrectError(final_try=final_try, so=so_pin is not None) from exc
        except p11.PKCS11Error:
            self._close_left_open(token)
            raise

    def _close_left_open(self, token: pkcs11.Token) -> None:
        # python-pkcs11 leaves the session of a failed C_Login open: close it here.
        with suppress(p11.PKCS11Error):
            self._library.close_all_sessions(token.slot.slot_id)

    @contextmanager
    def private_key(
        self, serial: str, user_pin: str, key_id: bytes
    ) -> Iterator[token_keys.TokenPrivateKey]:
        """The token key ``key_id`` as a ``cryptography`` private key, for the block only."""
        with self._session(serial, "la signature", user_pin=user_pin) as session:
            yield token_keys.load_private_key(session, key_id)

    # Personalisation ---------------------------------------------------------------------

    def initialise(
        self, serial: str, label: str, so_pin: str, user_pin: str, *, wipe: bool = False
    ) -> TokenInfo:
        _check_label(label)
        with self._library.lock:
            token = self._token(serial)
            if _info(token).initialized and not wipe:
                raise TokenNotBlankError()
            serials_before = {_serial(t) for t in self._present_tokens()}
            slot_id = token.slot.slot_id
            with token_errors("l'initialisation du support"):
                self._library.close_all_sessions(slot_id)  # C_InitToken refuses open sessions
                try:
                    self._library.init_token(slot_id, so_pin, label)
                except p11.PinIncorrect as exc:
                    raise PinIncorrectError(so=True) from exc
            new_serial = self._initialised_serial(serial, label, serials_before)
            with self._session(
                new_serial, "la définition du code PIN", so_pin=so_pin, rw=True
            ) as session:
                session.init_pin(user_pin)
            return _info(self._token(new_serial))

    def _initialised_serial(self, serial: str, label: str, serials_before: set[str]) -> str:
        # A blank SoftHSM slot has no serial and gets one now; real tokens keep theirs.
        with token_errors("l'initialisation du support"):
            for token in self._present_tokens():
                info = _info(token)
                fresh = info.serial == serial or info.serial not in serials_before
                if info.initialized and info.label == label.strip() and info.serial and fresh:
                    return info.serial
        raise TokenRemovedError()

    def generate_key_pair(
        self, serial: str, user_pin: str, algorithm: KeyAlgorithm, key_id: bytes
    ) -> bytes:
        _check_key_id(key_id)
        with self._session(
            serial, "la génération de la clé", user_pin=user_pin, rw=True
        ) as session:
            template = {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.ID: key_id}
            if list(session.get_objects(template)):  # drained: an open search outlives nothing
                raise DeviceError("Une clé porte déjà cet identifiant sur le support.")
            public = token_keys.generate_key_pair(session, algorithm, key_id, self._key_label)
            return token_keys.spki_der(token_keys.public_key_of(public))

    def discard_keys(self, serial: str, user_pin: str, key_ids: Sequence[bytes]) -> DiscardedKeys:
        with self._session(
            serial, "l'effacement d'une clé abandonnée", user_pin=user_pin, rw=True
        ) as session:
            return discard_keys(session, key_ids)

    def build_csr(self, serial: str, user_pin: str, key_id: bytes, subject: SubjectSpec) -> bytes:
        with self._session(serial, "la demande de certificat", user_pin=user_pin) as session:
            return build_csr(token_keys.load_private_key(session, key_id), subject)

    def write_certificates(
        self,
        serial: str,
        user_pin: str,
        key_id: bytes,
        cert_der: bytes,
        chain_der: list[bytes],
        label: str,
    ) -> None:
        _check_label(label)
        cert = _load_certificate(cert_der)
        chain = [_load_certificate(ca_der) for ca_der in chain_der]
        with self._session(
            serial, "l'écriture du certificat", user_pin=user_pin, rw=True
        ) as session:
            stored = session.get_key(object_class=ObjectClass.PUBLIC_KEY, id=key_id)
            on_token = token_keys.spki_der(token_keys.public_key_of(stored))
            if token_keys.spki_der(cert.public_key()) != on_token:
                raise ValidationError("Le certificat ne correspond pas à la clé du support.")
            certificate_objects.write_holder_certificate(session, key_id, cert, label)
            certificate_objects.write_authority_certificates(session, chain)
            certificate_objects.label_key_pair(session, key_id, label)

    # Use ---------------------------------------------------------------------------------

    def sign(self, serial: str, user_pin: str, key_id: bytes, data: bytes) -> bytes:
        with self.private_key(serial, user_pin, key_id) as key:
            return token_keys.sign_sha256(key, data)

    def read_certificate(self, serial: str, key_id: bytes) -> bytes | None:
        with self._session(serial, "la lecture du certificat") as session:
            found = certificate_objects.certificates_with_id(session, key_id)
            return bytes(found[0][Attribute.VALUE]) if found else None

    def unblock_pin(self, serial: str, so_pin: str, new_user_pin: str) -> None:
        with self._session(serial, "le déblocage du code PIN", so_pin=so_pin, rw=True) as session:
            session.init_pin(new_user_pin)

    def public_key(self, serial: str, key_id: bytes) -> bytes | None:
        with self._session(serial, "la lecture de la clé publique") as session:
            try:
                stored = session.get_key(object_class=ObjectClass.PUBLIC_KEY, id=key_id)
            except p11.NoSuchKey:
                return None
            return token_keys.spki_der(token_keys.public_key_of(stored))

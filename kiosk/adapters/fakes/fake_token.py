"""An in-memory ``TokenPort`` for what SoftHSM cannot show: a user PIN that locks after a
number of wrong tries, and a token pulled out in the middle of a step.

Keys are software keys (``cryptography``); requests and signatures are built by the same
code as the PKCS#11 adapter's, so what a service gets back has the same form.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kiosk.adapters.token.token_keys import TokenPrivateKey, sign_sha256, spki_der
from kiosk.adapters.token.x509_subject import build_csr
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import DeviceError, ValidationError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.token_ports import (
    DiscardedKeys,
    PinIncorrectError,
    PinLockedError,
    TokenInfo,
    TokenNotBlankError,
    TokenRemovedError,
)


class TokenStep(StrEnum):
    """Where a pulled token can be simulated."""

    INITIALISE = "initialise"
    GENERATE_KEY_PAIR = "generate_key_pair"
    DISCARD_KEYS = "discard_keys"  # before any key pair is destroyed
    BUILD_CSR = "build_csr"
    WRITE_CERTIFICATE = "write_certificate"  # before anything is written
    WRITE_CHAIN = "write_chain"  # holder certificate written, CA chain not yet
    SIGN = "sign"


@dataclass
class FakeToken:
    """One simulated device. Blank until ``initialise``."""

    serial: str
    label: str = ""
    present: bool = True
    initialized: bool = False
    tries_left: int = 3
    so_pin: str | None = field(default=None, repr=False)
    user_pin: str | None = field(default=None, repr=False)
    keys: dict[bytes, TokenPrivateKey] = field(default_factory=dict, repr=False)
    certificates: dict[bytes, bytes] = field(default_factory=dict, repr=False)
    authority_certificates: list[bytes] = field(default_factory=list, repr=False)
    keeps_keys: bool = False  # a card that refuses to destroy a key pair

    @property
    def locked(self) -> bool:
        return self.tries_left <= 0


class FakeTokenPort:
    """``TokenPort`` over ``FakeToken`` objects the test holds and can inspect."""

    def __init__(self, tokens: Iterable[FakeToken] = (), *, max_pin_tries: int = 3) -> None:
        self.tokens = list(tokens)
        self.max_pin_tries = max_pin_tries
        for token in self.tokens:
            token.tries_left = max_pin_tries
        self._pull_at: dict[TokenStep, str | None] = {}

    # Test controls -------------------------------------------------------------------------

    def pull_at(self, step: TokenStep, serial: str | None = None) -> None:
        """The token (any, or ``serial``) is pulled out when ``step`` is reached."""
        self._pull_at[step] = serial

    def reinsert(self, serial: str) -> None:
        self._device(serial, present_only=False).present = True

    # TokenPort ----------------------------------------------------------------------------

    def list_tokens(self) -> list[TokenInfo]:
        return [self._info(token) for token in self.tokens if token.present]

    def find_blank(self) -> TokenInfo | None:
        return next((info for info in self.list_tokens() if info.blank), None)

    def initialise(
        self, serial: str, label: str, so_pin: str, user_pin: str, *, wipe: bool = False
    ) -> TokenInfo:
        token = self._device(serial)
        if token.initialized:
            if not wipe:
                raise TokenNotBlankError()
            if so_pin != token.so_pin:
                raise PinIncorrectError(so=True)
        self._reach(TokenStep.INITIALISE, token)
        token.label, token.so_pin, token.user_pin = label, so_pin, user_pin
        token.initialized, token.tries_left = True, self.max_pin_tries
        token.keys.clear()
        token.certificates.clear()
        token.authority_certificates.clear()
        return self._info(token)

    def generate_key_pair(
        self, serial: str, user_pin: str, algorithm: KeyAlgorithm, key_id: bytes
    ) -> bytes:
        token = self._logged_in(serial, user_pin)
        if key_id in token.keys:
            raise DeviceError("Une clé porte déjà cet identifiant sur le support.")
        self._reach(TokenStep.GENERATE_KEY_PAIR, token)
        key: TokenPrivateKey
        if algorithm is KeyAlgorithm.EC_P256:
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            bits = 2048 if algorithm is KeyAlgorithm.RSA_2048 else 3072
            key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
        token.keys[key_id] = key
        return spki_der(key.public_key())

    def discard_keys(self, serial: str, user_pin: str, key_ids: Sequence[bytes]) -> DiscardedKeys:
        token = self._logged_in(serial, user_pin)
        self._reach(TokenStep.DISCARD_KEYS, token)
        held = [key_id for key_id in dict.fromkeys(key_ids) if key_id in token.keys]
        if token.keeps_keys:
            return DiscardedKeys(refused=len(held))
        for key_id in held:
            del token.keys[key_id]
            token.certificates.pop(key_id, None)
        return DiscardedKeys(destroyed=len(held))

    def build_csr(self, serial: str, user_pin: str, key_id: bytes, subject: SubjectSpec) -> bytes:
        token = self._logged_in(serial, user_pin)
        key = self._key(token, key_id)
        self._reach(TokenStep.BUILD_CSR, token)
        return build_csr(key, subject)

    def write_certificates(
        self,
        serial: str,
        user_pin: str,
        key_id: bytes,
        cert_der: bytes,
        chain_der: list[bytes],
        label: str,
    ) -> None:
        token = self._logged_in(serial, user_pin)
        key = self._key(token, key_id)
        try:
            cert = x509.load_der_x509_certificate(cert_der)
        except ValueError as exc:
            raise ValidationError(
                "Certificat illisible : il n'est pas au format X.509 DER."
            ) from exc
        if spki_der(cert.public_key()) != spki_der(key.public_key()):
            raise ValidationError("Le certificat ne correspond pas à la clé du support.")
        self._reach(TokenStep.WRITE_CERTIFICATE, token)
        token.certificates[key_id] = cert_der
        self._reach(TokenStep.WRITE_CHAIN, token)
        for ca_der in chain_der:
            if ca_der not in token.authority_certificates:
                token.authority_certificates.append(ca_der)

    def sign(self, serial: str, user_pin: str, key_id: bytes, data: bytes) -> bytes:
        token = self._logged_in(serial, user_pin)
        key = self._key(token, key_id)
        self._reach(TokenStep.SIGN, token)
        return sign_sha256(key, data)

    def read_certificate(self, serial: str, key_id: bytes) -> bytes | None:
        return self._device(serial).certificates.get(key_id)

    def public_key(self, serial: str, key_id: bytes) -> bytes | None:
        key = self._device(serial).keys.get(key_id)
        return None if key is None else spki_der(key.public_key())

    def unblock_pin(self, serial: str, so_pin: str, new_user_pin: str) -> None:
        token = self._device(serial)
        if not token.initialized:
            raise DeviceError("Le code PIN du support n'a pas été défini : initialisez le support.")
        if so_pin != token.so_pin:
            raise PinIncorrectError(so=True)
        token.user_pin, token.tries_left = new_user_pin, self.max_pin_tries

    # Internals ---------------------------------------------------------------------------

    def _device(self, serial: str, *, present_only: bool = True) -> FakeToken:
        for token in self.tokens:
            if token.serial == serial and (token.present or not present_only):
                return token
        raise TokenRemovedError()

    def _logged_in(self, serial: str, user_pin: str) -> FakeToken:
        token = self._device(serial)
        if not token.initialized or token.user_pin is None:
            raise DeviceError("Le code PIN du support n'a pas été défini : initialisez le support.")
        if token.locked:
            raise PinLockedError()
        if user_pin != token.user_pin:
            token.tries_left -= 1
            if token.locked:
                raise PinLockedError()
            raise PinIncorrectError(final_try=token.tries_left == 1)
        token.tries_left = self.max_pin_tries
        return token

    def _reach(self, step: TokenStep, token: FakeToken) -> None:
        if step in self._pull_at and self._pull_at[step] in (None, token.serial):
            del self._pull_at[step]
            token.present = False
            raise TokenRemovedError()

    @staticmethod
    def _key(token: FakeToken, key_id: bytes) -> TokenPrivateKey:
        try:
            return token.keys[key_id]
        except KeyError:
            raise DeviceError("Clé introuvable sur le support.") from None

    @staticmethod
    def _info(token: FakeToken) -> TokenInfo:
        return TokenInfo(
            label=token.label,
            serial=token.serial,
            manufacturer="Kiosk",
            model="Support simulé",
            initialized=token.initialized,
            user_pin_initialized=token.user_pin is not None,
            user_pin_locked=token.locked,
            user_pin_final_try=token.tries_left == 1,
        )

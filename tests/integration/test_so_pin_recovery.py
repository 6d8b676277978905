"""The back office's SO PIN, recovered from the escrow the personalisation left in the token
register, unblocks the holder's PIN: on SoftHSM (C_InitPIN under an SO login) and on the
simulated token, where a PIN really locks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.so_pin_recovery import EscrowSoPinRecovery
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeTokenPort
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.errors import ConfigError, NotFoundError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.personalisation_journal import AttemptStatus
from kiosk.domain.token_ports import PinIncorrectError, PinLockedError
from tests.integration.fake_desk import SERIAL, ca, template, tokens
from tests.integration.personalisation_env import (
    USER_PIN,
    Desk,
    desk,
    dossier,
    escrow_private_key,
    unique_reference,
)
from tests.integration.softhsm_env import ca_folder, embedded_ca, softhsm, token_adapter

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, token_adapter, ca_folder, embedded_ca, template, ca, tokens)
NEW_PIN = "Nv8-renouveau"
DATA = b"Recu de remise"


def _key_file(folder: Path, key: rsa.RSAPrivateKey, mode: int = 0o600) -> Path:
    path = folder / "back-office" / "so-pin-escrow.key.pem"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(mode)
    return path


@dataclass(frozen=True)
class Personalised:
    world: Desk
    reference: str
    serial: str
    key_id: bytes
    cert_der: bytes


@pytest.fixture
def on_softhsm(
    template: Path, tmp_path: Path, token_adapter: Pkcs11TokenAdapter, embedded_ca: EmbeddedCA
) -> Iterator[Personalised]:
    reference = unique_reference()
    with desk(
        template, tmp_path, token_adapter, embedded_ca, embedded_ca.chain()[-1],
        clock=SystemClock(), dossiers=[dossier(KeyAlgorithm.EC_P256, reference)],
    ) as world:  # fmt: skip
        result = world.service().personalise(world.appointment(reference), "", USER_PIN)
        cert = result.certificate.cert_der
        yield Personalised(world, reference, result.token_serial, result.key_id, cert)


def test_the_recovered_so_pin_sets_a_new_pin_on_softhsm_and_the_key_still_signs(
    on_softhsm: Personalised, token_adapter: Pkcs11TokenAdapter, tmp_path: Path
) -> None:
    recovery = EscrowSoPinRecovery.from_file(
        _key_file(tmp_path, escrow_private_key()), on_softhsm.world.uow
    )

    so_pin = recovery.recover_so_pin(on_softhsm.serial, on_softhsm.reference)
    token_adapter.unblock_pin(on_softhsm.serial, so_pin, NEW_PIN)

    signature = token_adapter.sign(on_softhsm.serial, NEW_PIN, on_softhsm.key_id, DATA)
    public_key = x509.load_der_x509_certificate(on_softhsm.cert_der).public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(signature, DATA, ec.ECDSA(hashes.SHA256()))
    with pytest.raises(PinIncorrectError):
        token_adapter.sign(on_softhsm.serial, USER_PIN, on_softhsm.key_id, DATA)
    assert so_pin not in repr(recovery)


def test_a_wrong_so_pin_changes_nothing_on_softhsm(
    on_softhsm: Personalised, token_adapter: Pkcs11TokenAdapter
) -> None:
    with pytest.raises(PinIncorrectError, match="administrateur"):
        token_adapter.unblock_pin(on_softhsm.serial, "NOT-THE-SO-PIN", NEW_PIN)

    assert token_adapter.sign(on_softhsm.serial, USER_PIN, on_softhsm.key_id, DATA)


def test_the_escrow_serves_only_its_token_its_dossier_and_its_key(
    on_softhsm: Personalised, tmp_path: Path
) -> None:
    uow = on_softhsm.world.uow
    recovery = EscrowSoPinRecovery.from_file(_key_file(tmp_path, escrow_private_key()), uow)

    with pytest.raises(NotFoundError, match="Aucun code PIN administrateur séquestré"):
        recovery.recover_so_pin(on_softhsm.serial, "CS-2026-999999")
    with pytest.raises(NotFoundError, match="Aucun code PIN administrateur séquestré"):
        recovery.recover_so_pin("UNKNOWN-TOKEN", on_softhsm.reference)
    another_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ConfigError, match="une autre clé"):
        EscrowSoPinRecovery(another_key, uow).recover_so_pin(
            on_softhsm.serial, on_softhsm.reference
        )


def test_a_back_office_key_others_can_read_is_refused(
    on_softhsm: Personalised, tmp_path: Path
) -> None:
    path = _key_file(tmp_path, escrow_private_key(), mode=0o644)

    with pytest.raises(ConfigError, match="seul propriétaire"):
        EscrowSoPinRecovery.from_file(path, on_softhsm.world.uow)


def test_a_pin_locked_by_wrong_tries_is_unblocked_with_the_recovered_so_pin(
    template: Path, tmp_path: Path, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    with desk(template, tmp_path, tokens, ca, ca.root_der) as world:
        result = world.personalise(SERIAL)
        [attempt] = world.attempts()
        assert attempt.status is AttemptStatus.VERIFIED
        for _ in range(tokens.max_pin_tries):
            with pytest.raises((PinIncorrectError, PinLockedError)):
                tokens.sign(SERIAL, "wrong-pin", result.key_id, DATA)
        assert next(t for t in tokens.tokens if t.serial == SERIAL).locked
        recovery = EscrowSoPinRecovery.from_file(
            _key_file(tmp_path, escrow_private_key()), world.uow
        )

        tokens.unblock_pin(SERIAL, recovery.recover_so_pin(SERIAL, attempt.dossier_ref), NEW_PIN)

    assert tokens.sign(SERIAL, NEW_PIN, result.key_id, DATA)


def test_the_escrow_of_a_token_blank_without_serial_names_the_serial_it_got(
    on_softhsm: Personalised,
) -> None:
    # SoftHSM's free slot has no serial before initialisation: the escrow kept in the
    # register must still be bound to this token, not to an empty serial.
    with on_softhsm.world.uow() as uow:
        record = uow.token_register.get(on_softhsm.serial)
    assert record is not None and record.escrow is not None
    assert f"token={on_softhsm.serial};" in record.escrow.context

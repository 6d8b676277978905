"""The personalisation service with the real PKCS#11 adapter on SoftHSM and the real
embedded CA, checked from outside with pkcs11-tool and openssl; and a run killed with
SIGKILL right after issuance, taken up by the next run in this process."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.personalisation_journal import Phase, RevocationStatus, Step
from kiosk.domain.token_register import TokenState
from tests.integration.fake_desk import DIGEST, template
from tests.integration.kill_env import escrow_pem, run_killed_child
from tests.integration.personalisation_env import (
    USER_PIN,
    Desk,
    desk,
    dossier,
    unique_reference,
)
from tests.integration.softhsm_env import (
    SoftHsm,
    ca_folder,
    embedded_ca,
    softhsm,
    token_adapter,
)

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, token_adapter, ca_folder, embedded_ca, template)


@pytest.fixture
def references() -> dict[KeyAlgorithm, str]:
    return {algorithm: unique_reference() for algorithm in KeyAlgorithm}


@pytest.fixture
def real_desk(
    template: Path,
    tmp_path: Path,
    token_adapter: Pkcs11TokenAdapter,
    embedded_ca: EmbeddedCA,
    references: dict[KeyAlgorithm, str],
) -> Iterator[Desk]:
    with desk(
        template, tmp_path, token_adapter, embedded_ca, embedded_ca.chain()[-1],
        clock=SystemClock(),
        dossiers=[dossier(algorithm, reference) for algorithm, reference in references.items()],
    ) as world:  # fmt: skip
        yield world


def _objects(softhsm: SoftHsm, label: str) -> list[tuple[str, str]]:
    """(object kind, ID) of every object on the token, private ones included."""
    listing = softhsm.pkcs11_tool(label, "--login", "--pin", USER_PIN, "--list-objects")
    found, kind = [], ""
    for line in listing.splitlines():
        if line and not line[0].isspace():
            kind = line.split(";")[0].strip()
        elif line.strip().startswith("ID:"):
            found.append((kind, line.split(":", 1)[1].strip()))
    return found


def _openssl_verifies(softhsm: SoftHsm, label: str, key_id: bytes, folder: Path, ca: Path) -> str:
    """The certificate read back from the token, verified by openssl against the CA files."""
    der = folder / "holder.der"
    softhsm.pkcs11_tool(
        label, "--read-object", "--type", "cert", "--id", key_id.hex(), "--output-file", str(der)
    )
    pem = folder / "holder.pem"
    softhsm.run("openssl", "x509", "-inform", "DER", "-in", str(der), "-out", str(pem))
    return softhsm.run(
        "openssl", "verify", "-CAfile", str(ca / "root-ca.pem"),
        "-untrusted", str(ca / "issuing-ca.pem"), str(pem),
    )  # fmt: skip


@pytest.mark.parametrize("algorithm", [KeyAlgorithm.RSA_2048, KeyAlgorithm.EC_P256])
def test_a_full_run_on_softhsm_leaves_key_and_certificate_under_one_id(
    real_desk: Desk,
    references: dict[KeyAlgorithm, str],
    softhsm: SoftHsm,
    ca_folder: Path,
    tmp_path: Path,
    algorithm: KeyAlgorithm,
) -> None:
    reference = references[algorithm]

    result = real_desk.service().personalise(real_desk.appointment(reference), "", USER_PIN)

    label = f"CCI LEFEVRE {reference}"
    objects = _objects(softhsm, label)
    key_id = result.key_id.hex()
    for kind in ("Private Key Object", "Public Key Object", "Certificate Object"):
        assert (kind, key_id) in objects, objects
    verified = _openssl_verifies(softhsm, label, result.key_id, tmp_path, ca_folder)
    assert verified.strip().endswith(": OK")

    signature = real_desk.service().sign_acceptance(
        real_desk.appointment(reference), result.token_serial, USER_PIN, result.key_id, DIGEST
    )
    assert signature and real_desk.dossier_state(reference) is DossierState.DELIVERED
    record = real_desk.record(result.token_serial)
    assert record is not None and record.state is TokenState.DELIVERED


def _killed_run(
    world: Desk, softhsm: SoftHsm, reference: str, ca_folder: Path, folder: Path
) -> None:
    run_killed_child(
        softhsm,
        "personalisation_child",
        [str(world.path), str(ca_folder), str(escrow_pem(folder)), reference, Step.ISSUE.value],
        unreached="the child finished without reaching issuance",
    )


@pytest.mark.parametrize("same_token", [True, False], ids=["same-token", "another-token"])
def test_a_run_killed_after_issuance_is_taken_up_cleanly_by_the_next_one(
    real_desk: Desk,
    references: dict[KeyAlgorithm, str],
    softhsm: SoftHsm,
    ca_folder: Path,
    tmp_path: Path,
    same_token: bool,
) -> None:
    reference = references[KeyAlgorithm.EC_P256]

    _killed_run(real_desk, softhsm, reference, ca_folder, tmp_path)

    [killed] = real_desk.attempts(reference)
    journaled = [(e.step, e.phase) for e in real_desk.entries(killed.id)]
    assert journaled[-2:] == [(Step.ISSUE, Phase.DONE), (Step.WRITE, Phase.STARTED)]
    issued = killed.certificate
    assert issued is not None and killed.key_id is not None
    serial = killed.token_serial if same_token else ""

    result = real_desk.service().personalise(real_desk.appointment(reference), serial, USER_PIN)

    requests = real_desk.revocations(reference)
    if same_token:
        assert result.resumed and result.certificate.serial_hex == issued.serial_hex
        assert [r.status for r in requests] == [RevocationStatus.WITHDRAWN]
        label = f"CCI LEFEVRE {reference}"
        assert ("Certificate Object", killed.key_id.hex()) in _objects(softhsm, label)
    else:
        assert result.certificate.serial_hex != issued.serial_hex
        [request] = requests
        assert (request.certificate_serial, request.status) == (
            issued.serial_hex,
            RevocationStatus.CONFIRMED,
        )
        assert request.certificate_der == issued.cert_der
    assert real_desk.live(reference) == [result.certificate.serial_hex]
    real_desk.service().sign_acceptance(
        real_desk.appointment(reference), result.token_serial, USER_PIN, result.key_id, DIGEST
    )
    assert real_desk.dossier_state(reference) is DossierState.DELIVERED
    assert hashlib.sha256(result.certificate.cert_der).hexdigest() == (
        result.certificate.sha256_fingerprint
    )

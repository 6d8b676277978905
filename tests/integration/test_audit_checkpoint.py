"""Signed checkpoints of the audit log: the audit key on its own PKCS#11 token (SoftHSM)
signs notes any ECDSA P-256 verifier accepts; checkpoints are made when due (every N
events or T minutes), stored, and never signed over a log rewritten since the last one."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from kiosk.adapters.crypto.checkpoint_keys import (
    EcdsaP256CheckpointSigner,
    ecdsa_key_id,
    verifier_from_public_pem,
)
from kiosk.adapters.token.audit_key import (
    PUBLIC_KEY,
    TOKEN_PIN,
    create_audit_key,
    load_audit_signer,
    load_audit_verifier,
)
from kiosk.domain.checkpoint import (
    Checkpoint,
    CheckpointSigner,
    open_checkpoint,
    parse_signed_checkpoint,
    sign_checkpoint,
)
from kiosk.domain.checkpoint_schedule import CheckpointSchedule
from kiosk.domain.errors import ConfigError, IntegrityError
from kiosk.domain.merkle import root
from kiosk.services.audit_checkpoints import AuditCheckpoints
from tests.integration.audit_env import (
    ORIGIN,
    append_events,
    audit_folder,
    leaves_of,
    software_signer,
    stored_events,
)
from tests.integration.db_env import Db, database_url, migrated_db
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import SoftHsm, softhsm

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, softhsm, audit_folder)


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    with migrated_db(tmp_path, url=database_url) as database:
        yield database


def checkpoints(
    db: Db, signer: CheckpointSigner | None = None, schedule: CheckpointSchedule | None = None
) -> AuditCheckpoints:
    key = signer or KEY
    return AuditCheckpoints(
        db.uow,
        lambda: key,
        KEY.verifier(),
        ORIGIN,
        db.clock,
        schedule or CheckpointSchedule(every_events=10, every_minutes=30),
    )


KEY = software_signer()


# The audit key on its token ---------------------------------------------------------------


def test_the_audit_key_on_its_token_signs_checkpoints_any_verifier_accepts(
    audit_folder: Path, softhsm: SoftHsm, tmp_path: Path
) -> None:
    signer = load_audit_signer(audit_folder, module_path=softhsm.module, key_name=ORIGIN)
    public_pem = (audit_folder / PUBLIC_KEY).read_bytes()
    public = load_pem_public_key(public_pem)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert signer.key_id == ecdsa_key_id(public)
    assert (audit_folder / TOKEN_PIN).read_text() not in repr(signer)

    checkpoint = Checkpoint(ORIGIN, 42, bytes(range(32)), datetime.now(UTC))
    signed = sign_checkpoint(checkpoint, signer)
    text = signed.to_text()
    # the software verifier of the exported key (what an auditor runs) accepts it
    assert open_checkpoint(text, verifier_from_public_pem(ORIGIN, public_pem), ORIGIN) == (
        checkpoint
    )
    # and so does openssl, over the note text: ECDSA P-256, SHA-256, DER
    signature = parse_signed_checkpoint(text).signatures[0].signature
    (tmp_path / "note").write_bytes(checkpoint.note_text())
    (tmp_path / "sig").write_bytes(signature)
    (tmp_path / "pub.pem").write_bytes(public_pem)
    done = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "note"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "Verified OK")


def test_the_audit_key_never_leaves_its_token(audit_folder: Path, softhsm: SoftHsm) -> None:
    label = json.loads((audit_folder / "audit.json").read_text())["token_label"]
    pin = (audit_folder / TOKEN_PIN).read_text()
    listing = softhsm.pkcs11_tool(label, "--login", "--pin", pin, "--list-objects")
    private = listing.split("Private Key Object")[1].split("Object")[0]
    assert "EC" in private
    assert "never extractable" in private
    assert stat.S_IMODE(os.stat(audit_folder / TOKEN_PIN).st_mode) == 0o600
    assert pin not in (audit_folder / "audit.json").read_text()


def test_a_pin_file_others_can_read_is_refused(audit_folder: Path, softhsm: SoftHsm) -> None:
    (audit_folder / TOKEN_PIN).chmod(0o644)
    with pytest.raises(ConfigError, match="0600"):
        load_audit_signer(audit_folder, module_path=softhsm.module, key_name=ORIGIN)


def test_a_token_whose_key_is_not_the_exported_one_is_refused(
    audit_folder: Path, softhsm: SoftHsm
) -> None:
    other = EcdsaP256CheckpointSigner.generate(ORIGIN).verifier().public_key_pem()
    (audit_folder / PUBLIC_KEY).write_bytes(other)
    with pytest.raises(ConfigError, match="ne porte pas la clé publique exportée"):
        load_audit_signer(audit_folder, module_path=softhsm.module, key_name=ORIGIN)


def test_a_second_audit_key_is_never_made_over_the_first(
    audit_folder: Path, softhsm: SoftHsm
) -> None:
    with pytest.raises(ConfigError, match="existe déjà"):
        create_audit_key(audit_folder, module_path=softhsm.module)


def test_checkpoints_made_with_the_token_key_are_stored_and_verify(
    db: Db, audit_folder: Path, softhsm: SoftHsm
) -> None:
    signer = load_audit_signer(audit_folder, module_path=softhsm.module, key_name=ORIGIN)
    verifier = load_audit_verifier(audit_folder, ORIGIN)
    service = AuditCheckpoints(
        db.uow, lambda: signer, verifier, ORIGIN, db.clock, CheckpointSchedule()
    )
    append_events(db, 9)
    made = service.make()
    assert made is not None
    assert made.checkpoint.size == 9
    assert made.checkpoint.root_hash == root(leaves_of(stored_events(db)))
    assert service.latest() == made.checkpoint
    assert open_checkpoint(made.text, verifier, ORIGIN) == made.checkpoint


# When a checkpoint is due ---------------------------------------------------------------


def test_a_checkpoint_is_due_every_n_events_or_t_minutes_whichever_first(db: Db) -> None:
    service = checkpoints(db)
    assert service.make_if_due() is None  # an empty log: nothing to sign
    append_events(db, 1, step=timedelta(0))
    first = service.make_if_due()  # the first event of a log with no checkpoint
    assert first is not None and first.checkpoint.size == 1

    append_events(db, 9, step=timedelta(seconds=10))
    assert service.make_if_due() is None  # 9 new events, 90 s: not yet
    append_events(db, 1, step=timedelta(seconds=10))
    by_count = service.make_if_due()
    assert by_count is not None and by_count.checkpoint.size == 11

    append_events(db, 1, step=timedelta(minutes=1))
    assert service.make_if_due() is None
    db.clock.advance(timedelta(minutes=30))
    by_time = service.make_if_due()
    assert by_time is not None and by_time.checkpoint.size == 12

    db.clock.advance(timedelta(hours=5))
    assert service.make_if_due() is None  # no new event: nothing new to sign


# Nothing is signed over a rewritten log ---------------------------------------------------


def test_an_event_modified_since_the_last_checkpoint_is_never_signed(db: Db) -> None:
    service = checkpoints(db)
    append_events(db, 5)
    assert service.make() is not None
    append_events(db, 3)
    db.sql("UPDATE audit_events SET agent = 'yann' WHERE seq = 7")
    with pytest.raises(IntegrityError, match="événement n° 7 : contenu modifié"):
        service.make()
    with db.uow() as tx:
        assert tx.checkpoints.latest() is not None
        assert len(list(tx.checkpoints.all())) == 1


def test_a_stored_tree_that_no_longer_gives_the_signed_root_is_never_signed(db: Db) -> None:
    service = checkpoints(db)
    append_events(db, 6)  # peaks of a 6-leaf tree: levels 2 and 1
    assert service.make() is not None
    append_events(db, 1)
    db.sql("UPDATE audit_tree_nodes SET hash = :h WHERE level = 2 AND idx = 0", h=b"\x00" * 32)
    with pytest.raises(IntegrityError, match="ne donne plus la racine"):
        service.make()


def test_a_forged_stored_checkpoint_stops_the_next_one(db: Db) -> None:
    service = checkpoints(db)
    append_events(db, 4)
    made = service.make()
    assert made is not None
    forged = made.text.replace(made.text.split()[-1][:6], "AAAAAA")
    db.sql("UPDATE audit_checkpoints SET text = :t", t=forged)
    append_events(db, 1)
    with pytest.raises(IntegrityError, match=r"Point de contrôle enregistré n° \d+ : "):
        service.make()


def test_a_token_signing_with_another_key_stores_nothing(db: Db) -> None:
    append_events(db, 2)
    impostor = EcdsaP256CheckpointSigner.generate(ORIGIN)  # same name, another key
    with pytest.raises(IntegrityError, match="autre clé que celle exportée"):
        checkpoints(db, signer=impostor).make()
    with db.uow() as tx:
        assert tx.checkpoints.latest() is None


def test_a_checkpoint_text_round_trips_through_the_store(db: Db) -> None:
    append_events(db, 3)
    made = checkpoints(db).make()
    assert made is not None
    with db.uow() as tx:
        stored = tx.checkpoints.latest()
    assert stored is not None
    assert (stored.size, stored.root_hash, stored.text) == (3, made.checkpoint.root_hash, made.text)
    assert base64.b64encode(stored.root_hash).decode() in stored.text

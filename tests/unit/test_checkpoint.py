"""Signed checkpoints: the exact C2SP text, readable by Go's note tools, and a checkpoint that is
garbled, forged, re-signed by another key or taken from another log is refused in French."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given
from hypothesis import strategies as st

from kiosk.adapters.crypto.checkpoint_keys import (
    EcdsaP256CheckpointSigner,
    Ed25519CheckpointSigner,
    Ed25519CheckpointVerifier,
    signer_from_private_pem,
    verifier_from_public_pem,
)
from kiosk.domain.checkpoint import (
    Checkpoint,
    NoteSignature,
    SignedCheckpoint,
    log_origin,
    open_checkpoint,
    parse_signed_checkpoint,
    sign_checkpoint,
    verify_signed_checkpoint,
)
from kiosk.domain.errors import ConfigError, IntegrityError, ValidationError

ORIGIN = log_origin("BREST", "demo-brest-1")
ROOT = bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
AT = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)
SEED = bytes(range(32))
SIGNER = Ed25519CheckpointSigner(ORIGIN, ed25519.Ed25519PrivateKey.from_private_bytes(SEED))

# golang.org/x/mod/sumdb/note's own example (note_test.go): Ed25519 is deterministic, so
# signing its text with its key must give its signature line byte for byte.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
GO_TEXT = (
    b"If you think cryptography is the answer to your problem,\n"
    b"then you don't know what your problem is.\n"
)
GO_SIG_LINE = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZS"
    "NXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def checkpoint(size: int = 8, root_hash: bytes = ROOT) -> Checkpoint:
    return Checkpoint(ORIGIN, size, root_hash, AT)


def signed_text(size: int = 8) -> str:
    return sign_checkpoint(checkpoint(size), SIGNER).to_text()


def test_a_checkpoint_is_written_as_a_c2sp_signed_note() -> None:
    text = signed_text()
    body, signature_line = text.split("\n\n")
    assert body.split("\n") == [
        "kiosk/BREST/demo-brest-1",
        "8",
        "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
        "time 2026-11-26T08:00:00Z",
    ]
    assert signature_line.startswith("— kiosk/BREST/demo-brest-1 ")
    assert signature_line.endswith("\n")
    blob = base64.b64decode(signature_line.split(" ")[2])
    assert blob[:4] == SIGNER.key_id and len(blob) == 4 + 64
    assert SIGNER.verifier().verify(checkpoint().note_text(), blob[4:])


def test_signatures_interoperate_with_go_sumdb_note() -> None:
    signer = Ed25519CheckpointSigner(
        "PeterNeumann", ed25519.Ed25519PrivateKey.from_private_bytes(GO_SKEY_SEED)
    )
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.verifier().vkey() == GO_VKEY
    line = NoteSignature(signer.key_name, signer.key_id, signer.sign(GO_TEXT)).line()
    assert line == GO_SIG_LINE
    verifier = Ed25519CheckpointVerifier.from_vkey(GO_VKEY)
    assert verifier.verify(GO_TEXT, signer.sign(GO_TEXT))
    assert not verifier.verify(GO_TEXT.replace(b"problem,", b"problem;"), signer.sign(GO_TEXT))


@pytest.mark.parametrize(
    "make_signer", [Ed25519CheckpointSigner.generate, EcdsaP256CheckpointSigner.generate]
)
def test_a_signed_checkpoint_opens_with_its_public_key(make_signer: object) -> None:
    signer = make_signer(ORIGIN)  # type: ignore[operator]
    text = sign_checkpoint(checkpoint(), signer).to_text()
    assert open_checkpoint(text, signer.verifier(), expected_origin=ORIGIN) == checkpoint()
    assert open_checkpoint(text.encode(), signer.verifier()) == checkpoint()


def test_the_verifier_is_loaded_from_an_exported_public_key() -> None:
    for signer in (SIGNER, EcdsaP256CheckpointSigner.generate(ORIGIN)):
        pem = signer.verifier().public_key_pem()  # what the kiosk hands its auditors
        assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
        verifier = verifier_from_public_pem(ORIGIN, pem)
        assert verifier.key_id == signer.key_id
        assert open_checkpoint(sign_checkpoint(checkpoint(), signer).to_text(), verifier)


def test_a_software_signer_is_loaded_from_a_pkcs8_file() -> None:
    for key in (ed25519.Ed25519PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1())):
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        signer = signer_from_private_pem(ORIGIN, pem)
        assert open_checkpoint(sign_checkpoint(checkpoint(), signer).to_text(), signer.verifier())
        assert "PRIVATE" not in repr(signer)


def test_unusable_keys_are_named_in_french() -> None:
    with pytest.raises(ConfigError, match="clé publique PEM illisible"):
        verifier_from_public_pem(ORIGIN, b"not a key")
    with pytest.raises(ConfigError, match="clé privée PEM illisible"):
        signer_from_private_pem(ORIGIN, b"not a key")
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key()
    pem = p384.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ConfigError, match="P-256"):
        verifier_from_public_pem(ORIGIN, pem)
    with pytest.raises(ConfigError, match="illisible"):
        Ed25519CheckpointVerifier.from_vkey("PeterNeumann+c74f20a3+AR")
    with pytest.raises(ConfigError, match="incohérent"):
        Ed25519CheckpointVerifier.from_vkey(GO_VKEY.replace("c74f20a3", "c74f20a4"))


def test_a_forged_signature_is_refused() -> None:
    text = signed_text()
    body, line = text.split("\n\n")
    prefix, blob = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[10] ^= 0x01
    forged = f"{body}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n"
    with pytest.raises(IntegrityError, match="Signature du point de contrôle invalide"):
        open_checkpoint(forged, SIGNER.verifier())


def test_a_checkpoint_edited_after_signing_is_refused() -> None:
    """Whoever rewrites the log cannot move the signed root or size along with it."""
    original = signed_text()
    other_root = base64.b64encode(bytes(32)).decode()
    edits = [
        original.replace("\n8\n", "\n9\n"),
        original.replace("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=", other_root),
        original.replace("08:00:00Z", "08:00:01Z"),
    ]
    for edited in edits:
        assert edited != original
        with pytest.raises(IntegrityError, match="Signature du point de contrôle invalide"):
            open_checkpoint(edited, SIGNER.verifier())


def test_only_a_signature_by_the_expected_key_counts() -> None:
    stranger = Ed25519CheckpointSigner.generate(ORIGIN)  # same name, another key
    text = sign_checkpoint(checkpoint(), stranger).to_text()
    with pytest.raises(IntegrityError, match="non signé par la clé attendue"):
        open_checkpoint(text, SIGNER.verifier())
    ours = sign_checkpoint(checkpoint(), SIGNER)
    cosigned = SignedCheckpoint(
        ours.checkpoint,
        (*parse_signed_checkpoint(text).signatures, *ours.signatures),
    )
    assert open_checkpoint(cosigned.to_text(), SIGNER.verifier()) == checkpoint()


def test_a_checkpoint_of_another_log_is_refused() -> None:
    other = dataclasses.replace(checkpoint(), origin=log_origin("QUIMPER", "k2"))
    text = sign_checkpoint(other, SIGNER).to_text()
    with pytest.raises(IntegrityError, match=r"autre journal.*QUIMPER"):
        open_checkpoint(text, SIGNER.verifier(), expected_origin=ORIGIN)
    signed = parse_signed_checkpoint(text)
    assert verify_signed_checkpoint(signed, SIGNER.verifier()) == other


GOOD = signed_text()
GARBLED = {  # what was done to a good checkpoint: (text, the reason a person reads)
    "empty": ("", "saut de ligne"),
    "no blank line": (GOOD.replace("\n\n", "\n"), "ligne vide"),
    "no signature": (GOOD.split("\n\n")[0] + "\n\n", "aucune signature"),
    "no final newline": (GOOD[:-1], "saut de ligne"),
    "size with a leading zero": (GOOD.replace("\n8\n", "\n08\n"), "taille"),
    "negative size": (GOOD.replace("\n8\n", "\n-8\n"), "taille"),
    "size beyond 64 bits": (GOOD.replace("\n8\n", "\n99999999999999999999\n"), "taille"),
    "root not base64": (GOOD.replace("Xcnaeac", "Xc!aeac"), "empreinte racine"),
    "root too short": (GOOD.replace("XcnaeacG", ""), "empreinte racine"),
    "time missing": (GOOD.replace("time 2026-11-26T08:00:00Z\n", ""), "quatre lignes"),
    "time unreadable": (GOOD.replace("2026-11-26T08", "2026-13-26T08"), "date"),
    "time without its keyword": (GOOD.replace("time 2026", "2026"), "date"),
    "extra line": (GOOD.replace("08:00:00Z\n", "08:00:00Z\nextra\n"), "quatre lignes"),
    "origin with a space": (
        GOOD.replace("kiosk/BREST/demo-brest-1\n8", "kiosk BREST\n8"),
        "origine",
    ),
    "CRLF line ends": (GOOD.replace("\n", "\r\n"), "CRLF"),
    "a tab": (GOOD.replace("time ", "time\t"), "caractère de contrôle"),
    "hyphens for the em dash": (GOOD.replace("— ", "-- "), "ligne de signature"),
    "signature not base64": (GOOD[: GOOD.rindex(" ") + 1] + "%%%\n", "signature mal encodée"),
    "signature without a body": (GOOD[: GOOD.rindex(" ") + 1] + "AAAA\n", "signature mal encodée"),
    "empty key name": (GOOD.replace("— kiosk/BREST/demo-brest-1 ", "—  "), "ligne de signature"),
}


@pytest.mark.parametrize(("text", "reason"), GARBLED.values(), ids=GARBLED.keys())
def test_garbage_is_unreadable_in_french(text: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=r"^Point de contrôle illisible : ") as refused:
        parse_signed_checkpoint(text)
    assert reason in refused.value.message


def test_bytes_that_are_not_utf8_are_unreadable() -> None:
    with pytest.raises(ValidationError, match="UTF-8"):
        parse_signed_checkpoint(b"\xff\xfe" + GOOD.encode())


def test_a_checkpoint_states_its_time_in_utc_to_the_second() -> None:
    paris = timezone(timedelta(hours=1))
    cp = Checkpoint(ORIGIN, 8, ROOT, datetime(2026, 11, 26, 9, 0, 0, 999_999, tzinfo=paris))
    assert cp.timestamp == AT
    assert cp.describe() == "point de contrôle du 26/11/2026 08:00:00 UTC (8 événements)"
    with pytest.raises(ValueError, match="timezone-aware"):
        Checkpoint(ORIGIN, 8, ROOT, datetime(2026, 11, 26, 8, 0))
    with pytest.raises(ValueError, match="32 bytes"):
        Checkpoint(ORIGIN, 8, b"short", AT)
    with pytest.raises(ValueError, match="origin"):
        Checkpoint("kiosk BREST", 8, ROOT, AT)


@given(
    origin=st.text(
        st.characters(codec="utf-8", exclude_categories=("Z", "C"), exclude_characters="+"),
        min_size=1,
        max_size=40,
    ),
    size=st.integers(0, 2**63 - 1),
    root_hash=st.binary(min_size=32, max_size=32),
    seconds=st.integers(0, 4_000_000_000),
)
def test_any_checkpoint_reads_back_as_written(
    origin: str, size: int, root_hash: bytes, seconds: int
) -> None:
    cp = Checkpoint(origin, size, root_hash, datetime.fromtimestamp(seconds, UTC))
    signed = SignedCheckpoint(cp, (NoteSignature("k", b"\x00\x01\x02\x03", b"sig"),))
    assert parse_signed_checkpoint(signed.to_text()) == signed

"""``kiosk audit verify --offline FILE --key audit-key.pub.pem``: what an auditor checks on
their own machine, with the kiosk's public key and no access to its database.

FILE is one of:

- a JSON Lines export (its header carries the signed checkpoint);
- a CSV export, its signed checkpoint beside it in ``FILE.checkpoint``;
- a c2sp.org/tlog-proof file from ``kiosk audit prove``, with ``--event-hash`` (and
  ``--seq``) read from the receipt's QR code: it proves that event is in the signed log.
"""

from __future__ import annotations

import re
from pathlib import Path

from kiosk.adapters.crypto.checkpoint_keys import verifier_from_public_pem
from kiosk.domain.audit_export import read_csv, read_jsonl
from kiosk.domain.audit_export_verification import ExportVerdict, verify_export
from kiosk.domain.checkpoint import CheckpointVerifier, open_checkpoint, parse_signed_checkpoint
from kiosk.domain.errors import ConfigError, IntegrityError, ValidationError
from kiosk.domain.merkle import leaf_hash, verify_inclusion
from kiosk.domain.tlog_proof import HEADER, parse_tlog_proof

_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"Fichier illisible : {path}.") from exc


def _verifier(key_file: str, checkpoint_text: str) -> CheckpointVerifier:
    """The public key, named as the log the checkpoint says it is of (a signature by any
    other key does not verify, whatever name it claims)."""
    origin = parse_signed_checkpoint(checkpoint_text).checkpoint.origin
    try:
        pem = Path(key_file).read_bytes()
    except OSError as exc:
        raise ConfigError("--key", f"fichier illisible : {key_file}") from exc
    return verifier_from_public_pem(origin, pem)


def verify_offline(
    file: str, key_file: str, event_hash: str | None = None, seq: int | None = None
) -> ExportVerdict:
    path = Path(file)
    text = _read(path)
    if text.startswith(HEADER + "\n"):
        return _verify_proof(text, key_file, event_hash, seq)
    if event_hash is not None or seq is not None:
        raise ValidationError("--event-hash et --seq ne servent qu'à vérifier une preuve.")
    lines = text.splitlines(keepends=True)
    if text.startswith("{"):
        header, events = read_jsonl(lines)
        return verify_export(
            header.checkpoint, events, _verifier(key_file, header.checkpoint), header
        )
    note_file = path.with_name(path.name + ".checkpoint")
    if not note_file.exists():
        raise ValidationError(
            f"Le point de contrôle de l'export CSV manque : {note_file} (écrit avec l'export)."
        )
    note = _read(note_file)
    return verify_export(note, read_csv(lines), _verifier(key_file, note))


def _verify_proof(
    text: str, key_file: str, event_hash: str | None, seq: int | None
) -> ExportVerdict:
    if event_hash is None or not _SHA256_HEX.fullmatch(event_hash):
        raise ValidationError(
            "Une preuve se vérifie avec l'empreinte de l'événement (code QR du PV) : "
            "--event-hash EMPREINTE (64 caractères hexadécimaux)."
        )
    proof = parse_tlog_proof(text)
    checkpoint = open_checkpoint(proof.checkpoint_text, _verifier(key_file, proof.checkpoint_text))
    if seq is not None and proof.index != seq - 1:
        raise IntegrityError(
            f"La preuve porte sur l'événement n° {proof.index + 1}, pas sur le n° {seq}."
        )
    leaf = leaf_hash(bytes.fromhex(event_hash))
    if not verify_inclusion(leaf, proof.index, checkpoint.size, proof.hashes, checkpoint.root_hash):
        return ExportVerdict(
            False,
            (
                f"Preuve invalide : l'événement n° {proof.index + 1} d'empreinte {event_hash} "
                f"n'est pas dans le journal « {checkpoint.origin} » signé "
                f"({checkpoint.describe()}).",
            ),
            0,
            proof.index + 1,
        )
    return ExportVerdict(
        True,
        (
            f"Preuve vérifiée : l'événement n° {proof.index + 1} d'empreinte {event_hash} est "
            f"dans le journal « {checkpoint.origin} » signé ({checkpoint.describe()}).",
        ),
        1,
    )

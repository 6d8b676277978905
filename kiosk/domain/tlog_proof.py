"""Offline proof that an audit event is in the signed log: a c2sp.org/tlog-proof file.

What ``kiosk audit prove`` writes for a delivery receipt (the receipt's QR code names the
event; this file, suffix ``.tlog-proof``, proves it)::

    c2sp.org/tlog-proof@v1
    index 1233                       leaf index = event seq - 1
    <base64 sibling hash>            the inclusion proof, leaf sibling first
    ...
                                     blank line
    <the signed checkpoint, verbatim>

Anyone holding the kiosk's public checkpoint key and the event can check it, with no access
to the kiosk: ``verify_tlog_proof``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.domain.audit import AuditEvent
from kiosk.domain.checkpoint import Checkpoint, CheckpointVerifier, open_checkpoint
from kiosk.domain.errors import IntegrityError, ValidationError
from kiosk.domain.log_verification import verify_receipt_inclusion
from kiosk.domain.merkle import HASH_SIZE

HEADER = "c2sp.org/tlog-proof@v1"
_INDEX = re.compile(r"index (0|[1-9][0-9]{0,18})")
MAX_PROOF_HASHES = 64  # a 2**64-leaf tree needs 64


@dataclass(frozen=True)
class TlogProof:
    index: int
    hashes: tuple[bytes, ...]
    checkpoint_text: str  # signed, still to be verified


def format_tlog_proof(index: int, hashes: Sequence[bytes], signed_checkpoint: str) -> str:
    lines = [HEADER, f"index {index}", *(base64.b64encode(h).decode("ascii") for h in hashes)]
    return "\n".join(lines) + "\n\n" + signed_checkpoint


def _unreadable(reason: str) -> ValidationError:
    return ValidationError(f"Preuve d'inclusion illisible : {reason}.")


def parse_tlog_proof(text: str) -> TlogProof:
    head, sep, checkpoint_text = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or lines[0] != HEADER:
        raise _unreadable(f"l'en-tête « {HEADER} » manque")
    if len(lines) > 1 and lines[1].startswith("extra "):
        del lines[1]  # opaque and unauthenticated: we never use it
    index = _INDEX.fullmatch(lines[1]) if len(lines) > 1 else None
    if index is None:
        raise _unreadable("ligne « index » manquante ou invalide")
    if len(lines) - 2 > MAX_PROOF_HASHES:
        raise _unreadable("trop d'empreintes")
    hashes = []
    for line in lines[2:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except binascii.Error:
            digest = b""
        if len(digest) != HASH_SIZE:
            raise _unreadable("empreinte invalide dans la preuve")
        hashes.append(digest)
    return TlogProof(int(index.group(1)), tuple(hashes), checkpoint_text)


def verify_tlog_proof(
    text: str, event: AuditEvent, verifier: CheckpointVerifier, expected_origin: str
) -> Checkpoint:
    """The signed checkpoint ``event`` is proven to be under; raises otherwise
    (``ValidationError`` for an unreadable file, ``IntegrityError`` for a false one)."""
    proof = parse_tlog_proof(text)
    checkpoint = open_checkpoint(proof.checkpoint_text, verifier, expected_origin)
    if proof.index != event.seq - 1:
        raise IntegrityError(
            f"La preuve porte sur l'événement n° {proof.index + 1}, pas sur le n° {event.seq}."
        )
    verify_receipt_inclusion(event, proof.hashes, checkpoint)
    return checkpoint

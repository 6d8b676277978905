"""Verifying an audit log export offline, with the kiosk's public key only.

``verify_export`` checks each event's hash, its link to the one before, its inclusion proof
under the signed root, any personal data against its signed commitment, and that no event
is missing from the range the header announces; an export that starts at event 1 and ends
at the checkpoint's size is the whole log. The export formats themselves (JSON Lines, CSV)
are in ``kiosk.domain.audit_export``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.domain.audit import GENESIS_HASH, AuditEvent
from kiosk.domain.audit_export import ExportedEvent, ExportHeader
from kiosk.domain.checkpoint import Checkpoint, CheckpointVerifier, open_checkpoint
from kiosk.domain.errors import KioskError
from kiosk.domain.log_verification import verify_receipt_inclusion
from kiosk.domain.personal_data import verify_personal


@dataclass(frozen=True)
class ExportVerdict:
    ok: bool
    lines: tuple[str, ...]
    checked: int
    first_bad_seq: int | None = None


def verify_export(
    checkpoint_text: str,
    events: Iterable[ExportedEvent],
    verifier: CheckpointVerifier,
    header: ExportHeader | None = None,
) -> ExportVerdict:
    """Every event of the export proven in the signed log, and none missing from its range."""
    checkpoint = open_checkpoint(checkpoint_text, verifier)
    previous: AuditEvent | None = None
    first: int | None = None
    checked = kept = 0
    for item in events:
        event = item.event
        expected = None if header is None else header.first_seq
        problem = _problem(event, previous, expected, item, checkpoint)
        if problem is not None:
            return ExportVerdict(
                False,
                (f"Export altéré à l'événement n° {event.seq} : {problem}.",),
                checked,
                event.seq,
            )
        first = event.seq if first is None else first
        kept += item.personal is not None
        previous, checked = event, checked + 1
    last = previous.seq if previous else None
    if header is not None and (first, last) != (header.first_seq, header.last_seq):
        missing = header.first_seq if first != header.first_seq else (last or 0) + 1
        return ExportVerdict(
            False,
            (
                f"Export incomplet : l'en-tête annonce les événements n° {header.first_seq} à "
                f"n° {header.last_seq}, le fichier en donne {checked} "
                f"(le n° {missing} manque).",
            ),
            checked,
            missing,
        )
    return ExportVerdict(True, _verdict_lines(checkpoint, first, last, checked, kept), checked)


def _problem(
    event: AuditEvent,
    previous: AuditEvent | None,
    expected_first: int | None,
    item: ExportedEvent,
    checkpoint: Checkpoint,
) -> str | None:
    if previous is None and expected_first is not None and event.seq != expected_first:
        return f"l'export devait commencer par l'événement n° {expected_first}"
    if previous is not None and event.seq != previous.seq + 1:
        return f"l'événement n° {previous.seq + 1} manque ou a été déplacé"
    if previous is not None and event.prev_hash != previous.hash:
        return "ne suit pas l'événement précédent (chaînage rompu)"
    if event.seq == 1 and event.prev_hash != GENESIS_HASH:
        return "le premier événement ne part pas du début du chaînage"
    try:
        verify_receipt_inclusion(event, item.proof, checkpoint)
    except KioskError as exc:
        return exc.message.rstrip(".")
    commitment = event.details.get("personal")
    if item.personal is not None and not (
        isinstance(commitment, str)
        and verify_personal(item.personal.fields, item.personal.salt, commitment)
    ):
        return "ses données personnelles ne correspondent pas à l'engagement signé"
    return None


def _verdict_lines(
    checkpoint: Checkpoint, first: int | None, last: int | None, checked: int, personal: int
) -> tuple[str, ...]:
    if first is None or last is None:
        return (f"Export vide ; {checkpoint.describe()} de « {checkpoint.origin} » vérifié.",)
    whole = first == 1 and last == checkpoint.size
    extent = "le journal entier" if whole else f"les événements n° {first} à n° {last}"
    lines = [
        f"Export intègre : {checked} événement(s) vérifié(s), {extent}, prouvé(s) dans le "
        f"journal « {checkpoint.origin} » signé ({checkpoint.describe()}).",
    ]
    if personal:
        lines.append(f"Données personnelles : {personal} conforme(s) à leur engagement.")
    return tuple(lines)

"""Audit log export formats (JSON Lines, CSV), verifiable offline with the kiosk's public key.

JSON Lines (``kiosk audit export --format jsonl``): a header line, then one line per event
with the fields its hash commits to and its inclusion proof under the signed checkpoint
the header carries::

    {"format": "kiosk-audit-export/v1", "origin": …, "checkpoint": "<signed note>",
     "first_seq": 120, "last_seq": 2000, "from": "2026-11-01", "to": "2026-11-30", …}
    {"seq": 120, "at": …, "site": …, "kiosk": …, "agent": …, "dossier": …, "type": …,
     "outcome": …, "details": {…}, "prev": …, "hash": …, "proof": ["<base64>", …]}

CSV (``--format csv``): the same columns, ``details`` as JSON and ``proof`` as base64
hashes separated by spaces, for a spreadsheet; the signed checkpoint goes beside it in
``<file>.checkpoint`` (also usable as ``--checkpoint FILE``). An empty cell is a null.

Verifying an export (``verify_export``) is in ``kiosk.domain.audit_export_verification``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.domain.audit import AuditEvent, Outcome
from kiosk.domain.audit_ports import PersonalEntry
from kiosk.domain.errors import ValidationError
from kiosk.domain.personal_data import PersonalRecord

EXPORT_FORMAT = "kiosk-audit-export/v1"
CSV_COLUMNS = (
    "seq",
    "at",
    "site",
    "kiosk",
    "agent",
    "dossier",
    "type",
    "outcome",
    "details",
    "prev",
    "hash",
    "proof",
)


@dataclass(frozen=True)
class ExportHeader:
    origin: str
    checkpoint: str  # the signed note, verbatim
    first_seq: int
    last_seq: int
    period_from: str | None = None  # local dates as asked, ISO
    period_to: str | None = None
    personal: bool = False

    def line(self) -> str:
        body = {
            "format": EXPORT_FORMAT,
            "origin": self.origin,
            "checkpoint": self.checkpoint,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "from": self.period_from,
            "to": self.period_to,
            "personal": self.personal,
        }
        return json.dumps(body, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class ExportedEvent:
    event: AuditEvent
    proof: tuple[bytes, ...]
    personal: PersonalRecord | None = field(default=None, repr=False)
    personal_erased: bool = False


def _b64(proof: Iterable[bytes]) -> list[str]:
    return [base64.b64encode(h).decode("ascii") for h in proof]


def _at(event: AuditEvent) -> str:
    return event.at.isoformat(timespec="microseconds")


def jsonl_line(
    event: AuditEvent, proof: Iterable[bytes], personal: PersonalEntry | None = None
) -> str:
    body: dict[str, Any] = {
        "seq": event.seq,
        "at": _at(event),
        "site": event.site,
        "kiosk": event.kiosk,
        "agent": event.agent,
        "dossier": event.dossier_ref,
        "type": event.event_type,
        "outcome": event.outcome.value,
        "details": dict(event.details),
        "prev": event.prev_hash,
        "hash": event.hash,
        "proof": _b64(proof),
    }
    if personal is not None:
        record = personal.record
        body["personal"] = (
            {"erased_at": personal.erased_at.isoformat() if personal.erased_at else None}
            if record is None
            else {"fields": dict(record.fields), "salt": record.salt.hex()}
        )
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_header() -> str:
    return _csv_line(list(CSV_COLUMNS))


def csv_line(event: AuditEvent, proof: Iterable[bytes]) -> str:
    details = json.dumps(dict(event.details), ensure_ascii=False, separators=(",", ":"))
    return _csv_line(
        [
            str(event.seq),
            _at(event),
            event.site,
            event.kiosk,
            event.agent or "",
            event.dossier_ref or "",
            event.event_type,
            event.outcome.value,
            details,
            event.prev_hash,
            event.hash,
            " ".join(_b64(proof)),
        ]
    )


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _unreadable(where: str, reason: str) -> ValidationError:
    return ValidationError(f"Export illisible ({where}) : {reason}.")


def _proof(values: Iterable[str], where: str) -> tuple[bytes, ...]:
    try:
        return tuple(base64.b64decode(v, validate=True) for v in values)
    except (binascii.Error, ValueError):
        raise _unreadable(where, "preuve d'inclusion mal encodée") from None


def _event(fields: Mapping[str, Any], where: str) -> AuditEvent:
    try:
        return AuditEvent(
            seq=int(fields["seq"]),
            at=datetime.fromisoformat(str(fields["at"])),
            site=str(fields["site"]),
            kiosk=str(fields["kiosk"]),
            agent=fields["agent"] or None,
            dossier_ref=fields["dossier"] or None,
            event_type=str(fields["type"]),
            outcome=Outcome(fields["outcome"]),
            details=fields["details"],
            prev_hash=str(fields["prev"]),
            hash=str(fields["hash"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise _unreadable(where, f"événement incomplet ou mal formé ({exc})") from None


def read_jsonl(lines: Iterable[str]) -> tuple[ExportHeader, Iterator[ExportedEvent]]:
    """The header, then the events as they are read (``ValidationError`` if unreadable)."""
    rows = iter(lines)
    try:
        head = json.loads(next(rows))
        if head.get("format") != EXPORT_FORMAT:
            raise ValueError(head.get("format"))
        header = ExportHeader(
            str(head["origin"]),
            str(head["checkpoint"]),
            int(head["first_seq"]),
            int(head["last_seq"]),
            head.get("from"),
            head.get("to"),
            bool(head.get("personal")),
        )
    except (StopIteration, ValueError, KeyError, TypeError, AttributeError):
        raise _unreadable("ligne 1", f"en-tête « {EXPORT_FORMAT} » attendu") from None

    def events() -> Iterator[ExportedEvent]:
        for number, text in enumerate(rows, start=2):
            where = f"ligne {number}"
            try:
                body = json.loads(text)
                if not isinstance(body, dict) or not isinstance(body.get("details"), dict):
                    raise ValueError(text[:40])
            except ValueError:
                raise _unreadable(where, "JSON invalide") from None
            personal, erased = _personal(body.get("personal"), where)
            yield ExportedEvent(
                _event(body, where), _proof(body.get("proof", []), where), personal, erased
            )

    return header, events()


def _personal(value: Any, where: str) -> tuple[PersonalRecord | None, bool]:
    if value is None:
        return None, False
    try:
        if "fields" not in value:
            return None, True
        return PersonalRecord(dict(value["fields"]), bytes.fromhex(value["salt"])), False
    except (TypeError, ValueError, KeyError):
        raise _unreadable(where, "données personnelles mal formées") from None


def read_csv(lines: Iterable[str]) -> Iterator[ExportedEvent]:
    reader = csv.reader(lines)
    if tuple(next(reader, ())) != CSV_COLUMNS:
        raise _unreadable("ligne 1", f"colonnes attendues : {', '.join(CSV_COLUMNS)}")
    for number, cells in enumerate(reader, start=2):
        where = f"ligne {number}"
        if len(cells) != len(CSV_COLUMNS):
            raise _unreadable(where, f"{len(CSV_COLUMNS)} colonnes attendues")
        row = dict(zip(CSV_COLUMNS, cells, strict=True))
        try:
            details = json.loads(row["details"])
        except ValueError:
            raise _unreadable(where, "colonne « details » : JSON invalide") from None
        event = _event({**row, "details": details}, where)
        yield ExportedEvent(event, _proof(row["proof"].split(), where))

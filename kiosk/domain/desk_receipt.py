"""The short receipt of a desk act on a delivered certificate: a PIN unblock or a
revocation (attestation de déblocage du code PIN, de révocation du certificat).

Unlike the delivery receipt, nobody signs it with a certificate key (a revoked
certificate's key proves nothing, and the holder of a lost token has none): it is sealed
by the audit log instead. ``desk_receipt_digest(core)`` is the SHA-256 of its canonical
JSON; the act's audit event records it, and ``DeskReceipt`` joins the core with that
event's seq and hash, which the receipt prints so an auditor can find the event.

Never on a receipt: a PIN, an SO PIN, an answer, a document number.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from kiosk.domain.audit import AuditEvent
from kiosk.domain.certificate_revocation import normalised_serial
from kiosk.domain.errors import IntegrityError, ValidationError
from kiosk.domain.receipt import REFERENCE, require_audit_facts
from kiosk.domain.receipt_text import ReceiptRow, ReceiptSection, fr_datetime, paris_time
from kiosk.domain.siren import format_siren

DESK_RECEIPT_FORMAT = "KIOSK-ACTE1"
_SERIAL_HEX = re.compile(r"[0-9a-f]{1,64}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_SEQ = re.compile(r"[0-9]{1,18}")


class DeskAct(StrEnum):
    PIN_UNBLOCK = "pin_unblock"
    REVOCATION = "revocation"

    @property
    def heading(self) -> str:
        if self is DeskAct.PIN_UNBLOCK:
            return "Attestation de déblocage du code PIN d'un support de certificat"
        return "Attestation de révocation d'un certificat électronique au guichet"

    @property
    def sealing_event(self) -> str:
        """The audit event that records the attestation's digest."""
        return "pin.unblocked" if self is DeskAct.PIN_UNBLOCK else "dossier.revoked"

    @property
    def file_word(self) -> str:
        return "deblocage-pin" if self is DeskAct.PIN_UNBLOCK else "revocation"


@dataclass(frozen=True)
class DeskReceiptCore:
    """Every fact the attestation states; all of it is covered by its digest."""

    act: DeskAct
    reference: str
    holder_surname: str
    holder_given_names: str
    company_name: str
    company_siren: str
    office_name: str
    agent_display_name: str
    agent_login: str
    kiosk_id: str
    done_at: datetime
    certificate_serial: str
    token_serial: str | None
    identity_checks: tuple[tuple[str, str], ...]
    reason_code: str | None = None  # a revocation: RFC 5280 reason name (``superseded``...)
    reason_label: str | None = None
    published: bool | None = None  # a revocation: the CA has published it (CRL)

    def __post_init__(self) -> None:
        for label, value in (
            ("dossier", self.reference),
            ("nom du titulaire", self.holder_surname),
            ("raison sociale", self.company_name),
            ("bureau", self.office_name),
            ("agent", self.agent_login),
            ("poste", self.kiosk_id),
        ):
            if not value.strip():
                raise ValidationError(f"L'attestation ne peut pas être établie : « {label} » vide.")
        if self.done_at.tzinfo is None:
            raise ValidationError("La date de l'attestation doit porter son fuseau horaire.")
        if not _SERIAL_HEX.fullmatch(self.certificate_serial):
            raise ValidationError("Numéro de série du certificat : hexadécimal minuscule attendu.")
        if not self.identity_checks:
            raise ValidationError("L'attestation doit nommer les vérifications d'identité.")
        revocation = self.act is DeskAct.REVOCATION
        if revocation != (self.reason_code is not None and self.reason_label is not None):
            raise ValidationError("Une révocation, et elle seule, indique son motif.")


def canonical_desk_receipt(core: DeskReceiptCore) -> bytes:
    body = {
        "format": DESK_RECEIPT_FORMAT,
        "act": core.act.value,
        "reference": core.reference,
        "holder": {"surname": core.holder_surname, "given_names": core.holder_given_names},
        "company": {"name": core.company_name, "siren": core.company_siren},
        "office": core.office_name,
        "agent": {"name": core.agent_display_name, "login": core.agent_login},
        "kiosk": core.kiosk_id,
        "at": core.done_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "certificate_serial": core.certificate_serial,
        "token_serial": core.token_serial,
        "identity_checks": [[label, outcome] for label, outcome in core.identity_checks],
        "reason": core.reason_code,
        "published": core.published,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def desk_receipt_digest(core: DeskReceiptCore) -> bytes:
    return hashlib.sha256(canonical_desk_receipt(core)).digest()


@dataclass(frozen=True)
class DeskReceipt:
    """An attestation sealed by the audit event that records its digest."""

    core: DeskReceiptCore
    digest: bytes
    audit_seq: int
    audit_hash: str

    def __post_init__(self) -> None:
        if self.digest != desk_receipt_digest(self.core):
            raise IntegrityError("L'empreinte de l'attestation ne correspond pas à son contenu.")
        if self.audit_seq < 1 or not _SHA256_HEX.fullmatch(self.audit_hash):
            raise ValidationError("Événement d'audit invalide pour l'attestation.")


def desk_receipt_lines(receipt: DeskReceipt) -> list[tuple[str, str]]:
    """(label, value) lines for a screen or a printer; a section starts with (title, "")."""
    core = receipt.core
    lines: list[tuple[str, str]] = [
        (core.act.heading, ""),
        ("Titulaire", ""),
        ("Nom", core.holder_surname),
        ("Prénom(s)", core.holder_given_names or "—"),
        ("Entreprise", f"{core.company_name} (SIREN {format_siren(core.company_siren)})"),
        ("Acte", ""),
        ("Dossier", core.reference),
        ("Date et heure", fr_datetime(core.done_at)),
        ("Bureau", core.office_name),
        ("Agent", f"{core.agent_display_name} ({core.agent_login})"),
        ("Poste", core.kiosk_id),
        ("Certificat (n° de série)", core.certificate_serial),
    ]
    if core.token_serial:
        lines.append(("Support (n° de série)", core.token_serial))
    if core.act is DeskAct.PIN_UNBLOCK:
        lines.append(("Résultat", "Nouveau code PIN défini par le titulaire ; support débloqué"))
    else:
        lines.append(("Motif (RFC 5280)", f"{core.reason_label} ({core.reason_code})"))
        lines.append(
            (
                "Publication",
                "Révocation publiée par l'autorité de certification (liste de révocation)"
                if core.published
                else "Révocation transmise au back-office, publication à venir",
            )
        )
    lines.append(("Vérifications effectuées", ""))
    lines.extend(core.identity_checks)
    lines += [
        ("Journal d'audit", ""),
        ("Événement n°", str(receipt.audit_seq)),
        ("Empreinte", receipt.audit_hash),
        ("Condensat de l'attestation", receipt.digest.hex()),
    ]
    return lines


class DeskReceiptRenderer(Protocol):
    def render(self, receipt: DeskReceipt, folder: Path) -> Path:
        """Write the attestation's document into ``folder`` atomically; return its path.

        Raises StorageError if it cannot be stored (nothing partial is left), DeviceError
        if the renderer itself cannot work (font missing)."""
        ...


def desk_receipt_file_stem(receipt: DeskReceipt) -> str:
    """``<reference>-<act>-<yyyymmdd-HHMMSS>`` in Paris time: no secret in a file name."""
    core = receipt.core
    return f"{core.reference}-{core.act.file_word}-{paris_time(core.done_at):%Y%m%d-%H%M%S}"


_MONO_LABELS = frozenset(
    {"Certificat (n° de série)", "Support (n° de série)", "Empreinte", "Condensat de l'attestation"}
)


def desk_receipt_sections(receipt: DeskReceipt) -> list[ReceiptSection]:
    """``desk_receipt_lines`` after its heading, grouped under their section titles; hex
    values an auditor compares character by character are marked ``mono``."""
    sections: list[ReceiptSection] = []
    title, rows = "", list[ReceiptRow]()
    for label, value in desk_receipt_lines(receipt)[1:]:
        if value:
            rows.append(ReceiptRow(label, value, label in _MONO_LABELS))
            continue
        if title:
            sections.append(ReceiptSection(title, tuple(rows)))
        title, rows = label, []
    if title:
        sections.append(ReceiptSection(title, tuple(rows)))
    return sections


@dataclass(frozen=True)
class DeskReceiptQr:
    """The facts an attestation's QR code carries."""

    act: DeskAct
    reference: str
    audit_seq: int
    audit_hash: str
    digest: str
    certificate_serial: str

    def text(self) -> str:
        seq, act = str(self.audit_seq), self.act.value
        facts = (act, self.reference, seq, self.audit_hash, self.digest, self.certificate_serial)
        return "|".join((DESK_RECEIPT_FORMAT, *facts))


def desk_qr_payload(receipt: DeskReceipt) -> str:
    """``KIOSK-ACTE1|act|ref|seq|event hash|attestation digest|certificate serial``."""
    core = receipt.core
    return DeskReceiptQr(
        core.act,
        core.reference,
        receipt.audit_seq,
        receipt.audit_hash,
        receipt.digest.hex(),
        core.certificate_serial,
    ).text()


def parse_desk_qr(text: str) -> DeskReceiptQr:
    """Read a scanned code; ValidationError (French) on anything but an attestation's."""
    parts = text.strip().split("|")
    acts = {act.value: act for act in DeskAct}
    if len(parts) != 7 or parts[0] != DESK_RECEIPT_FORMAT or parts[1] not in acts:
        raise ValidationError("Ce code QR n'est pas celui d'une attestation du kiosque.")
    _, act, reference, seq, audit_hash, digest, serial = parts
    if not REFERENCE.fullmatch(reference):
        raise ValidationError("Code QR de l'attestation illisible : référence invalide.")
    if not _SEQ.fullmatch(seq) or int(seq) < 1:
        raise ValidationError("Code QR de l'attestation illisible : numéro d'événement invalide.")
    if not (_SHA256_HEX.fullmatch(audit_hash) and _SHA256_HEX.fullmatch(digest)):
        raise ValidationError("Code QR de l'attestation illisible : empreinte invalide.")
    if not _SERIAL_HEX.fullmatch(serial):
        raise ValidationError("Code QR de l'attestation illisible : numéro de série invalide.")
    return DeskReceiptQr(acts[act], reference, int(seq), audit_hash, digest, serial)


def check_desk_qr_against_event(qr: DeskReceiptQr, event: AuditEvent) -> None:
    """IntegrityError unless ``event`` (from a verified chain) is the one the code names."""
    details = event.details
    require_audit_facts(
        f"L'attestation {qr.reference}",
        (
            ("numéro d'événement", event.seq == qr.audit_seq),
            ("empreinte d'événement", event.hash == qr.audit_hash),
            ("acte", event.event_type == qr.act.sealing_event),
            ("dossier", event.dossier_ref == qr.reference),
            ("condensat de l'attestation", details.get("receipt_digest") == qr.digest),
            ("certificat", _same_serial(details.get("certificate_serial"), qr.certificate_serial)),
        ),
    )


def _same_serial(recorded: object, serial: str) -> bool:
    """The event records the serial as the delivery stored it (leading zeros kept)."""
    if not isinstance(recorded, str):
        return False
    try:
        return normalised_serial(recorded) == serial
    except ValidationError:
        return False

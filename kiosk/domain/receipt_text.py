"""The receipt's wording, shared by the screen and the PDF so both state the same facts.

Times are shown in Europe/Paris time, whatever zone the receipt's datetimes carry.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.domain.document_validity import fr_date
from kiosk.domain.errors import ConfigError
from kiosk.domain.siren import format_siren

if TYPE_CHECKING:  # receipt.py imports this module: no import cycle at run time
    from kiosk.domain.receipt import DeliveryReceipt

TITLE = "Procès-verbal de remise en face-à-face d'un certificat électronique"
RENEWAL_TITLE = f"{TITLE} (renouvellement)"
SIGNATURE_SHOWN_CHARS = 32


@dataclass(frozen=True)
class ReceiptRow:
    label: str
    value: str
    mono: bool = False  # a hex value an auditor compares character by character


@dataclass(frozen=True)
class ReceiptSection:
    title: str
    rows: tuple[ReceiptRow, ...]
    statement: str = ""  # a paragraph shown before the rows


@lru_cache(maxsize=1)
def _paris() -> ZoneInfo:
    try:
        return ZoneInfo("Europe/Paris")
    except ZoneInfoNotFoundError:
        raise ConfigError(
            "fuseau horaire Europe/Paris", "base introuvable : installer le paquet tzdata"
        ) from None


def paris_time(moment: datetime) -> datetime:
    return moment.astimezone(_paris())


def fr_datetime(moment: datetime) -> str:
    """``26/11/2026 à 14:05:09 (heure de Paris)``."""
    return f"{paris_time(moment):%d/%m/%Y à %H:%M:%S} (heure de Paris)"


def receipt_title(receipt: DeliveryReceipt) -> str:
    """The title, which says « renouvellement » for a renewal."""
    return RENEWAL_TITLE if receipt.core.renewal else TITLE


def receipt_file_stem(receipt: DeliveryReceipt) -> str:
    """``<reference>-<yyyymmdd-HHMMSS>`` in Paris time: the receipt's file name, sans suffix."""
    return f"{receipt.reference}-{paris_time(receipt.core.delivered_at):%Y%m%d-%H%M%S}"


def signature_preview(signature: bytes) -> str:
    encoded = base64.b64encode(signature).decode("ascii")
    if len(encoded) <= SIGNATURE_SHOWN_CHARS:
        return encoded
    return f"{encoded[:SIGNATURE_SHOWN_CHARS]}… ({len(signature)} octets)"


def holder_name(receipt: DeliveryReceipt) -> str:
    core = receipt.core
    return f"{core.holder_given_names} {core.holder_surname}".strip()


def acceptance_statement(receipt: DeliveryReceipt) -> str:
    """What the holder declares; its facts are all covered by the signed digest."""
    core = receipt.core
    return (
        f"{holder_name(receipt)} reconnaît avoir reçu en main propre, après vérification de"
        f" son identité, le support n° {core.token_serial} contenant le certificat électronique"
        " décrit ci-dessus, et accepte les conditions générales d'utilisation"
        f" (version {core.terms_version}). Le titulaire a signé électroniquement le condensat"
        " du présent procès-verbal avec la clé privée de ce certificat."
        + (
            f" Ce certificat renouvelle le certificat n° {core.superseded_certificate_serial},"
            " qui est révoqué (remplacé)."
            if core.superseded_certificate_serial
            else ""
        )
    )


def receipt_sections(receipt: DeliveryReceipt) -> tuple[ReceiptSection, ...]:
    core = receipt.core
    checks = tuple(ReceiptRow(label, outcome) for label, outcome in core.identity_checks)
    document = (
        f"{core.document_type} — pays {core.document_country}"
        f" — valable jusqu'au {fr_date(core.document_expiry)}"
    )
    renewal = (
        (
            ReceiptRow("Nature de la remise", "Renouvellement"),
            ReceiptRow(
                "Certificat remplacé (révoqué)", core.superseded_certificate_serial, mono=True
            ),
        )
        if core.superseded_certificate_serial
        else ()
    )
    return (
        ReceiptSection(
            "Titulaire et entreprise",
            (
                ReceiptRow("Nom", core.holder_surname),
                ReceiptRow("Prénom(s)", core.holder_given_names or "—"),
                ReceiptRow("Entreprise", core.company_name),
                ReceiptRow("SIREN", format_siren(core.company_siren)),
                ReceiptRow("Produit", core.product_label),
            ),
        ),
        ReceiptSection(
            "Remise",
            (
                ReceiptRow("Dossier", core.reference),
                ReceiptRow("Date et heure", fr_datetime(core.delivered_at)),
                ReceiptRow("Bureau de retrait", core.office_name),
                ReceiptRow("Adresse", core.office_address),
                ReceiptRow("Agent", f"{core.agent_display_name} ({core.agent_login})"),
                ReceiptRow("Poste", core.kiosk_id),
                *renewal,
            ),
        ),
        ReceiptSection(
            "Certificat et support",
            (
                ReceiptRow("Numéro de série", core.certificate_serial, mono=True),
                ReceiptRow("Empreinte SHA-256", core.certificate_fingerprint, mono=True),
                ReceiptRow("Valide du", fr_datetime(core.not_before)),
                ReceiptRow("Valide jusqu'au", fr_datetime(core.not_after)),
                ReceiptRow("Support (n° de série)", core.token_serial),
            ),
        ),
        ReceiptSection(
            "Vérifications effectuées",
            (
                *checks,
                ReceiptRow("Pièce d'identité", document),
                ReceiptRow("Questions de révocation", core.revocation_answers.wording),
                ReceiptRow("Conditions d'utilisation", f"version {core.terms_version} acceptée"),
            ),
        ),
        ReceiptSection(
            "Acceptation par le titulaire",
            (
                ReceiptRow("Condensat signé", receipt.signed_digest.hex(), mono=True),
                ReceiptRow("Signature", signature_preview(receipt.holder_signature), mono=True),
                ReceiptRow(
                    "Empreinte signature",
                    hashlib.sha256(receipt.holder_signature).hexdigest(),
                    mono=True,
                ),
            ),
            statement=acceptance_statement(receipt),
        ),
        ReceiptSection(
            "Journal d'audit",
            (
                ReceiptRow("Événement n°", str(receipt.audit_seq)),
                ReceiptRow("Empreinte", receipt.audit_hash, mono=True),
            ),
        ),
    )


def receipt_lines(receipt: DeliveryReceipt) -> list[tuple[str, str]]:
    """(label, value) lines for a screen; a section starts with a (title, "") line."""
    lines: list[tuple[str, str]] = [(receipt_title(receipt), "")]
    for section in receipt_sections(receipt):
        lines.append((section.title, ""))
        if section.statement:
            lines.append(("Déclaration", section.statement))
        lines.extend((row.label, row.value) for row in section.rows)
    return lines

"""One dossier record of an import file, checked field by field (see docs/import-format.md).

Its secrets (withdrawal codes, revocation answers) are read, and turned into their stored
form at once, by ``kiosk.services.dossier_record_secrets``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from kiosk.domain.certificate_revocation import normalised_serial
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import ValidationError
from kiosk.domain.model import Company, KeyAlgorithm, Person, Product
from kiosk.domain.renewal import DossierKind
from kiosk.domain.siren import validate_siren, validate_siret
from kiosk.services.dossier_record_secrets import PendingQuestion, read_code_hashes, read_questions
from kiosk.services.import_fields import FieldReader

__all__ = [
    "RECORD_KEYS",
    "REFERENCE",
    "Context",
    "DossierRecord",
    "PendingQuestion",
    "parse_record",
    "placeholder_product",
    "record_digest",
    "where",
]

REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,39}$")
RECORD_KEYS = {
    "reference", "state", "office", "company", "product", "holder", "legal_representative",
    "delegate", "convocation_at", "refusal_reason", "withdrawal_code",
    "legacy_withdrawal_number", "questions", "kind", "renews", "renews_certificate_serial",
}  # fmt: skip


@dataclass(frozen=True)
class DossierRecord:
    """A record that passed every check of its own (the store's checks come later)."""

    index: int
    reference: str
    state: DossierState
    office_code: str
    product_code: str
    company: Company
    holder: Person
    legal_representative: Person
    delegate: Person | None
    convocation_at: datetime | None
    refusal_reason: str | None
    code_hashes: tuple[str, ...]
    questions: tuple[PendingQuestion, ...]
    digest: str
    kind: DossierKind = DossierKind.FIRST
    renews: str | None = None  # a renewal: the dossier it renews
    renews_serial: str | None = None  # ...and the certificate it replaces, if given


def placeholder_product(code: str) -> Product:
    return Product(code, "", 0, KeyAlgorithm.RSA_2048)


def record_digest(secret: bytes, record: Mapping[str, Any]) -> str:
    """Keyed digest of a record as given: the same record gives the same digest. Keyed, as
    the record holds secrets in clear that a plain hash would let one guess offline."""
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(secret, b"import:" + canonical.encode(), hashlib.sha256).hexdigest()


def where(index: int, record: Any) -> str:
    reference = record.get("reference") if isinstance(record, Mapping) else None
    label = f" ({reference})" if isinstance(reference, str) and reference.strip() else ""
    return f"dossier n° {index}{label}"


@dataclass(frozen=True)
class Context:
    """What a record is checked against: the site key, the day, the known codes."""

    secret: bytes = field(repr=False)
    today: date
    offices: frozenset[str]
    products: frozenset[str]


def parse_record(index: int, raw: Any, ctx: Context, problems: list[str]) -> DossierRecord | None:
    """The record checked, or None with its problems added to ``problems``."""
    before = len(problems)
    r = FieldReader(problems, where(index, raw))
    data = r.obj(raw, "", RECORD_KEYS)
    if data is None:
        return None
    reference = r.text(data, "reference", "reference", max_len=40)
    if reference is not None and not REFERENCE.match(reference):
        r.problem(
            "reference", "lettres majuscules, chiffres et tirets uniquement (ex. CS-2026-000123)"
        )
    state = _state(r, data)
    office = r.text(data, "office", "office", max_len=32)
    if office is not None and office.upper() not in ctx.offices:
        r.problem("office", f"bureau de retrait inconnu « {office} »")
    product = r.text(data, "product", "product", max_len=40)
    if product is not None and product not in ctx.products:
        r.problem("product", f"produit inconnu « {product} »")
    company = _company(r, data.get("company"))
    holder = _holder(r, data.get("holder"), ctx.today)
    legal_rep = _legal_rep(r, data.get("legal_representative"))
    delegate = _delegate(r, data.get("delegate"), ctx.today)
    convocation = r.moment(data, "convocation_at", "convocation_at", state is DossierState.CONVOKED)
    reason = r.text(
        data,
        "refusal_reason",
        "refusal_reason",
        max_len=500,
        required=state is DossierState.REFUSED,
    )
    code_hashes = read_code_hashes(r, data, ctx.secret)
    questions = read_questions(r, data.get("questions"))
    kind, renews, renews_serial = _renewal(r, data, reference)
    if len(problems) > before:
        return None
    assert reference and state and office and product and company and holder and legal_rep
    return DossierRecord(
        index, reference, state, office.upper(), product, company, holder, legal_rep, delegate,
        convocation, reason, code_hashes, questions, record_digest(ctx.secret, data),
        kind, renews, renews_serial,
    )  # fmt: skip


def _renewal(
    r: FieldReader, data: Mapping[str, Any], reference: str | None
) -> tuple[DossierKind, str | None, str | None]:
    """``kind`` (``first`` unless said), the dossier a renewal renews, and the serial of
    the certificate it replaces (lowercase hex), each checked on its own."""
    value = r.text(data, "kind", "kind", max_len=16, required=False) or DossierKind.FIRST.value
    try:
        kind = DossierKind(value)
    except ValueError:
        r.problem("kind", "nature inconnue (" + ", ".join(k.value for k in DossierKind) + ")")
        kind = DossierKind.FIRST
    renewal = kind is DossierKind.RENEWAL
    renews = r.text(data, "renews", "renews", max_len=40, required=renewal)
    serial_text = r.text(
        data, "renews_certificate_serial", "renews_certificate_serial", max_len=64,
        required=False,
    )  # fmt: skip
    if not renewal and (renews or serial_text):
        r.problem("kind", "seul un renouvellement (kind: renewal) nomme un dossier renouvelé")
    if renews is not None and not REFERENCE.match(renews):
        r.problem("renews", "référence de dossier invalide (ex. CS-2023-000123)")
    if renews is not None and renews == reference:
        r.problem("renews", "un dossier ne se renouvelle pas lui-même")
    serial = None
    if serial_text is not None:
        try:
            serial = normalised_serial(serial_text)
        except ValidationError as exc:
            r.problem("renews_certificate_serial", exc.message)
    return kind, renews, serial


def _state(r: FieldReader, data: Mapping[str, Any]) -> DossierState | None:
    value = r.text(data, "state", "state", max_len=16)
    if value is None:
        return None
    try:
        return DossierState(value)
    except ValueError:
        r.problem("state", "état inconnu (" + ", ".join(s.value for s in DossierState) + ")")
        return None


def _company(r: FieldReader, raw: Any) -> Company | None:
    data = r.obj(raw, "company", {"siren", "siret", "name", "legal_form"})
    if data is None:
        return None
    siren = siret = None
    try:
        siren = validate_siren(_digits_text(data.get("siren")))
    except ValidationError as exc:
        r.problem("company.siren", exc.message)
    try:
        siret = validate_siret(_digits_text(data.get("siret")), siren=siren)
    except ValidationError as exc:
        r.problem("company.siret", exc.message)
    name = r.text(data, "name", "company.name", max_len=200)
    form = r.text(data, "legal_form", "company.legal_form", max_len=60)
    if siren and siret and name and form:
        return Company(siren, siret, name, form)
    return None


def _digits_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError("un texte entre guillemets est attendu (les zéros de tête comptent)")
    return value


def _holder(r: FieldReader, raw: Any, today: date) -> Person | None:
    data = r.obj(raw, "holder", {"surname", "given_names", "birth_date", "email"})
    if data is None:
        return None
    surname = r.name(data, "surname", "holder.surname")
    given = r.name(data, "given_names", "holder.given_names")
    born = r.birth_date(data, "birth_date", "holder.birth_date", today)
    email = r.email(data, "email", "holder.email")
    return Person(surname, given, born, email) if surname and given else None


def _legal_rep(r: FieldReader, raw: Any) -> Person | None:
    data = r.obj(raw, "legal_representative", {"surname", "given_names", "title"})
    if data is None:
        return None
    surname = r.name(data, "surname", "legal_representative.surname")
    given = r.name(data, "given_names", "legal_representative.given_names")
    title = r.text(data, "title", "legal_representative.title", max_len=100)
    return Person(surname, given, role_title=title) if surname and given and title else None


def _delegate(r: FieldReader, raw: Any, today: date) -> Person | None:
    keys = {"surname", "given_names", "birth_date", "email", "title"}
    data = r.obj(raw, "delegate", keys, required=False)
    if data is None:
        return None
    surname = r.name(data, "surname", "delegate.surname")
    given = r.name(data, "given_names", "delegate.given_names")
    born = r.birth_date(data, "birth_date", "delegate.birth_date", today)
    email = r.email(data, "email", "delegate.email")
    title = r.text(data, "title", "delegate.title", max_len=100, required=False)
    return Person(surname, given, born, email, title) if surname and given else None

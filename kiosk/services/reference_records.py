"""Records of the reference files: withdrawal offices and certificate products."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from kiosk.domain.errors import ImportFileError
from kiosk.domain.model import KeyAlgorithm, Office, Product
from kiosk.services.import_fields import FieldReader

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")


def _label(kind: str, index: int, raw: Any) -> str:
    code = raw.get("code") if isinstance(raw, dict) else None
    return f"{kind} n° {index}" + (f" ({code})" if isinstance(code, str) and code else "")


def _code(r: FieldReader, data: dict[str, Any], seen: set[str], max_len: int) -> str | None:
    code = r.text(data, "code", "code", max_len=max_len)
    if code is None:
        return None
    if not CODE.match(code):
        r.problem("code", "lettres majuscules, chiffres et tirets uniquement")
        return None
    if code in seen:
        r.problem("code", "code en double dans le fichier")
        return None
    seen.add(code)
    return code


def parse_offices(records: Sequence[Any]) -> list[Office]:
    problems: list[str] = []
    offices: list[Office] = []
    seen: set[str] = set()
    for index, raw in enumerate(records, start=1):
        r = FieldReader(problems, _label("bureau", index, raw))
        data = r.obj(raw, "", {"code", "chamber", "name", "address"})
        if data is None:
            continue
        code = _code(r, data, seen, 32)
        chamber = r.text(data, "chamber", "chamber", max_len=120)
        name = r.text(data, "name", "name", max_len=120)
        address = r.text(data, "address", "address", max_len=300)
        if code and chamber and name and address:
            offices.append(Office(code, chamber, name, address))
    if problems:
        raise ImportFileError(problems)
    return offices


def parse_products(records: Sequence[Any]) -> list[Product]:
    problems: list[str] = []
    products: list[Product] = []
    seen: set[str] = set()
    algorithms = ", ".join(a.value for a in KeyAlgorithm)
    for index, raw in enumerate(records, start=1):
        r = FieldReader(problems, _label("produit", index, raw))
        data = r.obj(raw, "", {"code", "label", "validity_years", "key_algorithm", "token_reuse"})
        if data is None:
            continue
        code = _code(r, data, seen, 40)
        label = r.text(data, "label", "label", max_len=200)
        years = r.integer(data, "validity_years", "validity_years", 1, 5)
        algorithm = r.text(data, "key_algorithm", "key_algorithm", max_len=16)
        r.boolean(data, "token_reuse", "token_reuse")
        key: KeyAlgorithm | None = None
        if algorithm is not None:
            try:
                key = KeyAlgorithm(algorithm)
            except ValueError:
                r.problem("key_algorithm", f"algorithme inconnu (attendu : {algorithms})")
        if code and label and years and key:
            products.append(Product(code, label, years, key))
    if problems:
        raise ImportFileError(problems)
    return products


def token_reuse_flags(records: Sequence[Any]) -> dict[str, bool]:
    """Whether each product's renewal may reuse the holder's token (``token_reuse``, false
    when absent), by code, for records ``parse_products`` accepted."""
    return {
        " ".join(raw["code"].split()): raw.get("token_reuse") is True
        for raw in records
        if isinstance(raw, dict) and isinstance(raw.get("code"), str)
    }

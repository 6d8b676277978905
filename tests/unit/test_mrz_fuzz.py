"""Whatever is typed or scanned, the MRZ reader fails only with a French message."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.errors import KioskError
from kiosk.domain.mrz import parse_mrz
from tests.unit.mrz_samples import (
    FR_2021_SPECIMEN,
    FR_LEGACY_SPECIMEN,
    TD1_SPECIMEN,
    TD2_SPECIMEN,
    TD3_SPECIMEN,
    text,
)

TODAY = date(2026, 3, 2)
MRZ_ALPHABET = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<\n ")


@settings(max_examples=150)
@given(st.text(max_size=120))
def test_fuzzed_text_only_ever_fails_with_a_french_message(raw: str) -> None:
    try:
        parse_mrz(raw, TODAY)
    except KioskError as exc:
        failure: KioskError | None = exc
    else:
        failure = None
    assert failure is None or failure.message.strip()


@settings(max_examples=150)
@given(
    st.sampled_from(
        [TD3_SPECIMEN, TD1_SPECIMEN, TD2_SPECIMEN, FR_2021_SPECIMEN, FR_LEGACY_SPECIMEN]
    ),
    st.lists(st.tuples(st.integers(0, 300), MRZ_ALPHABET), min_size=1, max_size=3),
)
def test_mutated_specimens_parse_or_fail_with_a_french_message(
    lines: tuple[str, ...], edits: list[tuple[int, str]]
) -> None:
    raw = text(lines)
    for offset, ch in edits:
        position = offset % len(raw)
        raw = raw[:position] + ch + raw[position + 1 :]
    try:
        doc = parse_mrz(raw, TODAY)
    except KioskError as exc:
        failure: KioskError | None = exc
    else:
        failure = None
        assert doc.surname and doc.document_number
    assert failure is None or failure.message.strip()

"""MRZ parsing throughput (issue 4): ``parse_mrz`` on a mix of layouts and input styles.

The mix holds TD1 (ICAO specimen, French card since 2021, a 12-character number using the
optional-data extension), TD2, TD3 (two passports) and pre-2021 French cards (the two
ANTS specimens and a made-up one), each as a scanner sends it (lines ending with Enter)
and as typed or scanned otherwise (lower case with stray spaces, tabs, or every line in
one go). Two floors over the same documents:

- the ICAO check digits alone (``mrz_fields.check_digit`` over exactly the fields the
  parser verifies, sliced beforehand): the arithmetic no parser can skip;
- splitting the input into lines and upper-casing them: the text handling no parser can
  skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.report import rate_line, timed
from kiosk.domain.mrz import parse_mrz
from kiosk.domain.mrz_fields import check_digit

TODAY = date(2026, 3, 16)
ROUNDS = 15
PASSES = 200  # mix passes per round
_LINE_BREAKS = re.compile(r"[\r\n\t]+")

# Specimens copied from tests/unit/mrz_samples.py (ICAO 9303, ANTS), plus documents its
# builders made (check digits computed there), so that bench does not import tests.
DOCUMENTS: tuple[tuple[str, ...], ...] = (
    (  # TD1, ICAO 9303 Part 5
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ),
    (  # TD1, French identity card since 2021 (ANTS specimen)
        "IDFRAX4RTBPFW46<<<<<<<<<<<<<<<",
        "9007138F3002119FRA<<<<<<<<<<<6",
        "MARTIN<<MAELYS<GAELLE<MARIE<<<",
    ),
    (  # TD1 with a 12-character number (extension in the optional data)
        "IDFRAD23145890<7349<<<<<<<<<<<",
        "9007138F3002119FRA<<<<<<<<<<<4",
        "DUPONT<<JEAN<<<<<<<<<<<<<<<<<<",
    ),
    (  # TD2, ICAO 9303 Part 6
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
        "D231458907UTO7408122F1204159<<<<<<<6",
    ),
    (  # TD3, ICAO 9303 Part 4
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ),
    (  # TD3, French passport without a personal number
        "P<FRAMARTIN<<LUC<PIERRE<<<<<<<<<<<<<<<<<<<<<",
        "21AB123457FRA8503172F3301018<<<<<<<<<<<<<<06",
    ),
    (  # French identity card before 2021 (ANTS specimen, 1988 and 1994 print runs)
        "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
        "8806923102858CORINNE<<<<<<<6512068F6",
    ),
    (
        "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
        "9409923102854CORINNE<<<<<<<6512068F4",
    ),
    (
        "IDFRALE<GALL<<<<<<<<<<<<<<<<<<<<<<<<",
        "1204923102857YANN<<ERWAN<<<7906237M4",
    ),
)


def _styles(lines: tuple[str, ...], index: int) -> list[str]:
    """The document as a scanner sends it, and in one other way a desk meets."""
    other = (
        "\n".join(f"  {line.lower()} " for line in lines),  # typed by hand
        "".join(lines),  # a scanner sending every line in one go
        "\t".join(lines) + "\t",  # a scanner ending lines with Tab
    )[index % 3]
    return ["\r\n".join(lines) + "\r\n", other]


def _checked_fields(lines: tuple[str, ...]) -> list[str]:
    """The fields whose check digits ``parse_mrz`` verifies, with their digits."""
    if len(lines) == 3:  # TD1
        l1, l2, _ = lines
        composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
        number = l1[5:14] if l1[14] != "<" else l1[5:14] + l1[15:18]
        return [number, l2[0:6], l2[8:14], composite]
    l1, l2 = lines
    if l1.startswith("IDFRA"):  # pre-2021 French card
        return [l2[0:12], l2[27:33], l1 + l2[:35]]
    fields = [l2[0:9], l2[13:19], l2[21:27]]
    if len(l1) == 44:  # TD3: the personal number has its own digit
        fields.append(l2[28:42])
    return [*fields, l2[0:10] + l2[13:20] + l2[21:-1]]


def _split_upper(text: str) -> list[str]:
    return [line.strip().upper() for line in _LINE_BREAKS.split(text) if line.strip()]


def _rate(action: Callable[[], object], documents: int) -> float:
    action()  # warm-up
    return documents / timed(action, ROUNDS).median


def run(folder: Path) -> None:
    del folder  # nothing to keep
    texts = [text for i, doc in enumerate(DOCUMENTS) for text in _styles(doc, i)]
    fields = [_checked_fields(doc) for doc in DOCUMENTS for _ in range(2)]
    formats = {parse_mrz(text, TODAY).format.value for text in texts}
    assert formats == {"TD1", "TD2", "TD3", "FR_ID_LEGACY"}, formats
    per_round = len(texts) * PASSES

    def parse_all() -> None:
        for _ in range(PASSES):
            for text in texts:
                parse_mrz(text, TODAY)

    def digits_only() -> None:
        for _ in range(PASSES):
            for document in fields:
                for field in document:
                    check_digit(field)

    def split_only() -> None:
        for _ in range(PASSES):
            for text in texts:
                _split_upper(text)

    parsed = _rate(parse_all, per_round)
    counts = ", ".join(sorted(formats))
    print(f"-- MRZ parsing, {len(texts)} inputs ({counts}; scanned, typed, one line, tabs)")
    rate_line("parse_mrz (documents)", parsed, "check digits only", _rate(digits_only, per_round))
    rate_line(
        "parse_mrz (documents)", parsed, "split + upper-case lines", _rate(split_only, per_round)
    )

"""Specimen MRZs and builders of made-up ones, shared by the MRZ and identity tests.

Specimens are the published ones (ICAO 9303 Utopia samples, the ANTS specimens of the
French identity card). Builders compute check digits, to vary one field at a time.
"""

from __future__ import annotations

from kiosk.domain.mrz_fields import check_digit

# ICAO 9303 Part 4, Appendix: passport of Anna Maria Eriksson, Utopia.
TD3_SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
# ICAO 9303 Part 5: identity card (TD1) of the same holder.
TD1_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
# ICAO 9303 Part 6: TD2 card.
TD2_SPECIMEN = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
)
# ANTS specimen of the French identity card since 2021: Maëlys-Gaëlle Marie MARTIN.
FR_2021_SPECIMEN = (
    "IDFRAX4RTBPFW46<<<<<<<<<<<<<<<",
    "9007138F3002119FRA<<<<<<<<<<<6",
    "MARTIN<<MAELYS<GAELLE<MARIE<<<",
)
# Specimens of the French identity card before 2021 (Corinne BERTHIER, two print runs).
FR_LEGACY_SPECIMEN = (
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
    "8806923102858CORINNE<<<<<<<6512068F6",
)
FR_LEGACY_SPECIMEN_1994 = (
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
    "9409923102854CORINNE<<<<<<<6512068F4",
)
# The 1994 card number and check digit with the 1988 card's final digit: often quoted,
# and wrong (the last digit covers both lines).
FR_LEGACY_MIXED_UP = (
    "IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<",
    "9409923102854CORINNE<<<<<<<6512068F6",
)


def text(lines: tuple[str, ...]) -> str:
    return "\n".join(lines)


def fr_legacy(
    *,
    issued: str = "0506",
    birth: str = "651206",
    surname: str = "BERTHIER",
    given: str = "CORINNE",
    sex: str = "F",
    office: str = "923",
    sequence: str = "10285",
    admin: str = "<<<<<<",
) -> tuple[str, str]:
    """A pre-2021 French card MRZ with correct check digits; ``issued`` is YYMM."""
    line1 = "IDFRA" + surname.ljust(25, "<")[:25] + admin
    number = issued + office + sequence
    line2 = number + check_digit(number) + given.ljust(14, "<")[:14]
    line2 += birth + check_digit(birth) + sex
    return line1, line2 + check_digit(line1 + line2)


def td3(
    *,
    name: str = "ERIKSSON<<ANNA<MARIA",
    number: str = "L898902C3",
    birth: str = "740812",
    expiry: str = "120415",
    personal: str = "ZE184226B",
    country: str = "UTO",
    doc_type: str = "P<",
) -> tuple[str, str]:
    """A passport MRZ with correct check digits."""
    line1 = (doc_type + country + name).ljust(44, "<")[:44]
    personal = personal.ljust(14, "<")
    body = number.ljust(9, "<") + check_digit(number.ljust(9, "<")) + country
    body += birth + check_digit(birth) + "F" + expiry + check_digit(expiry)
    body += personal + check_digit(personal)
    composite = check_digit(body[0:10] + body[13:20] + body[21:43])
    return line1, body + composite


def td1(
    *,
    doc_type: str = "ID",
    country: str = "FRA",
    number: str = "X4RTBPFW4",
    birth: str = "900713",
    expiry: str = "300211",
    name: str = "MARTIN<<MAELYS<GAELLE<MARIE",
) -> tuple[str, str, str]:
    """A TD1 card with correct check digits; numbers longer than 9 use the extension."""
    if len(number) > 9:
        head, tail = number[:9], number[9:]
        line1 = doc_type + country + head + "<" + tail + check_digit(number)
    else:
        line1 = doc_type + country + number.ljust(9, "<") + check_digit(number.ljust(9, "<"))
    line1 = line1.ljust(30, "<")
    line2 = birth + check_digit(birth) + "F" + expiry + check_digit(expiry) + country
    line2 = line2.ljust(29, "<")
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return line1, line2, name.ljust(30, "<")[:30]

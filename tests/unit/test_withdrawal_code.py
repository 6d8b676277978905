"""Withdrawal numbers: what the agent types must find the dossier, and typos must not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain import withdrawal
from kiosk.domain.errors import KioskError, ValidationError

SECRET = b"k" * 32
codes = st.builds(lambda _: withdrawal.generate(), st.integers())


def test_generated_codes_are_grouped_for_the_convocation() -> None:
    code = withdrawal.generate()
    groups = code.split("-")
    assert [len(g) for g in groups] == [6, 6, 6]
    assert all(ch in withdrawal.ALPHABET for ch in code.replace("-", ""))


def test_generated_codes_carry_at_least_80_bits() -> None:
    # 17 random symbols of 32 values, less the redrawn 5/37 of check values.
    import math

    bits = withdrawal.DATA_LENGTH * 5 + math.log2(32 / 37)
    assert bits >= 80


@given(codes)
def test_a_generated_code_parses_back(code: str) -> None:
    assert withdrawal.parse(code) == code.replace("-", "")


@given(codes, st.sampled_from(["lower", "spaces", "nodash", "aliases"]))
def test_typing_is_forgiving(code: str, style: str) -> None:
    canonical = code.replace("-", "")
    typed = {
        "lower": code.lower(),
        "spaces": " ".join(code.split("-")) + "  ",
        "nodash": canonical,
        "aliases": canonical.replace("0", "O").replace("1", "l"),
    }[style]
    assert withdrawal.keyed_hash(SECRET, typed) == withdrawal.keyed_hash(SECRET, code)


@given(codes, st.integers(0, withdrawal.CODE_LENGTH - 1), st.sampled_from(withdrawal.ALPHABET))
def test_any_single_mistyped_symbol_is_caught(code: str, pos: int, symbol: str) -> None:
    canonical = code.replace("-", "")
    if canonical[pos] == symbol:
        return
    typo = canonical[:pos] + symbol + canonical[pos + 1 :]
    with pytest.raises(ValidationError):
        withdrawal.parse(typo)


@given(codes, st.integers(0, withdrawal.CODE_LENGTH - 2))
def test_any_swap_of_adjacent_symbols_is_caught(code: str, pos: int) -> None:
    canonical = code.replace("-", "")
    if canonical[pos] == canonical[pos + 1]:
        return
    swapped = canonical[:pos] + canonical[pos + 1] + canonical[pos] + canonical[pos + 2 :]
    with pytest.raises(ValidationError, match="contrôle"):
        withdrawal.parse(swapped)


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_garbage_gets_a_french_message_never_a_crash(raw: str) -> None:
    message = "ok"
    try:
        withdrawal.parse(raw)
    except KioskError as exc:
        message = exc.message
    assert message
    report = withdrawal.inspect(raw)
    assert report.message


def test_legacy_numeric_numbers_use_their_own_keyed_hash() -> None:
    assert withdrawal.parse("12 345 678") == "12345678"
    legacy = withdrawal.keyed_hash(SECRET, "12345678")
    assert legacy == withdrawal.keyed_hash(SECRET, "1234-5678")
    assert legacy != withdrawal.keyed_hash(b"x" * 32, "12345678")


def test_the_keyed_hash_depends_on_the_site_secret_and_hides_the_code() -> None:
    code = withdrawal.generate()
    digest = withdrawal.keyed_hash(SECRET, code)
    assert code.replace("-", "") not in digest
    assert digest != withdrawal.keyed_hash(b"y" * 32, code)


def test_u_is_never_accepted_and_errors_name_the_problem() -> None:
    with pytest.raises(ValidationError, match="caractère invalide"):
        withdrawal.parse("U" * 18)
    with pytest.raises(ValidationError, match="18 caractères"):
        withdrawal.parse("ABC")


def test_inspect_follows_the_typing() -> None:
    code = withdrawal.generate()
    assert withdrawal.inspect(code[:5]).message == "5 / 18"
    assert not withdrawal.inspect(code[:5]).complete
    done = withdrawal.inspect(code)
    assert done.complete and done.valid
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    report = withdrawal.inspect(bad)
    assert report.complete and not report.valid
    assert "contrôle" in report.message


def test_a_symbol_only_valid_as_check_is_flagged_as_soon_as_typed() -> None:
    report = withdrawal.inspect("4ED2W*")
    assert report.error and not report.complete
    assert "invalide" in report.message


def test_unfinished_typing_is_not_an_error() -> None:
    assert not withdrawal.inspect("4ED2W7-93").error
    assert withdrawal.inspect("4ED2W7-937X32-Q2SWZH").error

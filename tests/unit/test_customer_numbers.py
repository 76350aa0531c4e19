"""Phone numbers normalised so that one line matches however it was written."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, strategies as st

from appliance.customers.numbers import MAX_DIGITS, alike, normalize

CHINA = ("86", "0")


@pytest.mark.parametrize("text", ["+86 755 1234567", "0086 755 1234567", "0755-1234567", "07551234567",
                                  "(0755) 123.4567", "+86 (0)755 1234567", "+86(0)7551234567",
                                  "０７５５－１２３４５６７"])
def test_the_forms_of_one_number_match(text):
    assert normalize(text, *CHINA) == "867551234567"


@pytest.mark.parametrize("text, expected", [
    ("1234567", "1234567"),              # local, without area code: its digits
    ("138 0013 8000", "13800138000"),    # a mobile written without the prefix
    ("+1 (212) 555-0100", "12125550100"),  # another country's number
    ("110", "110"),
])
def test_local_and_foreign_numbers(text, expected):
    assert normalize(text, *CHINA) == expected


def test_without_a_country_code_national_numbers_keep_their_form():
    assert normalize("0755-1234567", "", "0") == normalize("07551234567", "", "0") == "07551234567"
    assert normalize("+86 755 1234567", "", "0") == normalize("0086 755 1234567", "", "0") == "867551234567"


@pytest.mark.parametrize("text", ["", " ", "+", "abc", "0755-CALL-NOW", "12", "0", "+0755 1234567",
                                  "0755;1234567", "0755\n1234567", "+86+755", "１２³", "12\u0663", None, 7551234567,
                                  "1" * (MAX_DIGITS + 1)])
def test_what_is_not_a_number(text):
    assert normalize(text, *CHINA) is None


# -- properties ----------------------------------------------------------------------

country_codes = st.from_regex(r"[1-9][0-9]{0,2}", fullmatch=True)
subscribers = st.from_regex(r"[1-9][0-9]{5,11}", fullmatch=True)
separators = st.sampled_from([" ", "-", ".", "(", ")", "\u00a0", "\u3000"])


@st.composite
def spaced(draw, digits: str) -> str:
    """`digits` with separators drawn between them."""
    return "".join(ch + draw(st.text(separators, max_size=2)) for ch in digits)


@given(country_codes, subscribers, st.data())
def test_international_national_and_prefixed_forms_agree(cc, number, data):
    expected = cc + number
    forms = ["+" + data.draw(spaced(cc + number)), data.draw(spaced("00" + cc + number)),
             data.draw(spaced("0" + number))]
    assume("(0)" not in forms[0])  # "+44 (0)20": a prefix to leave out, not a digit
    assert {normalize(f, cc, "0") for f in forms} == {expected}


@given(st.text(max_size=40), country_codes, st.sampled_from(["", "0", "8"]))
def test_any_text_gives_digits_or_none(text, cc, prefix):
    result = normalize(text, cc, prefix)
    assert result is None or (result.isascii() and result.isdigit() and 3 <= len(result) <= MAX_DIGITS)


@given(st.text(st.sampled_from("+0123456789 -.()"), max_size=30), country_codes)
def test_normalised_numbers_normalise_to_themselves(text, cc):
    # What is stored can be searched for as it is (for a country code not starting with the prefix).
    once = normalize(text, cc, "0")
    assert once is None or normalize(once, cc, "0") == once


@given(st.from_regex(r"[1-9][0-9]{2,15}", fullmatch=True), st.data())
def test_separators_never_change_a_number(digits, data):
    assert normalize(data.draw(spaced(digits)), *CHINA) == normalize(digits, *CHINA)


@pytest.mark.parametrize("written", ["+8613800138000", "008613800138000", "013800138000", "+86 138 0013 8000",
                                     "13800138000", "138-0013-8000"])
def test_a_mobile_written_with_or_without_its_country_code_or_trunk_prefix_is_alike(written):
    """The caller ID carries +86 (or 0086, or the trunk prefix 0) where a person writes a mobile bare."""
    keys = alike(normalize(written, *CHINA), *CHINA)
    assert set(keys) == {"13800138000", "8613800138000"} and keys[0] == normalize(written, *CHINA)


def test_what_is_alike_and_what_is_not():
    assert alike("867551234567", *CHINA) == ["867551234567", "7551234567"]
    assert alike("8612345", *CHINA) == ["8612345"]  # a local number that starts with 86: no country code in it
    assert alike("013800138000", "", "0") == ["013800138000", "13800138000"]  # no country code: the prefix alone
    assert alike("13800138000", "", "0") == ["13800138000", "013800138000"]
    assert alike("13800138000", "", "") == ["13800138000"]
    assert alike("1" * MAX_DIGITS, *CHINA) == ["1" * MAX_DIGITS]

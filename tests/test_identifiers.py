"""Identifier normalisation (unioncat/normalize/identifiers.py).

Each test feeds the helper a string as catalogers write it and checks the normalised
``value`` used for matching, the ``status`` and the ``qualifier``, and that ``raw`` keeps
what was written.
"""

from __future__ import annotations

import pytest

from unioncat import identifiers as idn
from unioncat.schemas.record import Identifier

# ---------------------------------------------------------------- ISBN


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0-19-881234-5", "9780198812340"),  # ISBN-10 with hyphens -> 13 digits
        ("0198812345", "9780198812340"),
        ("0 19 881234 5", "9780198812340"),  # blanks as separators
        ("978-0-19-881235-7", "9780198812357"),  # hyphenated ISBN-13
        ("9780198812357", "9780198812357"),
        ("080442957X", "9780804429573"),  # check digit X
        ("080442957x", "9780804429573"),  # lower-case x
        ("9789781237", "9789789781232"),  # ISBN-10 whose group is 978 (Nigeria)
        ("979-10-90636-07-1", "9791090636071"),  # 979 prefix stays as it is
    ],
)
def test_isbn_is_always_13_digits_without_hyphens(raw: str, value: str) -> None:
    ident = idn.isbn(raw)
    assert ident is not None
    assert ident.scheme == "isbn"
    assert ident.value == value
    assert ident.status == "valid"
    assert ident.raw == raw


@pytest.mark.parametrize(
    ("raw", "qualifier"),
    [
        ("0394558391 (cloth)", "cloth"),
        ("9780198812357 (pbk. : alk. paper)", "pbk. : alk. paper"),
        ("9780198812357 (v. 1)", "v. 1"),
        ("9780198812357", None),
    ],
)
def test_isbn_qualifier_written_in_a_is_kept(raw: str, qualifier: str | None) -> None:
    ident = idn.isbn(raw)
    assert ident is not None
    assert ident.qualifier == qualifier
    assert ident.status == "valid"


@pytest.mark.parametrize("given", ["pbk.", "(pbk.)", " pbk ", "(pbk)"])
def test_isbn_qualifier_from_q_is_cleaned_like_one_in_a(given: str) -> None:
    """ "$q (pbk.)", "$q pbk." and "$a ... (pbk.)" must give the same qualifier."""
    from_q = idn.isbn("9780198812357", qualifier=given)
    from_a = idn.isbn("9780198812357 (pbk.)")
    assert from_q is not None and from_a is not None
    assert from_q.qualifier == from_a.qualifier == "pbk"


def test_isbn_qualifiers_from_q_and_a_are_combined_without_repeats() -> None:
    ident = idn.isbn("0394558391 (cloth)", qualifier="hardback; cloth")
    assert ident is not None
    assert ident.qualifier == "hardback; cloth"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("9780198812358", "9780198812358"),  # ISBN-13, last digit should be 7
        ("0-19-881234-6", "0198812346"),  # ISBN-10, last digit should be 5
        ("978-0-19-881234-5 (pbk.)", "9780198812345"),
    ],
)
def test_isbn_with_bad_checksum_is_kept_as_invalid(raw: str, value: str) -> None:
    ident = idn.isbn(raw)
    assert ident is not None
    assert ident.status == "invalid"
    assert ident.value == value
    assert ident.raw == raw


def test_cancelled_isbn_stays_cancelled_and_is_converted() -> None:
    ident = idn.isbn("0-19-881234-5", status="cancelled")
    assert ident == Identifier("isbn", "9780198812340", None, "cancelled", "0-19-881234-5")


def test_cancelled_isbn_with_bad_checksum_stays_cancelled() -> None:
    ident = idn.isbn("0394558392", status="cancelled")
    assert ident is not None
    assert (ident.value, ident.status) == ("0394558392", "cancelled")


@pytest.mark.parametrize("raw", ["", "   ", "pbk.", "12345", "no isbn here"])
def test_isbn_without_a_number_gives_none(raw: str) -> None:
    assert idn.isbn(raw) is None


def test_nine_digit_sbn_is_an_isbn_10_without_its_leading_zero() -> None:
    ident = idn.isbn("340001232 (pbk.)")
    assert ident is not None
    assert (ident.value, ident.qualifier, ident.status) == ("9780340001233", "pbk", "valid")
    assert ident.raw == "340001232 (pbk.)"
    # nine digits that are no valid SBN are not taken for an ISBN at all
    assert idn.isbn("087279811") is None


# ---------------------------------------------------------------- ISSN


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0028-0836", "0028-0836"),
        ("00280836", "0028-0836"),
        ("0028 0836", "0028-0836"),
        ("1476-4687 (Online)", "1476-4687"),
        ("2434-561x", "2434-561X"),  # check character X is upper case
    ],
)
def test_issn_is_written_with_a_hyphen(raw: str, value: str) -> None:
    ident = idn.issn(raw)
    assert ident is not None
    assert (ident.scheme, ident.value, ident.status, ident.raw) == ("issn", value, "valid", raw)


def test_issn_with_bad_checksum_is_invalid() -> None:
    ident = idn.issn("0028-0837")
    assert ident is not None
    assert (ident.value, ident.status) == ("0028-0837", "invalid")


def test_issn_l_scheme_and_given_status_are_kept() -> None:
    link = idn.issn("0028-0836", scheme="issn_l")
    assert link is not None
    assert (link.scheme, link.value, link.status) == ("issn_l", "0028-0836", "valid")
    cancelled = idn.issn("0028-0836", status="cancelled")
    assert cancelled is not None
    assert cancelled.status == "cancelled"


def test_issn_without_a_number_gives_none() -> None:
    assert idn.issn("Online") is None
    assert idn.issn("123") is None


# ---------------------------------------------------------------- DOI


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("10.9999/JES.2021.0345", "10.9999/jes.2021.0345"),
        ("https://doi.org/10.9999/JES.2021.0345", "10.9999/jes.2021.0345"),
        ("http://dx.doi.org/10.1000/ABC", "10.1000/abc"),
        ("doi:10.1000/XYZ", "10.1000/xyz"),
        ("DOI: 10.1000/XYZ.", "10.1000/xyz"),  # sentence period is not part of it
        ("(doi:10.1234/abc)", "10.1234/abc"),  # unmatched ")" is punctuation
        ("10.1016/S0140-6736(09)61965-6", "10.1016/s0140-6736(09)61965-6"),
        ("10.1234/abc(1)", "10.1234/abc(1)"),  # a ")" that closes its "(" stays
        (
            "https://doi.org/10.1002/(SICI)1097-4636(199601)30:1<1::AID-JBM1>3.0.CO;2-Z",
            "10.1002/(sici)1097-4636(199601)30:1<1::aid-jbm1>3.0.co;2-z",
        ),
    ],
)
def test_doi_is_lower_case_without_resolver(raw: str, value: str) -> None:
    ident = idn.doi(raw)
    assert ident is not None
    assert (ident.scheme, ident.value, ident.status, ident.raw) == ("doi", value, "valid", raw)


@pytest.mark.parametrize("raw", ["", "https://example.org/10/abc", "11.1234/abc", "10.12/abc"])
def test_doi_without_a_doi_gives_none(raw: str) -> None:
    assert idn.doi(raw) is None


# ---------------------------------------------------------------- LCCN

# The examples of the Library of Congress normalisation rule (info:lccn):
# https://www.loc.gov/marc/lccn-namespace.html#normalization
LOC_EXAMPLES = [
    ("n78-890351", "n78890351"),
    ("n78-89035", "n78089035"),
    ("n 78890351 ", "n78890351"),
    (" 85000002 ", "85000002"),
    ("85-2 ", "85000002"),
    ("2001-000002", "2001000002"),
    ("75-425165//r75", "75425165"),
    (" 79139101 /AC/r932", "79139101"),
]


@pytest.mark.parametrize(("raw", "value"), LOC_EXAMPLES)
def test_lccn_follows_the_library_of_congress_examples(raw: str, value: str) -> None:
    ident = idn.lccn(raw)
    assert ident is not None
    assert (ident.scheme, ident.value, ident.status, ident.raw) == ("lccn", value, "valid", raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("n 79-1234", "n79001234"),  # the example: pad the serial to 6 digits
        ("n79-1234", "n79001234"),
        ("   2019012345 ", "2019012345"),
        ("sc 83003257", "sc83003257"),
        ("N 79-1234", "n79001234"),  # prefixes are lower case
    ],
)
def test_lccn_as_written_in_010(raw: str, value: str) -> None:
    ident = idn.lccn(raw)
    assert ident is not None
    assert (ident.value, ident.status) == (value, "valid")


@pytest.mark.parametrize(
    "raw",
    [
        "123456789",  # 9 digits: neither 2-digit year + 6 nor 4-digit year + 6
        "abcd12345678",  # prefix longer than three letters
        "\u02b9  75002321 ",  # a stray modifier letter, as in a real 010 (ithaca_college)
    ],
)
def test_lccn_that_breaks_the_structure_is_kept_as_invalid(raw: str) -> None:
    ident = idn.lccn(raw)
    assert ident is not None
    assert ident.status == "invalid"
    assert ident.raw == raw


def test_lccn_stray_character_is_dropped_from_the_value_but_flagged() -> None:
    ident = idn.lccn("\u02b9  75002321 ")
    assert ident is not None
    assert (ident.value, ident.status) == ("75002321", "invalid")
    ident = idn.lccn("\u00a0\u00a0\u00a002012591\u00a0")  # no-break spaces are blanks
    assert ident is not None
    assert (ident.value, ident.status) == ("02012591", "valid")


def test_lccn_hyphen_padding_gives_a_valid_8_digit_number() -> None:
    ident = idn.lccn("12-34")
    assert ident is not None
    assert (ident.value, ident.status) == ("12000034", "valid")


def test_cancelled_lccn_keeps_its_status() -> None:
    ident = idn.lccn("   50014073 ", status="cancelled")
    assert ident is not None
    assert (ident.value, ident.status) == ("50014073", "cancelled")


def test_empty_lccn_gives_none() -> None:
    assert idn.lccn("   ") is None
    assert idn.lccn("/AC/r932") is None


# ---------------------------------------------------------------- OCLC


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("(OCoLC)ocm00012345", "12345"),
        ("(OCoLC)ocn123456789", "123456789"),
        ("(OCoLC)on1234567890", "1234567890"),
        ("(OCoLC)00012345", "12345"),
        ("(OCLC)12345", "12345"),
        ("ocm00400866", "400866"),
        (" (OCoLC)ocm00012345 ", "12345"),
    ],
)
def test_oclc_number_is_digits_only(raw: str, value: str) -> None:
    ident = idn.oclc(raw)
    assert ident is not None
    assert (ident.scheme, ident.value, ident.status, ident.raw) == ("oclc", value, "valid", raw)


@pytest.mark.parametrize("raw", ["(DLC)12345", "(DE-599)ZDB12345", "abc", ""])
def test_other_control_numbers_are_not_oclc(raw: str) -> None:
    assert idn.oclc(raw) is None


def test_is_oclc_prefixed() -> None:
    assert idn.is_oclc_prefixed("(OCoLC)12345")
    assert idn.is_oclc_prefixed("  (ocolc)12345")
    assert idn.is_oclc_prefixed("(OCLC)12345")
    assert not idn.is_oclc_prefixed("ocm12345")
    assert not idn.is_oclc_prefixed("(DLC)12345")


# ---------------------------------------------------------------- ISMN


def test_ismn_10_becomes_13_digits() -> None:
    ident = idn.ismn("M-2306-7118-7")
    assert ident is not None
    assert (ident.scheme, ident.value, ident.status) == ("ismn", "9790230671187", "valid")


def test_ismn_with_bad_checksum_is_invalid() -> None:
    ident = idn.ismn("9790230671188")
    assert ident is not None
    assert (ident.value, ident.status) == ("9790230671188", "invalid")

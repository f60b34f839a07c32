"""The compiled MARC core and the pure Python path give the same records.

The core (``unioncat/marc_core.pyx``) is a second implementation of the UTF-8 reader,
the subfield helpers, the subjects and the ISBN check; the pure modules (and
python-stdnum) are the reference.  Compared here on damaged and varied records built
byte by byte, on generated text, 6XX fields and numbers, and on whole files (every
shared MARC file and the examples) converted in two processes, one forced onto the pure
path with ``UNIONCAT_PURE_PYTHON=1``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.builders import EXAMPLES, ROOT, iso2709, marc_record
from unioncat.compiled import MARC_CORE, PURE_ENV
from unioncat.normalize import marc_text
from unioncat.normalize.marc_utf8 import read_utf8_pure

NOT_BUILT = (
    "the compiled MARC core is not built on this install (no C compiler when it was "
    f"installed, or {PURE_ENV}=1): `pip install -e .` with gcc and the Python headers "
    "builds it"
)
core = pytest.mark.skipif(MARC_CORE is None, reason=NOT_BUILT)


@pytest.fixture
def pure_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The references of the twins run on pure helpers only (clean, sub, the number
    checks, the prefilters), so that a helper's bug cannot hide on both sides; the
    twins keep the helpers they were handed."""
    from unioncat import identifiers as idn
    from unioncat.normalize import marc, marc_medium, marc_names

    pure = {"clean": marc_text._clean, "sub": marc_text._sub, "first_sub": marc_text._first_sub,
            "_sub": marc_text._sub, "_first_sub": marc_text._first_sub}  # fmt: skip
    for module in (marc, marc_names, marc_text):
        for name, function in pure.items():
            if hasattr(module, name):
                monkeypatch.setattr(module, name, function)
    monkeypatch.setattr(idn, "lccn", idn._lccn)
    monkeypatch.setattr(idn, "isbn", idn._isbn)
    monkeypatch.setattr(idn, "isbn13", idn._isbn13)
    electronic = marc_medium._EQUALIFIER.search
    monkeypatch.setattr(marc_medium, "_electronic_qualifier", lambda t: electronic(t) is not None)
    monkeypatch.setattr(marc_medium, "may_name_carrier", lambda extent: True)


def _shape(record):  # type: ignore[no-untyped-def]
    return str(record.leader), [
        (f.tag, f.data, f.indicator1, f.indicator2, [tuple(s) for s in f.subfields],
         f.is_control_field())
        for f in record.fields
    ]  # fmt: skip


def _same_reading(payload: bytes) -> bool:
    """Both readers take the record or both refuse it; taken, they read it alike."""
    assert MARC_CORE is not None
    ours, ref = MARC_CORE.read_utf8(payload), read_utf8_pure(payload)
    assert (ours is None) == (ref is None), payload[:80]
    if ours is None:
        return False
    assert _shape(ours) == _shape(ref)
    for tag in {f.tag for f in ref.fields} | {"999", "245"}:
        assert _shape_of(ours.get_fields(tag)) == _shape_of(ref.get_fields(tag))
    for tags in (("245", "100"), ("999", "998"), ("245", "999"), ("245", "245"), ("100", "245"),
                 ("650", "100", "245", "008")):  # fmt: skip
        assert _shape_of(ours.get_fields(*tags)) == _shape_of(ref.get_fields(*tags)), tags
    found = ours.get_fields("245", "999")
    if found:  # a list of its own, not the index's
        found.append(None)
        assert None not in ours.get_fields("245")
    nothing = ours.get_fields("998", "997")
    nothing.append(None)
    assert ours.get_fields("998", "997") == [] and ours.get_fields("998") == []
    for f, g in zip(ours.fields, ref.fields, strict=True):
        for codes in (("a",), ("a", "b"), ()):
            assert f.get_subfields(*codes) == g.get_subfields(*codes)
    return True


def _shape_of(fields):  # type: ignore[no-untyped-def]
    return [(f.tag, f.data, [tuple(s) for s in f.subfields]) for f in fields]


def _utf8(record) -> bytes:  # type: ignore[no-untyped-def]
    record.leader = record.leader[:9] + "a" + record.leader[10:]
    return bytes(record.as_marc())


@core
def test_the_readers_agree_on_damage_byte_by_byte() -> None:
    """Every single-byte change of a small record, at every position: lengths, offsets,
    indicators, delimiters, terminators, UTF-8 lead and continuation bytes."""
    good = _utf8(marc_record(control="d1", title="Köln ☃ 乔布斯", fields=[
        ("100", "1 ", ["a", "Müller, Jürgen,", "e", "author."]),
        ("650", " 0", ["a", "Ångström", "x", "History."]),
    ]))  # fmt: skip
    assert _same_reading(good)
    taken = 0
    for at in range(len(good)):
        for byte in (0x00, 0x1E, 0x1F, 0x20, 0x30, 0x39, 0x41, 0x7F, 0x80, 0xC3, 0xE4, 0xFF):
            bad = bytearray(good)
            bad[at] = byte
            taken += _same_reading(bytes(bad))
        taken += _same_reading(good[:at] + good[at + 1 :])  # a byte lost
    assert taken > len(good)  # most changes land in text, which both still read


@core
def test_the_readers_agree_on_shapes_pymarc_cannot_write() -> None:
    records = [
        iso2709([("001", b"x1"), ("245", b"10\x1faTitle")]),
        iso2709([("001", b"x2"), ("245", b"1\x1faNo second indicator")]),
        iso2709([("001", b"x3"), ("245", b"100\x1faThree indicators")]),
        iso2709([("001", b"x4"), ("245", b"10\x1f\x1fa\x1fbEmpty parts\x1f")]),
        iso2709([("001", b"x5"), ("245", b"10\x1f\xc3\xa4Non-ASCII code")]),
        iso2709([("001", b"x6"), ("245", b"\xc3\xa4\x1faMultibyte indicator")]),
        iso2709([("001", b"x7"), ("245", b"10\x1faLead byte at the end\xc3")]),
        iso2709([("00a", b"not a control tag"), ("245", b"10\x1faT")]),
        iso2709([("009", b"\xe4\xb9\x94 control"), ("245", b"10\x1faT")]),
        iso2709([("010", b"  \x1fa  85012345 "), ("245", b"10\x1faT")]),
        iso2709([("245", b"10\x1faOnly indicators next"), ("500", b"  ")]),
        iso2709([("245", b"10\x1fa\x1e\x1fbTerminator inside")]),
        iso2709([("001", b"")]),
        iso2709([("001", b"x8"), ("245", b"\t\x1faTab indicators")]),
    ]
    for payload in records:
        payload = payload[:9] + b"a" + payload[10:]
        _same_reading(payload)
    # a directory that points past the end, and an entry whose length is zero
    base = bytearray(records[0][:9] + b"a" + records[0][10:])
    for at, digits in ((24 + 3, b"9999"), (24 + 7, b"99999"), (24 + 3, b"0000")):
        bad = bytearray(base)
        bad[at : at + len(digits)] = digits
        _same_reading(bytes(bad))


@core
def test_the_readers_agree_on_varied_generated_records() -> None:
    rng = random.Random(11)
    alphabet = "abc xyz ÄÖüßé ☃ 乔布斯 Привет ‒—–\u00a0\u2003\t.,;:/[]"
    for i in range(400):
        fields = []
        for _ in range(rng.randint(0, 10)):
            tag = rng.choice(["020", "100", "245", "260", "505", "650", "700", "856", "880"])
            subs: list[str] = []
            for _ in range(rng.randint(1, 5)):
                text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
                subs += [rng.choice("abcnptuvxz06"), text]
            fields.append((tag, rng.choice(["  ", "10", "04", " 1", "7 "]), subs))
        assert _same_reading(_utf8(marc_record(control=f"g{i}", fields=fields)))


@core
def test_the_helpers_agree_on_generated_text() -> None:
    assert MARC_CORE is not None
    rng = random.Random(5)
    pieces = ["The ", "law", ".", " ", "Jr.", "N.Y.", "ed.", "[", "]", " /", " :", ";", ",",
              " =", "+", "  ", "\u00a0", "Köln", "2nd", "..", "(", "[from old catalog]", "Company",
              "s.n.", "A.", "é", "vol.", "\t", "—", "\u2003", "\u3000", "\x1f", "É.", "1.",
              "_.", "(J.", "[A.", "Ⅻ.", "٣.", "ß.", "Co.", "ED."]  # fmt: skip
    texts = ["", " ", ".", "[", "]", "[]", "..", None]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    for text in texts:
        assert MARC_CORE.clean(text) == marc_text._clean(text), repr(text)
        if text:
            dropped = MARC_CORE.drop_final_period(text)
            assert dropped == marc_text._drop_final_period(text), repr(text)
    values = ["", " ", "\u2003", "a", " x ", "\t\n", "乔"]
    records = [_utf8(marc_record(control=f"h{i}", fields=[
        ("650", "  ", [c for code in "aabxa" for c in (code, rng.choice(values))]),
    ])) for i in range(50)]  # fmt: skip
    for payload in records:
        ours, ref = MARC_CORE.read_utf8(payload), read_utf8_pure(payload)
        for f, g in zip(ours.fields, ref.fields, strict=True):
            if f.is_control_field():
                continue
            for codes in (("a",), ("b",), ("a", "x"), ("q",)):
                assert MARC_CORE.sub(f, *codes) == marc_text._sub(g, *codes)
                assert MARC_CORE.sub(g, *codes) == marc_text._sub(g, *codes)  # a pymarc field
            assert MARC_CORE.first_sub(f, "a") == marc_text._first_sub(g, "a")


@core
def test_the_subjects_agree_on_generated_6xx_fields(pure_helpers: None) -> None:
    from unioncat.normalize import marc
    from unioncat.schemas.record import Subject

    assert MARC_CORE is not None
    rng = random.Random(17)
    values = ["Cats", "History", " ", "", "Jobs, Steve,", "1955-2011.", "Fiction.", "lcsh",
              "fast", "  Köln  ", "Dogs -- Training", "[from old catalog]", "乔"]  # fmt: skip
    tags = ["600", "610", "611", "630", "647", "648", "650", "651", "653", "655", "690", "699"]
    for i in range(400):
        fields = [
            (rng.choice(tags), rng.choice(["00", " 0", " 7", "17", " 2", "  ", " 6", "1 "]),
             [c for _ in range(rng.randint(1, 6))
              for c in (rng.choice("aabcdevxyz2409"), rng.choice(values))])
            for _ in range(rng.randint(0, 6))
        ]  # fmt: skip
        record = MARC_CORE.read_utf8(_utf8(marc_record(control=f"s{i}", fields=fields)))
        assert record is not None
        ours = MARC_CORE.subjects(record, Subject, marc._SUBJECT_SCHEMES, marc._SUBJECT_IND2_TAGS)
        assert ours == marc._subjects_pure(record), fields
        assert ours == marc._subjects_pure(read_utf8_pure(_utf8(marc_record(
            control=f"s{i}", fields=fields))))  # fmt: skip


@core
def test_the_contributors_agree_on_generated_name_fields(pure_helpers: None) -> None:
    """1XX and 7XX fields of every kind, with relators (terms, codes, URIs), identifiers,
    affiliations, titles, 880 pairs and repeated names."""
    from unioncat.normalize import marc_names
    from unioncat.normalize.marc_880 import Script880

    assert MARC_CORE is not None
    rng = random.Random(23)
    values = ["Smith, John,", "Smith, John", "1955-2011.", "ed.", "tr. [and] ed.", "edt",
              "http://id.loc.gov/vocabulary/relators/trl", "(orcid)0000-0002-1825-0097",
              "https://orcid.org/0000-0002-1825-0097", "(isni)0000 0001 2103 2683",
              "http://isni.org/isni/000000012103268X", "(uri)http://x.org/1", "(DE-588)1185",
              " ", "", "Université de Paris.", "Gwynedd (Wales).", "Education Department.",
              "Müller, Jürgen,", "乔布斯,", "Meeting (3rd : 1999 : Köln)", "880-01", "100-01",
              "700-02/$1", "joint ed.", "[and]", "Sir,", "II,", "author.", "ÉDITEUR",
              "Çelik"]  # fmt: skip
    tags = ["100", "110", "111", "700", "710", "711", "720"]
    codes = "aaabcdeq4401utn6"
    found = set()
    for i in range(600):
        fields = [
            (rng.choice(tags), rng.choice(["1 ", "0 ", "12", "02", "  ", "3 ", "2 "]),
             [c for _ in range(rng.randint(1, 7)) for c in (rng.choice(codes), rng.choice(values))])
            for _ in range(rng.randint(0, 6))
        ]  # fmt: skip
        fields += [("880", "1 ", ["6", rng.choice(["100-01", "700-02/$1", "700-01", "x"]),
                                  "a", rng.choice(values), "e", "ed."])
                   for _ in range(rng.randint(0, 2))]  # fmt: skip
        if i % 3 == 0:  # a name in two scripts
            fields += [(rng.choice(["100", "700"]), "1 ", ["6", "880-01", "a", "Li, Wei,"]),
                       ("880", "1 ", ["6", "100-01", "a", "李伟"]),
                       ("880", "1 ", ["6", "700-01", "a", "李, 伟"])]  # fmt: skip
        payload = _utf8(marc_record(control=f"n{i}", fields=fields))
        for record in (MARC_CORE.read_utf8(payload), read_utf8_pure(payload)):
            assert record is not None
            for script in (Script880(record), None):
                ours = MARC_CORE.contributors(record, script, marc_names.CORE_SPEC)
                assert ours == marc_names.contributors_pure(record, script), fields
                found.update((c.kind, bool(c.role), bool(c.identifiers), bool(c.family),
                              bool(c.name_original_script)) for c in ours)  # fmt: skip
    assert len(found) >= 18, len(found)  # every kind, with and without each part
    assert any(key[4] for key in found)
    for text in values + ["a--b", "x_y", "١٢ ab", "ǅ", "ß", "İstanbul", "a\u00a0b", ""]:
        assert MARC_CORE._fold_key(text) == marc_names._key(text), text


@core
def test_the_identifiers_agree_on_generated_number_fields(pure_helpers: None) -> None:
    """Every identifier field the mapping reads, with good, bad, cancelled and repeated
    numbers, and the LCCN rule on generated text."""
    import pymarc

    from unioncat import identifiers as idn
    from unioncat.normalize import marc

    assert MARC_CORE is not None
    rng = random.Random(29)
    numbers = ["0812216393 (pbk. : alk. paper)", "9780812216394", "0812216390", "  75002321 ",
               "n 79021164 ", "2001-12345", "85-2", "ʹ  75002321", "0028-0836", "0028-083X",
               "(OCoLC)12345", "ocm00012345", "on1234567890", "10.1000/xyz", "doi:10.1/a)",
               "https://doi.org/10.1000/ABC", "M-2306-7118-7", "4006381333931", " ", "",
               "(DLC)   75002321", "ISNI 0000 0001 2103 2683", "urn:nbn:de:1", "pbk.",
               "乔"]  # fmt: skip
    fields_of = [("020", "  ", "aqz"), ("022", "0 ", "alyz"), ("024", "7 ", "a2"),
                 ("024", "2 ", "a"), ("024", "3 ", "a"), ("010", "  ", "az"), ("035", "  ", "a"),
                 ("856", "40", "uz")]  # fmt: skip
    sources = ["doi", "DOI", "isni", "uri", "urn", "local"]
    kinds = set()
    for i in range(500):
        fields = []
        for _ in range(rng.randint(0, 7)):
            tag, ind, codes = rng.choice(fields_of)
            subfields = []
            for _ in range(rng.randint(1, 4)):
                code = rng.choice(codes)
                value = rng.choice(sources) if code == "2" else rng.choice(numbers)
                if code == "u" and rng.random() < 0.5:
                    value = "https://doi.org/" + value
                subfields += [code, value]
            fields.append((tag, ind, subfields))
        control = rng.choice([f"i{i}", "ocm00012345", "12345", " 99 "])
        built = marc_record(control=control, fields=fields)
        if i % 2:
            built.add_field(pymarc.Field(tag="003", data=rng.choice(["OCoLC", "DLC", "ocolc"])))
        payload = _utf8(built)
        for record in (MARC_CORE.read_utf8(payload), read_utf8_pure(payload)):
            assert record is not None
            ours = MARC_CORE.identifiers(record, marc.CORE_IDENTIFIERS)
            assert ours == marc._identifiers_pure(record), fields
            kinds.update((x.scheme, x.status, bool(x.qualifier)) for x in ours)
    assert len(kinds) >= 12, sorted(kinds)
    pieces = ["7500", "2321", "-", "/", " ", "\u00a0", "ʹ", "n", "AB", "abcd", "12", "x",
              "乔", "\t", "٣"]  # fmt: skip
    texts = ["", " ", "-", "/", "a-", "-12"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 7))) for _ in range(4000)]
    for text in texts:
        for status in ("valid", "cancelled"):
            assert idn._lccn_compiled(text, status=status) == idn._lccn(text, status=status), text


@core
def test_the_isbn_check_agrees_with_python_stdnum() -> None:
    """Every ISBN the core checks is checked as stdnum checks it: valid ones from both
    checks, every single-digit error and transposition, lengths and prefixes around them."""
    from unioncat import identifiers

    assert MARC_CORE is not None
    rng = random.Random(13)
    bodies = ["030640615", "000000000", "999999999", "080442957", "123456789"]
    bodies += ["".join(rng.choice("0123456789") for _ in range(9)) for _ in range(300)]
    numbers: list[str] = []
    for body in bodies:
        for check in "0123456789X":
            numbers.append(body + check)  # every final character: one valid, ten not
        for prefix in ("978", "979", "977", "000"):
            twelve = prefix + body
            numbers += [twelve + str(d) for d in range(10)]
        numbers += [body, body[:8], body + "00", body + "X0", "9780" + body[:8]]
        i = rng.randrange(8)
        numbers.append(body[:i] + body[i + 1] + body[i] + body[i + 2 :] + "0")
    numbers += [
        "",
        "X",
        "97803064061X7",
        "0306406152",
        "9780306406157",
        "١٢٣٤٥٦٧٨٩٠",
        "080442957x",
        "0-306-40615-2",
        " 0306406152",
        "978-0-306-40615-7 ",
        "0306406152\n",
    ]
    assert sum(bool(identifiers._isbn13(n)) for n in numbers) > 300  # valid ones are met
    for number in numbers:
        found = MARC_CORE.isbn13(number)
        assert (found if found is not None else identifiers._isbn13(number)) == (
            identifiers._isbn13(number)
        ), number
        assert identifiers.isbn13(number) == identifiers._isbn13(number), number


@core
def test_the_020_reading_agrees_on_generated_text() -> None:
    """``isbn_parts`` finds the same candidate, qualifiers and status as the regular
    expressions of ``identifiers._isbn``: numbers with and without separators, cut and
    run together, with qualifiers in and out of parentheses, a caller's ``$q``, and text
    it must leave to the reference (Unicode digits, an SBN, no number at all)."""
    from unioncat import identifiers

    assert MARC_CORE is not None
    rng = random.Random(23)
    pieces = ["0306406152", "9780306406157", "978-0-306-40615-7", "0-306-40615-2", "979",
              "978", "0306", "X", "x", "-", " ", "  ", "(", ")", "(pbk.)", "(v. 1)", "pbk.",
              ": $12.00", "[", "]", ";", "hbk", "1", "23", "45678", "080442957X", "\t",
              "12345678X", "(alk. paper)", "((", "))"]  # fmt: skip
    not_ascii = ["ébk", "١٢٣", "\u00a0", "０３０６４０６１５２"]
    texts = ["", " ", "0306406152", "030640615", " 030640615 (pbk.)", "12345678X", "isbn"]
    for _ in range(20000):
        chosen = [rng.choice(pieces) for _ in range(rng.randint(1, 7))]
        if rng.random() < 0.1:
            chosen.insert(rng.randrange(len(chosen) + 1), rng.choice(not_ascii))
        texts.append("".join(chosen))
    qualifiers = [None, "", "pbk.", "(pbk.) ; hbk", " ; ", "alk. paper"]
    found = read = 0
    for text in texts:
        qualifier = rng.choice(qualifiers)
        for status in ("valid", "cancelled"):
            want = identifiers._isbn(text, status=status, qualifier=qualifier)
            assert identifiers.isbn(text, status=status, qualifier=qualifier) == want, text
        found += want is not None
        read += MARC_CORE.isbn_parts(text, qualifier) is not None
    # of the texts with an ISBN in them the core reads most and leaves some
    assert 0.75 * found < read < found, (read, found)


def _marc_files(shared: Path | None) -> list[Path]:
    found = sorted(EXAMPLES.glob("marc/*")) + sorted(EXAMPLES.glob("journal/*.mrc"))
    if shared is not None:
        found += sorted(p for p in shared.glob("marc/**/*") if p.is_file())
    return found


_CONVERT = """
import json, sys
from collections.abc import Callable
from pathlib import Path
from unioncat.compiled import MARC_PATH
from unioncat.convert import convert_files
from unioncat.errors import UnioncatError
out = Path(sys.argv[1])
for n, name in enumerate(sys.argv[2:]):
    target = out / f"{n}.jsonl"
    try:
        result = convert_files([name], "marc", target, workers=1)
    except UnioncatError as exc:
        (out / f"{n}.error").write_text(str(exc))
        continue
    reasons = [(q.envelope.position, q.reason) for q in result.quarantined]
    (out / f"{n}.quarantine").write_text(json.dumps(reasons))
print(MARC_PATH)
"""


def _convert_all(files: list[Path], out: Path, pure: bool) -> str:
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != PURE_ENV}
    if pure:
        env[PURE_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _CONVERT, str(out), *map(str, files)],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@core
def test_every_marc_file_maps_alike_on_both_paths(tmp_path: Path) -> None:
    from tests.support.builders import SHARED_DATA

    shared = SHARED_DATA if SHARED_DATA.is_dir() else None
    files = _marc_files(shared)
    compiled_path = _convert_all(files, tmp_path / "compiled", pure=False)
    pure_path = _convert_all(files, tmp_path / "pure", pure=True)
    assert compiled_path.startswith("compiled") and pure_path.startswith("pure"), (
        compiled_path,
        pure_path,
    )
    rows = 0
    for n, name in enumerate(files):
        for suffix in (".jsonl", ".quarantine", ".error"):
            ours, ref = tmp_path / "compiled" / f"{n}{suffix}", tmp_path / "pure" / f"{n}{suffix}"
            assert ours.exists() == ref.exists(), (name, suffix)
            if not ours.exists():
                continue
            if suffix != ".jsonl":
                assert ours.read_text() == ref.read_text(), name
                continue
            got, want = ours.read_text().splitlines(), ref.read_text().splitlines()
            assert len(got) == len(want), name
            for a, b in zip(got, want, strict=True):
                x, y = json.loads(a), json.loads(b)
                x.pop("harvested_at", None), y.pop("harvested_at", None)
                assert x == y, (name, x.get("id"), {k for k in x if x[k] != y.get(k)})
            rows += len(got)
    assert rows > (5000 if shared else 30), rows
    if shared is None:
        pytest.skip(
            f"compared the {len(files)} example files only: ../shared/data is absent, "
            "which holds the shared MARC files this test also compares"
        )


_WITHOUT_CORE = """
import sys
class NoCore:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == "unioncat.marc_core":
            raise ImportError("not built here")
sys.meta_path.insert(0, NoCore)
from unioncat.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_run_on_an_install_without_the_core_says_so_once(tmp_path: Path) -> None:
    """pip hides a build's warnings, so a command that maps records says it instead; a
    pure path chosen with UNIONCAT_PURE_PYTHON=1 is not warned of."""
    source = str(EXAMPLES / "marc" / "print-books.mrc")
    args = [sys.executable, "-c", _WITHOUT_CORE, "convert", "--format", "marc", source, "-o"]
    env = {k: v for k, v in os.environ.items() if k != PURE_ENV}
    done = subprocess.run([*args, str(tmp_path / "a.parquet")], capture_output=True, text=True,
                          env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("compiled MARC core is not built") == 1, done.stderr
    assert "pip install -e ." in done.stderr and PURE_ENV in done.stderr
    chosen = subprocess.run([*args, str(tmp_path / "b.parquet")], capture_output=True,
                            text=True, env={**env, PURE_ENV: "1"})  # fmt: skip
    assert chosen.returncode == 0 and "not built" not in chosen.stderr, chosen.stderr
    assert (tmp_path / "a.parquet").stat().st_size == (tmp_path / "b.parquet").stat().st_size


def test_status_says_which_marc_path_this_install_runs(
    tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    from tests.support.builders import write_pipeline
    from unioncat.compiled import MARC_PATH

    cfg = str(write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marc",
         "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
    ]))  # fmt: skip
    assert cli("--config", cfg, "run")[0] == 0
    code, out, _ = cli("--config", cfg, "status")
    assert code == 0 and out.rstrip().endswith(f"MARC path of this install: {MARC_PATH}")
    assert ("install: compiled MARC core" in out) == (MARC_CORE is not None)


@core
def test_a_core_built_from_another_source_is_not_used() -> None:
    """An editable install keeps its compiled module across a ``git pull``: a core whose
    source digest is not the checkout's is refused, and the pure path runs."""
    import types

    from unioncat import compiled

    assert MARC_CORE is not None and compiled._built_from_this_source(MARC_CORE)
    stale = types.ModuleType("unioncat.marc_core")
    stale.__file__ = MARC_CORE.__file__
    stale.SOURCE_DIGEST = "0" * 64  # type: ignore[attr-defined]
    assert not compiled._built_from_this_source(stale)


@core
def test_the_helpers_take_subfields_in_any_sequence() -> None:
    """pymarc keeps a field's subfields in a list; a field that holds a tuple is read
    alike by both paths."""
    from pymarc import Subfield

    from unioncat.normalize import marc

    assert MARC_CORE is not None
    parts = (Subfield("a", "Cats"), Subfield("x", "History."), Subfield("2", "fast"))
    field = types_field("650", " 7", parts)
    assert MARC_CORE.sub(field, "a", "x") == marc_text._sub(field, "a", "x") == ["Cats", "History."]
    assert MARC_CORE.subject_terms(field) == marc._subject_terms(field) == ["Cats -- History"]


def types_field(tag: str, indicators: str, subfields: tuple[object, ...]) -> object:
    import types

    return types.SimpleNamespace(tag=tag, indicator1=indicators[0], indicator2=indicators[1],
                                 subfields=subfields, is_control_field=lambda: False)  # fmt: skip


@core
def test_the_arrow_columns_agree_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled walks of the list and struct columns build the table the Python
    walks build: mapped records of every example file, a record with every field, and
    None where a list or a struct may be (the null masks)."""
    from tests.test_schema import full_record
    from unioncat.convert import _chunks
    from unioncat.mapping import normalize_envelopes
    from unioncat.schemas import generate
    from unioncat.schemas.record import Contributor, Host, Record

    records = []
    for name in ("print-books.mrc", "vendor-ebooks.xml", "serials.mrc.gz"):
        for chunk in _chunks([str(EXAMPLES / "marc" / name)], "marc"):
            records += normalize_envelopes(chunk, "marc").records
    assert len(records) > 5
    records.append(full_record())
    odd = Record(id="uc1-z", source="s", source_id="3", source_format="x", type="book",
                 host=Host(title="H", identifiers=None), contributors=[Contributor("A")])  # type: ignore[arg-type]  # fmt: skip
    odd.title_variants = None  # type: ignore[assignment]
    records += [odd, Record(id="uc1-y", source="s", source_id="2", source_format="x", type="x")]
    compiled = generate.records_to_table(records)
    monkeypatch.setattr(generate, "MARC_CORE", None)
    pure = generate.records_to_table(records)
    assert compiled.equals(pure)
    assert compiled.column("title_variants").null_count >= 1
    assert compiled.num_rows == len(records)
    for sample in ([], records[:1], [odd]):
        monkeypatch.setattr(generate, "MARC_CORE", MARC_CORE)
        ours = generate.records_to_table(sample)
        monkeypatch.setattr(generate, "MARC_CORE", None)
        assert ours.equals(generate.records_to_table(sample))


def _table_or_error(records: list[object]) -> tuple[object, ...]:
    from unioncat.schemas import generate

    try:
        table = generate.records_to_table(records)  # type: ignore[arg-type]
    except Exception as exc:  # noqa: BLE001  (the error is what is compared)
        return ("error", type(exc), str(exc))
    table.validate(full=True)
    return ("table", table.to_pylist())


@core
def test_the_compiled_columns_take_what_pa_array_takes_and_refuse_what_it_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Values the buffers are not written for (a str subclass, a bool in an integer
    column, a tuple for a list, a subclass of a struct's class, an unset slot, a lone
    surrogate, an integer past 64 bits) give the pure path's table or its error, and
    nulls on every side of a byte of the validity bitmaps land where they were."""
    from unioncat.schemas import generate
    from unioncat.schemas.record import Identifier, Record, Subject

    class Text(str):
        pass

    class Isbn(Identifier):
        pass

    def record(n: int, **fields: object) -> Record:
        r = Record(id=f"uc1-{n}", source="s", source_id=str(n), source_format="x", type="book")
        for name, value in fields.items():
            setattr(r, name, value)
        return r

    plain = [record(n, title=None if n % 3 else f"T\u00e9 {n}", year=None if n % 4 else n,
                    deleted=None if n % 5 == 1 else n % 2 == 0,
                    title_variants=None if n % 7 == 2 else [f"v{n}", "w\u00fc"],
                    subjects=None if n % 6 == 3 else [Subject(f"s{n}", None), None][: n % 2 + 1],
                    identifiers=[Identifier("isbn", str(n), None, "valid", None)])
             for n in range(29)]  # fmt: skip
    unset = record(99)
    del unset.title
    cases = [
        plain,
        [record(1, title=Text("sub")), record(2, title="plain")],
        [record(1, year=True)],
        [record(1, year=2**70)],
        [record(1, deleted=1)],
        [record(1, title="caf\udce9")],
        [record(1, title_variants=("a", "b"))],
        [record(1, title_variants=["a", 3])],
        [record(1, identifiers=(Identifier("isbn", "1", None, "valid", None),))],
        [record(1, identifiers=[Isbn("isbn", "2", None, "valid", None)])],
        [unset],
        [record(1), None],
    ]
    for case in cases:
        compiled = _table_or_error(case)
        monkeypatch.setattr(generate, "MARC_CORE", None)
        pure = _table_or_error(case)
        monkeypatch.setattr(generate, "MARC_CORE", MARC_CORE)
        assert compiled == pure, case
    assert _table_or_error(cases[0])[0] == "table"
    assert _table_or_error([unset])[1] is AttributeError
    assert _table_or_error([record(1), None])[1] is AttributeError

    class Page(list[Record]):
        pass

    compiled_page = generate.records_to_table(Page(plain))
    assert compiled_page.equals(generate.records_to_table(plain))


def test_the_020_electronic_words_are_looked_for_as_the_expression_finds_them() -> None:
    """The words looked for before the expression runs leave out no text it matches."""
    from unioncat.normalize import marc_medium

    rng = random.Random(31)
    pieces = ["e-book", "ebook", "E-Book", "EBK", "online", "ONLINE", "pdf", "ePub", "e-isbn",
              "Kindle", "mobi", "pbk.", "(", ")", " ", ":", "electronic", "elec", "paper",
              "book", "\u212a", "kındle", "İsbn", "ſ", "x", "-", "0812216393",
              "Électronique"]  # fmt: skip
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(6000)]
    found = 0
    for text in texts:
        want = marc_medium._EQUALIFIER.search(text) is not None
        assert marc_medium._electronic_qualifier(text) == want, text
        found += want
    assert 500 < found < 5500


class _Trickle:
    """A stream that hands out at most ``most`` bytes a read, so records span reads."""

    def __init__(self, data: bytes, most: int) -> None:
        self.data, self.most, self.at = data, most, 0

    def read(self, size: int = -1) -> bytes:
        n = min(self.most, size if size >= 0 else self.most)
        chunk = self.data[self.at : self.at + n]
        self.at += len(chunk)
        return chunk


@core
def test_the_clean_runs_cut_by_the_core_frame_as_the_pure_framer_frames(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Files of records damaged at random (lengths, terminators, junk between records,
    bytes dropped or added, a cut tail), read whole and a few bytes at a time: the same
    frames, errors included, with the core's runs and without them."""
    from unioncat.framing import iso2709

    rng = random.Random(37)
    records = [_utf8(marc_record(control=f"f{i}", title=f"Riffs {i} " + "x" * rng.randint(0, 90)))
               for i in range(40)]  # fmt: skip
    cut = 0
    for trial in range(300):
        parts = []
        chosen = rng.sample(records, rng.randint(1, 12))
        for k, record in enumerate(chosen):
            data = bytearray(record)
            damage = rng.random()
            if damage < 0.08 and k + 1 < len(chosen):
                # a length that reaches the next record's terminator
                data[:5] = b"%05d" % (len(data) + len(chosen[k + 1]))
            elif damage < 0.12:
                data[rng.randrange(24, len(data) - 1)] = 0x1D  # a stray terminator inside
            elif damage < 0.15:
                data[rng.randrange(5)] = rng.choice(b"0123456789x")
            elif damage < 0.2:
                data.insert(rng.randrange(1, len(data)), 0x1D)
            elif damage < 0.3:
                del data[rng.randrange(len(data))]
            elif damage < 0.35:
                del data[-1]
            elif damage < 0.45:
                data[:0] = rng.choice([b"\r\n", b"\x00\x00", b"\x1a", b"\x1d", b"  "])
            parts.append(bytes(data))
        blob = b"".join(parts)
        if trial % 5 == 0:
            blob = blob[: rng.randrange(1, len(blob) + 1)]
        for most in (1 << 20, rng.randint(3, 200)):
            ours = [(f.payload, f.position, f.error)
                    for f in iso2709.iter_iso2709(_Trickle(blob, most))]  # type: ignore[arg-type]  # fmt: skip
            with monkeypatch.context() as m:
                m.setattr(iso2709, "MARC_CORE", None)
                ref = [(f.payload, f.position, f.error)
                       for f in iso2709.iter_iso2709(_Trickle(blob, most))]  # type: ignore[arg-type]  # fmt: skip
            assert ours == ref, (trial, most)
            cut += len(ours)
    assert cut > 3000
    # a file larger than a read, of more records than a run: the buffer is compacted
    many = b"".join(records[k % 40] for k in range(9000)) + b"\r\n" + records[1][:-3]
    for most in (1 << 20, 70_001):
        ours = list(iso2709.iter_iso2709(_Trickle(many, most)))  # type: ignore[arg-type]
        with monkeypatch.context() as m:
            m.setattr(iso2709, "MARC_CORE", None)
            ref = list(iso2709.iter_iso2709(_Trickle(many, most)))  # type: ignore[arg-type]
        assert [(f.payload, f.position, f.error) for f in ours] == [
            (f.payload, f.position, f.error) for f in ref
        ]
        assert len(ours) == 9001 and len(many) > 1 << 20
    assert MARC_CORE.iso_clean_run(bytearray(records[0] * 3), 0, 2) == (
        [records[0]] * 2,
        2 * len(records[0]),
    )
    assert MARC_CORE.iso_clean_run(bytearray(b"00010"), 0, 5) == ([], 0)
    assert MARC_CORE.iso_clean_run(bytearray(b""), 7, 5) == ([], 7)


@core
def test_type_and_medium_agree_on_generated_records(pure_helpers: None) -> None:
    """Leaders of every class, 008s short and long, and the fields medium and type are
    read from (007, 336-338, 502, 533, 245 $h, 020, 300, 773, 856, 111/711), at random."""
    import pymarc

    from unioncat.normalize import marc_medium

    assert MARC_CORE is not None
    rng = random.Random(41)
    f008s = ["", "190415s2019    enk           000 0 eng d", "0123456789012345678901234567890",
             "190415s2019    xx  ||| o    |00| 0 eng d", "190415s2019    xx ma  s  1 a  000 0 eng",
             "abc", "190415s2019    xx            t000 1 eng d"]  # fmt: skip
    pools = {  # fmt: skip
        "007": ["cr una", "h", "sd fsngnnmmned", "vd cvaizq", "ta", "q", "", "z"],
        "336": ["txt", "text", "cod", "computer dataset", "crd", " ", "two-dimensional"],
        "337": ["c", "n", "h", "s", "v", "g", "x", "computer", "unmediated", "audio", " "],
        "338": ["cr", "nc", "nr", "sd", "vd", "hd", "gs", "mr", "zz", "n", " NC "],
        "533": ["Microfilm.", "Electronic reproduction.", "Photocopy.", "Digitized.", "x"],
        "245": ["[electronic resource]", "[microform]", "[sound recording]",
                "[videorecording]", "[text]"],
        "020": ["0812216393 (pbk.)", "(ebook)", "9780000000002 (e-book)", "(Kindle)", "(cloth)",
                "(alk. paper)", "x", "(hardcover)", "(online)", "\u212aindle"],
        "300": ["xii, 320 p. ; 24 cm.", "1 online resource (200 pages)", "2 sound discs",
                "1 DVD-ROM", "3 microfiches", "1 videodisc (90 min.)", "1 v. (various)",
                "5 film reels", "1 computer disc ; 12 cm", "[10] leaves ; 30 cm", "1 globe"],
        "773": ["Journal", "0028-0836", "Vol. 12, no. 3"],
        "856": ["http://x.org/1"],
    }  # fmt: skip
    codes = {"336": "ab", "337": "ab", "338": "b", "533": "a", "245": "h", "020": "qa",
             "300": "abce", "773": "xgt", "856": "u"}  # fmt: skip
    kinds = set()
    for i in range(800):
        kind = rng.choice("ncdp") + rng.choice("abcdefgijkmoprtuxz") + rng.choice("abcdims")
        leader = "00000" + kind + " a22000007" + rng.choice(" a") + " 4500"
        leader = leader[:19] + rng.choice(" a") + leader[20:24]
        fields = []
        for tag in rng.sample(sorted(pools), rng.randint(0, 5)):
            subfields = []
            for _ in range(rng.randint(1, 3)):
                subfields += [rng.choice(codes.get(tag, "a")), rng.choice(pools[tag])]
            fields.append((tag, rng.choice(["  ", "40", "41", "42", "00"]), subfields))
        for tag in rng.sample(["502", "111", "711"], rng.randint(0, 1)):
            fields.append((tag, "  ", ["a", "x"]))
        f008 = rng.choice(f008s)
        built = marc_record(control=f"m{i}", leader=leader, f008=f008 or "x",
                            fields=[f for f in fields if f[0] != "007"])  # fmt: skip
        if not f008:
            built.remove_fields("008")  # no 008 at all
        for tag, _ind, subfields in fields:
            if tag == "007":
                built.add_field(pymarc.Field(tag="007", data=subfields[1]))
        payload = _utf8(built)
        for record in (MARC_CORE.read_utf8(payload), read_utf8_pure(payload)):
            assert record is not None
            lead = str(record.leader)
            ours = MARC_CORE.medium(record, lead, marc_medium.CORE_SPEC)
            assert ours == marc_medium.medium_pure(record, lead), (leader, fields)
            kind = MARC_CORE.record_type(record, lead, marc_medium.CORE_TYPE_SPEC)
            assert kind == marc_medium.record_type_pure(record, lead), (leader, fields)
            kinds.add((ours[1][0].split("=")[0][:8] if ours[1] else "", kind))
    assert len({k for _, k in kinds}) >= 15 and len({m for m, _ in kinds}) >= 10, kinds


class _Text(str):
    """A str subclass, as an RDF literal or numpy's str is."""

    def __eq__(self, other: object) -> bool:
        return type(other) is _Text and str.__eq__(self, other)

    __hash__ = str.__hash__


@core
def test_the_twins_take_what_the_references_take() -> None:
    """Text that is a str subclass comes back as plain text, as the references give it;
    what is not text is refused with a TypeError, never read as if it were."""
    from unioncat import identifiers as idn
    from unioncat.normalize import marc_medium

    assert MARC_CORE is not None
    for text in ("Abc.", "  Jones, J.  ", "a  b [c"):
        ours = MARC_CORE.clean(_Text(text))
        assert type(ours) is str and ours == marc_text._clean(_Text(text))
    for wrong in (b"ab", 12.5, ["a"], 123):
        with pytest.raises(TypeError):
            MARC_CORE.clean(wrong)
    assert idn._lccn_compiled(_Text(" 75002321 ")) == idn._lccn(_Text(" 75002321 "))
    f008 = "190415s2019    enk           000 0 eng d"
    record = marc_record(control="t1", f008=f008[:23] + "o" + f008[24:])
    record.get_fields("008")[0].data = _Text(record.get_fields("008")[0].data)
    record.get_fields("245")[0].indicator1 = _Text("1")
    for reader in (MARC_CORE.read_utf8(_utf8(record)), record):
        assert marc_medium.medium(reader, reader.leader) == marc_medium.medium_pure(
            reader, str(reader.leader)
        )
        assert marc_medium.record_type(reader, reader.leader) == "book"
    assert marc_medium.medium(record, record.leader) == ("electronic", ["008/23=o"])


@core
def test_publication_year_and_languages_agree_on_generated_records(pure_helpers: None) -> None:
    """260/264 statements of every indicator, unlinked 880s, 008s of every length with
    and without a year, and 041 codes of every shape."""
    import pymarc

    from unioncat.normalize import marc
    from unioncat.normalize.marc_880 import Script880

    assert MARC_CORE is not None
    rng = random.Random(43)
    values = ["Paris :", "Lyon ;", "Gallimard,", "[s.n.],", "c1999.", "2019", "[19--?]",
              "21999", "1850-1860", "", " ", "Köln", "\u212a", "n.d.", "١٩٩٩", "Leipzig",
              "[Place of publication not identified] :", "[2004]", "1x99", "200"]  # fmt: skip
    f008s = ["", "190415s2019    enk           000 0 eng d", "190415s9490", "19041", "abc",
             "190415s1999    xx            000 0 fre  ", "190415s20a9    xx  000 0 zxx d",
             "190415s1850    xx            000 0 \u212aor d", "   415s2019    enk   000 0 ger d",
             "190415s2019    enk           000 0 İng d"]  # fmt: skip
    codes041 = ["engfre", "eng", "en", "ENGger", "zxx", "fr e", "\u212aor", " engmul ", "İta"]
    years = set()
    for i in range(600):
        fields = []
        for _ in range(rng.randint(0, 4)):
            tag = rng.choice(["260", "264", "264", "880", "041"])
            if tag == "041":
                subfields = [c for _ in range(rng.randint(1, 3))
                             for c in (rng.choice("adh"), rng.choice(codes041))]  # fmt: skip
            else:
                subfields = [c for _ in range(rng.randint(1, 5))
                             for c in (rng.choice("abce"), rng.choice(values))]  # fmt: skip
            if tag == "880":
                subfields = ["6", rng.choice(["264-00", "260-00/$1", "264-01", "245-00"]),
                             *subfields]  # fmt: skip
            fields.append((tag, rng.choice(["  ", " 1", " 0", " 2", " 4", "3 "]), subfields))
        f008 = rng.choice(f008s)
        built = marc_record(control=f"p{i}", f008=f008 or "x", fields=fields)
        if not f008:
            built.remove_fields("008")
        elif rng.random() < 0.2:  # a second 008, and an empty first one
            built.add_field(pymarc.Field(tag="008", data=f008[::-1]))
        payload = _utf8(built)
        for record in (MARC_CORE.read_utf8(payload), read_utf8_pure(payload)):
            assert record is not None
            for script in (Script880(record), None):
                ours = MARC_CORE.publication(record, script)
                assert ours == marc._publication_pure(record, script), fields
            date = ours[2]
            for given in (date, None, rng.choice(values)):
                assert MARC_CORE.year(record, given) == marc._year_pure(record, given), given
                years.add(MARC_CORE.year(record, given))
            assert MARC_CORE.languages(record) == marc._languages_pure(record), (f008, fields)
    assert len(years) >= 5

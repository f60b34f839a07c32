"""Write the bundled example MARC files used by the default pipeline.

The records are written for unioncat's examples (no one else's data): a print book and
its e-book edition linked by 776, a serial and one of its articles linked by 773, a
microfilm thesis, and a book with Chinese original-script fields.  Run this script to
regenerate the files after changing it:

    python examples/make_examples.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

from pymarc import Field, Leader, MARCWriter, Record, Subfield, XMLWriter

HERE = Path(__file__).resolve().parent / "marc"


def sf(*pairs: str) -> list[Subfield]:
    return [Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]


def record(
    leader: str, control: dict[str, str], fields: list[tuple[str, str, list[Subfield]]]
) -> Record:
    r = Record(force_utf8=True)
    r.leader = Leader(leader)
    for tag, data in control.items():
        r.add_field(Field(tag=tag, data=data))
    for tag, ind, subs in fields:
        r.add_field(Field(tag=tag, indicators=[ind[0], ind[1]], subfields=subs))
    return r


def print_book() -> Record:
    return record(
        "00000cam a2200000 i 4500",
        {
            "001": "ex-p-0001",
            "003": "XX-ExLib",
            "005": "20240301101500.0",
            "008": "190415s2019    enka     b    001 0 eng d",
        },
        [
            ("010", "  ", sf("a", "  2019012345")),
            ("020", "  ", sf("a", "0-19-881234-5", "q", "hardback")),
            ("020", "  ", sf("a", "9780198812357", "q", "paperback")),
            ("035", "  ", sf("a", "(OCoLC)ocn1089912345")),
            ("041", "0 ", sf("a", "eng")),
            (
                "100",
                "1 ",
                sf(
                    "a",
                    "Okafor, Adaeze,",
                    "e",
                    "author.",
                    "0",
                    "https://orcid.org/0000-0002-1825-0097",
                ),
            ),
            (
                "245",
                "14",
                sf(
                    "a",
                    "The river archives :",
                    "b",
                    "water, memory and the city /",
                    "c",
                    "Adaeze Okafor.",
                ),
            ),
            ("250", "  ", sf("a", "Second edition.")),
            ("264", " 1", sf("a", "Oxford :", "b", "Riverbank University Press,", "c", "2019.")),
            ("300", "  ", sf("a", "xii, 318 pages :", "b", "illustrations ;", "c", "24 cm")),
            ("336", "  ", sf("a", "text", "b", "txt", "2", "rdacontent")),
            ("337", "  ", sf("a", "unmediated", "b", "n", "2", "rdamedia")),
            ("338", "  ", sf("a", "volume", "b", "nc", "2", "rdacarrier")),
            ("490", "1 ", sf("a", "Urban histories ;", "v", "7")),
            ("504", "  ", sf("a", "Includes bibliographical references and index.")),
            (
                "520",
                "  ",
                sf("a", "How cities remember their rivers, told through municipal water archives."),
            ),
            ("650", " 0", sf("a", "Rivers", "x", "History.")),
            ("650", " 0", sf("a", "Municipal archives", "z", "England.")),
            ("700", "1 ", sf("a", "Lindqvist, Maren,", "e", "editor.")),
            (
                "776",
                "08",
                sf(
                    "i",
                    "Online version:",
                    "a",
                    "Okafor, Adaeze.",
                    "t",
                    "River archives.",
                    "d",
                    "Oxford : Riverbank University Press, 2019",
                    "z",
                    "9780198812364",
                    "w",
                    "(OCoLC)1089955555",
                ),
            ),
            ("830", " 0", sf("a", "Urban histories ;", "v", "7.")),
        ],
    )


def print_book_two() -> Record:
    return record(
        "00000nam a2200000 a 4500",
        {"001": "ex-p-0002", "008": "870612s1987    nyu           000 1 eng  "},
        [
            ("020", "  ", sf("a", "0394558391 (cloth)")),
            ("020", "  ", sf("z", "0394558390")),
            ("100", "1 ", sf("a", "Moreau, Ines.")),
            ("245", "10", sf("a", "Salt roads :", "b", "a novel /", "c", "Ines Moreau.")),
            ("260", "  ", sf("a", "New York :", "b", "Pelican House,", "c", "c1987.")),
            ("300", "  ", sf("a", "241 p. ;", "c", "22 cm.")),
            ("650", " 0", sf("a", "Salt trade", "v", "Fiction.")),
        ],
    )


def thesis_on_microfilm() -> Record:
    return record(
        "00000cam a2200000 a 4500",
        {
            "001": "ex-p-0003",
            "007": "he bmb024baca",
            "008": "750101s1974    miu     bm   000 0 eng d",
        },
        [
            ("100", "1 ", sf("a", "Haddad, Samir.")),
            (
                "245",
                "10",
                sf(
                    "a",
                    "Tidal sediment transport in estuaries",
                    "h",
                    "[microform] /",
                    "c",
                    "Samir Haddad.",
                ),
            ),
            (
                "260",
                "  ",
                sf("a", "Ann Arbor, Mich. :", "b", "University Microfilms,", "c", "1974."),
            ),
            ("300", "  ", sf("a", "1 microfilm reel ;", "c", "35 mm.")),
            ("502", "  ", sf("a", "Thesis (Ph. D.)--University of the Estuary, 1974.")),
            ("650", " 0", sf("a", "Sediment transport.")),
        ],
    )


def ebook() -> Record:
    return record(
        "00000cam a2200000 i 4500",
        {
            "001": "EBV-558812",
            "003": "XX-Vendor",
            "006": "m     o  d        ",
            "007": "cr |n|||||||||",
            "008": "190502s2019    enka    ob    001 0 eng d",
        },
        [
            ("020", "  ", sf("a", "9780198812364", "q", "ebook")),
            ("020", "  ", sf("z", "9780198812357", "q", "paperback")),
            ("024", "7 ", sf("a", "10.9999/RBUP/9780198812364.001.0001", "2", "doi")),
            ("100", "1 ", sf("a", "Okafor, Adaeze,", "e", "author.")),
            (
                "245",
                "14",
                sf(
                    "a",
                    "The river archives :",
                    "b",
                    "water, memory and the city /",
                    "c",
                    "Adaeze Okafor.",
                ),
            ),
            ("250", "  ", sf("a", "Second edition.")),
            ("264", " 1", sf("a", "Oxford :", "b", "Riverbank University Press,", "c", "2019.")),
            ("300", "  ", sf("a", "1 online resource (xii, 318 pages)")),
            ("337", "  ", sf("a", "computer", "b", "c", "2", "rdamedia")),
            ("338", "  ", sf("a", "online resource", "b", "cr", "2", "rdacarrier")),
            (
                "776",
                "08",
                sf(
                    "i",
                    "Print version:",
                    "t",
                    "River archives.",
                    "z",
                    "0-19-881234-5",
                    "w",
                    "(OCoLC)1089912345",
                ),
            ),
            (
                "856",
                "40",
                sf(
                    "u",
                    "https://ebooks.example.org/rbup/9780198812364",
                    "z",
                    "Available to subscribers",
                ),
            ),
        ],
    )


def ebook_chinese() -> Record:
    return record(
        "00000cam a2200000 i 4500",
        {
            "001": "EBV-771203",
            "008": "200811s2020    ch      o     000 0 chi d",
        },
        [
            ("020", "  ", sf("a", "9787100181235", "q", "electronic bk.")),
            ("100", "1 ", sf("6", "880-01", "a", "Wang, Lihua,", "e", "author.")),
            (
                "245",
                "10",
                sf("6", "880-02", "a", "Shan shui yu cheng shi /", "c", "Wang Lihua zhu."),
            ),
            (
                "264",
                " 1",
                sf("6", "880-03", "a", "Beijing :", "b", "Shang wu yin shu guan,", "c", "2020."),
            ),
            ("300", "  ", sf("a", "1 online resource (256 pages)")),
            ("338", "  ", sf("a", "online resource", "b", "cr", "2", "rdacarrier")),
            ("880", "1 ", sf("6", "100-01/$1", "a", "王丽华,", "e", "author.")),
            ("880", "10", sf("6", "245-02/$1", "a", "山水与城市 /", "c", "王丽华著.")),
            ("880", " 1", sf("6", "264-03/$1", "a", "北京 :", "b", "商务印书馆,", "c", "2020.")),
            ("856", "40", sf("u", "https://ebooks.example.org/cp/9787100181235")),
        ],
    )


def journal() -> Record:
    return record(
        "00000cas a2200000 a 4500",
        {"001": "ex-s-0001", "008": "950301c19959999enkqr p       0   a0eng d"},
        [
            ("022", "0 ", sf("a", "1476-4687", "l", "0028-0836")),
            ("245", "00", sf("a", "Journal of estuarine studies.")),
            ("260", "  ", sf("a", "London :", "b", "Tideway Society,", "c", "1995-")),
            ("310", "  ", sf("a", "Quarterly")),
            ("650", " 0", sf("a", "Estuaries", "v", "Periodicals.")),
        ],
    )


def article() -> Record:
    return record(
        "00000nab a2200000 a 4500",
        {"001": "ex-s-0002", "008": "210915s2021    enk    o     000 0 eng d"},
        [
            ("024", "7 ", sf("a", "10.9999/JES.2021.0345", "2", "doi")),
            ("100", "1 ", sf("a", "Haddad, Samir.")),
            ("245", "10", sf("a", "Sediment pulses after the 2020 floods /", "c", "Samir Haddad.")),
            (
                "773",
                "0 ",
                sf(
                    "t",
                    "Journal of estuarine studies",
                    "x",
                    "1476-4687",
                    "g",
                    "Vol. 27, no. 3 (2021), p. 45-67",
                ),
            ),
            ("856", "40", sf("u", "https://doi.org/10.9999/JES.2021.0345")),
        ],
    )


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    with (HERE / "print-books.mrc").open("wb") as f:
        w = MARCWriter(f)
        for r in (print_book(), print_book_two(), thesis_on_microfilm()):
            w.write(r)
    w2 = XMLWriter(open(HERE / "vendor-ebooks.xml", "wb"))
    for r in (ebook(), ebook_chinese()):
        w2.write(r)
    w2.close()
    buf = b"".join(r.as_marc() for r in (journal(), article()))
    with gzip.GzipFile(HERE / "serials.mrc.gz", "wb", mtime=0) as g:
        g.write(buf)


if __name__ == "__main__":
    main()

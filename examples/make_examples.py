"""Write the bundled example MARC files used by the default pipeline.

The records are written for unioncat's examples (no one else's data): a print book and
its e-book edition linked by 776, a serial and one of its articles linked by 773, a
microfilm thesis, and a book with Chinese original-script fields; and, in
``examples/journal``, one journal as a library meets it: its print run (with a branch's
holdings record), a KBART package, and articles from Crossref and JATS; and, in
``examples/exports``, the files a library receives: a CNKI NoteExpress export, a PubMed
MEDLINE export and its own MARC record of a journal, with one article in both exports.
Run this script to
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


# -- the journal example (examples/journal/pipelines.yaml) ----------------------------------
# One journal the library takes in print, licenses online in a KBART package and finds
# articles of in Crossref and JATS: unioncat shows it as one cluster.
JOURNAL = Path(__file__).resolve().parent / "journal"
PRINT_ISSN, ONLINE_ISSN = "2049-3630", "1756-9125"


def print_serial() -> Record:
    return record(
        "00000cas a2200000 a 4500",
        {
            "001": "ex-j-0001",
            "003": "XX-ExLib",
            "008": "950301c19959999enkqr p       0   a0eng d",
        },  # fmt: skip
        [
            ("022", "0 ", sf("a", PRINT_ISSN, "l", PRINT_ISSN)),
            ("245", "00", sf("a", "Coastal morphology review.")),
            ("264", " 1", sf("a", "Plymouth :", "b", "Tideway Society,", "c", "1995-")),
            ("310", "  ", sf("a", "Quarterly")),
            ("362", "0 ", sf("a", "Vol. 1, no. 1 (Mar. 1995)-")),
            ("650", " 0", sf("a", "Coast changes", "v", "Periodicals.")),
            (
                "776",
                "08",
                sf("i", "Online version:", "t", "Coastal morphology review", "x", ONLINE_ISSN),
            ),  # fmt: skip
            (
                "852",
                "01",
                sf(
                    "8",
                    "1",
                    "a",
                    "XX-ExLib",
                    "b",
                    "Main Library",
                    "c",
                    "Periodicals",
                    "h",
                    "GB450 .C63",
                ),
            ),  # fmt: skip
            ("853", "20", sf("8", "1", "a", "v.", "b", "no.", "i", "(year)")),
            ("863", "40", sf("8", "1.1", "a", "1-20", "i", "1995-2014")),
            ("866", "40", sf("8", "1", "a", "v.1(1995)-v.20(2014)")),
        ],
    )


def branch_holdings() -> Record:
    """The branch library's holdings of the same serial, as a separate holdings record."""
    return record(
        "00000ny  a22000003  4500",
        {"001": "ex-h-0001", "004": "ex-j-0001", "008": "0503014p    8   4001aueng0000000"},
        [
            ("852", "01", sf("a", "XX-Branch", "b", "Marine Station", "c", "Journals")),
            ("866", "40", sf("a", "v.10(2004)-v.15(2009)", "z", "v.12 wanting")),
        ],
    )


KBART_HEADER = (
    "publication_title\tprint_identifier\tonline_identifier\tdate_first_issue_online\t"
    "num_first_vol_online\tnum_first_issue_online\tdate_last_issue_online\t"
    "num_last_vol_online\tnum_last_issue_online\ttitle_url\tfirst_author\ttitle_id\t"
    "embargo_info\tcoverage_depth\tnotes\tpublisher_name\tpublication_type\t"
    "date_monograph_published_print\tdate_monograph_published_online\tmonograph_volume\t"
    "monograph_edition\tfirst_editor\tparent_publication_title_id\t"
    "preceding_publication_title_id\taccess_type"
)


def kbart_rows() -> str:
    def row(first: str, v1: str, last: str, v2: str, embargo: str) -> str:
        return "\t".join([
            "Coastal morphology review", PRINT_ISSN, ONLINE_ISSN, first, v1, "1", last, v2,
            "", "https://tideway.example/cmr", "", "CMR", embargo, "fulltext", "",
            "Tideway Society", "serial", "", "", "", "", "", "", "", "P",
        ])  # fmt: skip

    # a gap: 2000-2003 online, then 2006 to date behind a six-month moving wall
    return (
        "\n".join(
            [
                KBART_HEADER,
                row("2000-01-01", "6", "2003-12-31", "9", ""),
                row("2006-01-01", "12", "", "", "R6M"),
            ]  # fmt: skip
        )
        + "\n"
    )


def crossref_work(doi: str, title: str, year: int, month: int, volume: str, issue: str) -> str:
    import json

    return json.dumps({
        "DOI": doi, "type": "journal-article", "title": [title],
        "container-title": ["Coastal morphology review"], "publisher": "Tideway Society",
        "ISSN": [PRINT_ISSN, ONLINE_ISSN],
        "issn-type": [{"value": PRINT_ISSN, "type": "print"},
                      {"value": ONLINE_ISSN, "type": "electronic"}],
        "volume": volume, "issue": issue, "page": "1-20",
        "author": [{"given": "Mara", "family": "Ellison", "sequence": "first"}],
        "published-print": {"date-parts": [[year, month]]},
        "issued": {"date-parts": [[year, month]]},
    }, ensure_ascii=False)  # fmt: skip


def crossref_lines() -> str:
    works = [
        ("10.9999/cmr.2002.014", "Spit growth on a tidal coast", 2002, 6, "8", "2"),
        ("10.9999/cmr.2005.031", "Storm overwash fans", 2005, 3, "11", "1"),
        ("10.9999/cmr.2021.007", "Dune recovery after a storm season", 2021, 9, "27", "3"),
        ("10.9999/cmr.2026.101", "Shoreline retreat this autumn", 2026, 11, "32", "4"),
    ]
    return "".join(crossref_work(*w) + "\n" for w in works)


JATS_ARTICLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article">
  <front>
    <journal-meta>
      <journal-title-group>
        <journal-title>Coastal morphology review</journal-title>
      </journal-title-group>
      <issn pub-type="ppub">{PRINT_ISSN}</issn>
      <issn pub-type="epub">{ONLINE_ISSN}</issn>
      <publisher><publisher-name>Tideway Society</publisher-name></publisher>
    </journal-meta>
    <article-meta>
      <article-id pub-id-type="doi">10.9999/cmr.2021.007</article-id>
      <title-group><article-title>Dune recovery after a storm season</article-title></title-group>
      <contrib-group>
        <contrib contrib-type="author">
          <name><surname>Ellison</surname><given-names>Mara</given-names></name>
        </contrib>
      </contrib-group>
      <pub-date pub-type="ppub"><day>15</day><month>9</month><year>2021</year></pub-date>
      <volume>27</volume><issue>3</issue><fpage>1</fpage><lpage>20</lpage>
    </article-meta>
  </front>
</article>
"""


# -- the exports example (examples/exports/pipelines.yaml) ----------------------------------
# What a library receives as files: a CNKI NoteExpress export (GB18030, as CNKI writes it
# for Windows users), a PubMed MEDLINE export, and its own MARC record of a journal it
# takes in print.  One article is in both exports: unioncat clusters the two and files
# them under the journal.
EXPORTS = Path(__file__).resolve().parent / "exports"
FUTURES_PRINT, FUTURES_ONLINE = "2750-4565", "2750-123X"


def library_journal() -> Record:
    return record(
        "00000cas a2200000 i 4500",
        {"001": "ex-j-0001", "008": "190110c20199999enkbx p       0   a0eng d"},
        [
            ("022", "0 ", sf("a", FUTURES_PRINT, "l", FUTURES_PRINT)),
            ("245", "00", sf("a", "Journal of library futures.")),
            ("264", " 1", sf("a", "Leeds :", "b", "Northgate Library Association,", "c", "2019-")),
            ("310", "  ", sf("a", "Bimonthly")),
            ("362", "1 ", sf("a", "Began with vol. 1, no. 1 (Jan. 2019).")),
            ("650", " 0", sf("a", "Libraries", "v", "Periodicals.")),
            (
                "776",
                "08",
                sf("i", "Online version:", "t", "Journal of library futures", "x", FUTURES_ONLINE),
            ),
            ("852", "  ", sf("a", "XX-ExLib", "b", "Main", "h", "Z671 .J68")),
            ("866", " 0", sf("8", "1", "a", "v.1(2019)-")),
        ],
    )


FUTURES_ADDRESSES = (
    "School of Information Management, Wuhan University, China",
    "Faculty of Humanities, University of Warsaw, Poland",
    "Information School, University of Sheffield, UK",
)
FUTURES_ABSTRACT = (
    "We surveyed 48 university libraries on how readers used quiet study rooms after they "
    "reopened."
)
NOTEEXPRESS_EXPORT = f"""{{Reference Type}}: Journal Article
{{Title}}: Quiet study rooms after the pandemic: a survey of university libraries
{{Author}}: Mei Lin;;Tomasz Nowak;;Aisha Rahman
{{Author Address}}: {";;".join(FUTURES_ADDRESSES)}
{{Journal}}: Journal of Library Futures
{{Year}}: 2023
{{Volume}}: 5
{{Issue}}: 2
{{Pages}}: 101-118
{{Keywords}}: Study space;;Academic libraries;;Post-pandemic use
{{Abstract}}: Abstract(#br){FUTURES_ABSTRACT}
{{ISBN/ISSN}}: {FUTURES_PRINT}
{{Database Provider}}: CNKI

{{Reference Type}}: Journal Article
{{Title}}: 高校图书馆联合目录建设的实践与思考
{{Translated Title}}: Practice and reflections on building a union catalogue of university libraries
{{Author}}: 王晓明;李华;
{{Author Address}}: 武汉大学信息管理学院;
{{Journal}}: 图书情报工作
{{Year}}: 2022
{{Issue}}: 08
{{Pages}}: 45-52
{{Keywords}}: 联合目录;元数据;高校图书馆
{{Abstract}}: 以高校图书馆联合目录建设为例，讨论多来源元数据的整合与去重。
{{ISBN/ISSN}}: 0252-3116
{{Notes}}: 11-1541/G2
{{Database Provider}}: CNKI

{{Reference Type}}: Thesis
{{Title}}: 多源书目数据去重方法研究
{{Author}}: 陈静
{{Tertiary Author}}: 王晓明
{{Publisher}}: 武汉大学
{{Type of Work}}: 硕士
{{Year}}: 2021
{{Keywords}}: 书目数据;;去重;;实体解析
{{Database Provider}}: CNKI
"""

MEDLINE_EXPORT = f"""PMID- 90000001
OWN - NLM
STAT- Publisher
IS  - {FUTURES_ONLINE} (Electronic)
IS  - {FUTURES_PRINT} (Print)
IS  - {FUTURES_PRINT} (Linking)
VI  - 5
IP  - 2
DP  - 2023 Apr
TI  - Quiet study rooms after the pandemic: a survey of university libraries.
PG  - 101-18
LID - 10.9999/jlf.2023.0502 [doi]
AB  - We surveyed 48 university libraries on how readers used quiet study rooms after
      they reopened.
FAU - Lin, Mei
AU  - Lin M
AD  - School of Information Management, Wuhan University, Wuhan, China.
FAU - Nowak, Tomasz
AU  - Nowak T
FAU - Rahman, Aisha
AU  - Rahman A
LA  - eng
PT  - Journal Article
PL  - England
TA  - J Libr Futures
JT  - Journal of library futures
MH  - Libraries/*statistics & numerical data
OT  - study space
SO  - J Libr Futures. 2023 Apr;5(2):101-18. doi: 10.9999/jlf.2023.0502.

PMID- 90000002
OWN - NLM
STAT- Publisher
IS  - {FUTURES_ONLINE} (Electronic)
IS  - {FUTURES_PRINT} (Linking)
VI  - 5
IP  - 3
DP  - 2023 Jun
TI  - Lending e-books across a consortium.
PG  - 140-52
FAU - Okafor, Adaeze
AU  - Okafor A
LA  - eng
PT  - Journal Article
TA  - J Libr Futures
JT  - Journal of library futures
SO  - J Libr Futures. 2023 Jun;5(3):140-52.
"""


def exports_example() -> None:
    EXPORTS.mkdir(parents=True, exist_ok=True)
    (EXPORTS / "library-journals.mrc").write_bytes(library_journal().as_marc())
    (EXPORTS / "cnki-export.net").write_bytes(
        NOTEEXPRESS_EXPORT.replace("\n", "\r\n").encode("gb18030")
    )
    (EXPORTS / "pubmed-export.nbib").write_text(MEDLINE_EXPORT, encoding="utf-8")


def journal_example() -> None:
    JOURNAL.mkdir(parents=True, exist_ok=True)
    (JOURNAL / "print-serials.mrc").write_bytes(print_serial().as_marc())
    (JOURNAL / "branch-holdings.mrc").write_bytes(branch_holdings().as_marc())
    (JOURNAL / "Tideway_Global_CoastalCollection_2026-11-01.txt").write_text(
        kbart_rows(), encoding="utf-8"
    )
    (JOURNAL / "crossref-works.jsonl").write_text(crossref_lines(), encoding="utf-8")
    (JOURNAL / "jats-article.xml").write_text(JATS_ARTICLE, encoding="utf-8")


def main() -> None:
    journal_example()
    exports_example()
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

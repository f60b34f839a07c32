"""The ``onix`` format: ONIX for Books 2.1, 3.0 and 3.1, the product feeds publishers and
distributors send to the trade, read as the books they describe.

An ONIX file is one message, ``<ONIXMessage>`` (``<ONIXmessage>`` in short tags), with a
``<Header>`` about the sender and a ``<Product>`` (``<product>``) per thing offered for
sale.  The framer ``onix-xml`` cuts out each product with the streaming XML framer, in no
namespace or in EDItEUR's 2.1, 3.0 or 3.1 namespace, so that one broken product costs only
itself; a file whose root is not an ONIX message gives one error frame that names the
root it has.  The header describes the message, not a book, and is not read.

Short tags (``b244``, ``x415``...) are renamed to their reference names first
(:data:`~unioncat.normalize.onix_codes.SHORT_TAGS`), so one mapping reads both; 2.1 and
3.0 are told apart by where an element sits (3.0 groups a product's elements in blocks:
``DescriptiveDetail``, ``PublishingDetail``...), never by the ``release`` attribute.

- **Keys.** The product's ISBN (``ProductIDType`` 15, else an ISBN-10 (02) or a GTIN-13
  (03) that is an ISBN), as 13 digits, is the source id; without a valid one, the
  ``RecordReference``, the key ONIX itself gives every product (a number that fails its
  check digit is not the product's ISBN).  Every product identifier is kept: ISBN-10/13
  as ``isbn``, GTIN-13 as ``ean`` (and as ``isbn`` too when it is one and no ISBN is
  given), DOI and ISBN-A as ``doi``, ISMN, LCCN, OCLC number, URN as ``uri``, a
  proprietary id (01) as ``local`` qualified by its ``IDTypeName``, a co-publisher's ISBN
  (24) qualified "co-publisher"; an ISBN whose check digit fails is kept ``invalid``.
- **Notification.** ``NotificationType`` 05 (delete) gives a deleted record under the
  same key (the catalog tombstones the product and the chapters it gave); 88 and 89 (test
  records, which ONIX says never to load) are quarantined, as is a code outside list 1.
  A partial update (04) is mapped from the blocks it carries; one without its
  ``DescriptiveDetail`` has no title and is quarantined saying so, since the catalog
  replaces a record whole and cannot merge a block into the one it holds.
- **Type and medium.** ``ProductForm`` (lists 150, and 7 in 2.1) by its class: B print
  book, C map (print, a globe other), D and E electronic, L licence (electronic), A
  audio (an audiobook, or a music recording when the content type says so), V video, F
  film and slides (projected), M microform, P other print (sheet music, posters, kits),
  S sets, X trade-only material and Z merchandise other; ``ProductComposition`` 10, 11
  and 31 make a text a ``book_set``, 20 and 30 (trade-only) ``other``, and 01 (a
  component not sold on its own) a ``book_chapter`` whose host is the product it "is part
  of" (relation 02), as a MARC component part (leader/07 a) is.  ``medium_evidence`` names the form,
  the ``ProductFormDetail`` codes of the file format (E101 EPUB, E107 PDF, A103 MP3...)
  and the 2.1 ``EpubType``.
- **Titles.** The distinctive title (``TitleType`` 01): ``TitleText``, or
  ``TitlePrefix`` and ``TitleWithoutPrefix`` with the prefix's length as
  ``title_nonfiling``; the product's ``Subtitle``.  A title of a collection level and a
  product level (a dependent title: "A History of England" + "Volume 3" + "The Tudors")
  is the collection's title with the product's ``PartNumber`` and title as ``part``, as
  MARC 245 ``$a $n $p`` has it.  Every other title type (abbreviated, distributor's,
  original language...) is a ``title_variants`` entry; 2.1's product-level
  ``DistinctiveTitle`` is the title when no ``Title`` gives one.
- **Contributors.** In ``SequenceNumber`` order: ``KeyNames`` and ``NamesBeforeKey``
  (with ``PrefixToKey``: "Gogh, Vincent van"), else ``PersonNameInverted``, else
  ``PersonName`` split at its last space; ``CorporateName`` as an organisation.  Roles
  (list 17) in MARC's relator words (A01 author, B01 editor, B06 translator, A12
  illustrator; the rest in EDItEUR's words), several joined by "; "; ISNI and ORCID name
  identifiers by scheme, the others ``local``; ``ProfessionalAffiliation`` as
  affiliations.
- **Publisher and place.** The publisher is the ``PublisherName`` of the
  ``PublishingRole`` 01 publisher; the imprint (``ImprintName``) only when no publisher
  is named, because the record has one publisher and the imprint is a brand of it.  A
  2.1 ``NameCodeValue`` is a code, not a name, and is not read as one.  Every
  ``CityOfPublication`` is a place, the first ``place``.
- **Date.** ``PublishingDate`` with ``PublishingDateRole`` 01 (3.0), ``PublicationDate``
  (2.1), read by its ``dateformat`` (attribute or ``DateFormat``, list 55): YYYYMMDD,
  YYYYMM, YYYY, a week, quarter or season by its year, a range by its start, a date and
  time by its day; Hijri dates are not Gregorian and are not read.
- **Edition, language, extent.** ``EditionStatement``, else ``EditionNumber`` ("2nd
  edition"); ``Language`` with ``LanguageRole`` 01 (and 2.1's ``LanguageOfText``).  A page
  count (``ExtentType`` 00, 11, 05, 06, 07, 08 or 10, in pages; 2.1's ``NumberOfPages``)
  is ``page_count`` and the ``extent`` ("xii, 256 pages" with 2.1's ``PagesRoman``);
  without one, a duration (09, 14, 16: "345 minutes", "3 h 45 min") is the ``extent``.
- **Subjects.** ``Subject`` (main subjects first) and 2.1's ``MainSubject``,
  ``BASICMainSubject`` and ``BICMainSubject``: the heading text, else the code, with the
  scheme (list 27) as a lower-case word: ``bisac``, ``thema`` (93-99), ``bic`` (12-17),
  ``keywords`` (split at ";"), ``lcsh``, ``ddc``...
- **Abstract.** The description (3.0 ``TextContent`` type 03, else 30, else 02; 2.1
  ``OtherText`` type 01, else 03, else 02) as plain text.
- **Series.** ``Collection`` (3.0) and ``Series`` (2.1): the collection's title, its
  ``PartNumber`` (or ``CollectionSequenceNumber``, or ``NumberWithinSeries``) and ISSN.
- **Related products.** ``ProductRelationCode`` (``RelationCode`` in 2.1), list 51: 06
  alternative format, 13 e-publication based on a print product, 27 electronic version,
  16 and 17 print on demand, 20 and 21 prebound are ``other_format`` relations naming
  the related product by its ISBN (or DOI, GTIN; never by a proprietary number), so a
  publisher's print and e-book link as a MARC 776 links them; 01 includes and 02 is part
  of are ``has_part`` and ``part_of``; replacements, special and later editions,
  translations ``other_edition``; a facsimile ``reproduction_of`` its original,
  adaptations ``related``; products offered
  alongside (same author, similar, same collection) are marketing, not bibliography, and
  are left out.
- **Chapters.** Each ``ContentItem`` with a title of its own (``ContentDetail`` in 3.0)
  is a ``book_chapter`` whose host is the product (its id, title and ISBNs, with the
  ``PageRun`` pages), keyed ``<product source id>#content-<n>`` as the MARC 505 parts
  are, with its own contributors, subjects, DOI and number of pages.

Defects.  A product that cannot be keyed, has no title, or must not be loaded is
quarantined with the reason.  One that describes a book well but gets a field wrong
lands without that field, and the log says what was left out (event ``onix.defect``): a
page count in another unit than pages (onixcheck's invalid Google sample gives one in
hours), a duration in pages, a publication date its format does not allow, no
``ProductForm``.  What the mapping does not read is never checked: a header without a
sender, a currency code of four letters, a territory that names both regions and
countries.

Not read: supply, prices, sales rights and territories, audiences, biographical notes,
prizes, cover images and other resources, ``EditionType`` codes, the header.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import IO, cast

from stdnum import ean as stdnum_ean
from stdnum import isni as stdnum_isni

from unioncat import contracts
from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import Frame, register_framer
from unioncat.framing.stream import HeadStream
from unioncat.framing.xml import XmlRecords, looks_like_xml, xml_root
from unioncat.identifiers import doi, isbn, ismn, issn, lccn, oclc, orcid
from unioncat.ids import mint_id, mint_part_id
from unioncat.log import event
from unioncat.normalize.base import register
from unioncat.normalize.citation import date_of, person, split_list
from unioncat.normalize.languages import language_codes
from unioncat.normalize.onix_codes import (
    EPUB_TYPES,
    EXTENT_UNITS,
    FORM_CLASSES,
    FORM_DETAILS,
    FORM_TYPES,
    NAME_ID_TYPES,
    NOTIFICATIONS,
    PRODUCT_FORMS,
    PRODUCT_ID_TYPES,
    RELATIONS,
    ROLES,
    SHORT_TAGS,
    subject_scheme,
)
from unioncat.normalize.xml_util import Element, clean_text, localname, parse, text_of
from unioncat.schemas.record import (
    Contributor,
    Host,
    Identifier,
    Part,
    Record,
    Relation,
    Series,
    Subject,
)

REFERENCE_NAMESPACES = (
    "http://www.editeur.org/onix/2.1/reference",
    "http://ns.editeur.org/onix/3.0/reference",
    "http://ns.editeur.org/onix/3.1/reference",
)
SHORT_NAMESPACES = (
    "http://www.editeur.org/onix/2.1/short",
    "http://ns.editeur.org/onix/3.0/short",
    "http://ns.editeur.org/onix/3.1/short",
)
_EXPECT = (
    "an ONIX for Books file is one <ONIXMessage> of <Product> elements (<ONIXmessage> and "
    "<product> in short tags), in no namespace or in EDItEUR's 2.1, 3.0 or 3.1 namespace"
)
_HEAD_KEPT = 4096  # what the error frame of a file that is no ONIX message keeps


def _products(product: str, message: str, namespaces: tuple[str, ...]) -> XmlRecords:
    return XmlRecords(
        targets=frozenset({product, *(f"{{{ns}}}{product}" for ns in namespaces)}),
        local=product,
        label=f"ONIX <{product}>",
        expect=_EXPECT,
        containers=frozenset({(message, None), *((message, ns) for ns in namespaces)}),
    )


REFERENCE_PRODUCTS = _products("Product", "ONIXMessage", REFERENCE_NAMESPACES)
SHORT_PRODUCTS = _products("product", "ONIXmessage", SHORT_NAMESPACES)
# a message, or a product sent alone, in either tag set
_BY_ROOT = {
    "ONIXMessage": REFERENCE_PRODUCTS,
    "Product": REFERENCE_PRODUCTS,
    "ONIXmessage": SHORT_PRODUCTS,
    "product": SHORT_PRODUCTS,
}


@register_framer(
    "onix-xml",
    sniff=looks_like_xml,
    description="ONIX for Books messages (2.1, 3.0, 3.1; reference or short tags)",
)
def frame_onix(stream: IO[bytes]) -> Iterator[Frame]:
    """One frame per product; the tag set (reference or short) is the root's, so that a
    product broken mid-file is looked for under the one name the file uses."""
    ahead = stream if isinstance(stream, HeadStream) else HeadStream(stream)
    root = xml_root(ahead.head)
    spec = _BY_ROOT.get(root[0]) if root is not None else None
    if spec is None and ahead.fault is not None:
        spec = REFERENCE_PRODUCTS  # a damaged gzip stream: the XML framer says where
    if spec is None:
        empty = not ahead.head.strip(b" \t\r\n\xef\xbb\xbf")
        yield Frame(ahead.head[:_HEAD_KEPT], 0, error=_not_a_message(root, empty))
        return
    yield from spec(cast(IO[bytes], ahead))


def _not_a_message(root: tuple[str, str | None] | None, empty: bool = False) -> str:
    if empty:
        return f"not an ONIX message: the file is empty; {_EXPECT}"
    if root is None:
        return f"not an ONIX message: the file holds no XML element; {_EXPECT}"
    name, namespace = root
    where = f"in namespace '{namespace}'" if namespace else "in no namespace"
    hint = ""
    for right in ("ONIXMessage", "ONIXmessage"):
        if SequenceMatcher(None, name.casefold(), right.casefold()).ratio() >= 0.85:
            hint = f" (a misspelt <{right}>? element names are case-sensitive: correct it)"
            break
    return f"not an ONIX message: the root element is <{name}> {where}{hint}; {_EXPECT}"


# -- reading ---------------------------------------------------------------------------------

_NOT_CODE = re.compile(r"[^0-9A-Za-z]")
_DIGITS = re.compile(r"\d+")
# where a title element sits, from the outermost collection to the product (list 149);
# 01 (product) and 04 (content item) are the item's own title
_LEVEL_ORDER = {"07": 0, "05": 1, "02": 2, "03": 3, "06": 4}
_OWN_LEVELS = frozenset({"01", "04", ""})
_PAGE_EXTENTS = ("00", "11", "05", "06", "07", "08", "10")  # the page count, best first
_DURATION_EXTENTS = ("09", "14", "16")
_TIME_UNITS = {"04": "hours", "05": "minutes", "06": "seconds"}
_CLOCK_UNITS = frozenset({"14", "15", "16"})  # HHH, HHHMM, HHHMMSS
_HIJRI = frozenset({"20", "21", "25", "32"})
_DATE_LENGTH = {"00": 8, "06": 8, "13": 8, "14": 8, "01": 6, "07": 6}
_YEAR_ONLY = frozenset({"02", "03", "04", "05", "08", "09", "10", "11"})
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "dd", "dt"})


def _in_reference_names(root: Element) -> Element:
    """The tree with every ONIX element under its reference name and in no namespace."""
    for el in root.iter():
        if isinstance(el.tag, str):
            name = localname(el)
            el.tag = SHORT_TAGS.get(name, name)
    return root


def _text(el: Element | None, path: str) -> str | None:
    return text_of(el.find(path)) if el is not None else None


def _code(el: Element | None) -> str:
    """A code as the code list writes it: stray characters (a zero-width space after
    "16", say) dropped, upper case."""
    if el is None or el.text is None:
        return ""
    return _NOT_CODE.sub("", el.text).upper()


def _codes(el: Element, path: str) -> list[str]:
    return [c for c in (_code(e) for e in el.iterfind(path)) if c]


def _block(product: Element, name: str) -> Element:
    """A 3.0 block (``DescriptiveDetail``...), or the product itself, where 2.1 keeps
    the same elements."""
    found = product.find(name)
    return product if found is None else found


@dataclass(slots=True)
class _Title:
    title: str
    nonfiling: int = 0
    subtitle: str | None = None
    part: Part | None = None


def _element_title(el: Element) -> tuple[str | None, int]:
    """The text of a title element (3.0 ``TitleElement``, 2.1 ``Title``) and the length
    of its prefix to skip in sorting."""
    text = _text(el, "TitleText")
    if text:
        return text, 0
    prefix, rest = _text(el, "TitlePrefix"), _text(el, "TitleWithoutPrefix")
    if prefix and rest:
        return f"{prefix} {rest}", len(prefix) + 1
    return rest, 0


def _level(el: Element) -> str:
    return _code(el.find("TitleElementLevel"))


def _title_detail(detail: Element) -> _Title | None:
    """A 3.0 ``TitleDetail``, or a 2.1 ``Title`` (one element, the product's own)."""
    elements = list(detail.iterfind("TitleElement")) or [detail]
    own = [e for e in elements if _level(e) in _OWN_LEVELS]
    upper = sorted(
        (e for e in elements if _level(e) not in _OWN_LEVELS),
        key=lambda e: _LEVEL_ORDER.get(_level(e), 9),
    )
    mine = own[0] if own else None
    mine_text, mine_skip = _element_title(mine) if mine is not None else (None, 0)
    number = _text(mine, "PartNumber") if mine is not None else None
    titled_upper = [(e, *_element_title(e)) for e in upper]
    titled_upper = [t for t in titled_upper if t[1]]
    if titled_upper:
        top, top_text, top_skip = titled_upper[0]
        if number is None:
            number = next((n for e in reversed(upper) if (n := _text(e, "PartNumber"))), None)
        part = Part(number=number, name=mine_text) if number or mine_text else None
        subtitle = _text(mine, "Subtitle") if mine is not None else None
        return _Title(str(top_text), top_skip, subtitle or _text(top, "Subtitle"), part)
    if not mine_text:
        return None
    return _Title(
        mine_text,
        mine_skip,
        _text(mine, "Subtitle"),
        Part(number=number) if number else None,
    )


def _titles(container: Element) -> tuple[_Title | None, list[str]]:
    """The distinctive title and the other titles (as variants) of a product or a
    content item."""
    main: _Title | None = None
    variants: list[str] = []
    for detail in [*container.iterfind("TitleDetail"), *container.iterfind("Title")]:
        read = _title_detail(detail)
        if read is None:
            continue
        if (_code(detail.find("TitleType")) or "01") == "01" and main is None:
            main = read
        else:
            variants.append(read.title)
    legacy, skip = _element_title(container)  # 2.1 product-level TitlePrefix, TitleWithoutPrefix
    distinctive = _text(container, "DistinctiveTitle") or legacy
    if distinctive and main is None:
        main = _Title(distinctive, skip if distinctive == legacy else 0)
        main.subtitle = _text(container, "Subtitle")
    elif distinctive:
        variants.append(distinctive)
    title = main.title if main else None
    return main, [v for v in dict.fromkeys(variants) if v != title]


# -- identifiers -----------------------------------------------------------------------------


def _named_local(value: str, qualifier: str | None) -> Identifier:
    return Identifier("local", value, qualifier, "valid", value)


_READERS: dict[str, Callable[[str], Identifier | None]] = {
    "05": ismn, "25": ismn, "13": lccn, "23": oclc,
}  # fmt: skip


def _product_id(kind: str, value: str | None, type_name: str | None) -> list[Identifier]:
    """One ``ProductIdentifier`` (list 5) as identifiers; a number its scheme refuses is
    kept with status invalid, as written."""
    if not value:
        return []
    compact = value.replace("-", "").replace(" ", "")
    if kind in ("02", "15", "24"):
        found = isbn(value, qualifier="co-publisher" if kind == "24" else None)
        return [found or Identifier("isbn", compact, None, "invalid", value)]
    if kind == "03":
        status = "valid" if stdnum_ean.is_valid(compact) and len(compact) == 13 else "invalid"
        return [Identifier("ean", compact, None, status, value)]
    if kind in ("06", "26"):
        return [doi(value) or Identifier("doi", value.lower(), None, "invalid", value)]
    if kind in _READERS:
        found = _READERS[kind](value)
        return [found] if found is not None else [_named_local(value, PRODUCT_ID_TYPES[kind])]
    if kind == "22":
        return [Identifier("uri", value, None, "valid", value)]
    return [_named_local(value, type_name or PRODUCT_ID_TYPES.get(kind) or f"onix {kind}")]


def _identifiers(container: Element) -> list[tuple[str, Identifier]]:
    """(ProductIDType, identifier) of every product identifier, each once; the ISBN a
    Bookland GTIN-13 is, when no ISBN is given."""
    out: list[tuple[str, Identifier]] = []
    for el in container.iterfind("ProductIdentifier"):
        kind = _code(el.find("ProductIDType"))
        for ident in _product_id(kind, _text(el, "IDValue"), _text(el, "IDTypeName")):
            out.append((kind, ident))
    for name, kind in (("ISBN", "02"), ("EAN13", "03"), ("DOI", "06")):  # 2.1, deprecated
        for ident in _product_id(kind, _text(container, name), None):
            out.append((kind, ident))
    if not any(i.scheme == "isbn" for _, i in out):
        for _, ident in list(out):
            if ident.scheme == "ean" and ident.status == "valid" and ident.value[:3] in (
                "978", "979",
            ):  # fmt: skip
                found = isbn(ident.value)
                if found is not None:
                    out.append(("03", found))
    seen: set[tuple[str, str, str | None]] = set()
    unique = []
    for kind, ident in out:
        if (ident.scheme, ident.value, ident.qualifier) not in seen:
            seen.add((ident.scheme, ident.value, ident.qualifier))
            unique.append((kind, ident))
    return unique


def _key(ids: list[tuple[str, Identifier]], reference: str | None) -> str | None:
    """The product's own ISBN (ISBN-13 first, then ISBN-10, then a Bookland GTIN-13; a
    co-publisher's ISBN is another publisher's number), else the record reference, else
    any identifier."""
    rank = {"15": 0, "02": 1, "03": 2}
    own = [
        (rank[k], n, i.value)
        for n, (k, i) in enumerate(ids)
        if i.scheme == "isbn" and i.status == "valid" and k in rank
    ]
    if own:
        return min(own)[2]
    if reference:
        return reference
    return next((f"{i.scheme}:{i.value}" for _, i in ids if i.status == "valid"), None)


def _name_ids(el: Element) -> list[Identifier]:
    out: list[Identifier] = []
    for ni in [*el.iterfind("NameIdentifier"), *el.iterfind("PersonNameIdentifier")]:
        kind = _code(ni.find("NameIDType")) or _code(ni.find("PersonNameIDType"))
        value = _text(ni, "IDValue")
        if not value:
            continue
        if kind == "16":
            compact = re.sub(r"[^\dXx]", "", value).upper()
            ok = stdnum_isni.is_valid(compact)
            out.append(Identifier("isni", compact, None, "valid" if ok else "invalid", value))
        elif kind == "21" and (found := orcid(value)) is not None:
            out.append(found)
        else:
            named = _text(ni, "IDTypeName")
            out.append(_named_local(value, named or NAME_ID_TYPES.get(kind) or f"onix {kind}"))
    return out


# -- contributors ----------------------------------------------------------------------------


def _role(codes: list[str]) -> str | None:
    terms = [ROLES.get(c, f"onix role {c}") for c in codes]
    return "; ".join(dict.fromkeys(terms)) or None


def _contributor(el: Element) -> Contributor | None:
    role = _role(_codes(el, "ContributorRole"))
    ids = _name_ids(el)
    places = [
        t
        for a in el.iterfind("ProfessionalAffiliation")
        if (t := _text(a, "Affiliation") or _text(a, "ProfessionalPosition"))
    ]
    corporate = _text(el, "CorporateName")
    if corporate:
        return Contributor(
            name=corporate, role=role, kind="organization", identifiers=ids, affiliations=places
        )
    family = _text(el, "KeyNames")
    found: Contributor | None
    if family:
        given = " ".join(
            p for p in (_text(el, "NamesBeforeKey"), _text(el, "PrefixToKey")) if p
        ) or None  # fmt: skip
        suffix = _text(el, "SuffixToKey")
        name = family + (f", {given}" if given else "") + (f", {suffix}" if suffix else "")
        found = Contributor(name=name, family=family, given=given, role=role)
    elif inverted := _text(el, "PersonNameInverted"):
        found = person(inverted, role=role)
    elif plain := _text(el, "PersonName"):
        found = person(plain, role=role, given_first=True)
    else:
        return None  # an unnamed contributor ("Anonymous", UnnamedPersons)
    if found is not None:
        found.identifiers = ids
        found.affiliations = places
    return found


def _contributors(container: Element) -> list[Contributor]:
    """In ``SequenceNumber`` order; those without one after, as written."""
    ranked = []
    for n, el in enumerate(container.iterfind("Contributor")):
        found = _contributor(el)
        if found is not None:
            sequence = _text(el, "SequenceNumber") or ""
            ranked.append((int(sequence) if sequence.isdigit() else 1 << 30, n, found))
    return [c for _rank, _n, c in sorted(ranked, key=lambda t: (t[0], t[1]))]


# -- form, dates, extent ---------------------------------------------------------------------

_MUSIC = frozenset({"03"})  # list 81: music recording
_SOFTWARE = {"05": "computer_file", "08": "computer_file", "09": "dataset", "33": "dataset"}


def _form(desc: Element) -> tuple[str, str, list[str]]:
    """Type, medium and the evidence for them."""
    form = _code(desc.find("ProductForm"))
    details = _codes(desc, "ProductFormDetail")
    contents = _codes(desc, "PrimaryContentType") + _codes(desc, "ProductContentType")
    rtype, medium = FORM_TYPES.get(form) or FORM_CLASSES.get(form[:1], ("book", "unknown"))
    if rtype == "nonmusical_sound_recording" and _MUSIC & set(contents):
        rtype = "musical_sound_recording"
    if medium == "electronic" and rtype == "book":
        rtype = next((_SOFTWARE[c] for c in contents if c in _SOFTWARE), rtype)
    evidence = []
    if form:
        name = PRODUCT_FORMS.get(form, "not in ONIX code list 150")
        evidence.append(f"onix ProductForm {form} ({name})")
    evidence += [
        f"onix ProductFormDetail {d} ({FORM_DETAILS[d]})" for d in details if d in FORM_DETAILS
    ]
    for epub in _codes(desc, "EpubType"):
        evidence.append(f"onix EpubType {epub} ({EPUB_TYPES.get(epub, 'not in code list 10')})")
    return rtype, medium, evidence


def _iso_date(raw: str | None, fmt: str) -> str | None:
    """A date as its ``dateformat`` (list 55) writes it, in ISO 8601 as far as known."""
    if not raw or fmt in _HIJRI:
        return None
    if fmt == "12":  # a text string
        return date_of(raw)[0]
    digits = "".join(_DIGITS.findall(raw))
    if fmt in _YEAR_ONLY:
        digits = digits[:4]
    elif fmt in _DATE_LENGTH:
        digits = digits[: _DATE_LENGTH[fmt]]
    elif len(digits) not in (4, 6, 8):
        digits = digits[:8]
    if len(digits) not in (4, 6, 8) or not 1000 <= int(digits[:4]) <= 2999:
        return None
    year, month, day = int(digits[:4]), int(digits[4:6] or 1), int(digits[6:8] or 1)
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None  # "20121399" is no day; a part of it would be a guess
    return "-".join(digits[i:j] for i, j in ((0, 4), (4, 6), (6, 8)) if digits[i:j])


def _date_format(date: Element, holder: Element) -> str:
    return _NOT_CODE.sub("", date.get("dateformat") or "") or _code(holder.find("DateFormat"))


def _publication_date(publishing: Element, defects: list[str]) -> str | None:
    found: list[tuple[Element, Element]] = [
        (d.find("Date"), d)
        for d in publishing.iterfind("PublishingDate")
        if _code(d.find("PublishingDateRole")) == "01" and d.find("Date") is not None
    ]
    legacy = publishing.find("PublicationDate")
    if legacy is not None:
        found.append((legacy, publishing))
    for date, holder in found:
        raw = clean_text(date.text)
        value = _iso_date(raw, _date_format(date, holder))
        if value is None and raw:
            defects.append(f"publication date {raw!r} is not a date its format allows")
        if value is not None:
            return value
    return None


def _clock(value: str, unit: str) -> str | None:
    """A duration written HHH, HHHMM or HHHMMSS (list 24: 14, 15, 16) in words."""
    if not value.isdigit():
        return None
    if unit == "14":
        return f"{int(value)} hours"
    digits = value.zfill(5 if unit == "15" else 7)
    rest = digits[-2:] if unit == "15" else digits[-4:]
    words = [f"{int(digits[: -len(rest)])} h", f"{int(rest[:2])} min"]
    if unit == "16":
        words.append(f"{int(rest[2:])} s")
    return " ".join(words)


def _extent(desc: Element, defects: list[str]) -> tuple[int | None, str | None]:
    """The page count and the extent statement."""
    pages: dict[str, int] = {}
    duration: str | None = None
    for el in desc.iterfind("Extent"):
        kind, unit = _code(el.find("ExtentType")), _code(el.find("ExtentUnit"))
        value = _text(el, "ExtentValue") or ""
        if kind in _PAGE_EXTENTS:
            if unit != "03" or not value.isdigit():
                defects.append(
                    f"Extent type {kind} is a page count but gives {value!r} in unit {unit} "
                    f"({EXTENT_UNITS.get(unit, 'not in list 24')}); not read"
                )
            elif kind not in pages:
                pages[kind] = int(value)
        elif kind in _DURATION_EXTENTS and duration is None:
            if unit in _TIME_UNITS and value:
                duration = f"{value} {_TIME_UNITS[unit]}"
            elif unit in _CLOCK_UNITS and (clock := _clock(value, unit)):
                duration = clock
            else:
                defects.append(
                    f"Extent type {kind} is a duration but gives {value!r} in unit {unit} "
                    f"({EXTENT_UNITS.get(unit, 'not in list 24')}); not read"
                )
    count = next((pages[k] for k in _PAGE_EXTENTS if k in pages), None)
    legacy = _text(desc, "NumberOfPages") or _text(desc, "PagesArabic")  # 2.1
    if count is None and legacy and legacy.isdigit():
        count = int(legacy)
    if count is not None:
        roman = _text(desc, "PagesRoman")
        return count, f"{roman}, {count} pages" if roman else f"{count} pages"
    return None, duration


def _ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def _edition(desc: Element) -> str | None:
    statement = _text(desc, "EditionStatement")
    if statement:
        return statement
    number = _text(desc, "EditionNumber")
    return f"{_ordinal(int(number))} edition" if number and number.isdigit() else None


def _languages(desc: Element, product: Element) -> list[str]:
    written = [
        (_text(lang, "LanguageCode") or "").lower()
        for lang in desc.iterfind("Language")
        if _code(lang.find("LanguageRole")) in ("01", "")
    ]
    written += [t.lower() for t in (text_of(e) for e in product.iterfind("LanguageOfText")) if t]
    return language_codes([w for w in written if w])


# -- subjects, texts, series, relations -----------------------------------------------------


def _subject(scheme_code: str, el: Element) -> list[Subject]:
    scheme = subject_scheme(scheme_code, _text(el, "SubjectSchemeName"))
    heading, code = _text(el, "SubjectHeadingText"), _text(el, "SubjectCode")
    if scheme == "keywords" and heading:
        return [Subject(term=t, scheme=scheme) for t in split_list(heading, ";")]
    term = heading or code
    return [Subject(term=term, scheme=scheme)] if term else []


def _subjects(container: Element) -> list[Subject]:
    found: list[tuple[bool, Subject]] = []
    for el in container.iterfind("Subject"):
        main = el.find("MainSubject") is not None
        for s in _subject(_code(el.find("SubjectSchemeIdentifier")), el):
            found.append((not main, s))
    for el in container.iterfind("MainSubject"):  # 2.1's composite
        for s in _subject(_code(el.find("MainSubjectSchemeIdentifier")), el):
            found.append((False, s))
    for name, scheme in (("BASICMainSubject", "10"), ("BICMainSubject", "12")):
        code = _text(container, name)
        if code:
            found.append((False, Subject(term=code, scheme=subject_scheme(scheme, None))))
    found.sort(key=lambda t: t[0])
    unique = dict.fromkeys((s.term, s.scheme) for _, s in found)
    return [Subject(term=t, scheme=s) for t, s in unique]


def _flow_text(el: Element | None) -> str | None:
    """Text with its XHTML paragraphs and breaks kept apart by a space."""
    if el is None:
        return None
    for child in el.iter():
        if isinstance(child.tag, str) and localname(child) in _BLOCK_TAGS:
            child.tail = " " + (child.tail or "")
    return text_of(el)


def _abstract(collateral: Element, product: Element) -> str | None:
    texts: dict[str, str] = {}
    for el in collateral.iterfind("TextContent"):
        kind, text = _code(el.find("TextType")), _flow_text(el.find("Text"))
        if text:
            texts.setdefault(f"3:{kind}", text)
    for el in product.iterfind("OtherText"):
        kind, text = _code(el.find("TextTypeCode")), _flow_text(el.find("Text"))
        if text:
            texts.setdefault(f"2:{kind}", text)
    for key in ("3:03", "3:30", "3:02", "2:01", "2:03", "2:02"):
        if key in texts:
            return texts[key]
    return _flow_text(product.find("MainDescription")) or _flow_text(product.find("Annotation"))


def _issn_of(el: Element, kind_path: str) -> str | None:
    value = _text(el, "IDValue")
    if _code(el.find(kind_path)) in ("02", "38") and value:
        found = issn(value)
        return found.value if found is not None else None
    return None


def _series(desc: Element, product: Element) -> list[Series]:
    out: list[Series] = []
    for coll in desc.iterfind("Collection"):  # 3.0
        details = list(coll.iterfind("TitleDetail"))
        detail = next(
            (d for d in details if (_code(d.find("TitleType")) or "01") == "01"),
            details[0] if details else None,
        )
        if detail is None:
            continue
        parts = [e for e in detail.iterfind("TitleElement") if _level(e) not in ("01", "04")]
        parts.sort(key=lambda e: _LEVEL_ORDER.get(_level(e), 9))
        names = [t for e in parts if (t := _element_title(e)[0])]
        if not names:
            continue
        number = next((n for e in reversed(parts) if (n := _text(e, "PartNumber"))), None)
        if number is None:
            number = next(
                (
                    n
                    for s in coll.iterfind("CollectionSequence")
                    if (n := _text(s, "CollectionSequenceNumber"))
                ),
                None,
            )
        issn_value = next(
            (
                v
                for i in coll.iterfind("CollectionIdentifier")
                if (v := _issn_of(i, "CollectionIDType"))
            ),
            None,
        )
        out.append(Series(title=". ".join(names), number=number, issn=issn_value))
    for ser in product.iterfind("Series"):  # 2.1
        title = _text(ser, "TitleOfSeries") or _text(ser, "Title/TitleText")
        if not title:
            continue
        found = issn(_text(ser, "SeriesISSN") or "")
        issn_value = found.value if found is not None else next(
            (v for i in ser.iterfind("SeriesIdentifier") if (v := _issn_of(i, "SeriesIDType"))),
            None,
        )  # fmt: skip
        out.append(Series(title=title, number=_text(ser, "NumberWithinSeries"), issn=issn_value))
    return out


def _related(product: Element) -> list[tuple[list[str], list[Identifier]]]:
    """Each related product: its relation codes and the identifiers that can link it (a
    sender's proprietary number names nothing another catalog knows)."""
    out = []
    for el in _block(product, "RelatedMaterial").iterfind("RelatedProduct"):
        found = _codes(el, "ProductRelationCode") + _codes(el, "RelationCode")
        ids = [i for _, i in _identifiers(el) if i.scheme != "local"]
        if found and ids:
            out.append((found, ids))
    return out


def _relations(related: list[tuple[list[str], list[Identifier]]], skip: str) -> list[Relation]:
    out = []
    for found, ids in related:
        mapped = [(c, RELATIONS[c]) for c in found if c in RELATIONS and c != skip]
        if mapped:
            code, (kind, words) = mapped[0]
            out.append(Relation(type=kind, identifiers=ids, note=f"onix relation {code} ({words})"))
    return out


# -- records ---------------------------------------------------------------------------------


def _label(ids: list[tuple[str, Identifier]], reference: str | None) -> str:
    own = next((i.value for _, i in ids if i.scheme == "isbn"), None)
    if own and reference and reference != own:
        return f"ONIX product {own} (RecordReference {reference})"
    return f"ONIX product {own or reference or '(no RecordReference)'}"


@register("onix", framers=("onix-xml",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One ONIX product to its record and those of the chapters it lists; a deletion
    notice to a deleted record under the same key."""
    product = _in_reference_names(parse(envelope.payload))
    if product.tag != "Product":
        raise RecordError(f"not an ONIX product: the payload's root element is <{product.tag}>")
    ids = _identifiers(product)
    reference = _text(product, "RecordReference")
    label = _label(ids, reference)
    key = _key(ids, reference)
    if key is None:
        raise RecordError(
            "an ONIX product without a RecordReference or a product identifier: nothing "
            "keys it (every ONIX product must carry its <RecordReference>; ask the sender)"
        )
    notification = _code(product.find("NotificationType"))
    if notification == "05":
        return [contracts.tombstone(envelope, key, _datestamp(product))]
    if notification in ("88", "89"):
        raise RecordError(
            f"{label} is a test record (NotificationType {notification}): ONIX test records "
            "try a feed and are never to be loaded; ask the sender for the real notification"
        )
    if notification and notification not in NOTIFICATIONS:
        raise RecordError(
            f"{label} has NotificationType {notification!r}, not in ONIX code list 1: it "
            "cannot be told whether it is a new record, an update or a deletion"
        )
    defects: list[str] = []
    book = _book(envelope, product, ids, key, label, defects)
    if defects:
        event(
            "onix.defect",
            f"{envelope.source}: {label} landed with defects: {'; '.join(defects)}",
            logging.WARNING,
            source=envelope.source,
            envelope=envelope.envelope_id,
            defects=defects,
        )
    return [book, *_chapters(_block(product, "ContentDetail"), book)]


def _book(
    envelope: RawEnvelope,
    product: Element,
    ids: list[tuple[str, Identifier]],
    key: str,
    label: str,
    defects: list[str],
) -> Record:
    desc = _block(product, "DescriptiveDetail")
    publishing = _block(product, "PublishingDetail")
    title, variants = _titles(desc)
    if title is None:
        raise RecordError(f"{label} without a title: nothing to catalog ({_untitled(product)})")
    rtype, medium, evidence = _form(desc)
    composition = _code(desc.find("ProductComposition"))
    related = _related(product)
    host: Host | None = None
    if rtype == "book" and composition in ("10", "11", "31"):
        rtype = "book_set"
    elif composition in ("20", "30"):
        rtype = "other"  # trade-only material: a dumpbin, a display
    elif composition == "01":
        whole = next((found for codes, found in related if "02" in codes), None)
        if whole is not None:
            host = Host(identifiers=list(whole))
        rtype = "book_chapter" if rtype == "book" else rtype
    date = _publication_date(publishing, defects)
    places = [t for t in (text_of(e) for e in publishing.iterfind("CityOfPublication")) if t]
    page_count, extent = _extent(desc, defects)
    if not _code(desc.find("ProductForm")):
        defects.append("no ProductForm: the medium is unknown")
    return Record(
        id=mint_id(envelope.source, key),
        source=envelope.source,
        source_id=key,
        source_format=envelope.format,
        type=rtype,
        medium=medium,
        medium_evidence=evidence,
        title=title.title,
        title_nonfiling=title.nonfiling,
        subtitle=title.subtitle,
        part=title.part,
        title_variants=variants,
        contributors=_contributors(desc),
        publisher=_publisher(publishing),
        place=places[0] if places else None,
        places=places,
        date=date,
        year=int(date[:4]) if date else None,
        edition=_edition(desc),
        language=_languages(desc, product),
        identifiers=[i for _, i in ids],
        host=host,
        relations=_relations(related, skip="02" if host is not None else ""),
        subjects=_subjects(desc),
        abstract=_abstract(_block(product, "CollateralDetail"), product),
        extent=extent,
        page_count=page_count,
        series=_series(desc, product),
        datestamp=_datestamp(product),
        harvested_at=envelope.fetched_at,
        raw_ref=raw_ref(envelope),
    )


_DATESTAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?)?(Z|[+-]\d{4})?$")


def _datestamp(product: Element) -> str | None:
    """The product's ``datestamp`` (when its record was last changed) in ISO 8601."""
    raw = (product.get("datestamp") or "").strip()
    m = _DATESTAMP.match(raw)
    if m is None:
        return raw or None
    year, month, day, hour, minute, second, zone = m.groups()
    stamp = f"{year}-{month}-{day}"
    if hour:
        stamp += f"T{hour}:{minute}" + (f":{second}" if second else "")
        stamp += "Z" if zone == "Z" else (f"{zone[:3]}:{zone[3:]}" if zone else "")
    return stamp


def _untitled(product: Element) -> str:
    """Why a product has no title, in the words of where ONIX keeps one."""
    notification = _code(product.find("NotificationType"))
    if product.find("DescriptiveDetail") is not None or product.find("Title") is not None:
        return "its TitleDetail (Title in 2.1) gives no TitleText; ask the sender to fill it"
    if notification == "04":
        return (
            "it is a partial update (NotificationType 04) without its DescriptiveDetail "
            "block, and the catalog replaces a record whole: ask the sender for the full record"
        )
    return (
        "it has no DescriptiveDetail block, where ONIX 3.0 gives a product's TitleDetail, "
        "nor a 2.1 Title: ask the sender for the product's descriptive detail"
    )


def _publisher(publishing: Element) -> str | None:
    for el in publishing.iterfind("Publisher"):
        name = _text(el, "PublisherName")
        if name and (_code(el.find("PublishingRole")) or "01") == "01":
            return name
    return (
        _text(publishing, "PublisherName")  # ONIX 2.0, still met in 2.1 feeds
        or _text(publishing, "Imprint/ImprintName")
        or _text(publishing, "ImprintName")
    )


def _text_item_ids(text_item: Element | None) -> list[Identifier]:
    """A content item's own identifiers (list 43): its DOI above all."""
    out: list[Identifier] = []
    for el in text_item.iterfind("TextItemIdentifier") if text_item is not None else []:
        kind, value = _code(el.find("TextItemIDType")), _text(el, "IDValue")
        if not value:
            continue
        if kind == "06":
            out.append(doi(value) or Identifier("doi", value.lower(), None, "invalid", value))
        elif kind == "09":
            out.append(Identifier("pii", value, None, "valid", value))
        elif kind == "15":
            out += _product_id("15", value, None)
        else:
            out.append(_named_local(value, _text(el, "IDTypeName") or f"onix text item {kind}"))
    return out


def _chapters(content: Element, book: Record) -> list[Record]:
    """The content items with a title of their own, as parts of the book."""
    if book.type == "book_chapter":
        return []  # a component's contents are its host's to list
    part_type = "book_chapter" if book.type in ("book", "book_set") else book.type
    isbns = [i for i in book.identifiers if i.scheme == "isbn"]
    parts: list[Record] = []
    for item in content.iterfind("ContentItem"):
        title, variants = _titles(item)
        if title is None:
            continue
        text_item = item.find("TextItem")
        run = text_item.find("PageRun") if text_item is not None else None
        pages = _text(text_item, "NumberOfPages")
        number = _text(item, "ComponentNumber")
        position = len(parts) + 1
        parts.append(
            Record(
                id=mint_part_id(book.id, position),
                source=book.source,
                source_id=f"{book.source_id}#content-{position}",
                source_format=book.source_format,
                type=part_type,
                medium=book.medium,
                medium_evidence=list(book.medium_evidence),
                title=title.title,
                title_nonfiling=title.nonfiling,
                subtitle=title.subtitle,
                part=title.part or (Part(number=number) if number else None),
                title_variants=variants,
                contributors=_contributors(item),
                publisher=book.publisher,
                place=book.place,
                places=list(book.places),
                date=book.date,
                year=book.year,
                language=list(book.language),
                identifiers=_text_item_ids(text_item),
                host=Host(
                    id=book.id,
                    title=book.title,
                    identifiers=[replace(i) for i in isbns],
                    first_page=_text(run, "FirstPageNumber"),
                    last_page=_text(run, "LastPageNumber"),
                ),
                subjects=_subjects(item),
                page_count=int(pages) if pages and pages.isdigit() else None,
                datestamp=book.datestamp,
                harvested_at=book.harvested_at,
                raw_ref=book.raw_ref,
            )
        )
    return parts

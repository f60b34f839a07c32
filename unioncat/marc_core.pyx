# cython: language_level=3
"""The compiled MARC core: the UTF-8 ISO 2709 reader and the subfield helpers the
mapping calls a hundred times a record.

It is a second implementation of :mod:`unioncat.normalize.marc_utf8` and of ``sub``,
``first_sub`` and ``clean`` in :mod:`unioncat.normalize.marc_text`, which stay the
reference and the fallback (a machine with no compiler, ``UNIONCAT_PURE_PYTHON=1``).
It must accept and refuse exactly the records the pure reader does and give fields
the mapping reads the same way: a test maps every shared MARC file through both paths
and compares the records field by field.

The reader walks the leader and directory as C bytes (no Python object per directory
entry), decodes each subfield's bytes once, and indexes fields by tag as it goes.
Fields are :class:`MarcField` objects offering the reader API of
:mod:`unioncat.normalize.marc` with plain attributes instead of pymarc's properties;
subfields stay pymarc ``Subfield`` tuples.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_Append
from cpython.object cimport PyObject
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_New, PyTuple_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_DecodeASCII

import re

cdef extern from *:
    """
    #ifndef UNIONCAT_CORE_SOURCE
    #define UNIONCAT_CORE_SOURCE ""
    #endif
    """
    const char* UNIONCAT_CORE_SOURCE

# the sha256 of the marc_core.pyx this module was compiled from (setup.py defines it),
# so that unioncat.compiled can refuse a core left from an older source
SOURCE_DIGEST = (<bytes>UNIONCAT_CORE_SOURCE).decode("ascii")

cdef object _tuple_new = tuple.__new__
# pymarc's Subfield, imported on the first read so that ``unioncat --version`` (which
# imports this module to say the path works) loads no MARC library
cdef object _Subfield = None
cdef list _NO_FIELDS = []


cdef class MarcField:
    """One field: ``data`` for a control field, indicators and subfields otherwise."""

    cdef public str tag
    cdef public object data
    cdef public str indicator1
    cdef public str indicator2
    cdef public list subfields
    cdef public bint control_field

    def is_control_field(self):
        return self.control_field

    def get_subfields(self, *codes):
        """Values of the subfields ``codes`` in field order, blank ones included (as
        pymarc's ``Field.get_subfields``)."""
        cdef list out = []
        cdef object sf
        if self.control_field or not codes:
            return out
        for sf in self.subfields:
            if <object>PyTuple_GET_ITEM(sf, 0) in codes:
                out.append(<object>PyTuple_GET_ITEM(sf, 1))
        return out

    @property
    def indicators(self):
        if self.control_field:
            return None
        return (self.indicator1, self.indicator2)

    def __repr__(self):
        if self.control_field:
            return f"={self.tag}  {self.data}"
        codes = "".join(f"${sf.code}{sf.value}" for sf in self.subfields)
        return f"={self.tag}  {self.indicator1}{self.indicator2}{codes}"


cdef class MarcRecord:
    """A record whose ``get_fields`` looks tags up in the index built while reading."""

    cdef public str leader
    cdef public list fields
    cdef public int pos
    cdef dict _index

    def get_fields(self, *tags):
        """Fields with these tags, in record order; for one tag the index's own list
        (the mapping only reads it)."""
        cdef PyObject* found
        cdef object tag, only = None
        cdef Py_ssize_t present = 0
        if not tags:
            return self.fields
        if len(tags) == 1:
            found = PyDict_GetItem(self._index, tags[0])
            return <list>found if found is not NULL else _NO_FIELDS
        # most asks for several tags find none or one of them (the fourteen linking
        # entries, the identifying fields): the index answers those without a scan
        for tag in tags:
            found = PyDict_GetItem(self._index, tag)
            if found is not NULL:
                present += 1
                only = <object>found
        if present == 0:
            return []
        if present == 1:
            return list(only)
        wanted = set(tags)
        return [f for f in self.fields if f.tag in wanted]

    def add_field(self, *fields):
        for f in fields:
            self.fields.append(f)
            self._index.setdefault(f.tag, []).append(f)


cdef inline object _fields(record, str tag):
    """``record.get_fields(tag)`` as a C call when the record is the core's own (its
    index's list, which callers only read); any other reader's method otherwise."""
    cdef PyObject* found
    if type(record) is MarcRecord:
        found = PyDict_GetItem((<MarcRecord>record)._index, tag)
        return <list>found if found is not NULL else _NO_FIELDS
    return record.get_fields(tag)


cdef inline bint _digits(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        if p[i] < 48 or p[i] > 57:
            return False
    return True


cdef inline Py_ssize_t _number(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i, v = 0
    for i in range(n):
        v = v * 10 + (p[i] - 48)
    return v


cdef inline bint _ascii(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        if p[i] >= 128:
            return False
    return True


cdef str _BLANK = " "


cdef inline str _plain(object text):
    """``text`` as an exact ``str``: a str subclass (an RDF literal, numpy's str) gives
    its plain text, as the references' string methods would."""
    return <str>text if type(text) is str else str.__str__(text)


def read_utf8(bytes data not None):
    """The record, or ``None`` when only pymarc can say what it holds (the same records
    as :func:`unioncat.normalize.marc_utf8.read_utf8`)."""
    cdef const unsigned char* buf = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef Py_ssize_t size = PyBytes_GET_SIZE(data)
    cdef Py_ssize_t base, end_dir, i, length, start, stop, p, q, field_end
    cdef const unsigned char* entry
    cdef list fields = []
    cdef dict index = {}
    cdef list subfields
    cdef list bucket
    cdef PyObject* found
    cdef MarcField f
    cdef str tag, text, code
    cdef bint control
    global _Subfield
    if _Subfield is None:
        from pymarc import Subfield
        _Subfield = Subfield
    if size < 25 or buf[9] != 97:  # "a": UTF-8
        return None
    if not _ascii(buf, 24) or not _digits(buf, 5) or not _digits(buf + 12, 5):
        return None
    base = _number(buf + 12, 5)
    if base <= 24 or base >= size or _number(buf, 5) > size:
        return None
    end_dir = base - 1
    if not _ascii(buf + 24, end_dir - 24) or (end_dir - 24) % 12:
        return None
    leader = PyUnicode_DecodeASCII(<const char*>buf, 24, NULL)
    for i in range(24, end_dir, 12):
        entry = buf + i
        if not _digits(entry + 3, 9):
            return None
        length = _number(entry + 3, 4)
        start = base + _number(entry + 7, 5)
        # Python's slice data[start : start + length - 1], clamped as slicing clamps
        stop = start + length - 1
        if stop > size:
            stop = size
        if start > size:
            start = size
        if stop < start:
            stop = start
        tag = PyUnicode_DecodeASCII(<const char*>entry, 3, NULL)
        # tag < "010" and tag.isdigit(): 000 to 009
        control = _digits(entry, 3) and entry[0] == 48 and entry[1] == 48
        f = MarcField.__new__(MarcField)
        f.tag = tag
        if control:
            try:
                f.data = PyUnicode_DecodeUTF8(<const char*>buf + start, stop - start, NULL)
            except UnicodeDecodeError:
                return None
            f.indicator1 = ""
            f.indicator2 = ""
            f.subfields = []
            f.control_field = True
        else:
            # the indicators: exactly two ASCII bytes before the first delimiter (or the
            # end); anything else is pymarc's to read
            p = start
            while p < stop and buf[p] != 0x1F:
                p += 1
            if p - start != 2 or not _ascii(buf + start, 2):
                # a multibyte character here would decode to more or fewer than two
                # characters, which the pure reader refuses too; but two bytes that are
                # not valid UTF-8 must also be refused, and are (non-ASCII)
                return None
            f.data = None
            f.indicator1 = _BLANK if buf[start] == 32 else chr(buf[start])
            f.indicator2 = _BLANK if buf[start + 1] == 32 else chr(buf[start + 1])
            f.control_field = False
            subfields = []
            while p < stop:
                p += 1  # past the delimiter
                q = p
                while q < stop and buf[q] != 0x1F:
                    q += 1
                if q > p:
                    if buf[p] >= 128:
                        # a non-ASCII code: pymarc's; invalid UTF-8 here is refused too
                        return None
                    code = chr(buf[p])
                    try:
                        text = PyUnicode_DecodeUTF8(<const char*>buf + p + 1, q - p - 1, NULL)
                    except UnicodeDecodeError:
                        return None
                    subfields.append(_tuple_new(_Subfield, (code, text)))
                p = q
            f.subfields = subfields
        fields.append(f)
        found = PyDict_GetItem(index, tag)
        if found is NULL:
            PyDict_SetItem(index, tag, [f])
        else:
            PyList_Append(<object>found, f)
    if not fields:
        return None
    cdef MarcRecord record = MarcRecord.__new__(MarcRecord)
    record.leader = leader
    record.fields = fields
    record.pos = 0
    record._index = index
    return record


cdef inline list _subfields_of(field):
    """A field's subfields as a list (a pymarc field may hold them in any sequence)."""
    if type(field) is MarcField:
        return (<MarcField>field).subfields
    found = field.subfields
    return found if type(found) is list else list(found)


def sub(field, *codes):
    """Non-blank values of the subfields ``codes``, in field order (``marc_text.sub``)."""
    return _sub(field, codes)


cdef list _sub(field, tuple codes):
    """``sub`` for the core's own callers: a C call, where calling ``sub`` from here
    would go through Python's (a tuple of the codes, the keyword check)."""
    cdef list subfields = _subfields_of(field)
    cdef list out = []
    cdef object sf, code, value
    cdef Py_ssize_t n = len(codes)
    if n == 1:
        code = codes[0]
        for sf in subfields:
            if <object>PyTuple_GET_ITEM(sf, 0) == code:
                value = <object>PyTuple_GET_ITEM(sf, 1)
                if _not_blank(value):
                    out.append(value)
        return out
    for sf in subfields:
        if <object>PyTuple_GET_ITEM(sf, 0) in codes:
            value = <object>PyTuple_GET_ITEM(sf, 1)
            if _not_blank(value):
                out.append(value)
    return out


cdef inline bint _not_blank(str value):
    """``value.strip()`` is not empty, without building the stripped string."""
    cdef Py_UCS4 c
    for c in value:
        if not c.isspace():
            return True
    return False


def first_sub(field, str code):
    return _first_sub(field, code)


cdef object _first_sub(field, str code):
    cdef list vals = _sub(field, (code,))
    return vals[0] if vals else None


cdef str _TRAILING = " /:;,=+"
cdef frozenset _ABBREVIATIONS = frozenset(
    """ed eds inc co ltd pub jr sr st dr mr mrs ms etc al bro cie no nos vol pt pts ser
    rev enl cop ca pp ill col cm mm ff hr min sec izd off bd nr jg hft str éd tip
    ont me del ind pa md vic va vt ga ky wis fla ore mo ala ark kan mex que""".split()
)
cdef object _OLD_CATALOG = re.compile(r"\s*\[from old catalog\]", re.I).sub


cdef inline bint _trailing(Py_UCS4 c) noexcept:
    """One of ``_TRAILING``."""
    return (c == u" " or c == u"/" or c == u":" or c == u";" or c == u"," or c == u"="
            or c == u"+")


def clean(text):
    """``marc_text.clean``: see ``_clean``."""
    return _clean(text)


cdef object _clean(object text):
    """``marc_text.clean``: ISBD punctuation and whitespace off the ends, a final period
    kept only after an initial or abbreviation, unbalanced brackets dropped.

    Most values have nothing to mend but their ends: no whitespace other than single
    spaces, no brackets.  One pass over the characters says so and finds the ends, and
    such a value is cut once; any other takes the reference's steps."""
    cdef str s, t
    cdef Py_ssize_t n, i, start, end
    cdef Py_UCS4 c, before = u"x"
    if text is None:
        return None
    if type(text) is not str:
        if not isinstance(text, str):
            raise TypeError(f"clean() takes text, not {type(text).__name__}")
        text = _plain(text)
    s = <str>text
    n = len(s)
    for c in s:
        if c == u"[" or c == u"]" or (c.isspace() and (c != u" " or before == u" ")):
            return _clean_steps(s)
        before = c
    start = 0
    while start < n and _trailing(s[start]):
        start += 1
    end = n
    while end > start and _trailing(s[end - 1]):
        end -= 1
    t = s if start == 0 and end == n else s[start:end]
    if t.endswith("."):
        t = drop_final_period(drop_final_period(t))
    return t or None


cdef object _clean_steps(str text):
    cdef str t = " ".join(text.split())
    if "old catalog" in t:
        t = _OLD_CATALOG("", t)
    t = t.strip(_TRAILING).strip()
    if t.endswith("."):
        t = drop_final_period(t)
    if "[" in t or "]" in t:
        if t.count("[") != t.count("]"):
            t = t.replace("[", "").replace("]", "").strip(_TRAILING).strip()
        if t.startswith("[") and t.endswith("]") and t.count("[") == 1:
            t = t[1:-1].strip()
    if t.endswith("."):
        t = drop_final_period(t)
    return t or None


cpdef str drop_final_period(str t):
    cdef str last
    cdef Py_ssize_t n = len(t), k
    if n == 0 or t[n - 1] != u"." or (n > 1 and t[n - 2] == u"."):
        return t
    k = n - 1
    while k > 0 and t[k - 1] != u" ":
        k -= 1
    while k < n and (t[k] == u"(" or t[k] == u"["):
        k += 1
    last = t[k:]
    if _initials(last) or last[:-1].lower() in _ABBREVIATIONS:
        return t
    return t[:-1].rstrip(_TRAILING)


cdef inline bint _initials(str last):
    """``(?:[^\\W\\d_]\\.)+`` in full: letters (word characters but digits and the
    underscore), each with its period."""
    cdef Py_ssize_t n = len(last), i
    cdef Py_UCS4 c
    if n == 0 or n % 2:
        return False
    for i in range(0, n, 2):
        c = last[i]
        if last[i + 1] != u"." or not c.isalnum() or c.isdecimal() or c == u"_":
            return False
    return True


def isbn13(str digits not None):
    """The ISBN-13 of an ISBN-10 or -13 written as bare digits (and a final X), ``""``
    when its check digit or length is wrong, None for any other text (python-stdnum,
    the reference, then decides: separators, a lowercase x, Unicode digits).  The same rules as stdnum's ``isbn.validate`` and
    ``to_isbn13``: a 020 gives one or two of these per record, and stdnum's general
    cleaning costs more than the rest of reading the number."""
    cdef Py_ssize_t n = len(digits), i
    cdef Py_UCS4 c, last
    cdef int total = 0, check
    for c in digits:
        if not (u"0" <= c <= u"9" or c == u"X"):
            return None  # not bare digits: separators, a lowercase x, Unicode digits
    if n == 9:
        digits = "0" + digits
        n = 10
    if n != 10 and n != 13:
        return ""
    for i in range(n - 1):
        c = digits[i]
        if c < u"0" or c > u"9":
            return ""
    last = digits[n - 1]
    if n == 10:
        for i in range(9):
            total += (i + 1) * (<int>digits[i] - 48)
        check = total % 11
        if (last != u"X") if check == 10 else (last != <Py_UCS4>(48 + check)):
            return ""
        return "978" + digits[:9] + _ean_check("978" + digits[:9])
    if last < u"0" or last > u"9":
        return ""
    if _ean_check(digits[:12]) != digits[12:]:
        return ""
    if not (digits.startswith("978") or digits.startswith("979")):
        return ""
    return digits


cdef inline bint _isbn_char(Py_UCS4 c) noexcept:
    return u"0" <= c <= u"9" or c == u"-" or c == u" "


cdef inline bint _isbn_end(Py_UCS4 c) noexcept:
    return u"0" <= c <= u"9" or c == u"X" or c == u"x"


cdef inline object _clean_qualifier(str text):
    cdef str q = text.strip(" :;,.()[]").strip()
    return q or None


def isbn_parts(str raw not None, qualifier):
    """See ``_isbn_parts``."""
    return _isbn_parts(raw, qualifier)


cdef object _isbn_parts(str raw, qualifier):
    """What ``identifiers.isbn`` makes of an 020 ``$a`` (the ISBN's digits or value, its
    qualifiers, and whether the check digit holds), or None to leave it to that
    function: text that is not ASCII (Unicode digits and spaces) and text with no ISBN
    in it (a Standard Book Number, or nothing) are rare, and decided there.

    The candidate is the one ``_ISBN_CANDIDATE`` finds: at the leftmost position,
    "97[89]" and 10 to 14 digits, hyphens or spaces (as many as there are), else a
    digit or X, 8 to 12 of them, and a digit or X (the longest that ends in one)."""
    cdef str text = raw.strip()
    cdef Py_ssize_t n, s, k, j, start = -1, end = -1, i, close
    cdef Py_UCS4 c
    if not text.isascii():
        return None
    n = len(text)
    for s in range(n):
        c = text[s]
        if c == u"9" and s + 2 < n and text[s + 1] == u"7" and (
            text[s + 2] == u"8" or text[s + 2] == u"9"
        ):
            k = 0
            while k < 14 and s + 3 + k < n and _isbn_char(text[s + 3 + k]):
                k += 1
            if k >= 10:
                start, end = s, s + 3 + k
                break
        if _isbn_end(c):
            k = 0
            while k < 12 and s + 1 + k < n and _isbn_char(text[s + 1 + k]):
                k += 1
            j = k
            while j >= 8:
                if s + 1 + j < n and _isbn_end(text[s + 1 + j]):
                    break
                j -= 1
            if j >= 8:
                start, end = s, s + 2 + j
                break
    if start < 0:
        return None
    digits = text[start:end].replace("-", "").replace(" ", "").upper()
    if len(digits) == 9:
        digits = "0" + digits
    cdef str rest = (text[:start] + text[end:]).strip()
    cdef list quals = []
    i = rest.find("(")
    while i >= 0:
        close = rest.find(")", i + 1)
        if close < 0:
            break
        q = _clean_qualifier(rest[i + 1 : close])
        if q:
            quals.append(q)
        i = rest.find("(", close + 1)
    if not quals and rest:
        q = _clean_qualifier(rest)
        if q:
            quals.append(q)
    if qualifier:
        quals[:0] = [q for q in (_clean_qualifier(x) for x in qualifier.split(";")) if q]
    value = isbn13(digits)
    if value is None:
        return None  # not bare digits after all: python-stdnum decides
    return (value or digits, "; ".join(dict.fromkeys(quals)) or None, bool(value))


cdef str _ean_check(str body):
    """EAN-13's check digit of twelve digits (weights 1 and 3 from the left)."""
    cdef int total = 0, i
    for i in range(12):
        total += (<int>body[i] - 48) * (3 if i % 2 else 1)
    return chr(48 + (10 - total % 10) % 10)


def subject_terms(field):
    """``marc._subject_terms``: the 6XX heading and its subdivisions joined with " -- "
    (653: each ``$a`` a term of its own)."""
    return _subject_terms(field)


cdef list _subject_terms(field):
    cdef list subfields = _subfields_of(field)
    cdef list heading = [], subdivisions = [], parts, terms
    cdef object sf, code, value
    if field.tag == "653":
        terms = []
        for value in _sub(field, ("a",)):
            value = _clean(value)
            if value:
                terms.append(value)
        return terms
    for sf in subfields:
        code = <object>PyTuple_GET_ITEM(sf, 0)
        value = <object>PyTuple_GET_ITEM(sf, 1)
        if not value or not _not_blank(value) or not code.isalpha() or code == "e":
            continue
        if code in "vxyz":
            subdivisions.append(value)
        else:
            heading.append(value)
    parts = []
    if heading:
        value = _clean(" ".join(heading))
        if value:
            parts.append(value)
    for value in subdivisions:
        value = _clean(value)
        if value:
            parts.append(value)
    if not parts:
        return []
    return [" -- ".join(parts)]


def subjects(record, subject, dict schemes, frozenset ind2_tags):
    """``marc._subjects``: a ``subject(term, scheme)`` for each term of each 6XX field,
    its thesaurus from indicator 2 where the tag has one there, else from ``$2``."""
    cdef list out = []
    cdef list terms
    cdef object f, scheme, term
    cdef str tag
    for f in record.fields:
        tag = f.tag
        if not tag.startswith("6") or f.is_control_field():
            continue
        terms = _subject_terms(f)
        if not terms:
            continue
        scheme = schemes.get(f.indicator2) if tag in ind2_tags else None
        if f.indicator2 == "7" or tag not in ind2_tags:
            scheme = _first_sub(f, "2") or scheme
        for term in terms:
            out.append(subject(term, scheme))
    return out


# ------------------------------------------------------------------- contributors

def contributors(record, script, tuple spec):
    """``marc_names.contributors``: the 1XX and 7XX names as contributors, each once.

    ``spec`` is ``marc_names.CORE_SPEC``: the tags with their kind, name and key codes,
    the classes to make, the relator tables and the expressions, so that the tables stay
    written once, in the pure module."""
    cdef tuple tags = spec[0]
    cdef list out = []
    cdef set seen = set()
    cdef tuple entry, key
    cdef str kind
    cdef bint main
    cdef object f, c
    for entry in tags:
        kind = entry[1]
        main = entry[4]
        for f in _fields(record, entry[0]):
            if not main and _sub(f, ("t",)) and f.indicator2 != "2":
                continue  # names a related work, not one this item contains
            c = _contributor(f, kind, <tuple>entry[2], script, main, spec)
            if c is None:
                continue
            key = (kind, _fold_key(" ".join(_sub(f, <tuple>entry[3]))))
            if key in seen:
                continue
            seen.add(key)
            out.append(c)
    return out


cdef object _contributor(f, str kind, tuple codes, script, bint main, tuple spec):
    cdef object name, personal, family = None, given = None, original = None, pair, value
    cdef list roles, affiliations
    cdef object ind1
    cdef str text
    if not _sub(f, ("a",)):
        return None
    name = _clean(" ".join(_sub(f, codes)))
    if not name:
        return None
    if kind == "person":
        personal = _clean(" ".join(_sub(f, ("a",))))
        ind1 = f.indicator1
        if personal and ind1 == "1" and "," in personal:
            family, _, given = (<str>personal).partition(",")
            family = (<str>family).strip()
            given = (<str>given).strip() or None
        elif personal and ind1 == "0":
            given = personal
    roles = _relator_terms(f, <dict>spec[3], <dict>spec[4], spec[5], <str>spec[8])
    if not roles and main and kind == "person":
        roles = ["author"]
    if script is not None:
        pair = script.pair(f)
        if pair is not None:
            original = _clean(" ".join(_sub(pair, codes)))
    affiliations = []
    for value in _sub(f, ("u",)):
        text = (_clean(value) or "").rstrip(" .,;")
        if text:
            affiliations.append(text)
    # positional, in the fields' order (tests/test_schema.py holds it): a class called
    # with keywords gets them as a dict
    return spec[1](name, family, given, "; ".join(roles) or None, kind,
                   _name_identifiers(f, spec[2], spec[6], spec[7]), original, affiliations)


cdef list _relator_terms(f, dict codes, dict abbreviations, object split, str punctuation):
    cdef dict out = {}
    cdef object raw, part
    cdef str term, code
    for raw in _sub(f, ("e",)):
        for part in split(raw):
            term = (<str>part).strip(punctuation + "[]")
            if term:
                term = abbreviations.get(term.lower(), term)
                out.setdefault(term.lower(), term)
    for raw in _sub(f, ("4",)):
        code = (<str>raw).strip(punctuation).rsplit("/", 1)[-1].lower()
        if code:
            term = codes.get(code, code)
            out.setdefault(term.lower(), term)
    return list(out.values())


cdef list _name_identifiers(f, identifier, orcid_prefix, not_isni):
    cdef list out = []
    cdef object raw
    cdef str text, low
    for raw in _sub(f, ("0", "1")):
        text = (<str>raw).strip()
        low = text.lower()
        if "orcid.org/" in low or low.startswith("(orcid)"):
            value = orcid_prefix("", text.rsplit("/", 1)[-1]).strip()
            out.append(identifier("orcid", value.upper(), None, "valid", raw))
        elif "isni" in low:
            out.append(identifier("isni", not_isni("", text.rsplit("/", 1)[-1].upper()),
                                  None, "valid", raw))
        elif low.startswith("http"):
            out.append(identifier("uri", text, None, "valid", raw))
        elif low.startswith("(uri)"):
            out.append(identifier("uri", text[5:].strip(), None, "valid", raw))
        else:
            out.append(identifier("local", text, None, "valid", raw))
    return out


cpdef str _fold_key(str text):
    """``marc_names._key``: the case-folded words (runs of word characters), one space
    between them."""
    cdef str folded = text.casefold()
    cdef list words = []
    cdef Py_ssize_t i, n = len(folded), start = -1
    cdef Py_UCS4 c
    for i in range(n):
        c = folded[i]
        if c.isalnum() or c == u"_":
            if start < 0:
                start = i
        elif start >= 0:
            words.append(folded[start:i])
            start = -1
    if start >= 0:
        words.append(folded[start:])
    return " ".join(words)


# -------------------------------------------------------------------- identifiers

def identifiers(record, tuple spec):
    """``marc._identifiers``: the record's standard numbers, each (scheme, value,
    status) once, the first qualifier kept.  ``spec`` is ``marc.CORE_IDENTIFIERS``: the
    functions of :mod:`unioncat.identifiers`, the expressions and the dedupe of the
    reference, so that every number's rules stay written once; the ISBN and the LCCN are read by the
    core's own ``_isbn_parts`` and ``_lccn_parts``, which leave what they cannot decide
    to the reference's functions, as ``identifiers.isbn`` and ``lccn`` do."""
    isbn_reference, issn, doi, ismn, lccn_reference, oclc, oclc_prefixed = spec[:7]
    identifier, not_digits, oclc_number_start, oclc_control, unique = spec[7:12]
    cdef list out = []
    cdef object f, raw, qual, ident, found, control, source, code, status
    cdef list quals
    cdef object ind1
    for f in _fields(record, "020"):
        quals = []
        for raw in _sub(f, ("q",)):
            quals.append(_clean(raw) or "")
        qual = "; ".join(quals) or None
        for raw in _sub(f, ("a",)):
            ident = _isbn(raw, qual, "valid", identifier, isbn_reference)
            if ident:
                out.append(ident)
        for raw in _sub(f, ("z",)):
            ident = _isbn(raw, qual, "cancelled", identifier, isbn_reference)
            if ident:
                out.append(ident)
    for f in _fields(record, "022"):
        for raw in _sub(f, ("a",)):
            ident = issn(raw)
            if ident:
                out.append(ident)
        for raw in _sub(f, ("l",)):
            ident = issn(raw, scheme="issn_l")
            if ident:
                out.append(ident)
        for code, status in (("y", "invalid"), ("z", "cancelled")):
            for raw in _sub(f, (code,)):
                ident = issn(raw, status=status)
                if ident:
                    out.append(ident)
    for f in _fields(record, "024"):
        source = (_first_sub(f, "2") or "").lower()
        ind1 = f.indicator1
        for raw in _sub(f, ("a",)):
            found = None
            if ind1 == "7" and source == "doi":
                found = doi(raw)
            elif ind1 == "2":
                found = ismn(raw)
            elif ind1 == "3":
                found = identifier("ean", not_digits("", raw), None, "valid", raw)
            elif ind1 == "7" and (source == "isni" or source == "uri" or source == "urn"):
                found = identifier("uri" if source != "isni" else "isni", (<str>raw).strip(),
                                   None, "valid", raw)
            if found and found.value:
                out.append(found)
    for f in _fields(record, "010"):
        for raw in _sub(f, ("a",)):
            ident = _lccn(raw, "valid", identifier, lccn_reference)
            if ident:
                out.append(ident)
        for raw in _sub(f, ("z",)):
            ident = _lccn(raw, "cancelled", identifier, lccn_reference)
            if ident:
                out.append(ident)
    for f in _fields(record, "035"):
        for raw in _sub(f, ("a",)):
            if oclc_prefixed(raw) or oclc_number_start(raw):
                ident = oclc(raw)
                if ident:
                    out.append(ident)
    control = _control_value(record, "001")
    if control and (
        oclc_control(control) or (_control_value(record, "003") or "").upper() in ("OCOLC", "OCLC")
    ):
        ident = oclc(control)
        if ident:
            out.append(ident)
    for f in _fields(record, "856"):
        for raw in _sub(f, ("u",)):
            if "doi.org/10." in raw:
                ident = doi(raw)
                if ident:
                    out.append(ident)
    return unique(out)


def isbn_identifier(str raw not None, qualifier, str status not None, identifier, reference):
    """``identifiers.isbn`` on the compiled path: see ``_isbn``."""
    return _isbn(raw, qualifier, status, identifier, reference)


def lccn_identifier(raw, str status not None, identifier, reference):
    """``identifiers.lccn`` on the compiled path: see ``_lccn``."""
    return _lccn(raw, status, identifier, reference)


cdef object _isbn(str raw, qualifier, str status, identifier, reference):
    """``identifiers.isbn`` (its compiled form) without the Python call: the reference
    decides what ``_isbn_parts`` leaves to it."""
    cdef object found = _isbn_parts(raw, qualifier)
    if found is None:
        return reference(raw, status=status, qualifier=qualifier)
    value, qual, checks = found
    if not checks and status == "valid":
        status = "invalid"
    return identifier("isbn", value, qual, status, raw)


cdef object _lccn(raw, str status, identifier, reference):
    """``identifiers.lccn`` (its compiled form) without the Python call."""
    if type(raw) is not str:  # a str subclass: the reference's
        return reference(raw, status=status)
    text, stray, form = _lccn_parts(<str>raw)
    if not text:
        return None
    if (stray or not form) and status == "valid":
        status = "invalid"
    return identifier("lccn", text, None, status, raw)


cdef object _control_value(record, str tag):
    """``marc._control``: the first non-empty value of a control field, stripped."""
    cdef object f
    for f in _fields(record, tag):
        if f.data:
            return str(f.data).strip() or None
    return None


cdef tuple _lccn_parts(str raw):
    """What ``identifiers.lccn`` makes of a number: the normalised text (the Library of
    Congress rule: no blanks, cut at a slash, the serial after a hyphen padded to six
    digits, lower case), whether a character outside letters, digits, hyphen and slash
    was dropped, and whether the result has an LCCN's form (up to three letters, then 8
    or 10 digits)."""
    cdef list kept = []
    cdef bint stray = False
    cdef Py_UCS4 c
    cdef str text, left, right
    cdef Py_ssize_t at, n, letters, i
    for c in raw:
        if c.isspace():
            continue
        if (u"a" <= c <= u"z") or (u"A" <= c <= u"Z") or (u"0" <= c <= u"9") or c == u"-" \
                or c == u"/":
            kept.append(c)
        else:
            stray = True
    text = "".join(kept)
    at = text.find("/")
    if at >= 0:
        text = text[:at]
    at = text.find("-")
    if at >= 0:
        left, right = text[:at], text[at + 1:]
        text = left + (right.zfill(6) if right.isdigit() else right)
    text = text.lower()
    n = len(text)
    letters = 0
    while letters < n and u"a" <= text[letters] <= u"z":
        letters += 1
    form = letters <= 3 and (n - letters == 8 or n - letters == 10)
    if form:
        for i in range(letters, n):
            if not (u"0" <= text[i] <= u"9"):
                form = False
                break
    return text, stray, form


# ------------------------------------------------------------------ Arrow columns

cimport cython
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.stdlib cimport free, realloc
from cpython.ref cimport Py_INCREF
from libc.string cimport memcpy

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object text, Py_ssize_t* size) except NULL
    long long PyLong_AsLongLong(object number) except? -1
    bint PyUnicode_CheckExact(object o)
    bint PyLong_CheckExact(object o)
    bint PyList_CheckExact(object o)
    ctypedef struct PyMemberDef:
        int type
        Py_ssize_t offset
    ctypedef struct PyMemberDescrObject:
        PyMemberDef* d_member

cdef int _T_OBJECT_EX = 16  # structmember.h: a __slots__ entry

# The kinds of column ``schemas.generate.arrow_spec`` asks for (by these names, from
# ``ARROW_KINDS``).  OTHER is converted by ``pa.array`` (a timestamp column, a type with
# no builder here), as is any column whose values are not what its kind expects.
cdef enum:
    K_OTHER = 0
    K_STRING = 1
    K_INT64 = 2
    K_BOOL = 3
    K_STRING_LIST = 4
    K_STRUCT = 5
    K_STRUCT_LIST = 6

cdef Py_ssize_t MAX_OFFSET = 2147483647

ARROW_KINDS = {"other": K_OTHER, "string": K_STRING, "int64": K_INT64, "bool": K_BOOL,
               "string_list": K_STRING_LIST, "struct": K_STRUCT, "struct_list": K_STRUCT_LIST}

# pyarrow, imported with the first table: ``unioncat --version`` imports this module
cdef object _pa = None


cdef struct _Buf:
    char* data
    Py_ssize_t size
    Py_ssize_t cap


cdef int _append(_Buf* b, const char* p, Py_ssize_t n) except -1:
    cdef Py_ssize_t need = b.size + n, cap
    cdef char* grown
    if need > b.cap:
        cap = b.cap * 2 if b.cap else 1 << 16
        while cap < need:
            cap *= 2
        grown = <char*>realloc(b.data, cap)
        if grown == NULL:
            raise MemoryError()
        b.data = grown
        b.cap = cap
    memcpy(b.data + b.size, p, n)
    b.size = need
    return 0


cdef class _Validity:
    """A column's validity bitmap, made at its first null (a column with none has no
    bitmap: Arrow reads that as all valid)."""

    cdef Py_ssize_t n
    cdef Py_ssize_t count
    cdef bytearray bits

    cdef void null(self, Py_ssize_t i):
        if self.bits is None:
            self.bits = bytearray(b"\xff") * ((self.n + 7) // 8)
        (<uint8_t*>PyByteArray_AS_STRING(self.bits))[i >> 3] &= <uint8_t>~(1 << (i & 7))
        self.count += 1

    cdef object buffer(self):
        return _pa.py_buffer(self.bits) if self.count else None


cdef inline _Validity _validity(Py_ssize_t n):
    cdef _Validity valid = _Validity.__new__(_Validity)
    valid.n = n
    return valid


@cython.boundscheck(False)
@cython.wraparound(False)
cdef object _strings(list values, object dtype):
    """A string column from str and None values, its UTF-8 copied once into one buffer;
    None when a value is anything else (or the column outgrows 32-bit offsets, or a str
    cannot be encoded): ``pa.array`` then converts it, raising what it raises."""
    cdef Py_ssize_t n = PyList_GET_SIZE(values), i, size
    cdef _Buf data
    cdef bytearray offsets = bytearray((n + 1) * 4)
    cdef int32_t* at = <int32_t*>PyByteArray_AS_STRING(offsets)
    cdef _Validity valid = _validity(n)
    cdef const char* utf8
    cdef object v
    data.data = NULL
    data.size = 0
    data.cap = 0
    at[0] = 0
    try:
        for i in range(n):
            v = <object>PyList_GET_ITEM(values, i)
            if v is None:
                valid.null(i)
            elif PyUnicode_CheckExact(v):
                utf8 = PyUnicode_AsUTF8AndSize(v, &size)
                if data.size + size > MAX_OFFSET:
                    return None
                _append(&data, utf8, size)
            else:
                return None
            at[i + 1] = <int32_t>data.size
        chars = PyBytes_FromStringAndSize(data.data, data.size)
    except UnicodeError:
        return None
    finally:
        free(data.data)
    return _pa.Array.from_buffers(
        dtype, n, [valid.buffer(), _pa.py_buffer(offsets),
                   _pa.py_buffer(chars)], null_count=valid.count)


cdef object _fixed_width(object dtype, Py_ssize_t n, _Validity valid, bytearray values):
    """A column of one buffer of values (integers, bits) and its validity."""
    return _pa.Array.from_buffers(dtype, n, [valid.buffer(), _pa.py_buffer(values)],
                                  null_count=valid.count)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef object _int64s(list values, object dtype):
    """An int64 column from int (not bool) and None values; None for anything else."""
    cdef Py_ssize_t n = PyList_GET_SIZE(values), i
    cdef bytearray out = bytearray(n * 8)
    cdef int64_t* at = <int64_t*>PyByteArray_AS_STRING(out)
    cdef _Validity valid = _validity(n)
    cdef object v
    try:
        for i in range(n):
            v = <object>PyList_GET_ITEM(values, i)
            if v is None:
                valid.null(i)
            elif PyLong_CheckExact(v):
                at[i] = PyLong_AsLongLong(v)
            else:
                return None
    except OverflowError:
        return None
    return _fixed_width(dtype, n, valid, out)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef object _bools(list values, object dtype):
    """A boolean column from True, False and None; None for anything else."""
    cdef Py_ssize_t n = PyList_GET_SIZE(values), i
    cdef bytearray out = bytearray((n + 7) // 8)
    cdef uint8_t* at = <uint8_t*>PyByteArray_AS_STRING(out)
    cdef _Validity valid = _validity(n)
    cdef object v
    for i in range(n):
        v = <object>PyList_GET_ITEM(values, i)
        if v is True:
            at[i >> 3] |= <uint8_t>(1 << (i & 7))
        elif v is None:
            valid.null(i)
        elif v is not False:
            return None
    return _fixed_width(dtype, n, valid, out)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef tuple _lists(list values, bint strict):
    """The items of every list in one flat list, the int32 offsets and the validity of
    each list; None when ``strict`` and a value is not a list (a list of strings
    then goes to ``pa.array`` whole, as the pure path sends it)."""
    cdef Py_ssize_t n = PyList_GET_SIZE(values), i, total = 0
    cdef bytearray offsets = bytearray((n + 1) * 4)
    cdef int32_t* at = <int32_t*>PyByteArray_AS_STRING(offsets)
    cdef _Validity valid = _validity(n)
    cdef list flat = []
    cdef object v
    at[0] = 0
    for i in range(n):
        v = <object>PyList_GET_ITEM(values, i)
        if v is None:
            valid.null(i)
        elif PyList_CheckExact(v) or not strict:
            flat.extend(v)
            total = PyList_GET_SIZE(flat)
            if total > MAX_OFFSET:
                raise OverflowError("a list column holds more than 2**31 items")
        else:
            return None
        at[i + 1] = <int32_t>total
    return flat, offsets, valid


cdef object _structs(list objs, tuple spec, object dtype):
    """A struct column from dataclass objects (None a null struct), child by child."""
    cdef Py_ssize_t n = PyList_GET_SIZE(objs), i
    cdef _Validity valid = _validity(n)
    for i in range(n):
        if <object>PyList_GET_ITEM(objs, i) is None:
            valid.null(i)
    return _pa.Array.from_buffers(
        dtype, n, [valid.buffer()], null_count=valid.count,
        children=_columns(objs, spec))


cdef object _column(list values, int kind, object dtype, object sub):
    cdef object built = None
    cdef tuple layout
    if kind == K_STRING:
        built = _strings(values, dtype)
    elif kind == K_INT64:
        built = _int64s(values, dtype)
    elif kind == K_BOOL:
        built = _bools(values, dtype)
    elif kind == K_STRING_LIST:
        layout = _lists(values, True)
        if layout is not None:
            child = _strings(layout[0], dtype.value_type)
            if child is not None:
                built = _list_array(dtype, len(values), layout, child)
    elif kind == K_STRUCT:
        return _structs(values, sub, dtype)
    elif kind == K_STRUCT_LIST:
        layout = _lists(values, False)
        return _list_array(dtype, len(values), layout,
                           _structs(layout[0], sub, dtype.value_type))
    if built is None:
        return _pa.array(values, type=dtype)
    return built


cdef object _list_array(object dtype, Py_ssize_t n, tuple layout, object child):
    cdef _Validity valid = layout[2]
    return _pa.Array.from_buffers(
        dtype, n, [valid.buffer(), _pa.py_buffer(layout[1])], null_count=valid.count,
        children=[child])


def slot_offsets(cls, tuple names):
    """Where each of ``names`` lives in a ``cls`` object (its ``__slots__`` entries), so
    that ``arrow_columns`` reads a field as a pointer, not through an attribute lookup;
    None when a name is not a slot of ``cls`` itself (the columns are then fetched with
    ``getattr``)."""
    cdef list out = []
    cdef object descr
    for name in names:
        descr = cls.__dict__.get(name)
        if type(descr).__name__ != "member_descriptor" or descr.__objclass__ is not cls:
            return None
        if (<PyMemberDescrObject*>descr).d_member.type != _T_OBJECT_EX:
            return None
        out.append((<PyMemberDescrObject*>descr).d_member.offset)
    return tuple(out)


@cython.boundscheck(False)
@cython.wraparound(False)
cdef list _columns(list objs, tuple spec):
    """Each field's column of the objects (None, a null struct, gives None in each),
    object by object (each one's fields are read while it is in the cache)."""
    cdef object cls = spec[0], fetch = spec[6]
    cdef tuple names = spec[1], offsets = spec[2], kinds = spec[3], dtypes = spec[4]
    cdef tuple subs = spec[5], row
    cdef Py_ssize_t n = PyList_GET_SIZE(objs), width = len(names), i, j
    cdef list columns = [[None] * n for j in range(width)]
    cdef object obj
    for i in range(n):
        obj = <object>PyList_GET_ITEM(objs, i)
        if obj is None:
            continue
        row = _read_fields(obj, cls, offsets, fetch)
        for j in range(width):
            (<list>PyList_GET_ITEM(columns, j))[i] = <object>PyTuple_GET_ITEM(row, j)
    return [_column(<list>columns[j], kinds[j], dtypes[j], subs[j]) for j in range(width)]


cdef tuple _read_fields(obj, cls, tuple offsets, fetch):
    """``fetch(obj)``, the object's fields in a tuple: read at its slots' offsets when
    it is of ``cls`` itself with every slot set (``slot_offsets``), else by the fetch,
    which raises what an unset slot or a missing field raises."""
    cdef Py_ssize_t n, j
    cdef PyObject* slot
    cdef tuple out
    if offsets is None or type(obj) is not cls:
        return fetch(obj)
    n = len(offsets)
    out = PyTuple_New(n)
    for j in range(n):
        slot = (<PyObject**>((<char*><PyObject*>obj) + <Py_ssize_t>offsets[j]))[0]
        if slot == NULL:
            return fetch(obj)
        Py_INCREF(<object>slot)
        PyTuple_SET_ITEM(out, j, <object>slot)
    return out


def arrow_columns(list objs not None, tuple spec not None):
    """``schemas.generate.records_to_table``'s columns: one Arrow array per field of
    ``spec`` (``schemas.generate.arrow_spec``), built from the objects' fields.  Strings,
    integers and booleans are written straight into Arrow buffers, lists and structs as
    offsets and validity over their children: the same arrays ``pa.array`` and the pure
    walks build, without a Python list per child column being converted again."""
    global _pa
    cdef object obj
    if _pa is None:
        import pyarrow
        _pa = pyarrow
    for obj in objs:
        if obj is None:  # a null struct inside a column, never a row: as attrgetter fails
            getattr(obj, spec[1][0])
    return _columns(objs, spec)


# ------------------------------------------------------------------ content hash text

def content_bytes(obj, tuple spec, frozenset exclude):
    """``repr`` of the values of ``schemas.record_to_row(obj)`` whose names are not in
    ``exclude``, as a list, encoded as UTF-8: what a record's content hash is taken of
    (``catalog.records.content_hash``), written from the objects into one buffer
    without making the row's dicts or a string per value.  ``spec`` is
    ``schemas.generate.content_spec()``."""
    cdef tuple names = spec[0], kinds = spec[2], subs = spec[3]
    cdef tuple values = _read_fields(obj, spec[5], spec[6], spec[4])
    cdef Py_ssize_t i
    cdef bint first = True
    cdef _Buf b
    b.data = NULL
    b.size = 0
    b.cap = 0
    try:
        _append(&b, "[", 1)
        for i in range(len(names)):
            if names[i] in exclude:
                continue
            if not first:
                _append(&b, ", ", 2)
            first = False
            _write_value(&b, values[i], kinds[i], subs[i])
        _append(&b, "]", 1)
        return PyBytes_FromStringAndSize(b.data, b.size)
    finally:
        free(b.data)


cdef inline bint _plain_repr(str text):
    """Whether ``repr(text)`` is the text between single quotes: printable ASCII with
    no quote or backslash in it (anything else ``repr`` writes itself)."""
    cdef Py_UCS4 c
    for c in text:
        if c < 0x20 or c > 0x7e or c == u"'" or c == u"\\":
            return False
    return True


cdef int _write_text(_Buf* b, str text) except -1:
    cdef Py_ssize_t size
    cdef const char* utf8 = PyUnicode_AsUTF8AndSize(text, &size)
    _append(b, utf8, size)
    return 0


cdef int _write_repr(_Buf* b, object value) except -1:
    if value is None:
        _append(b, "None", 4)
    elif type(value) is str and _plain_repr(<str>value):
        _append(b, "'", 1)
        _write_text(b, <str>value)
        _append(b, "'", 1)
    else:
        _write_text(b, repr(value))
    return 0


cdef int _write_value(_Buf* b, object value, int kind, object sub) except -1:
    cdef object item
    cdef bint first = True
    if value is None or kind == -1:
        return _write_repr(b, value)
    if kind == 0:  # a struct
        return _write_struct(b, value, <tuple>sub)
    _append(b, "[", 1)
    for item in value:
        if not first:
            _append(b, ", ", 2)
        first = False
        if kind == 2:  # a list of scalars
            _write_repr(b, item)
        else:  # a list of structs
            _write_struct(b, item, <tuple>sub)
    _append(b, "]", 1)
    return 0


cdef int _write_struct(_Buf* b, object obj, tuple spec) except -1:
    """``repr`` of the dict ``schemas.generate._convert`` makes of ``obj``."""
    cdef tuple keys = spec[1], kinds = spec[2], subs = spec[3]
    cdef tuple values = _read_fields(obj, spec[5], spec[6], spec[4])
    cdef Py_ssize_t i
    _append(b, "{", 1)
    for i in range(len(keys)):
        if i:
            _append(b, ", ", 2)
        _write_text(b, <str>keys[i])
        _write_value(b, values[i], kinds[i], subs[i])
    _append(b, "}", 1)
    return 0


# ------------------------------------------------------------------ ISO 2709 framing

from cpython.bytes cimport PyBytes_FromStringAndSize
from libc.string cimport memchr


cdef inline bint _between_records(unsigned char c) noexcept nogil:
    """A byte ``framing.iso2709`` skips between records: a line end, a DOS end of file,
    padding or a record terminator."""
    return c == 0x0D or c == 0x0A or c == 0x1A or c == 0x00 or c == 0x1D


def iso_clean_run(bytearray data not None, Py_ssize_t start, Py_ssize_t most):
    """The records from ``start`` that ``framing.iso2709`` cuts without a doubt, up to
    ``most`` of them, and where the first one not cut starts (``start`` if none).

    Without a doubt means: after the bytes skipped between records, five digits give a
    length of at least 24 that lies inside ``data``, and the first record terminator
    after the leader is the length's last byte.  Anything else (a length that points
    elsewhere, bytes still to be read, a terminator inside the record) stops the run
    and is the pure framer's to decide, with its error frames and its search for the
    next leader."""
    cdef const unsigned char* buf = <const unsigned char*>PyByteArray_AS_STRING(data)
    cdef Py_ssize_t size = len(data), at, length, end
    cdef const void* first
    cdef list out = []
    if start < 0 or start > size:
        return out, start
    while len(out) < most:
        at = start
        while at < size and _between_records(buf[at]):
            at += 1
        if at + 5 > size or not _digits(buf + at, 5):
            break
        length = _number(buf + at, 5)
        end = at + length
        if length < 24 or end > size or buf[end - 1] != 0x1D:
            break
        first = memchr(buf + at, 0x1D, length)
        if first != <const void*>(buf + end - 1):
            break
        out.append(PyBytes_FromStringAndSize(<const char*>buf + at, length))
        start = end
    return out, start


# --------------------------------------------------------------- type and medium

cdef str _data008(record):
    """``marc_medium._data008``: the first 008's data, "" when there is none."""
    cdef list fields = _fields(record, "008")
    if not fields:
        return ""
    data = fields[0].data
    if not data:
        return ""
    return _plain(data)


cdef object _choose(list found, str rtype, dict natural_of):
    cdef object natural, pair
    if not found:
        return None
    natural = natural_of.get(rtype)
    for pair in found:
        if pair[0] == natural:
            return pair[0], [pair[1]]
    return found[0][0], [found[0][1]]


def medium(record, str leader, tuple spec):
    """``marc_medium.medium``: the carrier and the evidence that decided it, trusted in
    the reference's order.  ``spec`` is ``marc_medium.CORE_SPEC``: its tables and
    expressions, written once there."""
    cdef frozenset form_at_29 = spec[0], flat338 = spec[4], flat_classes = spec[10]
    cdef dict forms = spec[1], map007 = spec[2], prefix338 = spec[3], map337 = spec[5]
    cdef dict terms337 = spec[6], natural_of = spec[9]
    cdef tuple list533 = spec[7], extent_terms = spec[12]
    electronic_qualifier, print_qualifier = spec[8], spec[13]
    may_name_carrier, pages, cm = spec[11], spec[14], spec[15]
    cdef str rtype = leader[6:7], data008 = _data008(record), form, code, c, note, low, text
    cdef str unmediated = "print" if rtype in flat_classes else "other"
    cdef Py_ssize_t pos = 29 if rtype in form_at_29 else 23
    cdef list found, codes, terms
    cdef object f, value, choice, start, kind, pattern
    form = data008[pos : pos + 1]
    if form in forms:
        return forms[form], [f"008/{pos}={form}"]
    found = []
    for f in _fields(record, "007"):
        code = (f.data or "")[:1]
        if code in map007:
            found.append((map007[code], f"007/00={code}"))
    choice = _choose(found, rtype, natural_of)
    if choice is not None:
        return choice
    found = []
    for f in _fields(record, "338"):
        for value in f.get_subfields("b"):
            c = (<str>value).strip().lower()
            if len(c) != 2:
                continue
            if c in flat338:
                found.append((unmediated, f"338$b={c}"))
            elif c == "nr":
                found.append(("other", f"338$b={c}"))
            elif c[:1] in prefix338:
                found.append((prefix338[c[:1]], f"338$b={c}"))
    choice = _choose(found, rtype, natural_of)
    if choice is not None:
        return choice
    found = []
    for f in _fields(record, "337"):
        codes = [(<str>value).strip() for value in f.get_subfields("b")]
        terms = [(<str>value).strip().lower() for value in f.get_subfields("a")]
        for c in codes:
            if c in map337:
                found.append((map337[c] if c != "n" else unmediated, f"337$b={c}"))
        if not codes:
            for c in terms:
                if c in terms337:
                    found.append((terms337[c] if c != "unmediated" else unmediated,
                                  f"337$a={c}"))
    choice = _choose(found, rtype, natural_of)
    if choice is not None:
        return choice
    for f in _fields(record, "533"):
        for value in f.get_subfields("a"):
            note = (<str>value).strip().strip(" .:;,").lower()
            for start, kind in list533:
                if note.startswith(start):
                    return kind, [f"533$a={note}"]
    for f in _fields(record, "245"):
        for value in f.get_subfields("h"):
            low = (<str>value).lower()
            if "electronic" in low or "online" in low:
                return "electronic", ["245$h"]
            if "microform" in low or "microfiche" in low or "microfilm" in low:
                return "microform", ["245$h"]
            if "sound recording" in low:
                return "audio", ["245$h"]
            if "videorecording" in low:
                return "video", ["245$h"]
    for f in _fields(record, "020"):
        text = " ".join(f.get_subfields("q", "a"))
        if electronic_qualifier(text):
            return "electronic", ["020$q"]
        if print_qualifier(text):
            return "print", ["020$q"]
    for f in _fields(record, "300"):
        text = " ".join(f.get_subfields("a", "b", "c", "e"))
        low = " ".join(f.get_subfields("a"))
        found = []
        if may_name_carrier(low):
            for pattern, kind in extent_terms:
                if pattern.search(low):
                    found.append((kind, f"300={pattern.pattern}"))
        choice = _choose(found, rtype, natural_of)
        if choice is not None:
            return choice[0], [f"300$a names the carrier ({choice[0]})"]
        if rtype in flat_classes and pages(text) and cm(text):
            return "print", ["300 pages and cm (weaker than the coded fields)"]
    for f in _fields(record, "856"):
        if f.indicator2 == "0":
            return "electronic", ["856 ind2=0"]
    if rtype == "m":
        return "electronic", ["leader/06=m"]
    if rtype in flat_classes and form == " ":
        return "print", [f"008/{pos}=blank"]
    return "unknown", []


def record_type(record, str leader, tuple spec):
    """``marc_medium.record_type``: what the record describes, from leader/06-07 and 19,
    the 008 and the fields that tell a thesis, a conference or an issue apart.
    ``spec`` is ``marc_medium.CORE_TYPE_SPEC``."""
    cdef dict class_types = spec[0]
    cdef frozenset dataset = spec[1], text = spec[2]
    cdef str rtype = leader[6:7], level = leader[7:8], data008 = _data008(record)
    cdef str file_type, contents
    cdef set content
    cdef object f, value
    if rtype in class_types:
        return class_types[rtype]
    if rtype == "m":
        file_type = data008[26:27]
        if file_type == "a":
            return "dataset"
        if file_type == "d":
            return "book"
        content = set()
        for f in _fields(record, "336"):
            for value in f.get_subfields("a", "b"):
                if value and (<str>value).strip():
                    content.add((<str>value).strip().lower())
        if not content.isdisjoint(dataset):
            return "dataset"
        if not content.isdisjoint(text):
            return "book"
        return "computer_file"
    if rtype != "a" and rtype != "t":
        return "other"
    if level == "a":
        return "book_chapter"
    if level == "b":
        return "journal_article"
    if level == "s" or level == "i":
        return "journal"
    if leader[19:20] == "a":
        return "book_set"
    if level == "m":
        for f in _fields(record, "773"):
            if f.get_subfields("x") and f.get_subfields("g"):
                return "journal_issue"
    contents = data008[24:28]
    if "m" in contents or _fields(record, "502"):
        return "thesis"
    if rtype == "t":
        return "manuscript"
    if data008[29:30] == "1" or _fields(record, "111") or _fields(record, "711"):
        return "proceedings"
    if "t" in contents:
        return "report"
    return "book"


# ------------------------------------------------- publication, year and languages

def publication(record, script):
    """``marc._publication``: publisher, places and date of the first statement that
    has any of them (264 with indicator 2 = 1, then 260, then the other 264s, then the
    unlinked 880s)."""
    cdef list candidates = [], places
    cdef object f, value, publisher, date
    cdef list fields264 = _fields(record, "264")
    for f in fields264:
        if f.indicator2 == "1":
            candidates.append(f)
    candidates.extend(_fields(record, "260"))
    for f in fields264:
        if f.indicator2 != "1":
            candidates.append(f)
    if script is not None:
        candidates.extend(script.unlinked("264"))
        candidates.extend(script.unlinked("260"))
    for f in candidates:
        places = []
        for value in _sub(f, ("a",)):
            value = _clean(value)
            if value:
                places.append(value)
        publisher = _clean(_first_sub(f, "b"))
        date = _clean(_first_sub(f, "c"))
        if places or publisher or date:
            return publisher, list(dict.fromkeys(places)), date
    return None, [], None


cdef inline bint _ascii_digit(Py_UCS4 c) noexcept:
    return u"0" <= c <= u"9"


cdef inline bint _year_at(str text, Py_ssize_t i) noexcept:
    """``(1[0-9]{3}|20[0-9]{2})`` matches at ``i`` (the caller leaves four characters)."""
    cdef Py_UCS4 c = text[i]
    if c == u"1":
        return _ascii_digit(text[i + 1]) and _ascii_digit(text[i + 2]) and _ascii_digit(text[i + 3])
    return c == u"2" and text[i + 1] == u"0" and _ascii_digit(text[i + 2]) and _ascii_digit(
        text[i + 3])


def year(record, date):
    """``marc._year``: 008/07-10 when it is a plausible year, else the first year in
    the publication date."""
    cdef str data008 = _control_text(record, "008"), text
    cdef Py_ssize_t i
    if len(data008) >= 11 and _year_at(data008, 7):
        return int(data008[7:11])
    if date:
        text = _plain(date)
        for i in range(len(text) - 3):
            if _year_at(text, i):
                return int(text[i : i + 4])
    return None


cdef inline bint _language_code(str code) noexcept:
    """``[a-z]{3}`` in full."""
    cdef Py_UCS4 c
    if len(code) != 3:
        return False
    for c in code:
        if not (u"a" <= c <= u"z"):
            return False
    return True


def languages(record):
    """``marc._languages``: the 008 language, then every code of the 041 ``$a $d``."""
    cdef str data008 = _control_text(record, "008"), code, text
    cdef list out = []
    cdef object f, raw
    cdef Py_ssize_t i
    code = data008[35:38].strip().lower() if len(data008) >= 38 else ""
    if _language_code(code) and code != "zxx" and code != "und" and code != "mul":
        out.append(code)
    for f in _fields(record, "041"):
        for raw in _sub(f, ("a", "d")):
            text = (<str>raw).strip()
            for i in range(0, len(text) - 2, 3):
                code = text[i : i + 3].lower()
                if _language_code(code):
                    out.append(code)
    return list(dict.fromkeys(out))


cdef str _control_text(record, str tag):
    """``marc._control(record, tag) or ""``."""
    found = _control_value(record, tag)
    if not found:
        return ""
    return _plain(found)

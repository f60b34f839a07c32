"""ONIX for Books code lists and short tags, as far as the ``onix`` mapping reads them.

EDItEUR publishes the code lists (the 3.1 issue keeps every code 2.1 used but a few,
listed here from 2.1's own) and the short tag of every element (the 2.1, 3.0 and 3.1
short-tag schemas); these tables are the parts the mapping needs, in EDItEUR's words
except where unioncat's words are the point: contributor roles in MARC's relator terms,
relations and subject schemes in the record schema's.
"""

from __future__ import annotations


def _table(text: str) -> dict[str, str]:
    """``code name|code name`` lines as a dict."""
    pairs = (entry.split(" ", 1) for entry in text.replace("\n", "|").split("|") if entry)
    return {code: name for code, name in pairs}


# Short tag -> reference name, for every element the mapping reads (2.1, 3.0 and 3.1
# agree on each; MainSubject is a composite in 2.1 and a flag in 3.0, hence two tags).
SHORT_TAGS = _table(
    """
ONIXmessage ONIXMessage|a001 RecordReference|a002 NotificationType|b003 PublicationDate
b004 ISBN|b005 EAN13|b009 DOI|b012 ProductForm|b016 SeriesISSN|b018 TitleOfSeries
b019 NumberWithinSeries|b028 DistinctiveTitle|b029 Subtitle|b030 TitlePrefix
b031 TitleWithoutPrefix|b034 SequenceNumber|b035 ContributorRole|b036 PersonName
b037 PersonNameInverted|b039 NamesBeforeKey|b040 KeyNames|b045 ProfessionalPosition
b046 Affiliation|b047 CorporateName|b057 EditionNumber|b058 EditionStatement
b059 LanguageOfText|b061 NumberOfPages|b064 BASICMainSubject|b065 BICMainSubject
b067 SubjectSchemeIdentifier|b069 SubjectCode|b070 SubjectHeadingText|b079 ImprintName
b081 PublisherName|b171 SubjectSchemeName|b191 MainSubjectSchemeIdentifier
b202 TitleType|b203 TitleText|b209 CityOfPublication|b211 EpubType|b218 ExtentType
b219 ExtentValue|b220 ExtentUnit|b221 ProductIDType|b233 IDTypeName|b244 IDValue
b247 PrefixToKey|b248 SuffixToKey|b252 LanguageCode|b253 LanguageRole|b254 PagesRoman
b255 PagesArabic|b273 SeriesIDType|b285 TextItemIDType|b286 FirstPageNumber
b287 LastPageNumber|b289 ComponentNumber|b291 PublishingRole|b306 Date
b333 ProductFormDetail|b385 ProductContentType|b390 PersonNameIDType
collateraldetail CollateralDetail|collection Collection
collectionidentifier CollectionIdentifier|collectionsequence CollectionSequence
contentdetail ContentDetail|contentitem ContentItem|contributor Contributor
d100 Annotation|d101 MainDescription|d102 TextTypeCode|d104 Text
descriptivedetail DescriptiveDetail|extent Extent|h208 RelationCode|imprint Imprint
j260 DateFormat|language Language|mainsubject MainSubject|nameidentifier NameIdentifier
othertext OtherText|pagerun PageRun|personnameidentifier PersonNameIdentifier
product Product|productidentifier ProductIdentifier
professionalaffiliation ProfessionalAffiliation|publisher Publisher
publishingdate PublishingDate|publishingdetail PublishingDetail
relatedmaterial RelatedMaterial|relatedproduct RelatedProduct|series Series
seriesidentifier SeriesIdentifier|subject Subject|textcontent TextContent
textitem TextItem|textitemidentifier TextItemIdentifier|title Title
titledetail TitleDetail|titleelement TitleElement|x314 ProductComposition
x344 CollectionIDType|x409 TitleElementLevel|x410 PartNumber|x415 NameIDType
x416 PrimaryContentType|x425 MainSubject|x426 TextType|x448 PublishingDateRole
x455 ProductRelationCode|x481 CollectionSequenceNumber
"""
)

# List 150 (ProductForm, 3.x) and the 2.1-only codes of list 7.
PRODUCT_FORMS = _table(
    """
00 Undefined|AA Audio|AB Audio cassette|AC CD-Audio|AD DAT|AE Audio disc|AF Audio tape
AG MiniDisc|AH CD-Extra|AI DVD Audio|AJ Downloadable audio file
AK Pre-recorded digital audio player|AL Pre-recorded SD card|AM LP
AN Downloadable and online / streamed audio file|AO Online / streamed audio file
AZ Other audio format|BA Book|BB Hardback|BC Paperback / softback|BD Loose-leaf
BE Spiral bound|BF Pamphlet|BG Leather / fine binding|BH Board book|BI Rag book
BJ Bath book|BK Novelty book|BL Slide bound|BM Big book|BN Part-work (fascículo)
BO Fold-out book or chart|BP Foam book|BZ Other book format|CA Sheet map
CB Sheet map, folded|CC Sheet map, flat|CD Sheet map, rolled|CE Globe
CZ Other cartographic|DA Digital (on physical carrier)|DB CD-ROM|DC CD-I|DD DVD
DE Game cartridge|DF Diskette|DG Electronic book text|DH Online resource|DI DVD-ROM
DJ Secure Digital (SD) Memory Card|DK Compact Flash Memory Card
DL Memory Stick Memory Card|DM USB Flash Drive|DN Double-sided CD / DVD|DO BR-ROM
DZ Other digital carrier|EA Digital (delivered electronically)
EB Digital download and online / streamed|EC Digital online / streamed
ED Digital download|FA Film or transparency|FB Film|FC Slides|FD OHP transparencies
FE Filmstrip|FF Film|FZ Other film or transparency format|LA Digital product license
LB Digital product license key|LC Digital product license code|MA Microform
MB Microfiche|MC Microfilm|MZ Other microform|PA Miscellaneous print|PB Address book
PC Calendar|PD Cards|PE Copymasters|PF Diary or journal|PG Frieze|PH Kit|PI Sheet music
PJ Postcard book or pack|PK Poster|PL Record book|PM Wallet or folder
PN Pictures or photographs|PO Wallchart|PP Stickers|PQ Plate (lámina)
PR Notebook / blank book|PS Organizer|PT Bookmark|PU Leaflet|PV Book plates
PZ Other printed item|SA Multiple-component retail product
SB Multiple-component retail product, boxed
SC Multiple-component retail product, slip-cased
SD Multiple-component retail product, shrink-wrapped
SE Multiple-component retail product, loose
SF Multiple-component retail product, part(s) enclosed
SG Multiple-component retail product, entirely digital
SH Multiple-component retail product, partly digital|VA Video|VB Video, VHS, PAL
VC Video, VHS, NTSC|VD Video, Betamax, PAL|VE Video, Betamax, NTSC|VF Videodisc
VG Video, VHS, SECAM|VH Video, Betamax, SECAM|VI DVD video|VJ VHS video|VK Betamax video
VL VCD|VM SVCD|VN HD DVD|VO Blu-ray|VP UMD Video|VQ CBHD|VZ Other video format
WW Mixed media product|WX Multiple copy pack|XA Trade-only material|XB Dumpbin - empty
XC Dumpbin - filled|XD Counterpack - empty|XE Counterpack - filled
XF Poster, promotional|XG Shelf strip|XH Window piece|XI Streamer|XJ Spinner - empty
XK Large book display|XL Shrink-wrapped pack|XM Boxed pack
XN Pack (outer packaging unspecified)|XO Spinner - filled
XY Other point of sale - including retail product|XZ Other point of sale
ZA General merchandise|ZB Doll or figure|ZC Soft toy|ZD Toy|ZE Game|ZF T-shirt
ZG E-book reader|ZH Tablet computer|ZI Audiobook player|ZJ Jigsaw|ZK Mug|ZL Tote bag
ZM Tableware|ZN Umbrella|ZO Paints, crayons, pencils|ZP Handicraft kit
ZX Other toy / game accessories|ZY Other apparel|ZZ Other merchandise
"""
)

# List 175 (ProductFormDetail): the file formats of digital and audio products.
FORM_DETAILS = _table(
    """
A101 CD standard audio format|A102 SACD super audio format|A103 MP3 format
A104 WAV format|A105 Real Audio format|A106 WMA|A107 AAC|A108 Ogg/Vorbis|A109 Audible
A110 FLAC|A111 AIFF|A112 ALAC|A113 W3C Audiobook format|E100 Other|E101 EPUB|E102 OEB
E103 DOC|E104 DOCX|E105 HTML|E106 ODF|E107 PDF|E108 PDF/A|E109 RTF|E110 SGML|E111 TCR
E112 TXT|E113 XHTML|E114 zTXT|E115 XPS|E116 Amazon Kindle|E117 BBeB|E118 DXReader
E119 EBL|E120 Ebrary|E121 eReader|E122 Exebook|E123 Franklin eBookman
E124 Gemstar Rocketbook|E125 iSilo|E126 Microsoft Reader|E127 Mobipocket|E128 MyiLibrary
E129 NetLibrary|E130 Plucker|E131 VitalBook|E132 Vook|E133 Google Edition
E134 Book 'app' for iOS|E135 Book 'app' for Android
E136 Book 'app' for other operating system|E139 CEB|E140 CEBX|E141 iBook|E142 ePIB
E143 SCORM|E144 EBP|E145 Page Perfect|E146 BRF|E147 Erudit
E148 Amazon Kindle Print Replica|E149 Comic Book Archive|E150 EPUB/A|E151 eBraille
"""
)

# List 10 (EpubType, 2.1 only).
EPUB_TYPES = _table(
    """
000 Epublication "content package"|001 HTML|002 PDF|003 PDF-Merchant
004 Adobe Ebook Reader|005 Microsoft Reader Level 1/Level 3|006 Microsoft Reader Level 5
007 NetLibrary|008 MetaText|009 MightyWords|010 eReader (AKA Palm Reader)|011 Softbook
012 RocketBook|013 Gemstar REB 1100|014 Gemstar REB 1200|015 Franklin eBookman
016 Books24x7|017 DigitalOwl|018 Handheldmed|019 WizeUp|020 TK3|021 Litraweb
022 MobiPocket|023 Open Ebook|024 Town Compass DataViewer|025 TXT|026 ExeBook
027 Sony BBeB|028 VitalSource Bookshelf|029 EPUB|030 MyiLibrary|031 Kindle
032 Google Edition|033 Vook|034 DXReader|035 EBL|036 Ebrary|037 iSilo|038 Plucker
039 VitalBook|040 Book 'app' for iOS|041 Android 'app'|042 Other 'app'|043 XPS|044 iBook
045 ePIB|046 SCORM|047 EBP|098 Multiple formats|099 Unspecified
"""
)

# List 5 (ProductIDType).
PRODUCT_ID_TYPES = _table(
    """
01 Proprietary product ID scheme|02 ISBN-10|03 GTIN-13|04 UPC|05 ISMN-10|06 DOI|13 LCCN
14 GTIN-14|15 ISBN-13|17 Legal deposit number|22 URN|23 OCLC number
24 Co-publisher's ISBN-13|25 ISMN-13|26 ISBN-A|27 JP e-code|28 OLCC number
29 JP Magazine ID|30 UPC-12+5|31 BNF Control number|34 ISSN-13|35 ARK
36 Digital file internal version number
"""
)

# List 1 (NotificationType): 05 is a deletion, 88 and 89 are test records.
NOTIFICATIONS = frozenset({"01", "02", "03", "04", "05", "08", "09", "88", "89"})

# List 17 (ContributorRole) in MARC's relator terms (the words marc_names and crossref
# give their roles); a role MARC has no term for keeps EDItEUR's words.
ROLES = _table(
    """
A01 author|A02 contributor|A03 screenwriter|A04 librettist|A05 lyricist|A06 composer
A07 artist|A08 photographer|A09 creator|A10 conceptor|A11 designer|A12 illustrator
A13 photographer|A14 author|A15 writer of preface|A16 writer of preface
A17 writer of supplementary textual content|A18 writer of supplementary textual content
A19 author of afterword|A20 annotator|A21 commentator for written text
A22 author of afterword|A23 writer of foreword|A24 author of introduction|A25 annotator
A26 writer of supplementary textual content|A27 contributor|A28 contributor
A29 author of introduction|A30 programmer|A31 librettist|A32 contributor
A33 writer of supplementary textual content|A34 indexer|A35 illustrator
A36 cover designer|A37 contributor|A38 author|A39 cartographer|A40 colorist
A41 paper engineer|A42 author|A43 interviewer|A44 interviewee|A45 author|A46 inker
A47 colorist|A48 letterer|A49 inker|A50 colorist|A51 researcher|A52 designer
A56 cover designer|A99 creator|B01 editor|B02 editor|B03 adapter|B04 abridger
B05 adapter|B06 translator|B07 contributor|B08 translator|B09 series editor
B10 editor; translator|B11 editor|B12 editor|B13 editor|B14 editor|B15 editor
B16 editor|B17 founder|B18 editor|B19 editor|B20 consultant|B21 editor|B22 adapter
B23 rapporteur|B24 editor|B25 arranger|B26 editor|B27 thesis advisor
B28 thesis examiner|B29 editor|B30 consultant|B31 editor|B32 translator
B33 transcriber|B34 contributor|B35 contributor|B36 editor|B99 adapter|C01 compiler
C02 compiler|C03 compiler|C04 curator|C99 compiler|D01 producer|D02 director
D03 conductor|D04 choreographer|D99 director|E01 actor|E02 dancer|E03 narrator
E04 commentator|E05 singer|E06 instrumentalist|E07 narrator|E08 performer|E09 speaker
E10 presenter|E11 narrator|E99 performer|F01 cinematographer|F02 film editor
F99 contributor|Z01 contributor|Z02 dedicatee|Z03 enacting jurisdiction|Z04 reviewer
Z05 author|Z06 contributor|Z98 contributor|Z99 other
"""
)

# List 51 (ProductRelationCode, RelationCode in 2.1) -> (relation type, EDItEUR's words).
# The relations that name what a product is offered alongside (same author, similar,
# same collection, companion, ancillary, remainders) are marketing and are not here.
RELATIONS: dict[str, tuple[str, str]] = {
    "01": ("has_part", "Includes"),
    "02": ("part_of", "Is part of"),
    "03": ("other_edition", "Replaces"),
    "05": ("other_edition", "Replaced by"),
    "06": ("other_format", "Alternative format"),
    "11": ("other_edition", "Is other-language version of"),
    "13": ("other_format", "Epublication based on (print product)"),
    "16": ("other_format", "POD replacement for"),
    "17": ("other_format", "Replaced by POD"),
    "18": ("other_edition", "Is special edition of"),
    "19": ("other_edition", "Has special edition"),
    "20": ("other_format", "Is prebound edition of"),
    "21": ("other_format", "Is original of prebound edition"),
    "24": ("reproduction_of", "Is facsimile of"),
    "25": ("related", "Is original of facsimile"),
    "27": ("other_format", "Electronic version available as"),
    "28": ("other_edition", "Enhanced version available as"),
    "29": ("other_edition", "Basic version available as"),
    "42": ("other_edition", "Is later edition of first edition"),
    "43": ("related", "Adapted from"),
    "44": ("related", "Adapted as"),
}

# List 27 (SubjectSchemeIdentifier; 2.1's list 26 is its first part) as lower-case words.
# A scheme's qualifiers share its word: Thema's (94-99) and BIC's (13-17) codes are
# distinct from its subject codes.
_SUBJECT_SCHEMES = _table(
    """
01 ddc|02 ddc-abridged|03 lcc|04 lcsh|05 nlm|06 mesh|07 nal|08 aat|09 udc|10 bisac
11 bisac-regional|12 bic|13 bic|14 bic|15 bic|16 bic|17 bic|18 dnb-ddc|19 lc-fiction-genre
20 keywords|21 bic-children|22 bisac-merchandising|23 publisher|25 tabla-isbn|26 wgs
27 swd|28 electre|29 clil|30 dnb-sachgruppen|31 nugi|32 nur|33 ecpa|34 siso|35 kdc
36 ddc-deutsch|37 bokgrupper|38 varegrupper|46 norsk-ddk|48 sab|61 jel|62 csh|63 rvm
64 ysa|66 ykl|71 yso|74 sears|88 clc|91 gnd|93 thema|94 thema|95 thema|96 thema
97 thema|98 thema|99 thema|A5 rameau|A8 lcshac|B2 keywords|B6 fast
"""
)


def subject_scheme(code: str, name: str | None) -> str | None:
    """The scheme word of a subject; a proprietary scheme (24) or one not listed here goes
    by the ``SubjectSchemeName`` the sender gave it."""
    if code in _SUBJECT_SCHEMES:
        return _SUBJECT_SCHEMES[code]
    if name:
        return "-".join(name.lower().split())
    return f"onix-{code.lower()}" if code else None


# ProductForm (lists 150 and 7) by its first letter, as (record type, medium), and the
# codes whose type or medium differs from their class's.
FORM_CLASSES = {
    "A": ("nonmusical_sound_recording", "audio"),
    "B": ("book", "print"),
    "C": ("cartographic_material", "print"),
    "D": ("book", "electronic"),
    "E": ("book", "electronic"),
    "F": ("projected_medium", "projected"),
    "L": ("other", "electronic"),
    "M": ("book", "microform"),
    "P": ("other", "print"),
    "S": ("book_set", "unknown"),
    "V": ("projected_medium", "video"),
    "W": ("kit", "unknown"),
    "X": ("other", "other"),
    "Z": ("object", "other"),
}
FORM_TYPES = {
    "CE": ("cartographic_material", "other"),
    "PH": ("kit", "other"),
    "PI": ("notated_music", "print"),
    "PJ": ("still_image", "print"),
    "PK": ("still_image", "print"),
    "PN": ("still_image", "print"),
    "PO": ("still_image", "print"),
    "SG": ("book_set", "electronic"),
}

# List 24 (ExtentUnit), for the log's words about an extent that is not read.
EXTENT_UNITS = {
    "00": "physical pieces", "01": "characters", "02": "words", "03": "pages",
    "04": "hours", "05": "minutes", "06": "seconds", "11": "tracks", "12": "discs",
    "14": "hours HHH", "15": "hours and minutes HHHMM", "16": "hours minutes seconds HHHMMSS",
    "17": "bytes", "18": "kbytes", "19": "mbytes", "31": "chapters",
}  # fmt: skip

# List 44 (NameIDType; 2.1's list 101 agrees): the name identifiers met with persons that
# have no scheme of their own in the record.
NAME_ID_TYPES = {
    "01": "proprietary", "02": "proprietary", "17": "pnd", "18": "naco", "25": "gnd",
    "31": "viaf", "34": "bnf", "38": "idref", "39": "ipi", "40": "ror",
}  # fmt: skip

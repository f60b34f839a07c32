"""Language values as written by repositories -> three-letter MARC (ISO 639-2/B) codes.

OAI-PMH feeds write languages every way there is: ``eng``, ``en``, ``en-US``, ``en_GB``,
``English``, ``deu``.  The unified record keeps the bibliographic codes MARC uses
(``ger``, ``fre``, ``chi``), so two-letter ISO 639-1 codes and the twenty ISO 639-2/T
terminology codes that differ (``deu``, ``fra``, ``zho``...) are turned into their /B
form; a language name is looked up in English (and in the few native spellings met in
repositories).  Anything else three letters long is taken as a code as it is; ``und``,
``zxx`` and ``mul`` say nothing about the item's language and are dropped, as the MARC
mapping drops them from the 008.
"""

from __future__ import annotations

import re

# ISO 639-1 code, ISO 639-2/B code, English name (Library of Congress list).
_TABLE = """
aa aar Afar|ab abk Abkhazian|ae ave Avestan|af afr Afrikaans|ak aka Akan|am amh Amharic
an arg Aragonese|ar ara Arabic|as asm Assamese|av ava Avaric|ay aym Aymara
az aze Azerbaijani|ba bak Bashkir|be bel Belarusian|bg bul Bulgarian|bh bih Bihari
bi bis Bislama|bm bam Bambara|bn ben Bengali|bo tib Tibetan|br bre Breton|bs bos Bosnian
ca cat Catalan|ce che Chechen|ch cha Chamorro|co cos Corsican|cr cre Cree|cs cze Czech
cu chu Church Slavic|cv chv Chuvash|cy wel Welsh|da dan Danish|de ger German
dv div Divehi|dz dzo Dzongkha|ee ewe Ewe|el gre Greek|en eng English|eo epo Esperanto
es spa Spanish|et est Estonian|eu baq Basque|fa per Persian|ff ful Fulah|fi fin Finnish
fj fij Fijian|fo fao Faroese|fr fre French|fy fry Western Frisian|ga gle Irish
gd gla Scottish Gaelic|gl glg Galician|gn grn Guarani|gu guj Gujarati|gv glv Manx
ha hau Hausa|he heb Hebrew|hi hin Hindi|ho hmo Hiri Motu|hr hrv Croatian|ht hat Haitian
hu hun Hungarian|hy arm Armenian|hz her Herero|ia ina Interlingua|id ind Indonesian
ie ile Interlingue|ig ibo Igbo|ii iii Sichuan Yi|ik ipk Inupiaq|io ido Ido
is ice Icelandic|it ita Italian|iu iku Inuktitut|ja jpn Japanese|jv jav Javanese
ka geo Georgian|kg kon Kongo|ki kik Kikuyu|kj kua Kuanyama|kk kaz Kazakh
kl kal Kalaallisut|km khm Khmer|kn kan Kannada|ko kor Korean|kr kau Kanuri
ks kas Kashmiri|ku kur Kurdish|kv kom Komi|kw cor Cornish|ky kir Kyrgyz|la lat Latin
lb ltz Luxembourgish|lg lug Ganda|li lim Limburgish|ln lin Lingala|lo lao Lao
lt lit Lithuanian|lu lub Luba-Katanga|lv lav Latvian|mg mlg Malagasy|mh mah Marshallese
mi mao Maori|mk mac Macedonian|ml mal Malayalam|mn mon Mongolian|mr mar Marathi
ms may Malay|mt mlt Maltese|my bur Burmese|na nau Nauru|nb nob Norwegian Bokmal
nd nde North Ndebele|ne nep Nepali|ng ndo Ndonga|nl dut Dutch|nn nno Norwegian Nynorsk
no nor Norwegian|nr nbl South Ndebele|nv nav Navajo|ny nya Chichewa|oc oci Occitan
oj oji Ojibwa|om orm Oromo|or ori Oriya|os oss Ossetian|pa pan Panjabi|pi pli Pali
pl pol Polish|ps pus Pashto|pt por Portuguese|qu que Quechua|rm roh Romansh|rn run Rundi
ro rum Romanian|ru rus Russian|rw kin Kinyarwanda|sa san Sanskrit|sc srd Sardinian
sd snd Sindhi|se sme Northern Sami|sg sag Sango|si sin Sinhala|sk slo Slovak
sl slv Slovenian|sm smo Samoan|sn sna Shona|so som Somali|sq alb Albanian|sr srp Serbian
ss ssw Swati|st sot Southern Sotho|su sun Sundanese|sv swe Swedish|sw swa Swahili
ta tam Tamil|te tel Telugu|tg tgk Tajik|th tha Thai|ti tir Tigrinya|tk tuk Turkmen
tl tgl Tagalog|tn tsn Tswana|to ton Tonga|tr tur Turkish|ts tso Tsonga|tt tat Tatar
tw twi Twi|ty tah Tahitian|ug uig Uighur|uk ukr Ukrainian|ur urd Urdu|uz uzb Uzbek
ve ven Venda|vi vie Vietnamese|vo vol Volapuk|wa wln Walloon|wo wol Wolof|xh xho Xhosa
yi yid Yiddish|yo yor Yoruba|za zha Zhuang|zh chi Chinese|zu zul Zulu
"""


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for entry in _TABLE.replace("\n", "|").split("|"):
        parts = entry.split(" ", 2)
        if len(parts) == 3:
            rows.append((parts[0], parts[1], parts[2].lower()))
    return rows


_ROWS = _rows()
ALPHA2_TO_B: dict[str, str] = {a2: b for a2, b, _ in _ROWS}
# ISO 639-2 terminology codes whose bibliographic code differs.
T_TO_B: dict[str, str] = {
    "bod": "tib",
    "ces": "cze",
    "cym": "wel",
    "deu": "ger",
    "ell": "gre",
    "eus": "baq",
    "fas": "per",
    "fra": "fre",
    "hye": "arm",
    "isl": "ice",
    "kat": "geo",
    "mkd": "mac",
    "mri": "mao",
    "msa": "may",
    "mya": "bur",
    "nld": "dut",
    "ron": "rum",
    "slk": "slo",
    "sqi": "alb",
    "zho": "chi",
}
NAME_TO_B: dict[str, str] = {name: b for _, b, name in _ROWS}
NAME_TO_B.update(
    {
        "castellano": "spa",
        "deutsch": "ger",
        "español": "spa",
        "espanol": "spa",
        "français": "fre",
        "francais": "fre",
        "italiano": "ita",
        "nederlands": "dut",
        "polski": "pol",
        "português": "por",
        "portugues": "por",
        "русский": "rus",
        "svenska": "swe",
        "中文": "chi",
        "modern greek": "gre",
        "greek, modern": "gre",
        "norwegian bokmål": "nob",
        "persian (farsi)": "per",
    }
)
_NO_LANGUAGE = frozenset({"und", "zxx", "mul", "mis"})
_SPLIT = re.compile(r"\s*[;,/]\s*")


def language_code(raw: str) -> str | None:
    """One language value to its ISO 639-2/B code, or None when it names none we know.

    ``en``, ``EN``, ``en-US``, ``en_GB``, ``eng``, ``English`` all give ``eng``;
    ``de`` and ``deu`` give ``ger``.
    """
    text = " ".join(raw.split()).strip().lower()
    if not text:
        return None
    name = NAME_TO_B.get(text)
    if name:
        return name
    # a BCP 47 / RFC 5646 tag: the primary subtag decides ("en-US", "zh-Hant-TW")
    primary = re.split(r"[-_]", text, maxsplit=1)[0]
    if re.fullmatch(r"[a-z]{2}", primary):
        return ALPHA2_TO_B.get(primary)
    if re.fullmatch(r"[a-z]{3}", primary):
        code = T_TO_B.get(primary, primary)
        return None if code in _NO_LANGUAGE else code
    return None


def language_codes(values: list[str]) -> list[str]:
    """Every language the values name, as codes, each once, in the order written.

    A value may list several ("en; fr", "eng, ger").
    """
    out: list[str] = []
    for value in values:
        code = language_code(value)
        if code:
            out.append(code)
            continue
        for part in _SPLIT.split(value):
            code = language_code(part)
            if code:
                out.append(code)
    return list(dict.fromkeys(out))

"""Bytes to text the way a person would read them: charset labels as mail
clients really write them, 8-bit text that carries no label, and RFC 2047
encoded words.

Labels are looked up in the table of what mail clients mean rather than what
the registry says (``ks_c_5601-1987`` is Windows code page 949,
``iso-8859-1`` is in practice Windows-1252, ``gb2312`` is a subset of
GB 18030 ...), then in Python's codec registry.

Text with no label, or with a label that does not decode it, is tried as
UTF-8 first (valid UTF-8 is almost never anything else), then in the legacy
charsets common in mail, scored by how natural the decoded text looks: one
script per word, no stray symbols or control characters, no case flips inside
a word. That beats a general detector on the short texts mail is made of:
``charset_normalizer`` reads a 50-character German Latin-1 line as
``mac_iceland`` ("Gr¸þe aus dem B¸ro").
"""
from __future__ import annotations

import binascii
import codecs
import re
import unicodedata
from functools import lru_cache

#: Labels whose usual meaning in mail differs from (or is missing in) Python's registry.
_LABELS = {
    # Hebrew "logical" and "explicit" order: the same bytes as ISO 8859-8.
    "iso-8859-8-i": "iso8859-8", "iso-8859-8-e": "iso8859-8", "iso_8859-8-i": "iso8859-8",
    "iso-8859-6-i": "iso8859-6", "iso-8859-6-e": "iso8859-6", "csiso88598i": "iso8859-8", "csiso88598e": "iso8859-8",
    "csiso88596i": "iso8859-6", "csiso88596e": "iso8859-6", "visual": "iso8859-8", "logical": "iso8859-8",
    # Korean, Chinese, Japanese: the Windows supersets every mail client actually writes.
    "ks_c_5601-1987": "cp949", "ks_c_5601-1989": "cp949", "ks_c_5601": "cp949", "ksc5601": "cp949",
    "ksc_5601": "cp949", "euc-kr": "cp949", "x-euc-kr": "cp949", "korean": "cp949", "csksc56011987": "cp949",
    "windows-949": "cp949", "uhc": "cp949", "euc_kr": "cp949", "x-windows-949": "cp949", "cseuckr": "cp949",
    "iso-ir-149": "cp949",
    "gb2312": "gb18030", "gb_2312": "gb18030", "gb_2312-80": "gb18030", "csgb2312": "gb18030", "x-gbk": "gb18030",
    "gbk": "gb18030", "cp936": "gb18030", "windows-936": "gb18030", "euc-cn": "gb18030", "x-euc-cn": "gb18030",
    "cn-gb": "gb18030", "chinese": "gb18030", "iso-ir-58": "gb18030", "hz-gb-2312": "hz", "cp20936": "gb18030",
    "x-cp20936": "gb18030",
    "big5": "big5hkscs", "x-x-big5": "big5hkscs", "cn-big5": "big5hkscs", "csbig5": "big5hkscs",
    "big5-hkscs": "big5hkscs", "cp950": "cp950", "windows-950": "cp950",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "csshiftjis": "cp932", "windows-31j": "cp932", "ms932": "cp932", "cswindows31j": "cp932",
    "x-euc-jp": "euc_jp", "euc-jp": "euc_jp", "cseucpkdfmtjapanese": "euc_jp",
    "cp50220": "iso2022_jp_ext", "cp50221": "iso2022_jp_ext", "x-cp50220": "iso2022_jp_ext",
    "x-cp50221": "iso2022_jp_ext",
    # Thai and the Latin-1 family as Windows code pages (their superset in practice).
    "tis-620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874", "dos-874": "cp874",
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "iso_8859-1": "cp1252", "latin1": "cp1252",
    "latin-1": "cp1252", "l1": "cp1252", "iso-ir-100": "cp1252", "cp819": "cp1252", "ibm819": "cp1252",
    "iso-8859-9": "cp1254", "iso8859-9": "cp1254", "latin5": "cp1254",
    "unicode-1-1-utf-7": "utf-7", "x-unicode-1-1-utf-7": "utf-7", "x-unicode20utf7": "utf-7",
    "utf8": "utf-8", "x-utf-8": "utf-8", "x-utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "unicode11utf8": "utf-8",
    "unicode20utf8": "utf-8", "x-unicode20utf8": "utf-8",
    "koi": "koi8_r", "koi8": "koi8_r", "koi8-ru": "koi8_u", "csisolatin9": "iso8859-15", "latin-9": "iso8859-15",
    "ucs-2": "utf-16", "unicode": "utf-16", "x-user-defined": "cp1252",
    # Classic Mac OS charsets.
    "macintosh": "mac_roman", "mac": "mac_roman", "csmacintosh": "mac_roman", "x-mac-roman": "mac_roman",
    "x-mac-ce": "mac_latin2",
    "x-mac-centraleurroman": "mac_latin2", "x-mac-cyrillic": "mac_cyrillic", "x-mac-ukrainian": "mac_cyrillic",
    "x-mac-greek": "mac_greek", "x-mac-icelandic": "mac_iceland", "x-mac-turkish": "mac_turkish",
    "x-mac-croatian": "mac_croatian", "x-mac-romanian": "mac_romanian", "x-mac-arabic": "mac_arabic",
    "x-mac-japanese": "cp932", "x-mac-chinesetrad": "big5hkscs", "x-mac-chinesesimp": "gb18030",
    "x-mac-korean": "cp949",
    # Labels that say nothing: treated as no label at all.
    "unknown-8bit": "", "unknown": "", "x-unknown": "", "default": "", "charset": "", "8bit": "",
    "none": "", "binary": "",
}

#: Codecs to try when the declared one fails: supersets and siblings.
_RETRY = {
    "euc_jp": ("euc_jis_2004", "cp932"),
    "iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_2", "iso2022_jp_3"),
    "iso2022_jp_ext": ("iso2022_jp_2004", "iso2022_jp_2"),
    "big5hkscs": ("cp950",),
    "cp950": ("big5hkscs",),
    "cp932": ("shift_jis_2004",),
    "cp1252": ("iso8859-1",),
}

#: Tried in this order for text without a (working) label; earlier wins a tie.
_GUESSES = ("cp1252", "iso8859-15", "cp1250", "iso8859-2", "cp1251", "koi8_r", "koi8_u", "cp1253", "cp1254",
            "cp1257", "gb18030", "big5hkscs", "cp932", "euc_jp", "cp949", "cp1255", "cp1256", "cp874", "mac_roman")

#: Decoders that read ASCII bytes as something other than ASCII.
_NOT_ASCII_SAFE = frozenset({"utf-7", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
                             "hz", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004",
                             "iso2022_jp_3", "iso2022_jp_ext", "iso2022_kr"})
_NOT_TEXT = frozenset({"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "mbcs", "oem"})
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_SAMPLE = 2048
#: This many 8-bit bytes in valid UTF-8 are UTF-8, whatever multi-byte charset the label names.
_UTF8_IN_MULTI_BYTE = 8


#: "iso88592", "8859-2", "iso_8859_2": ISO 8859 parts written without the usual hyphens.
_ISO8859 = re.compile(r"(?:iso)?[-_ ]?8859[-_ ]?(\d{1,2})")


@lru_cache(maxsize=256)
def codec_for(label: str) -> str | None:
    """The Python codec for a charset label, or None when the label names no usable charset."""
    label = label.strip().strip("\"'").strip().lower()
    if label in _LABELS:
        return _LABELS[label] or None
    iso8859 = _ISO8859.fullmatch(label)
    for candidate in (label, label.removeprefix("x-"), label.replace("cp-", "cp"), label.replace("windows-", "cp"),
                      f"iso8859-{iso8859.group(1)}" if iso8859 else label):
        try:
            name = codecs.lookup(candidate).name
            _decodes_text(name)
        except (LookupError, ValueError):
            continue
        if name not in _NOT_TEXT:
            return _LABELS.get(name, name) or None
    return None


def _decodes_text(codec: str) -> None:
    """Raises for a codec that is no text encoding (base64, rot13 ...); UTF-16 and UTF-32 only want more bytes."""
    try:
        b"a".decode(codec)
    except UnicodeDecodeError:
        pass


@lru_cache(maxsize=64)
def _single_byte(codec: str) -> bool:
    """One character per byte (Windows-1252, KOI8-R ...), unlike UTF-8, GB 18030, Shift_JIS or UTF-7."""
    if codec in _NOT_ASCII_SAFE:
        return False
    try:
        return len(b"\xc3\xa9\xe4\xb8\xad\x81\x40".decode(codec, "replace")) == 7
    except LookupError:
        return False


def decode(data: bytes, label: str | None, defects: list[str] | None = None, what: str = "body") -> str:
    """``data`` as text: in the labelled charset when it fits, else in the charset it looks like.

    A label that is unknown or does not decode the bytes is noted in ``defects``
    as ``undecodable <what> in '<label>'``. C1 control characters in the result are read as the
    Windows-1252 punctuation they stand for (``_windows_1252_controls``).
    """
    codec = codec_for(label) if label else None
    if (b"\x00" in data or data.startswith(_UTF16_BOMS)) and not (codec or "").startswith(("utf-16", "utf-32")):
        wide = _utf16_unlabelled(data)
        if wide is not None:  # UTF-16 text without a label (or labelled as ASCII or UTF-8): Outlook exports, scanners
            return data[:len(data) - len(data) % 2].decode(wide, "replace").lstrip("\ufeff\ufffe")
    if codec not in _NOT_ASCII_SAFE and data.isascii():
        return data.decode("ascii")
    text = _decode(data, codec, label, defects, what)
    # Where a C1 control can have come from, found in the bytes (faster than looking through the text):
    # "\xc2\x80"-"\xc2\x9f" in UTF-8, a byte 0x80-0x9F read one character per byte.
    if len(text) == len(data):
        possible = len(data.translate(None, _C1_BYTES)) != len(data)
    else:
        possible = _C1_IN_UTF8.search(data) is not None
    return _windows_1252_controls(text) if possible and _C1_CONTROL.search(text) else text


#: C1 control characters that Windows-1252 has a character for (0x81, 0x8D, 0x8F, 0x90, 0x9D it has not).
_C1_CONTROL = re.compile("[\x80\x82-\x8c\x8e\x91-\x9c\x9e\x9f]")
_C1_BYTES = bytes(range(0x80, 0xA0))
_C1_IN_UTF8 = re.compile(b"\xc2[\x80-\x9f]")
_C1_TABLE = {code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0)
             if code not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _windows_1252_controls(text: str) -> str:
    """"\x80" as "€", "\x93" as "“" ...: text in Windows-1252 that a converter took for ISO 8859-1
    (and so turned into UTF-8, or labelled so), which no real text holds as control characters."""
    return text.translate(_C1_TABLE)


def _decode(data: bytes, codec: str | None, label: str | None, defects: list[str] | None, what: str) -> str:
    if codec is None or codec == "ascii":
        if label and codec is None and label.strip().lower() not in _LABELS and defects is not None:
            defects.append(f"undecodable {what} in {label!r}")
        return guess(data)
    if codec != "utf-8" and codec not in _NOT_ASCII_SAFE and _is_utf8(data) \
            and (_single_byte(codec) or len(_NON_ASCII.findall(data, 0, _SAMPLE)) >= _UTF8_IN_MULTI_BYTE):
        # Valid multi-byte UTF-8 is almost never text in a legacy single-byte charset:
        # the label is the usual mistake of a client that sends UTF-8 as "iso-8859-1".
        # GB 2312, Big5 or Shift_JIS text passes for UTF-8 only when very short.
        return data.decode("utf-8")
    if codec.startswith(("utf-16", "utf-32")):
        unit = 2 if codec.startswith("utf-16") else 4
        data = data[:len(data) - len(data) % unit]  # a line break the message added after the text
    for candidate in (codec, *_RETRY.get(codec, ())):
        try:
            text = data.decode(candidate)
        except UnicodeDecodeError:
            continue
        except LookupError:
            break
        if candidate != "utf-7" or _no_surrogates(text):
            return text
    if codec == "utf-7" and data.isascii():
        # One bad "+" sequence (a PGP signature, a pasted key) fails the whole text: decode it line by line,
        # keeping a line that is no UTF-7 as the ASCII it is (a long text in one go, bad sequences replaced).
        if len(data) > _UTF7_BY_LINE:
            return data.decode("utf-7", "replace").encode("utf-8", "replace").decode("utf-8")
        return "\n".join(_utf7_line(line) for line in data.split(b"\n"))
    if defects is not None:
        defects.append(f"undecodable {what} in {label!r}")
    return guess(data, fallback=codec)


#: UTF-7 text up to this size is decoded line by line when it cannot be decoded whole.
_UTF7_BY_LINE = 1_000_000


def _no_surrogates(text: str) -> bool:
    """No half of a UTF-16 surrogate pair, which Python's UTF-7 decoder lets through and no text can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utf7_line(line: bytes) -> str:
    try:
        text = line.decode("utf-7")
    except UnicodeDecodeError:
        return line.decode("ascii")
    return text if _no_surrogates(text) else line.decode("ascii")


_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _utf16_unlabelled(data: bytes) -> str | None:
    """"utf-16-le" or "utf-16-be" when the bytes are UTF-16 by their byte order mark or by their zero
    bytes: in UTF-16 Latin text every other byte is zero, in text of any 8-bit charset none is."""
    if data.startswith(_UTF16_BOMS):
        return "utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
    sample = data[:_SAMPLE]
    half = len(sample) // 2
    if half < 4:
        return None
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd >= half * 0.4 and even <= half * 0.05:
        return "utf-16-le"
    if even >= half * 0.4 and odd <= half * 0.05:
        return "utf-16-be"
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def guess(data: bytes, fallback: str | None = None) -> str:
    """Text from bytes of unknown charset: UTF-8 if valid, else the legacy charset whose reading looks most natural."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    if _is_utf8(data):
        return data.decode("utf-8")
    start = _NON_ASCII.search(data)
    start = max(0, start.start() - 64) if start else 0
    sample = data[start:start + _SAMPLE]
    best, best_score = fallback or "cp1252", None
    for codec in _GUESSES:
        text = _strict_prefix(sample, codec)
        if text is None:
            continue
        score, latin = _unnaturalness(text, codec)
        if best_score is None or score < best_score:
            best, best_score = codec, score
            if score <= 0 and latin:
                break  # natural Western text: the common case, no need to try the rest
    return data.decode(best, "replace")


def _strict_prefix(sample: bytes, codec: str) -> str | None:
    """The sample decoded strictly, forgiving only a character cut off at its end."""
    try:
        return sample.decode(codec)
    except UnicodeDecodeError as exc:
        if len(sample) == _SAMPLE and exc.start >= len(sample) - 4:
            return sample[:exc.start].decode(codec, "replace")
        return None


_WORD = re.compile(r"[^\W\d_]+")
# Non-ASCII punctuation and symbols that real text uses; any other symbol or control
# character in a decoded text is a sign of the wrong charset.
_USUAL_SYMBOLS = frozenset("«»°§©®£¥€·•–—‘’‚“”„…™¿¡½¼¾±×÷\xa0¢²³µ†‰′″№¬º"
                           "、。，．！？：；「」『』（）【】〈〉《》・ー～〜　￥")
_ICELANDIC = frozenset("ðþÐÞýÝ")  # as often Turkish ğ ş ı read as Windows-1252 as real Icelandic
# A symbol stuck to a letter ("S±", "¶wietne") other than quotes, dashes, currency and the like.
_GLUED_SYMBOL = re.compile(r"[^\W\d_][^\w\s\x00-\x7f«»“”„‘’‚…–—€£¥°·•™©®、。，！？：；「」（）]"
                           r"|[^\w\s\x00-\x7f«»“”„‘’‚…–—€£¥°·•™©®、。，！？：；「」（）][^\W\d_]")
_LATIN1_FAMILY = frozenset({"cp1252", "iso8859-15", "iso8859-1"})


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x250 or 0x1E00 <= code < 0x1F00:
        return "latin"
    if 0x370 <= code < 0x400 or 0x1F00 <= code < 0x2000:
        return "greek"
    if 0x400 <= code < 0x530:
        return "cyrillic"
    if 0x590 <= code < 0x600:
        return "hebrew"
    if 0x600 <= code < 0x700:
        return "arabic"
    if 0xE00 <= code < 0xE80:
        return "thai"
    if 0x3040 <= code < 0x3100 or 0xFF66 <= code < 0xFFA0:
        return "kana"
    if 0x3400 <= code < 0xA000 or 0xF900 <= code < 0xFB00 or 0xFF00 <= code < 0xFF66:
        return "han"
    if 0xAC00 <= code < 0xD7B0 or 0x1100 <= code < 0x1200 or 0x3130 <= code < 0x3190:
        return "hangul"
    return "other"


_COMPATIBLE = ({"han", "kana"}, {"han", "hangul"})
_LANGUAGE_SCRIPT = {"cp932": "kana", "euc_jp": "kana", "cp949": "hangul"}


def _unnaturalness(text: str, codec: str) -> tuple[float, bool]:
    """How unlike real writing the text is, per non-ASCII character (0 is natural, below 0 typical of the
    codec's language); and whether its non-ASCII letters are all Latin."""
    bad = 0.0
    non_ascii = 0
    scripts: dict[str, int] = {}
    cases: dict[str, set[bool]] = {}
    for char in text:
        if char < "\x80":
            continue
        non_ascii += 1
        if char.isalpha():
            script = _script(char)
            scripts[script] = scripts.get(script, 0) + 1
            if script in ("cyrillic", "greek"):
                cases.setdefault(script, set()).add(char.isupper())
            if "\uff61" <= char <= "\uff9f":
                bad += 1  # half-width katakana: rare in real mail, common in misread bytes
        elif char not in _USUAL_SYMBOLS:
            category = unicodedata.category(char)
            bad += 2 if category[0] == "C" else (0 if category[0] in "PZ" else 1)
    if not non_ascii:
        return 0.0, True
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        bad += _word_oddity(word, codec)
    letters = sum(scripts.values())
    for script, seen in cases.items():
        if scripts[script] >= 8 and len(seen) == 1:
            # Russian or Greek text has capitals and small letters; Hebrew read as Windows-1251,
            # KOI8-R or Windows-1253 has only one kind.
            bad += scripts[script] / 2
    bad += len(_GLUED_SYMBOL.findall(text))
    if codec in ("cp1250", "iso8859-2") and ("ý" in text or "Ý" in text):
        bad += text.count("ţ") + text.count("Ţ")  # Czech writes ý, Romanian ţ, none both: Turkish ı and ş misread
    wanted = _LANGUAGE_SCRIPT.get(codec)
    if wanted and letters and scripts.get(wanted, 0) >= letters * (0.2 if wanted == "kana" else 0.9):
        bad -= non_ascii / 2  # kana for Japanese, hangul for Korean: the bytes fit that language
    return bad / non_ascii, set(scripts) <= {"latin"}


def _word_oddity(word: str, codec: str) -> float:
    scripts = {_script(char) for char in word}
    bad = 0.0
    if "other" in scripts:
        bad += 1
    if len(scripts) > 1 and scripts not in _COMPATIBLE:
        bad += 2
    elif scripts == {"latin"} and len(word) >= 4 and sum(char >= "\x80" for char in word) * 2 > len(word):
        bad += 1  # "Ïðèâåò": Cyrillic or Greek read as Latin
    if any(char >= "\x80" and not char.isalpha() for char in word):
        bad += 1  # "dzia³a": a superscript or fraction inside a word
    if codec in _LATIN1_FAMILY and _ICELANDIC.intersection(word):
        bad += 1
    if any(a.islower() and b.isupper() for a, b in zip(word, word[1:]) if a >= "\x80" or b >= "\x80"):
        bad += 1  # "рПЙЧЕФ": KOI8-R read as Windows-1251, and the like
    return bad


def header_text(value: str, hint: str | None = None) -> str:
    """A raw header value (bytes held as Latin-1 characters) as text: 8-bit bytes decoded, encoded words decoded."""
    if not value.isascii():
        value = eight_bit_text(value, hint)
    if "=?" not in value:
        return value
    text = decode_words(value, hint)
    for _ in range(_NESTED_WORDS):
        # Words that decode to encoded words: a header encoded twice (a gateway encoded it again).
        if text == value or "=?" not in text or not _ENCODED_WORD.search(text):
            break
        value, text = text, decode_words(text, hint)
    return text


def eight_bit_text(value: str, hint: str | None = None) -> str:
    """A raw header value (bytes held as Latin-1 characters) with its 8-bit bytes decoded, encoded words kept."""
    data = value.encode("latin-1", "replace")
    if _is_utf8(data):
        return data.decode("utf-8")
    codec = codec_for(hint) if hint else None
    if codec and codec != "ascii" and codec not in _NOT_ASCII_SAFE:  # a UTF-16 body says nothing of 8-bit header bytes
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    return guess(data)


#: A space around the Q or B is forgiven ("=?UTF-8? Q?...?="), as some gateways write it.
_ENCODED_WORD = re.compile(r"=\?([^?\s]+?)\?[ \t]?([QqBb])[ \t]?\?([^?]*)\?=")
#: Times a header encoded more than once is decoded again.
_NESTED_WORDS = 2
_BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
_BASE64_WORD = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_UNFINISHED_WORD = re.compile(r"=\?[^?\s]+\?[QqBb]\?[^?\s]*\Z")


def decode_words(value: str, hint: str | None = None) -> str:
    """Decode RFC 2047 encoded words, forgiving the usual breakage.

    Whitespace between adjacent encoded words is dropped (RFC 2047 6.2);
    adjacent words in one charset are decoded together, so a character split
    across two words survives; words glued to text, spaces inside a word and an
    unterminated last word are accepted; a word that cannot be decoded stays as
    written.
    """
    if _UNFINISHED_WORD.search(value):
        value += "?="
    out: list[str] = []
    pending_charset, pending = None, bytearray()

    def flush() -> None:
        nonlocal pending_charset, pending
        if pending_charset is not None:
            out.append(decode(bytes(pending), pending_charset, what="header"))
        pending_charset, pending = None, bytearray()

    position = 0
    carry = ""  # an escape cut off at the end of the previous Q word ("=C" of "=C3")
    quantum = ""  # base64 characters short of a whole 4-character group at the end of the previous B word
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position:match.start()]
        position = match.end()
        charset = match.group(1).split("*", 1)[0].lower()
        encoding, text = match.group(2), match.group(3)
        if quantum and (encoding in "Qq" or charset != pending_charset or gap.strip()):
            pending += _word_bytes("B", quantum) or b""
            quantum = ""
        if encoding in "Bb" and (quantum or len(text) % 4) and _BASE64_WORD.fullmatch(text):
            # Words split inside a base64 group (some clients cut anywhere): the rest goes with the next word.
            text, quantum = quantum + text, ""
            if not text.endswith("="):
                cut = len(text) - len(text) % 4
                text, quantum = text[:cut], text[cut:]
        if encoding in "Qq":
            if carry and (charset != pending_charset or gap.strip()):
                carry = ""
            if carry or "=" in text:
                text, carry = _q_text(carry + text)
        data = _word_bytes(encoding, text)
        if data is None:
            flush()
            out.append(gap + match.group())
            continue
        if gap and (pending_charset is None or gap.strip()):
            flush()
            out.append(gap)
        if charset != pending_charset:
            flush()
            pending_charset = charset
        pending += data
    if quantum:
        pending += _word_bytes("B", quantum) or b""
    flush()
    out.append(value[position:])
    return "".join(out)


_Q_CUT_ESCAPE = re.compile(r"(=[0-9A-Fa-f]?)\s+")
_Q_TAIL = re.compile(r"=[0-9A-Fa-f]?\Z")


def _q_text(text: str) -> tuple[str, str]:
    """The text of a Q word with an escape mended where a fold cut it ("=C 3" from "=C\\r\\n 3"),
    and an escape cut off at its end, for the next word (clients that split words anywhere)."""
    if " " in text or "\t" in text:
        text = _Q_CUT_ESCAPE.sub(r"\1", text)
    cut = text.rfind("=", len(text) - 2)
    if cut < 0 or not _Q_TAIL.match(text, cut):
        return text, ""
    return text[:cut], text[cut:]


def _word_bytes(encoding: str, text: str) -> bytes | None:
    try:
        if encoding in "Qq":
            return binascii.a2b_qp(text.encode("latin-1", "replace"), header=True)
        data = text.strip().encode("ascii")
        if not _BASE64_TEXT.fullmatch(data):
            return None
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None

"""Bodies in the charsets mail really uses: aliases, missing labels, wrong labels."""
import base64

import pytest

from mailgateway.charsets import codec_for
from mailgateway.parse import parse


def _mail(body: bytes, content_type: bytes = b"text/plain", encoding: bytes = b"8bit") -> bytes:
    return (b"From: Anna <anna@corp.example>\nTo: it@corp.example\nSubject: Test\nMIME-Version: 1.0\n"
            b"Content-Type: " + content_type + b"\nContent-Transfer-Encoding: " + encoding + b"\n\n" + body)


@pytest.mark.parametrize("label, text, codec", [
    ("iso-8859-8-i", "שלום, המדפסת לא עובדת", "iso8859-8"),
    ("ks_c_5601-1987", "똠방각하 프린터", "cp949"),            # 똠 exists in Windows-949 only, not in EUC-KR
    ("euc-kr", "똠방각하 프린터", "cp949"),
    ("utf-7", "Grüße +1 vom Büro", "utf-7"),
    ("unicode-1-1-utf-7", "Grüße vom Büro", "utf-7"),
    ("x-mac-roman", "Grüße aus Köln", "mac_roman"),
    ("x-mac-cyrillic", "Привет из офиса", "mac_cyrillic"),
    ("x-mac-ce", "Dzień dobry", "mac_latin2"),
    ("windows-1252", "“Grüße” – 5 €", "cp1252"),
    ("iso-8859-1", "“Quoted” – 5 €", "cp1252"),               # Latin-1 label, Windows-1252 bytes
    ("us-ascii", "Grüße", "utf-8"),                           # ASCII label on UTF-8 bytes
    ("gb2312", "镕铖打印机", "gb18030"),                         # 镕 and 铖 are GBK, not GB 2312
    ("gbk", "打印机坏了", "gb18030"),
    ("big5", "印表機壞了", "big5hkscs"),
    ("shift_jis", "プリンター①が壊れました", "cp932"),           # ① is a Windows-932 (NEC) character
    ("x-sjis", "プリンター", "cp932"),
    ("iso-2022-jp", "プリンターが壊れました", "iso2022_jp"),
    ("euc-jp", "プリンターが壊れました", "euc_jp"),
    ("koi8-r", "Принтер не работает", "koi8_r"),
    ("windows-1251", "Принтер не работает", "cp1251"),
    ("tis-620", "เครื่องพิมพ์เสีย", "cp874"),
    ("windows-874", "เครื่องพิมพ์เสีย", "cp874"),
    ('"UTF-8"', "Grüße", "utf-8"),
    ("utf8", "Grüße", "utf-8"),
    ("cp-1250", "Dzień dobry", "cp1250"),
    ("x-cp1251", "Привет", "cp1251"),
    ("utf-16", "Grüße vom Büro", "utf-16"),                     # with its byte order mark
    ("UTF-16LE", "Grüße vom Büro", "utf-16-le"),
    ("utf-16be", "Привет", "utf-16-be"),
    ("iso88592", "Dzień dobry", "iso8859-2"),                    # ISO 8859 without its hyphens
    ("unicode-1-1-utf-8", "Grüße", "utf-8"),
    ("koi8", "Принтер не работает", "koi8_r"),
    ("x-cp50220", "プリンター", "iso2022_jp_ext"),
])
def test_charset_labels_and_their_aliases(label, text, codec):
    parsed = parse(_mail(text.encode(codec) + b"\n", b"text/plain; charset=" + label.encode()))
    assert parsed.text == text
    assert parsed.defects == ()


@pytest.mark.parametrize("text, codec", [
    ("Grüße aus dem Büro, der Drucker läuft nicht mehr.", "utf-8"),
    ("Grüße aus dem Büro, der Drucker läuft nicht mehr.", "latin-1"),
    ("Ça ne marche plus, l'écran reste noir.", "cp1252"),
    ("Привет, у меня не работает принтер на третьем этаже.", "cp1251"),
    ("Привет, у меня не работает принтер на третьем этаже.", "koi8-r"),
    ("Dzień dobry, drukarka nie działa. Proszę o pomoc.", "cp1250"),
    ("Γεια σας, ο εκτυπωτής δεν λειτουργεί.", "cp1253"),
    ("Merhaba, yazıcı çalışmıyor. Şimdi ne yapmalıyım?", "cp1254"),
    ("プリンターが動きません。助けてください。", "cp932"),
    ("打印机坏了，请帮忙修理。", "gb18030"),
    ("프린터가 고장났습니다. 도와주세요.", "cp949"),
])
def test_unlabelled_eight_bit_bodies_are_read_in_the_charset_they_are_in(text, codec):
    assert parse(_mail(text.encode(codec) + b"\n")).text == text


def test_a_latin1_label_on_utf8_bytes_gives_the_utf8_text():
    parsed = parse(_mail("Grüße, Müller".encode("utf-8"), b"text/plain; charset=iso-8859-1"))
    assert parsed.text == "Grüße, Müller"


@pytest.mark.parametrize("label", ["gb2312", "shift_jis", "euc-jp"])
def test_utf8_bytes_under_a_multi_byte_label_give_the_utf8_text(label):
    # These UTF-8 bytes are valid in the labelled charset too, as other words: "浣犲ソ涓栫晫".
    subject = "=?" + label + "?B?5L2g5aW95LiW55WM?="  # "你好世界" in UTF-8
    raw = _mail("打印机在三楼".encode(), b"text/plain; charset=" + label.encode())
    parsed = parse(raw.replace(b"Subject: Test", b"Subject: " + subject.encode()))
    assert (parsed.subject, parsed.text) == ("你好世界", "打印机在三楼")


def test_a_utf16_body_says_nothing_of_the_charset_of_8bit_header_bytes():
    raw = _mail(base64.b64encode("Hallo".encode("utf-16")), b"text/plain; charset=utf-16", b"base64")
    parsed = parse(raw.replace(b"Subject: Test", "Subject: Grüße aus Köln".encode("latin-1")))
    assert (parsed.subject, parsed.text) == ("Grüße aus Köln", "Hallo")


def test_a_wrong_label_is_a_defect_and_the_text_is_still_right():
    parsed = parse(_mail("Привет, принтер не работает.".encode("cp1251"), b"text/plain; charset=utf-8"))
    assert parsed.text == "Привет, принтер не работает."
    assert parsed.defects == ("undecodable body in 'utf-8'",)


def test_html_without_a_charset_parameter_uses_its_meta_tag():
    body = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head>' \
           '<body><p>Принтер не работает</p></body></html>'
    parsed = parse(_mail(body.encode("cp1251"), b"text/html"))
    assert parsed.text == "Принтер не работает"
    assert "Принтер" in parsed.html


def test_quoted_printable_and_base64_bodies():
    qp = parse(_mail(b"Gr=C3=BC=C3=9Fe aus dem B=C3=BCro, die Zeile ist sehr lang und wird umbrochen =\n"
                     b"und geht hier weiter.\n", b"text/plain; charset=utf-8", b"quoted-printable"))
    assert qp.text == "Grüße aus dem Büro, die Zeile ist sehr lang und wird umbrochen und geht hier weiter."
    b64 = parse(_mail(b"R3LDvMOfZSBhdXMgZGVtIELDvHJv\n", b"text/plain; charset=utf-8", b"base64"))
    assert b64.text == "Grüße aus dem Büro"


def test_labels_that_name_no_charset():
    assert codec_for("unknown-8bit") is None
    assert codec_for("base64") is None           # a Python codec, but not a charset
    assert codec_for("x-no-such-charset") is None
    assert codec_for("ISO-8859-15") == "iso8859-15"


def test_windows_1252_punctuation_turned_into_control_characters_is_read_as_punctuation():
    # A gateway converted Windows-1252 text to UTF-8 as if it were ISO 8859-1: "€" became U+0080 (C2 80).
    body = "\u0093Printer\u0094 repair \u0096 120 \u0080, it\u0092s urgent".encode("utf-8")
    assert parse(_mail(body, b"text/plain; charset=utf-8")).text == "“Printer” repair – 120 €, it’s urgent"
    html = b'<html><head><meta charset="windows-1250"/></head><body>Total: 5 \xc2\x80</body></html>'
    assert parse(_mail(html, b"text/html")).text == "Total: 5 €"
    word = b"=?utf-8?Q?Rechnung_=C2=84Drucker=C2=93?="  # the same in an encoded word
    assert parse(b"From: a@corp.example\nSubject: " + word + b"\n\nx\n").subject == "Rechnung „Drucker“"


def test_utf7_text_is_read_line_by_line_when_one_line_is_no_utf7():
    # Evolution sent the reply in UTF-7; the PGP signature under it holds "+" runs that are no UTF-7.
    body = (b"On Fri, Mark wrote:\n+AD4 Can I have write access?\n+AD4 \nYes, done. Gr+APw-+AN8-e\n"
            b"-----BEGIN PGP SIGNATURE-----\nfkWe/w/+PEhOx7gyMjHdGT8hr3dZ2Hcr1PQPnM3h1BK5jE2NbWH4OaUotaes7Lo5\n"
            b"dRlcPb+1fkUFAlx5WHkACgkQdRlcPb+1\n-----END PGP SIGNATURE-----\n")
    text = parse(_mail(body, b'text/plain; charset="UTF-7"', b"7bit")).text
    assert text.startswith("On Fri, Mark wrote:\n> Can I have write access?\n> \nYes, done. Grüße\n")
    assert "dRlcPb+1fkUFAlx5WHkACgkQdRlcPb+1" in text
    text.encode("utf-8")  # no half of a surrogate pair


@pytest.mark.parametrize("content_type, body", [
    (b"text/plain", "Der Drucker im Büro ist kaputt.".encode("utf-16-le")),                 # no label, no BOM
    (b"text/plain; charset=us-ascii", "Der Drucker im Büro ist kaputt.".encode("utf-16-be")),
    (b"text/plain; charset=utf-8", "Der Drucker im Büro ist kaputt.".encode("utf-16")),     # BOM, wrong label
])
def test_utf16_text_without_its_label_is_read_as_utf16(content_type, body):
    assert parse(_mail(body, content_type, b"binary")).text == "Der Drucker im Büro ist kaputt."


def test_zero_bytes_never_reach_the_text_and_a_binary_file_calling_itself_text_is_not_read():
    assert parse(_mail(b"Printer\x00 broken\n")).text == "Printer broken"
    raw = (b"From: Anna <anna@corp.example>\nSubject: Scan\nMIME-Version: 1.0\n"
           b"Content-Type: text/plain; name=scan.txt\nContent-Disposition: inline; filename=scan.txt\n"
           b"Content-Transfer-Encoding: base64\n\nR0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7\n")
    parsed = parse(raw)
    assert parsed.text == ""
    assert [(a.filename, a.size) for a in parsed.attachments] == [("scan.txt", 42)]


def test_zero_bytes_in_a_sender_name_or_a_file_name_are_dropped():
    raw = (b"From: =?utf-8?B?QW5uYQA=?= Schmidt <anna@corp.example>\nSubject: x\n"
           b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: application/pdf\n"
           b"Content-Disposition: attachment; filename*=utf-8''scan%00.pdf\n\nx\n--B--\n")
    parsed = parse(raw)
    assert parsed.sender.name == "Anna Schmidt"
    assert parsed.attachments[0].filename == "scan.pdf"

"""HTML mail as Outlook, Gmail and newsletters write it, turned into the text a person reads."""
from mailgateway.htmltext import html_to_text
from mailgateway.parse import parse

OUTLOOK = """<html xmlns:o="urn:schemas-microsoft-com:office:office"><head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8"><meta name="Generator" content="Microsoft Word 15">
<!--[if !mso]><style>v\\:* {behavior:url(#default#VML);}</style><![endif]--><style><!--
p.MsoNormal {margin:0cm;font-size:11.0pt;}
--></style><!--[if gte mso 9]><xml><o:shapedefaults v:ext="edit" spidmax="1026" /></xml><![endif]--></head>
<body lang="DE"><div class="WordSection1"><p class="MsoNormal">Hallo IT,<o:p></o:p></p>
<p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">mein Laptop startet   nicht
mehr.<o:p></o:p></p>
<p class="MsoNormal"><![if !supportLists]><span>1.<span>&nbsp;&nbsp;&nbsp; </span></span><![endif]>Erster Schritt<o:p></o:p></p>
<p class="MsoNormal">Gr&uuml;&szlig;e<br>Anna<o:p></o:p></p></div></body></html>"""


def test_outlook_html_reads_like_the_message():
    assert html_to_text(OUTLOOK) == "Hallo IT,\n\nmein Laptop startet nicht mehr.\n\n1. Erster Schritt\n\nGrüße\nAnna"


def test_lists_and_tables_give_one_item_or_row_per_line():
    markup = ("<ul><li>VPN</li><li>Mail</li></ul><table><tr><td>Room</td><td>3.14</td></tr>"
              "<tr><td>Seat</td><td>7</td></tr></table>")
    assert html_to_text(markup) == "VPN\nMail\n\nRoom 3.14\nSeat 7"


def test_pre_keeps_its_line_breaks_and_entities_decode_once():
    assert html_to_text("<pre>line 1\nline 2</pre><p>&amp;lt; &#233;t&eacute; &euro;</p>") == "line 1\nline 2\n\n&lt; été €"


def test_an_unclosed_script_or_comment_hides_the_rest_like_a_browser():
    assert html_to_text("<p>Visible</p><script>var a = '<p>hidden</p>';") == "Visible"
    assert html_to_text("<p>Visible</p><!-- never closed <p>hidden</p>") == "Visible"


def test_invisible_preheader_characters_are_dropped():
    assert html_to_text("<p>Sale\u200c&zwnj;&nbsp;\u200b now</p>") == "Sale now"


def test_html_only_message_text_and_html():
    raw = (b"From: news@corp.example\nSubject: News\nContent-Type: text/html; charset=utf-8\n"
           b"Content-Transfer-Encoding: quoted-printable\n\n"
           b"<html><body><h1>November</h1><p>The canteen is clos=\ned on Friday.</p></body></html>\n")
    parsed = parse(raw)
    assert parsed.text == "November\n\nThe canteen is closed on Friday."
    assert parsed.html.startswith("<html><body><h1>November</h1>")

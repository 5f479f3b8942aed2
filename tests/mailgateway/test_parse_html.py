"""HTML mail as Outlook, Gmail and newsletters write it, turned into the text a person reads."""
import pytest

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


def _html_mail(markup: str) -> bytes:
    return ("From: Anna <anna@corp.example>\nTo: it@corp.example\nSubject: Re: [IT-000123] Laptop\n"
            "Content-Type: text/html; charset=utf-8\n\n" + markup).encode()


def test_answers_between_quoted_blockquotes_are_the_visible_text():
    # Apple Mail and Thunderbird quote with <blockquote type="cite">; answers written between the
    # pieces are the writer's, the pieces and the attribution above them are not.
    markup = ('<div>Answers below.</div><div><br></div><div>On 23 Nov 2026, at 10:02, IT Helpdesk '
              '&lt;it@corp.example&gt; wrote:</div><br><blockquote type="cite"><div>Which laptop is it?</div>'
              '<blockquote type="cite">Earlier: my laptop is broken.</blockquote></blockquote>'
              '<div>The ThinkPad X1.</div><blockquote type="cite"><div>Which floor?</div></blockquote>'
              '<div>Third floor.</div><div><br></div><div>Anna</div>')
    parsed = parse(_html_mail(markup))
    assert parsed.visible_text == "Answers below.\n\nThe ThinkPad X1.\n\nThird floor.\n\nAnna"
    # The readable body is the whole message, without quote marks.
    assert "Which laptop is it?" in parsed.text
    assert not any(line.startswith(">") for line in parsed.text.splitlines())


def test_gmail_quote_and_a_plain_blockquote_are_history_but_an_indent_is_the_writers():
    gmail = ('<div dir="ltr">Works again, thanks!</div><br><div class="gmail_quote"><div dir="ltr" '
             'class="gmail_attr">Am Mo., 23. Nov. 2026 um 10:02 Uhr schrieb IT &lt;it@corp.example&gt;:<br></div>'
             '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204)">'
             'Please restart the laptop.</blockquote></div>')
    assert parse(_html_mail(gmail)).visible_text == "Works again, thanks!"
    bare = "<p>Done.</p><blockquote>Please send the serial number.</blockquote>"
    assert parse(_html_mail(bare)).visible_text == "Done."
    indent = ('<div>The steps I tried:</div><blockquote style="margin:0 0 0 40px;border:none;padding:0px">'
              '<div>1. restart</div><div>2. reinstall the driver</div></blockquote><div>Nothing helped.</div>')
    parsed = parse(_html_mail(indent))
    assert parsed.visible_text == parsed.text
    assert "2. reinstall the driver" in parsed.visible_text and parsed.visible_text.endswith("Nothing helped.")


def test_an_indent_inside_a_quote_closes_where_it_should():
    from mailgateway.htmltext import html_to_texts

    markup = ('<p>Mine</p><blockquote type="cite"><p>Theirs</p><blockquote style="margin-left:40px">indented theirs'
              '</blockquote><p>still theirs</p></blockquote><p>Mine again</p>')
    text, quoted = html_to_texts(markup)
    assert text == html_to_text(markup)
    assert [line for line in quoted.splitlines() if line.strip(">").strip()] == [
        "Mine", "> Theirs", "> indented theirs", "> still theirs", "Mine again"]


# History that clients put under the reply without a blockquote, with its header in a language whose
# field names the text alone is not read for (Greek), so only where the client starts it tells.
_GREEK_HEADER = ("<b>Από:</b> IT Desk &lt;it@corp.example&gt;<br><b>Στάλθηκε:</b> Δευτέρα, 23 Νοεμβρίου 2026 "
                 "10:02 π.μ.<br><b>Προς:</b> Anna<br><b>Θέμα:</b> Laptop")
_THEIRS = "<div>Please restart the laptop.</div>"


@pytest.mark.parametrize(("client", "markup"), [
    ("outlook-web", ('<div>Fixed, thanks.</div><hr style="display:inline-block;width:98%" tabindex="-1">'
                     f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri">{_GREEK_HEADER}</font></div>{_THEIRS}')),
    ("outlook-web-appendonsend", ('<div>Fixed, thanks.</div><div id="appendonsend"></div><hr>'
                                  f'<div id="x_divRplyFwdMsg">{_GREEK_HEADER}</div>{_THEIRS}')),
    ("outlook-desktop", ('<div class=WordSection1><p class=MsoNormal>Fixed, thanks.</p><div><div style="border:none;'
                         'border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
                         f'<p>{_GREEK_HEADER}</p></div></div>{_THEIRS}</div>')),
    ("outlook-mac", ('<div>Fixed, thanks.</div><div id="mail-editor-reference-message-container">'
                     f'<div>{_GREEK_HEADER}</div>{_THEIRS}</div>')),
    ("yahoo", ('<div>Fixed, thanks.</div><div id="yahoo_quoted_0123" class="yahoo_quoted"><div>Στις Δευτέρα, 23 '
               'Νοεμβρίου 2026, 10:02:15 π.μ. CET, ο χρήστης IT Desk έγραψε:</div>' + _THEIRS + '</div>')),
    ("zimbra", ('<div>Fixed, thanks.</div><hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__">'
                f'{_GREEK_HEADER}</div><div data-marker="__QUOTED_TEXT__">{_THEIRS}</div>')),
])
def test_history_under_the_reply_starts_where_the_client_put_it(client, markup):
    parsed = parse(_html_mail(markup))
    assert parsed.visible_text == "Fixed, thanks.", client
    # The readable body is all of it, with nothing left of the mark.
    assert parsed.text.startswith("Fixed, thanks.\n") and parsed.text.endswith("Please restart the laptop.")
    assert "\x03" not in parsed.text
    assert parsed.text == html_to_text(markup)


def test_a_forward_under_a_client_mark_keeps_the_note_and_html_without_marks_keeps_all():
    forward = ('<div>Please look at this.</div><div id="divRplyFwdMsg"><b>From:</b> Tom<br><b>Sent:</b> Monday, '
               f'November 23, 2026 10:02 AM<br><b>Subject:</b> Error</div>{_THEIRS}')
    assert parse(_html_mail(forward)).visible_text == "Please look at this."
    plain = ('<div>Hello,</div><div style="border-top:1px solid #ccc">the printer jams.</div>'
             '<div class="quoted-price">Offer: 20 EUR</div>')
    parsed = parse(_html_mail(plain))
    assert parsed.visible_text == parsed.text
    assert parsed.text.startswith("Hello,") and parsed.text.endswith("Offer: 20 EUR")


def test_names_of_client_marks_in_plain_text_cost_nothing_much():
    import time

    from mailgateway.htmltext import html_to_texts

    markup = "<p>" + "the divRplyFwdMsg and yahoo_quoted ids, <span>zwchr</span> " * 40_000 + "</p>"
    start = time.process_time()
    text, quoted = html_to_texts(markup)
    assert time.process_time() - start < 1.0
    assert text == quoted == html_to_text(markup)


@pytest.mark.parametrize(("client", "markup"), [
    ("outlook-web", ('<div class="elementToProof">The scanner works again.</div><div id="Signature"><div>Anna Berg'
                     '</div><div>Finance | +49 30 1234</div></div>')),
    ("gmail", ('<div dir="ltr">The scanner works again.<br clear="all"><div><br></div><div dir="ltr" '
               'class="gmail_signature" data-smartmail="gmail_signature">Anna Berg<br>Finance | +49 30 1234</div></div>')),
    ("thunderbird", ('<p>The scanner works again.</p><div class="moz-signature">Anna Berg<br>Finance | +49 30 1234'
                     '</div>')),
])
def test_a_signature_in_the_block_a_client_gives_it_is_cut(client, markup):
    parsed = parse(_html_mail(markup))
    assert parsed.visible_text == "The scanner works again.", client
    assert "Finance | +49 30 1234" in parsed.text


def test_the_word_signature_elsewhere_cuts_nothing():
    markup = ('<div>Signature pads in room 3 are broken.</div><div id="Signature-pads">Model: X100</div>'
              '<div class="gmail_signature_prefix">Serial: 42</div>')
    parsed = parse(_html_mail(markup))
    assert parsed.visible_text == parsed.text
    assert parsed.text.endswith("Serial: 42")

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

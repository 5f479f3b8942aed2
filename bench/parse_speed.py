"""Parse + hygiene throughput on one core, over a mixed set of messages.

The set is built here (plain requests, HTML-only mail, multipart with
attachments, non-ASCII in several charsets and encodings, out-of-office
replies, newsletters) plus the delivery reports in tests/mailgateway/samples.
The baseline, measured in the same run, is the standard library doing the
least a parser must: ``email.parser`` with ``policy.default``, finding the
body and listing the attachments.

    .venv/bin/python bench/parse_speed.py [--seconds 5]
"""
from __future__ import annotations

import argparse
import base64
import sys
import time
from email import policy
from email.header import Header
from email.parser import BytesParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailgateway.hygiene import classify  # noqa: E402
from mailgateway.parse import parse  # noqa: E402

HEAD = ("From: {sender}\r\nTo: IT Service Desk <it@corp.example>\r\nSubject: {subject}\r\n"
        "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <{n}@mail.corp.example>\r\nMIME-Version: 1.0\r\n"
        "Received: from mail.corp.example (mail.corp.example [192.0.2.10])\r\n\tby mx.corp.example (Postfix) "
        "with ESMTPS id 4F1B2C3D4E for <it@corp.example>; Mon, 23 Nov 2026 10:00:01 +0100 (CET)\r\n"
        "DKIM-Signature: v=1; a=rsa-sha256; d=corp.example; s=mail; h=from:to:subject:date;\r\n"
        "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==\r\n")
TEXT = ("Hello,\r\n\r\nthe printer on the third floor jams on every second page since this morning.\r\n"
        "I already restarted it twice. Could someone have a look?\r\n\r\nThanks,\r\nAnna\r\n")


def _head(n: int, subject: str = "Printer on floor 3 jams", sender: str = "Anna Schmidt <anna@corp.example>") -> str:
    return HEAD.format(n=n, subject=subject, sender=sender)


def plain(n: int) -> bytes:
    return (_head(n) + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + TEXT).encode()


def html_only(n: int) -> bytes:
    paragraphs = "".join(f"<p style=\"margin:0\">{line}</p>" for line in TEXT.split("\r\n") if line)
    return (_head(n) + "Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p{font:11pt Calibri}"
            "</style></head><body>" + paragraphs + "</body></html>\r\n").encode()


def alternative_with_attachment(n: int) -> bytes:
    pdf = base64.encodebytes(b"%PDF-1.4\n" + bytes(range(256)) * 160).decode().replace("\n", "\r\n")
    return (_head(n) + "Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n"
            "--M\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n"
            "--A\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + TEXT +
            "--A\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + TEXT.replace("\r\n", "<br>") + "</p>\r\n--A--\r\n"
            "--M\r\nContent-Type: application/pdf; name=\"error-log.pdf\"\r\n"
            "Content-Disposition: attachment; filename=\"error-log.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + pdf + "--M--\r\n").encode()


def non_ascii(n: int) -> bytes:
    kind = n % 3
    if kind == 0:
        subject = Header("Drucker im Büro druckt nur Hieroglyphen", "utf-8").encode()
        body = "Grüße aus dem Büro, der Drucker läuft nicht mehr.\r\nBitte um Rückruf.\r\n".encode("latin-1")
        import quopri
        return (_head(n, subject, "=?iso-8859-1?q?J=FCrgen_M=FCller?= <jm@corp.example>")
                + "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                ).encode() + quopri.encodestring(body)
    if kind == 1:
        body = base64.encodebytes("Здравствуйте! Не работает VPN с утра.\r\n".encode("cp1251"))
        return (_head(n, Header("Не работает VPN", "windows-1251").encode()) +
                "Content-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: base64\r\n\r\n").encode() + body
    return (_head(n, Header("プリンターが壊れました", "iso-2022-jp").encode()) +
            "Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n").encode() \
        + "プリンターが壊れました。\r\n".encode("iso2022_jp")


def autoreply(n: int) -> bytes:
    return (_head(n, "Automatic reply: [IT-000123] We received your request", "Bob <bob@partner.example>")
            + "Auto-Submitted: auto-generated\r\nX-MS-Exchange-Inbox-Rules-Loop: bob@partner.example\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office until Monday.\r\n").encode()


def newsletter(n: int) -> bytes:
    rows = "".join(f"<tr><td class=\"c\"><a href=\"https://news.example/{i}\">Article {i}</a> &ndash; a short teaser "
                   f"text for the article&nbsp;{i}.</td></tr>" for i in range(40))
    return (_head(n, "Our November newsletter", "Corp News <news@corp-news.example>")
            + "List-Unsubscribe: <https://news.example/u/123>\r\nFeedback-ID: 1:2:3:esp\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><table>" + rows + "</table></body></html>\r\n").encode()


BUILDERS = (plain, plain, plain, html_only, alternative_with_attachment, non_ascii, non_ascii, autoreply, newsletter)


def mixed_set(size: int) -> list[bytes]:
    reports = [path.read_bytes() for path in sorted((ROOT / "tests/mailgateway/samples").glob("*.eml"))]
    messages = [BUILDERS[n % len(BUILDERS)](n) for n in range(size)]
    for index, report in enumerate(reports):  # about one in ten is a delivery report
        messages[(index * 10) % size] = report
    return messages


def ours(raw: bytes) -> None:
    classify(parse(raw))


_STDLIB = BytesParser(policy=policy.default)


def stdlib(raw: bytes) -> None:
    message = _STDLIB.parsebytes(raw)
    body = message.get_body(("plain", "html"))
    if body is not None:
        body.get_content()
    for _ in message.iter_attachments():
        pass
    for name in ("from", "to", "cc", "subject", "date", "message-id"):
        message.get(name)


def rate(function, messages: list[bytes], seconds: float) -> float:
    count = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        for raw in messages:
            function(raw)
        count += len(messages)
    return count / (time.process_time() - started)


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--seconds", type=float, default=5.0, help="CPU seconds per measurement")
    options.add_argument("--messages", type=int, default=300, help="size of the mixed set")
    args = options.parse_args()
    messages = mixed_set(args.messages)
    total = sum(map(len, messages))
    print(f"mixed set: {len(messages)} messages, {total / len(messages) / 1024:.1f} KiB average")
    ours_rate = rate(ours, messages, args.seconds)
    base_rate = rate(stdlib, messages, args.seconds)
    print(f"parse + hygiene: {ours_rate:,.0f} msg/s ({1e6 / ours_rate:.0f} us/msg) on one core")
    print(f"baseline (email.parser, policy.default): {base_rate:,.0f} msg/s; ratio {ours_rate / base_rate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Mail hygiene: tell people's mail from machines' mail, so we never answer a machine.

``classify`` runs the checks in ``CHECKS`` in order; the first that
recognises the message decides its kind:

- ``feedback_report``: an abuse/complaint report (RFC 5965).
- ``bounce``, ``dsn_delayed``, ``dsn_delivered``: delivery reports, standard
  (RFC 3464), in an MTA's own words, or Amazon SES's JSON notifications (see
  ``mailgateway.bounces``).
- ``challenge_response``: "please confirm you are a person" (TMDA,
  BoxTrapper, Spam Arrest ...).
- ``autoreply``: RFC 3834 Auto-Submitted, the headers real autoresponders set
  (X-Autoreply, Precedence: auto_reply, Exchange's inbox-rule loop marker ...),
  vacation subjects and openings in many languages, ticket systems'
  "we have received your request", and read receipts: an RFC 8098
  disposition notification or Outlook's "Read: ..." is a machine's answer to a
  message, never a person's request, so it is an autoreply (no ticket, no
  acknowledgement), as RFC 3834 asks of automatic answers.
- ``bulk``: mailing lists and campaigns (List-Id, List-Unsubscribe,
  Feedback-ID, the ESPs' own headers, Precedence: bulk/list/junk, or a
  campaign's footer when it was sent without any of them).
- ``normal``: a person wrote it.

A person quoting "out of office" or asking about an undelivered parcel stays
``normal``: phrases count only in the places machines put them (the start of
the subject, the opening of the text) and, for bounces, together with a sign
that a mail system sent it.
"""
from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from mailgateway import bounces
from mailgateway.bounces import Recipient
from mailgateway.parse import ParsedMessage

NORMAL, AUTOREPLY, BOUNCE, BULK = "normal", "autoreply", "bounce", "bulk"
DSN_DELAYED, DSN_DELIVERED = "dsn_delayed", "dsn_delivered"
FEEDBACK_REPORT, CHALLENGE_RESPONSE = "feedback_report", "challenge_response"
_REPORT_KINDS = {bounces.FAILED: BOUNCE, bounces.DELAYED: DSN_DELAYED, bounces.DELIVERED: DSN_DELIVERED}


@dataclass(frozen=True)
class Classification:
    kind: str
    reason: str = ""
    recipients: tuple[Recipient, ...] | None = None  # for delivery reports

    @property
    def auto_generated(self) -> bool:
        return self.kind != NORMAL

    def as_record(self) -> dict:
        """JSON-ready: kind, auto_generated and the bounce details (``helpdesk parse --json``)."""
        bounce = None
        if self.recipients is not None:
            bounce = {"recipients": [{"email": r.email, "status": r.status, "action": r.action,
                                      "diagnostic": r.diagnostic, "hard": r.hard} for r in self.recipients]}
        return {"kind": self.kind, "auto_generated": self.auto_generated, "bounce": bounce}


class _Message:
    """What the checks look at, worked out once."""

    def __init__(self, parsed: ParsedMessage, envelope_from: str | None, own_addresses: Collection[str] = ()) -> None:
        self.parsed = parsed
        self.headers = parsed.headers
        # A department address that is itself a list (a Google Group, a list alias) adds list headers
        # to every request it passes on: those say nothing about the sender.
        self.own_list = bool(own_addresses) and _names_own_list(self.headers, own_addresses)
        self.subject = parsed.subject
        self.sender = parsed.sender.email
        content_type = self.headers.get("content-type", "").lower().replace('"', "").replace(" ", "")
        report = re.search(r"report-type=([\w-]+)", content_type) if content_type.startswith("multipart/report") else None
        self.report_type = report.group(1) if report else ""
        if envelope_from is None:  # not given: the Return-Path the delivering server recorded
            envelope_from = self.headers.get("return-path", "x")
        # The null reverse-path (RFC 5321 4.5.5) arrives as "", "<>" or, in Return-Path, "<>". An unknown
        # envelope (a file fed in by hand) arrives as "" too, so it only ever supports other signs.
        self.null_sender = envelope_from.strip() in ("", "<>", "< >")
        auto_submitted = self.headers.get("auto-submitted", "no").strip().lower()
        # RFC 3834 5: any value but "no" (a comment or parameters may follow) is automatic.
        self.auto_submitted = re.split(r"[\s;(]", auto_submitted, maxsplit=1)[0] or "no"
        self.daemon_address = bounces.is_daemon(self.sender)
        # The name, or the raw From for "MAILER-DAEMON (Mail Delivery System)" that has no domain, or a From
        # with the null address ('"Mail System" <>', Courier's "<@>"): only mail systems write one.
        raw_from = self.headers.get("from", "")
        self.daemon_name = bool(_DAEMON_NAME.match(self.parsed.sender.name)
                                or (not self.sender and (_DAEMON_FROM.search(raw_from) or _NULL_FROM.search(raw_from))))

    def opening(self, size: int = 1500) -> str:
        return self.parsed.text[:size]


def classify(parsed: ParsedMessage, envelope_from: str | None = None, own_addresses: Collection[str] = ()) -> Classification:
    """The kind of a message. ``envelope_from`` is the SMTP MAIL FROM; without it the Return-Path header is used.
    ``own_addresses`` are the helpdesk's own addresses (lower case): list headers of a list that is one
    of them do not make a message bulk."""
    message = _Message(parsed, envelope_from, own_addresses)
    for check in CHECKS:
        result = check(message)
        if result is not None:
            return result
    return Classification(NORMAL)


def classify_message(parsed: ParsedMessage, envelope_from: str) -> str:
    """The kind alone: ``normal``, ``autoreply``, ``bounce``, ``bulk``, ``dsn_delayed``, ``dsn_delivered``,
    ``feedback_report`` or ``challenge_response``."""
    return classify(parsed, envelope_from).kind


# --- the checks, in order ----------------------------------------------------------------

def feedback_report(message: _Message) -> Classification | None:
    """RFC 5965: a report that someone marked a message as spam or abuse."""
    if message.report_type == "feedback-report" or "message/feedback-report" in message.parsed.part_types:
        return Classification(FEEDBACK_REPORT, "feedback report")
    if message.null_sender and re.search(r"^Feedback-Type:\s*\w+", message.opening(4000), re.M | re.I):
        return Classification(FEEDBACK_REPORT, "feedback report fields in the text")
    # The older reports (Microsoft's JMRP, Yahoo's and AOL's before ARF): the complained-of message attached
    # under "This is an email abuse report for an email message ...".
    if "message/rfc822" in message.parsed.part_types and _ABUSE_REPORT_TEXT.search(message.opening(600)):
        return Classification(FEEDBACK_REPORT, "abuse report text")
    return None


def ses_notification(message: _Message) -> Classification | None:
    """Amazon SES's notice of a bounce, a complaint or a delivery, mailed by SNS as JSON."""
    notice = bounces.from_ses_notification(message.parsed.text)
    if notice is None:
        return None
    kind, recipients = notice
    if kind == "Complaint":
        return Classification(FEEDBACK_REPORT, "Amazon SES complaint notification")
    outcome = bounces.outcome_of(recipients) or (bounces.FAILED if kind == "Bounce" else bounces.DELIVERED)
    return Classification(_REPORT_KINDS[outcome], "Amazon SES notification", tuple(recipients))


def delivery_report(message: _Message) -> Classification | None:
    """RFC 3464: a multipart/report with a message/delivery-status part."""
    parsed = message.parsed
    if message.report_type != "delivery-status" and not parsed.delivery_status:
        return None
    if message.sender.rpartition("@")[2] in _CHALLENGE_DOMAINS:
        return None  # a challenge service's "sender not pre-approved", dressed as a report: a challenge

    recipients = bounces.from_delivery_status(parsed.delivery_status)
    outcome = bounces.outcome_of(recipients)
    if outcome is None:
        outcome = bounces.subject_outcome(message.subject) or bounces.text_outcome(parsed.text)
        recipients = recipients or _text_recipients(message, outcome)
    return Classification(_REPORT_KINDS[outcome], "delivery status report", tuple(recipients))


def text_bounce(message: _Message) -> Classification | None:
    """A delivery report in an MTA's own words: a mail system's sender with a report's subject or
    text (or the original returned), or, from any sender, a report's subject and text together."""
    parsed = message.parsed
    subject = bounces.subject_outcome(message.subject)  # anchored: "Fw: Undeliverable: ..." is none
    marked = message.daemon_name or "x-ms-exchange-message-is-ndr" in message.headers
    # The original returned, without a report's words, counts only from a marked or automatic sender,
    # and never under an out-of-office subject (some responders quote the message they answer).
    autoreply_subject = _AUTOREPLY_SUBJECT.search(message.subject) is not None
    returned = ((marked or message.auto_submitted != "no")
                and any(t in ("message/rfc822", "text/rfc822-headers") for t in parsed.part_types)
                and not autoreply_subject)
    if message.headers.get("x-failed-recipients"):
        reason = "X-Failed-Recipients"
    elif message.daemon_address and (subject or returned or bounces.has_report_text(parsed.text) or not (
            autoreply_subject or _NOTICE_SUBJECT.search(message.subject))):
        # A postmaster's notices that are no report (a quota warning, a quarantine digest, an out-of-office
        # reply) say so in their subject, and have neither a report's subject nor its words.
        reason = "sent by the mailer daemon or postmaster"
    elif (marked or message.null_sender) and (subject or not autoreply_subject and (
            returned or bounces.has_report_text(parsed.text) or marked and bounces.names_a_failure(parsed.text))):
        # (An out-of-office reply sent with the null sender may say "your message could not be delivered
        # to me": its subject says what it is.)
        reason = "sent by a mail system"
    elif bounces.opens_with_greeting(parsed.text):
        return None  # no mail system's sign, and it opens as a person's letter: a person quoting a report
    elif subject and bounces.has_report_text(parsed.text):
        reason = "report subject and text"
    elif not _FORWARD.match(message.subject) and bounces.opens_with_report(parsed.text):
        # A gateway's report under the subject it answers ("RE: ... : non remis"): its text begins with
        # a report's words and names an address; a person begins with a greeting or their own words.
        reason = "report text opens the message"
    else:
        return None
    outcome = bounces.report_outcome(subject, parsed.text)
    return Classification(_REPORT_KINDS[outcome], reason, tuple(_text_recipients(message, outcome)))


def read_receipt(message: _Message) -> Classification | None:
    """RFC 8098 disposition notifications and Outlook's read receipts: automatic answers."""
    content_class = message.headers.get("content-class", "").lower()
    if message.report_type == "disposition-notification" or "mdn" in content_class:
        if bounces.subject_outcome(message.subject) == bounces.FAILED:
            return None  # a mail system refusing the message by disposition ("Automatically rejected mail")
        return Classification(AUTOREPLY, "read receipt")
    return None


def challenge_response(message: _Message) -> Classification | None:
    """'Prove you are a person before your message is delivered' (TMDA, BoxTrapper, Spam Arrest ...)."""
    headers = message.headers
    if any(name.startswith(_CHALLENGE_HEADERS) for name in headers) or "tmda" in headers.get("x-delivery-agent", "").lower():
        return Classification(CHALLENGE_RESPONSE, "challenge-response header")
    if message.sender.rpartition("@")[2] in _CHALLENGE_DOMAINS:
        return Classification(CHALLENGE_RESPONSE, "challenge-response service")
    subject = _CHALLENGE_SUBJECT.search(message.subject)
    machine = message.auto_submitted != "no" or message.null_sender
    if (subject or machine) and (machine and subject or _CHALLENGE_TEXT.search(message.opening(3000))):
        return Classification(CHALLENGE_RESPONSE, "challenge to confirm the sender")
    # Without a sign in the subject or the envelope (MailWasher, a desktop filter answering as the person):
    # the text says both that the message is held and that the sender must confirm, in its own first words
    # (not quoted, not forwarded: a person showing IT such a challenge asks for help).
    if _FORWARD.match(message.subject):
        return None
    opening = message.parsed.visible_text[:1500]
    lowered = opening[:400].lower()
    if (("held" in lowered or "hold" in lowered or "quarantin" in lowered or "until you" in lowered
         or "once you" in lowered) and _CHALLENGE_HELD.search(opening[:400]) and _CHALLENGE_TEXT.search(opening)):
        return Classification(CHALLENGE_RESPONSE, "held until the sender confirms")
    return None


def autoreply_header(message: _Message) -> Classification | None:
    """Headers only autoresponders set."""
    headers = message.headers
    if message.auto_submitted == "auto-replied":
        return Classification(AUTOREPLY, "Auto-Submitted: auto-replied")
    for name in _AUTOREPLY_HEADERS:
        if name in headers and headers[name].strip().lower() not in ("no", "false", "0"):
            return Classification(AUTOREPLY, name)
    # Exchange marks every message an inbox rule acted on with the rule's mailbox: a rule's answer
    # comes from that mailbox; a message a rule redirected (a shared it@ mailbox passing its mail on
    # to us) still comes from its writer.
    loop = headers.get("x-ms-exchange-inbox-rules-loop", "").lower()
    if loop and (not message.sender or message.sender in loop):
        return Classification(AUTOREPLY, "x-ms-exchange-inbox-rules-loop")
    if headers.get("precedence", "").strip().lower() == "auto_reply":
        return Classification(AUTOREPLY, "Precedence: auto_reply")
    if headers.get("x-autogenerated", "").strip().lower() == "reply":
        return Classification(AUTOREPLY, "X-Autogenerated: Reply")
    if "autoresponder" in headers.get("delivered-to", "").lower():
        return Classification(AUTOREPLY, "Delivered-To: Autoresponder")
    return None


def bulk_header(message: _Message) -> Classification | None:
    """Mailing lists and campaigns."""
    headers = message.headers
    for name in headers:
        if name in _BULK_HEADERS or name.startswith(_BULK_PREFIXES):
            if message.own_list and name in _LIST_HEADERS:
                continue
            return Classification(BULK, name)
    if _BULK_MAILER.search(headers.get("x-mailer", "")):
        return Classification(BULK, "bulk mailer")
    return None


def autoreply_suppressed(message: _Message) -> Classification | None:
    """Exchange marks its out-of-office answers "do not answer this with an out-of-office" (OOF)."""
    value = message.headers.get("x-auto-response-suppress", "").lower()
    if re.search(r"\boof\b", value):
        return Classification(AUTOREPLY, "X-Auto-Response-Suppress: OOF")
    return None


def autoreply_subject(message: _Message) -> Classification | None:
    if _AUTOREPLY_SUBJECT.search(message.subject) or _AUTOREPLY_TAG.search(message.subject):
        return Classification(AUTOREPLY, "autoreply subject")
    return None


def bulk_precedence(message: _Message) -> Classification | None:
    precedence = message.headers.get("precedence", "") or message.headers.get("x-precedence", "")
    precedence = precedence.strip().lower()
    if precedence in ("bulk", "junk") and message.null_sender and message.headers.get("return-path", "").strip():
        # vacation(1) and its kin answer from the null sender with "Precedence: bulk" (or junk); a campaign
        # needs its bounces and never sends from the null sender.
        return Classification(AUTOREPLY, "Precedence from the null sender")
    if precedence in ("bulk", "junk") or (precedence == "list" and not message.own_list):
        return Classification(BULK, "Precedence")
    return None


def _names_own_list(headers: dict[str, str], own_addresses: Collection[str]) -> bool:
    """Whether the list headers name one of our addresses as the list: ``List-Id: <it.corp.example>``
    (or ``<it@corp.example>``), ``List-Post: <mailto:it@corp.example>``, ``Mailing-list: list it@corp.example``."""
    list_id = headers.get("list-id", "")
    if list_id:
        start, end = list_id.rfind("<"), list_id.rfind(">")
        identifier = (list_id[start + 1:end] if 0 <= start < end else list_id).strip().lower()
        if identifier in own_addresses or any(identifier == a.replace("@", ".") for a in own_addresses):
            return True
    for name in ("list-post", "mailing-list", "x-mailing-list"):
        if any(address.lower() in own_addresses for address in _LIST_ADDRESS.findall(headers.get(name, ""))):
            return True
    return False


def auto_submitted(message: _Message) -> Classification | None:
    if message.auto_submitted != "no":
        return Classification(AUTOREPLY, f"Auto-Submitted: {message.auto_submitted}")
    return None


def autoreply_text(message: _Message) -> Classification | None:
    """An answer to a message whose text starts like an out-of-office note and asks nothing."""
    if not _REPLY.match(message.subject):
        return None
    opening = message.parsed.visible_text[:400]
    if len(message.parsed.visible_text) >= 1500 or "?" in opening:
        return None
    greeting = _GREETING_LINE.match(opening)  # "Hello,", "Bonjour," on a line of its own
    if _AUTOREPLY_TEXT.search(opening) or greeting and _AUTOREPLY_TEXT.search(opening[greeting.end():]):
        return Classification(AUTOREPLY, "out-of-office text")
    return None


def acknowledgement(message: _Message) -> Classification | None:
    """A ticket system's "we have received your request" (Zendesk, Freshdesk, Jira Service Management,
    ServiceNow, OTRS, Zammad ...): an automatic answer. The subject alone counts only when it is no
    answer or forward of a person ("Re: Your request has been received" is a person writing back); the
    text counts when it opens the message with a system's words and asks nothing."""
    if _ACK_SUBJECT.search(message.subject) and not (_REPLY.match(message.subject) or _FORWARD.match(message.subject)):
        return Classification(AUTOREPLY, "acknowledgement subject")
    text = message.parsed.visible_text
    opening = text[:600]
    if len(text) < 2000 and "?" not in opening and _ACK_TEXT.search(opening):
        return Classification(AUTOREPLY, "acknowledgement text")
    return None


def read_receipt_text(message: _Message) -> Classification | None:
    """A read receipt sent as plain mail (Outlook without the MDN content class): "Read: ..." and "Your
    message ... was read on ..."."""
    if _READ_SUBJECT.match(message.subject) and _READ_TEXT.search(message.parsed.text[:1500]):
        return Classification(AUTOREPLY, "read receipt text")
    return None


def bulk_text(message: _Message) -> Classification | None:
    """A campaign sent without any list header: its footer says why you receive it and how to unsubscribe,
    and it goes to many at once (no recipient, undisclosed recipients, or the sender itself) or offers a
    browser view. A person's reply or forward, or a signature mentioning a newsletter, is none."""
    subject = message.subject
    if _REPLY.match(subject) or _FORWARD.match(subject):
        return None
    text = message.parsed.text
    start = max(0, len(text) - 1500)
    footer = text[start:]
    lowered = footer.lower()
    if not any(word in lowered for word in _UNSUBSCRIBE_WORDS):
        return None
    # The footer's words stand on a line of their own below the content, not in a person's first sentence.
    because = _RECEIVING_BECAUSE.search(footer)
    footnote = because is not None and start + because.start() >= 40 and "\n" in footer[:because.start()]
    browser_view = _BROWSER_VIEW.search(text[:600]) is not None
    if not (footnote or browser_view):
        return None
    to = [box.email for box in message.parsed.to]
    many = not to or to == [message.sender] or "undisclosed" in message.headers.get("to", "").lower()
    if many or browser_view or re.search(r"newsletter|rundbrief|bulletin|infolettre", subject, re.I):
        return Classification(BULK, "campaign footer")
    return None


CHECKS = (feedback_report, ses_notification, delivery_report, read_receipt, challenge_response, text_bounce, autoreply_header,
          bulk_header, autoreply_suppressed, autoreply_subject, read_receipt_text, acknowledgement, bulk_precedence,
          auto_submitted, autoreply_text, bulk_text)


def _text_recipients(message: _Message, outcome: str) -> list[Recipient]:
    parsed = message.parsed
    own = {parsed.sender.email, *(box.email for box in parsed.to), *(box.email for box in parsed.cc)}
    found = bounces.from_text(parsed.text, outcome, message.headers.get("x-failed-recipients", ""), own,
                              parsed.sender.email.rpartition("@")[2].lower())
    if not found and parsed.returned_status:  # a gateway relayed the report as an attached message
        found = bounces.from_delivery_status(parsed.returned_status)
    return found


# --- the phrases ----------------------------------------------------------------------------

_NULL_FROM = re.compile(r"<\s*@?\s*>\s*$")
_DAEMON_FROM = re.compile(r"\b(?:mailer-daemon|postmaster|mail delivery (?:system|subsystem))\b", re.I)
_DAEMON_NAME = re.compile(r"^(?:mail delivery (?:system|subsystem|service|agent)|mailer[- ]daemon|mail administrator"
                          r"|mail system|postmaster|delivery subsystem|microsoft outlook)\s*$", re.I)
#: Subjects of a mail system's notices that are no delivery report.
_NOTICE_SUBJECT = re.compile(
    r"mailbox (?:is )?(?:almost |nearly )?full|mailbox (?:size|quota)|(?:over|exceeded|approaching) (?:its |your )?"
    r"(?:size limit|quota|storage)|quota warning|storage (?:warning|limit)|quarantin|spam (?:report|digest|summary)"
    r"|(?:junk|held|blocked) (?:mail|messages?) (?:report|digest|summary)|message digest|password (?:expir|will expire)",
    re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:fw|fwd|wg|tr|rv|enc|vl|doorst|i|转发|轉寄|転送)\s*[:：]", re.IGNORECASE)
_REPLY = re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:re|aw|antw|antwort|sv|vs|odp|r|res|rif|ynt|wg|fw|fwd|tr|rv|回复|答复|返信|回覆)\s*[:：]", re.I)

_AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-autoresponse", "x-auto-reply",
                      "x-mail-autoreply", "x-autoreply-from", "x-vacation",
                      "x-fc-machinegenerated")
_BULK_HEADERS = frozenset({
    "list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe", "list-owner", "mailing-list",
    "x-mailing-list", "x-list", "x-list-unsubscribe", "x-campaign", "x-campaign-id", "x-campaignid", "x-campaign-name",
    "feedback-id", "x-feedback-id", "x-csa-complaints", "x-report-abuse", "x-newsletter", "x-listmember",
    "x-mc-user", "x-mailjet-campaign", "x-roving-campaignid", "x-sg-eid", "x-mailin-campaign", "x-sfmc-stack",
    "x-ems-id", "x-mailgun-tag",
})
#: The headers a mailing list adds about itself (not a campaign's own).
_LIST_HEADERS = frozenset({"list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe", "list-owner",
                           "mailing-list", "x-mailing-list", "x-list", "x-list-unsubscribe"})
_LIST_ADDRESS = re.compile(r"(?:mailto:|\blist\s+)([^\s<>;,@]+@[^\s<>;,@]+)", re.I)
_BULK_PREFIXES = ("x-mailchimp", "x-mc-", "x-campaign", "x-mailjet", "x-roving", "x-sfmc", "x-mailin-")
_BULK_MAILER = re.compile(r"mailchimp|phplist|sendinblue|brevo|mailjet|mailpoet|newsletter|campaign|sendy|acymailing"
                          r"|mailerlite|getresponse|klaviyo|constant ?contact|hubspot|marketo|pardot|emarsys|listserv"
                          r"|mailman|sympa|majordomo|ezmlm|mass ?mail", re.I)

_CHALLENGE_HEADERS = ("x-tmda", "x-boxtrapper", "x-spamarrest", "x-challenge", "x-mailblocks", "x-sendio",
                      "x-asksender", "x-choicemail", "x-bluebottle")
_CHALLENGE_DOMAINS = frozenset({"spamarrest.com", "mailblocks.com", "sendio.com", "bluebottle.com", "boxbe.com"})
_CHALLENGE_SUBJECT = re.compile(
    r"please confirm your (?:message|e-?mail)|your e-?mail requires verification|verify#|sender verification"
    r"|please verify (?:your|that you)|message (?:held|pending|quarantined) (?:for|pending|until) (?:your )?"
    r"(?:verification|confirmation)|spam ?arrest|choicemail|awaiting (?:your )?(?:confirmation|verification)"
    r"|confirm(?:ation)? (?:required|needed) to deliver|bestätigung erforderlich|absender-?verifizierung", re.I)
_CHALLENGE_TEXT = re.compile(
    r"to release your message|confirm that you are a (?:real )?(?:person|human)|verify that you are a (?:real )?"
    r"(?:live )?(?:person|human)|(?:is|has been) (?:being )?held (?:pending|until|for) (?:your )?(?:verification|confirmation)"
    r"|requires that you verify|(?:reply to|click the link in) this (?:message|e-?mail) (?:to|in order to) "
    r"(?:confirm|release|verify)|challenge[- ]response system|spam ?arrest|prove you are (?:a )?human"
    r"|add you to (?:my|the) (?:list of )?(?:approved|allowed) senders", re.I)

_LEADING_TAG = r"^\s*(?:\[[^\]]{1,40}\]\s*)?"
# At the start of a subject, and only as the whole subject or before ":", "-", "(", "until" ... (the
# prefixes responders put before the original subject): "Automatic reply: VPN", "Out of office until
# 3 Dec", but not "Automatic reply not working" or "Out of office rules". Words a person uses in a
# subject to HR ("Absence", "Vacation", "Urlaub") are not among them.
_AUTOREPLY_PREFIXES = (
    r"automatic reply", r"auto(?:mated|matic)? ?[- ]?(?:reply|response|answer)", r"autoreply", r"autoresponse",
    r"out of (?:the )?office(?: auto-?reply)?", r"away from (?:the |my )?(?:office|desk|e-?mail|mail)", r"ooo",
    r"vacation (?:reply|response|auto-?reply)", r"abwesenheitsnotiz", r"abwesenheitsnachricht",
    r"automatische antwort", r"autom\. antwort", r"nicht im büro", r"außer haus", r"ausser haus",
    r"r[ée]ponse automatique", r"message d'absence", r"absente? du bureau", r"hors du bureau",
    r"respuesta autom[áa]tica", r"mensaje de ausencia", r"fuera de (?:la )?oficina",
    r"risposta automatica", r"messaggio di assenza", r"fuori (?:sede|ufficio)",
    r"automatisch antwoord", r"afwezigheidsbericht", r"buiten kantoor",
    r"resposta autom[áa]tica", r"mensagem de aus[êe]ncia", r"fora do escrit[óo]rio",
    r"automatiskt svar", r"autosvar", r"frånvaromeddelande", r"inte på kontoret", r"automatisk svar",
    r"ikke på kontoret", r"fraværsmelding", r"odpowied[źz] automatyczna", r"automatyczna odpowied[źz]", r"poza biurem",
    r"自動応答", r"自動返信", r"不在(?:のお知らせ|通知)", r"自动回复", r"自動回覆", r"自动答复", r"不在办公室",
    r"автоматический ответ", r"автоответ", r"вне офиса", r"нет на месте", r"automaattinen vastaus",
    r"automatická odpověď", r"mimo kancelář", r"otomatik yanıt", r"automatikus válasz", r"자동 회신", r"자동 응답",
    r"αυτόματη απάντηση", r"răspuns automat", r"автоматична відповідь",
)
_PREFIX_END = r"(?=\s*(?:$|[:：\-–—(\[|/,.!]|until\b|till\b|bis\b|jusqu|hasta\b|fino\b|tot\b|até\b|do\b|до\b|auto|re\s*:))"
_AUTOREPLY_SUBJECT = re.compile(
    _LEADING_TAG + r"(?:(?:" + "|".join(_AUTOREPLY_PREFIXES) + r")" + _PREFIX_END
    + r"|.{1,60}\b(?:is|ist|est) (?:currently |derzeit |actuellement )?(?:out of (?:the )?office|außer haus"
    r"|nicht im büro|absente?)\.?\s*(?:$|\())", re.I)
# In brackets, only the words that name an automatic answer: "(außer Haus)", "[fuori sede]" may be a
# person's note that an event is off-site.
_TAG_PREFIXES = [p for p in _AUTOREPLY_PREFIXES if re.search(
    r"auto|abwesenheit|absence|aus[êe]ncia|assenza|afwezigheid|frånvaro|fravær|out of|vacation|ooo|応答|返信|回复|回覆|答复"
    r"|ответ|회신|응답|απάντηση|răspuns|vastaus|odpověď|válasz|yanıt|svar|відповідь", p)]
_AUTOREPLY_TAG = re.compile(r"[\[(【]\s*(?:auto|" + "|".join(_TAG_PREFIXES)
                            + r"|不在(?:通知|連絡)?|休暇中|外出中)\s*[\])】]", re.I)
_AUTOREPLY_TEXT = re.compile(
    r"^\W*(?:(?:thank you|thanks) for your (?:e-?mail|message|mail)[.,!]*\s*)?"
    r"(?:i am|i'm|i will be|i'll be)\s+(?:currently\s+|now\s+)?(?:out of (?:the )?office|away|on (?:annual )?(?:leave|vacation|holiday)"
    r"|out of the country|travell?ing|absent)"
    r"|^\W*this is an automat(?:ic|ed) (?:reply|response|message)"
    r"|^\W*(?:vielen dank für ihre (?:nachricht|e-?mail)[.,!]*\s*)?ich bin (?:derzeit |zurzeit |zur zeit |leider )?"
    r"(?:(?:bis|ab|vom|von|seit)\b[^?!\n]{1,40}?\s)?(?:nicht im büro|nicht im hause?|abwesend|im urlaub|außer haus|ausser haus"
    r"|nicht erreichbar|nicht (?:im|in der) (?:firma|office)|auf (?:reisen|dienstreise|geschäftsreise)|in (?:elternzeit|urlaub))"
    r"|^\W*dies ist eine automatische (?:antwort|nachricht)"
    r"|^\W*(?:merci pour votre (?:message|e-?mail|courriel)[.,!]*\s*)?je suis (?:actuellement )?(?:absente?|en congés?|en vacances|hors du bureau)"
    r"|^\W*ceci est une réponse automatique"
    r"|^\W*(?:gracias por su (?:mensaje|correo)[.,!]*\s*)?(?:estoy|me encuentro) (?:actualmente )?(?:fuera de la oficina|de vacaciones|ausente)"
    r"|^\W*esta es una respuesta automática"
    r"|^\W*(?:grazie per (?:la sua|il suo|la tua|il tuo) (?:e-?mail|mail|messaggio)[.,!]*\s*)?sono (?:attualmente )?(?:fuori (?:sede|ufficio)|in ferie|assente)"
    r"|^\W*questa è una risposta automatica"
    r"|^\W*(?:bedankt voor (?:uw|je) (?:e-?mail|bericht)[.,!]*\s*)?ik ben (?:momenteel |op dit moment )?(?:afwezig|niet aanwezig|met vakantie|op vakantie|buiten kantoor)"
    r"|^\W*dit is een automatisch (?:antwoord|bericht)"
    r"|^\W*(?:obrigad[oa] pela (?:sua )?(?:mensagem|e-?mail)[.,!]*\s*)?(?:eu )?estou (?:atualmente )?(?:fora do escritório|de férias|ausente)"
    r"|^\W*esta é uma resposta automática"
    r"|^\W*jag är (?:för närvarande )?(?:inte på kontoret|tjänstledig|på semester|ledig|frånvarande)"
    r"|^\W*detta är ett automatiskt svar"
    r"|^\W*jestem (?:obecnie )?(?:poza biurem|na urlopie|nieobecn[ya])"
    r"|^\W*to jest automatyczna odpowiedź"
    r"|不在にしております|休暇中のため|自動返信|我(?:目前)?(?:不在办公室|正在休假|休假中)|这是一封自动回复"
    r"|^\W*я (?:сейчас |в настоящее время )?(?:в отпуске|нахожусь в отпуске|отсутствую|не в офисе|вне офиса)"
    r"|^\W*это автоматический ответ", re.I)

_ACK_SUBJECT = re.compile(
    _LEADING_TAG + r"(?:(?:(?:ticket|request|case|enquiry|inquiry|anfrage|demande|solicitud) (?:(?:has been |was )?received|created|opened)"
    r"|we(?: have|'ve)? received your (?:request|ticket|inquiry|enquiry|message|e-?mail|support request))"
    r"(?=\s*(?:$|[:\-–—(\[#|.!,]|\d))"
    r"|thanks? (?:you )?for your (?:request|ticket|inquiry|enquiry|support request)\b"
    r"|thank you for contacting (?:us|\w+(?: \w+)? (?:support|service|team|helpdesk|help desk))\b|your (?:request|ticket|case|incident)\b[^:]{0,30} has been (?:received|created|opened|logged|submitted)"
    r"|(?:incident|request|case|ticket) \S{1,20} has been (?:opened|created|logged) on your behalf"
    r"|\[ticket#\d+\]\s*(?:re\s*:\s*)?(?:$|\S)(?=.*\b(?:received|eingegangen|reçue?)\b)"
    r"|ihre anfrage (?:ist )?(?:bei uns )?eingegangen|eingangsbest[äa]tigung|accusé de réception|acuse de recibo)", re.I)
#: A ticket system's opening words.
_ACK_TEXT = re.compile(
    r"^\W*(?:##- please type your reply above this line -##\W*)?"
    r"(?:your (?:request|ticket|case)\s*\(?#?\w{0,20}\)? has been (?:received|created|opened|logged)"
    r"|(?:dear [^,\n]{1,40},\s*)?(?:we would like to acknowledge that we have received your request"
    r"|this is an automat(?:ic|ed|ically generated) (?:response|reply|acknowledge?ment|confirmation)"
    r"|thank you for your (?:inquiry|enquiry) \(#?\w+\)))"
    r"|^\W*(?:your|an?) (?:incident|request|case) (?:\S+ )?has been opened on your behalf", re.I)
_READ_SUBJECT = re.compile(r"^\s*(?:read|gelesen|lu|leído|letto|gelezen|lido|läst|læst|lest|luettu|odczytana|přečteno"
                           r"|прочитано|прочитана|已读|已讀|開封済み|읽음)\s*[:：]", re.I)
_READ_TEXT = re.compile(r"^\W*(?:your message|ihre nachricht|votre message|su mensaje|il tuo messaggio|uw bericht)\b"
                        r"[\s\S]{0,600}?\b(?:was read on|wurde am .{0,80}gelesen|a été lu|fue leído|è stato letto"
                        r"|is gelezen op)", re.I)
_UNSUBSCRIBE_WORDS = ("unsubscribe", "opt-out", "opt out", "abmelden", "abbestellen", "se désabonner", "désinscri",
                      "darse de baja", "cancelar suscripci", "cancelar la suscripci", "annulla l'iscrizione",
                      "annulla iscrizione", "disiscriviti", "afmelden", "uitschrijven", "descadastr", "avregistrera",
                      "afmeld", "wypisz", "配信停止", "退订")
_RECEIVING_BECAUSE = re.compile(r"(?:you(?:'re| are)? receiv(?:ed|ing) this|this (?:e-?mail|message|newsletter) was sent to"
                                r"|sie erhalten diese|vous recevez ce|recibes este|recibe este|ricevi questa|u ontvangt deze"
                                r"|je ontvangt deze|você está recebendo|du får det|no longer wish to receive"
                                r"|(?:manage|update) your (?:e-?mail |subscription |communication )?preferences)", re.I)
_BROWSER_VIEW = re.compile(r"view (?:it |this (?:e-?mail|message|newsletter) |the (?:e-?mail|newsletter) )?(?:online|in (?:your|a) (?:web ?)?browser)"
                           r"|im browser (?:an)?(?:zeigen|öffnen|ansehen)|version en ligne|dans votre navigateur|ver en (?:el |tu |su )?navegador", re.I)
_ABUSE_REPORT_TEXT = re.compile(r"^\W*this is an? (?:e-?mail )?abuse report for an? (?:e-?mail )?message", re.I)
_CHALLENGE_HELD = re.compile(r"your (?:message|e-?mail)(?: to \S+)? (?:has been|was|is being|is) (?:held|quarantined|put on hold)"
                             r"|(?:will be|is) (?:delivered|released) (?:once|when|after|as soon as) you (?:confirm|verify|reply)"
                             r"|(?:held|not (?:be )?delivered) until you (?:confirm|verify|reply)", re.I)
_GREETING_LINE = re.compile(r"\W*(?:hello|hi|dear|good (?:morning|afternoon|day)|bonjour|madame|monsieur|hallo|guten tag"
                            r"|sehr geehrte|liebe|hola|buenos días|estimad[oa]s?|buongiorno|gentile|olá|bom dia|prezad[oa]"
                            r"|goedendag|geachte|beste|hej|dzień dobry|здравствуйте|добрый день)\b[^\n?]{0,50}\n\s*", re.I)

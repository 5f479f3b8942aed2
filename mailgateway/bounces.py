"""Delivery reports: who did not get a message, and why.

Standard reports (RFC 3464, a message/delivery-status part) are read field
by field. Reports in an MTA's own words (Exchange and Office 365, Gmail,
Postfix, Sendmail, Exim, qmail, Amazon SES, Lotus Domino, Yahoo, the
Barracuda, Proofpoint, Mimecast and Symantec appliances, in English, German,
French, Spanish, Italian, Dutch and Portuguese) are recognised by their fixed
phrases; their recipients, status codes and diagnostics are read from the
text before the returned original. Amazon SES's notifications, which SNS
mails as JSON, are read as JSON.

Outcomes are the RFC 3464 actions: ``failed``, ``delayed``, ``delivered``.
A recipient is ``hard`` when its status is permanent (5.x.x) or its action
is ``failed``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

FAILED, DELAYED, DELIVERED = "failed", "delayed", "delivered"
_SUCCESS_ACTIONS = frozenset({"delivered", "relayed", "expanded"})


@dataclass(frozen=True)
class Recipient:
    email: str
    status: str | None
    action: str | None
    diagnostic: str | None
    hard: bool


def recipient(email: str, status: str | None, action: str | None, diagnostic: str | None) -> Recipient:
    hard = (status or "").startswith("5") or action == FAILED
    return Recipient(email, status, action, diagnostic, hard)


# --- RFC 3464 -------------------------------------------------------------------------

_BLOCKS = re.compile(r"\n[ \t]*\n")
_RECIPIENT_FIELDS = ("final-recipient", "original-recipient")
_PER_MESSAGE_FIELDS = ("reporting-mta", "arrival-date", "received-from-mta", "dsn-gateway", "original-envelope-id")
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")


def from_delivery_status(text: str) -> list[Recipient]:
    """The per-recipient fields of a message/delivery-status body."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    records: list[dict[str, str]] = []
    for block in _BLOCKS.split(text):
        current: dict[str, str] = {}
        previous = ""
        for name, value in _fields(block):
            # The next recipient: a second Final- or Original-Recipient, or a recipient field after this
            # record's own recipient and its Action or Status (a recipient's two fields stand together;
            # some MTAs write them before Action and Status, some after).
            if name in _RECIPIENT_FIELDS and (name in current or (
                    previous not in _RECIPIENT_FIELDS and not current.keys().isdisjoint(_RECIPIENT_FIELDS)
                    and not current.keys().isdisjoint(("action", "status")))):
                records.append(current)
                current = {}
            current.setdefault(name, value)
            previous = name
        records.append(current)
    result = []
    shared_action = ""
    for fields in records:
        if fields.keys().isdisjoint(_RECIPIENT_FIELDS):
            if not fields.keys().isdisjoint(_PER_MESSAGE_FIELDS):
                # The per-message block (Reporting-MTA, Arrival-Date ...). Some MTAs put the Action
                # there, once for all the recipients that follow.
                shared_action = fields.get("action", "")
                continue
            if "action" not in fields:
                continue
        address = _report_address(fields)
        action = (fields.get("action", shared_action).split() or [None])[0]
        action = action.lower() if action else None
        diagnostic = _typed_value(fields.get("diagnostic-code", "")) or None
        status = _STATUS.search(fields.get("status", ""))
        if status:
            status = status.group()
        elif diagnostic:
            status = _status_of_diagnostic(diagnostic, action)
        result.append(recipient(address.lower(), status, action, diagnostic))
    return result


def _status_of_diagnostic(diagnostic: str, action: str | None) -> str | None:
    """A record without a Status field (some gateways write none): the status its Diagnostic-Code
    states ("550 5.1.1 User unknown"), else the one its words mean in its reply code's class."""
    outcome = {FAILED: FAILED, DELAYED: DELAYED}.get(action or "", "")
    stated = _pick_status(diagnostic, outcome or FAILED)
    if stated:
        return stated[0]
    basic = _BASIC_CODE.search(diagnostic + " ")
    return _status_from_words(diagnostic, outcome, f"{basic.group(1)}.0.0" if basic else None)


def _report_address(fields: dict[str, str]) -> str:
    """The recipient a report is about: the address as the sender wrote it (Original-Recipient), else
    the one the report's MTA tried last (Final-Recipient, after aliases and forwarding), whichever is an
    Internet address (``x400; /S=anna/...`` is not), else whatever is there."""
    values = [_typed_value(fields.get(name, "")) for name in ("original-recipient", "final-recipient")]
    return next((value for value in values if _ADDRESS.fullmatch(value)), values[1] or values[0])


def _fields(block: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            name, value = fields[-1]
            fields[-1] = (name, f"{value} {line.strip()}")
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name.strip().lower(), value.strip()))
    return fields


def _typed_value(value: str) -> str:
    """``rfc822; anna@corp.example`` -> ``anna@corp.example``; ``smtp; 550 ...`` -> ``550 ...``."""
    if ";" in value:
        value = value.split(";", 1)[1]
    return " ".join(value.split()).strip("<>")[:500]


def outcome_of(recipients: list[Recipient]) -> str | None:
    """The report's outcome: failed if any recipient failed, else delayed, else delivered."""
    actions = {r.action for r in recipients}
    if FAILED in actions:
        return FAILED
    if DELAYED in actions:
        return DELAYED
    if actions & _SUCCESS_ACTIONS:
        return DELIVERED
    classes = {(r.status or " ")[0] for r in recipients}
    return FAILED if "5" in classes else DELAYED if "4" in classes else DELIVERED if "2" in classes else None


# --- Amazon SES notifications ----------------------------------------------------------

_SES_TYPES = ("Bounce", "Complaint", "Delivery")


def from_ses_notification(text: str) -> tuple[str, list[Recipient]] | None:
    """An Amazon SES notification, mailed by SNS as JSON (bare, or as the "Message" of SNS's own JSON):
    its type (``Bounce``, ``Complaint`` or ``Delivery``) and the recipients it reports; None for any
    other text."""
    if not text[:100].lstrip().startswith("{"):
        return None
    text = text.lstrip()
    if "Type" not in text[:2000]:
        return None
    try:
        notice, end = json.JSONDecoder().raw_decode(text)
        if text[end:].strip() and not text[end:].lstrip().startswith("--"):
            return None  # JSON in a person's sentence; after a notification, only SNS's "--" footer follows
        if isinstance(notice.get("Message"), str):
            notice = json.loads(notice["Message"])
    except (ValueError, AttributeError):
        return None
    kind = notice.get("notificationType") or notice.get("eventType") if isinstance(notice, dict) else None
    details = notice.get(kind.lower()) if kind in _SES_TYPES else None
    if not isinstance(details, dict):
        return None
    if kind == "Bounce":
        default = "5.0.0" if details.get("bounceType") == "Permanent" else "4.0.0"
        bounced = [r for r in details.get("bouncedRecipients", []) if isinstance(r, dict)]
        recipients = [recipient(str(r.get("emailAddress", "")).lower(), r.get("status") or default,
                                r.get("action") or FAILED, r.get("diagnosticCode")) for r in bounced]
    elif kind == "Delivery":
        recipients = [recipient(str(address).lower(), "2.0.0", DELIVERED, details.get("smtpResponse"))
                      for address in details.get("recipients", [])]
    else:
        recipients = []
    return kind, recipients


# --- Reports in an MTA's own words -----------------------------------------------------

def _anchored(*phrases: str) -> re.Pattern:
    return re.compile(r"^\s*(?:\[[^\]]{1,40}\]\s*)?(?:" + "|".join(phrases) + ")", re.I)


def _anywhere(*phrases: str) -> re.Pattern:
    return re.compile("|".join(phrases), re.I)


_FAILED_SUBJECT = _anchored(
    r"undeliver(?:ed|able)\b", r"non[- ]?deliver(?:y|able)", r"returned mail\b", r"mail delivery failed",
    r"delivery status notification \(fail", r"delivery (?:status notification: )?fail", r"delivery_failure",
    r"failure notice", r"message (?:not delivered|undeliverable|delivery fail|could not be delivered)",
    r"delivery notification: delivery has failed", r"undeliverable mail", r"unable to deliver",
    r"mail system error", r"mail could not be delivered", r"automatically rejected mail", r"undelivered message",
    r"(?:message|mail) rejected\b",
    r"rejected: ", r"\*\*\s*message you sent blocked", r"message blocked\b", r"delivery report: undeliver",
    # de
    r"unzustellbar", r"nicht zustellbar", r"benachricht(?:ig)?ung zum übermittlungsstatus \(fehl",
    r"zustellung fehlgeschlagen", r"fehlgeschlagen:", r"fehlermeldung", r"nachricht konnte nicht zugestellt",
    # fr
    r"non remis", r"non distribu", r"impossible de remettre", r"notification d'état de (?:la )?remise \(échec",
    r"échec de (?:la )?remise", r"message non (?:remis|délivré)", r"courrier retourné",
    # es
    r"no se puede entregar", r"no entregado", r"no se pudo entregar", r"error en la entrega",
    r"notificación de estado de entrega \((?:error|fall)", r"mensaje no entregado", r"correo devuelto",
    # it
    r"non recapitabile", r"impossibile recapitare", r"notifica sullo stato di consegna \((?:errore|non riuscit)",
    r"mancato recapito", r"messaggio non recapitato", r"posta non recapitat",
    # nl
    r"onbestelbaar", r"kan niet worden bezorgd", r"niet bezorgd", r"bezorging mislukt",
    r"(?:melding van )?status van bezorging \((?:fout|mislukt)",
    # pt
    r"não (?:é possível |foi possível )?entreg", r"não entregue", r"falha na entrega", r"mensagem não entregue",
    r"notificação de status de entrega \((?:falha|erro)", r"e-?mail devolvido",
    # Exchange's and other MTAs' subjects in more languages (sv, da/no, fi, pl, cs/sk, ru/uk, ja, zh, ko, tr, hu, el, ro)
    r"det gick inte att leverera", r"olevererbart", r"kan ikke leveres", r"kunne ikke leveres", r"ikke[- ]leverbar",
    r"ei voitu toimittaa", r"ei voi toimittaa", r"toimittamaton", r"niedostarczaln", r"nie można dostarczyć",
    r"nedoručiteln", r"nelze doručit", r"nedoručiteľn", r"недоставля", r"недоставленн", r"не удается доставить",
    r"не удалось доставить", r"сообщение не доставлено", r"не вдалося доставити", r"配信不能", r"配信できません",
    r"无法投递", r"無法傳遞", r"无法送达", r"無法送達", r"系统退信", r"退信", r"배달되지 않음", r"배달 못함",
    r"teslim edilemedi", r"teslim edilemiyor", r"kézbesíthetetlen", r"nem kézbesíthető",
    r"δεν είναι δυνατή η παράδοση", r"μη παραδοτέο", r"nelivrabil",
    r"delivery status notification: (?:error|failure)",
)
_DELAYED_SUBJECT = _anchored(
    r"delivery status notification \(delay", r"delivery delayed", r"delayed mail", r"delayed:",
    r"warning: could not send message", r"warning: message .{0,80}delayed", r"message delayed",
    r"delivery (?:has been )?delayed", r"mail delivery delayed", r"delivery incomplete", r"(?:mail )?delivery warning",
    r"message delivery (?:has been )?delayed",
    r"zustellung verzögert", r"benachricht(?:ig)?ung zum übermittlungsstatus \(verzögerung", r"verzögert:",
    r"remise différée", r"retardé", r"notification d'état de (?:la )?remise \(retard",
    r"entrega retrasada", r"retrasado:", r"notificación de estado de entrega \(retraso",
    r"recapito ritardato", r"ritardato:", r"notifica sullo stato di consegna \(ritardo",
    r"bezorging vertraagd", r"vertraagd:", r"(?:melding van )?status van bezorging \(vertraging",
    r"entrega atrasada", r"atrasad[ao]:", r"notificação de status de entrega \(atraso",
    r"delivery status notification: (?:delay|warning)", r"warning: delayed mail",
)
_DELIVERED_SUBJECT = _anchored(
    r"delivery status notification \((?:success|relay|delivered)", r"delivered:", r"relayed:",
    r"successful mail delivery", r"delivery notification: (?:message )?delivered",
    r"übermittelt:", r"zugestellt:", r"benachricht(?:ig)?ung zum übermittlungsstatus \((?:erfolg|weitergeleitet)",
    r"remis :", r"remis:", r"relayé", r"notification d'état de (?:la )?remise \((?:réussite|relais)",
    r"entregado:", r"notificación de estado de entrega \((?:correcto|entregado|retransmitido)",
    r"recapitato:", r"notifica sullo stato di consegna \((?:operazione riuscita|recapitato|inoltrato)",
    r"bezorgd:", r"(?:melding van )?status van bezorging \((?:geslaagd|bezorgd|doorgestuurd)",
    r"entregue:", r"notificação de status de entrega \((?:êxito|sucesso|entregue|retransmitido)",
)

#: Fixed texts of delivery reports; each is evidence that a message is one.
_REPORT_TEXT = _anywhere(
    r"This message was created automatically by mail delivery software",  # Exim
    r"Hi\. This is the qmail-send program", r"This is the mail system at host",  # qmail, Postfix
    r"I'm sorry to have to inform you that your message could not", r"The original message was received at",
    r"The following addresses? had permanent fatal errors", r"THIS IS A WARNING (?:MESSAGE )?ONLY",
    r"Delivery has failed to these recipients or groups", r"Your message (?:couldn't|could not|wasn't|was not|"
    r"cannot|can't) be delivered", r"Your message (?:wasn't|was not|has not been) delivered",
    r"was not delivered to\s*:", r"Delivery to the following recipients? (?:has )?failed", r"was undeliverable",
    r"Unable to deliver (?:your )?message", r"I'm afraid I wasn't able to deliver your message",
    r"The mail server could not deliver", r"Message delivery to .{1,200}? failed",
    r"could not be delivered to one or more (?:of its )?recipients", r"A message that you sent (?:could not|has not yet)",
    r"An error occurred while trying to deliver the mail to the following recipients",  # Amazon SES
    r"Sorry, we were unable to deliver your message to the following address",  # Yahoo
    r"The following recipient\(s\) cannot be reached", r"Your message did not reach some or all of the intended",
    r"Diagnostic information for administrators", r"Delivery Failure Report", r"Technical details of (?:permanent|temporary) failure",
    r"The email account that you tried to reach does not exist", r"\*\* Address not found \*\*",
    r"was blocked by our Spam Firewall", r"Your message to .{1,200}? (?:was|has been) (?:rejected|blocked|not delivered)",
    r"message (?:was|has been) rejected by", r"(?:Remote Server|remote host) (?:returned|said)\s*:?",
    r"SMTP error from remote mail server", r"Delivery is delayed to these recipients or groups",
    r"Delivery has been delayed", r"There was a temporary problem delivering your message",
    r"Your message has been (?:successfully )?delivered to the following recipients",
    r"Delivery to these recipients or groups is complete", r"has been successfully relayed",
    r"This is an automatically generated Delivery Status Notification",
    r"could not be delivered to the following", r"did not reach the following recipient",
    r"Your (?:mail|e-?mail) (?:couldn't|could not|cannot|can't|wasn't|was not) be delivered",
    r"The following (?:mail|message|e-?mail) could not be delivered", r"-{3,} ?Failed Recipients ?-{3,}",
    r"Delivery of (?:your )?(?:e-?mail|message|mail)\b[\s\S]{1,300}?\bhas been (?:postponed|delayed|deferred)",
    r"This is an advisory-only (?:e-?mail|message)",
    r"Delivery has failed to these recipients or distribution lists", r"The following recipients were affected",
    r"Your message to the following recipients cannot be delivered", r"This is a delivery status notification from",
    r"Could not be delivered because of", r"-{3,} ?Failure Reasons ?-{3,}",
    r"not listed in (?:the )?(?:public Name & Address Book|Domino Directory)",
    # Exchange's diagnostic line, the same in every language: "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##",
    # and Exchange 2003's "#< #5.1.1 smtp;550 5.1.1 User unknown> #SMTP#"
    r"#[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b[^\n]{0,300}##", r"#< ?#[45]\.\d{1,3}\.\d{1,3}[^\n]{0,300}> ?#SMTP#",
    # "Diagnostic information for administrators" in Exchange's other languages
    r"Diagnostisk information för administratörer", r"Diagnosticeringsoplysninger til administratorer",
    r"Diagnostikkinformasjon for administratorer", r"Järjestelmänvalvojien vianmääritystiedot",
    r"Informacje diagnostyczne dla administratorów", r"Diagnostické informace pro správce",
    r"Диагностические сведения для администраторов", r"管理者向けの診断情報", r"管理员的诊断信息", r"관리자를 위한 진단 정보",
    r"Yöneticiler için tanılama bilgileri", r"Diagnosztikai adatok rendszergazdák számára",
    # de
    r"Die Zustellung an (?:folgende|diese) Empfänger oder Gruppen (?:ist fehlgeschlagen|wurde verzögert|ist verzögert)",
    r"konnte nicht zugestellt werden", r"Diagnoseinformationen für Administratoren",
    r"Ihre Nachricht hat einige oder alle Empfänger nicht erreicht", r"Die Übermittlung an diese Empfänger oder Gruppen ist abgeschlossen",
    # fr
    r"La remise (?:des messages )?(?:aux|à ces) destinataires ou groupes suivants a (?:échoué|été retardée)",
    r"n'a pas pu [êe]tre (?:remis|distribu[ée]|d[ée]livr[ée])", r"Informations de diagnostic pour les administrateurs",
    r"La remise aux destinataires ou groupes suivants est terminée",
    # es
    r"Error (?:al entregar el mensaje a|en la entrega a) estos destinatarios o grupos", r"no se (?:ha )?pudo entregar",
    r"no se ha podido entregar", r"Información de diagnóstico para administradores", r"La entrega a estos destinatarios o grupos se ha retrasado",
    r"Se completó la entrega a estos destinatarios o grupos",
    # it
    r"Recapito non riuscito per i destinatari o i gruppi seguenti", r"Impossibile recapitare il messaggio",
    r"non è stato possibile recapitare", r"Informazioni di diagnostica per gli amministratori",
    r"Il recapito a questi destinatari o gruppi è stato ritardato", r"Recapito completato per questi destinatari o gruppi",
    # nl
    r"De bezorging is mislukt voor deze ontvangers of groepen", r"kon niet worden bezorgd", r"kan niet worden bezorgd",
    r"Diagnostische gegevens voor beheerders", r"De bezorging aan deze ontvangers of groepen is vertraagd",
    r"De bezorging aan deze ontvangers of groepen is voltooid",
    # pt
    r"(?:Falha na entrega para|A entrega falhou para os seguintes|Falha ao entregar a mensagem para estes) destinatários ou grupos",
    r"não pôde ser entregue", r"Informações de diagnóstico para administradores",
    r"A entrega para estes destinatários ou grupos foi atrasada", r"A entrega para estes destinatários ou grupos foi concluída",
)
_DELAYED_TEXT = _anywhere(
    r"THIS IS A WARNING (?:MESSAGE )?ONLY", r"YOU DO NOT NEED TO RESEND YOUR MESSAGE", r"has not yet been delivered",
    r"Delivery (?:is|has been) delayed", r"delivery to the following recipients? (?:has been|is) delayed",
    r"There was a temporary problem delivering your message", r"will (?:continue to )?(?:retry|try again)",
    r"No action is required on your part", r"Delivery attempts will continue", r"has been (?:postponed|deferred)",
    r"This is an advisory-only (?:e-?mail|message)", r"will continue to try",
    r"wurde verzögert", r"ist verzögert", r"noch nicht zugestellt", r"a été retardée", r"n'a pas encore été (?:remis|distribué)",
    r"se ha retrasado", r"todavía no se ha entregado", r"è stato ritardato", r"non è ancora stato recapitato",
    r"is vertraagd", r"nog niet bezorgd", r"foi atrasada", r"ainda não foi entregue",
)
#: Texts saying a failure is final, which a delay's words ("will retry") must not overrule.
_FINAL_TEXT = _anywhere(
    r"permanent", r"no (?:further|more) (?:delivery )?attempts", r"gi(?:ve|ving) up", r"gave up", r"has been returned",
    r"is being returned", r"returning message to sender", r"aborted", r"expired", r"too long in the queue",
    r"endgültig", r"définitiv", r"permanente?", r"definitiv[oa]", r"definitief",
)
_DELIVERED_TEXT = _anywhere(
    r"Your message has been (?:successfully )?delivered to the following recipients",
    r"Delivery to these recipients or groups is complete", r"has been successfully relayed",
    r"(?:was|were|has been) successfully delivered", r"Die Übermittlung an diese Empfänger oder Gruppen ist abgeschlossen",
    r"La remise aux destinataires ou groupes suivants est terminée", r"Se completó la entrega a estos destinatarios o grupos",
    r"Recapito completato per questi destinatari o gruppi", r"De bezorging aan deze ontvangers of groepen is voltooid",
    r"A entrega para estes destinatários ou grupos foi concluída",
)

_ADDRESS = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._%+=!#$&*/?^`{|}~-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")
_LISTED_ADDRESS = re.compile(r"^[ \t*>-]*<?" + _ADDRESS.pattern + r">?[ \t.:]*$", re.MULTILINE)
_GREETING = re.compile(
    r"\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|hallo|moin|servus|liebe[rs]?|sehr geehrte[rs]?"
    r"|guten (?:morgen|tag|abend)|bonjour|bonsoir|salut|cher|chère|hola|buen(?:os|as) (?:días|dias|tardes)|estimad[oa]s?"
    r"|ciao|buongiorno|buonasera|gentile|hoi|beste|geachte|goedemorgen|goedemiddag|olá|ola|bom dia|boa tarde|prezad[oa]s?"
    r"|hej|hei|moi|cześć|dzień dobry|здравствуйте|добрый день)\b[^\n.?]{0,40}[,!:\n]", re.IGNORECASE)
_BASIC_CODE = re.compile(r"(?<![\d.#])([245])\d\d(?=[ :-])")
_REASON = re.compile(r"(?:because|reason|grund|raison|motivo|reden)\s*:\s*(\S.*)", re.I)
_RETURNED_ORIGINAL = re.compile(
    r"^(?:-{2,}.*(?:original message|copy of the message|below this line|returned message|message follows|"
    r"headers? follow|undelivered message|ursprüngliche nachricht|message d'origine|mensaje original|"
    r"messaggio originale|oorspronkelijk bericht|mensagem original).*"
    r"|(?:received|return-path|dkim-signature|arc-seal|authentication-results|x-[\w-]+|mime-version|"
    r"content-type|message-id|references|in-reply-to): .*"
    r"|original message headers:?|ursprüngliche nachrichtenkopfzeilen:?|en-têtes de message d'origine:?|"
    r"encabezados del mensaje original:?|intestazioni del messaggio originale:?|oorspronkelijke berichtkoppen:?|"
    r"cabeçalhos da mensagem original:?)\s*$", re.I | re.M)
#: X.400 gateways write an Internet address as an attribute: "dda:SMTP=anna@corp.example".
_X400_PREFIX = re.compile(r"^(?:smtp|rfc-?822)=")
#: A line of a report's summary of the original message, up to the address: its header names in the
#: languages of the MTAs we read (To, Cc, From, Sent ...; An, Von; À, De; Para; A, Da; Aan, Van).
_SUMMARY_LINE = re.compile(
    r"^[\s*>•-]*(?:to|cc|bcc|from|sent|date|subject|reply-to|sender|an|von|gesendet|betreff|à|de|envoyé|objet|para"
    r"|enviado|asunto|a|da|inviato|oggetto|aan|van|verzonden|onderwerp|assunto)\s*:", re.I)
#: What stands before an address on its line when the address is no recipient: a message identifier's
#: header, or the envelope sender's command or words ("MAIL FROM:<", "not accepting mail from ").
_NOT_A_RECIPIENT = re.compile(
    r"^[\s>*-]*(?:message-id|in-reply-to|references|original-envelope-id)\s*:"
    r"|(?:mail\s+from|envelope[- ]from|return-path)\s*:?\s*<?\s*$", re.IGNORECASE)
_LOCAL_NAMES = re.compile(r"following (?:recipients?|address(?:es|\(es\))?|users?)\b[^\n]{0,200}:[ \t]*\n((?:[ \t]+\S+[ \t]*\n?)+)",
                          re.IGNORECASE)
#: The enhanced status (RFC 3463) that a report's words mean, for reports that write none.
_REASON_STATUS = {detail: re.compile(words, re.IGNORECASE) for detail, words in (
    ("2.2", (r"mail ?(?:box|folder) (?:is )?full|full mail ?box|over (?:the allowed |its |his |her |their )?(?:disk )?quota"
            r"|overquota|quota (?:exceeded|full|violation|usage exceeded)|disk quota|exceed(?:s|ed|ing)? (?:\w+ ){0,3}"
            r"(?:storage|quota|disk space)|mailbox (?:size |storage )?(?:limit|exceeded)|insufficient (?:disk |storage )?space"
            r"|space not enough|out of (?:disk )?space|(?:not have|not) enough (?:storage )?space|boite du destinataire pleine")),
    ("2.1", (r"account (?:has been |is )?(?:disabled|suspended|deactivated|inactive|locked|blocked)|deactivated mailbox"
            r"|mailbox (?:is )?(?:disabled|inactive|suspended)|user (?:account )?(?:is )?(?:disabled|suspended|inactive)"
            r"|account is disabled|discontinued|(?:has been|is currently) suspended|mailbox (?:is )?frozen"
            r"|temporarily (?:inactive|locked)|inactive user")),
    ("1.2", (r"host (?:or domain name )?not found|host unknown|unknown host|domain (?:name )?(?:not found|does not exist)"
            r"|no such domain|unrouteable mail domain|nameserver error|name server error|MX (?:record )?not found"
            r"|unknown domain|domain must exist|domain (?:is )?not reachable|name or service not known")),
    ("3.4", (r"message (?:is |file )?too (?:large|big)|(?:message|mail) (?:size|length) exceed(?:s|ed)|exceeds (?:the )?"
             r"(?:maximum|size limit|administrative limit)|size limit|message size exceeded|taille limite du message")),
    ("1.1", (r"user (?:is )?unknown|unknown (?:user|recipient|address|local[- ]part)|no such (?:user|recipient|mailbox|address)"
            r"|no mailbox|mailbox (?:not found|unavailable|does not exist)|(?:address|user|recipient|mailbox) (?:not found|"
            r"does not exist|doesn't exist)|does not exist|not listed in (?:the )?(?:domino directory|public name & address book)"
            r"|not a valid (?:user|recipient|mailbox|address)|invalid (?:final delivery )?(?:recipient|mailbox|user(?:id)?|address)"
            r"|(?:user|address) not known|not a known user|address (?:unknown|not present in directory)|bad[-_ ]recipient"
            r"|non[- ]?existent user|no account by that name|no such person|recipient not found|(?:address|recipient|user|mailbox) could not be found"
            r"|doesn't have an? .{1,40} account|name is not recognized|no longer (?:active|valid|exists)|unrouteable address"
            r"|not our customer|account (?:does not exist|not found)|existiert nicht|unbekannt|inconnu|n'existe pas"
            r"|desconocido|no existe|sconosciuto|non esiste|onbekend|bestaat niet|desconhecido|não existe"
            r"|nessun utente|не существует|не найден|нет такого|存在しません|見つかりません|リストにありません|不明なユーザ|不存在")),
    ("4.1", (r"connection (?:timed out|refused)|timed out|could not connect|no route to host|network is unreachable"
             r"|(?:server|host) did not respond")),
    ("7.1", (r"\bspam\b|blacklist|blocklist|\bblocked\b|relay(?:ing)? (?:denied|not permitted|prohibited)|not permitted to relay"
            r"|access denied|policy|not accepting mail|refused")),
    ("4.7", (r"expired|in (?:the )?queue too long|too long in (?:the )?queue|retry time(?:out)? (?:exceeded|reached)"
             r"|exceeded maximum delivery attempts|not been collected after|failing for a long time|long failure period"
             r"|allowed queue period|after multiple retries|delivery failed \d+ attempts")),
)}  # in the order they are tried
_UNKNOWN_RECIPIENT = _REASON_STATUS["1.1"]
_REPORT_SECTION = 20_000
_OPENING = 6_000
_WINDOW = 700
_MAX_RECIPIENTS = 50
_DAEMON_LOCAL = re.compile(r"^(?:mailer[-_.]?daemon|mail[-_.]?daemon|postmaster|mdaemon|microsoftexchange[0-9a-f]{20,})$", re.I)


def subject_outcome(subject: str) -> str | None:
    """The outcome a delivery report's subject states, if it is one."""
    if _DELAYED_SUBJECT.search(subject):
        return DELAYED
    if _DELIVERED_SUBJECT.search(subject):
        return DELIVERED
    if _FAILED_SUBJECT.search(subject):
        return FAILED
    return None


def has_report_text(text: str) -> bool:
    """Whether the opening of a text holds a delivery report's fixed phrase."""
    return _REPORT_TEXT.search(text, 0, _OPENING) is not None


def opens_with_report(text: str) -> bool:
    """Whether a text's first line (past rules of stars, dashes or equals signs) is a report's fixed
    phrase, and its opening lists an address on a line of its own (as reports do; people write one
    in a sentence)."""
    head = text[:600]
    for line in head.split("\n", 12):
        line = line.strip(" \t*=_#-")
        if line:  # (a report's first line is short; a person's first paragraph may be one long line)
            return len(line) < 200 and _LISTED_ADDRESS.search(head) is not None and _REPORT_TEXT.search(line) is not None
    return False


def names_a_failure(text: str) -> bool:
    """Whether a text's opening names an address and says no such recipient exists: a primitive
    report's whole content ("You sent mail to anna@partner.example. That's not a valid user here.")."""
    opening = text[:1500]
    return _ADDRESS.search(opening) is not None and _UNKNOWN_RECIPIENT.search(opening) is not None


def opens_with_greeting(text: str) -> bool:
    """Whether a text opens as a person's letter does ("Hi,", "Dear Anna,", "Hallo Team!")."""
    return _GREETING.match(text[:200]) is not None


def text_outcome(text: str) -> str:
    opening = text[:_OPENING]
    if _DELAYED_TEXT.search(opening):
        return DELAYED
    if _DELIVERED_TEXT.search(opening):
        return DELIVERED
    return FAILED


def report_outcome(subject: str | None, text: str) -> str:
    """A report's outcome: what its subject states, else what its text does. A subject of failure over a
    text saying delivery is still being tried (and nothing final) is a warning: the outcome is a delay."""
    if subject is None:
        return text_outcome(text)
    if subject == FAILED:
        opening = text[:_OPENING]
        if _DELAYED_TEXT.search(opening) and not _FINAL_TEXT.search(opening):
            return DELAYED
    return subject


def is_daemon(address: str) -> bool:
    return bool(_DAEMON_LOCAL.match(address.partition("@")[0].strip("\\\"' ")))


def from_text(text: str, outcome: str, failed_header: str, own: set[str], domain: str = "") -> list[Recipient]:
    """Recipients of a report in an MTA's own words: from X-Failed-Recipients, else from the report text.

    ``own`` holds the addresses of the report itself (its sender and
    recipients: us), which the text mentions but which are not the failures.
    ``domain`` is the reporting system's: a report that lists its own users by
    name alone (AOL: "the following recipients ...:" then "screenname")
    names addresses at that domain.
    """
    section = text[:_REPORT_SECTION]
    cut = _RETURNED_ORIGINAL.search(section)
    if cut:
        section = section[:cut.start()]
    addresses = [a.strip().lower() for a in failed_header.split(",") if "@" in a]
    addresses = [a.strip("<> ") for a in addresses]
    if not addresses:
        named, summarised = _addresses_in_text(section, own)
        addresses = named or summarised or _local_names(section, domain)
    lowered = section.lower()
    starts = [lowered.find(address) for address in addresses]
    return [_recipient_in_text(address, section, outcome, start, _words_end(start, starts), len(addresses) == 1)
            for address, start in zip(addresses, starts)]


def _words_end(start: int, starts: list[int]) -> int:
    """Where the words about the recipient named at ``start`` end: some lines on, or sooner where the
    report names the next recipient (whose status is not this one's)."""
    return min([start + _WINDOW, *(other for other in starts if other > start)])


def _addresses_in_text(section: str, own: set[str]) -> tuple[list[str], list[str]]:
    """The addresses a report's text names, apart from its own and mail systems': those on other lines,
    and those on lines summarising the original ("To: list@example", "* From: ..."), which are the
    failures only when no other line names one."""
    named: list[str] = []
    summarised: list[str] = []
    for match in _ADDRESS.finditer(section):
        address = _X400_PREFIX.sub("", match.group().lower().rstrip("."))
        if address in named or address in own or is_daemon(address):
            continue
        line = section[section.rfind("\n", 0, match.start()) + 1:match.start()]
        if _NOT_A_RECIPIENT.search(line):
            continue  # a message identifier, or the sender ("MAIL FROM:<...>", "not accepting mail from ...")
        if _SUMMARY_LINE.match(line):
            if address not in summarised:
                summarised.append(address)
            continue
        named.append(address)  # named on a line of its own too: no mere summary
        if len(named) >= _MAX_RECIPIENTS:
            break
    return named, [address for address in summarised if address not in named][:_MAX_RECIPIENTS]


def _local_names(section: str, domain: str) -> list[str]:
    """Bare mailbox names listed, one an indented line, under a line that introduces the recipients."""
    if not domain:
        return []
    found = _LOCAL_NAMES.search(section)
    if not found:
        return []
    names = re.findall(r"^[ \t]+([A-Za-z0-9][A-Za-z0-9._+-]{0,63})[ \t]*$", found.group(1), re.MULTILINE)
    return [f"{name.lower()}@{domain}" for name in names[:_MAX_RECIPIENTS]]


def _recipient_in_text(address: str, section: str, outcome: str, start: int, end: int, alone: bool) -> Recipient:
    """The status and diagnostic the words about one recipient give; the codes anywhere in the report
    count only when it names this recipient alone (or not at all), not another's."""
    window = (start, end) if start >= 0 else (0, 0)
    anywhere = alone or start < 0
    status, diagnostic = (_pick_status(section, outcome, *window) or (anywhere and _pick_status(section, outcome))
                          or (None, None))
    stated = status is not None
    if status is None:
        basic = _BASIC_CODE.search(section, *window) or (anywhere and _BASIC_CODE.search(section))
        if basic:
            status = f"{basic.group(1)}.0.0"
            diagnostic = _line_at(section, basic.start())
    if diagnostic is None:
        reason = _REASON.search(section.replace("\n\n", "\n"), *window)
        diagnostic = _line_at(reason.string, reason.start(1)) if reason else None
    if not stated:
        # No status code written: the one the report's words mean ("User unknown": x.1.1), in the class of
        # its SMTP reply code, else of its outcome.
        # The words may stand on the address's line or the one above it ("Unknown user: anna@...",
        # "User not listed in ...\nanna@...").
        above = section.rfind("\n", 0, max(0, section.rfind("\n", 0, start))) + 1 if start >= 0 else 0
        status = _status_from_words(section[above:window[1]] if start >= 0 else section[:2000], outcome, status)
    return recipient(address, status, outcome, diagnostic)


def _status_from_words(text: str, outcome: str, basic: str | None) -> str | None:
    klass = basic[0] if basic else {FAILED: "5", DELAYED: "4"}.get(outcome)
    if klass is None:
        return basic
    text = " ".join(text.split())  # the words may be wrapped ("Mail quota\n    exceeded")
    for detail, words in _REASON_STATUS.items():
        if words.search(text):
            return f"{klass}.{detail}"
    return basic


def _pick_status(text: str, outcome: str, start: int = 0, end: int | None = None) -> tuple[str, str] | None:
    """The status code that fits the outcome (a failure's 5.x.x, not the 2.1.0 "Sender ok" before it)."""
    preference = {FAILED: "54", DELAYED: "45", DELIVERED: "2"}[outcome]
    matches = list(_STATUS.finditer(text, start, len(text) if end is None else end))
    for wanted in preference:
        for match in matches:
            if match.group(1) == wanted:
                return match.group(), _line_at(text, match.start())
    return None


def _line_at(text: str, position: int) -> str:
    """The line around ``position`` with the indented lines that continue it ("    rejected: User unknown")."""
    start = text.rfind("\n", 0, position) + 1
    lines = text[start:start + 1000].split("\n")
    kept = [lines[0]]
    for line in lines[1:]:
        if not line[:1].isspace() or not line.strip():
            break
        kept.append(line)
    return " ".join(" ".join(kept).split()).strip("# ")[:500]

"""What the writer of an email reply just wrote: quoted history and signature cut off.

``visible_text`` takes the readable plain-text body of a message (decoded,
``\\n`` line ends; HTML mail already turned into text, where the quoted part
is plain lines without ">") and reads it from the top, line by line:

* Quoted history starts at an Outlook or Lotus header block (From/Sent/To/
  Subject in English, German, French, Spanish, Italian, Dutch, Portuguese,
  Swedish, Polish, Danish, Norwegian, Finnish, Czech, Russian, Turkish,
  Hungarian, Japanese, Korean, Chinese, Romanian, Greek, Ukrainian,
  Indonesian, Catalan, Slovak, Croatian, Hebrew, Arabic, Lithuanian, Estonian, Slovenian, Serbian,
  Bulgarian, Vietnamese, Thai, Malay, Latvian, Persian or Hindi; in any order, also run together on
  one line; "From:" with only a dated "Date:", or with a "To:" when both
  carry an address, is enough, and so is a dated "Date:" right over a "To:"
  with an address or over "To:" and "Subject:"; not a block the writer pasted:
  one with "Message-ID:", "Received:" or "X-..." lines, or right under the
  writer's line that announces it, "The log says:"), an
  "Original Message" or forward separator (also run on after the writer's
  last line), "Begin forwarded message:", or a
  dated attribution ("On 3 Nov 2025, at 10:02, Jane <j@x> wrote:", "Am ...
  um 10:02 schrieb ...:", "2025年11月3日(月) 10:02 ... <x>:", "... <x>님이 작성:",
  "... ezt írta (időpont: ...):"; with no time, a year and the sender's
  address or a CJK date before the verb will do, and a line of only "Jane Doe
  <j@x> wrote:" or Gmail's app's "Jane <j@x> schrieb am Mo., 3. Nov. 2025,
  10:02:"), also when it is
  wrapped over two or three lines; the writer's text run together with it on
  one line ("Works now. On ... wrote:") stays. So does a line with a date
  and time that ends in an address and a colon ("Wednesday, 5 November 2025,
  10:02 from Jane <j@x>:", "05.11.2025, 10.02, Jane <j@x>:"; times also
  written "10.02" and "10h02"), and an "On ... wrote" without its colon.
  Replies are top-posted: everything from there on is cut.
* ">" lines are dropped one by one, together with an attribution right above
  them. The writer's own lines before, between and after ">" blocks stay: in
  a plain-text client that is an inline or bottom-posted answer, and the
  writer's lines are the only unquoted ones. Not so the end of a long quoted
  line that the quoting client wrapped without a ">" (lower case, right
  between two ">" lines).
* The signature is cut: a "-- " line, "Sent from my iPhone" and its kin (also
  an app or device by its name: "Sent from TypeApp<https://...>"), the footer
  of a mailing list under a rule of underscores, and
  a closing ("Best regards,", "Mit freundlichen Grüßen", "よろしくお願いいたします。")
  (also two joined: "Danke und Gruß", or from a place: "Grüße aus Berlin") followed by a name (also in
  bold, "*Jane Doe*", or in lower case), a closing and a short name on the last line ("Best, Jane",
  "VG Anna"), a name signed with a dash or a slash ("-Jane", "/Anna") or under "---" or "—",
  only when some of the writer's text stays above it. The name may carry a title ("Jane Doe | IT
  Manager") or "i. A."; a full name with a phone number, address or link under any rule ("━━━━",
  "______") is a signature too.
* A mail gateway's warning at the top is dropped: "CAUTION: This email originated from outside of
  the organization ...", "[EXTERNAL]", Outlook's "You don't often get email from ...", in the
  languages above. A legal notice under the writer's text ("CONFIDENTIALITY NOTICE: ...", "This
  e-mail and any attachments are confidential ...", "Diese E-Mail enthält vertrauliche ..."), a virus
  scanner's line and "Please consider the environment before printing" end it, as the history does.
* A reply that only quotes has no visible text: the result is "" (callers
  fall back to the whole body). A forward keeps the note above its marker.

Every pattern is anchored or bounded, and the ones with a free middle only
see lines of bounded length, so the time is linear in the size of the body.
The history is looked for in the first 10,000 lines of the writer's own
text; a body with more keeps the rest as it is.
"""
from __future__ import annotations

import re

#: Longer lines are never markers; it bounds the work of the looser patterns.
_MAX_MARKER = 300
#: An attribution is wrapped over at most this many lines.
_ATTRIBUTION_LINES = 3
#: How far below a "From:" line the rest of a header block is looked for.
_HEADER_WINDOW = 8
#: Lines in a header block that are no field: a long "To:" wrapped onto the next lines.
_HEADER_WRAPS = 2
#: A quoted line at least this long may have been wrapped by the quoting client, its end left without ">".
_WRAPPED_QUOTE = 60
#: Quoted history is looked for in this many lines of the writer's own (">" lines not counted).
_SCAN_LIMIT = 10_000
#: A closing is looked for among this many last non-blank lines...
_SIGNOFF_WINDOW = 15
#: ...within this many last lines, blank ones included.
_SIGNOFF_SCAN = 100
#: Non-blank lines from the sender's name to the end in a signature without a closing, and their width.
_SENDER_BLOCK, _SENDER_BLOCK_WIDTH = 8, 80
#: A line longer than this is no name.
_MAX_NAME = 50
#: Lines under any rule that can make a signature (a name, a title, phone numbers, the closing rule).
_RULE_BLOCK = 6
#: Digits that make a phone number in a signature.
_PHONE_DIGITS = 6
#: Words of a title after a name: "Jane Doe | IT Manager", "Jane Doe - Einkauf".
_TITLE_WORDS = 6
#: Lines below a "---" line that make a signature.
_RULE_SIGNATURE = 3

# --- Outlook / Lotus / forward header blocks -------------------------------------------

_LABELS = {
    "sender": "from|von|de|da|van|från|fra|od|de la|από|від|dari|šalje|מאת|من|lähettäjä|от|от кого|kimden|feladó|보낸 사람|보낸사람|差出人|送信者|发件人"
              "|發件人|寄件者|寄件人|nuo|saatja|từ|จาก|daripada|no|از|प्रेषक",
    "sent": "sent|date|trimis|data trimiterii|αποστολή|στάλθηκε|ημερομηνία|надіслано|відправлено|dikirim|tanggal|enviat|odoslané|poslano|נשלח|תאריך|تم الإرسال|التاريخ|gesendet|datum|envoyé|envoyé le|message du|enviado|enviado el|enviada|enviada em|fecha"
            "|inviato|data|verzonden|skickat|sendt|dato|wysłano|lähetetty|päivämäärä|odesláno|gönderildi|tarih"
            "|elküldve|dátum|отправлено|дата|보낸 날짜|보낸날짜|날짜|送信日時|日付|发送时间|發送時間|日期|寄件日期|时间"
            "|enviat el|poslato|изпратено|išsiųsta|nosūtīts|saadetud|saatmisaeg|đã gửi|ส่ง|dihantar|ارسال شده|भेजा गया",
    "to": "to|an|à|a|pour|para|aan|till|til|do|komu|către|προς|kepada|per a|prima|אל|إلى|kime|címzett|vastaanottaja|кому|받는 사람|받는사람|宛先|收件人|收件者"
          "|za|до|kam|adressaat|saaja|đến|ถึง|به|प्रति",
    "cc": "cc|bcc|κοιν.|κοιν|קבל|نسخة|cco|kopie|blindkopie|copie|copie à|copia|kopia|kopi|dw|bilgi|másolat|копия|참조|抄送|副本",
    "subject": "subject|subiect|θέμα|subjek|perihal|assumpte|predmet|נושא|الموضوع|betreff|objet|sujet|asunto|oggetto|onderwerp|assunto|ämne|emne|temat|aihe|předmět|konu"
               "|tárgy|тема|제목|件名|主题|主題|主旨|zadeva|tēma|teema|chủ đề|เรื่อง|موضوع|विषय",
    # Fields that go with a header block but do not make one.
    "other": "reply-to|antwort an|répondre à|responder a|rispondi a|antwoord aan|svara till|organization"
             "|organisation|organización|organizzazione|organisatie|organização|vedhæftet|attachments|anlagen"
             "|importance|priority|wichtigkeit|组织",
}
_LABEL_KINDS = {word: kind for kind, words in _LABELS.items() for word in words.split("|")}
#: A field name ends before this column ("*Enviada em:*", "  寄件日期：").
_LABEL_END = 20
# Outlook's HTML turned into text can put the whole block on one line: "From: ... Sent: ... To: ...".
_LABEL_INLINE = re.compile(
    r"(?<!\S)\*{0,2}(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in _LABELS.items())
    + r")\*{0,2}[ \t\xa0\u202f]*[:：]")
_RULE = re.compile(r"[-_=*~—–]{5,}")
# Header lines of a raw message that no header block of a quoting client has.
_RAW_HEADER = re.compile(r"(?:message-id|received|return-path|mime-version|content-type|content-transfer-encoding"
                         r"|dkim-signature|authentication-results|delivered-to|in-reply-to|references|received-spf"
                         r"|arc-[a-z-]+|x-[a-z0-9-]+)[ \t]*:", re.IGNORECASE)

# --- separators ---------------------------------------------------------------------------

_SEPARATOR_WORDS = (
    r"original message|original e-?mail|original mail|reply message|message d'origine|message original"
    r"|mail original|mail d'origine|courriel d'origine|courriel original|ursprüngliche nachricht|ursprüngliche mail|antwort nachricht"
    r"|oprindelig meddelelse|opprinnelig melding|alkuperäinen viesti|исходное сообщение"
    r"|videresendt meddelelse|videresendt melding|välitetty viesti|пересылаемое сообщение"
    r"|original-?nachricht|mensaje original|messaggio originale|oorspronkelijk bericht|origineel bericht"
    r"|mensagem original|ursprungligt meddelande|originalmeddelande|wiadomość oryginalna"
    r"|oryginalna wiadomość|původní zpráva|původní e-mail|pôvodná správa|eredeti üzenet|orijinal ileti"
    r"|orijinal i\u0307leti|izvorna poruka|αρχικό μήνυμα|mesaj original|元のメッセージ|オリジナル ?メッセージ|原始邮件|原始郵件|邮件原件|原邮件|原始消息"
    r"|forwarded message|forwarded e-?mail|weitergeleitete nachricht|message transféré|mensaje reenviado"
    r"|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada|mensagem reencaminhada"
    r"|vidarebefordrat meddelande|vidarebefordrat mejl|wiadomość przekazana dalej|przekazana wiadomość"
    r"|転送されたメッセージ|転送メッセージ|转发的邮件|转发邮件|转发的消息|轉寄的郵件|轉寄郵件"
    # Samsung's and other phones' mail apps in more languages
    r"|originalna poruka|proslijeđena poruka|prosleđena poruka|tin nhắn gốc|thư gốc|tin nhắn đã chuyển tiếp"
    r"|pesan asli|pesan yang diteruskan|mesej asal|оригінальне повідомлення|вихідне повідомлення|переслане повідомлення"
    r"|orijinal mesaj|iletilen mesaj|原始信息|原始訊息|轉寄的訊息|원본 메시지|전달된 메시지|оригинално писмо"
    r"|оригинално съобщение|препратено писмо|přeposlaná zpráva|továbbított üzenet|mesaj redirecționat"
    r"|mesaj redirectionat|προωθημένο μήνυμα|preposlaná správa|izvirno sporočilo|posredovano sporočilo"
    r"|originalus laiškas|persiųstas laiškas|sākotnējā ziņa|pārsūtīta ziņa|algne kiri|edastatud kiri"
)
# QQ Mail writes "------------------ Original ------------------" (the word alone, so only between rules),
# its spaces often no-break spaces from the HTML.
_SEPARATOR = re.compile(rf"[-=_*]{{2,}}[ \t\xa0]*(?:{_SEPARATOR_WORDS}|original(?=[ \t\xa0]*[-=_*]{{3}}))[ \t\xa0]*[-=_*]*")
# The separator after the writer's text on the same line: dashes on both sides.
_GLUED_SEPARATOR = re.compile(rf"-{{4,}}[ \t\xa0]*(?:{_SEPARATOR_WORDS})[ \t\xa0]*-{{4,}}")
_FORWARD_INTRO = re.compile(
    r"(?:begin forwarded message|anfang der weitergeleiteten (?:nachricht|e-mail)"
    r"|début du message (?:réexpédié|transféré)|(?:inicio|comienzo) del mensaje reenviado"
    r"|inizio messaggio inoltrato|begin doorgestuurd bericht|início da mensagem (?:re)?encaminhada"
    r"|vidarebefordrat (?:mejl|meddelande|brev)|(?:start på )?videresendt (?:besked|melding)|välitetty viesti alkaa"
    r"|начало переадресованного сообщения|začátek přeposlané zprávy|początek przekazywanej wiadomości|転送されたメッセージ"
    r"|以下[是为]转发的邮件|转发的邮件|전달된 메시지|전달된 메일|forwarded message)[ \t\xa0\u202f]*[:：]")
# Tobit David puts this line over the header of the message it quotes.
_DAVID = re.compile(r"\[original message processed by david\S{0,3}\]")
# Lotus Notes: "-----Jane Doe/ACME wrote: -----", "----- Forwarded by Jane Doe/ACME on ... -----"; Zoho:
# "---- On Mon, 03 Nov 2025 10:02:15 +0100 Jane <jane@x> wrote ----", "---- Am Mo, ... 10:02:15 schrieb Jane <jane@x> ---".
_LOTUS = re.compile(
    r"-{3,}[ \t]*(?:[^-].{0,200}?(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev"
    r"|napisał\(a\)|napisał)[ \t]*:?|(?:am|op|den)\s[^-]{0,100}?\d[:.]\d\d[^-]{0,40}?\s(?:schrieb|schreef|skrev)\s[^-]{1,120}?|(?:forwarded by|weitergeleitet von|transféré par|reenviado por"
    r"|inoltrato da|doorgestuurd door|encaminhad[ao] por|vidarebefordrat av|przekazane przez)\b.{0,200}?)"
    r"[ \t]*-{3,}")

# --- attributions -------------------------------------------------------------------------

_VERBS = (r"wrote|writes|avez\s+écrit|as\s+écrit|escribiste|hai\s+scritto|schrieben|schriebst|a\s+scris|έγραψε|пише|menulis|va\s+escriure|napísal\(a\)|napísala|napísal"
          r"|je\s+napisao|je\s+napisala|כתב\(ה\)|כתבה|כתב|كتب|a\s+écrit|escribió|ha\s+scritto|schrieb|geschrieben|schreef|geschreven|escreveu"
          r"|skrev|napisał\(a\)|napisała|napisał|pisze|kirjoitti|írta|napsal\(a\)|napsala|napsal"
          r"|написал\(а\)|написала|написал|пишет|nadesłał\(a\)|nadesłała|nadesłał|yazdı"
          r"|đã\s+viết|napisao\s+je|napisala\s+je|napisala|napisal\(a\)|napisal|написа|rašė|kirjutas|rakstīja|написао/ла|написао|เขียนว่า|작성"
          r"|написав\(ла\)|написав|כתב/ה|napisao/la")
# "... wrote:", "... a écrit :", "... 写道：", "...のメール:", "...님이 작성:", Gmail's Hungarian
# "... ezt írta (időpont: 2025. nov. 3., H, 10:02):"
_ENDS_WITH_VERB = re.compile(rf"(?:(?<!\w)(?:{_VERBS})|写道|寫道|書きました|のメール|님이\s?작성(?:하였습니다|했습니다|한\s?메시지)?"
                             r"|(?<!\w)írta\s*\(időpont:[^()]{1,40}\))\s*[:：]$")
# "Am ... schrieb Jane Doe <jane@x>:", "Op ... schreef ...:", "Den ... skrev ...:", "W dniu ... napisał(a):"
_VERB_THEN_NAME = re.compile(r"(?<!\w)(?:schrieb|schreef|skrev)\s+(?P<name>[^:：]{1,150})[:：]$")
# Lotus Notes: "Jane Doe/ACME wrote on 03.11.2025 10:02:13:", "... schrieb am 03.11.2025 10:02:";
# Finnish clients: "Jane Doe kirjoitti 3.11.2025 kello 10.02:"
_VERB_THEN_DATE = re.compile(rf"(?<!\w)(?:{_VERBS})\s+(?:(?:on|am|le|el|il|op|em|den|w\s+dniu)\s+)?"
                             r"[\d\s./:,-]{6,40}(?:(?:kello|klo|kl\.|um|at|om|o)\s+[\d.:]{4,8}\s*)?"
                             r"(?:[AaPp]\.?[Mm]\.?)?\s*[:：]$")
# Gmail's apps: "Jane Doe <jane@x> schrieb am Mo., 3. Nov. 2025, 10:02:", "... schreef op ma 3 nov. 2025 10:02:":
# the verb right after the sender's address, then a date with words and a time.
_ADDRESS_VERB_DATE = re.compile(rf"[>)]\s*(?:{_VERBS})\s+(?:on|am|le|el|il|op|em|den|the|w\s+dniu)\s+[^:：<>@]{{4,40}}?"
                                r"\d{1,2}[:.h]\d\d(?:[:.]\d\d)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*[:：]$")
# "Jane Doe <jane@x> wrote:", "Jane Doe via Helpdesk <helpdesk@x> wrote:": a line of nothing but the sender
# with the address and the verb needs no date.
_SENDER_WROTE = re.compile(rf"[^<>:：]{{1,80}}<[^<>\s]+@[^<>\s]+>\s*(?:{_VERBS})\s*[:：]")
# "On 26 Nov 2025 you wrote:": the sender needs no address.
_YOU_WROTE = re.compile(r"(?<!\w)(?:you wrote|you writes|sie schrieben|vous avez écrit|tu as écrit|escribiste"
                        r"|usted escribió|hai scritto|ha scritto|je schreef|u schreef|você escreveu|du skrev)\s*[:：]$")
# Only above a ">" block: "On 3 Nov 2025, at 10:02, Jane <jane@x> sent:"
_ENDS_WITH_SENT = re.compile(r"(?<!\w)sent\s*:$")
# Where an attribution starts inside a line: "... On Mon,", "...--- On Mon,", "... Am 3.11.2025".
_ATTRIBUTION_START = re.compile(r"[ \t-](?:On|Am|Le|El|Il|Op|Em|Den|W dniu|Vào|În|Στις|Pada)\s")
_ATTRIBUTION_WORDS = frozenset(("On", "Am", "Le", "El", "Il", "Op", "Em", "Den", "W", "Vào", "În", "Στις", "Pada"))
_ATTRIBUTION_HEADS = "OALEIDWVÎΣP"
_DATED_PREFIX = re.compile(r"Wiadomość napisana przez |\d{4}年\d{1,2}月\d{1,2}日")
# A full date in Chinese, Japanese or Korean: with the verb after it, dated without a time.
_CJK_DATE = re.compile(r"\d{4}(?:年\d{1,2}月\d{1,2}日|년\s?\d{1,2}월\s?\d{1,2}일)")
# The sender's address in an attribution: "Jane <jane@x>", "Jane (<jane@x>)", "Jane (jane@x)".
_ADDRESS = re.compile(r"[<(][^<>()\s]+@[^<>()\s]+[>)]")
# Horde, Roundcube and the like, only ever above a ">" block.
_QUOTING = re.compile(r"(?:(?:quoting|zitat von|citando|citation de|citaat van|cytuję|cytując|excerpts from)\s|\*\s.{0,150}@)"
                      r".{1,200}[:：]$")
# No look-behind in front: a pattern that starts with a digit is searched for fast.
# Old Gmail and some webmail: "2011/4/7 Jane Doe <jane@x.example>" right above the quote, no colon.
_DATE_AND_ADDRESS = re.compile(r"\d{4}[/.-]\d{1,2}[/.-]\d{1,2}\s.{0,150}<[^<>\s]+@[^<>\s]+>")
# Gmail in many languages: "2025-11-03 10:02 GMT+01:00 Jane Doe <jane@x>:", the address often wrapped.
_DATE_AND_ADDRESS_COLON = re.compile(
    r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\s.{0,150}<\s?[^<>\s]+@[^<>\s]+>\s*[:：]")
# Mail.ru, Yandex and others: "Wednesday, 3 November 2025, 10:02 +01:00 from Jane <jane@x>:",
# "03.11.2025, 10:02, "Jane" <jane@x>:", "10:02 AM, November 3, 2025, Jane <jane@x>:"; counts with a date and time.
_ADDRESS_COLON = re.compile(r"<\s?[^<>\s]+@[^<>\s]+>\s*[:：]$")
# Thai clients count the years of the Buddhist era: 2568 is 2025.
_YEAR = re.compile(r"(?:19|20|25)\d\d(?!\d)|\d{1,2}[./-]\d{1,2}[./-]\d\d")
# "10:02"; "10.02" (Finnish, Danish, Norwegian, Russian clients), not inside a date; "10h02" (French).
# One digit first (the rest checked behind) keeps the search fast.
_TIME = re.compile(r"\d(?::\d\d(?!\d)|h\d\d(?!\d)|\.\d\d(?![\d.])(?<!\d\d\d\.\d\d)(?<!\.\d\.\d\d)(?<!\.\d\d\.\d\d))")

_NOT_ATTRIBUTION, _IF_QUOTED, _DATED = 0, 1, 2

# --- signatures ---------------------------------------------------------------------------

# "Sent from my iPhone", "Get Outlook for Android": the phrase, then the device within a few words.
_MOBILE_START = (
    r"sent from|sent with|sent via|sent using|get bluemail for|sent wirelessly (?:from|via)|envoyé sans fil (?:par|depuis)|get outlook for|download outlook (?:for|voor)|von meinem|gesendet von"
    r"|gesendet mit|gesendet vom|envoyé avec|enviado com|von outlook für|outlook für (?:ios|android)|holen sie sich outlook für|envoyé de "
    r"|envoyé depuis|envoyé à partir d|obtenir outlook pour|télécharger outlook pour|enviado desde"
    r"|obtener outlook para|descargar outlook para|inviato da|ottieni outlook per|scarica outlook per"
    r"|verzonden (?:vanaf|vanuit|met)|verstuurd (?:vanaf|vanuit|met)|outlook voor (?:ios|android)"
    r"|enviado d[oe] |enviado a partir d|obter o outlook para|obtenha o outlook para|baixe o outlook para"
    r"|skickat från|skickades från|hämta outlook för|wysłane z|wysłano z|pobierz (?:aplikację )?outlook"
    r"|sendt fra|hent outlook til|få outlook til|odesláno z|lähetetty|hanki outlook|отправлено (?:с|со|из)"
    r"|получите outlook для|trimis de pe|trimis din|στάλθηκε από|εστάλη από|dikirim dari|enviat des d|enviat amb"
    r"|надіслано з|được gửi từ|ส่งจาก|изпратено от|išsiųsta iš|nosūtīts no|saadetud |dihantar dari|odoslané z|poslano s|poslano iz|poslano sa|נשלח מ|أرسلت من|أُرسلت من"
    # German puts the verb last: "Von Gmail Mobile gesendet", "Diese Nachricht wurde von meinem
    # Android-Mobiltelefon mit GMX Mail gesendet."
    r"|von (?:\S+ ){1,4}gesendet\.?$|diese nachricht wurde von meine[mr] (?:\S+ ){1,6}gesendet\.?$"
)
_MOBILE = re.compile(_MOBILE_START)
# The apology that goes with it: "Please excuse my brevity.", "Veuillez excuser ma brièveté."
_EXCUSE = re.compile(r"[.,;!]?\s+(?:please |pls |kindly )?(?:excuse|veuillez excuser) .{1,40}$")
# The first two letters of the phrases above: a cheap test before the pattern.
_MOBILE_HEADS = frozenset("se ge do vo ou ho en ob té de in ot sc ve ba sk hä wy po he få od lä ha от по tr στ εσ di на נש أر أُ"
                          " đư ส่ из iš no sa"
                          .split())
_MOBILE_CJK = re.compile(
    r"(?:发自|来自|送自)我的\s?\S{1,20}|(?:发自|来自)\s?网易邮箱大师|[从從]我的.{1,20}(?:发送|傳送)|[获獲]取 ?outlook.{0,60}"
    r"|从 ?windows ?版邮件发送|.{1,30}から送信(?:しました)?|.{0,20}outlook(?: for \w{1,10})? ?を入手.{0,60}"
    # Korean "내 iPhone에서 보냄", "Android용 Outlook 받기"; Turkish and Hungarian name the device first:
    # "iPhone'umdan gönderildi", "iPhone-ról küldve".
    r"|(?:내\s?)?.{1,30}에서\s?보냄|.{1,20}용\s?outlook\s?받기"
    r"|(?:az\s)?(?:iphone|ipad|android|samsung|galaxy|huawei|xiaomi|outlook|mobil)\S{0,12}(?:\s\S{1,20})?"
    r"\s(?:gönderildi|küldve)")
_DEVICE = re.compile(
    r"phone|ipad|android|samsung|galaxy|huawei|xiaomi|pixel|blackberry|mobil|móvil|movil|cellulare"
    r"|celular|telefoon|telefon|handy|outlook|yahoo|windows|ios|iphon|proton|network|réseau|телефон|мобил|手机|手機"
    r"|xperia|k-9|tutanota|gerät|邮箱"
    r"|携帯|メール|スマートフォン|^apps?\.?$")
#: An app counts as the last word only: "Gesendet mit der GMX Mail App", not "Sent via the app, but ...".
#: Words allowed after the device ("Sent with Proton Mail secure email."), more after a full stop
#: ("Sent from my iPhone. Please excuse any typos.").
_AFTER_DEVICE, _AFTER_DEVICE_SENTENCE = 3, 5
_MAX_MOBILE = 120
# The same phrases with a mail app or device named in capitals, a link to it allowed after.
_APP_SIGNATURE = re.compile(
    r"(?:Sent (?:from|with|via)|Envoyé (?:de|depuis|avec)|Enviado (?:desde|con|de|do|com)|Inviato (?:da|dal|con)"
    r"|Gesendet (?:von|mit)|Verzonden (?:vanaf|vanuit|met)|Verstuurd (?:vanaf|vanuit|met)|Skickat från"
    r"|Wysłane z)\s+(?:(?:my|mon|ma|mi|mio|mia|mijn|meinem|meiner|meu|minha|min|mitt|mojego)\s+)?"
    r"(?P<name>[\w.+&'-]+(?:\s[\w.+&'-]+){0,3})\s*(?:<https?://[^\s<>]*>|\(https?://[^\s()]*\))?\.?")
# The footer a mailing list manager adds below a rule of underscores (Mailman and the like).
_LIST_FOOTER = re.compile(r"\S\s+(?:mailing ?list|mailing-?liste|liste de diffusion|lista de correo|mailinglijst"
                          r"|lista di distribuzione|sändlista|lista de discussão)$")

_THANKS = frozenset("""
thanks|thank you|many thanks|thanks a lot|thanks again|thanks in advance|thank you very much|thx
|danke|vielen dank|danke schön|danke sehr|besten dank|herzlichen dank|vielen dank im voraus
|merci|merci beaucoup|merci d'avance|merci par avance|un grand merci|gracias|muchas gracias
|gracias de antemano|mil gracias|grazie|grazie mille|grazie in anticipo|molte grazie|bedankt
|dank je|dank u|dank je wel|dank u wel|alvast bedankt|hartelijk dank|obrigado|obrigada|muito obrigado
|muito obrigada|tack|tack så mycket|stort tack|tack på förhand|dziękuję|dzięki|z góry dziękuję
|dziękuję bardzo|bardzo dziękuję|ありがとうございます|ありがとうございました|谢谢|多谢|感谢|非常感谢|謝謝
|tak|mange tak|på forhånd tak|takk|tusen takk|på forhånd takk|kiitos|kiitos paljon|kiittäen|děkuji|děkujeme|díky
|předem děkuji|спасибо|большое спасибо|заранее спасибо|благодарю|teşekkürler|teşekkür ederim|şimdiden teşekkürler
|köszönöm|köszönettel|előre is köszönöm|감사합니다|고맙습니다|mulțumesc|mulţumesc|vă mulțumesc|ευχαριστώ
|ευχαριστώ πολύ|дякую|щиро дякую|terima kasih|gràcies|moltes gràcies|ďakujem|hvala|תודה|תודה רבה|شكرا|شكراً
|have a nice day|have a great day|thanks and have a nice day|danke und viele grüße|danke und liebe grüße
|danke und beste grüße|danke und schöne grüße|grazie e saluti|grazie e buona giornata|gracias y saludos
|saludos y gracias|un saludo cordial|obrigado e bom dia|obrigada e bom dia|bedankt en groet|bedankt en groeten
|thanks so much|thank you so much|tia|with thanks|much appreciated|danke im voraus|besten dank|merci encore|grazie ancora
|obrigado desde já|obrigada desde já|grato|grata|xin cảm ơn|cảm ơn
""".replace("\n", "").split("|"))
_REGARDS = frozenset("""
best regards|kind regards|warm regards|warmest regards|many regards|regards|best wishes|best
|cheers|sincerely|yours sincerely|sincerely yours|yours truly|yours faithfully|all the best
|take care|br|brgds|rgds|kr|with best regards|with kind regards|thanks and regards|thanks & regards
|thanks and best regards|thanks & best regards|thank you and best regards|thanks and kind regards
|mit freundlichen grüßen|mit freundlichen grüssen|mit freundlichen gruessen|mfg|freundliche grüße
|freundliche grüsse|viele grüße|viele grüsse|beste grüße|beste grüsse|liebe grüße|liebe grüsse
|herzliche grüße|herzliche grüsse|schöne grüße|mit besten grüßen|grüße|grüsse|gruß|gruss|vg|lg
|danke und gruß|danke und grüße|cordialement|bien cordialement|très cordialement|bien à vous|bien à toi
|salutations|sincères salutations|meilleures salutations|amicalement|bonne journée
|saludos|un saludo|saludos cordiales|un cordial saludo|atentamente|cordialmente|un abrazo
|cordiali saluti|distinti saluti|saluti|un saluto|un caro saluto|buona giornata
|met vriendelijke groet|met vriendelijke groeten|vriendelijke groet|vriendelijke groeten|groeten|groet
|mvg|hartelijke groet|hartelijke groeten|atenciosamente|cumprimentos|melhores cumprimentos
|com os melhores cumprimentos|abraços|abraço|um abraço|att|abs|bjs|beijos|saudações|gr|groetjes|grtz|bises|besos|med vänliga hälsningar
|med vänlig hälsning|vänliga hälsningar|vänlig hälsning|bästa hälsningar|hälsningar|mvh
|pozdrawiam|serdecznie pozdrawiam|pozdrawiam serdecznie|z poważaniem|pozdrowienia|z wyrazami szacunku
|よろしくお願いします|よろしくお願いいたします|よろしくお願い致します|宜しくお願いします|宜しくお願いいたします
|宜しくお願い致します|以上、よろしくお願いいたします|以上、よろしくお願いします|以上|此致敬礼|此致|敬礼|祝好
|顺祝商祺|顺颂商祺|bonne réception|med venlig hilsen|venlig hilsen|venlige hilsner|hilsen|bedste hilsner
|de bedste hilsner|kh|med vennlig hilsen|vennlig hilsen|beste hilsen|ystävällisin terveisin|terveisin
|parhain terveisin|s pozdravem|s úctou|s přáním hezkého dne|se srdečným pozdravem|z powazaniem|с уважением
|с наилучшими пожеланиями|всего доброго|всего наилучшего|saygılarımla|iyi çalışmalar|selamlar|sevgiler
|üdvözlettel|tisztelettel|üdv|안부 전합니다|좋은 하루 되세요|cu stimă|cu respect|toate cele bune|o zi bună
|με εκτίμηση|φιλικά|με φιλικούς χαιρετισμούς|з повагою|з найкращими побажаннями|salam|hormat saya|salam hangat
|salutacions|cordialment|s pozdravom|lijep pozdrav|srdačan pozdrav|srdačno|pozdrav|בברכה|בכבוד רב|مع التحية|تحياتي
|kindest regards|warm wishes|respectfully|talk soon|b/r|warmly|have a great weekend|have a nice weekend|have a good weekend
|viele liebe grüße|viele liebe grüsse|grüßle|servus|ciao|tschüss|mit freundlichem gruß|mit freundlichem gruss
|freundlichen gruß|freundlichen gruss|bis dann|bis bald|belle journée|bonne soirée|a bientôt|à bientôt|bien amicalement
|amitiés|cdlt|bàv|bav|bonne fin de journée|quedo atento|quedo atenta|quedo a la espera|quedo a su disposición|nos vemos
|a presto|buona serata|met groet|fijne dag|ha en bra dag|vänligen|trevlig helg|serdeczne pozdrowienia|miłego dnia|pozdr
|s přáním pěkného dne|수고하세요
""".replace("\n", "").split("|"))
_CLOSINGS = _THANKS | _REGARDS
# Japanese closes with a request in many forms: "引き続きよろしくお願いいたします", "何卒宜しくお願い申し上げます".
_JA_CLOSING = re.compile(r"(?:以上、?\s?)?(?:引き続き|今後とも|今後ともどうぞ|どうぞ|何卒|なにとぞ|重ねて)?\s?(?:よろしく|宜しく)"
                         r"お願い(?:します|いたします|致します|申し上げます)")
# The first words of the closings, and what joins two of them ("Danke und Gruß", "Grazie, saluti").
_CLOSING_HEADS = frozenset(closing.split()[0] for closing in _CLOSINGS if " " in closing) | _CLOSINGS
_CLOSING_JOINS = (" / ", ", ", " und ", " and ", " & ", " et ", " e ", " y ", " en ", " och ", " i ", " og ")
# Closings written short, signed on the same line: "VG Anna", "MfG J. Doe".
_SHORT_CLOSINGS = frozenset("vg lg mfg gr br kr mvh mvg bg sg rgds brgds".split())
# "Viele Grüße aus Berlin", "Greetings from Lyon": a closing and the place (one or two words, lower case here).
_FROM_PLACE = re.compile(r" (?:aus|from|vom|von der|uit) \S+(?: \S+)?$")
_GREETINGS = frozenset(
    "hi hello hey dear morning hallo liebe lieber sehr guten moin servus bonjour salut cher chère madame"
    " monsieur hola estimado estimada estimados buenos buenas buongiorno ciao salve gentile gentili caro cara"
    " beste hoi goedemorgen goedemiddag geachte olá oi prezado prezada prezados bom boa hej hejsan god"
    " dzień witam cześć szanowni szanowny szanowna".split())
_CJK_GREETINGS = ("お疲れ様", "お世話に", "你好", "您好", "各位")
# Hungarians close with a colon: "Üdvözlettel:".
_CLOSING_END = " \t,.!。！、，~:"
_POSTSCRIPT = re.compile(r"p\.? ?s\b", re.I)
# A name signed with a dash on the last line: "-Jane", "– J. Doe", or with a slash as Swedes and Danes
# sign: "/Anna".
_DASH_NAME = re.compile(r"[-–—~/] ?(?P<name>[^\W\d_][^/\\]{0,30})")
_CJK_NAME = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff・ 　]{1,12}[!！。]?")
# "i. A." and "i. V." (German: on behalf of), "pp." before a signed name; " | " or " - " before a title after it.
_NAME_PREFIX = re.compile(r"(?:[iI]\.\s?[AaVv]\.|p\.?\s?p\.)\s+")
# What a title line has besides words: "|", a phone number ("+44 20 1234 5678").
_NOT_A_WORD = re.compile(r"[|+()\d./-]+")
_NAME_TITLE = re.compile(r"\s+[|–—-]\s+")
# A title before the sender's name and a degree after it: "Dr. Jane Doe", "Prof. Dr. Jane Doe", "Jane Doe, PhD".
_NAME_HONORIFIC = re.compile(r"(?:(?:Dr|Prof|Mag|Ing|Dipl\.-Ing|Mr|Mrs|Ms|Mme|Sr|Sra|Dott|Dott\.ssa|Ir|Drs)\.? )+")
_HONORIFICS = frozenset("dr prof mag ing dipl.-ing mr mrs ms mme sr sra dott dott.ssa ir drs".split())
_NAME_DEGREE = re.compile(r"(?:,\s*[A-Z][A-Za-z.()-]{1,10})+$")
# A first name signed in lower case, alone on the last line under a closing: "thanks,", "anna".
_LOWER_NAME = re.compile(r"[^\W\d_]{2,15}")
_PARTICLES = frozenset("van von der den de da di del della dos das du la le y e af zu ten ter".split())

# --- banners and disclaimers -----------------------------------------------------------------

# A mail gateway's warning at the top ("CAUTION: This email originated from outside of the
# organization.", "[EXTERNAL]", Outlook's "You don't often get email from ..."): what it says, near the
# start of a line. A tag alone on a line is one too.
_BANNER = re.compile(
    r"originated (?:from )?outside|(?:came|comes|is|was sent) from outside|from outside (?:of )?(?:the|your|our)"
    r" (?:organi[sz]ation|company)|(?:from|is) an external sender|external (?:e-?mail|sender|message)[.:!\]]"
    r"|do not click (?:on )?(?:any )?links|unless you recogni[sz]e the sender|don[’']t often get e-?mail from"
    r"|learn why this is important|außerhalb (?:der|ihrer|unserer|Ihrer) organisation|stammt von (?:einem )?extern"
    r"|externe[rn]? absender|sie erhalten nicht oft e-mails? von|erfahren sie, warum dies wichtig ist"
    r"|l[’']extérieur de (?:l[’']|votre )organisation|expéditeur externe|vous n[’']obtenez pas souvent d[’']e-mail"
    r"|découvrez pourquoi ceci est important|fuera de (?:la|su) organización|remitente externo"
    r"|no suele recibir correos? electrónicos? de|por qué esto es importante|all[’']esterno dell[’']organizzazione"
    r"|esterno all[’']organizzazione|mittente esterno|non ricevi spesso messaggi|buiten (?:de|uw|onze) organisatie"
    r"|externe afzender|u ontvangt niet vaak e-mail|fora da (?:sua |nossa )?organização|remetente externo"
    r"|você não costuma receber e-?mails? de|utanför (?:organisationen|din organisation)|extern avsändare"
    r"|du får inte ofta e-post från|spoza (?:twojej |naszej )?organizacji|od nadawcy zewnętrznego"
    r"|nie otrzymujesz często wiadomości|組織外から|外部から(?:の|送信)|からのメールを受け取る頻度は高くありません"
    r"|来自(?:组织|組織)外部|外部发件人|外部寄件者|你通常不会收到来自|您通常不會收到來自")
# A word that each of the warnings above has: a cheap test before the pattern.
_BANNER_STEMS = ("outside", "xtern", "estern", "click", "oft", "außerhalb", "xtérieur", "souvent", "fuera de",
                 "suele", "spesso", "buiten", "vaak", "fora d", "costuma", "utanför", "spoza", "zewnętrz", "często",
                 "組織外", "外部", "頻度", "通常不")
_BANNER_TAG = re.compile(r"[\[*(]{0,2}(?:external|ext|extern|externe?|externo|esterno|external e-?mail"
                         r"|external sender|externe e-mail|e-mail externe|correo externo|外部|外部邮件)[\])*]{0,2}:?")
_PROOFPOINT_START, _PROOFPOINT_END = "ZjQcmQRYFpfptBannerStart", "ZjQcmQRYFpfptBannerEnd"
_PROOFPOINT_LINES = 60
#: Lines at the top that are looked at for banners...
_BANNER_LINES = 12
#: ...and how much of each: a warning says what it is right away.
_BANNER_WIDTH = 160
# A question, or the writer speaking of themselves: no gateway's warning does either.
_WRITER = re.compile(r"[?？]|\b(?:i|me|my|i[’']m|i[’']ve|ich|mir|mich|meine?[mnrs]?|je|moi|mon|ma|mes|yo|mis?|ik|mij"
                     r"|mijn|io|jag|mig|min|mnie|mój|moja|eu|meu|minha)\b|\bj[’']", re.IGNORECASE)
# A disclaimer under the writer's text: the start of a paragraph, in its first 300 characters. A
# label, or a sentence that names the message and what the notice says about it.
# A label in front of the notice's sentence: "NOTICE: This e-mail ...".
_DISCLAIMER_LABEL = re.compile(r"(?:important|notice|note|confidential|warning|caution|wichtig|hinweis|avis|aviso|avviso"
                               r"|let op|uwaga)[ \t]*:[ \t]*")
_DISCLAIMER_START = re.compile(
    r"(?:confidentiality (?:notice|note|statement|warning|disclaimer)|legal (?:notice|disclaimer)|disclaimer"
    r"|privileged (?:and|&|/) ?confidential|vertraulichkeitshinweis|haftungsausschluss|avis de confidentialité"
    r"|aviso (?:de confidencialidad|legal|de confidencialidade)|avviso di riservatezza|clausola di riservatezza"
    r"|vertrouwelijkheidsverklaring|sekretessmeddelande|klauzula poufności|免责声明|免責聲明|保密声明|機密保持)\b"
    r"|(?:please )?consider the environment before printing|think before you print|save (?:a tree|paper)"
    r"|(?:bitte )?denken sie an die umwelt|pensez à l[’']environnement|antes de imprimir|prima di stampare"
    r"|rispetta l[’']ambiente|denk aan het milieu|tänk på miljön|pomyśl o środowisku|zanim wydrukujesz"
    r"|this e-?mail has been (?:checked|scanned) for viruses|virus-free\.? ?(?:www\.)?avast\.com"
    r"|if you (?:are not the intended recipient|have received this (?:e-?mail|message|communication) in error)"
    r"|(?:this|the information (?:contained )?in this|the contents? of this) (?:e-?mail|message|communication"
    r"|transmission|electronic mail)\b.{0,160}?(?:confidential|privileged|intended (?:only|solely|exclusively)"
    r"|intended recipient|addressee|sole use)"
    r"|(?:diese|die informationen in dieser|der inhalt dieser) (?:e-?mail|nachricht)\b.{0,160}?(?:vertraulich"
    r"|rechtlich geschützt|ausschließlich für den)|wenn sie nicht der (?:richtige|beabsichtigte) (?:adressat|empfänger)"
    r"|(?:ce|les informations contenues dans ce) (?:message|courriel|e-?mail)\b.{0,160}?(?:confidentiel"
    r"|destinataire)|si vous n[’']êtes pas (?:le )?destinataire"
    r"|(?:este|la información contenida en este) (?:mensaje|correo|e-?mail)\b.{0,160}?(?:confidencial|destinatario)"
    r"|(?:questo|il presente) messaggio\b.{0,160}?(?:riservat|confidenzial|destinatari|indirizzat)"
    r"|ai sensi del(?:l[’'])? ?(?:d\.? ?lgs|decreto|regolamento|gdpr|reg\.)"
    r"|(?:questa|la presente) (?:e-?mail|mail|comunicazione)\b.{0,160}?(?:riservat|confidenzial|destinatari)"
    r"|le informazioni contenute (?:in questo|nel presente|nella presente)"
    r"|(?:dit|deze|de informatie (?:verzonden met|in) dit) (?:e-?mail(?:bericht)?|bericht)\b.{0,160}?(?:vertrouwelijk"
    r"|uitsluitend bestemd|geadresseerde)|aan de inhoud van dit bericht kunnen geen rechten"
    r"|(?:esta mensagem|este e-?mail|as informações contidas (?:nesta|neste))\b.{0,160}?(?:confidencia|sigilos"
    r"|destinatário)"
    r"|(?:detta|informationen i detta) (?:e-?postmeddelande|meddelande|mejl|e-?brev)\b.{0,160}?(?:konfidentiell"
    r"|sekretess|avsedd)"
    r"|(?:ta|niniejsza) wiadomość\b.{0,160}?(?:poufn|adresat)|informacje zawarte w (?:tej|niniejszej) wiadomości"
    r"|denne (?:e-?mail|e-?post|meddelelse|melding)\b.{0,160}?(?:fortrolig|konfidentiel|modtager|mottaker)"
    r"|tämä (?:viesti|sähköposti(?:viesti)?)\b.{0,160}?(?:luottamuksellis|vastaanottaja)"
    r"|ez az? (?:e-?mail|üzenet)\b.{0,160}?(?:bizalmas|címzett)|tato (?:zpráva|e-?mailová zpráva)\b.{0,160}?(?:důvěrn|adresát)"
    r"|(?:это|данное) (?:сообщение|письмо|электронное письмо)\b.{0,160}?(?:конфиденциальн|адресат)"
    r"|(?:この|本)メール.{0,60}?(?:機密|秘密|宛先|誤って)|(?:本|此)(?:邮件|郵件).{0,60}?(?:保密|机密|機密|收件人)")
# What the line above a disclaimer starts with: nothing (a blank line), or a rule.
_PARAGRAPH_ABOVE = frozenset(("", "-", "_", "=", "*", "~", "—", "–"))
# The first two letters of what starts a disclaimer: a cheap test before the pattern.
_DISCLAIMER_HEADS = frozenset((
    "co", "le", "di", "pr", "ve", "ha", "av", "cl", "se", "kl", "pl", "th", "sa", "bi", "de", "pe", "an", "ri",
    "po", "za", "vi", "if", "we", "ce", "si", "es", "la", "qu", "il", "aa", "as", "ta", "ni", "in", "tä",
    "免责", "免責", "保密", "機密", "この", "本メ", "本邮", "本郵", "此邮", "此郵", "im", "no", "wa", "ca", "wi", "hi", "av",
    "le", "uw", "ai", "ez", "эт", "да"))

# "---" over a name or two: the signature separator "-- " typed another way, also as the dash a phone
# makes of "--" ("—").
_SHORT_RULES = frozenset(("---", "—", "–", "__", "___"))
#: Lines of these alone are blank or a rule: none is left at the end.
_RULE_CHARS = " \t\r\xa0\u3000-_=*~—–━─―＝═＊－＿～"


def visible_text(text: str, sender: str = "") -> str:
    """What the writer just wrote: quoted history and the signature cut off. ``sender`` is the name the
    message is from ("Jane Doe", "Doe, Jane"): that name on a line of its own near the end, with no closing
    above it, starts the writer's signature when a title, a phone number ... follow it (alone, it stays)."""
    lines = text.strip().split("\n")
    lines = lines[_after_banners(lines):]
    cut, dropped = _history(lines)
    own = _without_signoff(_without_trailing_rules(_assemble(lines, cut, dropped)))
    if sender:
        own = _without_sender_block(own, sender)
    return "\n".join(_without_trailing_rules(own)).strip()  # and the rule over a signature cut off


def _without_trailing_rules(lines: list[str]) -> list[str]:
    """The lines without the blank lines and rules ("-----") at their end."""
    end = len(lines)
    while end and not lines[end - 1].strip(_RULE_CHARS):
        end -= 1
    return lines[:end]


def _history(lines: list[str]) -> tuple[int, list[tuple[int, int]]]:
    """The line where the quoted history starts, and the ">" blocks above it as (first, after) lines."""
    dropped: list[tuple[int, int]] = []
    i, end, looked = 0, len(lines), 0
    while i < end:
        row = lines[i].strip()
        if not row:
            i += 1
        elif row[0] == ">" and i and row[1:].strip() in (":", "：") and _opens_address(lines[i - 1]):
            # Gmail wrapped the attribution inside the address: "... skrev Jane <jane@x" + ">:".
            lines[i - 1] = lines[i - 1].rstrip() + row
            lines[i] = ""
            i += 1
        elif row[0] == ">":
            first, after = _attribution_above(lines, i), i + 1
            if first < i:
                first = _own_text_before(lines, first, i)
            # Blank lines between ">" lines belong to the block, and so does the rest of a long link
            # that the quoting client wrapped without a ">".
            for j in range(i + 1, end):
                line = lines[j].lstrip()
                if line.startswith(">"):
                    after = j + 1
                elif line:
                    if "http" in lines[j - 1] and _rest_of_quoted_link(lines[j - 1], line):
                        after = j + 1
                        continue
                    if _rest_of_quoted_line(lines, j):
                        after = j + 1
                        continue
                    break
            dropped.append((first, after))
            i = after
        elif looked == _SCAN_LIMIT:
            break  # no reply has this much text of its own; the rest stays as it is
        else:
            looked += 1
            start = _history_at(lines, i, row)
            if start is not None:
                return start, dropped
            i += 1
    return end, dropped


def _history_at(lines: list[str], i: int, row: str) -> int | None:
    """The line where the history starts if it does at line ``i`` (or at an attribution ending there).

    Cheap tests on a character or two come first: most lines are plain text.
    """
    if row[0] in "-_=*" and (row == "--" or _is_separator(row)):
        return i
    if "----" in row:
        m = _GLUED_SEPARATOR.search(row[:_MAX_MARKER].lower())
        rest = row[m.end():].lstrip() if m else ""
        if m and m.start() and (not rest or _label_kind(rest) == "sender"):
            lines[i] = row[:m.start()].rstrip()
            return i + 1  # "Three questions:-----Original Message-----From: ..." (a converter ran them together)
    if row[0] == "_" and not row.strip("_") and _is_list_footer(lines, i):
        return i
    if row[0] == "[" and _DAVID.match(row[:60].lower()):
        return i
    if len(row) <= _MAX_MOBILE and _is_mobile_signature(row):
        return i
    if (i and (row[:2].lower() in _DISCLAIMER_HEADS or row[0] in "*_[(") and lines[i - 1].strip()[:1] in _PARAGRAPH_ABOVE
            and _is_disclaimer(lines, i, row)):
        return i
    kind = _label_kind(row)
    if kind == "sender" and _header_block_at(lines, i, row):
        start = _labels_above(lines, i)
        if not _raw_headers_around(lines, start, i):
            above = lines[start - 1].strip() if start else ""
            return start - 1 if above[-1:] in (":", "：") and _attribution_kind(above) else start
    if kind == "sent" and i and _dated_block_at(lines, i, row) and not _raw_headers_around(lines, _labels_above(lines, i), i):
        return i
    if row[-1] in ":：":
        if len(row) <= _MAX_MARKER and _FORWARD_INTRO.fullmatch(row.lower()):
            return i
        # Above a ">" block an attribution goes with the block; elsewhere only a dated one counts.
        if not _quoted_after(lines, i + 1):
            start, kind = _attribution_ending_at(lines, i, dated_only=True)
            if kind == _DATED:
                return _own_text_before(lines, start, i + 1)
    # Some webmail leave out the colon: "On Mon, 3 Nov 2025 10:02:15 +0100 Jane <jane@x> wrote".
    elif (row[0] in _ATTRIBUTION_HEADS and row[-1].isalpha() and row[:row.find(" ")] in _ATTRIBUTION_WORDS
          and len(row) < _MAX_MARKER and _ENDS_WITH_VERB.search(row[-60:] + ":") and _attribution_kind(row + ":") == _DATED):
        return i
    return None


def _after_banners(lines: list[str]) -> int:
    """The first line under the warnings a mail gateway put at the top (none: 0). A warning line goes
    on over the lines under it while it ends no sentence ("... open attachments" + "unless you ...").
    Proofpoint marks its warning with a hidden line above and under it."""
    i, last = 0, 0
    end = min(len(lines), _BANNER_LINES)
    while i < end:
        row = lines[i].strip()
        if not row:
            i += 1
            continue
        if row.startswith(_PROOFPOINT_START):
            close = next((j for j in range(i + 1, min(len(lines), i + _PROOFPOINT_LINES))
                          if lines[j].strip().startswith(_PROOFPOINT_END)), None)
            if close is not None:
                i = last = close + 1
                end = min(len(lines), i + _BANNER_LINES)
                continue
        if not (len(row) > 20 and _is_banner(row[:_BANNER_WIDTH].lower())
                or len(row) < 40 and row[0] in "[*(EeCc外" and _BANNER_TAG.fullmatch(row.lower())):
            break
        start = i
        i += 1
        while i < end and row[-1] not in ".!)>:" and lines[i].strip():
            row = lines[i].strip()
            i += 1
        if _WRITER.search(" ".join(lines[start:i])):
            break  # a person telling of such a mail ("... originated outside and asked me to click")
        last = i
    return last


def _is_banner(low: str) -> bool:
    return any(stem in low for stem in _BANNER_STEMS) and bool(_BANNER.search(low))


def _is_disclaimer(lines: list[str], i: int, row: str) -> bool:
    """A legal notice, a virus scanner's or a print-saving line under the writer's text, at the start
    of a paragraph."""
    above = lines[i - 1].strip()
    if above and (above[0] not in "-_=*~—–" or not _RULE.fullmatch(above)):
        return False
    low = row[:300].lower().lstrip("*_[(")
    label = _DISCLAIMER_LABEL.match(low)
    if label and label.end() < len(low):
        low = low[label.end():]
    return (low[:2] in _DISCLAIMER_HEADS and bool(_DISCLAIMER_START.match(low))
            and any(line.strip(_RULE_CHARS) for line in lines[:i]))


def _own_text_before(lines: list[str], first: int, stop: int) -> int:
    """The first line of the attribution in ``lines[first:stop]``, once the writer's text in front of it
    on its first line ("Thanks! On Mon, 3 Nov 2025 at 10:02, Jane wrote:", lines joined by a converter)
    is made a line of its own in place of ``lines[first]``."""
    row = lines[first].strip()
    if row[:row.find(" ")] in _ATTRIBUTION_WORDS or row[0].isdigit():
        return first  # it starts the line, as nearly always
    m = _ATTRIBUTION_START.search(row, 1)
    own = row[:m.start()].rstrip(" \t-") if m else ""
    if not own:
        return first
    rest = " ".join([row[m.start() + 1:]] + [line.strip() for line in lines[first + 1:stop] if line.strip()])
    if not _attribution_kind(rest) and not _DATE_AND_ADDRESS.fullmatch(rest):
        return first
    lines[first] = own
    return first + 1


def _rest_of_quoted_link(above: str, line: str) -> bool:
    """``line`` ends a link opened on the quoted line above it: "> See (http://x.example/a?b" + "=c)"."""
    if " " in line.strip() or not above.lstrip().startswith(">"):
        return False
    opened = max(above.rfind("(http"), above.rfind("<http"))
    return opened >= 0 and not any(c in above[opened:] for c in ")>") and any(c in line for c in ")>")


def _opens_address(line: str) -> bool:
    opened = line.rfind("<")
    return opened >= 0 and "@" in line[opened:] and ">" not in line[opened:]


def _rest_of_quoted_line(lines: list[str], j: int) -> bool:
    """Line ``j`` is the end of the long quoted line above it, which the quoting client wrapped without
    a ">": it carries on in lower case, right between two ">" lines, and the line above ends no question."""
    above, line = lines[j - 1].strip(), lines[j].strip()
    return (line[0].islower() and len(above) >= _WRAPPED_QUOTE and above[0] == ">" and above[-1] not in "?:："
            and j + 1 < len(lines) and lines[j + 1].lstrip().startswith(">"))


def _is_separator(row: str) -> bool:
    """A separator line, also with the header block it opens run together on it (HTML turned into text):
    "-----Original Message----- From: Jane <jane@x> Sent: ..."."""
    low = row.lower()
    if len(row) <= _MAX_MARKER and (_SEPARATOR.fullmatch(low) or _LOTUS.fullmatch(low)):
        return True
    m = _SEPARATOR.match(low[:_MAX_MARKER])
    return bool(m) and _label_kind(row[m.end():].lstrip()) == "sender"


def _is_mobile_signature(row: str) -> bool:
    low = row.lower()
    if "excuse" in low or "excuser" in low:
        low = _EXCUSE.sub("", low)  # "Sent from my phone. Please excuse my brevity."
    if low[:2] in _MOBILE_HEADS and _MOBILE.match(low):
        return (_ends_with_device(low.split(), row) or _is_app_signature(row)
                or low.startswith("diese nachricht wurde"))
    if row.isascii():
        return False
    return bool(_MOBILE_CJK.fullmatch(low.rstrip("。.")) and _DEVICE.search(low))


def _carrier_then_device(row: str, device: int) -> bool:
    """"Sent from my Verizon, Samsung Galaxy smartphone": the one comma closes a name right before the device."""
    words = row.split()
    return (device >= 2 and words[device - 1][-1] == "," and words[device - 1][0].isupper()
            and not any(word[-1] in ",;" for word in words[:device - 1]))


def _ends_with_device(words: list[str], row: str = "") -> bool:
    """The device is named near the end: "Von meinem Handy aus kann ich nicht drucken" is no signature,
    and it is what the message was sent from: "Sent from my desk, easier than my phone." is none either."""
    named = [k for k, word in enumerate(words) if _DEVICE.search(word)]
    if not named or any(word[-1] in ",;" for word in words[:named[0]]) and not _carrier_then_device(row, named[0]):
        return False
    last = named[-1]
    after = len(words) - 1 - last
    return after <= _AFTER_DEVICE or after <= _AFTER_DEVICE_SENTENCE and words[last][-1] in ",.;!-–"


def _is_app_signature(row: str) -> bool:
    """"Sent from TypeApp<https://...>", "Sent from my Wiko RIDGE 4G": a mail app or device by its name."""
    m = _APP_SIGNATURE.fullmatch(row)
    return bool(m) and all(any(c.isupper() or c.isdigit() for c in word) for word in m.group("name").split())


def _is_list_footer(lines: list[str], i: int) -> bool:
    """A rule of underscores over the footer a mailing list adds: "xyz mailing list", then its address
    or its page."""
    rows = [row for row in (line.strip() for line in lines[i + 1:i + 8]) if row][:3]
    return (len(rows) > 1 and bool(_LIST_FOOTER.search(rows[0].lower()))
            and any("@" in row or "http" in row for row in rows[1:]))


def _header_block_at(lines: list[str], i: int, row: str) -> bool:
    """A "From:" line with at least two more header fields, counting those right above it ("Date:",
    "To:", then "From:"), or with one: under a rule line, a date with its time ("Date: ... 10:02"), or a
    "To:" or "Cc:" with an address under a "From:" with one. Fields such as "Reply-To:" or
    "Organization:" go with the block without counting."""
    if _label_kind(row) != "sender":
        return False
    kinds = {m.lastgroup for m in _LABEL_INLINE.finditer(row.lower())} if len(row) > 40 else set()
    dated = "sent" in kinds and _is_dated(row)
    for j in range(i - 1, max(-1, i - 1 - _HEADER_WINDOW), -1):
        kind = _label_kind(lines[j].strip())
        if not kind:
            break
        kinds.add(kind)
    kinds.discard("sender")
    kinds.discard("other")
    seen = others = 0
    addressed = False
    for j in range(i + 1, min(len(lines), i + 1 + 2 * _HEADER_WINDOW)):
        if seen == _HEADER_WINDOW or others > _HEADER_WRAPS or len(kinds) >= 2:
            break
        following = lines[j].strip()
        if following:
            seen += 1
            kind = _label_kind(following)
            if kind == "sender":
                break  # the next block's, or not a header block at all
            if kind == "other":
                continue
            if kind:
                kinds.add(kind)
                dated = dated or kind == "sent" and _is_dated(following)
                addressed = addressed or kind in ("to", "cc") and "@" in following
            else:
                others += 1
    return len(kinds) >= 2 or len(kinds) == 1 and (dated or addressed and "@" in row or _rule_above(lines, i))


def _dated_block_at(lines: list[str], i: int, row: str) -> bool:
    """A header block with no "From:" that opens with its date and time: "Date: Wed, 5 Nov 2025 10:02"
    right over "To: jane@x" (an address), or over two more fields ("To:", "Subject:")."""
    if not _is_dated(row):
        return False
    kinds: set[str] = set()
    for following in lines[i + 1:i + 4]:
        following = following.strip()
        kind = _label_kind(following) if following else None
        if kind not in ("to", "cc", "subject"):
            break
        kinds.add(kind)
        if len(kinds) > 1 or kind != "subject" and "@" in following:
            return True
    return False


def _is_dated(row: str) -> bool:
    return bool(_YEAR.search(row) and _TIME.search(row))


def _label_kind(row: str) -> str | None:
    """"sender", "sent", "to", "cc" or "subject" for a header field line ("*Von:* ...", "件名：...")."""
    colon = row.find(":", 0, _LABEL_END)
    wide = row.find("：", 0, _LABEL_END)
    if wide >= 0 and (colon < 0 or wide < colon):
        colon = wide
    return _LABEL_KINDS.get(row[:colon].strip(" \t\xa0\u202f*").lower()) if colon > 0 else None


def _raw_headers_around(lines: list[str], start: int, i: int) -> bool:
    """The header block from ``start`` to ``i`` was pasted by the writer: it has a raw header line right
    above or in it ("Message-ID:", "Received:", "Return-Path:"), which no mail client quotes, or it follows
    the writer's line that announces it ("This one:") with no blank line between, as no client puts it."""
    above = lines[start - 1].strip() if start else ""
    if above and (above[-1] in ":：" and not _attribution_kind(above) or _RAW_HEADER.match(above)):
        return True  # "The log says:" right over it: the writer shows what a message had
    for j in range(start, min(len(lines), i + _HEADER_WINDOW)):
        if j > i and not lines[j].strip():
            break  # the end of the block: what follows is the message
        if _RAW_HEADER.match(lines[j]):
            return True
    return False


def _labels_above(lines: list[str], i: int) -> int:
    """The first of the header lines right above ``i`` (GMX and others put "Sent:" above "From:")."""
    while i and _label_kind(lines[i - 1].strip()):
        i -= 1
    return i


def _rule_above(lines: list[str], i: int) -> bool:
    above = next((row for row in (line.strip() for line in reversed(lines[max(0, i - 3):i])) if row), "")
    return bool(_RULE.fullmatch(above))


def _attribution_above(lines: list[str], i: int) -> int:
    """The first line of an attribution right above line ``i`` (blank lines between allowed), else ``i``."""
    for j in range(i - 1, max(-1, i - 4), -1):
        row = lines[j].strip()
        if row:
            if row[-1] in ":：":
                start, kind = _attribution_ending_at(lines, j)
                if kind:
                    return start
            elif len(row) <= _MAX_MARKER and _DATE_AND_ADDRESS.fullmatch(row):
                return j
            break
    return i


def _attribution_ending_at(lines: list[str], j: int, dated_only: bool = False) -> tuple[int, int]:
    """An attribution wrapped over up to three lines ending at line ``j``: its first line and kind."""
    parts = [lines[j].strip()]
    for k in range(j - 1, max(-1, j - _ATTRIBUTION_LINES), -1):
        row = lines[k].strip()
        if not row or row.startswith(">") or row[-1] in ":：" or len(row) + len(parts[0]) > _MAX_MARKER:
            break
        parts.insert(0, row)
    best, best_kind = j, _NOT_ATTRIBUTION
    joined = " ".join(parts)
    if dated_only and not (_TIME.search(joined) or "@" in joined or _CJK_DATE.search(joined)
                           or _YOU_WROTE.search(joined[-30:])):
        return best, best_kind
    # From the shortest to the longest: lines above an attribution that is as good without them
    # are the writer's own.
    # A line that opens like an attribution ("On Wed, 3 Dec, Jane Doe" over "<jane@x>" and "wrote:") is
    # its first line, unless it ends a sentence.
    opened = False
    for first in range(len(parts) - 1, -1, -1):
        kind = _attribution_kind(" ".join(parts[first:]))
        if kind > best_kind or kind and kind == best_kind and not opened and _opens_attribution(parts[first]):
            best, best_kind = j - (len(parts) - 1 - first), kind
            opened = _opens_attribution(parts[first])
    return best, best_kind


def _opens_attribution(row: str) -> bool:
    return row[:row.find(" ")] in _ATTRIBUTION_WORDS and row[-1] not in ".!?"


def _attribution_kind(line: str) -> int:
    if len(line) > _MAX_MARKER:
        return _NOT_ATTRIBUTION
    by_verb = (_ENDS_WITH_VERB.search(line[-60:]) or _VERB_THEN_DATE.search(line)
               or ">" in line and _ADDRESS_VERB_DATE.search(line[-100:]))
    named = _VERB_THEN_NAME.search(line)
    if not (by_verb or named or _DATED_PREFIX.match(line)):
        if line[0].isdigit() and _DATE_AND_ADDRESS_COLON.fullmatch(line):
            return _DATED if _TIME.search(line) else _IF_QUOTED
        if ">" in line[-4:] and _ADDRESS_COLON.search(line[-160:]) and _YEAR.search(line) and _TIME.search(line):
            return _DATED
        if _QUOTING.match(line.lower()) or _ENDS_WITH_SENT.search(line[-20:]):
            return _IF_QUOTED
        return _NOT_ATTRIBUTION
    if by_verb and by_verb.start() == 0 and len(line) <= 60:
        return _NOT_ATTRIBUTION  # "wrote:" alone: the rest of an attribution wrapped over lines
    # Dated: a year and a time, or, before the verb, a year and the sender's address in a line that opens
    # like an attribution ("El lunes, 3 de noviembre de 2025, Jane <jane@x> escribió:"), or a CJK date.
    dated = _YEAR.search(line) and (_TIME.search(line) or by_verb and (
        line[:line.find(" ")] in _ATTRIBUTION_WORDS and (_ADDRESS.search(line) or _YOU_WROTE.search(line[-30:])) or _CJK_DATE.match(line)))
    dated = dated or by_verb and "<" in line and _SENDER_WROTE.fullmatch(line) and _is_sender_name(line[:line.find("<")])
    if dated and (by_verb or _DATED_PREFIX.match(line) and "@" in line
                  or named and _looks_like_sender(named.group("name"))):
        return _DATED
    return _IF_QUOTED if by_verb or named else _NOT_ATTRIBUTION


def _is_sender_name(text: str) -> bool:
    """The name in front of a sender's address: "Jane Doe", "\"Doe, Jane\"", "Jane Doe via Helpdesk"."""
    name = text.strip().strip("\"'")
    via = name.find(" via ")
    return _looks_like_name(name[:via] if via > 0 else name)


def _looks_like_sender(name: str) -> bool:
    return "@" in name or _looks_like_name(name)


def _quoted_after(lines: list[str], i: int) -> bool:
    for line in lines[i:i + 3]:
        row = line.lstrip()
        if row:
            return row[0] == ">"
    return False


def _assemble(lines: list[str], cut: int, dropped: list[tuple[int, int]]) -> list[str]:
    """The writer's lines above ``cut`` with each dropped block closed up.

    Where a block was set apart by blank lines, one blank line stays; where it was not
    ("> Which laptop?" right between two lines of the writer's), none is added.
    """
    starts = [0] + [after for _, after in dropped]
    ends = [first for first, _ in dropped] + [cut]
    pieces = [lines[start:end] for start, end in zip(starts, ends, strict=True)]
    out = list(pieces[0])
    blank = False
    for piece in pieces[1:]:
        while out and not out[-1].strip():
            out.pop()
            blank = True
        start = 0
        while start < len(piece) and not piece[start].strip():
            start += 1
            blank = True
        if start == len(piece):
            continue  # nothing of the writer's between two blocks
        if blank and out:
            out.append("")
        out.extend(piece[start:])
        blank = False
    return out


def _last_lines(lines: list[str], count: int) -> list[int]:
    """The indexes of the last ``count`` non-blank lines, in order, among the last ``_SIGNOFF_SCAN``."""
    tail: list[int] = []
    for i in range(len(lines) - 1, max(-1, len(lines) - 1 - _SIGNOFF_SCAN), -1):
        if lines[i].strip():
            tail.append(i)
            if len(tail) == count:
                break
    tail.reverse()
    return tail


def _without_signoff(lines: list[str]) -> list[str]:
    """The lines without a closing + name at the end, when the writer wrote something above it."""
    tail = _last_lines(lines, _SIGNOFF_WINDOW)
    rows = [lines[i].strip() for i in tail]
    for n, i in enumerate(tail):
        # Line 0 is never blank here: with the closing there, nothing of the writer's would stay.
        if i and _is_signoff(rows[n], rows[n + 1:]) and not _only_a_greeting(lines[:i]):
            return lines[:i]
        if i and rows[n] in _SHORT_RULES and 1 < len(rows) - n <= 1 + _RULE_SIGNATURE and _looks_like_name(rows[n + 1]):
            return lines[:i]  # "---" over a name or two: the signature separator "-- " typed another way
        if (n and _is_rule(rows[n]) and _rule_signature(rows[n - 1], rows[n + 1:])
                and not _only_a_greeting(lines[:i])):
            return lines[:i]  # "━━━━" over "山田 太郎", "TEL: 03-1234-5678"
    if len(tail) > 1 and _is_dash_name(rows[-1], rows[-2]):
        return lines[:tail[-1]]
    return lines


def _without_sender_block(lines: list[str], sender: str) -> list[str]:
    """The lines without the sender's signature block at the end: a line with the sender's name (or a
    part of it: "Jane"), then one or more lines a signature has ("IT Manager", "+49 30 1234567",
    "jane@x"), when the writer wrote something above it."""
    names = _name_words(sender)
    if not names:
        return lines
    tail = _last_lines(lines, _SENDER_BLOCK)
    for n, i in enumerate(tail[:-1]):
        row = lines[i].strip().lstrip("-–—~ ")
        first = row.partition(" ")[0].strip(",.()\"'").lower()
        if len(row) > _MAX_NAME or first not in names and first not in _HONORIFICS:
            continue  # the cheap test first: most lines are no name
        row = _NAME_DEGREE.sub("", _NAME_HONORIFIC.sub("", row))
        if row.partition(" ")[0].strip(",.()\"'").lower() not in names:
            continue
        words = _name_words(row)
        if (i and words <= names and _looks_like_name(row)
                and all(_in_signature(lines[j].strip()) for j in tail[n + 1:])
                and any(line.strip() for line in lines[:i]) and not _only_a_greeting(lines[:i])):
            return lines[:i]
    return lines


def _name_words(name: str) -> set[str]:
    return {word for word in (w.strip(",.()\"'").lower() for w in name.split()) if len(word) > 1}


def _in_signature(row: str) -> bool:
    """A line a signature has under the name: no question, no sentence, no postscript."""
    if len(row) > _SENDER_BLOCK_WIDTH or row[-1] in "?!？！" or _POSTSCRIPT.match(row):
        return False
    words = row.split()
    if row[-1] == "." and len(words) > 3:
        return False  # a sentence ("Please send her the keys.")
    return not row[0].islower() or len(words) <= 3 or any(c.isdigit() or c in "@:/" for c in row)


def _is_dash_name(row: str, above: str) -> bool:
    """"-Jane" or "/Anna" on the last line, not the last item of a list ("- printer", or under "Two
    things:") nor a path ("/Users/anna")."""
    m = _DASH_NAME.fullmatch(row)
    return (bool(m) and _looks_like_name(m.group("name")) and above[0] not in "-–—~*•/"
            and above[-1] not in ":：")


def _only_a_greeting(lines: list[str]) -> bool:
    """"Hi Anna," above "Thanks!" and a name: the thanks is the message, not a signature."""
    filled = []
    for line in lines:
        if line.strip():
            filled.append(line.strip())
            if len(filled) > 1:
                return False
    words = filled[0].split() if filled else []
    if not words or len(words) > 6:
        return False
    return words[0].strip(",!").lower() in _GREETINGS or filled[0].startswith(_CJK_GREETINGS)


def _is_signoff(row: str, rest: list[str]) -> bool:
    """A closing followed by a name ("Thanks,", "Jane"; also under a rule, with a title or "i. A."), or a
    closing and a name on the last line."""
    if len(row) > 60:
        return False
    if _is_closing(_closing(row)):
        signed = bool(rest) and (_is_signed_name(rest[0])
                                 or len(rest) > 1 and _is_rule(rest[0]) and _is_signed_name(rest[1])
                                 or len(rest) == 1 and _LOWER_NAME.fullmatch(rest[0]) is not None)
    elif rest:
        return False  # a closing and a name on one line: on the last line only
    else:
        closing, comma, name = row.partition(",")
        if not comma:
            closing, comma, name = row.partition(". ")  # "Gr. Anna"
        if not comma:
            closing, comma, name = row.partition(" ")  # "VG Anna": an abbreviation only, never "Thanks Anna"
            comma = comma if closing.lower() in _SHORT_CLOSINGS else ""
        signed = bool(comma) and _closing(closing) in _REGARDS and _looks_like_name(name)
    return signed and not any(_POSTSCRIPT.match(line) for line in rest)


def _is_signed_name(row: str) -> bool:
    """A name as signed under a closing: "Jane Doe", "i. A. Jane Doe", "Jane Doe | IT Manager", "/Anna",
    also in bold as Gmail's plain text writes it: "*Jane Doe*"."""
    if row[:1] in "*_" and row[-1:] == row[:1]:
        row = row.strip("*_ ")
    if _looks_like_name(row):
        return True
    if row[:1] in "-–—~/" and _DASH_NAME.fullmatch(row):
        return _looks_like_name(row[1:])
    prefix = _NAME_PREFIX.match(row)
    name, *title_ = _NAME_TITLE.split(row[prefix.end():] if prefix else row, maxsplit=1)
    title = title_[0] if title_ else ""
    return ((prefix is not None or bool(title)) and _looks_like_name(name)
            and sum(not _NOT_A_WORD.fullmatch(w) for w in title.split()) <= _TITLE_WORDS
            and not title.endswith(("?", "!", ".")))


def _is_rule(row: str) -> bool:
    """A line of dashes, rules or equals signs, also the wide ones of Japanese and Chinese mail ("━━━")."""
    return len(row) >= 3 and not row.strip(_RULE_CHARS)


def _rule_signature(above: str, rows: list[str]) -> bool:
    """The lines under a rule are a signature: a full name, then at most a few short lines a signature
    has, one a phone number, an address or a link ("TEL: 03-1234-5678"), the closing rule included;
    not what a line ending in ":" announces."""
    name = rows[0] if rows else ""
    return (0 < len(rows) <= _RULE_BLOCK and not above.endswith((":", "："))
            and _is_signed_name(name) and (len(name.split()) > 1 or _CJK_NAME.fullmatch(name) is not None)
            and all(_in_signature(row) for row in rows[1:]) and any(_is_contact(row) for row in rows[1:]))


def _is_contact(row: str) -> bool:
    return "@" in row or "http" in row or "www." in row or sum(c.isdigit() for c in row) >= _PHONE_DIGITS


def _is_closing(closing: str) -> bool:
    """A closing, also one in two languages ("Mit freundlichen Grüßen / Best regards"), two in a row
    ("Grazie, saluti") or one from a place ("Viele Grüße aus Berlin")."""
    if closing in _CLOSINGS:
        return True
    if "お願い" in closing and _JA_CLOSING.fullmatch(closing):
        return True
    space = closing.find(" ")
    if space < 0 or closing[:space].rstrip(",") not in _CLOSING_HEADS:
        return False  # the cheap test: most lines start with no closing's first word
    for between in _CLOSING_JOINS:
        if between in closing:
            parts = closing.split(between)
            if len(parts) == 2 and all(part.strip(_CLOSING_END) in _CLOSINGS for part in parts):
                return True
    m = _FROM_PLACE.search(closing)
    return bool(m) and closing[:m.start()] in _REGARDS


def _closing(row: str) -> str:
    # Turkish "İ" lowers to "i" and a combining dot.
    return " ".join(row.lower().replace("i\u0307", "i").rstrip(_CLOSING_END).split())


def _looks_like_name(text: str) -> bool:
    """A short line of capitalised words (or a short CJK name): "Jane Doe", "J. van der Berg", "山田"."""
    text = text.strip()
    if _CJK_NAME.fullmatch(text):
        return True
    words = text.split()
    if not words or len(words) > 7 or len(text) > 50 or text[-1] in "?!:;,":
        return False
    if len(words) > 4 and sum(w not in _PARTICLES for w in words) > 4:
        return False  # "Ana García Pérez de la Fuente" is a name of four
    return text[0].isalpha() and all(not w[0].islower() or w in _PARTICLES for w in words)

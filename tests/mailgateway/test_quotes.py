"""The visible part of replies, as the mail clients of our users write them."""
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailgateway.quotes import visible_text

IT = "IT Service Desk <it@corp.example>"


def case(name, body, expected):
    return pytest.param(body, expected, id=name)


ENGLISH = [
    case("en-outlook-desktop",
         "Hi team,\n\nThe VPN client still disconnects every 10 minutes.\nI have attached the log.\n\n"
         "Thanks,\nJane\n\n________________________________\n"
         f"From: {IT}\nSent: Monday, November 3, 2025 10:02 AM\nTo: Jane Doe <jane.doe@corp.example>\n"
         "Subject: RE: [IT-000123] VPN drops\n\nHello Jane,\n\nPlease reinstall the client.\n\nIT Service Desk\n",
         "Hi team,\n\nThe VPN client still disconnects every 10 minutes.\nI have attached the log."),
    case("en-outlook-original-message",
         "Done, the laptop is back on my desk.\n\n-----Original Message-----\n"
         f"From: {IT}\nSent: Monday, November 3, 2025 10:02 AM\nTo: Jane Doe\nSubject: RE: Laptop repair\n\n"
         "Your laptop is ready for pick-up.\n",
         "Done, the laptop is back on my desk."),
    case("en-outlook-html-one-line-header",
         "It works again, you can close the ticket.\n\n"
         f"From: {IT} Sent: Monday, November 3, 2025 10:02 AM To: Jane Doe <jane.doe@corp.example> "
         "Subject: RE: [IT-000123] VPN drops\nHello Jane,\nPlease reinstall the client.",
         "It works again, you can close the ticket."),
    case("en-outlook-html-spaced-header",
         "Still the same error:\n0x80070005 access denied\n\nJane Doe\n"
         f"From: {IT}\n\nSent: Monday, November 3, 2025 10:02 AM\n\nTo: Jane Doe\n\nSubject: RE: Error\n\n"
         "Hello Jane,\nplease try again.",
         "Still the same error:\n0x80070005 access denied\n\nJane Doe"),
    case("en-outlook-mobile",
         "Yes, 3 pm works for me.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n"
         "________________________________\n"
         f"From: {IT}\nSent: Monday, November 3, 2025 10:02:15 AM\nTo: Jane Doe\nSubject: Visit\n\n"
         "Can we come by at 3?",
         "Yes, 3 pm works for me."),
    case("en-outlook-android",
         "Ok\n\nGet Outlook for Android<https://aka.ms/ghei36>\n\n"
         f"From: {IT}\nSent: Monday, November 3, 2025 10:02:15 AM\nTo: Jane Doe\nSubject: Visit\n",
         "Ok"),
    case("en-mail-for-windows",
         "The monitor arrived, thank you!\n\n"
         "Sent from Mail<https://go.microsoft.com/fwlink/?LinkId=550986> for Windows\n\n"
         f"From: {IT}\nSent: Monday, November 3, 2025 10:02\nTo: Jane Doe\nSubject: Monitor\n",
         "The monitor arrived, thank you!"),
    case("en-gmail",
         "The printer on floor 2 prints blank pages again.\n\n"
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n\n> We replaced the toner.\n>\n> Regards,\n> IT\n",
         "The printer on floor 2 prints blank pages again."),
    case("en-gmail-attribution-on-two-lines",
         "Thanks, that fixed it.\n\n"
         "On Mon, Nov 3, 2025 at 10:02 AM IT Service Desk <it-service-desk@corp.example>\nwrote:\n\n"
         "> Please clear the browser cache.\n",
         "Thanks, that fixed it."),
    case("en-gmail-attribution-on-three-lines",
         "Still not working.\n\n"
         "On Mon, Nov 3, 2025 at 10:02 AM IT Service Desk via Helpdesk <\n"
         "it-service-desk-helpdesk-notifications@corp.example>\nwrote:\n\n> Please clear the cache.\n",
         "Still not working."),
    case("en-gmail-html",
         "Could you also reset my MFA device?\n"
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n"
         "Hello Jane,\nyour password was reset.\nIT Service Desk",
         "Could you also reset my MFA device?"),
    case("en-apple-mail",
         "I will bring it tomorrow.\n\n"
         "> On 3 Nov 2025, at 10:02, IT Service Desk <it@corp.example> wrote:\n>\n> Please bring the laptop.\n",
         "I will bring it tomorrow."),
    case("en-iphone",
         "On my way\n\nSent from my iPhone\n\n"
         "> On Nov 3, 2025, at 10:02 AM, IT Service Desk <it@corp.example> wrote:\n>\n> We are at your desk.\n",
         "On my way"),
    case("en-thunderbird",
         "Here is the screenshot you asked for.\n\n"
         "On 11/3/25 10:02 AM, IT Service Desk wrote:\n> Can you send a screenshot?\n",
         "Here is the screenshot you asked for."),
    case("en-yahoo-html",
         "Please cancel my request.\n\n"
         "On Monday, November 3, 2025, 10:02:15 AM GMT+1, IT Service Desk <it@corp.example> wrote:\n\n"
         "Your request was received.",
         "Please cancel my request."),
    case("en-lotus-notes",
         "Approved.\n\nJohn Smith\n\n"
         "IT Service Desk/ACME wrote on 11/03/2025 10:02:13 AM:\n\n> Please approve the purchase.\n",
         "Approved.\n\nJohn Smith"),
    case("en-lotus-notes-history",
         "Approved.\n\n-----IT Service Desk/ACME wrote: -----\nTo: John Smith/ACME@ACME\n"
         "From: IT Service Desk/ACME\nDate: 11/03/2025 10:02AM\nSubject: Purchase\n\nPlease approve.",
         "Approved."),
    case("en-lotus-notes-table",
         "Approved, go ahead.\n\n\n\nFrom:\tIT Service Desk/ACME@ACME\nTo:\tJohn Smith/ACME@ACME\n"
         "Date:\t11/03/2025 10:02 AM\nSubject:\tPurchase\n\nPlease approve.",
         "Approved, go ahead."),
]

GERMAN = [
    case("de-outlook",
         "Hallo zusammen,\n\nder Drucker im 2. OG druckt wieder nicht.\n\nMit freundlichen Grüßen\n"
         "Anna Schmidt\nBuchhaltung\nTel. +49 30 1234-567\n\n"
         f"Von: {IT}\nGesendet: Montag, 3. November 2025 10:02\nAn: Anna Schmidt <anna.schmidt@corp.example>\n"
         "Betreff: AW: [IT-000123] Drucker\n\nHallo Frau Schmidt,\nbitte starten Sie den Drucker neu.",
         "Hallo zusammen,\n\nder Drucker im 2. OG druckt wieder nicht."),
    case("de-outlook-original",
         "Erledigt, danke.\n\n-----Ursprüngliche Nachricht-----\n"
         f"Von: {IT}\nGesendet: Montag, 3. November 2025 10:02\nAn: Anna Schmidt\nBetreff: Laptop\n\nBitte abholen.",
         "Erledigt, danke."),
    case("de-outlook-underscores",
         "Der Termin passt.\n\n________________________________\n"
         f"Von: {IT}\nGesendet: Montag, 3. November 2025 10:02:15\nAn: Anna Schmidt\nBetreff: Termin",
         "Der Termin passt."),
    case("de-gmail",
         "Leider geht es immer noch nicht.\n\n"
         "Am Mo., 3. Nov. 2025 um 10:02 Uhr schrieb IT Service Desk <\nit@corp.example>:\n\n"
         "> Bitte melden Sie sich ab und wieder an.\n",
         "Leider geht es immer noch nicht."),
    case("de-gmail-html",
         "Können Sie mich zurückrufen?\n"
         f"Am Mo., 3. Nov. 2025 um 10:02 Uhr schrieb {IT}:\nGuten Tag,\nwir haben das Ticket erstellt.",
         "Können Sie mich zurückrufen?"),
    case("de-apple-mail",
         "Passt, bis morgen.\n\nVon meinem iPhone gesendet\n\n"
         "> Am 03.11.2025 um 10:02 schrieb IT Service Desk <it@corp.example>:\n>\n> Wir kommen morgen vorbei.\n",
         "Passt, bis morgen."),
    case("de-thunderbird-html",
         "Hier die Seriennummer: 5CD1234XYZ\n\nViele Grüße\nAnna\n\n"
         "Am 03.11.2025 um 10:02 schrieb IT Service Desk:\nWelche Seriennummer hat das Gerät?",
         "Hier die Seriennummer: 5CD1234XYZ"),
    case("de-lotus-notes",
         "Freigegeben.\n\nIT Service Desk/ACME schrieb am 03.11.2025 10:02:13:\n\n> Bitte freigeben.\n",
         "Freigegeben."),
]

FRENCH = [
    case("fr-outlook",
         "Bonjour,\n\nL'écran reste noir après la mise à jour.\n\nCordialement,\nMarie Dupont\n\n"
         f"De : {IT}\nEnvoyé : lundi 3 novembre 2025 10:02\nÀ : Marie Dupont <marie.dupont@corp.example>\n"
         "Objet : RE: [IT-000123] Écran\n\nBonjour Marie,\nmerci de redémarrer.",
         "Bonjour,\n\nL'écran reste noir après la mise à jour."),
    case("fr-outlook-original",
         "C'est réglé, merci.\n\n-----Message d'origine-----\n"
         f"De : {IT}\nEnvoyé : lundi 3 novembre 2025 10:02\nÀ : Marie Dupont\nObjet : Écran",
         "C'est réglé, merci."),
    case("fr-gmail",
         "Toujours le même problème.\n\n"
         f"Le lun. 3 nov. 2025 à 10:02, {IT} a écrit :\n\n> Pouvez-vous redémarrer le poste ?\n",
         "Toujours le même problème."),
    case("fr-gmail-wrapped",
         "Oui, demain matin.\n\nLe lun. 3 nov. 2025 à 10:02, IT Service Desk <it@corp.example> a\nécrit :\n\n"
         "> Quand êtes-vous disponible ?\n",
         "Oui, demain matin."),
    case("fr-iphone",
         "D'accord.\n\nEnvoyé de mon iPhone\n\n"
         "> Le 3 nov. 2025 à 10:02, IT Service Desk <it@corp.example> a écrit :\n>\n> Nous passons à 15 h.\n",
         "D'accord."),
    case("fr-thunderbird-html",
         "Voici la capture.\n"
         "Le 03/11/2025 à 10:02, IT Service Desk a écrit :\nPouvez-vous envoyer une capture d'écran ?",
         "Voici la capture."),
]

SPANISH = [
    case("es-outlook",
         "Hola,\n\nNo puedo acceder a la carpeta compartida.\n\nSaludos,\nCarlos García\n\n"
         f"De: {IT}\nEnviado el: lunes, 3 de noviembre de 2025 10:02\nPara: Carlos García <carlos@corp.example>\n"
         "Asunto: RE: [IT-000123] Carpeta\n\nHola Carlos,\n¿Puede probar de nuevo?",
         "Hola,\n\nNo puedo acceder a la carpeta compartida."),
    case("es-outlook-original",
         "Ya funciona.\n\n-----Mensaje original-----\n"
         f"De: {IT}\nEnviado el: lunes, 3 de noviembre de 2025 10:02\nPara: Carlos\nAsunto: Carpeta",
         "Ya funciona."),
    case("es-gmail",
         "Sigue sin funcionar.\n\n"
         "El lun, 3 nov 2025 a las 10:02, IT Service Desk (<it@corp.example>) escribió:\n\n> ¿Ha reiniciado?\n",
         "Sigue sin funcionar."),
    case("es-iphone",
         "Perfecto, gracias.\n\nEnviado desde mi iPhone\n\n"
         "> El 3 nov 2025, a las 10:02, IT Service Desk <it@corp.example> escribió:\n>\n> Ya está instalado.\n",
         "Perfecto, gracias."),
    case("es-gmail-html",
         "Adjunto el registro.\n"
         "El lun, 3 nov 2025 a las 10:02, IT Service Desk (<it@corp.example>) escribió:\n¿Puede enviar el registro?",
         "Adjunto el registro."),
]

ITALIAN = [
    case("it-outlook",
         "Buongiorno,\n\nla stampante non stampa a colori.\n\nCordiali saluti\nMarco Rossi\n\n"
         f"Da: {IT}\nInviato: lunedì 3 novembre 2025 10:02\nA: Marco Rossi <marco.rossi@corp.example>\n"
         "Oggetto: R: [IT-000123] Stampante\n\nBuongiorno Marco,\nproviamo a reinstallare il driver.",
         "Buongiorno,\n\nla stampante non stampa a colori."),
    case("it-outlook-original",
         "Risolto, grazie.\n\n-----Messaggio originale-----\n"
         f"Da: {IT}\nInviato: lunedì 3 novembre 2025 10:02\nA: Marco Rossi\nOggetto: Stampante",
         "Risolto, grazie."),
    case("it-gmail-wrapped",
         "Ancora lo stesso errore.\n\n"
         "Il giorno lun 3 nov 2025 alle ore 10:02 IT Service Desk <it@corp.example> ha\nscritto:\n\n"
         "> Ha provato a riavviare?\n",
         "Ancora lo stesso errore."),
    case("it-iphone",
         "Va bene.\n\nInviato da iPhone\n\n"
         "> Il giorno 3 nov 2025, alle ore 10:02, IT Service Desk <it@corp.example> ha scritto:\n>\n"
         "> Passiamo alle 15.\n",
         "Va bene."),
    case("it-thunderbird",
         "Ecco il numero di serie: ABC123.\n\n"
         "Il 03/11/2025 10:02, IT Service Desk ha scritto:\n> Qual è il numero di serie?\n",
         "Ecco il numero di serie: ABC123."),
]

DUTCH = [
    case("nl-outlook",
         "Hallo,\n\nMijn laptop start niet meer op.\n\nMet vriendelijke groet,\nSanne de Vries\n\n"
         f"Van: {IT}\nVerzonden: maandag 3 november 2025 10:02\nAan: Sanne de Vries <sanne@corp.example>\n"
         "Onderwerp: RE: [IT-000123] Laptop\n\nHoi Sanne,\nkun je de adapter controleren?",
         "Hallo,\n\nMijn laptop start niet meer op."),
    case("nl-outlook-original",
         "Opgelost.\n\n-----Oorspronkelijk bericht-----\n"
         f"Van: {IT}\nVerzonden: maandag 3 november 2025 10:02\nAan: Sanne\nOnderwerp: Laptop",
         "Opgelost."),
    case("nl-gmail",
         "Het werkt nog steeds niet.\n\n"
         f"Op ma 3 nov. 2025 om 10:02 schreef {IT}:\n\n> Kun je opnieuw inloggen?\n",
         "Het werkt nog steeds niet."),
    case("nl-iphone",
         "Prima.\n\nVerzonden vanaf mijn iPhone\n\n"
         "> Op 3 nov. 2025 om 10:02 heeft IT Service Desk <it@corp.example> het volgende geschreven:\n>\n> Morgen?\n",
         "Prima."),
    case("nl-gmail-html",
         "Zie bijlage.\n"
         f"Op ma 3 nov. 2025 om 10:02 schreef {IT}:\nKun je een foto sturen?",
         "Zie bijlage."),
]

PORTUGUESE = [
    case("pt-outlook",
         "Olá,\n\nO e-mail não sincroniza no celular.\n\nAtenciosamente,\nJoão Silva\n\n"
         f"De: {IT}\nEnviada em: segunda-feira, 3 de novembro de 2025 10:02\n"
         "Para: João Silva <joao.silva@corp.example>\nAssunto: RE: [IT-000123] E-mail\n\nOlá João,\nreinstale o app.",
         "Olá,\n\nO e-mail não sincroniza no celular."),
    case("pt-outlook-portugal",
         "Já está resolvido.\n\n-----Mensagem original-----\n"
         f"De: {IT}\nEnviado: segunda-feira, 3 de novembro de 2025 10:02\nPara: João\nAssunto: E-mail",
         "Já está resolvido."),
    case("pt-gmail-wrapped",
         "Continua com erro.\n\n"
         "Em seg., 3 de nov. de 2025 às 10:02, IT Service Desk <it@corp.example>\nescreveu:\n\n"
         "> Pode tentar novamente?\n",
         "Continua com erro."),
    case("pt-iphone",
         "Combinado.\n\nEnviado do meu iPhone\n\n"
         "> Em 3 de nov. de 2025, à(s) 10:02, IT Service Desk <it@corp.example> escreveu:\n>\n> Amanhã às 9h?\n",
         "Combinado."),
]

SWEDISH = [
    case("sv-outlook",
         "Hej,\n\nSkrivaren på plan 3 fungerar inte.\n\nMed vänliga hälsningar\nErik Svensson\n\n"
         f"Från: {IT}\nSkickat: den 3 november 2025 10:02\nTill: Erik Svensson <erik@corp.example>\n"
         "Ämne: SV: [IT-000123] Skrivare\n\nHej Erik,\nvi tittar på det.",
         "Hej,\n\nSkrivaren på plan 3 fungerar inte."),
    case("sv-outlook-original",
         "Tack, nu fungerar det.\n\n-----Ursprungligt meddelande-----\n"
         f"Från: {IT}\nSkickat: den 3 november 2025 10:02\nTill: Erik\nÄmne: Skrivare",
         "Tack, nu fungerar det."),
    case("sv-gmail",
         "Det fungerar fortfarande inte.\n\n"
         f"Den mån 3 nov. 2025 kl 10:02 skrev {IT}:\n\n> Har du startat om datorn?\n",
         "Det fungerar fortfarande inte."),
    case("sv-iphone",
         "Okej.\n\nSkickat från min iPhone\n\n"
         "> 3 nov. 2025 kl. 10:02 skrev IT Service Desk <it@corp.example>:\n>\n> Vi kommer i morgon.\n",
         "Okej."),
]

POLISH = [
    case("pl-outlook",
         "Dzień dobry,\n\nNie mogę zalogować się do VPN.\n\nPozdrawiam\nAnna Kowalska\n\n"
         f"Od: {IT}\nWysłano: poniedziałek, 3 listopada 2025 10:02\nDo: Anna Kowalska <anna@corp.example>\n"
         "Temat: RE: [IT-000123] VPN\n\nDzień dobry,\nproszę spróbować ponownie.",
         "Dzień dobry,\n\nNie mogę zalogować się do VPN."),
    case("pl-outlook-original",
         "Działa, dziękuję.\n\n-----Wiadomość oryginalna-----\n"
         f"Od: {IT}\nWysłano: poniedziałek, 3 listopada 2025 10:02\nDo: Anna\nTemat: VPN",
         "Działa, dziękuję."),
    case("pl-gmail",
         "Nadal nie działa.\n\n"
         f"W dniu pon., 3.11.2025 o 10:02 {IT} napisał(a):\n\n> Proszę zrestartować komputer.\n",
         "Nadal nie działa."),
    case("pl-iphone",
         "Dobrze.\n\nWysłane z iPhone'a\n\n"
         "> Wiadomość napisana przez IT Service Desk <it@corp.example> w dniu 03.11.2025, o godz. 10:02:\n>\n"
         "> Przyjdziemy jutro.\n",
         "Dobrze."),
]

JAPANESE = [
    case("ja-outlook",
         "お疲れ様です。\n\nプリンターが動きません。\n\nよろしくお願いいたします。\n山田 太郎\n\n"
         f"差出人: {IT}\n送信日時: 2025年11月3日 10:02\n宛先: 山田 太郎 <yamada@corp.example>\n"
         "件名: RE: [IT-000123] プリンター\n\n山田様\n再起動をお願いします。",
         "お疲れ様です。\n\nプリンターが動きません。"),
    case("ja-outlook-original",
         "解決しました。\n\n-----Original Message-----\n"
         f"差出人: {IT}\n送信日時: 2025年11月3日 10:02\n宛先: 山田\n件名: プリンター",
         "解決しました。"),
    case("ja-gmail",
         "まだエラーが出ます。\n\n"
         f"2025年11月3日(月) 10:02 {IT}:\n\n> 再起動してください。\n",
         "まだエラーが出ます。"),
    case("ja-gmail-html",
         "ログを添付します。\n"
         f"2025年11月3日(月) 10:02 {IT}:\nログを送ってください。",
         "ログを添付します。"),
    case("ja-iphone",
         "了解です。\n\niPhoneから送信\n\n"
         "> 2025/11/03 10:02、IT Service Desk <it@corp.example>のメール:\n>\n> 明日伺います。\n",
         "了解です。"),
]

CHINESE = [
    case("zh-outlook",
         "你好，\n\n我的电脑无法连接网络。\n\n谢谢\n张伟\n\n"
         f"发件人: {IT}\n发送时间: 2025年11月3日 10:02\n收件人: 张伟 <zhangwei@corp.example>\n"
         "主题: 回复: [IT-000123] 网络\n\n张伟你好，\n请重启路由器。",
         "你好，\n\n我的电脑无法连接网络。"),
    case("zh-foxmail",
         "问题已解决。\n\n------------------ 原始邮件 ------------------\n"
         "发件人: \"IT Service Desk\"<it@corp.example>;\n发送时间: 2025年11月3日(星期一) 上午10:02\n"
         "收件人: \"张伟\"<zhangwei@corp.example>;\n主题: 网络",
         "问题已解决。"),
    case("zh-gmail",
         "还是不行。\n\n"
         f"{IT} 于2025年11月3日周一 10:02写道：\n\n> 请重启电脑。\n",
         "还是不行。"),
    case("zh-gmail-wrapped",
         "好的。\n\nIT Service Desk <it@corp.example> 于2025年11月3日周一\n10:02写道：\n\n> 明天上午可以吗？\n",
         "好的。"),
    case("zh-iphone",
         "收到。\n\n发自我的iPhone\n\n"
         "> 在 2025年11月3日，10:02，IT Service Desk <it@corp.example> 写道：\n>\n> 我们明天过来。\n",
         "收到。"),
]

FORWARDS = [
    case("gmail-forward-with-note",
         "Please have a look at the alert below, it came in overnight.\n\n"
         "---------- Forwarded message ---------\nFrom: Monitoring <alerts@corp.example>\n"
         "Date: Mon, 3 Nov 2025 at 02:14\nSubject: Disk full on fs01\nTo: <ops@corp.example>\n\n"
         "Disk /data is 98% full.\n",
         "Please have a look at the alert below, it came in overnight."),
    case("gmail-forward-without-note",
         "---------- Forwarded message ---------\nFrom: Monitoring <alerts@corp.example>\n"
         "Date: Mon, 3 Nov 2025 at 02:14\nSubject: Disk full on fs01\nTo: <ops@corp.example>\n\n"
         "Disk /data is 98% full.\n",
         ""),
    case("gmail-forward-german",
         "Zur Info.\n\n---------- Weitergeleitete Nachricht ---------\nVon: Monitoring <alerts@corp.example>\n"
         "Date: Mo., 3. Nov. 2025 um 02:14 Uhr\nSubject: Platte voll\nTo: <ops@corp.example>\n\nPlatte voll.",
         "Zur Info."),
    case("apple-begin-forwarded",
         "See the invoice below, is this ours?\n\nBegin forwarded message:\n\n"
         "From: Billing <billing@vendor.example>\nSubject: Invoice 4711\nDate: 3 November 2025 at 10:02:11 CET\n"
         "To: Jane Doe <jane.doe@corp.example>\n\nPlease pay invoice 4711.",
         "See the invoice below, is this ours?"),
    case("apple-begin-forwarded-french",
         "Pour information.\n\nDébut du message réexpédié :\n\nDe: Facturation <billing@vendor.example>\n"
         "Objet: Facture 4711\nDate: 3 novembre 2025 à 10:02:11 UTC+1\nÀ: Marie <marie@corp.example>",
         "Pour information."),
    case("thunderbird-forward",
         "Can you unblock this sender?\n\n-------- Forwarded Message --------\n"
         "Subject: \tYour order\nDate: \tMon, 3 Nov 2025 10:02:11 +0100\nFrom: \tShop <shop@vendor.example>\n"
         "To: \tjane.doe@corp.example\n\nThanks for your order.",
         "Can you unblock this sender?"),
    case("outlook-forward",
         "FYI, this is the third time this week.\n\n"
         "From: Monitoring <alerts@corp.example>\nSent: Monday, November 3, 2025 2:14 AM\nTo: Ops\n"
         "Subject: Disk full on fs01\n\nDisk /data is 98% full.",
         "FYI, this is the third time this week."),
    case("lotus-forwarded-by",
         "Please check.\n\n----- Forwarded by John Smith/ACME on 03.11.2025 10:02 -----\n\n"
         "From: Billing\nTo: John Smith/ACME@ACME\nDate: 03.11.2025 09:00\nSubject: Invoice",
         "Please check."),
]

SIGNATURES = [
    case("dash-dash-space",
         "Please install Visio on my laptop.\n\n-- \nJane Doe\nMarketing\n+49 30 1234 567\n",
         "Please install Visio on my laptop."),
    case("dash-dash-before-quote",
         "Done.\n\n--\nJane Doe | Marketing\n\n"
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n> Please confirm.\n",
         "Done."),
    case("closing-name-and-contact-block",
         "Hello,\n\nplease order a new headset for me.\n\nKind regards,\nJane Doe\nSenior Accountant\n"
         "Corp Example GmbH | Phone +49 30 1234 567 | www.corp.example\n",
         "Hello,\n\nplease order a new headset for me."),
    case("closing-and-name-on-one-line",
         "The badge reader at door 4 is broken.\n\nBest regards, Jane\n",
         "The badge reader at door 4 is broken."),
    case("thanks-and-name",
         "Could you extend my account until March?\n\nThanks!\nJane\n",
         "Could you extend my account until March?"),
    case("closing-name-and-disclaimer",
         "Please remove Tom from the finance group.\n\nRegards\nJane Doe\n\n"
         "This e-mail and any attachments are confidential and intended solely for the addressee. If you have "
         "received it in error, please notify the sender and delete it.\n",
         "Please remove Tom from the finance group."),
    case("mit-freundlichen-gruessen-contact",
         "Guten Tag,\n\nbitte richten Sie für Herrn Meier ein Postfach ein.\n\nMit freundlichen Grüßen\n\n"
         "Anna Schmidt\nPersonalabteilung\n",
         "Guten Tag,\n\nbitte richten Sie für Herrn Meier ein Postfach ein."),
    case("chinese-closing",
         "您好，\n\n请帮我开通VPN权限。\n\n此致\n敬礼！\n张伟\n",
         "您好，\n\n请帮我开通VPN权限。"),
    case("thanks-sentence-is-content",
         "The Wi-Fi in room 4.12 keeps dropping.\nThank you for looking into it!\nJane\n",
         "The Wi-Fi in room 4.12 keeps dropping.\nThank you for looking into it!\nJane"),
    case("closing-followed-by-more-text-is-content",
         "Thanks\nfor the quick help yesterday. The printer works.\n",
         "Thanks\nfor the quick help yesterday. The printer works."),
    case("closing-then-postscript-kept",
         "Please reset my password.\n\nThanks,\nJane\n\nP.S. My phone number changed to 0170 1234567.\n",
         "Please reset my password.\n\nThanks,\nJane\n\nP.S. My phone number changed to 0170 1234567."),
    case("closing-alone-is-kept",
         "Please reset my password.\n\nBest regards\n",
         "Please reset my password.\n\nBest regards"),
    case("thanks-name-only-reply-is-kept",
         "Thanks!\nJane\n\n"
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n> Your ticket was resolved.\n",
         "Thanks!\nJane"),
    case("thanking-the-agent-by-name-is-kept",
         "That worked.\nThanks, Anna!\n",
         "That worked.\nThanks, Anna!"),
]

INLINE_AND_BOTTOM = [
    case("inline-answers",
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n> Which laptop model do you have?\n\n"
         "A ThinkPad T14.\n\n> Since when does the problem occur?\n\nSince Friday.\n\n-- \nJane Doe\n",
         "A ThinkPad T14.\n\nSince Friday."),
    case("inline-answers-without-blank-lines",
         "Answers inline:\n> Which laptop?\nThe ThinkPad.\n> Which floor?\nThird.\n",
         "Answers inline:\nThe ThinkPad.\nThird."),
    case("bottom-posted",
         f"{IT} wrote:\n> Is the problem solved?\n\nYes, thank you.\n",
         "Yes, thank you."),
    case("mutt-bottom-posted",
         "* IT Service Desk <it@corp.example> [2025-11-03 10:02]:\n> Is the problem solved?\n\nNo, it is not.\n",
         "No, it is not."),
    case("own-line-introducing-a-quote-is-kept",
         "You asked:\n> Which browser?\nFirefox 128.\n",
         "You asked:\nFirefox 128."),
    case("quote-only",
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n> Your ticket was resolved.\n",
         ""),
    case("nested-quotes",
         "No, still broken.\n\n"
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n> Is it fixed?\n>\n"
         "> On Sun, 2 Nov 2025 at 09:00, Jane Doe <jane@corp.example> wrote:\n>> It is broken.\n",
         "No, still broken."),
]

NOT_QUOTES = [
    case("no-quote-at-all",
         "Hello IT,\n\nmy keyboard is missing the letter E.\nCan I get a new one?\n\nJane",
         "Hello IT,\n\nmy keyboard is missing the letter E.\nCan I get a new one?\n\nJane"),
    case("wrote-in-running-text",
         "In your last mail you wrote: \"restart the router\". I did that twice.\nIt still fails.",
         "In your last mail you wrote: \"restart the router\". I did that twice.\nIt still fails."),
    case("wrote-at-line-end-in-running-text",
         "My manager wrote:\nwe need the new laptops before Monday.\nCan you make that?",
         "My manager wrote:\nwe need the new laptops before Monday.\nCan you make that?"),
    case("dated-sentence-without-attribution-verb",
         "On Mon, 3 Nov 2025 at 10:02 the server rebooted:\nnobody could log in until 10:30.",
         "On Mon, 3 Nov 2025 at 10:02 the server rebooted:\nnobody could log in until 10:30."),
    case("from-in-running-text",
         "From: my point of view the new process is fine.\nTo: be honest, I prefer the old one.",
         "From: my point of view the new process is fine.\nTo: be honest, I prefer the old one."),
    case("sent-from-in-running-text",
         "Sent from the office printer, the page comes out blank.\nThe old one worked.",
         "Sent from the office printer, the page comes out blank.\nThe old one worked."),
    case("greater-than-in-text-mid-line",
         "The queue has > 500 jobs and the disk is at 95%.",
         "The queue has > 500 jobs and the disk is at 95%."),
    case("dashes-in-text",
         "Steps:\n--- step 1 ---\nopen the app\n--- step 2 ---\nclick sync",
         "Steps:\n--- step 1 ---\nopen the app\n--- step 2 ---\nclick sync"),
    case("empty",
         "",
         ""),
]

OTHER_CLIENTS = [
    case("samsung-email",
         "OK, done.\n\nSent from my Galaxy\n\n\n-------- Original message --------\n"
         f"From: {IT}\nDate: 03/11/2025 10:02 (GMT+01:00)\nTo: Jane Doe <jane@corp.example>\nSubject: Laptop\n\nHi",
         "OK, done."),
    case("samsung-email-german",
         "Ja, passt.\n\nVon meinem Samsung Galaxy Smartphone gesendet.\n\n-------- Ursprüngliche Nachricht --------\n"
         f"Von: {IT}\nDatum: 03.11.25 10:02 (GMT+01:00)\nAn: Anna\nBetreff: Termin",
         "Ja, passt."),
    case("gmx-sent-above-from",
         "Läuft wieder, danke!\n\nGesendet: Montag, 03. November 2025 um 10:02 Uhr\n"
         "Von: \"IT Service Desk\" <it@corp.example>\nAn: anna@corp.example\nBetreff: Re: Drucker\n\nHallo",
         "Läuft wieder, danke!"),
    case("zimbra",
         "Noted.\n\n----- Original Message -----\nFrom: \"IT Service Desk\" <it@corp.example>\n"
         "To: \"Jane Doe\" <jane@corp.example>\nSent: Monday, November 3, 2025 10:02:11 AM\nSubject: Outage",
         "Noted."),
    case("proton-mail",
         "Thanks, that helps.\n\nSent with Proton Mail secure email.\n\n------- Original Message -------\n"
         f"On Monday, November 3rd, 2025 at 10:02, {IT} wrote:\n\n> Please update the app.\n",
         "Thanks, that helps."),
    case("yahoo-german",
         "Danke, erledigt.\n\n"
         f"Am Montag, 3. November 2025 um 10:02:15 MEZ hat {IT} Folgendes geschrieben:\n\nHallo Anna",
         "Danke, erledigt."),
    case("outlook-bold-labels-in-text-part",
         "Confirmed.\n\n*From:* IT Service Desk <it@corp.example>\n*Sent:* Monday, November 3, 2025 10:02 AM\n"
         "*To:* Jane Doe\n*Subject:* RE: Outage\n",
         "Confirmed."),
    case("old-gmail-date-and-address",
         "Done.\n\n2011/4/7 IT Service Desk <it@corp.example>\n\n> Please restart.\n",
         "Done."),
    case("thunderbird-german-old",
         "Erledigt.\n\nAm 27.01.2012 12:46, schrieb IT Service Desk:\n> Bitte neu starten.\n",
         "Erledigt."),
    case("gmail-attribution-right-below-the-text",
         "Thanks\nOn Mon, 3 Nov 2025 at 10:02, IT Service Desk <it@corp.example> wrote:\n> Done.\n",
         "Thanks"),
    case("mobile-signature-then-own-signature",
         "Restarted, works.\n\nSent from my iPhone, please excuse typos\n\n"
         f"On 3 Nov 2025, at 10:02, {IT} wrote:\n\n> Please restart.\n",
         "Restarted, works."),
]

THUNDERBIRD = [
    case("tb-spanish", "Adjunto.\n\nEl 3/11/25 a las 10:02, IT Service Desk escribió:\n> ¿Puede enviarlo?\n",
         "Adjunto."),
    case("tb-dutch", "Bijgevoegd.\n\nOp 03-11-2025 om 10:02 schreef IT Service Desk:\n> Kun je het sturen?\n",
         "Bijgevoegd."),
    case("tb-portuguese", "Segue.\n\nEm 03/11/2025 10:02, IT Service Desk escreveu:\n> Pode enviar?\n", "Segue."),
    case("tb-swedish", "Bifogat.\n\nDen 2025-11-03 kl. 10:02, skrev IT Service Desk:\n> Kan du skicka den?\n",
         "Bifogat."),
    case("tb-polish", "W załączniku.\n\nW dniu 3.11.2025 o 10:02, IT Service Desk pisze:\n> Proszę przesłać.\n",
         "W załączniku."),
    case("tb-chinese-html", "附件已发送。\n在 2025/11/3 10:02, IT Service Desk 写道:\n请发送附件。", "附件已发送。"),
    case("tb-french-html-no-break-spaces",
         "Ci-joint.\n\nLe 03/11/2025 à 10:02, IT Service Desk a écrit\xa0:\nPouvez-vous l'envoyer\xa0?",
         "Ci-joint."),
    case("outlook-french-no-break-spaces",
         "C'est noté.\n\nDe\xa0: IT Service Desk <it@corp.example>\nEnvoyé\xa0: lundi 3 novembre 2025 10:02\n"
         "À\xa0: Marie\nObjet\xa0: Panne",
         "C'est noté."),
]

NOT_SIGNATURES = [
    case("phone-in-running-text-de",
         "Von meinem Handy aus kann ich keine Mails abrufen.\nAm Laptop geht es.",
         "Von meinem Handy aus kann ich keine Mails abrufen.\nAm Laptop geht es."),
    case("phone-in-running-text-en",
         "Sent from my phone because my laptop is broken, please help.\nThe screen stays black.",
         "Sent from my phone because my laptop is broken, please help.\nThe screen stays black."),
    case("inviato-da-in-running-text",
         "Inviato da Marco il file Excel, ma non si apre.",
         "Inviato da Marco il file Excel, ma non si apre."),
    case("phone-in-running-text-zh",
         "从我的手机上无法登录邮箱，请帮忙。",
         "从我的手机上无法登录邮箱，请帮忙。"),
    case("greeting-and-thanks-only",
         "Hi Anna,\n\nThanks!\nJane",
         "Hi Anna,\n\nThanks!\nJane"),
    case("dated-sentence-with-schrieb",
         "Am 03.11.2025 um 10:02 schrieb ich Ihnen:\nder Drucker ist defekt.\nBitte melden Sie sich.",
         "Am 03.11.2025 um 10:02 schrieb ich Ihnen:\nder Drucker ist defekt.\nBitte melden Sie sich."),
    case("bullet-points",
         "Two things:\n- the VPN drops\n- Outlook asks for the password\n\n-- \nJane",
         "Two things:\n- the VPN drops\n- Outlook asks for the password"),
    case("two-header-like-lines-are-content",
         "Od: poniedziałku\nDo: piątku nie działa drukarka.",
         "Od: poniedziałku\nDo: piątku nie działa drukarka."),
]

MORE_CLIENTS_AND_LANGUAGES = [
    case("outlook-danish",
         "Tak, det virker nu.\n\nFra: IT Service Desk <it@corp.example>\nSendt: 3. november 2025 10:02\n"
         "Til: Mette Jensen\nEmne: SV: Printer\n\nHej Mette,\nprøv igen.",
         "Tak, det virker nu."),
    case("outlook-russian",
         "Спасибо, всё работает.\n\nОт: IT Service Desk <it@corp.example>\n"
         "Отправлено: 3 ноября 2025 г. 10:02\nКому: Иван\nТема: RE: VPN\n\nИван, попробуйте ещё раз.",
         "Спасибо, всё работает."),
    case("reply-message-separator", "Will do.\n\n-----Reply Message-----\nPlease restart the router.", "Will do."),
    case("danish-original-message-separator",
         "Det er løst.\n\n-----Oprindelig meddelelse-----\nFra: IT\nGenstart venligst.", "Det er løst."),
    case("finnish-original-message-separator",
         "Kiitos.\n\n-----Alkuperäinen viesti-----\nKäynnistä kone uudelleen.", "Kiitos."),
    case("russian-attribution",
         "Готово.\n\n3 нояб. 2025 г., в 10:02, IT Service Desk <it@corp.example> написал(а):\n\n"
         "Перезагрузите компьютер.",
         "Готово."),
    case("vietnamese-attribution",
         "Đã xong.\n\nVào 10:02 3 thg 11, 2025, IT Service Desk <it@corp.example> đã viết:\n> Vui lòng thử lại.",
         "Đã xong."),
    case("finnish-attribution",
         "Selvä.\n\nma 3.11.2025 klo 10.02 IT Service Desk (it@corp.example) kirjoitti:\n> Kokeile uudelleen.",
         "Selvä."),
    case("attribution-ending-in-sent",
         "Got it.\n\nOn 3 Nov 2025, at 10:02, IT Service Desk <it@corp.example> sent:\n\n> Please update.",
         "Got it."),
    case("gmail-date-and-address-with-colon",
         "Läuft wieder.\n\n2025-11-03 10:02 GMT+01:00 IT Service Desk <\nit-service-desk@corp.example>:\n\n"
         "Bitte neu starten.",
         "Läuft wieder."),
    case("header-block-starting-with-date",
         "Thanks, received.\n\nDate: Mon, 3 Nov 2025 10:02:15 +0100\nTo: jane@corp.example\n"
         "From: it@corp.example\nSubject: Your new badge\n\nYour badge is ready.",
         "Thanks, received."),
    case("from-and-dated-date-only",
         "See you then.\n\nFrom: it@corp.example Date: Mon, 3 Nov 2025 10:02:15 +0100\n\nWe come at 3.",
         "See you then."),
    case("attribution-joined-to-the-text",
         "Works now. On Mon, 3 Nov 2025 at 10:02, IT Service Desk <it@corp.example> wrote:\n> Try again.",
         "Works now."),
    case("attribution-joined-after-dashes",
         "Erledigt--- Am 03.11.2025 um 10:02 schrieb IT Service Desk <it@corp.example>:\n> Bitte prüfen.",
         "Erledigt"),
    case("link-wrapped-inside-the-quote",
         "Thanks, done.\n\nOn Mon, 3 Nov 2025 at 10:02, IT Service Desk <it@corp.example> wrote:\n"
         "> See the guide (https://wiki.corp.example/vpn?page=\nsetup&lang=en)\n> Regards",
         "Thanks, done."),
]

MORE_SIGNATURES = [
    case("dash-and-name", "The scanner works again.\n\n-Marta", "The scanner works again."),
    case("dash-and-name-above-phone-signature",
         "Fixed.\n\n– J. Novak\n\nSent from my Android phone", "Fixed."),
    case("three-dashes-and-name", "Please call me.\n---\nPeter Lind\n+46 8 123 45", "Please call me."),
    case("blackberry-wireless",
         "On my way.\nSent wirelessly from my BlackBerry device on the Rogers network.", "On my way."),
    case("french-blackberry-wireless",
         "J'arrive.\nEnvoyé sans fil par mon terminal mobile BlackBerry sur le réseau de Bell.", "J'arrive."),
]

NOT_DASH_SIGNATURES = [
    case("list-item-with-a-name", "Please bring:\n- Laptop", "Please bring:\n- Laptop"),
    case("last-of-several-items", "Broken:\n- Printer\n- Scanner", "Broken:\n- Printer\n- Scanner"),
    case("three-dashes-above-text",
         "Steps so far:\n---\nthe VPN connects, then drops after a minute",
         "Steps so far:\n---\nthe VPN connects, then drops after a minute"),
    case("on-in-the-middle-of-a-sentence",
         "It failed again. On Monday I will bring it to you:\n> Can you bring it?",
         "It failed again. On Monday I will bring it to you:"),
]

WEBMAIL_AND_WRAPPING = [
    case("french-webmail-header-block",
         "C'est réglé, merci.\n\n====\n\nMessage du : 05/11/2025 10:02\n"
         "De : \"Service informatique\" <it@corp.example>\nA : jeanne@corp.example\nCopie à : \n"
         "Sujet : Imprimante\n\nBonjour Jeanne, pouvez-vous redémarrer l'imprimante ?",
         "C'est réglé, merci."),
    case("french-yahoo-sent-on-with-h-time",
         "Merci, c'est bon.\n\nDe : Service informatique <it@corp.example>\n"
         "Envoyé le : mercredi 5 novembre 2025 10h02\n\nBonjour, le poste est prêt.",
         "Merci, c'est bon."),
    case("hungarian-attribution",
         "Köszönöm, már működik.\n\n2025.11.05. 10:02 keltezéssel, IT Service Desk írta:\n\n"
         "Kérem, indítsa újra a gépet.",
         "Köszönöm, már működik."),
    case("czech-attribution",
         "Děkuji, funguje to.\n\nDne 5. 11. 2025 10:02 IT Service Desk napsal(a):\n\n"
         "Restartujte prosím počítač.",
         "Děkuji, funguje to."),
    case("time-with-a-dot-unquoted-below",
         "Kiitos, nyt toimii.\n\nke 5. marraskuuta 2025 klo 10.02 IT Service Desk <it@corp.example> kirjoitti:\n\n"
         "Käynnistä kone uudelleen.",
         "Kiitos, nyt toimii."),
    case("date-comma-time-address-colon",
         "Спасибо, всё работает.\n\n05.11.2025, 10.02, \"IT Service Desk\" <it@corp.example>:\n\n"
         "Перезагрузите компьютер.",
         "Спасибо, всё работает."),
    case("weekday-date-time-from-address-colon",
         "I can come at 3.\n\nWednesday, 5 November 2025, 10:02 +01:00 from IT Service Desk <it@corp.example>:\n\n"
         "When can you bring the laptop?",
         "I can come at 3."),
    case("time-first-date-address-colon",
         "Tomorrow works.\n\n10:02 AM, November 5, 2025, \"IT Service Desk\" <it@corp.example>:\n\n"
         "When are you in the office?",
         "Tomorrow works."),
    case("attribution-wrapped-before-the-address-and-verb",
         "Thanks, that did it.\n\nOn Wed, Nov 5, IT Service Desk\n<it@corp.example>\nwrote:\n> Please try again.",
         "Thanks, that did it."),
    case("name-and-address-over-wrote",
         "Done.\n\nIT Service Desk <it@corp.example>\nwrote:\n> Please check the cable.", "Done."),
    case("attribution-without-colon",
         "Works now.\n\nOn Wed, 5 Nov 2025 10:02:15 +0100 IT Service Desk <it@corp.example> wrote\n\n"
         "Please restart the client.",
         "Works now."),
    case("attribution-wrapped-inside-the-address",
         "Takk, det virker.\n\nons. 5. nov. 2025 kl. 10:02 skrev IT Service Desk <it-service-desk@corp.example\n"
         ">:\n\n> Start maskinen på nytt.",
         "Takk, det virker."),
    case("quoted-line-wrapped-without-marker",
         "Yes, that one.\n\nOn Wed, 5 Nov 2025 at 10:02, IT Service Desk <it@corp.example> wrote:\n"
         "> Could you tell us which printer shows the error, the one on the third floor or\n"
         "the one next to the kitchen\n> Thanks, IT",
         "Yes, that one."),
    case("app-signature-with-link",
         "I will bring it at 3.\n\nSent from Spark<https://spark.example/app>\n\n"
         "On Wed, 5 Nov 2025 at 10:02, IT Service Desk <it@corp.example> wrote:\nWhen can you come?",
         "I will bring it at 3."),
    case("device-signature-by-brand",
         "Je passe à 15 h.\n\nEnvoyé depuis mon Nokia G42\n\nBonjour, quand pouvez-vous passer ?",
         "Je passe à 15 h."),
    case("mailing-list-footer",
         "Thanks, that fixed it.\n\n_______________________________________________\nhelpdesk-users mailing list\n"
         "helpdesk-users@lists.corp.example\nhttps://lists.corp.example/mailman/listinfo/helpdesk-users",
         "Thanks, that fixed it."),
]

NOT_WRAPPING_OR_SIGNATURES = [
    case("lower-case-answer-below-a-question",
         "On Wed, 5 Nov 2025 at 10:02, IT Service Desk <it@corp.example> wrote:\n"
         "> Did you restart the laptop after the update was installed this morning?\nyes, twice\n"
         "> Does the error still show up?\nno, it is gone",
         "yes, twice\nno, it is gone"),
    case("sent-from-in-a-sentence",
         "The form is attached.\n\nSent from my office PC, which is faster than my phone.",
         "The form is attached.\n\nSent from my office PC, which is faster than my phone."),
    case("sent-from-a-department",
         "The parcel arrived.\nSent from our mail room on Monday",
         "The parcel arrived.\nSent from our mail room on Monday"),
    case("underscores-over-text",
         "Fill in:\n____\nyour name and the mailing list you want",
         "Fill in:\n____\nyour name and the mailing list you want"),
]

HEADER_FIELDS_IN_MORE_LANGUAGES = [
    case("cs-outlook-header",
         "Tiskárna už funguje, děkuji.\n\nOd: IT Service Desk <it@corp.example>\n"
         "Odesláno: pondělí 3. listopadu 2025 10:02\nKomu: Jana Nováková <jana@corp.example>\nPředmět: Tiskárna\n\n"
         "Restartujte prosím tiskárnu.",
         "Tiskárna už funguje, děkuji."),
    case("tr-outlook-header",
         "Yazıcı tekrar çalışıyor.\n\nKimden: IT Service Desk <it@corp.example>\nGönderildi: 3 Kasım 2025 Pazartesi\n"
         "Kime: Ayşe Yılmaz\nKonu: Yazıcı\n\nLütfen yazıcıyı yeniden başlatın.",
         "Yazıcı tekrar çalışıyor."),
    case("hu-outlook-header",
         "A nyomtató újra működik.\n\nFeladó: IT Service Desk <it@corp.example>\nElküldve: 2025. november 3.\n"
         "Címzett: Kiss Anna\nTárgy: Nyomtató\n\nKérem, indítsa újra a nyomtatót.",
         "A nyomtató újra működik."),
    case("ko-outlook-header",
         "프린터가 다시 작동합니다.\n\n보낸 사람: IT Service Desk <it@corp.example>\n"
         "보낸 날짜: 2025년 11월 3일 월요일\n받는 사람: 김지수\n제목: 프린터\n\n프린터를 다시 시작해 주세요.",
         "프린터가 다시 작동합니다."),
    case("fr-thunderbird-pour-and-reply-to",
         "C'est réglé, merci.\n\nDe : IT Service Desk <it@corp.example>\nRépondre à : support@corp.example\n"
         "Pour : Marie Dubois\nObjet : Imprimante\n\nMerci de redémarrer l'imprimante.",
         "C'est réglé, merci."),
    case("de-header-with-organisation",
         "Geht wieder.\n\nVon: IT Service Desk <it@corp.example>\nOrganisation: Corp GmbH\nDatum: 3.11.2025\n"
         "Betreff: Drucker\n\nBitte neu starten.",
         "Geht wieder."),
    case("from-and-to-with-addresses",
         "See below.\n\nFrom: it@corp.example\nTo: jane.doe@corp.example\n\nYour laptop is ready.",
         "See below."),
    case("from-and-to-without-addresses-are-content",
         "Please book the train.\nFrom: Berlin\nTo: Paris",
         "Please book the train.\nFrom: Berlin\nTo: Paris"),
]

ATTRIBUTIONS_IN_MORE_LANGUAGES = [
    case("ko-gmail-attribution",
         "프린터가 다시 작동합니다.\n\n2025년 11월 5일 (수) 오전 10:02, IT Service Desk <it@corp.example>님이 작성:\n\n"
         "> 프린터를 다시 시작해 주세요.",
         "프린터가 다시 작동합니다."),
    case("ko-attribution-without-time-unquoted-below",
         "확인했습니다.\n\n2025년 11월 5일 수요일 IT Service Desk님이 작성하였습니다:\n\n프린터를 다시 시작해 주세요.",
         "확인했습니다."),
    case("zh-attribution-without-time-unquoted-below",
         "打印机已经好了。\n\n2025年11月5日 星期三 IT Service Desk 写道：\n\n请重启打印机。",
         "打印机已经好了。"),
    case("tr-gmail-attribution",
         "Yazıcı tekrar çalışıyor.\n\nIT Service Desk <it@corp.example>, 5 Kas 2025 Çar, 10:02 tarihinde şunu yazdı:\n\n"
         "Lütfen yazıcıyı yeniden başlatın.",
         "Yazıcı tekrar çalışıyor."),
    case("hu-gmail-attribution",
         "A nyomtató újra működik.\n\nIT Service Desk <it@corp.example> ezt írta (időpont: 2025. nov. 5., Sze, 10:02):"
         "\n\n> Kérem, indítsa újra a nyomtatót.",
         "A nyomtató újra működik."),
    case("fi-name-wrote-date-at-time",
         "Tulostin toimii taas.\n\nIT Service Desk kirjoitti 5.11.2025 kello 10.02:\n\nKäynnistä tulostin uudelleen.",
         "Tulostin toimii taas."),
    case("pl-nadeslal",
         "Drukarka już działa.\n\nDnia 05.11.2025 10:02 IT Service Desk nadesłał:\n\n> Proszę zrestartować drukarkę.",
         "Drukarka już działa."),
    case("es-attribution-with-address-no-time-unquoted-below",
         "La impresora ya funciona.\n\nEl miércoles, 5 de noviembre de 2025, IT Service Desk <it@corp.example> escribió:"
         "\n\nPor favor reinicie la impresora.",
         "La impresora ya funciona."),
    case("fr-attribution-with-address-no-time-unquoted-below",
         "L'imprimante marche.\n\nLe mercredi 5 novembre 2025, IT Service Desk <it@corp.example> a écrit :\n\n"
         "Merci de redémarrer l'imprimante.",
         "L'imprimante marche."),
    case("sparrow-forwarded-message",
         "FYI\n\nForwarded message:\n\n*From:* IT Service Desk <it@corp.example>\n*To:* Jane Doe\n\nYour laptop is ready.",
         "FYI"),
    case("tobit-david-header",
         "Geht wieder, danke.\n\n[Original Message processed by david®]\n\nAW: Drucker    05.11.2025 10:02\n\n"
         "Von: IT Service Desk <it@corp.example>\nAn: Jana Nowak\n\nBitte starten Sie den Drucker neu.",
         "Geht wieder, danke."),
    case("year-and-wrote-without-address-is-content",
         "In 2025 our manager wrote:\nwe need new laptops before Monday.",
         "In 2025 our manager wrote:\nwe need new laptops before Monday."),
    case("year-address-and-wrote-in-a-sentence-is-content",
         "In 2025 our manager <boss@corp.example> wrote:\nwe need new laptops before Monday.",
         "In 2025 our manager <boss@corp.example> wrote:\nwe need new laptops before Monday."),
]

SIGNATURES_IN_MORE_LANGUAGES = [
    case("da-closing", "Printeren virker igen.\n\nMed venlig hilsen\nMette Hansen", "Printeren virker igen."),
    case("no-closing", "Skriveren virker igjen.\n\nVennlig hilsen\nOla Nordmann", "Skriveren virker igjen."),
    case("fi-closing", "Tulostin toimii taas.\n\nYstävällisin terveisin\nMatti Virtanen", "Tulostin toimii taas."),
    case("cs-closing", "Tiskárna už funguje.\n\nS pozdravem,\nJana Nováková", "Tiskárna už funguje."),
    case("ru-closing", "Принтер снова работает.\n\nС уважением,\nИван Петров", "Принтер снова работает."),
    case("tr-closing-dotted-capital-i", "Yazıcı tekrar çalışıyor.\n\nİyi çalışmalar,\nAyşe Yılmaz",
         "Yazıcı tekrar çalışıyor."),
    case("hu-closing", "A nyomtató újra működik.\n\nÜdvözlettel,\nKiss Anna", "A nyomtató újra működik."),
    case("ko-closing", "프린터가 다시 작동합니다.\n\n감사합니다.\n김지수", "프린터가 다시 작동합니다."),
    case("zh-closing-full-width-comma", "打印机已经好了。\n\n祝好，\n王伟", "打印机已经好了。"),
    case("bilingual-closing", "Der Drucker geht wieder.\n\nMit freundlichen Grüßen / Best regards,\nJana Nowak",
         "Der Drucker geht wieder."),
    case("da-mobile", "Det virker nu.\n\nSendt fra min iPhone", "Det virker nu."),
    case("cs-mobile", "Už to funguje.\n\nOdesláno z mého iPhonu", "Už to funguje."),
    case("fi-mobile", "Nyt toimii.\n\nLähetetty iPhonesta", "Nyt toimii."),
    case("ru-mobile", "Всё работает.\n\nОтправлено из мобильной Почты Mail.ru", "Всё работает."),
    case("tr-mobile-device-first", "Şimdi çalışıyor.\n\niPhone'umdan gönderildi", "Şimdi çalışıyor."),
    case("hu-mobile-device-first", "Most már működik.\n\niPhone-ról küldve", "Most már működik."),
    case("ko-mobile", "이제 됩니다.\n\n내 iPhone에서 보냄", "이제 됩니다."),
    case("ja-outlook-for-ios", "直りました。\n\nOutlook for iOS を入手", "直りました。"),
    case("da-thanks-in-a-sentence-stays",
         "Tak for hjælpen i går.\nDet virker nu.", "Tak for hjælpen i går.\nDet virker nu."),
    case("tr-device-first-in-a-sentence-stays",
         "iPhone'umdan gönderildi ama ulaşmadı, lütfen kontrol edin.\nYazıcı hâlâ çalışmıyor.",
         "iPhone'umdan gönderildi ama ulaşmadı, lütfen kontrol edin.\nYazıcı hâlâ çalışmıyor."),
    case("fi-sent-without-device-stays",
         "Lähetetty tiedosto ei aukea.\nMitä teen?", "Lähetetty tiedosto ei aukea.\nMitä teen?"),
]

SEPARATOR_AND_HEADER_ON_ONE_LINE = [
    case("en-original-message-and-header-on-one-line",
         "Works again, thanks.\n\n-----Original Message----- From: IT Service Desk <it@corp.example> "
         "Sent: Wednesday, November 5, 2025 10:02 AM To: Jane Doe Subject: Printer\n\nPlease restart the printer.",
         "Works again, thanks."),
    case("de-original-message-and-header-on-one-line",
         "Geht wieder, danke.\n\n-----Ursprüngliche Nachricht----- Von: IT Service Desk <it@corp.example> "
         "Gesendet: Mittwoch, 5. November 2025 10:02 An: Jana Nowak Betreff: Drucker\n\nBitte neu starten.",
         "Geht wieder, danke."),
    case("fr-message-d-origine-and-header-on-one-line",
         "C'est réglé.\n\n-------- Message d'origine -------- De : IT Service Desk <it@corp.example> "
         "Date : 05/11/2025 10:02 (GMT+01:00) À : Marie Dubois Objet : Imprimante\n\nMerci de redémarrer.",
         "C'est réglé."),
    case("separator-words-in-a-sentence-stay",
         "Hi,\n----- Original Message ----- is all I see in the mail, the text is gone.\nCan you help?",
         "Hi,\n----- Original Message ----- is all I see in the mail, the text is gone.\nCan you help?"),
]

OUTLOOK_GMAIL_AND_MOBILE_IN_MORE_LANGUAGES = [
    case("ro-outlook",
         f"Merge acum.\n\nCu stimă,\nIon Popescu\n\nDe la: {IT}\nTrimis: luni, 3 noiembrie 2025 10:02\n"
         "Către: Ion Popescu\nSubiect: Laptop\n\nReporniți.", "Merge acum."),
    case("ro-gmail", f"Merge acum.\n\nÎn lun., 3 nov. 2025 la 10:02, {IT} a scris:\n\n> Reporniți.", "Merge acum."),
    case("ro-mobile", "Merge acum.\n\nTrimis de pe iPhone-ul meu", "Merge acum."),
    case("el-outlook",
         f"Λειτουργεί τώρα.\n\nΑπό: {IT}\nΑποστολή: Δευτέρα, 3 Νοεμβρίου 2025 10:02 πμ\nΠρος: Νίκος\n"
         "Θέμα: Laptop\n\nΚάντε επανεκκίνηση.", "Λειτουργεί τώρα."),
    case("el-gmail-unquoted",
         f"Λειτουργεί τώρα.\n\nΣτις Δευ 3 Νοε 2025 στις 10:02, ο/η {IT} έγραψε:\nΚάντε επανεκκίνηση.",
         "Λειτουργεί τώρα."),
    case("el-mobile", "Λειτουργεί τώρα.\n\nΣτάλθηκε από το iPhone μου", "Λειτουργεί τώρα."),
    case("uk-outlook",
         f"Працює.\n\nЗ повагою,\nОлена\n\nВід: {IT}\nНадіслано: 3 листопада 2025 р. 10:02\nКому: Олена\n"
         "Тема: Laptop\n\nПерезавантажте.", "Працює."),
    case("uk-gmail", f"Працює.\n\nпн, 3 лист. 2025 о 10:02 {IT} пише:\n\n> Перезавантажте.", "Працює."),
    case("id-outlook",
         f"Sudah bisa.\n\nTerima kasih,\nBudi\n\nDari: {IT}\nDikirim: Senin, 03 November 2025 10.02\n"
         "Kepada: Budi\nSubjek: Laptop\n\nMulai ulang.", "Sudah bisa."),
    case("id-gmail", f"Sudah bisa.\n\nPada tanggal Sen, 3 Nov 2025 pukul 10.02 {IT} menulis:\n\n> Mulai ulang.",
         "Sudah bisa."),
    case("id-mobile", "Sudah bisa.\n\nDikirim dari iPhone saya", "Sudah bisa."),
    case("ca-outlook",
         f"Ja funciona.\n\nDe: {IT}\nEnviat: dilluns, 3 de novembre de 2025 10:02\nPer a: Jordi\n"
         "Assumpte: Laptop\n\nReinicieu.", "Ja funciona."),
    case("ca-gmail", f"Ja funciona.\n\nEl dl., 3 de nov. 2025 a les 10:02, {IT} va escriure:\n\n> Reinicieu.",
         "Ja funciona."),
    case("sk-outlook",
         f"Už to ide.\n\nS pozdravom\nJán\n\nOd: {IT}\nOdoslané: pondelok 3. novembra 2025 10:02\nKomu: Ján\n"
         "Predmet: Laptop\n\nReštartujte.", "Už to ide."),
    case("hr-outlook",
         f"Radi sada.\n\nLijep pozdrav,\nIvan\n\nŠalje: {IT}\nPoslano: ponedjeljak, 3. studenoga 2025. 10:02\n"
         "Prima: Ivan\nPredmet: Laptop\n\nPonovno pokrenite.", "Radi sada."),
    case("he-outlook",
         f"עובד עכשיו.\n\nמאת: {IT}\nנשלח: יום שני 03 נובמבר 2025 10:02\nאל: דנה\nנושא: Laptop\n\nהפעילו מחדש.",
         "עובד עכשיו."),
    case("ar-outlook",
         f"يعمل الآن.\n\nمن: {IT}\nتم الإرسال: الاثنين، 3 نوفمبر 2025 10:02 ص\nإلى: أحمد\nالموضوع: Laptop\n\n"
         "أعد التشغيل.", "يعمل الآن."),
    case("en-you-wrote-with-no-time-or-address",
         "Here is the serial number: 5CG1234.\n\nOn Nov 3, 2025 you wrote:\n\nWhich serial number is it?",
         "Here is the serial number: 5CG1234."),
    case("fr-vous-avez-ecrit", "C'est fait.\n\nLe 3 nov. 2025, vous avez écrit :\nMerci de confirmer.", "C'est fait."),
    case("date-and-to-with-no-from",
         "Done.\n\nDate: Wed, 5 Nov 2025 10:02:15 +0100\nTo: jane.doe@corp.example\n\nPlease confirm.", "Done."),
    case("date-to-and-subject-with-no-from",
         "Erledigt.\n\nDatum: 05.11.2025 10:02\nAn: Jana Nowak\nBetreff: Drucker\n\nBitte bestätigen.", "Erledigt."),
    case("meeting-date-in-the-writers-text-stays",
         "Hi,\n\nDate: Wed, 5 Nov 2025 10:00\nTo: everyone in finance\nRoom: 4.12\n\nPlease bring laptops.",
         "Hi,\n\nDate: Wed, 5 Nov 2025 10:00\nTo: everyone in finance\nRoom: 4.12\n\nPlease bring laptops."),
    case("on-monday-i-wrote-stays",
         "Hi,\n\nOn Monday I wrote:\nthe printer is broken.\nIt still is.",
         "Hi,\n\nOn Monday I wrote:\nthe printer is broken.\nIt still is."),
]

BANNERS_AND_DISCLAIMERS = [
    case("caution-banner-wrapped",
         "CAUTION: This email originated from outside of the organization. Do not click links or open\n"
         "attachments unless you recognize the sender and know the content is safe.\n\n"
         "Hello,\n\nthe docking station in room 2.14 has no power.\n",
         "Hello,\n\nthe docking station in room 2.14 has no power."),
    case("caution-banner-line-right-above-the-text",
         "CAUTION: This email originated from outside your organization. Exercise caution.\nHi,\nplease unlock "
         "my account.",
         "Hi,\nplease unlock my account."),
    case("external-tag-alone",
         "[EXTERNAL]\n\nCould you send me the VPN profile again?", "Could you send me the VPN profile again?"),
    case("external-tag-and-warning",
         "[External Email] Do not click links or attachments unless you recognize the sender.\n\n"
         "The label printer is offline.", "The label printer is offline."),
    case("two-banners-then-reply-with-history",
         "This Message Is From an External Sender\nThis message came from outside your organization.\n\n"
         "You don't often get email from tom@vendor.example. Learn why this is important<https://aka.ms/"
         "LearnAboutSenderIdentification>\n\nThe new licence key works.\n\n"
         f"From: {IT}\nSent: Monday, November 3, 2025 10:02 AM\nTo: Tom\nSubject: Licence\n\nHere is the key.",
         "The new licence key works."),
    case("de-banner", "ACHTUNG: Diese E-Mail stammt von außerhalb der Organisation.\n\nDer Scanner geht wieder.",
         "Der Scanner geht wieder."),
    case("fr-banner", "ATTENTION : Ce courriel provient de l'extérieur de l'organisation.\n\nLe scanner marche.",
         "Le scanner marche."),
    case("nl-first-contact-tip",
         "U ontvangt niet vaak e-mail van tom@vendor.example. Ontdek waarom dit belangrijk is\n\n"
         "De scanner doet het weer.", "De scanner doet het weer."),
    case("proofpoint-marked-banner",
         "ZjQcmQRYFpfptBannerStart\nThis Message Is From an Untrusted Sender\nYou have not previously corresponded "
         "with this sender.\nReport Suspicious\nZjQcmQRYFpfptBannerEnd\nHello,\nthe scanner is offline.",
         "Hello,\nthe scanner is offline."),
    case("caution-in-the-writers-text-stays",
         "Caution: the floor near the printer is wet.\nPlease send someone from facilities.",
         "Caution: the floor near the printer is wet.\nPlease send someone from facilities."),
    case("outside-the-organization-later-in-the-text-stays",
         "Hi,\n\nyesterday I got a mail that originated from outside the organization and clicked a link.\n"
         "Is my laptop safe?",
         "Hi,\n\nyesterday I got a mail that originated from outside the organization and clicked a link.\n"
         "Is my laptop safe?"),
    case("confidentiality-notice-under-signature",
         "Please extend my guest account.\n\nTom Berg\nVendor Ltd\n\nCONFIDENTIALITY NOTICE: This message and "
         "its attachments are for the sole use of the intended recipient and may contain privileged information.",
         "Please extend my guest account.\n\nTom Berg\nVendor Ltd"),
    case("disclaimer-between-reply-and-history",
         "Approved.\n\nAnna\n\nThis e-mail and any files transmitted with it are confidential and intended "
         "solely for the addressee.\n\n"
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n> May we install the update?",
         "Approved.\n\nAnna"),
    case("long-disclaimer-after-a-long-signature",
         "The beamer in room 1.01 flickers.\n\nKind regards,\nTom Berg\nFacilities\nVendor Ltd\n"
         "Phone +44 20 7946 0000\nwww.vendor.example\n\n"
         "The information contained in this communication is confidential and may be legally\n"
         "privileged. It is intended only for the use of the addressee. If you are not the\n"
         "addressee, any disclosure, copying or distribution of it is prohibited. If you have\n"
         "received this communication in error, please notify us by return e-mail and\n"
         "delete it and all copies of it. Thank you for your cooperation and understanding.\n"
         "Vendor Ltd, registered in England and Wales, company number 01234567.\n"
         "Registered office: 1 High Street, London.\n",
         "The beamer in room 1.01 flickers."),
    case("de-disclaimer",
         "Bitte den Zugang verlängern.\n\nTom\n\nDiese E-Mail enthält vertrauliche Informationen und ist nur "
         "für den Adressaten bestimmt.", "Bitte den Zugang verlängern.\n\nTom"),
    case("es-disclaimer",
         "Por favor, amplíen mi acceso.\n\nAVISO DE CONFIDENCIALIDAD: este mensaje va dirigido "
         "exclusivamente a su destinatario.", "Por favor, amplíen mi acceso."),
    case("zh-disclaimer", "打印机好了。\n\n张伟\n\n本邮件及其附件含有保密信息，仅限于发送给上面地址中列出的个人或群组。",
         "打印机好了。\n\n张伟"),
    case("ja-disclaimer", "直りました。\n\n山田\n\nこのメールには機密情報が含まれている場合があります。", "直りました。\n\n山田"),
    case("print-line", "The beamer works.\n\nTom\n\nPlease consider the environment before printing this e-mail.",
         "The beamer works.\n\nTom"),
    case("virus-scanner-line",
         "The beamer works.\n\nVirus-free. www.avast.com\n\n"
         f"On Mon, 3 Nov 2025 at 10:02, {IT} wrote:\n> Does it work?", "The beamer works."),
    case("confidential-in-the-writers-text-stays",
         "Hi,\n\nthe confidential folder on the share is empty.\n\nThis message is urgent, the auditors need "
         "it today.\nIf you are not the right team, please pass it on.",
         "Hi,\n\nthe confidential folder on the share is empty.\n\nThis message is urgent, the auditors need "
         "it today.\nIf you are not the right team, please pass it on."),
    case("a-disclaimer-alone-is-kept-whole",
         "~~~~~~~~~~\nThis e-mail is confidential and intended for the addressee only.",
         "~~~~~~~~~~\nThis e-mail is confidential and intended for the addressee only."),
]

GMAIL_ATTRIBUTIONS_IN_MORE_LANGUAGES = [
    case("hr-gmail", "Pisač radi.\n\npon, 3. stu 2025. u 10:02 Jane Doe <jane@example.com> napisao je:\n> Radi li?",
         "Pisač radi."),
    case("bg-gmail", "Принтерът работи.\n\nпн, 3.11.2025 г. в 10:02 ч. Jane Doe <jane@example.com> написа:\n\n"
         "Работи ли?", "Принтерът работи."),
    case("lt-gmail", "Spausdintuvas veikia.\n\n2025-11-03, pr, 10:02 Jane Doe <jane@example.com> rašė:\n\nAr veikia?",
         "Spausdintuvas veikia."),
    case("sl-gmail", "Tiskalnik dela.\n\npon., 3. nov. 2025 ob 10:02 je oseba Jane Doe <jane@example.com> napisala:\n"
         "\nAli dela?", "Tiskalnik dela."),
    case("et-gmail", "Printer töötab.\n\nE, 3. nov 2025 kell 10:02 Jane Doe <jane@example.com> kirjutas:\n\nKas töötab?",
         "Printer töötab."),
    case("lv-gmail", "Printeris strādā.\n\npirmd., 2025. g. 3. nov., plkst. 10:02 — lietotājs Jane Doe "
         "(<jane@example.com>) rakstīja:\n\nVai strādā?", "Printeris strādā."),
    case("sr-gmail", "Штампач ради.\n\nпон, 3. нов 2025. у 10:02 Jane Doe <jane@example.com> је написао/ла:\n\n"
         "Да ли ради?", "Штампач ради."),
    case("th-gmail", "เครื่องพิมพ์ใช้ได้แล้ว\n\nเมื่อ จ. 3 พ.ย. 2025 เวลา 10:02 Jane Doe <jane@example.com> เขียนว่า:\n\n"
         "ใช้ได้ไหม", "เครื่องพิมพ์ใช้ได้แล้ว"),
    case("ko-apple-mail", "프린터가 됩니다.\n\n2025. 11. 3. 오전 10:02, Jane Doe <jane@example.com> 작성:\n\n됩니까?",
         "프린터가 됩니다."),
    case("the-verb-in-the-writers-sentence-stays",
         "Kolega je to rašė: 2025-11-03, 10:02 ir niekas neatsakė.\nPrašau padėti.",
         "Kolega je to rašė: 2025-11-03, 10:02 ir niekas neatsakė.\nPrašau padėti."),
]

HEADER_BLOCKS_AND_SEPARATORS_IN_MORE_LANGUAGES = [
    case("lt-outlook", "Ačiū, veikia.\n\nNuo: Jane Doe <jane@example.com>\nIšsiųsta: 2025 m. lapkričio 3 d. 10:02\n"
         "Kam: desk@example.com\nTema: Spausdintuvas\n\nAr veikia?", "Ačiū, veikia."),
    case("et-outlook", "Aitäh, töötab.\n\nSaatja: Jane Doe <jane@example.com>\nSaadetud: esmaspäev, 3. november 2025 10:02\n"
         "Adressaat: desk@example.com\nTeema: Printer\n\nKas töötab?", "Aitäh, töötab."),
    case("sl-outlook", "Hvala, dela.\n\nOd: Jane Doe\nPoslano: ponedeljek, 3. november 2025 10:02\nZadeva: Tiskalnik\n\n"
         "Ali dela?", "Hvala, dela."),
    case("sr-outlook", "Hvala, radi.\n\nOd: Jane Doe <jane@example.com>\nPoslato: ponedeljak, 3. novembar 2025. 10:02\n"
         "Za: desk@example.com\nTema: Štampač\n\nDa li radi?", "Hvala, radi."),
    case("bg-outlook", "Благодаря, работи.\n\nОт: Jane Doe\nИзпратено: 3 ноември 2025 г. 10:02\nТема: Принтер\n\n"
         "Работи ли?", "Благодаря, работи."),
    case("vi-outlook", "Cảm ơn, đã chạy.\n\nTừ: Jane Doe <jane@example.com>\nĐã gửi: Thứ Hai, ngày 3 tháng 11 năm 2025 "
         "10:02\nĐến: desk@example.com\nChủ đề: Máy in\n\nĐã chạy chưa?", "Cảm ơn, đã chạy."),
    case("th-outlook", "ขอบคุณ ใช้ได้แล้ว\n\nจาก: Jane Doe <jane@example.com>\nส่ง: 3 พฤศจิกายน 2025 10:02\n"
         "ถึง: desk@example.com\nเรื่อง: เครื่องพิมพ์\n\nใช้ได้ไหม", "ขอบคุณ ใช้ได้แล้ว"),
    case("ms-outlook", "Terima kasih, sudah berfungsi.\n\nDaripada: Jane Doe <jane@example.com>\n"
         "Dihantar: Isnin, 3 November 2025 10:02 PG\nKepada: desk@example.com\nSubjek: Pencetak\n\nSudah?",
         "Terima kasih, sudah berfungsi."),
    case("ca-outlook", "Gràcies, funciona.\n\nDe: Jane Doe\nEnviat el: dilluns, 3 de novembre de 2025 10:02\n"
         "Assumpte: Impressora\n\nFunciona?", "Gràcies, funciona."),
    case("cs-seznam", "Díky, funguje.\n\n---------- Původní e-mail ----------\nOd: Jane Doe <jane@example.com>\n"
         "Komu: desk@example.com\nDatum: 3. 11. 2025 10:02:15\nPředmět: Tiskárna\n\nFunguje?", "Díky, funguje."),
    case("hu-outlook-original", "Köszönöm, működik.\n\n-----Eredeti üzenet-----\nFeladó: Jane Doe\n\nMűködik?",
         "Köszönöm, működik."),
    case("tr-outlook-original", "Teşekkürler, çalışıyor.\n\n-----Orijinal İleti-----\nKimden: Jane Doe\n\nÇalışıyor mu?",
         "Teşekkürler, çalışıyor."),
    case("da-apple-forward", "Se nedenfor.\n\nVideresendt besked:\n\nFra: Jane Doe <jane@example.com>\nEmne: Printer",
         "Se nedenfor."),
    case("fi-apple-forward", "Katso alta.\n\nVälitetty viesti alkaa:\n\nLähettäjä: Jane Doe <jane@example.com>\n"
         "Aihe: Tulostin", "Katso alta."),
    case("ru-apple-forward", "Смотрите ниже.\n\nНачало переадресованного сообщения:\n\nОт: Jane Doe <jane@example.com>\n"
         "Тема: Принтер", "Смотрите ниже."),
    case("a-memo-heading-of-the-writers-stays",
         "Hola,\n\nDe: Contabilidad\nTema: factura 123\n\nNo puedo abrir la factura.",
         "Hola,\n\nDe: Contabilidad\nTema: factura 123\n\nNo puedo abrir la factura."),
    case("a-topic-line-of-the-writers-stays", "Tema: impresora de la planta 3\n\nNo imprime desde ayer.\n\nSaludos",
         "Tema: impresora de la planta 3\n\nNo imprime desde ayer.\n\nSaludos"),
]

MAIL_APPS_IN_MORE_LANGUAGES = [
    case("de-gmail-mobile", "Der Drucker geht wieder.\n\nVon Gmail Mobile gesendet", "Der Drucker geht wieder."),
    case("de-gmx-app", "Der Drucker geht wieder.\n\nGesendet mit der GMX Mail App", "Der Drucker geht wieder."),
    case("de-webde-app", "Der Drucker geht wieder.\n\nGesendet mit der WEB.DE Mail App\n\n"
         "Am 03.11.25, 10:02 schrieb IT Service Desk <it@example.com>:\n> Geht er?", "Der Drucker geht wieder."),
    case("fr-yahoo-mail", "L'imprimante marche.\n\nEnvoyé de Yahoo Mail pour iPhone", "L'imprimante marche."),
    case("a-line-about-windows-stays", "Der Drucker geht nicht.\nVon Windows aus geht es gar nicht.",
         "Der Drucker geht nicht.\nVon Windows aus geht es gar nicht."),
    case("a-line-about-the-app-stays", "I tried twice.\nSent via the app, but it failed.",
         "I tried twice.\nSent via the app, but it failed."),
    case("sv-slash-name", "Hej!\n\nSkrivaren på plan 3 fungerar inte.\n\n/Anna", "Hej!\n\nSkrivaren på plan 3 fungerar inte."),
    case("da-slash-full-name", "Printeren virker ikke.\n/ Anna Jensen", "Printeren virker ikke."),
    case("a-path-on-the-last-line-stays", "The files are gone from\n/Users/Anna", "The files are gone from\n/Users/Anna"),
    case("a-list-of-paths-stays", "Please back up:\n/Data\n/Projects", "Please back up:\n/Data\n/Projects"),
    case("a-line-about-a-parcel-stays", "Le colis est arrivé.\nEnvoyé de Lyon par la poste.",
         "Le colis est arrivé.\nEnvoyé de Lyon par la poste."),
]

SIGNATURES_UNDER_RULES_AND_TITLES = [
    case("ja-rule-signature", "お世話になっております。\n\nプリンタが動きません。\n\nよろしくお願いいたします。\n\n"
         "━━━━━━━━━━━━\n山田 太郎\n株式会社サンプル 総務部\nTEL: 03-1234-5678\n━━━━━━━━━━━━",
         "お世話になっております。\n\nプリンタが動きません。"),
    case("ja-equals-rule-signature", "プリンタが動きません。\n\n＝＝＝＝＝＝＝＝＝＝\n山田 太郎\nTEL: 03-1234-5678\n＝＝＝＝＝＝＝＝＝＝",
         "プリンタが動きません。"),
    case("zh-rule-signature-with-title", "您好，\n\n打印机坏了。\n\n--------------------\n张伟 | IT部\n电话：010-12345678",
         "您好，\n\n打印机坏了。"),
    case("en-outlook-rule-signature", "Hi,\n\nthe printer is broken.\n\n________________________________\nJane Doe\n"
         "IT Manager | ACME\n+44 20 1234 5678", "Hi,\n\nthe printer is broken."),
    case("de-on-behalf-of", "Hallo,\n\nder Drucker geht nicht.\n\nMit freundlichen Grüßen\n\ni. A. Jane Doe\nEinkauf\n"
         "Tel. +49 30 1234567", "Hallo,\n\nder Drucker geht nicht."),
    case("en-name-with-title", "Hi,\n\nthe printer is broken.\n\nBest regards,\n\nJane Doe | IT Manager\nACME Ltd.",
         "Hi,\n\nthe printer is broken."),
    case("it-compound-closing", "Ciao,\n\nla stampante non funziona.\n\nGrazie e saluti\nMario Rossi",
         "Ciao,\n\nla stampante non funziona."),
    case("es-compound-closing", "Hola,\n\nla impresora no funciona.\n\nUn saludo cordial,\nAna García",
         "Hola,\n\nla impresora no funciona."),
    case("de-compound-closing", "Hallo,\n\nder Drucker geht nicht.\n\nDanke und viele Grüße\nJane",
         "Hallo,\n\nder Drucker geht nicht."),
    case("a-question-after-the-name-stays", "Thanks,\nJane - can you call me?", "Thanks,\nJane - can you call me?"),
    case("a-name-announced-under-a-rule-stays", "Hi,\n\nhere is the new contact:\n\n=====\nJohn Smith\n+49 30 111 222",
         "Hi,\n\nhere is the new contact:\n\n=====\nJohn Smith\n+49 30 111 222"),
    case("a-name-and-news-under-a-rule-stay", "Hi,\n\nplease note\n\n-----\nJohn Smith\nstarts Monday",
         "Hi,\n\nplease note\n\n-----\nJohn Smith\nstarts Monday"),
    case("numbers-under-a-rule-stay", "Hi,\n\nnew numbers below\n\n=====\nReception\n+49 30 111 222\n+49 30 222 333",
         "Hi,\n\nnew numbers below\n\n=====\nReception\n+49 30 111 222\n+49 30 222 333"),
]

CHINESE_AND_WEBMAIL_CLIENTS = [
    case("zh-qq-separator-with-no-break-spaces",
         "周五前可以吗？\n\n------------------\xa0原始邮件\xa0------------------\n发件人: \"李娜\"<lina@corp.example>;\n"
         "发送时间: 2025年11月3日(星期一) 上午10:02\n收件人: \"IT\"<it@corp.example>;\n主题: 回复: 显示器\n\n明天到货。",
         "周五前可以吗？"),
    case("en-qq-original-between-rules", "Friday is fine.\n\n------------------ Original ------------------\n"
         "The screen arrives tomorrow.", "Friday is fine."),
    case("de-gmail-app-attribution-without-quote-marks",
         "Danke!\n\nJane Doe <jane@corp.example> schrieb am Mo., 3. Nov. 2025, 10:02:\n\nBitte neu starten.",
         "Danke!"),
    case("de-gmail-app-attribution-over-quote", "Danke!\n\nJane Doe <jane@corp.example> schrieb am Mo., 3. Nov. 2025, 10:02:\n\n"
         "> Bitte neu starten.", "Danke!"),
    case("nl-gmail-app-attribution", "Top.\n\nJane Doe <jane@corp.example> schreef op ma 3 nov. 2025 10:02:\n\nGraag herstarten.",
         "Top."),
    case("en-sender-with-address-wrote-no-date", "That helps.\n\nIT Desk via Helpdesk <helpdesk@corp.example> wrote:\n\n"
         "Please restart.", "That helps."),
    case("i-wrote-on-a-date-stays", "As I wrote on Monday, 3 Nov 2025 at 10:02:\nthe printer is broken.",
         "As I wrote on Monday, 3 Nov 2025 at 10:02:\nthe printer is broken."),
    case("an-address-in-a-sentence-with-wrote-stays", "I asked and Jane <jane@corp.example> wrote: no idea.\nCan you help?",
         "I asked and Jane <jane@corp.example> wrote: no idea.\nCan you help?"),
    case("hu-closing-with-a-colon", "Szia!\n\nMűködik, köszi.\n\nÜdvözlettel:\nKovács Anna", "Szia!\n\nMűködik, köszi."),
    case("pt-br-abs", "Bom dia,\n\no acesso voltou.\n\nAbs,\nAna Souza", "Bom dia,\n\no acesso voltou."),
    case("nl-gr-and-name-on-one-line", "Hoi,\n\nhet werkt weer.\n\nGr. Anna", "Hoi,\n\nhet werkt weer."),
    case("nl-groetjes", "Hoi,\n\nhet werkt weer.\n\nGroetjes,\nAnna", "Hoi,\n\nhet werkt weer."),
    case("a-closing-word-and-a-sentence-stay", "Hi,\n\nit works.\n\nGr. Anna will call you later",
         "Hi,\n\nit works.\n\nGr. Anna will call you later"),
    case("pasted-raw-headers-stay",
         "Is this phishing?\n\nReturn-Path: <bounce@bad.example>\nMessage-ID: <1@bad.example>\n"
         "Date: Mon, 3 Nov 2025 10:02:36 +0100\nFrom: Bank <service@bad.example>\nTo: jane@corp.example\n"
         "Subject: Your account\n\nPlease advise.",
         "Is this phishing?\n\nReturn-Path: <bounce@bad.example>\nMessage-ID: <1@bad.example>\n"
         "Date: Mon, 3 Nov 2025 10:02:36 +0100\nFrom: Bank <service@bad.example>\nTo: jane@corp.example\n"
         "Subject: Your account\n\nPlease advise."),
    case("pasted-headers-with-received-under-them-stay",
         "The bounce says:\n\nFrom: Mail Delivery System <mailer-daemon@corp.example>\nDate: Mon, 3 Nov 2025 10:02:36 +0100\n"
         "To: jane@corp.example\nSubject: Undelivered\nX-Failed-Recipients: bob@corp.example\n\nWhat does it mean?",
         "The bounce says:\n\nFrom: Mail Delivery System <mailer-daemon@corp.example>\nDate: Mon, 3 Nov 2025 10:02:36 +0100\n"
         "To: jane@corp.example\nSubject: Undelivered\nX-Failed-Recipients: bob@corp.example\n\nWhat does it mean?"),
    case("a-header-like-line-in-the-quoted-message-is-history",
         "Thanks.\n\nFrom: Shop <shop@corp.example>\nSent: Monday, November 3, 2025 10:02 AM\nTo: Jane\nSubject: Order\n\n"
         "Received: 3 items", "Thanks."),
    case("fr-free-mail-d-origine", "Merci.\n\n----- Mail d'origine -----\nDe: Support <it@corp.example>\n"
         "Envoyé: Mon, 3 Nov 2025 10:02:00 +0100 (CET)\nObjet: Écran\n\nBonjour", "Merci."),
    case("de-short-closing-and-name-on-one-line", "Hallo,\n\nklappt.\n\nVG Anna", "Hallo,\n\nklappt."),
    case("thanks-and-a-name-on-one-line-stay", "Hallo,\n\nklappt.\n\nThanks Anna", "Hallo,\n\nklappt.\n\nThanks Anna"),
    case("de-closing-from-a-place", "Hallo,\n\nklappt.\n\nBeste Grüße aus Berlin\nAnna", "Hallo,\n\nklappt."),
    case("it-two-closings", "Buongiorno,\n\nfunziona.\n\nGrazie, saluti\nAnna Rossi", "Buongiorno,\n\nfunziona."),
    case("sv-closing-over-slash-name", "Hej,\n\nfunkar nu.\n\nHälsningar\n/Anna", "Hej,\n\nfunkar nu."),
    case("separator-run-together-with-the-writers-text",
         "Hi,\nthree questions:-----Original Message-----From: IT Service Desk <it@corp.example> Sent: Monday, "
         "November 3, 2025 10:02 AM To: Jane\nHello Jane", "Hi,\nthree questions:"),
    case("separator-words-between-dashes-in-a-sentence-stay",
         "We saw ----original message---- in the log, twice.", "We saw ----original message---- in the log, twice."),
    case("de-gmx-app-sentence", "Passt.\n\nDiese Nachricht wurde von meinem Android-Mobiltelefon mit GMX Mail gesendet.",
         "Passt."),
    case("de-sent-by-a-colleague-stays", "Hallo,\n\nDiese Nachricht wurde von meinem Kollegen gesendet, nicht von mir.",
         "Hallo,\n\nDiese Nachricht wurde von meinem Kollegen gesendet, nicht von mir."),
    case("en-k9-with-apology", "Ok.\n\nSent from my Android device with K-9 Mail. Please excuse my brevity.", "Ok."),
    case("fr-k9-with-apology", "D'accord.\n\nEnvoyé de mon appareil Android avec K-9 Mail. Veuillez excuser ma brièveté.",
         "D'accord."),
    case("en-sent-using-an-app", "Ok.\n\nSent using the mail.com mail app", "Ok."),
    case("en-sent-using-in-a-sentence-stays", "Sent using the app, but it fails.\nAny idea?",
         "Sent using the app, but it fails.\nAny idea?"),
    case("de-gesendet-vom-handy", "Passt.\n\nGesendet vom Handy", "Passt."),
    case("pt-enviado-com-yahoo", "Ok.\n\nEnviado com o Yahoo Mail no Android", "Ok."),
    case("en-tutanota", "Ok.\n\nSent from Tutanota, the secure email.", "Ok."),
    case("en-bluemail", "Ok.\n\nGet BlueMail for Android", "Ok."),
    case("ja-xperia", "了解です。\n\nXperiaから送信", "了解です。"),
    case("zh-netease-mail-master", "好的。\n\n来自网易邮箱大师", "好的。"),
    case("zh-tw-sent-from-my", "好的。\n\n送自我的 iPhone", "好的。"),
    case("name-in-bold-under-a-closing", "Bonjour,\n\nc'est réglé.\n\nCordialement,\n*Anne Martin*\n\n*Service achats*\n"
         "Tél: *01 23 45 67 89*", "Bonjour,\n\nc'est réglé."),
    case("bold-words-under-a-closing-that-are-no-name-stay", "Hi,\n\nfixed.\n\nThanks,\n*do not reboot the server*",
         "Hi,\n\nfixed.\n\nThanks,\n*do not reboot the server*"),
    case("ja-closing-hikitsuzuki-over-a-rule-signature",
         "お世話になっております。\n\nプリンタが直りました。\n\n引き続きよろしくお願いいたします。\n\n"
         "--------------------\n株式会社サンプル\n佐藤 花子\nTEL: 03-1234-5678\n--------------------",
         "お世話になっております。\n\nプリンタが直りました。"),
    case("ja-closing-nanitozo", "お世話になっております。\n\nプリンタが直りました。\n\n何卒よろしくお願い申し上げます。\n\n佐藤",
         "お世話になっております。\n\nプリンタが直りました。"),
    case("ja-full-width-asterisk-rule", "プリンタが直りました。\n\n＊＊＊＊＊＊＊＊＊＊\n株式会社サンプル 総務部\n佐藤 花子\n"
         "TEL：03-1234-5678\n＊＊＊＊＊＊＊＊＊＊", "プリンタが直りました。"),
    case("ja-request-with-more-text-stays", "プリンタが直りません。\n\nどうぞよろしくお願いいたします。明日また連絡します。",
         "プリンタが直りません。\n\nどうぞよろしくお願いいたします。明日また連絡します。"),
    case("de-two-closings-joined-by-und", "Hallo,\n\nklappt.\n\nVielen Dank im Voraus und viele Grüße\nAnna Weber",
         "Hallo,\n\nklappt."),
    case("fr-merci-et-bonne-journee", "Bonjour,\n\nc'est réglé.\n\nMerci et bonne journée\nAnne", "Bonjour,\n\nc'est réglé."),
    case("es-quedo-atento", "Hola,\n\nya funciona.\n\nQuedo atento,\nTomás López", "Hola,\n\nya funciona."),
    case("pl-dziekuje-i-pozdrawiam", "Dzień dobry,\n\ndziała.\n\nDziękuję i pozdrawiam\nAnna Kowalska",
         "Dzień dobry,\n\ndziała."),
    case("en-kindest-regards", "Hi,\n\nfixed.\n\nKindest regards,\nJane Doe", "Hi,\n\nfixed."),
    case("sv-trevlig-helg", "Hej,\n\nfunkar.\n\nTrevlig helg\nAnna", "Hej,\n\nfunkar."),
    case("two-closings-and-a-sentence-stay", "Hi,\n\nfixed.\n\nThanks and regards to the team\nJane Doe",
         "Hi,\n\nfixed.\n\nThanks and regards to the team\nJane Doe"),
    case("phone-dash-over-a-name", "Thanks, it works.\n\n—\nJane Doe\nIT", "Thanks, it works."),
    case("underscores-over-a-name", "Thanks, it works.\n\n___\nJane Doe", "Thanks, it works."),
    case("a-dash-over-words-that-are-no-name-stays", "Steps:\n—\nclick OK", "Steps:\n—\nclick OK"),
    case("es-long-name-under-a-closing", "Hola,\n\nya funciona.\n\nSaludos,\nAna García Pérez de la Fuente",
         "Hola,\n\nya funciona."),
    case("name-signed-in-lower-case", "Hi,\n\nfixed.\n\nthanks,\nanna", "Hi,\n\nfixed."),
    case("name-title-and-phone-on-one-line", "Hi,\n\nfixed.\n\nBest regards,\nJane Doe | ACME Ltd. | +44 20 1234 5678",
         "Hi,\n\nfixed."),
    case("capitalised-sentence-under-a-closing-stays", "Hi,\n\nfixed.\n\nBest regards,\nPlease Call The IT Desk Now",
         "Hi,\n\nfixed.\n\nBest regards,\nPlease Call The IT Desk Now"),
    case("lower-case-sentence-under-a-closing-stays", "Hi,\n\nfixed.\n\nThanks,\nplease close it",
         "Hi,\n\nfixed.\n\nThanks,\nplease close it"),
    case("it-disclaimer-indirizzato", "Ciao,\n\nfunziona.\n\nQuesto messaggio e i suoi allegati sono indirizzati esclusivamente "
         "alle persone indicate. La diffusione è vietata.", "Ciao,\n\nfunziona."),
    case("it-privacy-notice", "Ciao,\n\nfunziona.\n\nAi sensi del D.Lgs. 196/2003 e del GDPR le informazioni contenute in questo "
         "messaggio sono riservate.", "Ciao,\n\nfunziona."),
    case("nl-disclaimer-deze-email", "Hoi,\n\nhet werkt.\n\nDeze e-mail is uitsluitend bestemd voor de geadresseerde.",
         "Hoi,\n\nhet werkt."),
    case("en-disclaimer-with-a-label", "Hi,\n\nit works.\n\nNOTICE: This email message is for the sole use of the intended "
         "recipient(s).", "Hi,\n\nit works."),
    case("da-disclaimer", "Hej,\n\ndet virker.\n\nDenne e-mail kan indeholde fortrolig information.", "Hej,\n\ndet virker."),
    case("fi-disclaimer", "Hei,\n\ntoimii.\n\nTämä viesti voi sisältää luottamuksellista tietoa.", "Hei,\n\ntoimii."),
    case("cs-disclaimer", "Dobrý den,\n\nfunguje.\n\nTato zpráva může obsahovat důvěrné informace.", "Dobrý den,\n\nfunguje."),
    case("ru-disclaimer", "Добрый день,\n\nработает.\n\nЭто сообщение может содержать конфиденциальную информацию.",
         "Добрый день,\n\nработает."),
    case("a-note-label-on-the-writers-text-stays", "Hi,\n\nNote: the printer on floor 2 is broken.",
         "Hi,\n\nNote: the printer on floor 2 is broken."),
    case("sl-gmail-napisal-a", "Hvala.\n\ntor., 3. nov. 2025 ob 10:02 je Jane Doe <jane@corp.example> napisal(a):\n\nPonovno zaženite.",
         "Hvala."),
    case("pasted-header-under-an-announcing-line-stays",
         "The log says:\nFrom: backup@srv.example\nDate: 03.11.2025 10:02\nTo: admin@srv.example\n\nWhy did it fail?",
         "The log says:\nFrom: backup@srv.example\nDate: 03.11.2025 10:02\nTo: admin@srv.example\n\nWhy did it fail?"),
    case("header-under-an-undated-attribution-is-history",
         "Thanks.\n\nQuoting Jane Doe:\nFrom: Jane Doe <jane@corp.example>\nSent: Monday, November 3, 2025 10:02 AM\n"
         "To: IT\nSubject: Printer\n\nOld text", "Thanks."),
    case("lv-outlook-header", "Labi.\n\nNo: IT <it@corp.example>\nNosūtīts: pirmdiena, 2025. gada 3. novembrī 10:02\n"
         "Kam: Anna <anna@corp.example>\nTēma: Printeris\n\nLūdzu pārbaudiet.", "Labi."),
    case("fa-outlook-header", "باشه.\n\nاز: IT <it@corp.example>\nارسال شده: دوشنبه، 3 نوامبر 2025 10:02\n"
         "به: Anna <anna@corp.example>\nموضوع: چاپگر\n\nلطفا بررسی کنید.", "باشه."),
    case("hi-outlook-header", "ठीक है।\n\nप्रेषक: IT <it@corp.example>\nभेजा गया: सोमवार, 3 नवंबर 2025 10:02\n"
         "प्रति: Anna <anna@corp.example>\nविषय: प्रिंटर\n\nकृपया जांचें।", "ठीक है।"),
    case("no-as-a-word-before-fields-stays", "Questions:\nNo: the printer is not new.\nTo: whom do I send the invoice?",
         "Questions:\nNo: the printer is not new.\nTo: whom do I send the invoice?"),
    case("vi-iphone", "Ok.\n\nĐược gửi từ iPhone của tôi", "Ok."),
    case("bg-iphone", "Ok.\n\nИзпратено от iPhone", "Ok."),
    case("lt-iphone", "Ok.\n\nIšsiųsta iš mano iPhone", "Ok."),
    case("et-iphone", "Ok.\n\nSaadetud minu iPhone'ist", "Ok."),
    case("ms-iphone", "Ok.\n\nDihantar dari iPhone saya", "Ok."),
    case("uk-apple-attribution", "Ok.\n\n3 лист. 2025 р. о 10:02 Jane Doe <jane@corp.example> написав(ла):\n\nСтарий текст",
         "Ok."),
    case("he-apple-attribution", "Ok.\n\nב-3 בנוב׳ 2025, בשעה 10:02, Jane Doe <jane@corp.example> כתב/ה:\n\nטקסט ישן", "Ok."),
    case("hr-apple-attribution", "Ok.\n\n3. stu 2025. u 10:02, Jane Doe <jane@corp.example> je napisao/la:\n\nStari tekst",
         "Ok."),
    case("th-buddhist-year-attribution", "Ok.\n\nเมื่อ 3 พ.ย. 2568 เวลา 10:02 Jane Doe <jane@corp.example> เขียนว่า:\n\nข้อความเก่า",
         "Ok."),
    case("sa-word-then-text-stays", "Saadetud arve on vale.\nPalun kontrollige.", "Saadetud arve on vale.\nPalun kontrollige."),
    case("de-zoho-attribution-between-dashes",
         "Danke.\n\n---- Am Mo, 03 Nov 2025 10:02:15 +0100 schrieb Jane Doe <jane@corp.example> ---\n\nBitte neu starten.",
         "Danke."),
    case("dashes-around-a-sentence-with-schrieb-stay", "Notizen:\n---- am Montag schrieb er etwas ---\nok",
         "Notizen:\n---- am Montag schrieb er etwas ---\nok"),
    case("notmuch-excerpts-attribution", "Ok.\n\nExcerpts from Jane Doe's message of 2025-11-03 10:02:15 +0100:\n> Restart it.",
         "Ok."),
    case("ko-samsung-original-message", "확인했습니다.\n\n-------- 원본 메시지 --------\n보낸 사람: IT <it@corp.example>\n"
         "날짜: 25. 11. 3. 오전 10:02 (GMT+09:00)\n제목: 프린터\n\n다시 시작하세요.", "확인했습니다."),
    case("tr-samsung-original-message", "Tamam.\n\n-------- Orijinal mesaj --------\nKimden: IT <it@corp.example>\n"
         "Tarih: 3.11.2025 10:02 (GMT+03:00)\nKonu: Yazıcı\n\nYeniden başlatın.", "Tamam."),
    case("uk-samsung-original-message", "Добре.\n\n-------- Оригінальне повідомлення --------\nВід: IT <it@corp.example>\n"
         "Дата: 03.11.25 10:02 (GMT+02:00)\nТема: Принтер\n\nПерезапустіть.", "Добре."),
    case("ko-apple-forward", "참고하세요.\n\n전달된 메시지:\n\n보낸 사람: IT <it@corp.example>\n제목: 프린터\n\n다시 시작하세요.",
         "참고하세요."),
    case("en-verizon-galaxy", "Ok.\n\nSent from my Verizon, Samsung Galaxy smartphone", "Ok."),
    case("sent-from-a-place-comma-device-stays", "Sent from home, phone works.\nbut the laptop does not",
         "Sent from home, phone works.\nbut the laptop does not"),
    case("original-in-a-sentence-stays", "-- original price was 20 EUR\nnow 25", "-- original price was 20 EUR\nnow 25"),
]

ALL = (ENGLISH + GERMAN + FRENCH + SPANISH + ITALIAN + DUTCH + PORTUGUESE + SWEDISH + POLISH + JAPANESE
       + CHINESE + FORWARDS + SIGNATURES + INLINE_AND_BOTTOM + NOT_QUOTES + OTHER_CLIENTS + THUNDERBIRD
       + NOT_SIGNATURES + MORE_CLIENTS_AND_LANGUAGES + MORE_SIGNATURES + NOT_DASH_SIGNATURES
       + WEBMAIL_AND_WRAPPING + NOT_WRAPPING_OR_SIGNATURES + HEADER_FIELDS_IN_MORE_LANGUAGES
       + ATTRIBUTIONS_IN_MORE_LANGUAGES + SIGNATURES_IN_MORE_LANGUAGES
       + SEPARATOR_AND_HEADER_ON_ONE_LINE + BANNERS_AND_DISCLAIMERS + OUTLOOK_GMAIL_AND_MOBILE_IN_MORE_LANGUAGES
       + GMAIL_ATTRIBUTIONS_IN_MORE_LANGUAGES + HEADER_BLOCKS_AND_SEPARATORS_IN_MORE_LANGUAGES
       + MAIL_APPS_IN_MORE_LANGUAGES + SIGNATURES_UNDER_RULES_AND_TITLES + CHINESE_AND_WEBMAIL_CLIENTS)


@pytest.mark.parametrize(("body", "expected"), ALL)
def test_visible_text(body, expected):
    assert visible_text(body) == expected


def test_every_language_has_at_least_three_replies():
    for group in (ENGLISH, GERMAN, FRENCH, SPANISH, ITALIAN, DUTCH, PORTUGUESE, SWEDISH, POLISH, JAPANESE,
                  CHINESE):
        assert len(group) >= 3


PIECES = list("ab >:-_*\n\t@年写道") + ["wrote:", "From: ", "Sent: ", "To: ", "Subject: ", "On 3 Nov 2025 at 10:02 ",
                                       "Thanks,", "Jane", "-- ", "\n> ", "Sent from my iPhone"]


@given(st.lists(st.sampled_from(PIECES), max_size=120).map("".join))
@settings(max_examples=300, deadline=None)
def test_any_text_gives_some_of_its_own_lines_and_no_quote(body):
    visible = visible_text(body)
    lines = [line.strip() for line in body.split("\n")]
    # A line of the body, or the writer's start of one that an attribution ends ("Thanks! On ... wrote:").
    assert all(not line.strip() or any(whole.startswith(line.strip()) for whole in lines)
               for line in visible.split("\n"))
    assert not any(line.lstrip().startswith(">") for line in visible.split("\n"))


def test_history_is_looked_for_in_the_first_ten_thousand_lines():
    body = "my line\n" * 10_001 + "-- \nJane"
    assert visible_text(body) == body


MB = 1_000_000
PATHOLOGICAL = {
    "one-line": "a" * MB,
    "short-lines": "x\n" * (MB // 2),
    "blank-lines": "\n" * MB,
    "quote-lines": "> quoted text line\n" * (MB // 19),
    "quote-markers-and-blanks": ">\n\n" * (MB // 3),
    "quotes-and-answers": "> q\nanswer\n" * (MB // 11),
    "colons": ":\n" * (MB // 2),
    "dated-lines": "On Mon 3 Nov 2025 at 10:02 someone said something:\n" * (MB // 50),
    "wrote-lines": "Jane wrote:\n" * (MB // 12),
    "attributions-above-quotes": "x wrote:\n> q\n" * (MB // 13),
    "wrapped-attributions": "On Mon, 3 Nov 2025 at 10:02, Jane Doe <\njane@x.example>\n" * (MB // 56),
    "attribution-starts": ("On " + "x " * 140 + "\n") * (MB // 284),
    "from-lines": "From: a\n" * (MB // 8),
    "from-lines-in-one": "From: x " * (MB // 8),
    "header-windows": ("From: a\n" + "x\n" * 7) * (MB // 22),
    "dashes": "-" * MB,
    "dash-lines": "-\n" * (MB // 2),
    "lotus-like": ("--- " + "a " * 140 + "wrote ---\n") * (MB // 294),
    "spaces-and-colons": (" " * 200 + ":") * (MB // 201),
    "closings": "Thanks,\nJane\n" * (MB // 13),
    "mobile-like": "Sent from my phone phone phone\n" * (MB // 31),
    "disclaimer-like": ("\nthis e-mail " + "x " * 140 + "\n") * (MB // 294),
    "banner-like": "external sender\n" * (MB // 16),
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_a_megabyte_takes_well_under_a_second(name):
    body = PATHOLOGICAL[name]
    start = time.process_time()  # the CPU this takes, whatever else runs on the machine
    visible_text(body)
    assert time.process_time() - start < 0.5


def test_a_typical_reply_is_fast():
    body = ENGLISH[0].values[0] + "> an older message, quoted by the mail client line by line\n" * 25
    runs = 200
    start = time.process_time()
    for _ in range(runs):
        visible_text(body)
    # Typically well under 0.1 ms; the bound leaves room for a slow test machine.
    assert (time.process_time() - start) / runs < 0.0005


@pytest.mark.parametrize("report", [
    "This email originated from outside the organization and asked me to click a link. Is it phishing?",
    "I got a mail from an external sender. It wants my password.",
    "Ich habe eine Mail von einem externen Absender bekommen, die nach meinem Passwort fragt.",
    "Do not click links in the mail I forwarded?",
])
def test_a_person_telling_of_a_suspicious_mail_is_not_a_gateway_warning(report):
    text = f"{report}\n\nThe sender was billing@pay-portal.example.\n\nThanks,\nAna"
    assert visible_text(text).startswith(report)


@pytest.mark.parametrize(("sender", "body", "expected"), [
    pytest.param("Jane Doe", "The printer is fixed.\n\nJane Doe\nIT Manager\n+49 30 1234567\nwww.example.com",
                 "The printer is fixed.", id="name-title-phone"),
    pytest.param("Doe, Jane", "The printer is fixed.\n\nJane Doe\njane.doe@example.com\n(555) 346-9947",
                 "The printer is fixed.", id="last-name-first"),
    pytest.param("Stavros Papas", "I can't go any higher.\n\nStavros\nvia mobile", "I can't go any higher.",
                 id="first-name-only"),
    pytest.param("Jane Doe", "The printer is fixed.\n\nJane Doe", "The printer is fixed.\n\nJane Doe",
                 id="a-name-alone-stays"),
    pytest.param("Jane Doe", "Please create an account for our new hire:\n\nJohn Smith\njohn.smith@example.com",
                 "Please create an account for our new hire:\n\nJohn Smith\njohn.smith@example.com",
                 id="someone-elses-details-stay"),
    pytest.param("Jane Doe", "The keys are at the desk.\n\nJane\nwill take them to the office tomorrow morning.",
                 "The keys are at the desk.\n\nJane\nwill take them to the office tomorrow morning.",
                 id="a-sentence-under-the-name-stays"),
    pytest.param("Jane Doe", "The printer is fixed.\n\nJane\nP.S. the toner is low",
                 "The printer is fixed.\n\nJane\nP.S. the toner is low", id="a-postscript-stays"),
    pytest.param("Jane Doe", "Jane Doe\nIT Manager", "Jane Doe\nIT Manager", id="nothing-else-written"),
    pytest.param("Jane Doe", "The printer is fixed.\n\nDr. Jane Doe\nHead of IT\nACME Ltd.", "The printer is fixed.",
                 id="title-before-the-name"),
    pytest.param("Anna Weber", "Erledigt.\n\nProf. Dr. Anna Weber\nLehrstuhl für Informatik\nTel. 030 1234567", "Erledigt.",
                 id="two-titles-before-the-name"),
    pytest.param("Jane Doe", "The printer is fixed.\n\nJane Doe, PhD\nHead of IT", "The printer is fixed.",
                 id="degree-after-the-name"),
    pytest.param("Jane Doe", "Hi,\n\nJane, can you check?\nThanks", "Hi,\n\nJane, can you check?\nThanks",
                 id="the-name-and-a-question-stay"),
])
def test_the_senders_signature_block_without_a_closing_is_cut(sender, body, expected):
    assert visible_text(body, sender) == expected
    assert visible_text(body) == body  # without the sender's name nothing tells it from the writer's text

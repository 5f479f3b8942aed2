"""Realistic sample requests for the demo: employees writing to the four departments."""
from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import datetime as dt

# (sender name, sender address, department address, subject, body)
SAMPLES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Anna Schmidt", "anna.schmidt@corp.example", "it@corp.example", "VPN not working since this morning",
     "Hi IT,\n\nthe VPN client says 'authentication failed' since 8:00. I restarted twice.\nCan you help?\n\nAnna"),
    ("Ben Okafor", "ben.okafor@corp.example", "it@corp.example", "Password reset please",
     "Hello, I am locked out of my account after the holidays. Could you reset my password?\nThanks, Ben"),
    ("Chloé Martin", "chloe.martin@corp.example", "it@corp.example", "URGENT: production website is down",
     "The customer portal returns 502 for everyone. Production is down, sales cannot take orders."),
    ("David Levi", "david.levi@corp.example", "it@corp.example", "New laptop for new team member",
     "Our new developer starts on the 1st. Please prepare a laptop with the standard developer image."),
    ("Eva Novak", "eva.novak@corp.example", "it@corp.example", "Cannot log in to Outlook",
     "Outlook keeps asking for my password and then says it cannot connect."),
    ("Farid Haddad", "farid.haddad@corp.example", "it@corp.example", "Request: install Tableau",
     "Could you install Tableau Desktop on my machine? My manager approved the licence."),
    ("Grete Berg", "grete.berg@corp.example", "it@corp.example", "Printer on 3rd floor jams",
     "The printer next to the kitchen on floor 3 jams on every second page."),
    ("Hiro Tanaka", "hiro.tanaka@corp.example", "it@corp.example", "Monitor flickering",
     "My second monitor flickers every few minutes. Cable or screen?"),
    ("Ines Duarte", "ines.duarte@corp.example", "it@corp.example", "Phishing email received",
     "I received an email asking me to confirm my bank details with a strange link. Forwarding it to you."),
    ("Jonas Weber", "jonas.weber@corp.example", "it@corp.example", "Drucker druckt nicht",
     "Hallo, der Drucker im Erdgeschoss druckt seit gestern nicht mehr. Grüße, Jonas"),
    ("Karin Olsen", "karin.olsen@corp.example", "hr@corp.example", "Parental leave question",
     "Hi HR, I'd like to understand how to apply for parental leave starting in March."),
    ("Luca Rossi", "luca.rossi@corp.example", "hr@corp.example", "New hire onboarding: Maria Gomez",
     "Maria Gomez joins Marketing on Monday. Please start onboarding: contract, badge, laptop."),
    ("Mira Patel", "mira.patel@corp.example", "hr@corp.example", "Holiday balance looks wrong",
     "My remaining vacation days show 3 but I think I should have 8 left this year."),
    ("Noah Fischer", "noah.fischer@corp.example", "hr@corp.example", "Confidential: complaint about behaviour",
     "I would like to report repeated inappropriate comments in our team meetings. Please treat this confidentially."),
    ("Olivia Brown", "olivia.brown@corp.example", "hr@corp.example", "Employment certificate",
     "Could I get an employment certificate for my apartment application?"),
    ("Pavel Horak", "pavel.horak@corp.example", "hr@corp.example", "Benefits: gym membership",
     "Is the gym membership still part of our benefits package?"),
    ("Quentin Dubois", "quentin.dubois@corp.example", "hr@corp.example", "Demande de congé",
     "Bonjour, je souhaite poser des congés du 3 au 7 août. Merci !"),
    ("Rita Gomez", "rita.gomez@corp.example", "hr@corp.example", "Sick leave",
     "I am sick today and tomorrow; doctor's note attached later."),
    ("Sam Carter", "sam.carter@corp.example", "finance@corp.example", "Expense report for Berlin trip",
     "Please find my expense report for the Berlin trip. Total 845.20 EUR, receipts scanned."),
    ("Tanja Kovac", "tanja.kovac@corp.example", "finance@corp.example", "Invoice 2026-1147 overdue",
     "Our supplier Acme says invoice 2026-1147 is 30 days overdue. Can you check the payment?"),
    ("Umar Siddiqui", "umar.siddiqui@corp.example", "finance@corp.example", "Purchase order for 20 chairs",
     "Please raise a purchase order for 20 office chairs, quote attached."),
    ("Vera Ivanova", "vera.ivanova@corp.example", "finance@corp.example", "Payroll: overtime missing",
     "My overtime from October is missing on my payslip."),
    ("Will Turner", "will.turner@corp.example", "finance@corp.example", "Corporate card declined",
     "My corporate credit card was declined at the hotel today."),
    ("Xenia Popova", "xenia.popova@corp.example", "finance@corp.example", "Budget question for Q1",
     "How much of the team budget is left for Q1 training?"),
    ("Yusuf Demir", "yusuf.demir@corp.example", "finance@corp.example", "Reisekostenabrechnung",
     "Anbei meine Reisekostenabrechnung für München. Viele Grüße"),
    ("Zoe Adams", "zoe.adams@corp.example", "facilities@corp.example", "Water leak in the server room!",
     "There is water dripping from the ceiling in the server room. Please come immediately."),
    ("Adam Nowak", "adam.nowak@corp.example", "facilities@corp.example", "Heating broken in room 4.12",
     "The heating in meeting room 4.12 is cold again, it is 16 degrees."),
    ("Bianca Costa", "bianca.costa@corp.example", "facilities@corp.example", "Badge does not open the garage",
     "My access badge stopped opening the garage door."),
    ("Carl Jensen", "carl.jensen@corp.example", "facilities@corp.example", "Desk move for 3 people",
     "Three people from Sales move to the 2nd floor next week, we need desks."),
    ("Dana Cohen", "dana.cohen@corp.example", "facilities@corp.example", "Kitchen needs cleaning",
     "The kitchen on the 5th floor has not been cleaned since Friday."),
    ("Emil Lund", "emil.lund@corp.example", "facilities@corp.example", "Light bulb out in stairwell",
     "A light in the north stairwell between floors 1 and 2 is out."),
    ("Fatima Zahra", "fatima.zahra@corp.example", "facilities@corp.example", "Smell of smoke near elevator",
     "There is a smell of smoke near the elevator on floor 6. Is there a fire?"),
    ("Georg Huber", "georg.huber@corp.example", "it@corp.example", "Teams calls drop",
     "<html><body><p>Hi,</p><p>my <b>Teams</b> calls drop after 10 minutes.</p></body></html>"),
    ("Helena Silva", "helena.silva@corp.example", "hr@corp.example", "Address change",
     "I moved. New address: Hauptstraße 5, 10115 Berlin."),
    ("Ivan Petrov", "ivan.petrov@corp.example", "finance@corp.example", "VAT on invoice is wrong",
     "The VAT on invoice INV-3381 is 19% but should be 7%."),
    ("Julia Klein", "julia.klein@corp.example", "facilities@corp.example", "Parking space request",
     "I need a parking space from January; I'll drive from Potsdam."),
)


def build_sample(index: int, now: dt.datetime | None = None) -> tuple[str, str, bytes]:
    """(envelope sender, recipient, raw bytes) of sample number ``index``."""
    name, sender, recipient, subject, body = SAMPLES[index % len(SAMPLES)]
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = recipient
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now or dt.datetime.now(dt.timezone.utc))
    mail["Message-ID"] = make_msgid(idstring=f"sample{index}", domain="mail.corp.example")
    if body.startswith("<html>"):
        mail.set_content(body, subtype="html")
    else:
        mail.set_content(body)
    return sender, recipient, mail.as_bytes(policy=policy.SMTP)

"""The demo's canned replies: two in each language, with the placeholders filled per case."""

from datetime import datetime

from ..followups.canned import save_reply

REPLIES = [
    (
        "en",
        "We are on it",
        "Hello {customer_name},\n\nThank you for telling us. We are looking into "
        "{case_reference} now and will write again as soon as we know more.\n\n{agent_name}",
    ),
    (
        "en",
        "Fixed: please check",
        "Hello {customer_name},\n\nWe have fixed the problem behind "
        "{case_reference}. Could you check that everything works for you again?\n\n{agent_name}",
    ),
    (
        "eo",
        "Ni laboras pri tio",
        "Saluton {customer_name},\n\nDankon, ke vi informis nin. Ni nun "
        "esploras {case_reference} kaj skribos denove, tuj kiam ni scios pli.\n\n{agent_name}",
    ),
    (
        "eo",
        "Riparita: bonvolu kontroli",
        "Saluton {customer_name},\n\nNi riparis la problemon de "
        "{case_reference}. Ĉu vi povus kontroli, ke ĉio denove funkcias?\n\n{agent_name}",
    ),
    (
        "ar",
        "نعمل على ذلك",
        "مرحبًا {customer_name}،\n\nشكرًا لإخبارنا. نحن نتحقق من {case_reference} "
        "الآن وسنكتب إليك مجددًا فور معرفة المزيد.\n\n{agent_name}",
    ),
    (
        "ar",
        "تم الإصلاح: يُرجى التحقق",
        "مرحبًا {customer_name}،\n\nأصلحنا المشكلة المتعلقة بـ "
        "{case_reference}. هل يمكنك التحقق من أن كل شيء يعمل لديك مجددًا؟\n\n{agent_name}",
    ),
]


def create_demo_canned_replies(now: datetime) -> None:
    """Add the demo's canned replies."""
    for language, title, body in REPLIES:
        save_reply(None, language=language, title=title, body=body, now=now)

"""The demo's idea board: what a web host's customers ask for, in every status, through the
real services (post, vote, triage, answer, merge, link) with past timestamps.

Votes are skewed toward a few ideas (Zipf-like), as on any real board; some ideas are posted
anonymously, a few are obvious duplicates left for the staff to merge (one already merged), and
done ideas carry a changelog entry. History mail counts as sent back then; only the changes of
the last days are mailed (to the demo logins, the rest of the demo's mail being discarded).
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..auth.models import User
from ..extensions import db
from ..followups.models import Category, Followup
from ..ideas import services as ideas
from ..ideas.jobs import mail_status_changes
from ..ideas.merge import merge
from ..ideas.models import Idea, IdeaEvent, IdeaEventKind, IdeaStatus
from ..notices.models import Notice
from ..surveys.models import Feedback

DAY = timedelta(days=1)
S = IdeaStatus
# The road an idea takes to each status (a declined one was looked at first).
ROADS = {
    S.NEW: (),
    S.UNDER_REVIEW: (S.UNDER_REVIEW,),
    S.PLANNED: (S.UNDER_REVIEW, S.PLANNED),
    S.IN_PROGRESS: (S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS),
    S.DONE: (S.UNDER_REVIEW, S.PLANNED, S.IN_PROGRESS, S.DONE),
    S.DECLINED: (S.UNDER_REVIEW, S.DECLINED),
}
MAILED_BACK_THEN = 14 * DAY  # older status changes count as mailed when they happened
ANONYMOUS_SHARE = 0.2
ZIPF = 1.05
TOP_SHARE = 0.45  # share of the customers voting for the most wanted idea


@dataclass(frozen=True)
class Seed:
    """One idea of the demo board."""

    key: str
    title: str
    text: str
    slug: str
    status: IdeaStatus = S.NEW
    answer: str = ""
    note: str = ""  # the decline reason or the changelog text


# The first ones are the most wanted (vote rank); the rest is shuffled by the seed.
POPULAR = ("mailboxes", "backups", "2fa", "staging", "php84", "nvme", "wildcard")
SEEDS = (
    Seed("mailboxes", "Bigger mailboxes", "10 GB per mailbox would match what other hosts offer; "
         "our team keeps hitting the 2 GB limit.", "email", S.PLANNED,
         answer="We are moving mail to new storage; 10 GB mailboxes come with it this spring."),
    Seed("backups", "Daily off-site backups", "Keep a copy of our sites and databases in another "
         "data centre, not only on the same server.", "other", S.DONE,
         answer="Every plan now gets daily backups kept 30 days in a second data centre.",
         note="Daily backups to our second data centre in Amsterdam, kept 30 days, restorable "
         "from the control panel."),
    Seed("2fa", "Two-factor login for the control panel", "Please add TOTP codes (an authenticator "
         "app); a password alone is not enough for an account that holds our shop.",
         "control-panel", S.IN_PROGRESS,
         answer="Authenticator apps first, security keys later. In testing with a few customers now."),
    Seed("staging", "Staging sites", "A one-click copy of my site to try updates and plugins "
         "before they touch the live site.", "control-panel", S.UNDER_REVIEW),
    Seed("php84", "PHP 8.4 on shared hosting", "PHP 8.4 has been out for a while; we need it for "
         "the latest framework release.", "performance", S.DONE,
         answer="PHP 8.4 is available on every plan; pick it per site.",
         note="PHP 8.4 can be chosen per site in the control panel under Software → PHP."),
    Seed("nvme", "NVMe storage for shared plans", "Database-heavy sites would be much faster on "
         "NVMe disks.", "performance", S.PLANNED),
    Seed("wildcard", "Free wildcard SSL certificates", "Let's Encrypt issues wildcards for free; "
         "please offer them for our subdomains without the paid add-on.", "control-panel"),
    Seed("autorenew", "Let's Encrypt certificates renew automatically", "Twice this year a "
         "certificate expired because the renewal needed a click.", "control-panel", S.DONE,
         note="Certificates now renew by themselves 30 days before they expire, with a mail "
         "if a renewal fails."),
    Seed("autorenew-dup", "Auto-renew SSL", "Can SSL renew on its own? I forget every 90 days.",
         "control-panel"),
    Seed("git", "Deploy with git push", "Push to a git remote on the server and have the site "
         "update, like on the big platforms.", "control-panel", S.UNDER_REVIEW),
    Seed("git-dup", "Deploy straight from GitHub", "Connect a GitHub repository and deploy the "
         "main branch on every push.", "control-panel"),
    Seed("2fa-dup", "2FA with an authenticator app", "Security keys or an app code when I log in, "
         "please.", "control-panel"),
    Seed("mailboxes-dup", "More space per mailbox", "2 GB is too small for ten years of mail.",
         "email"),
    Seed("status-history", "Status page with incident history", "Show past incidents so we can "
         "see how reliable the service has been.", "uptime", S.IN_PROGRESS),
    Seed("sepa", "Pay by SEPA direct debit", "Our accounting prefers direct debit over cards.",
         "billing", S.PLANNED, answer="Direct debit for customers in the euro area is planned "
         "for the next billing release."),
    Seed("night-chat", "Chat support at night", "Our customers are in Asia; support during "
         "European nights would help.", "support", S.UNDER_REVIEW),
    Seed("ipv6", "IPv6 on every shared site", "Mobile networks are going IPv6-only in places.",
         "performance", S.DONE, note="Every shared site now answers on IPv6 too."),
    Seed("redis", "Redis for WordPress object cache", "A small Redis per account would make "
         "WooCommerce much faster.", "performance"),
    Seed("ssh-keys", "Manage SSH keys in the control panel", "Adding keys by mail to support "
         "takes a day.", "control-panel", S.DONE, note="Add and remove SSH keys under Access → "
         "SSH keys; they work within a minute."),
    Seed("invoice-pdf", "Invoices with our VAT number", "Our VAT number must be on every invoice "
         "for the tax office.", "billing", S.DONE, note="Add your VAT number under Billing → "
         "Details; it is printed on every invoice from now on."),
    Seed("cron-ui", "Cron jobs editor", "A simple form to add scheduled tasks instead of crontab "
         "syntax.", "control-panel"),
    Seed("node", "Node.js apps on shared hosting", "Run a small Node.js app next to PHP.",
         "performance", S.UNDER_REVIEW),
    Seed("ftp-off", "Turn off plain FTP", "Allow only SFTP on our account for safety.",
         "control-panel", S.PLANNED),
    Seed("dns-api", "DNS API for certificates and automation", "An API to change DNS records "
         "from our scripts and ACME clients.", "control-panel"),
    Seed("uptime-alerts", "Uptime alerts by SMS", "Text us when our site is down.", "uptime"),
    Seed("free-domain", "A free domain with yearly plans", "Other hosts include the first year "
         "of a domain.", "billing", S.DECLINED,
         note="Domains cost us the same every year; including one would raise every plan's price. "
         "We keep domains at cost instead."),
    Seed("unlimited", "Unlimited storage on the smallest plan", "Why is there any limit?",
         "billing", S.DECLINED,
         note="Unlimited plans are paid for by slowing everyone down. We prefer honest limits "
         "and fast servers."),
    Seed("mail-filters", "Server-side mail filters (Sieve)", "Sort mail into folders on the "
         "server so every device sees the same.", "email"),
    Seed("dmarc", "DMARC reports in the control panel", "Show who sends mail in our name.",
         "email"),
    Seed("webmail-dark", "Dark mode in webmail", "Easier on the eyes at night.", "email"),
    Seed("db-size", "See database sizes at a glance", "Which database fills my quota?",
         "control-panel"),
    Seed("malware", "Weekly malware scan with a report", "Tell us when a file looks infected.",
         "other", S.UNDER_REVIEW),
    Seed("carbon", "Green energy report", "How much of the power comes from renewables?", "other"),
    Seed("monthly-vps", "Hourly billing for VPS", "We run test machines for a few hours.",
         "billing"),
    Seed("api-tokens", "API tokens with limited rights", "A token that may only read stats.",
         "control-panel"),
    Seed("phone-support", "Phone support for dedicated servers", "Sometimes a call is faster "
         "than a ticket.", "support"),
    Seed("response-time", "Answer tickets within an hour on weekends", "Weekend answers take too "
         "long for a shop.", "support"),
    Seed("eo-panel", "Kontrolpanelo en Esperanto", "Bonvolu traduki la kontrolpanelon al "
         "Esperanto; ni estas internacia teamo.", "control-panel", S.PLANNED,
         answer="Dankon! La traduko estas planita por la venonta versio."),
    Seed("eo-backup", "Elŝuti sekurkopion per unu klako", "Mi volas elŝuti la tutan retejon "
         "kiel unu arĥivon.", "other"),
    Seed("eo-invoice", "Fakturoj en Esperanto", "Ĉu eblus ricevi la fakturojn en Esperanto?",
         "billing"),
    Seed("ar-panel", "لوحة تحكم باللغة العربية", "نرجو إضافة اللغة العربية إلى لوحة التحكم مع "
         "دعم الكتابة من اليمين إلى اليسار.", "control-panel", S.IN_PROGRESS,
         answer="نعمل على الترجمة الآن، وستصل مع دعم كامل للاتجاه من اليمين إلى اليسار."),
    Seed("ar-support", "دعم فني باللغة العربية", "نفضّل التواصل مع الدعم بالعربية.", "support"),
    Seed("ar-datacenter", "مركز بيانات في الخليج", "سيكون الموقع أسرع لعملائنا في المنطقة.",
         "performance", S.UNDER_REVIEW),
    Seed("spam", "Best cheap backlinks for SEO!!! visit now", "Buy 10000 links today.", "other"),
)  # fmt: skip
DUPLICATES_LEFT = ("autorenew-dup", "git-dup", "2fa-dup")  # for the staff to merge
MERGED = ("mailboxes-dup", "mailboxes")  # (duplicate, kept): one already merged
HIDDEN = "spam"
RECENT = ("php84", "mailboxes", "2fa")  # the last change of these was in the last days
DEMO_CUSTOMER_POSTS = ("staging", "eo-backup")
DEMO_CUSTOMER_VOTES = ("backups", "php84", "mailboxes", "2fa", "free-domain", "nvme", "ar-panel")


class _Board:
    def __init__(self, rng, now, customers, staff, manager, demo_customer):
        self.rng, self.now = rng, now
        self.customers = customers  # (customer, active from, active until)
        self.staff, self.manager, self.demo_customer = staff, manager, demo_customer
        self.categories = {c.slug: c for c in db.session.scalars(select(Category))}
        self.ideas: dict[str, Idea] = {}

    def author(self, seed: Seed, at: datetime) -> User:
        if seed.key in DEMO_CUSTOMER_POSTS:
            return self.demo_customer
        active = [c for c, start, end in self.customers if start <= at <= end]
        return self.rng.choice(active) if active else self.demo_customer

    def post(self, seed: Seed) -> Idea:
        rng = self.rng
        at = (
            self.now - DAY * rng.uniform(20, 520)
            if seed.status != S.NEW
            else self.now - DAY * rng.uniform(1, 200)
        )
        idea = ideas.post_idea(
            self.author(seed, at),
            title=seed.title,
            description=seed.text,
            category=self.categories.get(seed.slug),
            anonymous=seed.key != HIDDEN and rng.random() < ANONYMOUS_SHARE,
            now=at,
        )
        self.ideas[seed.key] = idea
        return idea

    def vote(self, idea: Idea, customers: list[User], windows: dict[int, tuple]) -> None:
        for customer in customers:
            start, end = windows[customer.id]
            start, end = max(start, idea.created_at), min(end, self.now - timedelta(hours=1))
            if start < end:
                ideas.vote(idea, customer, now=start + (end - start) * self.rng.random())

    def triage(self, seed: Seed, idea: Idea) -> None:
        road = ROADS[seed.status]
        if not road and not seed.answer:
            return
        rng = self.rng
        recent = seed.key in RECENT and road  # its followers (the demo customer too) were just mailed
        end = self.now - DAY * rng.uniform(1, 10) if recent else self.now
        span = end - idea.created_at
        moments = sorted(idea.created_at + span * rng.uniform(0.1, 0.97) for _ in range(len(road) + 1))
        if recent:
            moments[len(road) - 1] = end
        for status, at in zip(road, moments, strict=False):
            actor = self.manager if status in (S.DONE, S.DECLINED, S.PLANNED) else self.staff
            ideas.set_status(
                idea,
                status,
                actor,
                reason=seed.note if status == S.DECLINED else "",
                changelog=seed.note if status == S.DONE else "",
                now=at,
            )
        if seed.answer:  # answered once it was looked at
            last = idea.updated_at
            ideas.answer(idea, seed.answer, self.manager, now=moments[min(1, len(road))])
            idea.updated_at = max(last, idea.updated_at)


def _zipf_counts(rng: random.Random, keys: list[str], pool: int) -> dict[str, int]:
    top = max(3, round(pool * TOP_SHARE))
    return {key: max(0, round(top / rank**ZIPF * rng.uniform(0.8, 1.2))) for rank, key in enumerate(keys, 1)}


def _link(board: _Board) -> None:
    notice = db.session.scalar(select(Notice).where(Notice.title.like("PHP 8.4%")))
    if notice is not None:
        ideas.link(board.ideas["php84"], board.manager, notice=notice, now=board.now - DAY)
    incident = db.session.scalar(select(Notice).where(Notice.kind == "incident").order_by(Notice.id))
    if incident is not None:
        ideas.link(board.ideas["status-history"], board.staff, notice=incident, now=board.now - DAY)
    for key, slug in (("mailboxes", "email"), ("night-chat", "support")):
        case = db.session.scalar(
            select(Followup)
            .join(Feedback, Feedback.id == Followup.feedback_id)
            .join(Category, Category.id == Feedback.category_id)
            .where(Category.slug == slug)
            .order_by(Followup.id)
            .limit(1)
        )
        if case is not None:
            ideas.link(board.ideas[key], board.staff, followup=case, now=board.now - 2 * DAY)


def create_demo_ideas(
    rng: random.Random,
    now: datetime,
    customers: list[tuple[User, datetime, datetime]],
    *,
    staff: User,
    manager: User,
    demo_customer: User,
) -> int:
    """Post the demo board with its votes, statuses, answers, merges and links; returns how
    many ideas. The caller commits (and discards the history's mail, as for the rest)."""
    windows = {c.id: (start, end) for c, start, end in customers}
    windows.setdefault(demo_customer.id, (demo_customer.created_at, now))
    board = _Board(rng, now, customers, staff, manager, demo_customer)
    for seed in SEEDS:
        board.post(seed)
    rest = [s.key for s in SEEDS if s.key not in POPULAR and s.key != HIDDEN]
    rng.shuffle(rest)
    pool = [c for c, _start, _end in customers]
    for key, n in _zipf_counts(rng, list(POPULAR) + rest, len(pool)).items():
        board.vote(board.ideas[key], rng.sample(pool, min(n, len(pool))), windows)
    for key in DEMO_CUSTOMER_VOTES:
        board.vote(board.ideas[key], [demo_customer], windows)
    for seed in SEEDS:
        board.triage(seed, board.ideas[seed.key])
    duplicate, kept = (board.ideas[k] for k in MERGED)
    merge(duplicate, kept, staff, now=now - 3 * DAY)
    ideas.set_hidden(board.ideas[HIDDEN], True, staff, now=board.ideas[HIDDEN].created_at + DAY)
    ideas.add_note(
        board.ideas["staging"], "Needs the new storage first; ask ops in Q3.", manager, now=now - 5 * DAY
    )
    _link(board)
    db.session.flush()
    # Followers heard of older changes back then; the job mails the recent ones (as the worker
    # would have), which the demo logins then find in their outbox.
    db.session.execute(
        update(IdeaEvent)
        .where(IdeaEvent.kind == IdeaEventKind.STATUS, IdeaEvent.created_at < now - MAILED_BACK_THEN)
        .values(mailed_at=IdeaEvent.created_at)
    )
    mail_status_changes(now)
    return len(SEEDS)

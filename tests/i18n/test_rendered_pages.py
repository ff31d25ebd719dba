"""Every page, rendered in Esperanto and in Arabic, shows no English word of the interface.

The catalogue tests prove each message has a translation; this proves the pages use them: a
string that never went through gettext, a label built in Python, a macro whose folder the
extraction skipped — they all show up here as an English word on a rendered page.

The pages come from the app's URL map and the access matrix (tests/core/test_access.py), so a
new page is visited without being listed here. Each is rendered twice: empty (the empty states)
and over the demo population, with more items than a page holds (tables, pagers), then after
every form is posted (flash messages, form errors). The demo's typed text (names, comments,
notices …) is replaced by made-up words first, so what is left in English is the interface.
"""

import io
import itertools
import re

import pytest
from werkzeug.routing.converters import AnyConverter

from feedback.auth.models import ApiToken, Role, User
from feedback.auth.services import create_api_token, revoke_api_token
from feedback.brand.models import BrandSettings
from feedback.brand.queries import forget_cached
from feedback.core.time import utcnow
from feedback.demo.generator import DEMO_LOGINS, DEMO_PASSWORD, generate_demo
from feedback.extensions import db
from feedback.followups import saved_views
from feedback.followups.defaults import DEFAULT_CATEGORIES
from feedback.followups.models import CannedReply, Category, RoutingRule
from feedback.followups.queries import QueueFilter
from feedback.ideas import merge as idea_merge
from feedback.ideas import services as idea_services
from feedback.ideas.models import Idea, IdeaLink, IdeaStatus
from feedback.lifecycle.imports import queue_import, run_queued
from feedback.mailer.models import OutboxMessage
from feedback.notices.models import Notice
from feedback.signup import services as signup_services
from feedback.signup.models import LinkPurpose
from feedback.signup.services import send_link
from feedback.surveys.invitations import invite, make_token
from feedback.surveys.models import Feedback, SurveyKind
from feedback.teams.models import Team
from tests.factories import ALLOWED, PUBLIC, csv_bytes, enrol_two_factor, sign_in
from tests.i18n.english import MADE_UP, english_on, english_words, report

# Text people typed (or the demo typed for them), replaced by made-up words before rendering:
# a customer's comment in English is not an untranslated interface.
TYPED = {
    "users": ("name",),
    "customer_accounts": ("server",),
    "feedback": ("title", "comment"),
    "notices": ("title", "body", "servers"),
    "notice_updates": ("body",),
    "followup_events": ("body",),
    "routing_rules": ("name",),
    "changelog_entries": ("title", "body"),
    "ideas": ("title", "description", "search_text", "official_answer", "decline_reason"),
    "idea_events": ("body",),
    # Mail is rendered in its recipient's language when it is queued; the outbox lists it as
    # sent. Its wording is checked in test_rendered_mail.py.
    "outbox": ("to_email", "to_name", "subject", "body_text", "body_html", "last_error"),
    "api_tokens": ("label",),
    "saved_views": ("name",),
    # Teams a manager named, and the days off they typed (Settings → Teams).
    "teams": ("name",),
    "team_holidays": ("name",),
    # The host's own name and support address (Settings → Brand); its link labels below.
    "brand": ("name", "support_email"),
    # Replies managers wrote for staff to start from (Settings → Canned replies).
    "canned_replies": ("title", "body"),
}


def test_the_check_finds_english_in_a_page_and_only_in_what_is_seen():
    words = english_words("eo")
    page = (
        '<html lang="eo"><head><title>Paĝoj</title><style>.next{}</style></head><body>'
        '<a class="page-link" href="?page=2" aria-label="Next">Sekva</a>'
        '<button lang="en">English</button><script>var items = 1;</script>'
        "<p>3 items, paĝo 1 el 2</p></body></html>"
    )
    assert {"next", "items", "page", "save", "cancel", "status", "priority"} <= words
    assert [word for word, _context in english_on(page, "eo", words)] == ["Next", "items"]


def _scramble_typed_text() -> None:
    """Replace what people typed with made-up words, keeping each value's row apart."""
    made_up = itertools.cycle(MADE_UP)
    for table_name, columns in TYPED.items():
        table = db.metadata.tables[table_name]
        (key,) = table.primary_key.columns
        for (row_id,) in db.session.execute(db.select(key)).all():
            values = {c: f"{next(made_up)} {next(made_up)}{row_id}" for c in columns}
            db.session.execute(table.update().where(key == row_id).values(**values))
    for brand in db.session.scalars(db.select(BrandSettings)):
        brand.footer_links = [{**link, "label": next(made_up)} for link in brand.footer_links]
    forget_cached()  # the brand read for this app context (the demo's mail) is the typed one
    # A category a manager typed is data too; the default ones are translated labels.
    for category in db.session.scalars(db.select(Category)):
        if category.name not in {name for _slug, name in DEFAULT_CATEGORIES}:
            category.name = f"{next(made_up)}{category.id}"
    db.session.commit()


def _population(make, language: str) -> dict:
    """The demo population as of now, every account speaking ``language``, typed text made up;
    returns the users who sign in, by role."""
    generate_demo(20, seed=3)
    users = {}
    for role, (email, _name) in DEMO_LOGINS.items():
        users[role] = db.session.scalar(db.select(User).where(User.email == email))
    enrol_two_factor(users[Role.MANAGER])  # as the demo manager does at their first sign-in
    for csat in (5, 4, 3, 2, 1) * 3:  # more of the customer's own feedback than a page holds
        make.rating(users[Role.CUSTOMER], csat=csat, comment="", category="uptime")
    _scramble_typed_text()
    for user in db.session.scalars(db.select(User)):
        user.email = f"{MADE_UP[user.id % len(MADE_UP)].lower()}{user.id}@kvaxo.test"
        user.locale = language
    # Mail already queued follows its recipient to the new address, so the demo inbox (which
    # shows mail sent to the address the user has now) still holds it.
    owner_email = db.select(User.email).where(User.id == OutboxMessage.user_id).scalar_subquery()
    db.session.execute(
        db.update(OutboxMessage).where(OutboxMessage.user_id.is_not(None)).values(to_email=owner_email)
    )
    db.session.commit()
    return users


def _ids(users: dict) -> dict:
    """A real row for each kind of id a page's URL takes."""
    customer = users[Role.CUSTOMER]
    feedback = db.session.scalar(
        db.select(Feedback).where(Feedback.customer_id == customer.id, Feedback.followup != None)  # noqa: E711
    )
    last_staff = db.select(User.id).where(User.role == Role.STAFF).order_by(User.id.desc())
    now = utcnow()
    nps = invite(customer, SurveyKind.NPS, now)
    case = invite(customer, SurveyKind.CASE_CSAT, now, followup=feedback.followup)
    idea = _ideas(customer)
    notice_id = db.session.scalar(db.select(Notice.id))
    ideas = _idea_with_a_full_trail(users, feedback.followup, db.session.get(Notice, notice_id))
    db.session.commit()
    return {
        "feedback_id": feedback.id,
        "followup_id": feedback.followup.id,
        "customer_id": customer.id,
        # One a manager may switch off under Staff accounts, one under Customers (not the one who
        # signs in here).
        "user_id": [db.session.scalar(last_staff), _other_customer(customer)],
        "token_id": _api_tokens(users),
        "notice_id": notice_id,
        "idea_id": [idea.id, *ideas],
        # Each role opens a message of its own: the demo inbox shows a user only their mail.
        "message_id": {role: _newest_message(user) for role, user in users.items()},
        "rule_id": db.session.scalar(db.select(RoutingRule.id)),
        "category_id": db.session.scalar(db.select(Category.id)),
        "reply_id": _canned_reply(),
        "token": [make_token(nps, now), make_token(case, now)],
        "link_token": _account_links(customer, now),
        "import_id": _finished_imports(users, now),
        "view_id": _saved_views(users),
        "team_id": db.session.scalar(db.select(Team.id).order_by(Team.id)),
    }


def _saved_views(users: dict) -> dict:
    """A saved queue view of each staff member's own (their names made up), to rename and delete."""
    ids = {}
    for role in (Role.STAFF, Role.MANAGER):
        view = saved_views.save_view(users[role], f"{MADE_UP[1]} {MADE_UP[3]}", QueueFilter(mine=True))
        ids[role] = view.id
    return ids


def _canned_reply() -> int:
    """A canned reply to edit (the demo has some; the empty-state run gets one, its text made up)."""
    reply_id = db.session.scalar(db.select(CannedReply.id).order_by(CannedReply.id))
    if reply_id is None:
        reply = CannedReply(
            language="en", title=" ".join(MADE_UP[:2]), body=" ".join(MADE_UP[2:5]), updated_at=utcnow()
        )
        db.session.add(reply)
        db.session.flush()
        reply_id = reply.id
    return reply_id


def _other_customer(customer) -> int:
    others = db.select(User.id).where(User.role == Role.CUSTOMER, User.id != customer.id, User.active)
    return db.session.scalar(others.order_by(User.id))


def _api_tokens(users: dict) -> dict:
    """Three API tokens per signed-in user (more than a page holds), one of them revoked, their
    names made up; returns a token each role may revoke (its own)."""
    words = itertools.cycle(MADE_UP)
    ids = {}
    for role, user in users.items():
        for _ in range(3):
            create_api_token(user, f"{next(words)} {next(words)}")
        tokens = db.session.scalars(
            db.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
        )
        first, *rest = tokens.all()
        revoke_api_token(first)
        ids[role] = rest[-1].id
    return ids


def _new_tokens(users: dict) -> list:
    """Each user making a token (the page that shows it once)."""
    return [("POST", "/account/tokens", role, {"label": f"{MADE_UP[0]} {MADE_UP[5]}"}) for role in users]


def _account_links(customer, now) -> list[str]:
    """A link that finishes a sign-up (name, zone and password) and one that sets a new password."""
    signup_services.sign_up(f"{MADE_UP[5].lower()}@kvaxo.test", MADE_UP[5], "UTC", customer.locale, now)
    pending = db.session.scalar(db.select(User).where(User.email == f"{MADE_UP[5].lower()}@kvaxo.test"))
    return [send_link(pending, LinkPurpose.SIGNUP, now), send_link(customer, LinkPurpose.PASSWORD, now)]


def _ideas(customer) -> Idea:
    """Ideas in every state the customer's pages show (answered, planned, declined, done, one the
    customer voted for, one merged), in made-up words; returns one to open."""
    others = db.select(User).where(User.role == Role.CUSTOMER, User.id != customer.id)
    author = db.session.scalar(others) or customer
    staff = db.session.scalar(db.select(User).where(User.role == Role.STAFF))
    words = itertools.cycle(MADE_UP)
    posted = [
        idea_services.post_idea(author, title=f"{next(words)} {next(words)}", description=next(words))
        for _ in range(5)
    ]
    live, declined, done, anonymous, merged = posted
    anonymous.anonymous = True
    idea_services.answer(live, next(words), staff)
    idea_services.set_status(live, IdeaStatus.PLANNED, staff)
    idea_services.set_status(declined, IdeaStatus.DECLINED, staff, reason=next(words))
    idea_services.set_status(done, IdeaStatus.DONE, staff, changelog=next(words))
    idea_services.vote(live, customer)
    idea_merge.merge(merged, live, staff)
    return live


def _idea_with_a_full_trail(users: dict, followup, notice) -> list[int]:
    """An idea (typed in made-up words) with every kind of trail entry, linked to the case and
    the notice, with a duplicate merged into it; the staff's idea page shows them all."""
    customer, staff = users[Role.CUSTOMER], users[Role.STAFF]
    idea = idea_services.post_idea(customer, title=f"{MADE_UP[0]} {MADE_UP[1]}", description=MADE_UP[2])
    duplicate = idea_services.post_idea(customer, title=f"{MADE_UP[3]} {MADE_UP[4]}")
    idea_services.edit(idea, staff, title=f"{MADE_UP[1]} {MADE_UP[0]}", description=MADE_UP[5])
    idea_services.add_note(idea, MADE_UP[3], staff)
    idea_services.answer(idea, MADE_UP[4], staff)
    idea_services.set_status(idea, "declined", staff, reason=MADE_UP[5])
    idea_services.move(idea, db.session.scalar(db.select(Category)), staff)
    for flag in (True, False):
        idea_services.set_locked(idea, flag, staff)
        idea_services.set_hidden(idea, flag, staff)
    idea_services.link(idea, staff, followup=followup)
    idea_services.link(idea, staff, notice=notice)
    third = idea_services.post_idea(customer, title=f"{MADE_UP[2]} {MADE_UP[5]}")
    idea_services.link(third, staff, notice=notice)
    idea_services.unlink(
        db.session.scalars(db.select(IdeaLink).where(IdeaLink.idea_id == third.id)).one(), staff
    )
    idea_merge.merge(third, idea, staff)
    idea_merge.unmerge(third, staff)
    idea_merge.merge(duplicate, idea, staff)
    return [idea.id, duplicate.id]  # the kept idea's page and the merged one's


def _newest_message(user) -> int:
    message_id = db.session.scalar(
        db.select(OutboxMessage.id).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id.desc())
    )
    assert message_id, f"the demo queued no mail for the {user.role.value}"
    return message_id


def _as(role, ids: dict | None) -> dict | None:
    """``ids`` as ``role`` sees them: an id given per role is that role's own row."""
    if ids is None:
        return None
    return {name: value.get(role) if isinstance(value, dict) else value for name, value in ids.items()}


def _role_of(blueprint: str | None) -> list[Role | None]:
    """Who visits a blueprint's pages: every role the access matrix lets in, or nobody signed in."""
    if blueprint in ALLOWED:
        return sorted(ALLOWED[blueprint], key=lambda role: role.value)
    return [None]


def _urls(rule, ids: dict | None) -> list[str]:
    """The rule's URL for each value its arguments can take (every action of an ``any()``);
    with no ``ids`` (nothing in the database yet) only URLs that name no row."""
    choices = []
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices.append([(name, item) for item in sorted(converter.items)])
        elif ids is None:
            return []
        else:
            assert name in ids, f"give a real {name!r} in _ids() so {rule.rule} can be visited"
            values = ids[name] if isinstance(ids[name], list) else [ids[name]]
            choices.append([(name, value) for value in values])
    urls = []
    for combination in itertools.product(*choices):
        path = rule.rule
        for name, value in combination:
            path = re.sub(rf"<(?:[^<>:]+:)?{name}>", str(value), path)
        urls.append(path)
    return urls


# Blueprints with no HTML page of their own: the JSON API (tests/api), /static and /healthz,
# the language switcher (a POST that redirects back), and the brand's logo and stylesheet.
NO_PAGES = {"api", None, "i18n", "brand"}
# An e-mail as it was written, shown in the demo inbox's preview frame: not a page of the site
# (tests/i18n/test_rendered_mail.py checks every e-mail).
# Sign in with the billing panel: off (404) unless configured, and a redirect to the provider when on;
# its button and refusal pages are checked in Esperanto and Arabic in tests/oidc/test_sign_in.py.
NOT_A_PAGE = {"demo_inbox.message_html", "oidc.start", "oidc.callback"}
FORM = {"body": "Vrokzal Zirbeq", "comment": "Ulmotr", "note": "Hrinsk", "score": "4"}


def _visits(app, ids: dict | None):
    """(method, url, role, data) for every page and form of the site, GETs first."""
    gets, posts = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        if blueprint in NO_PAGES or rule.endpoint == "auth.logout" or rule.endpoint in NOT_A_PAGE:
            continue
        assert blueprint in ALLOWED or blueprint in PUBLIC, blueprint
        roles = _role_of(blueprint)
        if "GET" in rule.methods:  # each role sees its own page
            gets += [("GET", url, role, None) for role in roles for url in _urls(rule, _as(role, ids))]
        if "POST" in rule.methods:  # the answer (errors, flash) reads the same for every role
            for url in _urls(rule, _as(roles[0], ids)):
                posts += [("POST", url, roles[0], {}), ("POST", url, roles[0], FORM)]
    # Deleting last, so the other forms still find what they act on.
    return gets + sorted(posts, key=lambda visit: "delete" in visit[1])


def _clients(app, users: dict, password: str, language: str) -> dict:
    clients = {None: app.test_client()}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert sign_in(clients[role], user, password).status_code == 302, role
    for client in clients.values():
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return clients


def _english_on_every_page(app, users: dict, password: str, ids: dict | None, language: str, extra=()):
    """Visit every page and post every form (and the ``extra`` visits); return the English found
    per visit, and the visits whose page showed a pager and a flash message (to prove the data
    made them appear)."""
    clients = _clients(app, users, password, language)
    words = english_words(language)
    english, pagers, flashes = {}, set(), set()
    errors = [("GET", "/no-such-page", None, None), ("GET", "/s/not-a-token", None, None)]
    visits = _visits(app, ids) + errors + list(extra)
    for method, url, role, data in visits:
        response = clients[role].open(url, method=method, data=data, follow_redirects=True)
        where = f"{method} {url} as {role.value if role else 'anonymous'}{' with data' if data else ''}"
        assert response.status_code < 500, where
        if method == "GET" and "not-a-token" not in url and "no-such-page" not in url:
            # A rejected import's page answers 422 (its lines were refused), like the upload did.
            expected = (200, 422) if re.fullmatch(r"/imports/\d+", url) else (200,)
            assert response.status_code in expected, (where, response.status_code)
        if response.mimetype != "text/html":
            continue  # the CSV and Excel exports
        html = response.get_data(as_text=True)
        assert f'<html lang="{language}"' in html, where
        if found := english_on(html, language, words):
            english[where] = found
        if 'class="pagination' in html:
            pagers.add(url)
        if "alert-dismissible" in html:  # base.html's flash messages
            flashes.add(where)
    return english, pagers, flashes


def _import_files(customer) -> list[list[str]]:
    """Two subscription files: one the importer takes (its summary) and one it rejects (the
    lines and their reasons)."""
    product = f"{MADE_UP[0]} VPS"  # the plan is read from the product's name
    good = [
        f"{customer.email},9001,{product},started,2025-03-01,118.80,Annually",
        f"{customer.email},9001,{product},renewed,2026-03-01,118.80,Annually",
    ]
    bad = [
        f"{MADE_UP[2].lower()}@kvaxo.test,9002,{product},started,2025-03-01,9.90,Monthly",
        f"{customer.email},9004,{MADE_UP[1]},started,2025-03-01,9.90,Monthly",
        f"{customer.email},9003,{product},{MADE_UP[3].lower()},2025-13-01,-1,Weekly",
        f"{customer.email},,,,,,",
    ]
    return [good, bad]


IMPORT_NAME = f"{MADE_UP[4].lower()}.csv"  # shown on the import's page, like anything typed


def _imports(customer) -> list:
    """A manager's subscription uploads (each opens its import's page, still queued)."""
    return [
        ("POST", "/imports/", Role.MANAGER, {"file": (io.BytesIO(csv_bytes(*rows)), IMPORT_NAME)})
        for rows in _import_files(customer)
    ]


def _finished_imports(users: dict, now) -> list[int]:
    """The same two files imported by the worker, in the language of the population: the
    summary and the rejected lines (their reasons are written in the uploader's language)."""
    language = users[Role.MANAGER].locale
    ids = [
        queue_import(io.BytesIO(csv_bytes(*rows)), IMPORT_NAME, users[Role.MANAGER], now, language).id
        for rows in _import_files(users[Role.CUSTOMER])
    ]
    db.session.commit()
    run_queued(now)
    return ids


def _as_in_development(monkeypatch, app) -> None:
    """As ``make run`` serves it: the demo inbox on, no mail server (mail held, managers' banner)."""
    monkeypatch.setitem(app.config, "DEMO_INBOX", True)
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)


@pytest.mark.parametrize("language", ["eo", "ar"])
def test_no_page_shows_english_over_the_demo_population(app, make, monkeypatch, language):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)  # so every list runs to more than one page
    _as_in_development(monkeypatch, app)
    users = _population(make, language)

    english, pagers, flashes = _english_on_every_page(
        app,
        users,
        DEMO_PASSWORD,
        _ids(users),
        language,
        extra=_imports(users[Role.CUSTOMER]) + _new_tokens(users),
    )

    assert not english, report(english)
    assert {"/dashboard", "/queue/", "/outbox/", "/renewals/"} <= pagers
    assert flashes


@pytest.mark.parametrize("language", ["eo", "ar"])
def test_no_page_shows_english_when_there_is_nothing_to_show(app, make, monkeypatch, language):
    _as_in_development(monkeypatch, app)
    users = {}
    for role, name in zip((Role.CUSTOMER, Role.STAFF, Role.MANAGER), MADE_UP, strict=False):
        users[role] = make.user(role, name, email=f"{name.lower()}@kvaxo.test")
        users[role].locale = language
    db.session.commit()

    # No row yet: the pages that name none (lists, forms, settings), and the error pages.
    english, _pagers, _flashes = _english_on_every_page(app, users, "password123", None, language)

    assert not english, report(english)

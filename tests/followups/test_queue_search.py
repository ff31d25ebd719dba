"""The staff queue's search box and sortable columns (issue 16), through HTTP as staff use them
and against a plain computation on random data."""

import random
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import delete, event

from feedback.core.time import utcnow
from feedback.extensions import db
from feedback.followups import services
from feedback.followups.models import Followup, FollowupStatus
from feedback.followups.queries import QueueFilter, queue
from feedback.surveys.models import Feedback
from tests.conftest import T0


@pytest.fixture
def agent(make, auth):
    user = make.staff(name="Ana Agent")
    auth.login(user)
    return user


def _case(make, customer, comment="Site was slow", when=None, csat=2, **kwargs) -> Followup:
    return make.rating(customer, csat=csat, comment=comment, now=when or utcnow(), **kwargs).followup


def _shown(client, query: str) -> list[int]:
    """The ids of the cases listed at ``/queue/?{query}``, in page order (200 required)."""
    response = client.get("/queue/?" + query)
    assert response.status_code == 200, (query, response.status_code)
    # The case links (each row also carries its link as data-href, for row_links.js).
    return [int(n) for n in re.findall(r'(?<!data-)href="/queue/K-(\d+)"', response.get_data(as_text=True))]


def test_a_case_reference_in_any_form_finds_the_case(client, make, agent):
    customer = make.customer()
    wanted, other = _case(make, customer), _case(make, customer)
    for typed in (f"K-{wanted.id}", f"k{wanted.id}", f"%23{wanted.id}", str(wanted.id), f"  K-{wanted.id} "):
        assert _shown(client, f"q={typed}") == [wanted.id], typed
    assert other.id not in _shown(client, "q=K-0")


def test_the_case_a_reference_names_comes_first(client, make, agent):
    customer = make.customer()
    now = utcnow()
    named = _case(make, customer, comment="Nothing to do with numbers", when=now)
    # Opened earlier, so due earlier: first by deadline, but only a word match for the number.
    mentions = _case(
        make, customer, comment=f"Same as case {named.id} last week", when=now - timedelta(hours=3)
    )
    assert _shown(client, "") == [mentions.id, named.id]
    assert _shown(client, f"q={named.id}") == [named.id, mentions.id]


def test_a_customers_name_or_email_start_finds_their_cases(client, make, agent):
    elodie = make.customer(name="Élodie Durand", email="elo.durand@example.test")
    bob = make.customer(name="Bob Stone", email="bob@stone.test")
    hers, his = _case(make, elodie), _case(make, bob)
    for typed in ("élodie", "ÉLODIE", "Élodie Du", "elo.dur", "ELO.DURAND@EXAMPLE"):
        assert _shown(client, f"q={typed}") == [hers.id], typed
    assert _shown(client, "q=stone") == []  # a prefix, not a word inside the name
    assert _shown(client, "q=bob@") == [his.id]


def test_words_in_the_comment_find_the_case(client, make, agent):
    customer = make.customer(name="Zed Zimmer")
    mail = _case(make, customer, comment="Mail to Gmail bounces since Tuesday")
    dns = _case(make, customer, comment="DNS change never propagated")
    assert _shown(client, "q=bounces") == [mail.id]
    assert _shown(client, "q=GMAIL+tuesday") == [mail.id]  # every word, any case, any order
    assert _shown(client, "q=gmail+dns") == []  # not one case has both
    assert _shown(client, "q=propagated") == [dns.id]
    assert _shown(client, "q=propag") == []  # whole words


def test_words_in_replies_notes_and_customer_answers_find_the_case(client, make, agent):
    customer = make.customer(name="Zed Zimmer")
    fu, other = _case(make, customer), _case(make, customer)
    services.internal_note(fu, agent, "Checked the nginx logs on web-07")
    services.staff_reply(other, agent, "Please clear your browser cache.")
    db.session.commit()
    assert _shown(client, "q=nginx+logs") == [fu.id]
    assert _shown(client, "q=cache") == [other.id]
    assert _shown(client, "q=nginx+cache") == []  # all words in one text


def test_edited_and_deleted_text_leaves_the_search(client, make, agent):
    customer = make.customer(name="Zed Zimmer")
    fu = _case(make, customer, comment="Backups missing")
    db.session.get(Feedback, fu.feedback_id).comment = "Restores fail"
    db.session.commit()
    assert _shown(client, "q=backups") == []
    assert _shown(client, "q=restores") == [fu.id]
    db.session.execute(delete(Followup).where(Followup.id == fu.id))
    db.session.commit()
    assert _shown(client, "q=restores") == []


def test_search_combines_with_filters_and_keeps_them(client, make, agent):
    customer = make.customer(name="Zed Zimmer")
    mine = _case(make, customer, comment="invoice wrong")
    theirs = _case(make, customer, comment="invoice late")
    done = _case(make, customer, comment="invoice fixed")
    critical = _case(make, customer, comment="invoice and outage", category="uptime", csat=1)
    _case(make, customer, comment="unrelated")
    services.assign(mine, agent, agent)
    services.resolve(done, agent)
    db.session.commit()
    assert set(_shown(client, "q=invoice")) == {mine.id, theirs.id, critical.id}
    assert _shown(client, "q=invoice&mine=1") == [mine.id]
    assert _shown(client, "q=invoice&status=resolved") == [done.id]
    assert set(_shown(client, "q=invoice&status=all")) == {mine.id, theirs.id, done.id, critical.id}
    assert _shown(client, "q=invoice&unassigned=1&priority=critical") == [critical.id]
    page = client.get("/queue/?q=invoice&priority=critical&sort=-opened").get_data(as_text=True)
    assert 'name="q" value="invoice"' in page  # the box keeps what was typed
    assert '<option value="critical" selected>' in page.replace("  ", " ")
    assert 'name="sort" value="-opened"' in page  # filtering again keeps the order


def test_search_pages(client, make, agent, app):
    customer = make.customer(name="Zed Zimmer")
    size = app.config["PAGE_SIZE"]
    found = [
        _case(make, customer, comment=f"quota exceeded {n}", when=T0 + timedelta(minutes=n))
        for n in range(size + 2)
    ]
    _case(make, customer, comment="something else")
    first, second = _shown(client, "q=quota"), _shown(client, "q=quota&page=2")
    assert len(first) == size and len(second) == 2
    assert first + second == [fu.id for fu in found]  # nearest deadline first, none twice
    assert "page=2" in client.get("/queue/?q=quota").get_data(as_text=True)  # the pager keeps q


def test_a_searched_page_runs_the_search_once(client, make, agent, app):
    customer = make.customer(name="Zed Zimmer")
    for n in range(app.config["PAGE_SIZE"] + 3):
        _case(make, customer, comment=f"quota exceeded {n}")
    searches = []

    def counted(conn, cursor, statement, *args):
        if "plainto_tsquery" in statement or "MATCH" in statement:
            searches.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        page = client.get("/queue/?q=quota").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    assert len(searches) == 1  # the page's ids and the total in one pass, then its cases by id
    assert f"{app.config['PAGE_SIZE'] + 3} items, page 1 of 2" in page


def test_no_match_says_so_and_offers_to_clear_the_search(client, make, agent):
    _case(make, make.customer(name="Zed Zimmer"), comment="all good")
    page = client.get("/queue/?q=kangaroo&priority=high").get_data(as_text=True)
    assert "No follow-ups match this search." in page
    clear = re.search(r'href="([^"]*)">Clear the search<', page).group(1)
    assert unescape(clear) == "/queue/?priority=high"  # the filters stay, the search goes


ODD = [
    "x" * 5000,
    "bounce\x00s",
    "\x00",
    '"unbalanced',
    "say \"hello\" 'there'",
    "*",
    "bounce*",
    "-bounce",
    "comment:bounce",
    "NEAR(bounce mail)",
    "NEAR(",
    "AND OR NOT",
    "(",
    ")",
    "^bounce",
    "a:b:c",
    "\\",
    "%_%",
    "' OR 1=1 --",
    "😀 bounce",
    "k-99999999999",
    "#",
    "!@#$%^&*()",
]


@pytest.mark.parametrize("typed", ODD)
def test_odd_input_is_never_an_error(client, make, agent, typed):
    _case(make, make.customer(name="Zed Zimmer"), comment="Mail bounces")
    response = client.get("/queue/", query_string={"q": typed, "status": "all"})
    # NUL is refused before any view with a 400, as in every form and query (core/security.py).
    assert response.status_code == (400 if "\x00" in typed else 200)
    cleaned = QueueFilter.from_args({"q": typed}).q  # and the query itself takes it all the same
    assert "\x00" not in cleaned and len(cleaned) <= 200
    for status in ("active", "all"):
        db.session.scalars(queue(QueueFilter(status=status, q=cleaned), agent.id).limit(5)).all()


def test_fts_syntax_is_text_to_find(client, make, agent):
    customer = make.customer(name="Zed Zimmer")
    quoted = _case(make, customer, comment='The "hello" page says NEAR(the end)')
    assert _shown(client, 'q="hello"') == [quoted.id]
    assert _shown(client, "q=NEAR(the") == [quoted.id]
    assert _shown(client, "q=bounce*") == []


def _order(client, sort: str, ids) -> list[int]:
    shown = _shown(client, f"status=all&sort={sort}")
    return [i for i in shown if i in ids]


def test_sort_by_each_column_ties_broken_by_id(client, make, agent):
    ann, bea = make.customer(name="ann Example"), make.customer(name="Bea Example")
    now = utcnow()
    a1 = _case(make, bea, when=now - timedelta(hours=1))  # high: due in 3 h
    a2 = _case(make, ann, when=now)  # high: due in 4 h
    crit = _case(make, bea, category="uptime", csat=1, when=now - timedelta(minutes=5))  # critical: 55 min
    a3 = _case(make, ann, when=now)  # same time as a2: the id decides
    ids = {a1.id, a2.id, crit.id, a3.id}
    assert _order(client, "deadline", ids) == [crit.id, a1.id, a2.id, a3.id]
    assert _order(client, "-deadline", ids) == [a3.id, a2.id, a1.id, crit.id]
    assert _order(client, "priority", ids) == [crit.id, a1.id, a2.id, a3.id]
    assert _order(client, "-priority", ids) == [a3.id, a2.id, a1.id, crit.id]
    assert _order(client, "opened", ids) == [a1.id, crit.id, a2.id, a3.id]
    assert _order(client, "-opened", ids) == [a3.id, a2.id, crit.id, a1.id]
    assert _order(client, "customer", ids) == [a2.id, a3.id, a1.id, crit.id]  # "ann" before "Bea"
    assert _order(client, "-customer", ids) == [crit.id, a1.id, a3.id, a2.id]


@pytest.mark.parametrize(
    "sort", ["", "bogus", "id", "due_at; DROP TABLE users", "--deadline", "-", "customer.name"]
)
def test_an_unknown_sort_is_the_default(client, make, agent, sort):
    customer = make.customer()
    now = utcnow()
    later = _case(make, customer, when=now)
    sooner = _case(make, customer, when=now - timedelta(hours=2))
    assert _order(client, sort, {later.id, sooner.id}) == [sooner.id, later.id]
    assert QueueFilter.from_args({"sort": sort}).sort == "deadline"


def test_sort_links_toggle_and_keep_the_search(client, make, agent):
    _case(make, make.customer(name="Zed Zimmer"), comment="invoice")
    page = unescape(client.get("/queue/?q=invoice&sort=customer&page=1").get_data(as_text=True))
    heading = re.search(r'<th scope="col" aria-sort="ascending"><a [^>]*href="([^"]+)"', page)
    assert heading.group(1) == "/queue/?q=invoice&sort=-customer"  # again: the other way
    assert 'href="/queue/?q=invoice&sort=priority"' in page


def test_customers_cannot_search_the_queue(client, make, auth):
    customer = make.customer(name="Zed Zimmer")
    _case(make, customer, comment="secret words")
    auth.login(customer)
    response = client.get("/queue/?q=secret")
    assert response.status_code in (302, 403)
    assert "secret words" not in response.get_data(as_text=True)


WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
NAMES = ["Ada", "Ade", "Bo", "Bob", "Cyd", "Éva"]


def test_the_search_matches_a_plain_computation_on_random_data(app, make):
    rng = random.Random(16)
    agent = make.staff()
    customers = [make.customer(name=f"{rng.choice(NAMES)} {rng.choice(WORDS).title()}") for _ in range(6)]
    texts: dict[int, list[str]] = {}  # case id → its texts: the comment, then the timeline's
    owner: dict[int, object] = {}
    for _ in range(40):
        customer = rng.choice(customers)
        comment = " ".join(rng.sample(WORDS, rng.randint(0, 3))).capitalize()
        fu = _case(make, customer, comment=comment, when=T0 + timedelta(minutes=rng.randint(0, 600)))
        texts[fu.id], owner[fu.id] = [comment], customer
        for _ in range(rng.randint(0, 2)):
            body = " ".join(rng.sample(WORDS, rng.randint(1, 3))).upper()
            rng.choice([services.internal_note, services.staff_reply])(fu, agent, body)
            texts[fu.id].append(body)
        if rng.random() < 0.3:
            services.resolve(fu, agent)
    db.session.commit()

    def expected(typed: str) -> set[int]:
        words = {w.casefold() for w in typed.split()}
        found = set()
        for case_id, case_texts in texts.items():
            customer = owner[case_id]
            if (
                str(case_id) == typed
                or customer.name.casefold().startswith(typed.casefold())
                or customer.email.startswith(typed.casefold())
                or any(words <= {w.casefold() for w in text.split()} for text in case_texts)
            ):
                found.add(case_id)
        return found

    queries = [str(rng.choice(list(texts))) for _ in range(3)] + ["éva", "bo", "cyd ", "ada b", "customer"]
    queries += [" ".join(rng.sample(WORDS, rng.randint(1, 2))) for _ in range(25)]
    for typed in queries:
        got = set(db.session.scalars(queue(QueueFilter(status="all", q=typed.strip()), agent.id)).unique())
        assert {fu.id for fu in got} == expected(typed.strip()), typed
    open_ones = {fid for fid in texts if db.session.get(Followup, fid).status != FollowupStatus.RESOLVED}
    for typed in queries[-5:]:
        got = {fu.id for fu in db.session.scalars(queue(QueueFilter(q=typed), agent.id)).unique()}
        assert got == expected(typed) & open_ones, typed

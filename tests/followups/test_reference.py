"""One reference per case (K-220): how it is read back, and how page URLs carry it."""

import pytest

from feedback.followups.reference import case_reference, parse_case_reference
from tests.conftest import T0


@pytest.mark.parametrize(
    "text, expected",
    [
        ("K-220", 220),
        ("k-220", 220),
        ("K220", 220),
        ("K 220", 220),
        (" K-220 ", 220),
        ("#220", 220),
        ("220", 220),
        ("H-220", 220),  # a reference mailed before the prefix changed still finds its case
        ("K-2147483647", 2147483647),
        ("K-2147483648", None),  # beyond the id column: no case, not a database error
        ("K-0", None),
        ("K--220", None),
        ("K-22O", None),  # a letter O
        ("", None),
        (None, None),
        ("K-", None),
        ("220 or 221", None),
        ("LONGERTHAN8-1", None),
    ],
)
def test_what_a_person_may_type_or_an_old_link_holds(text, expected):
    assert parse_case_reference(text) == expected


def test_the_prefix_is_a_setting(app, client, make, auth, monkeypatch):
    monkeypatch.setitem(app.config, "CASE_REFERENCE_PREFIX", "HX")
    fb = make.rating(make.customer(), csat=1, now=T0)
    assert fb.followup.reference == case_reference(fb.followup.id) == f"HX-{fb.followup.id}"
    auth.login(make.staff())
    queue = client.get("/queue/").get_data(as_text=True)
    assert f'href="/queue/HX-{fb.followup.id}">HX-{fb.followup.id}</a>' in queue


def test_staff_reach_a_case_by_its_reference_or_its_old_number(client, make, auth):
    fb = make.rating(make.customer(), csat=1, now=T0)
    fu = fb.followup
    auth.login(make.staff())
    for spelling in (fu.reference, fu.reference.lower(), str(fu.id)):
        page = client.get(f"/queue/{spelling}")
        assert page.status_code == 200 and f"Follow-up {fu.reference}" in page.get_data(as_text=True)
    # A form on the page posts to the case's reference, and the answer leads back there.
    response = client.post(f"/queue/{fu.reference}/claim")
    assert response.status_code == 302 and response.headers["Location"] == f"/queue/{fu.reference}"
    for missing in ("K-999999", "K-0", "K-99999999999", "K-1-2"):
        assert client.get(f"/queue/{missing}").status_code == 404


@pytest.mark.parametrize("prefix", ["SUPPORTKX", "K2", "K-", "", "Ĉ"])
def test_a_prefix_the_links_could_not_carry_stops_the_app_at_start(prefix):
    from config import TestingConfig
    from feedback import create_app

    with pytest.raises(RuntimeError, match="CASE_REFERENCE_PREFIX"):
        create_app(
            {
                **{k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()},
                "CASE_REFERENCE_PREFIX": prefix,
            }
        )

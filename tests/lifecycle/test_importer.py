"""Importing a billing CSV: all or nothing, idempotent, every bad row named with its line."""

import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from feedback.auth.models import Plan
from feedback.extensions import db
from feedback.lifecycle.importer import plan_for_product
from feedback.lifecycle.imports import import_subscriptions
from feedback.lifecycle.models import Subscription, SubscriptionEvent
from tests.conftest import T0

from ..factories import HEADER, csv_bytes, history


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def run(data: bytes, progress=None):
    result = import_subscriptions(data, T0, progress)
    db.session.commit()
    return result


def test_a_good_file_creates_subscriptions_events_and_account(make):
    ada = make.customer()
    result = run(csv_bytes(*history(ada.email)))
    assert (result.applied, result.rows, result.new_events, result.subscriptions_created) == (True, 3, 3, 1)
    sub = db.session.scalar(select(Subscription))
    # Amounts are per billing cycle; the monthly price is amount / 12.
    assert (sub.plan, sub.monthly_price, sub.cycle_months) == (Plan.VPS, Decimal("39.00"), 12)
    assert sub.renews_on == date(2026, 3, 1)
    assert (ada.account.plan, ada.account.signup_date) == (Plan.VPS, date(2024, 3, 1))
    upgrade = sub.events[-1]
    assert (upgrade.from_plan, upgrade.plan) == (Plan.SHARED, Plan.VPS)


def test_reimporting_the_same_file_is_a_no_op(make):
    ada = make.customer()
    data = csv_bytes(*history(ada.email))
    run(data)
    again = run(data)
    assert (again.applied, again.new_events, again.already_imported) == (True, 0, 3)
    assert count(SubscriptionEvent) == 3


def test_a_file_with_two_bad_lines_applies_nothing_and_names_them(make):
    ada, bob = make.customer(), make.customer()
    rows = [
        *history(ada.email),  # lines 2-4
        f"{bob.email},2001,Dedicated Server XL,started,2025-01-05,149.00,Monthly",  # 5
        f"{bob.email},2001,Dedicated Server XL,renewed,2025-02-05,149.00,Monthly",  # 6
    ]
    rows.insert(1, "nobody@example.test,3001,Shared,started,2025-01-05,9.90,Monthly")  # line 3
    rows.insert(5, f"{bob.email},2001,Shared Hosting,upgraded,2025-03-01,9.90,Monthly")  # line 7
    result = run(csv_bytes(*rows))
    assert not result.applied
    assert [line for line, _ in result.rejected] == [3, 7]
    assert "no customer with the e-mail nobody@example.test" in result.rejected[0][1]
    assert "higher plan tier" in result.rejected[1][1]
    assert count(Subscription) == count(SubscriptionEvent) == 0
    assert ada.account.plan == Plan.SHARED


def test_every_problem_of_a_row_is_reported(make):
    ada = make.customer()
    result = run(csv_bytes(f"{ada.email},1,Minecraft Server,sold,2025-02-30,ten,Weekly"))
    reason = result.rejected[0][1]
    for part in ("unknown product", "unknown event", "bad date", "bad amount", "unknown billing cycle"):
        assert part in reason


def test_bom_extra_columns_and_names_in_any_script_do_not_matter(make):
    ada = make.customer(name="Ĉiuĵaŭde Ŝanĝo")
    header = "Email,Service ID,Product,Event,Date,Amount,Billing Cycle,Name"
    rows = [r + ",Ĉiuĵaŭde Ŝanĝo" for r in history(ada.email.upper())]
    rows[1] = rows[1].replace(",Ĉiuĵaŭde Ŝanĝo", ',"سلمى، الحداد"')
    result = run(csv_bytes(*rows, header=header, bom=True))
    assert (result.applied, result.new_events) == (True, 3), result.rejected


def test_a_file_that_is_not_utf8_or_lacks_columns_is_rejected_whole(make):
    ada = make.customer()
    # Read a line at a time, a Latin-1 file is refused at its first line that is not UTF-8 …
    latin = csv_bytes(*history(ada.email), header=HEADER + ",name").replace(
        b"Annually\n", b"Annually,Jos\xe9\n", 1
    )
    result = run(latin)
    assert result.rejected[0] == (2, "not UTF-8 text (save the file as UTF-8)")
    assert count(SubscriptionEvent) == 0
    # … and at once when that is the header line.
    assert "not UTF-8" in run("émail\nJosé".encode("latin-1")).rejected[0][1]
    result = run(b"email,plan\na@b.c,vps\n")
    assert result.rejected[0][0] == 1 and "service_id" in result.rejected[0][1]


def test_products_map_to_plans_case_insensitively():
    assert plan_for_product("SHARED hosting") == Plan.SHARED
    assert plan_for_product("Cloud Server 4GB") == Plan.VPS
    assert plan_for_product("Bare Metal E3") == Plan.DEDICATED
    assert plan_for_product("Domain registration") is None


def test_ten_thousand_rows(make):
    customers = [make.customer() for _ in range(50)]
    rows = []
    for n in range(2500):  # 4 events per service: 10 000 rows
        email = customers[n % 50].email
        rows += [
            f"{email},S{n},Shared Hosting,started,2024-01-0{1 + n % 9},9.90,Monthly",
            f"{email},S{n},Shared Hosting,renewed,2024-02-0{1 + n % 9},9.90,Monthly",
            f"{email},S{n},VPS,upgraded,2024-03-0{1 + n % 9},39.00,Monthly",
            f"{email},S{n},VPS,cancelled,2024-04-0{1 + n % 9},,Monthly",
        ]
    calls = []
    started = time.perf_counter()
    result = run(csv_bytes(*rows), progress=lambda stage, done, total: calls.append((stage, done, total)))
    seconds = time.perf_counter() - started
    print(f"\nimported 10000 rows in {seconds:.2f} s: {10000 / seconds:.0f} rows/s")
    assert (result.applied, result.new_events) == (True, 10_000)
    assert [stage for stage, _done, _total in calls if _done == 0] == ["reading", "checking", "saving"]
    assert calls[-1] == ("saving", 10_000, 10_000)
    started = time.perf_counter()
    assert run(csv_bytes(*rows)).already_imported == 10_000
    print(f"re-imported in {time.perf_counter() - started:.2f} s")


def test_the_readme_example_imports(make):
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```csv\n", 1)[1].split("```", 1)[0]
    ada, bob = make.customer(email="ada@example.com"), make.customer(email="bob@example.com")
    result = run(example.encode())
    assert (result.applied, result.new_events, result.subscriptions_created) == (True, 5, 2), result.rejected
    assert (ada.account.plan, ada.account.monthly_price) == (Plan.VPS, Decimal("39.00"))
    assert bob.account.renewal_date == date(2025, 6, 5)  # cancelled: the day it ended


def test_an_amount_without_a_cycle_is_per_the_subscriptions_cycle(make):
    ada = make.customer()
    run(csv_bytes(*history(ada.email)[:1]))  # started, Annually, 118.80 a year
    result = run(csv_bytes(f"{ada.email},1001,Shared Hosting,renewed,2025-03-01,130.80,"))
    assert result.new_events == 1
    sub = db.session.scalar(select(Subscription))
    assert (sub.cycle_months, sub.monthly_price) == (12, Decimal("10.90"))

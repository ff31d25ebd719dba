"""The import's optional client_id column groups several logins of one company into one account,
which the idea ranking counts once."""

from feedback.extensions import db
from feedback.lifecycle.imports import import_subscriptions
from tests.factories import T0, csv_bytes

HEADER = "email,service_id,product,event,date,amount,billing_cycle,client_id"


def test_logins_with_one_client_id_become_one_company_and_a_second_import_keeps_it(app, make):
    boss, clerk, solo = make.customer(), make.customer(), make.customer()
    rows = [
        f"{boss.email},5001,VPS Cloud M,started,2025-06-01,39.00,Monthly,C-77",
        f"{clerk.email},5002,Shared Hosting Starter,started,2025-06-01,9.90,Monthly,C-77",
        f"{solo.email},5003,Shared Hosting Starter,started,2025-06-01,9.90,Monthly,",
    ]
    result = import_subscriptions(csv_bytes(*rows, header=HEADER), T0)
    assert result.applied and result.new_events == 3
    db.session.commit()
    assert (boss.account.billing_account, clerk.account.billing_account) == ("C-77", "C-77")
    assert solo.account.billing_account is None

    again = import_subscriptions(csv_bytes(*rows, header=HEADER), T0)
    assert again.applied and again.new_events == 0 and again.already_imported == 3
    assert boss.account.billing_account == "C-77"


def test_one_login_with_two_client_ids_is_refused_and_nothing_changes(app, make):
    ada = make.customer()
    rows = [
        f"{ada.email},6001,VPS Cloud M,started,2025-06-01,39.00,Monthly,C-1",
        f"{ada.email},6002,VPS Cloud M,started,2025-06-01,39.00,Monthly,C-2",
    ]
    result = import_subscriptions(csv_bytes(*rows, header=HEADER), T0)
    assert not result.applied
    assert [line for line, _message in result.rejected] == [3]
    assert "two client ids" in result.rejected[0][1]
    assert ada.account.billing_account is None

"""A customer's e-mail preferences: optional mail can be turned off, case mail cannot."""

from feedback.extensions import db


def test_customer_turns_optional_mail_off_and_on(app, make, auth, client):
    customer = make.customer()
    auth.login(customer)
    page = client.get("/preferences").get_data(as_text=True)
    assert "Replies and updates on your cases" in page and "checked" in page
    # An unticked box is not sent at all; a browser still sends the CSRF token field.
    response = client.post("/preferences", data={"csrf_token": ""}, follow_redirects=True)
    assert "Your e-mail preferences are saved." in response.get_data(as_text=True)
    db.session.refresh(customer)
    assert customer.optional_mail is False
    client.post("/preferences", data={"optional_mail": "y"})
    db.session.refresh(customer)
    assert customer.optional_mail is True


def test_preferences_belong_to_the_signed_in_customer_only(app, make, auth, client):
    customer, other = make.customer(), make.customer()
    auth.login(customer)
    client.post("/preferences", data={"csrf_token": ""})
    db.session.refresh(other)
    assert other.optional_mail is True
    auth.logout()
    assert client.get("/preferences").status_code == 302  # sign in first

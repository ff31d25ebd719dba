"""Sign-in, sign-out and sign-up as a user meets them."""

import pytest

from feedback.auth.models import Role, User
from feedback.extensions import db


def test_login_lands_each_role_on_its_home(client, auth, make):
    for user, home in (
        (make.customer(), "/dashboard"),
        (make.staff(), "/queue/"),
        (make.manager(), "/reports/satisfaction"),
    ):
        response = auth.login(user)
        assert response.status_code == 302
        assert response.headers["Location"] == home
        auth.logout()


def test_wrong_password_and_unknown_email_get_the_same_generic_message(client, make):
    user = make.customer()
    wrong = client.post("/login", data={"email": user.email, "password": "not-the-password"})
    unknown = client.post("/login", data={"email": "nobody@example.test", "password": "whatever1"})
    assert wrong.status_code == unknown.status_code == 401
    for response in (wrong, unknown):
        assert b"Invalid e-mail or password." in response.data
    # The typed e-mail stays in the form; the password does not.
    assert user.email.encode() in wrong.data
    assert b"not-the-password" not in wrong.data


def test_empty_login_form_shows_field_errors(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert b"This field is required." in response.data


def test_inactive_user_cannot_sign_in(client, make):
    user = make.staff()
    user.active = False
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "password123"})
    assert response.status_code == 401


def test_login_is_rate_limited_per_address(client, make):
    user = make.customer()
    for _ in range(5):
        assert client.post("/login", data={"email": user.email, "password": "bad-guess-1"}).status_code == 401
    blocked = client.post("/login", data={"email": user.email, "password": "password123"})
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


def test_login_is_rate_limited_per_email_across_addresses(app, make):
    app.config["LOGIN_EMAIL_RATE_LIMIT"] = "3 per hour"
    try:
        user = make.customer()
        codes = []
        for n in range(4):
            c = app.test_client()
            env = {"REMOTE_ADDR": f"10.0.0.{n + 1}"}
            codes.append(
                c.post(
                    "/login", data={"email": user.email, "password": "bad-guess"}, environ_base=env
                ).status_code
            )
        assert codes == [401, 401, 401, 429]
    finally:
        app.config["LOGIN_EMAIL_RATE_LIMIT"] = "20 per hour"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/queue/?mine=1", "/queue/?mine=1"),
        ("https://evil.example/phish", "/queue/"),
        ("//evil.example/phish", "/queue/"),
        ("/\\evil.example", "/queue/"),
        ("javascript:alert(1)", "/queue/"),
    ],
)
def test_next_redirect_is_validated(client, make, target, expected):
    user = make.staff()
    response = client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": "password123"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_invalidates_a_copied_session_cookie(app, client, auth, make):
    user = make.customer()
    auth.login(user)
    stolen = client.get_cookie("session").value
    assert client.get("/dashboard").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_is_post_only(client, auth, make):
    auth.login(make.customer())
    assert client.get("/logout").status_code == 405
    assert client.get("/dashboard").status_code == 200


def test_signup_creates_a_customer_who_waits_for_their_link_and_has_no_plan(client):
    response = client.post(
        "/signup",
        data={
            "name": "Zamenhof",
            "email": "Ludoviko@Example.com",
            "plan": "vps",  # an old form, or a forged post: the plan is not the customer's to pick
            "timezone": "Europe/Warsaw",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent"
    user = db.session.scalar(db.select(User).where(User.email == "ludoviko@example.com"))
    assert user.role == Role.CUSTOMER
    assert user.timezone == "Europe/Warsaw"
    assert user.account is None  # plan, price and dates come from billing only
    assert (user.active, user.email_verified_at, user.password_hash) == (False, None, "")
    assert client.get("/dashboard").status_code == 302  # nobody is signed in


@pytest.mark.parametrize(
    "change, message",
    [
        ({"email": "not-an-email"}, b"Invalid email address."),
        ({"timezone": "Mars/Olympus"}, b"Pick a time zone from the list."),
        ({"name": ""}, b"This field is required."),
    ],
)
def test_signup_bad_input_keeps_what_was_typed(client, change, message):
    data = {"name": "Ada", "email": "ada@example.com", "timezone": "UTC", **change}
    response = client.post("/signup", data=data)
    assert response.status_code == 400
    assert message in response.data
    if data["name"]:
        assert b'value="Ada"' in response.data
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_signup_with_a_taken_email_changes_nothing_and_answers_as_for_a_new_one(app, client, make):
    existing = make.customer(email="taken@example.com")
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": existing.email, "password": "password123"})
    assert elsewhere.get("/dashboard").status_code == 200
    before = (existing.name, existing.password_hash, existing.active)
    response = client.post(
        "/signup", data={"name": "Copycat", "email": existing.email.upper(), "timezone": "UTC"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/signup/sent"
    assert b"already exists" not in client.get("/signup/sent").data
    db.session.refresh(existing)
    assert (existing.name, existing.password_hash, existing.active) == before
    assert elsewhere.get("/dashboard").status_code == 200  # still signed in there
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1


def test_users_create_cli(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "agent@example.test",
            "--name",
            "Agent",
            "--role",
            "staff",
            "--password",
            "quiet-lantern-meadow",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).where(User.email == "agent@example.test"))
    assert user.role == Role.STAFF


def test_tokens_create_cli_prints_a_working_token(runner, make, client):
    user = make.customer()
    result = runner.invoke(args=["tokens", "create", user.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1].strip()
    assert token.startswith("kt_")
    from feedback.auth.services import user_for_api_token

    assert user_for_api_token(token).id == user.id


def test_a_name_with_a_line_break_is_refused_because_it_would_inject_a_mail_header(client):
    response = client.post(
        "/signup",
        data={
            "name": "Eve\r\nBcc: victim@example.com",
            "email": "eve@example.com",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 400
    assert b"Names cannot contain line breaks." in response.data
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_an_address_we_could_not_deliver_to_is_refused_at_signup(client):
    response = client.post(
        "/signup",
        data={
            "name": "René",
            "email": "rené@example.com",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 400
    assert "Use an e-mail address in plain Latin letters" in response.get_data(as_text=True)

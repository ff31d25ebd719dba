"""User accounts, customer hosting accounts and API tokens."""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import BigInteger, ColumnElement, ForeignKey, Index, Numeric, String, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..core.db import UTCDateTime, bytewise_string, enum_column, search_key
from ..core.time import utcnow
from ..extensions import db


class Role(enum.StrEnum):
    """What a user may do: customers give feedback, staff answer it, managers run it."""

    CUSTOMER = "customer"
    STAFF = "staff"
    MANAGER = "manager"


class Plan(enum.StrEnum):
    """Hosting plan tiers, cheapest first."""

    SHARED = "shared"
    VPS = "vps"
    DEDICATED = "dedicated"


# Room for the name's key: folding and NFKC can lengthen a name ("ß" → "ss"); longer keys are cut.
NAME_KEY_LENGTH = 255


def name_key(name: str) -> str:
    """The search key stored for ``name`` (``users.name_key``): :func:`~feedback.core.db.search_key`."""
    return search_key(name)[:NAME_KEY_LENGTH]


def _name_key_default(context) -> str:
    # A Core insert (the demo's bulk customers) gives no name_key and passes no ORM validator.
    return name_key(context.get_current_parameters()["name"])


class User(UserMixin, db.Model):
    """A person who signs in: customer, staff member or manager."""

    __tablename__ = "users"
    # Escalation e-mail looks staff and managers up on every warning and breach; customers
    # can be hundreds of thousands, so that lookup must not scan them all.
    __table_args__ = (Index("ix_users_role_active", "role", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Bytewise on both databases: its unique index serves e-mail prefix searches as ranges
    # (core.db.starts_with: Settings → Customers, the token list's owner filter), and lists sort
    # by it the same on SQLite and PostgreSQL.
    email: Mapped[str] = mapped_column(bytewise_string(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The name case-folded in Python (name_key()), for prefix searches (Settings → Customers):
    # SQLite's lower() folds ASCII only, so "élodie" would not find "Élodie" there. Kept in step by
    # the validator below (every ORM write of name) and, for Core inserts, the default. A Core
    # UPDATE of name must set it too. Bytewise, so its plain index serves a prefix as one range.
    name_key: Mapped[str] = mapped_column(
        bytewise_string(NAME_KEY_LENGTH), default=_name_key_default, index=True
    )
    # Empty until the owner sets one through their e-mailed link (a sign-up, an invitation).
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), default=Role.CUSTOMER)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str | None] = mapped_column(String(10))
    # False: deactivated by a manager, or not yet claimed (a sign-up whose link was not used yet,
    # an invitation not taken up): no sign-in, no mail but the link to claim it.
    active: Mapped[bool] = mapped_column(default=True)
    # When the owner proved the address is theirs (used an e-mailed link). Accounts the host makes
    # (create_user: CLI, staff page, demo) count as proven when made. No default: a new way of
    # making accounts starts unproven, never matched to billing data by mistake.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When a manager invited this address: the host vouches that it is their customer's.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Off: only essential mail (their cases, service notices); no surveys, receipts or news.
    optional_mail: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Two-factor sign-in (auth/two_factor): the TOTP secret, encrypted (two_factor/crypto.py);
    # set but not enabled while its owner is still scanning the QR code and has not yet
    # confirmed a code. On the row itself, so the "managers must enrol" check on every request
    # costs no query.
    two_factor_secret: Mapped[str | None] = mapped_column(String(255))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last 30-second time step whose code was accepted: a code is good once, never replayed.
    two_factor_last_step: Mapped[int | None] = mapped_column(BigInteger)

    account: Mapped["CustomerAccount | None"] = relationship(back_populates="user", uselist=False)

    # The id of the server-side session this instance was signed in or loaded with (see
    # ``sessions.py``). Not a column: one user has a session per browser.
    session_key = None

    @validates("name")
    def _keep_name_key(self, _key: str, name: str) -> str:
        if name is not None:
            self.name_key = name_key(name)
        return name

    def get_id(self) -> str:
        """Flask-Login stores the server-side session's id, never the user's primary key."""
        if self.session_key is None:
            raise RuntimeError("sign users in with auth.sessions.sign_in(), which opens their session")
        return self.session_key

    def __eq__(self, other):
        # Flask-Login's UserMixin compares get_id(), which is per browser: one person is one user.
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = UserMixin.__hash__

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_unclaimed(self) -> bool:
        """A sign-up or invitation whose owner has not yet used their link (not a deactivated account)."""
        return not self.active and self.email_verified_at is None

    @property
    def has_two_factor(self) -> bool:
        """Signs in with a password and a one-time code (enrolment confirmed)."""
        return self.two_factor_enabled_at is not None

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_staff(self) -> bool:
        """Staff and managers both work the follow-up queue."""
        return self.role in (Role.STAFF, Role.MANAGER)

    @property
    def is_manager(self) -> bool:
        return self.role == Role.MANAGER

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def matchable_customer() -> ColumnElement[bool]:
    """Customers a billing import or the billing API may attach a plan, revenue and renewal to.

    Only addresses shown to be the customer's: proven by their owner (a used link), or vouched
    for by the host (made or invited by staff). A self-service sign-up not yet confirmed is not
    matched, so signing up first as someone else's address never earns their billing data.
    """
    return and_(
        User.role == Role.CUSTOMER, or_(User.email_verified_at.is_not(None), User.invited_at.is_not(None))
    )


class CustomerAccount(db.Model):
    """The hosting account behind a customer: plan, price, signup and renewal dates."""

    __tablename__ = "customer_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    plan: Mapped[Plan] = mapped_column(enum_column(Plan, "plan"), default=Plan.SHARED, index=True)
    monthly_price: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    signup_date: Mapped[date]
    renewal_date: Mapped[date] = mapped_column(index=True)  # renewals at risk: who renews when
    # The server the account is hosted on, e.g. "web-12.fra"; maintenance notices target it.
    server: Mapped[str | None] = mapped_column(String(120), index=True)
    # The billing system's client id: several logins of one company share it and count as one
    # account (an idea's voters, their revenue). None: the login is an account of its own.
    billing_account: Mapped[str | None] = mapped_column(String(64), index=True)

    user: Mapped[User] = relationship(back_populates="account")


class ApiToken(db.Model):
    """A bearer token for the JSON API; only its hash is stored.

    It works while not revoked and while its user is active (a deactivated account's tokens
    stop, and work again if the account is reactivated; revoking is for good).
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What its owner called it ("WHMCS on billing-1"), so they know which one to revoke.
    # Empty for tokens made before labels, or by `tokens create` without --label.
    label: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """One signed-in browser. Its cookie carries a random id; only the id's hash is stored.

    A new row at every sign-in; deleting rows signs browsers out (logout, "sign out
    everywhere", a role change, deactivation). Idle and absolute lifetimes are enforced when
    the row is loaded, by the user's role; ``sessions.prune_sessions`` removes expired rows.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Written at most once a minute (sessions.TOUCH_PRECISION), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The browser's own description, shortened, so a person can tell their sessions apart.
    user_agent: Mapped[str] = mapped_column(String(200), default="")

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A single-use code that stands in for a two-factor code when the phone is lost.

    Ten are made at once and shown once; only their hashes are kept. A new set replaces the
    old one, and turning two-factor sign-in off deletes them.
    """

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

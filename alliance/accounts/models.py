"""User and ApiToken tables, and the roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.db import UTCDateTime
from alliance.core.extensions import db
from alliance.core.models import created_at_column


class Role(StrEnum):
    CUSTOMER = "customer"  # 客户: self-registers, claims vouchers
    MERCHANT = "merchant"  # 商户 owner: runs one merchant
    CLERK = "clerk"  # 店员: belongs to a merchant, may only redeem
    STAFF = "staff"  # 客户经理 / 行长: belongs to a branch
    ADMIN = "admin"  # runs the platform

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CUSTOMER: _l("Customer"),
    Role.MERCHANT: _l("Merchant owner"),
    Role.CLERK: _l("Clerk"),
    Role.STAFF: _l("Branch staff"),
    Role.ADMIN: _l("Administrator"),
}


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(16), index=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(64))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branches.id"), index=True)
    merchant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("merchants.id"), index=True)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true())
    # Every customer has a code to give to friends (MGM 转介绍); referred_by records who brought them.
    referral_code: Mapped[str | None] = mapped_column(sa.String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Part of every session's and remember-me cookie's user id: raising it (logout, a new
    # password, deactivation) ends every existing session of the user at their next request.
    session_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = created_at_column()

    branch = relationship("Branch", lazy="joined")

    def get_id(self) -> str:  # Flask-Login: what the session and the remember-me cookie carry
        return f"{self.id}:{self.session_version or 0}"

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot stay signed in
        return bool(self.active)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self):
        return Role(self.role).label

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class ApiToken(db.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    label: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")

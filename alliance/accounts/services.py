"""Accounts: registration, creating users of each role, signing in, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from alliance.accounts.models import ApiToken, Role, User
from alliance.audit.services import record
from alliance.core import clock, codes
from alliance.core.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized, ValidationFailed
from alliance.core.extensions import attempts, db
from alliance.referrals import services as referrals

USERNAME_EXTRA = set("-_.@")
PASSWORD_MIN = 8
PASSWORD_MAX = 128
REFERRAL_CODE_LENGTH = 8
# Hashing a throwaway password when the username is unknown keeps the answer time the same.
_DUMMY_HASH = generate_password_hash("not-a-real-password")

# A phone number as people write it: digits, spaces, + - ( ), 3 to 32 characters.
PHONE_RE = re.compile(r"^[0-9+\-() ]{3,32}$")


def username_errors(username: str | None) -> list:
    name = username or ""
    if not 3 <= len(name) <= 64:
        return [_l("A username has 3 to 64 characters.")]
    if not all(ch.isalnum() or ch in USERNAME_EXTRA for ch in name):
        return [_l("Use only letters, digits and - _ . @ in a username.")]
    return []


def password_errors(password: str | None) -> list:
    if len(password or "") < PASSWORD_MIN:
        return [_l("A password has at least 8 characters.")]
    if len(password) > PASSWORD_MAX:
        return [_l("A password has at most 128 characters.")]
    return []


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def _check_new_account(username: str, password: str) -> None:
    fields = {}
    if errs := username_errors(username):
        fields["username"] = errs
    if errs := password_errors(password):
        fields["password"] = errs
    if fields:
        raise ValidationFailed(fields)


def _ensure_username_free(username: str) -> None:
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(_l("This username is already taken."))


def _add_user(user: User) -> User:
    """Insert the user (a taken username is a Conflict); a customer then gets a referral code."""
    wants_code = user.referral_code is not None
    user.referral_code = None
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("This username is already taken.")) from exc
    if wants_code:
        _give_referral_code(user)
    return user


def _give_referral_code(user: User) -> None:
    """The database keeps referral codes unique: a code another sign-up took between the pick and
    the write is drawn again (one conditional statement per try, in a savepoint)."""
    for _ in range(5):
        code = _new_referral_code()
        try:
            with db.session.begin_nested():
                db.session.execute(
                    sa.update(User)
                    .where(User.id == user.id)
                    .values(referral_code=code)
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            continue
        set_committed_value(user, "referral_code", code)
        return
    raise Conflict()


def _new_referral_code() -> str:
    while True:
        code = codes.new_code(REFERRAL_CODE_LENGTH)
        if not db.session.scalar(sa.select(User.id).where(User.referral_code == code)):
            return code


def user_by_referral_code(code: str | None) -> User | None:
    normalised = codes.normalise(code or "")
    if not codes.is_well_formed(normalised, REFERRAL_CODE_LENGTH):
        return None
    return db.session.scalar(sa.select(User).where(User.referral_code == normalised))


def _clean_optional(value: str | None, limit: int, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise ValidationFailed({field: [_l("At most %(n)s characters.", n=limit)]})
    return value or None


def _clean_phone(value: str | None) -> str | None:
    phone = _clean_optional(value, 32, "phone")
    if phone and not PHONE_RE.match(phone):
        raise ValidationFailed({"phone": [_l("Use digits, spaces and + - ( ) only.")]})
    return phone


def register_customer(
    username: str,
    password: str,
    display_name: str | None = None,
    phone: str | None = None,
    referral_code: str | None = None,
    *,
    signup_from: str | None = None,
    signup_kind: str = "signup",
) -> User:
    """A customer signs themselves up, optionally with a friend's referral code.

    `signup_from` (a client address) counts the sign-up against that address's limit
    (SIGNUP_LIMIT for pages, API_SIGNUP_LIMIT for the API); a refused sign-up is not counted."""
    attempt = attempts.attempt(signup_kind, signup_from) if signup_from else None
    try:
        return _register_customer(username, password, display_name, phone, referral_code)
    except DomainError:
        if attempt is not None:
            attempt.forgive()
        raise


def _register_customer(username, password, display_name, phone, referral_code) -> User:
    username = (username or "").strip()
    _check_new_account(username, password)
    display_name = _clean_optional(display_name, 64, "display_name")
    phone = _clean_phone(phone)
    referrer = referrals.check_code(referral_code, phone)
    _ensure_username_free(username)
    user = _add_user(
        User(
            username=username,
            password_hash=hash_password(password),
            role=Role.CUSTOMER,
            display_name=display_name,
            phone=phone,
            referral_code="",  # drawn once the user is in (_give_referral_code)
            referred_by_id=referrer.id if referrer else None,
        )
    )
    referrals.record_referral(referrer, user)
    record(user, "user.register", user, data={"referred_by": referrer.id if referrer else None})
    return user


def create_user(
    actor,
    username: str,
    password: str,
    role: str,
    *,
    branch_id: int | None = None,
    merchant_id: int | None = None,
    display_name: str | None = None,
    phone: str | None = None,
) -> User:
    """Create an account of any role. `actor` None is the command line (it makes the first admin).

    Admins create staff, admins and clerks; a merchant owner creates clerks for its own merchant.
    """
    from alliance.branches.models import Branch
    from alliance.merchants.models import Merchant

    username = (username or "").strip()
    if role not in {r.value for r in Role}:
        raise ValidationFailed({"role": [_l("Unknown role.")]})
    if actor is not None:
        owner_making_clerk = (
            actor.role == Role.MERCHANT and role == Role.CLERK and merchant_id == actor.merchant_id
        )
        if actor.role != Role.ADMIN and not owner_making_clerk:
            raise Forbidden()
    _check_new_account(username, password)
    fields = {}
    if role == Role.STAFF:
        if not branch_id or db.session.get(Branch, branch_id) is None:
            fields["branch_id"] = [_l("Staff belong to a branch: choose an existing one.")]
    elif branch_id and db.session.get(Branch, branch_id) is None:
        fields["branch_id"] = [_l("Unknown branch.")]
    if role in (Role.CLERK, Role.MERCHANT):
        if not merchant_id or db.session.get(Merchant, merchant_id) is None:
            fields["merchant_id"] = [_l("Clerks and owners belong to a merchant: choose an existing one.")]
    elif merchant_id:
        fields["merchant_id"] = [_l("Only clerks and merchant owners belong to a merchant.")]
    if fields:
        raise ValidationFailed(fields)
    _ensure_username_free(username)
    user = _add_user(
        User(
            username=username,
            password_hash=hash_password(password),
            role=role,
            branch_id=branch_id if role in (Role.STAFF, Role.ADMIN) else None,
            merchant_id=merchant_id if role in (Role.CLERK, Role.MERCHANT) else None,
            display_name=_clean_optional(display_name, 64, "display_name"),
            phone=_clean_phone(phone),
            referral_code="" if role in (Role.CUSTOMER, Role.MERCHANT) else None,
        )
    )
    record(
        actor, "user.create", user, data={"role": role, "branch_id": branch_id, "merchant_id": merchant_id}
    )
    return user


def authenticate(username: str, password: str, client_address: str | None = None) -> User:
    """The user whose password this is. Failed attempts are limited per username and client
    address (API.md): a guesser elsewhere never locks the real owner out."""
    key = f"{(username or '').strip().lower()}|{client_address or '-'}"
    attempt = attempts.attempt("login", key)  # counted first: check and count are one step
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password or "") and user.is_active
    if not ok:
        raise Unauthorized(_l("Wrong username or password."))
    attempt.forgive()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed({"current_password": [_l("The current password is not right.")]})
    if errs := password_errors(new):
        raise ValidationFailed({"new_password": errs})
    user.password_hash = hash_password(new)
    revoke_all_tokens(user)
    end_sessions(user)
    record(user, "user.password_change", user)


def end_sessions(user: User) -> None:
    """Every existing web session and remember-me cookie of the user stops signing in."""
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, ["session_version"])


def update_profile(user: User, display_name: str | None, phone: str | None) -> User:
    user.display_name = _clean_optional(display_name, 64, "display_name")
    user.phone = _clean_phone(phone)
    db.session.flush()
    return user


def set_active(actor, user: User, active: bool, reason: str | None = None) -> User:
    allowed = actor.role == Role.ADMIN or (
        actor.role == Role.MERCHANT and user.role == Role.CLERK and user.merchant_id == actor.merchant_id
    )
    if not allowed or user.id == actor.id:
        raise Forbidden()
    user.active = active
    if not active:
        revoke_all_tokens(user)
        end_sessions(user)
    record(actor, "user.enable" if active else "user.disable", user, reason=reason)
    return user


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User, label: str | None = None) -> tuple[str, ApiToken]:
    """A new bearer token (256 random bits). The raw token is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(hours=current_app.config["API_TOKEN_TTL_HOURS"])
    token = ApiToken(
        user_id=user.id,
        token_hash=_digest(raw),
        label=label,
        expires_at=clock.now_utc() + ttl,
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_token(raw: str | None) -> tuple[User, ApiToken] | None:
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= clock.now_utc():
        return None
    if not token.user.is_active:
        return None
    return token.user, token


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > clock.now_utc(),
            )
            .order_by(ApiToken.created_at.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = clock.now_utc()


def revoke_all_tokens(user: User) -> None:
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now_utc())
    )


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def list_users(actor, role: str | None = None) -> list[User]:
    """Admins see everyone; staff see their branch's staff."""
    stmt = sa.select(User).order_by(User.role, User.username)
    if actor.role == Role.STAFF:
        stmt = stmt.where(User.branch_id == actor.branch_id)
    elif actor.role != Role.ADMIN:
        raise Forbidden()
    if role:
        stmt = stmt.where(User.role == role)
    return list(db.session.scalars(stmt))

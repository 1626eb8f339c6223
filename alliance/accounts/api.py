"""API endpoints: /auth/register, /auth/tokens, /me, /users."""

from __future__ import annotations

from flask import g, request

from alliance.accounts import services
from alliance.accounts.auth import current_api_user, require_api_user
from alliance.accounts.schemas import (
    RegisterSchema,
    TokenRequestSchema,
    TokenSchema,
    UserBriefSchema,
    UserCreateSchema,
    UserListArgs,
    UserSchema,
)
from alliance.core.api import api_blueprint, errors

blp = api_blueprint("accounts_api", __name__, "Registration, tokens and users")


@blp.route("/auth/register", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(RegisterSchema)
@blp.response(201, UserBriefSchema)
@errors(blp, 400, 409, 422, 429)
def register_customer(data):
    """Register a customer account."""
    return services.register_customer(
        **data, signup_from=request.remote_addr or "-", signup_kind="api_signup"
    )


@blp.route("/auth/tokens", methods=["POST"])
@blp.doc(security=[])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@errors(blp, 400, 401, 422, 429)
def create_token(data):
    """Sign in: exchange a username and password for a bearer token."""
    user = services.authenticate(data["username"], data["password"], request.remote_addr)
    raw, token = services.issue_token(user, label="api")
    return {"token": raw, "expires_at": token.expires_at, "user": user}


@blp.route("/auth/tokens/current", methods=["DELETE"])
@require_api_user()
@blp.response(204)
@errors(blp, 401)
def revoke_current_token():
    """Sign out: revoke the token used for this request."""
    services.revoke_token(current_api_user(), g.api_token.id)


@blp.route("/me", methods=["GET"])
@require_api_user()
@blp.response(200, UserSchema)
@errors(blp, 401)
def get_me():
    """The signed-in user."""
    return current_api_user()


@blp.route("/users", methods=["POST"])
@require_api_user("admin")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserSchema)
@errors(blp, 400, 401, 403, 409, 422)
def create_user(data):
    """Create a staff, admin or clerk account (admin)."""
    return services.create_user(current_api_user(), **data)


@blp.route("/users", methods=["GET"])
@require_api_user("admin", "staff")
@blp.arguments(UserListArgs, location="query")
@blp.response(200, UserSchema(many=True))
@errors(blp, 401, 403)
def list_users(args):
    """Users: every account for admins, the branch's own for staff."""
    return services.list_users(current_api_user(), role=args.get("role"))

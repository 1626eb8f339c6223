"""Domain errors and their HTTP/JSON mapping (API.md's codes), raised by services, shown by edges."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule of the business said no. `code` and `status` are the API contract."""

    code = "invalid_state"
    status = 409
    default_message = _l("This action is not allowed in the current state.")

    def __init__(self, message: Any = None, *, fields: dict | None = None, detail: Any = None):
        self.message = message if message is not None else self.default_message
        self.fields = fields
        self.detail = detail
        super().__init__(str(self.message))

    def to_dict(self) -> dict:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields is not None:
            body["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        return {"error": body}


class BadRequest(DomainError):
    code, status = "bad_request", 400
    default_message = _l("The request could not be understood.")


class Unauthorized(DomainError):
    code, status = "unauthorized", 401
    default_message = _l("Please sign in.")


class Forbidden(DomainError):
    code, status = "forbidden", 403
    default_message = _l("You are not allowed to do this.")


class WrongMerchant(DomainError):
    code, status = "wrong_merchant", 403
    default_message = _l("This voucher cannot be used at this shop.")


class NotFound(DomainError):
    code, status = "not_found", 404
    default_message = _l("Not found.")


class Conflict(DomainError):
    code, status = "conflict", 409
    default_message = _l("This clashes with something that already exists.")


class SoldOut(DomainError):
    code, status = "sold_out", 409
    default_message = _l("Sold out.")


class LimitReached(DomainError):
    code, status = "limit_reached", 409
    default_message = _l("You have reached the limit for this coupon.")


class NotClaimable(DomainError):
    code, status = "not_claimable", 409
    default_message = _l("This coupon cannot be claimed now.")


class AlreadyRedeemed(DomainError):
    code, status = "already_redeemed", 409
    default_message = _l("This voucher has already been used.")


class InvalidState(DomainError):
    code, status = "invalid_state", 409


class ValidationFailed(DomainError):
    code, status = "validation_error", 422
    default_message = _l("Some fields are not valid.")

    def __init__(self, fields: dict, message: Any = None):
        super().__init__(message, fields=fields)


class InvalidCode(DomainError):
    code, status = "invalid_code", 422
    default_message = _l("This code does not match any voucher.")


class NotValidNow(DomainError):
    code, status = "not_valid_now", 422
    default_message = _l("This voucher cannot be used at this time.")


class Expired(DomainError):
    code, status = "expired", 422
    default_message = _l("This voucher has expired.")


class MinSpendNotMet(DomainError):
    code, status = "min_spend_not_met", 422
    default_message = _l("The order does not reach the minimum spend.")


class RateLimited(DomainError):
    code, status = "rate_limited", 429
    default_message = _l("Too many attempts. Please wait a few minutes and try again.")


def error_body(code: str, message: Any, fields: dict | None = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}

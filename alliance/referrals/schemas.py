"""API shapes for referrals (API.md: Referrals and incentive cash)."""

from __future__ import annotations

from marshmallow import fields

from alliance.core.schemas import BaseSchema, Computed, Fen, LocalDateTime


class ReferralSummarySchema(BaseSchema):
    code = fields.String(required=True)
    url = fields.String(required=True)
    pending = fields.Integer(required=True)
    converted = fields.Integer(required=True)
    rewards_fen = fields.Integer(required=True)


class ReferralSchema(BaseSchema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    referee_name = Computed(lambda r: r.referee.name, fields.String(), required=True)
    status = fields.String(required=True)
    reward_fen = fields.Integer(required=True)
    capped = fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)
    converted_at = LocalDateTime(required=True, allow_none=True)


class ReferralRulesSchema(BaseSchema):
    referrer_reward_fen = Fen(required=True)
    referee_reward_fen = Fen(required=True)
    monthly_cap_fen = Fen(required=True)


class LeaderboardArgs(BaseSchema):
    month = fields.String(
        load_default=None, metadata={"description": "YYYY-MM; the current month when left out"}
    )


class LeaderboardRowSchema(BaseSchema):
    user_id = fields.Integer(required=True)
    name = fields.String(required=True)
    converted = fields.Integer(required=True)
    rewards_fen = fields.Integer(required=True)

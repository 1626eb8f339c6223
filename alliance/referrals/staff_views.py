"""Staff pages: the branch's referral rules, the monthly leaderboard with each referrer's chain, the
referrals that never converted, and the incentive cash credited and spent per month."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.money import format_fen
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, roles_required
from alliance.merchants.views.common import branch_scope
from alliance.referrals import services
from alliance.referrals.forms import RulesForm
from alliance.referrals.models import KIND_LABELS, STATUS_LABELS

bp = Blueprint("referrals_staff", __name__)
STAFF = frozenset({"staff", "admin"})


def _yuan(fen: int) -> str:
    return format_fen(fen).lstrip("¥").replace(",", "")


def _month_arg():
    try:
        return services.parse_month(request.args.get("month"))
    except DomainError:
        return clock.local_today().replace(day=1)


def _page(branch_id: int, branches, form: RulesForm | None = None, status: int = 200):
    month = _month_arg()
    rules = services.get_rules(current_user, branch_id)
    if form is None:
        form = RulesForm(
            formdata=None,
            referrer_reward=_yuan(rules.referrer_reward_fen),
            referee_reward=_yuan(rules.referee_reward_fen),
            monthly_cap=_yuan(rules.monthly_cap_fen),
        )
    board = services.leaderboard(current_user, branch_id, month)
    chains = {row["user_id"]: services.chain(row["user_id"]) for row in board[:20]}
    prev = (month.replace(day=1) - timedelta(days=1)).replace(day=1)
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return render_template(
        "alliance/referrals/staff.html",
        branch_id=branch_id,
        branches=branches,
        month=month,
        prev_month=prev.strftime("%Y-%m"),
        next_month=nxt.strftime("%Y-%m"),
        rules=rules,
        form=form,
        board=board,
        chains=chains,
        pending=services.pending(current_user, branch_id),
        figures=services.incentive_months(current_user, branch_id),
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
    ), status


@bp.route("/staff/referrals")
@roles_required("staff", "admin")
def board():
    branch_id, branches = branch_scope()
    return _page(branch_id, branches)


@bp.route("/staff/referrals/rules", methods=["POST"])
@roles_required("staff", "admin")
def save_rules():
    branch_id, branches = branch_scope()
    form = RulesForm()
    if not form.validate_on_submit():
        return _page(branch_id, branches, form, status=422)
    try:
        services.set_rules(
            current_user,
            branch_id,
            {
                "referrer_reward_fen": form.referrer_reward.fen,
                "referee_reward_fen": form.referee_reward.fen,
                "monthly_cap_fen": form.monthly_cap.fen,
            },
        )
    except DomainError as err:
        flash_error(err)
        return _page(branch_id, branches, form, status=err.status)
    flash(_("The referral rules are saved."), "success")
    return redirect(url_for("referrals_staff.board", branch_id=branch_id))


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "referrals_staff.board",
            _l("Referrals"),
            "people",
            STAFF,
            order=26,
            group=_l("Merchant management"),
        ),
    )

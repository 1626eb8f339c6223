"""The composition root: `create_app` wires extensions, blueprints, errors, commands and jobs.

`gunicorn wsgi:app` serves it; `flask --app wsgi ...` runs its commands.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale
from flask_login import current_user

# Every model module, so that migrations and create_all see the whole schema.
import alliance.accounts.models
import alliance.audit.models
import alliance.branches.models
import alliance.core.counters
import alliance.core.idempotency
import alliance.incentives.models
import alliance.merchants.models
import alliance.notifications.models
import alliance.referrals.models  # noqa: F401
import mall.coupons.models
import mall.funding.models
import mall.programme.models
import mall.promotions.models
import mall.redemption.models
import mall.reports.models
import mall.vouchers.models  # noqa: F401
from alliance.accounts import api as accounts_api
from alliance.accounts import views as accounts_views
from alliance.accounts.cli import users_cli
from alliance.branches import api as branches_api
from alliance.branches import demo as branches_demo
from alliance.branches import views as branches_views
from alliance.core import assets, clock, http, i18n, idempotency, security, web
from alliance.core import config as config_module
from alliance.core.api import docs_assets_blueprint
from alliance.core.extensions import (
    JsonErrorApi,
    attempts,
    babel,
    bootstrap,
    csrf,
    db,
    login_manager,
    migrate,
)
from alliance.core.i18n_cli import i18n_cli
from alliance.core.jobs import Job
from alliance.core.nav import items_for
from alliance.core.scheduler import jobs as scheduler_jobs
from alliance.core.scheduler.cli import scheduler_cli
from alliance.core.scheduler.service import start_background as start_scheduler
from alliance.incentives import api as incentives_api
from alliance.incentives import views as incentives_views
from alliance.merchants import api as merchants_api
from alliance.merchants import demo as merchants_demo
from alliance.merchants import jobs as merchants_jobs
from alliance.merchants import views as merchants_views
from alliance.notifications import views as notifications_views
from alliance.operations import views as operations_views
from alliance.referrals import api as referrals_api
from alliance.referrals import demo as referrals_demo
from alliance.referrals import staff_views as referrals_staff_views
from alliance.referrals import views as referrals_views
from mall.coupons import api as coupons_api
from mall.coupons import demo as coupons_demo
from mall.coupons import manage_views as coupon_admin_views
from mall.coupons import rules as coupon_rules
from mall.coupons import totals as mall_totals
from mall.coupons import views as mall_views
from mall.funding import api as funding_api
from mall.funding import demo as funding_demo
from mall.funding import hooks as funding_hooks
from mall.funding import jobs as funding_jobs
from mall.funding import staff_views as funding_staff_views
from mall.funding import views as funding_views
from mall.home import views as home_views
from mall.programme import api as programme_api
from mall.programme import demo as programme_demo
from mall.programme import jobs as programme_jobs
from mall.programme import linking as programme_linking
from mall.programme import staff_views as programme_staff_views
from mall.programme import views as programme_views
from mall.promotions import api as promotions_api
from mall.promotions import chain as promotions_chain
from mall.promotions import channel as promotions_channel
from mall.promotions import demo as promotions_demo
from mall.promotions import manage_views as promotion_admin_views
from mall.promotions import views as promotions_views
from mall.redemption import api as redemption_api
from mall.redemption import cashback, conversions
from mall.redemption import demo as redemption_demo
from mall.redemption import hooks as redemption_hooks
from mall.redemption import views as till_views
from mall.reports import api as reports_api
from mall.reports import hooks as reports_hooks
from mall.reports import jobs as reports_jobs
from mall.reports import views as reports_views
from mall.vouchers import api as vouchers_api
from mall.vouchers import demo as vouchers_demo
from mall.vouchers import jobs as voucher_jobs
from mall.vouchers import views as wallet_views

# Page features: each has a blueprint `bp` and `register_nav(app)`.
PAGES = [
    home_views,
    accounts_views,
    branches_views,
    notifications_views,
    merchants_views,
    mall_views,
    coupon_admin_views,
    wallet_views,
    till_views,
    operations_views,
    programme_views,
    programme_staff_views,
    funding_views,
    funding_staff_views,
    promotions_views,
    promotion_admin_views,
    referrals_views,
    referrals_staff_views,
    incentives_views,
    reports_views,
]

# API features: each has a flask-smorest blueprint `blp` under /api/v1.
APIS = [
    accounts_api,
    branches_api,
    merchants_api,
    coupons_api,
    vouchers_api,
    redemption_api,
    programme_api,
    funding_api,
    promotions_api,
    referrals_api,
    incentives_api,
    reports_api,
]

COMMANDS = [users_cli, i18n_cli, scheduler_cli, assets.assets_cli]

# Scheduled jobs (alliance.core.jobs.Job), run by exactly one scheduler per deployment.
JOBS: list[Job] = [
    Job("merchants.retier", merchants_jobs.retier_all, "cron", {"day": 1, "hour": 2, "minute": 30}),
    Job("merchants.cashflow", merchants_jobs.cashflow_reminders, "cron", {"hour": 9, "minute": 0}),
    idempotency.PURGE_JOB,
    voucher_jobs.EXPIRE_VOUCHERS,
    voucher_jobs.REMIND_EXPIRING,
    voucher_jobs.END_COUPONS,
    scheduler_jobs.PRUNE_RUNS,
    programme_jobs.ROLLOVER,
    programme_jobs.EVENT_REMINDERS,
    programme_jobs.FIGURES,
    funding_jobs.RECONCILE,
    reports_jobs.ROLLUP,
]

# Extra conditions on claiming a coupon (the claim and the mall list both obey them), in order.
CLAIM_RULES = [programme_linking.CLAIM_RULE, promotions_channel.CLAIM_RULE]

# What other features do when a voucher is redeemed or a redemption reversed, in order.
REDEMPTION_HOOKS = [
    reports_hooks.HOOK,
    cashback.HOOK,
    promotions_chain.HOOK,
    conversions.HOOK,
    funding_hooks.HOOK,
]

# Demo data steps, in order; each is idempotent.
DEMO: list = [
    branches_demo.seed,
    merchants_demo.seed,
    coupons_demo.seed,
    vouchers_demo.seed,
    programme_demo.seed,
    funding_demo.seed,
    promotions_demo.seed,
    referrals_demo.seed,
    redemption_demo.seed,
]


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.config.update(config_module.load(app.instance_path, overrides))
    clock.set_zone(app.config["TIMEZONE"])
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_module.ROOT / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    bootstrap.init_app(app)
    attempts.init_app(app)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.add_extension("jinja2.ext.do")
    i18n.register_filters(app)
    http.register(app)
    security.register(app)
    assets.register(app)

    # A process's recent counts of the mall's lists go with every write request it serves.
    app.teardown_request(mall_totals.forget_after_write)
    for rule in CLAIM_RULES:
        coupon_rules.add_claim_rule(rule)
    for hook in REDEMPTION_HOOKS:
        redemption_hooks.register(hook)

    for feature in PAGES:
        app.register_blueprint(feature.bp)
        feature.register_nav(app)

    api = JsonErrorApi(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for feature in APIS:
        api.register_blueprint(feature.blp)
        csrf.exempt(feature.blp)
    app.register_blueprint(docs_assets_blueprint())

    for group in COMMANDS:
        app.cli.add_command(group)
    from alliance.core.cli import demo_command, serve_command

    app.cli.add_command(demo_command(DEMO))
    app.cli.add_command(serve_command())
    app.extensions["alliance.jobs"] = JOBS
    # Wiring only: `flask serve` calls it (once per process); gunicorn workers never do.
    app.extensions["alliance.start_scheduler"] = start_scheduler

    @app.context_processor
    def layout_context():
        return {
            "nav_top": items_for(current_user, "top"),
            "nav_tabs": items_for(current_user, "tab"),
            "languages": app.config["LANGUAGES"],
            "ui_lang": str(get_locale() or "zh"),
            "current_path": web.return_path(),
        }

    return app


app = create_app()

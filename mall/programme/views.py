"""Customer pages: today's programme, festival and event pages, registration, my registrations; the feed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from alliance.accounts.forms import ConfirmForm
from alliance.branches import services as branches
from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error
from mall.home.views import add_section
from mall.programme import banners, ical, recurrence, registrations, services
from mall.programme.constants import EntryKind
from mall.programme.forms import RegisterForm

bp = Blueprint("programme", __name__)


def _district_arg() -> int | None:
    value = request.args.get("district_id", "")
    return int(value) if value.isdigit() else None


def _registered_keys() -> set[str]:
    if not current_user.is_authenticated or current_user.role != "customer":
        return set()
    return {
        f"{r.entry_id}@{r.occurrence_start:%Y%m%dT%H%M%SZ}"
        for r in registrations.my_registrations(current_user, upcoming_only=True)
    }


@bp.route("/events")
def today():
    """活动: today's deal, this week's events, this month's theme, festivals coming up."""
    district_id = _district_arg()
    now = clock.now_utc()
    day = clock.local_today()
    day_start, day_end = services.local_range(day, day)
    try:
        todays = services.calendar(None, day_start, day_end, district_id=district_id)
        week = services.calendar(
            None,
            now,
            now + timedelta(days=7),
            district_id=district_id,
            kinds=[EntryKind.WEEKLY_EVENT, EntryKind.COMMUNITY_EVENT],
        )
        coming = services.calendar(
            None,
            now,
            now + timedelta(days=45),
            district_id=district_id,
            kinds=[EntryKind.FESTIVAL, EntryKind.COMMUNITY_EVENT],
        )
    except DomainError:
        abort(404)
    deals = [o for o in todays if o.entry.kind == EntryKind.DAILY_DEAL]
    themes = [o for o in todays if o.entry.kind == EntryKind.MONTHLY_THEME]
    festivals = []
    seen = set()
    for occ in coming:
        if occ.entry.id not in seen:
            seen.add(occ.entry.id)
            festivals.append(occ)
    return render_template(
        "mall/programme/today.html",
        deals=deals,
        themes=themes,
        week=[(o, o.seats_left) for o in registrations.with_seats(week)],
        festivals=festivals,
        districts=branches.list_districts(None),
        district_id=district_id,
        registered=_registered_keys(),
        register_form=RegisterForm(),
        today=day,
        coupons_for=_coupons_for,
        claim_token=uuid.uuid4().hex,
    )


def _coupons_for(entry) -> list:
    """Coupon cards (the mall's) of the approved coupons linked to an entry."""
    from mall.coupons import cards
    from mall.programme.linking import linked_coupons

    return cards.cards_for(current_user, linked_coupons(entry))


@bp.route("/events/entries/<int:entry_id>")
def entry(entry_id: int):
    try:
        found = services.get_public_entry(entry_id)
    except DomainError:
        abort(404)
    now = clock.now_utc()
    # Cancelled dates stay in the list, marked, so a customer who planned on one learns why it is gone.
    occs = services.expand(found, now - timedelta(days=1), now + timedelta(days=62), include_cancelled=True)
    occs = [o for o in occs if o.end > now][:12]
    reasons = {c.occurrence_start: c.reason for c in found.cancellations}
    zone = services.zone_of(found)
    return render_template(
        "mall/programme/entry.html",
        entry=found,
        occs=[(o, None if o.cancelled else o.seats_left) for o in registrations.with_seats(occs)],
        cancel_reasons=reasons,
        recurrence_text=recurrence.describe(found.rrule, found.dtstart.astimezone(zone)),
        registered=_registered_keys(),
        register_form=RegisterForm(),
        is_open=services.is_open(found, now),
        first_occ=services.Occurrence(found, found.dtstart, found.dtend),
        coupons=_coupons_for(found),
        claim_token=uuid.uuid4().hex,
    )


@bp.route("/events/entries/<int:entry_id>/register", methods=["POST"])
@login_required
def register(entry_id: int):
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registrations.register(current_user, entry_id, services.parse_stamp(form.occurrence.data))
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("You are registered. Show your check-in code at the door."), "success")
            return redirect(url_for("programme.my_registrations"))
    return redirect(url_for("programme.entry", entry_id=entry_id))


QR_AHEAD = timedelta(days=7)


def qr_svg(payload: str) -> Markup:
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return Markup(image.to_string(encoding="unicode"))  # noqa: S704 - an SVG we generated ourselves


@bp.route("/me/registrations")
@login_required
def my_registrations():
    regs = registrations.my_registrations(current_user) if current_user.role == "customer" else []
    now = clock.now_utc()
    upcoming = [
        r for r in regs if r.status == "registered" and r.occurrence_start > now - timedelta(hours=12)
    ]
    upcoming.sort(key=lambda r: r.occurrence_start)
    past = [r for r in regs if r not in upcoming]
    return render_template(
        "mall/programme/my_registrations.html",
        # The door code is drawn for the coming week's events; later ones show it when they come near.
        upcoming=[
            (r, qr_svg(registrations.checkin_payload(r)) if r.occurrence_start < now + QR_AHEAD else None)
            for r in upcoming
        ],
        past=past,
        confirm_form=ConfirmForm(),
    )


@bp.route("/me/registrations/<int:registration_id>/cancel", methods=["POST"])
@login_required
def cancel_registration(registration_id: int):
    if ConfirmForm().validate_on_submit():
        try:
            registrations.cancel(current_user, registration_id)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Your registration is cancelled and the seat is free again."), "success")
    return redirect(url_for("programme.my_registrations"))


@bp.route("/programme/feeds/<token>.ics")
def feed(token: str):
    """iCalendar subscription: a signed URL, since calendar apps cannot sign in."""
    branch_id, district_id = ical.read_token(token)
    body = ical.build_feed(branch_id, district_id)
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": "inline; filename=programme.ics", "Cache-Control": "max-age=300"},
    )


@bp.route("/programme/banners/<name>")
def banner(name: str):
    return send_from_directory(banners.folder(), name, max_age=86400)


def _home_block(viewer) -> str | None:
    """首页: this month's theme and today's deals, each a tap away from its page."""
    day = clock.local_today()
    day_start, day_end = services.local_range(day, day)
    todays = services.calendar(
        None, day_start, day_end, kinds=[EntryKind.MONTHLY_THEME, EntryKind.DAILY_DEAL]
    )
    if not todays:
        return None
    return render_template(
        "mall/programme/_home.html",
        themes=[o for o in todays if o.entry.kind == EntryKind.MONTHLY_THEME],
        deals=[o for o in todays if o.entry.kind == EntryKind.DAILY_DEAL],
    )


def register_nav(app) -> None:
    add_section(app, 10, _home_block)
    tab_roles = frozenset({"anonymous", "customer"})
    add_nav(
        app,
        NavItem(
            "programme.today",
            _l("Events"),
            "calendar-event",
            tab_roles,
            order=25,  # between the mall (领券) and the wallet (我的券)
            place="tab",
            prefix="/events",
        ),
    )
    add_nav(
        app,
        NavItem(
            "programme.my_registrations",
            _l("My registrations"),
            "calendar-check",
            frozenset({"customer"}),
            order=50,
            place="account",
        ),
    )

"""Staff pages: the programme calendar (month and week), entries, cancellations, feeds, check-in."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.branches import services as branches
from alliance.branches.models import District
from alliance.core import clock
from alliance.core.errors import DomainError
from alliance.core.extensions import db
from alliance.core.i18n import localtime
from alliance.core.nav import NavItem, add_nav
from alliance.core.web import flash_error, form_errors_from, roles_required
from alliance.merchants.models import Merchant
from mall.programme import banners, ical, linking, recurrence, registrations, services
from mall.programme.constants import CAMPAIGN_KINDS, KIND_LABELS, EntryKind
from mall.programme.forms import CancelOccurrenceForm, CheckinForm, EntryForm

bp = Blueprint("programme_staff", __name__, url_prefix="/staff/programme")

STAFF = ("staff", "admin")


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else clock.local_today()
    except ValueError:
        return clock.local_today()


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def month_grid(first: date) -> list[list[date]]:
    """Weeks (Monday first) covering the month of `first`."""
    start = first - timedelta(days=first.weekday())
    _, last = services.month_bounds(first)
    weeks = []
    day = start
    while day <= last:
        weeks.append([day + timedelta(days=n) for n in range(7)])
        day += timedelta(days=7)
    return weeks


@bp.route("/calendar")
@roles_required(*STAFF)
def calendar():
    view = request.args.get("view", "month")
    if view not in ("month", "week"):
        view = "month"
    anchor = _parse_day(request.args.get("date"))
    branch_choices = branches.list_branches(current_user)
    branch_id = _int_arg("branch_id")
    if current_user.role == "staff":
        branch_id = current_user.branch_id
    district_id = _int_arg("district_id")
    kind = request.args.get("kind") or None
    if kind not in {k.value for k in EntryKind}:
        kind = None
    if view == "month":
        first, last = services.month_bounds(anchor)
        prev_anchor, next_anchor = first - timedelta(days=1), last + timedelta(days=1)
    else:
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        prev_anchor, next_anchor = first - timedelta(days=7), first + timedelta(days=7)
    start, end = services.local_range(first, last)
    try:
        occs = services.calendar(
            current_user,
            start,
            end,
            branch_id=branch_id,
            district_id=district_id,
            kinds=[kind] if kind else None,
            include_cancelled=True,
        )
    except DomainError as err:
        flash_error(err)
        occs = []
    by_day: dict[date, list] = {}
    banner_occs = []
    for occ in occs:
        if occ.entry.kind == EntryKind.MONTHLY_THEME:
            banner_occs.append(occ)
            continue
        for day in occ.local_days:
            by_day.setdefault(day, []).append(occ)
    districts = branches.list_districts(current_user, branch_id=branch_id)
    feeds = []
    for branch in branch_choices:
        if branch_id and branch.id != branch_id:
            continue
        feeds.append(
            (branch.name, url_for("programme.feed", token=ical.feed_token(branch.id), _external=True))
        )
        for d in branch.districts:
            feeds.append(
                (
                    f"{branch.name} · {d.name}",
                    url_for("programme.feed", token=ical.feed_token(branch.id, d.id), _external=True),
                )
            )
    return render_template(
        "mall/programme/staff/calendar.html",
        view=view,
        anchor=anchor,
        first=first,
        last=last,
        weeks=month_grid(first) if view == "month" else [[first + timedelta(days=n) for n in range(7)]],
        by_day=by_day,
        banner_occs=banner_occs,
        occs=occs,
        prev_anchor=prev_anchor,
        next_anchor=next_anchor,
        today=clock.local_today(),
        branches=branch_choices,
        districts=districts,
        branch_id=branch_id,
        district_id=district_id,
        kind=kind,
        kinds=KIND_LABELS,
        feeds=feeds,
    )


def _fill_choices(form: EntryForm, branch_id: int | None) -> None:
    branch_list = branches.list_branches(current_user)
    form.branch_id.choices = [(b.id, b.name) for b in branch_list]
    own = [b.id for b in branch_list]
    # Only a branch this user manages lends its shops and coupons to the choices.
    chosen = branch_id if branch_id in own else (own[0] if own else None)
    form.district_ids.choices = [
        (d.id, d.name) for d in branches.list_districts(current_user, branch_id=chosen)
    ]
    merchants = db.session.scalars(
        sa.select(Merchant)
        .join(District, District.id == Merchant.district_id)
        .where(Merchant.status == "active", District.branch_id == chosen)
        .order_by(Merchant.name)
    ).all()
    form.merchant_ids.choices = [(m.id, m.name) for m in merchants]
    form.coupon_ids.choices = (
        [(c.id, f"{c.title} · {c.merchant.name}") for c in linking.linkable_coupons(chosen)] if chosen else []
    )


def _entry_data(form: EntryForm, kind: str, banner_path: str | None) -> services.EntryData:
    dtstart, dtend, all_day, rule = services.plain_timing(
        kind,
        form.first_day.data,
        form.last_day.data,
        form.start_time.data,
        form.end_time.data,
        form.recurrence.data,
        form.weekdays.data,
        form.until.data,
    )
    return services.EntryData(
        kind=kind,
        title=form.title.data,
        branch_id=form.branch_id.data,
        dtstart=dtstart,
        dtend=dtend,
        all_day=all_day,
        rrule=rule,
        event_format=form.event_format.data if kind == EntryKind.WEEKLY_EVENT else None,
        description=form.description.data,
        place=form.place.data,
        online_url=form.online_url.data,
        colour=form.colour.data if kind == EntryKind.MONTHLY_THEME else None,
        capacity=form.capacity.data,
        status=form.status.data,
        district_ids=form.district_ids.data or [],
        merchant_ids=form.merchant_ids.data or [],
        coupon_ids=(form.coupon_ids.data or []) if kind in CAMPAIGN_KINDS else [],
    )


def _save(form: EntryForm, kind: str, entry=None):
    banner_path = entry.banner_path if entry is not None else None
    try:
        if form.banner.data and getattr(form.banner.data, "filename", ""):
            banner_path = banners.store(form.banner.data.stream)
        data = _entry_data(form, kind, banner_path)
        if entry is None:
            saved, warnings = services.create_entry(current_user, data)
        else:
            saved, warnings = services.update_entry(current_user, entry.id, data)
        saved.banner_path = banner_path
    except DomainError as err:
        form_errors_from(err, form)
        return None
    for warning in warnings:
        flash(warning, "warning")
    return saved


@bp.route("/entries/new/<kind>", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_entry(kind: str):
    if kind not in {k.value for k in EntryKind}:
        abort(404)
    form = EntryForm()
    if request.method == "GET":
        form.first_day.data = _parse_day(request.args.get("date"))
        form.status.data = "draft"  # a new entry starts as a draft: nobody sees it until it is published
        if kind == EntryKind.DAILY_DEAL or kind == EntryKind.WEEKLY_EVENT:
            form.recurrence.data = recurrence.WEEKLY
    _fill_choices(form, form.branch_id.data if request.method == "POST" else None)
    if form.validate_on_submit():
        saved = _save(form, kind)
        if saved is not None:
            flash(_("%(title)s is saved.", title=saved.title), "success")
            return redirect(url_for("programme_staff.entry", entry_id=saved.id))
    return render_template(
        "mall/programme/staff/entry_form.html", form=form, kind=EntryKind(kind), entry=None
    )


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_entry(entry_id: int):
    try:
        entry = services.get_entry_for_staff(current_user, entry_id)
    except DomainError:
        abort(404)
    form = EntryForm(obj=None)
    if request.method == "GET":
        zone = services.zone_of(entry)
        local_start = entry.dtstart.astimezone(zone)
        local_end = entry.dtend.astimezone(zone)
        parsed = recurrence.parse_rrule(entry.rrule, zone)
        form.title.data = entry.title
        form.branch_id.data = entry.branch_id
        form.district_ids.data = [d.id for d in entry.districts]
        form.merchant_ids.data = [m.id for m in entry.merchants]
        form.coupon_ids.data = entry.coupon_ids
        form.event_format.data = entry.event_format
        form.first_day.data = local_start.date()
        form.last_day.data = (
            (local_end - timedelta(microseconds=1)).date() if entry.all_day else local_end.date()
        )
        form.start_time.data = None if entry.all_day else local_start.time()
        form.end_time.data = None if entry.all_day else local_end.time()
        form.recurrence.data = parsed.choice
        form.weekdays.data = parsed.weekdays
        form.until.data = parsed.until
        form.place.data = entry.place
        form.online_url.data = entry.online_url
        form.capacity.data = entry.capacity
        form.colour.data = entry.colour or entry.display_colour
        form.description.data = entry.description
        form.status.data = entry.status
    _fill_choices(form, form.branch_id.data)
    if form.validate_on_submit():
        saved = _save(form, entry.kind, entry)
        if saved is not None:
            flash(_("%(title)s is saved.", title=saved.title), "success")
            return redirect(url_for("programme_staff.entry", entry_id=saved.id))
    return render_template(
        "mall/programme/staff/entry_form.html", form=form, kind=entry.kind_enum, entry=entry
    )


@bp.route("/entries/<int:entry_id>")
@roles_required(*STAFF)
def entry(entry_id: int):
    try:
        found = services.get_entry_for_staff(current_user, entry_id)
    except DomainError:
        abort(404)
    now = clock.now_utc()
    upcoming = services.expand(
        found, now - timedelta(days=31), now + timedelta(days=93), include_cancelled=True
    )
    rows = [
        (occ, occ.seats_left if found.registrable else None)
        for occ in registrations.with_seats(upcoming[:60])
    ]
    zone = services.zone_of(found)
    return render_template(
        "mall/programme/staff/entry.html",
        entry=found,
        rows=rows,
        recurrence_text=recurrence.describe(found.rrule, found.dtstart.astimezone(zone)),
        warnings=services.overlap_warnings(found),
        first_occ=services.Occurrence(found, found.dtstart, found.dtend),
        cancel_form=CancelOccurrenceForm(),
        now=now,
    )


@bp.route("/entries/<int:entry_id>/cancel", methods=["POST"])
@roles_required(*STAFF)
def cancel_occurrence(entry_id: int):
    form = CancelOccurrenceForm()
    if form.validate_on_submit():
        try:
            services.cancel_occurrence(
                current_user, entry_id, services.parse_stamp(form.occurrence.data), form.reason.data
            )
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("The occurrence is cancelled; registered customers are told."), "success")
    return redirect(url_for("programme_staff.entry", entry_id=entry_id))


@bp.route("/entries/<int:entry_id>/restore", methods=["POST"])
@roles_required(*STAFF)
def restore_occurrence(entry_id: int):
    form = CancelOccurrenceForm()
    if form.validate_on_submit():
        try:
            services.restore_occurrence(current_user, entry_id, services.parse_stamp(form.occurrence.data))
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("The occurrence takes place again."), "success")
    return redirect(url_for("programme_staff.entry", entry_id=entry_id))


@bp.route("/entries/<int:entry_id>/attendees/<stamp>")
@roles_required(*STAFF)
def attendees(entry_id: int, stamp: str):
    try:
        entry = services.get_entry_for_staff(current_user, entry_id)
        start = services.parse_stamp(stamp)
        regs = registrations.attendees(current_user, entry_id, start)
    except DomainError:
        abort(404)
    return render_template("mall/programme/staff/attendees.html", entry=entry, start=start, regs=regs)


@bp.route("/entries/<int:entry_id>/attendees/<stamp>.csv")
@roles_required(*STAFF)
def attendees_csv(entry_id: int, stamp: str):
    try:
        entry = services.get_entry_for_staff(current_user, entry_id)
        start = services.parse_stamp(stamp)
        regs = registrations.attendees(current_user, entry_id, start)
    except DomainError:
        abort(404)
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet programs read UTF-8
    writer = csv.writer(out)
    writer.writerow([_("Customer"), _("Phone"), _("Registered at"), _("Status"), _("Checked in")])
    for r in regs:
        writer.writerow(
            [
                _csv_cell(r.user.name),
                _csv_cell(r.user.phone or ""),
                localtime(r.created_at, "short"),
                _("Registered") if r.status == "registered" else _("Cancelled"),
                localtime(r.checked_in_at, "time") if r.checked_in_at else "",
            ]
        )
    name = f"attendees-{entry.id}-{stamp}.csv"
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": f"attachment; filename={name}"}
    )


def _csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@bp.route("/checkin", methods=["GET", "POST"])
@roles_required(*STAFF)
def checkin():
    form = CheckinForm()
    result = None
    if form.validate_on_submit():
        try:
            result = registrations.check_in(current_user, form.payload.data)
        except DomainError as err:
            flash_error(err)
        else:
            flash(_("Welcome, %(name)s!", name=result.user.name), "success")
        form.payload.data = ""
    return render_template("mall/programme/staff/checkin.html", form=form, result=result)


def register_nav(app) -> None:
    add_nav(
        app,
        NavItem(
            "programme_staff.calendar",
            _l("Calendar"),
            "calendar3",
            frozenset(STAFF),
            order=30,
            group=_l("Programme"),
        ),
    )
    add_nav(
        app,
        NavItem(
            "programme_staff.checkin",
            _l("Check-in"),
            "qr-code-scan",
            frozenset(STAFF),
            order=31,
            group=_l("Programme"),
        ),
    )

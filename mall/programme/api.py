"""API endpoints: the programme calendar, entries for staff, registrations and check-in."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.core.api import api_blueprint, errors
from mall.programme import registrations, services
from mall.programme.schemas import (
    CalendarArgs,
    CancellationSchema,
    CheckinResultSchema,
    CheckinSchema,
    EntryInSchema,
    EntryQueryArgs,
    EntrySchema,
    OccurrenceSchema,
    RegistrationCreateSchema,
    RegistrationSchema,
)

blp = api_blueprint(
    "programme_api", __name__, "The programme: daily deals, weekly events, monthly themes, festivals"
)


def _entry_data(data: dict) -> services.EntryData:
    return services.EntryData(
        kind=data["kind"],
        title=data["title"],
        branch_id=data["branch_id"],
        dtstart=data["dtstart"],
        dtend=data["dtend"],
        all_day=data.get("all_day", False),
        rrule=data.get("rrule"),
        event_format=data.get("event_format"),
        description=data.get("description"),
        place=data.get("place"),
        online_url=data.get("online_url"),
        colour=data.get("colour"),
        capacity=data.get("capacity"),
        status=data.get("status", "published"),
        district_ids=data.get("district_ids") or [],
        merchant_ids=data.get("merchant_ids") or [],
        coupon_ids=data.get("coupon_ids") or [],
    )


@blp.route("/programme/calendar", methods=["GET"])
@blp.doc(security=[])
@blp.arguments(CalendarArgs, location="query")
@blp.response(200, OccurrenceSchema(many=True))
@errors(blp, 404, 422)
def get_programme_calendar(args):
    """Occurrences between `from` and `to`, expanded from their recurrence (cancelled ones left out)."""
    occurrences = services.calendar(
        current_api_user(),
        args["from_"],
        args["to"],
        branch_id=args.get("branch_id"),
        district_id=args.get("district_id"),
        kinds=args.get("kind"),
    )
    return registrations.with_seats(occurrences)


@blp.route("/programme/entries", methods=["GET"])
@require_api_user("staff", "admin")
@blp.arguments(EntryQueryArgs, location="query")
@blp.response(200, EntrySchema(many=True))
@errors(blp, 401, 403)
def list_programme_entries(args):
    """Entries of the caller's branch (staff) or all branches (admin)."""
    return services.list_entries(current_api_user(), kind=args.get("kind"), branch_id=args.get("branch_id"))


@blp.route("/programme/entries", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(EntryInSchema)
@blp.response(201, EntrySchema)
@errors(blp, 400, 401, 403, 422)
def create_programme_entry(data):
    """Create an entry (staff of its branch, admin)."""
    entry, _warnings = services.create_entry(current_api_user(), _entry_data(data))
    return entry


@blp.route("/programme/entries/<int:entry_id>", methods=["GET"])
@require_api_user("staff", "admin")
@blp.response(200, EntrySchema)
@errors(blp, 401, 403, 404)
def get_programme_entry(entry_id):
    """One entry."""
    return services.get_entry_for_staff(current_api_user(), entry_id)


@blp.route("/programme/entries/<int:entry_id>", methods=["PUT"])
@require_api_user("staff", "admin")
@blp.arguments(EntryInSchema)
@blp.response(200, EntrySchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def update_programme_entry(data, entry_id):
    """Replace an entry's fields (its kind stays)."""
    entry, _warnings = services.update_entry(current_api_user(), entry_id, _entry_data(data))
    return entry


@blp.route("/programme/entries/<int:entry_id>", methods=["DELETE"])
@require_api_user("staff", "admin")
@blp.response(204)
@errors(blp, 401, 403, 404, 409)
def delete_programme_entry(entry_id):
    """Delete an entry nobody registered for (409 `invalid_state` otherwise)."""
    services.delete_entry(current_api_user(), entry_id)


@blp.route("/programme/entries/<int:entry_id>/cancellations", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(CancellationSchema)
@blp.response(201, EntrySchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def cancel_occurrence(data, entry_id):
    """Cancel one occurrence (an EXDATE); registered customers are told."""
    services.cancel_occurrence(current_api_user(), entry_id, data["occurrence_start"], data.get("reason"))
    return services.get_entry_for_staff(current_api_user(), entry_id)


@blp.route("/programme/entries/<int:entry_id>/registrations", methods=["POST"])
@require_api_user("customer")
@blp.arguments(RegistrationCreateSchema)
@blp.response(201, RegistrationSchema)
@errors(blp, 400, 401, 403, 404, 409, 422)
def register_for_occurrence(data, entry_id):
    """Register for one occurrence; 409 `sold_out` when it is fully booked, `conflict` when registered."""
    return registrations.register(current_api_user(), entry_id, data["occurrence_start"])


@blp.route("/me/registrations", methods=["GET"])
@require_api_user("customer")
@blp.response(200, RegistrationSchema(many=True))
@errors(blp, 401, 403)
def list_my_registrations():
    """The caller's registrations, newest occurrence first, with check-in payloads for active ones."""
    return registrations.my_registrations(current_api_user())


@blp.route("/me/registrations/<int:registration_id>", methods=["DELETE"])
@require_api_user("customer")
@blp.response(200, RegistrationSchema)
@errors(blp, 401, 403, 404, 409)
def cancel_registration(registration_id):
    """Give the seat back before the event begins."""
    return registrations.cancel(current_api_user(), registration_id)


@blp.route("/programme/checkins", methods=["POST"])
@require_api_user("staff", "admin")
@blp.arguments(CheckinSchema)
@blp.response(201, CheckinResultSchema)
@errors(blp, 400, 401, 403, 409, 422)
def check_in_registration(data):
    """Admit the holder of a check-in QR (staff at the door)."""
    return registrations.check_in(current_api_user(), data["payload"])

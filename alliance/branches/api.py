"""API endpoints: /branches and /districts."""

from __future__ import annotations

from alliance.accounts.auth import current_api_user, require_api_user
from alliance.branches import services
from alliance.branches.schemas import (
    BranchInSchema,
    BranchSchema,
    DistrictInSchema,
    DistrictListArgs,
    DistrictSchema,
)
from alliance.core.api import api_blueprint, errors

blp = api_blueprint("branches_api", __name__, "Branches (网点) and business districts (商圈)")


@blp.route("/branches", methods=["POST"])
@require_api_user("admin")
@blp.arguments(BranchInSchema)
@blp.response(201, BranchSchema)
@errors(blp, 400, 401, 403, 409, 422)
def create_branch(data):
    """Create a branch (admin)."""
    return services.create_branch(current_api_user(), data["name"], data.get("address"))


@blp.route("/branches", methods=["GET"])
@require_api_user("admin", "staff")
@blp.response(200, BranchSchema(many=True))
@errors(blp, 401, 403)
def list_branches():
    """Branches: all for admins, their own for staff."""
    return services.list_branches(current_api_user())


@blp.route("/branches/<int:branch_id>", methods=["GET"])
@require_api_user("admin", "staff")
@blp.response(200, BranchSchema)
@errors(blp, 401, 403, 404)
def get_branch(branch_id):
    """One branch."""
    return services.get_branch(branch_id, current_api_user())


@blp.route("/districts", methods=["POST"])
@require_api_user("admin", "staff")
@blp.arguments(DistrictInSchema)
@blp.response(201, DistrictSchema)
@errors(blp, 400, 401, 403, 409, 422)
def create_district(data):
    """Create a business district (admin, or staff in their own branch)."""
    return services.create_district(
        current_api_user(), data["name"], data["branch_id"], data.get("description")
    )


@blp.route("/districts", methods=["GET"])
@blp.doc(security=[])
@blp.arguments(DistrictListArgs, location="query")
@blp.response(200, DistrictSchema(many=True))
def list_districts(args):
    """Districts. Staff see their own branch's; customers and visitors see the public directory."""
    return services.list_districts(current_api_user(), branch_id=args.get("branch_id"))


@blp.route("/districts/<int:district_id>", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, DistrictSchema)
@errors(blp, 404)
def get_district(district_id):
    """One district."""
    return services.get_district(district_id, current_api_user())

"""Builders for the alliance's tests: merchants in any status, figures, policies, through the services."""

from __future__ import annotations

import itertools
from datetime import date

from alliance.core import clock
from alliance.merchants.constants import FIGURES, MerchantStatus
from alliance.merchants.models import Merchant
from alliance.merchants.services import figures as figure_services
from alliance.merchants.services import membership, tiering
from alliance.merchants.tiers import RANKED_TIERS
from tests import factories

_seq = itertools.count(1)

WAN = 1_000_000  # fen in 10k yuan

# A simple ladder: tier A needs 400万 in a figure, B 300万, C 200万, D 100万.
LADDER = {tier: {str(f): (4 - i) * 100 * WAN for f in FIGURES} for i, tier in enumerate(RANKED_TIERS)}


def merchant(
    district=None,
    status: str = MerchantStatus.ACTIVE,
    *,
    name: str | None = None,
    industry: str = "catering",
    store_type: str | None = "restaurant",
    format: str = "street_shop",
    owner: bool = True,
    reviewer=None,
    **extra,
) -> Merchant:
    """A merchant applied through the service (with its owner), then moved to `status`."""
    district = district or factories.district()
    n = next(_seq)
    m, _user = membership.apply_for_membership(
        username=f"owner{n}x",
        password=factories.PASSWORD,
        name=name or f"Shop {n}",
        district_id=district.id,
        format=format,
        industry=industry,
        store_type=store_type,
        **extra,
    )
    if status == MerchantStatus.PENDING:
        return m
    admin = reviewer or _admin()
    if status == MerchantStatus.REJECTED:
        membership.review(admin, m.id, "reject", "not a fit")
        return m
    membership.review(admin, m.id, "approve")
    if status == MerchantStatus.SUSPENDED:
        membership.suspend(admin, m.id, "late fees")
    elif status == MerchantStatus.REMOVED:
        membership.remove(admin, m.id, "fraud")
    return m


def _admin():
    import sqlalchemy as sa

    from alliance.accounts.models import User
    from alliance.core.extensions import db

    return db.session.scalar(sa.select(User).where(User.role == "admin").limit(1)) or factories.user("admin")


def owner_of(m: Merchant):
    from alliance.accounts.models import User
    from alliance.core.extensions import db

    return db.session.query(User).filter_by(merchant_id=m.id, role="merchant").first()


def policy(branch_id: int, thresholds=None, required: int = 1, actor=None):
    return tiering.save_policy(actor or _admin(), branch_id, thresholds or LADDER, required)


def set_figures(m: Merchant, month: date | None = None, actor=None, **values):
    month = month or clock.local_today().replace(day=1)
    data = {str(f): values.get(str(f).replace("_fen", ""), values.get(str(f), 0)) for f in FIGURES}
    data["transaction_count"] = values.get("transaction_count", 0)
    return figure_services.set_figures(actor or _admin(), m.id, month, data)


def bulk_merchants(
    district, count: int, *, status: str = MerchantStatus.ACTIVE, prefix: str = "Bulk"
) -> list[int]:
    """Many merchants at once (no owner accounts): for imports and listing speed."""
    import sqlalchemy as sa

    from alliance.core.extensions import db

    now = clock.now_utc()
    start = next(_seq)
    rows = [
        {
            "name": f"{prefix} {start}-{i:05d}",
            "district_id": district.id,
            "format": "street_shop",
            "industry": ("catering", "clothing", "trading", "travel")[i % 4],
            "store_type": ("restaurant", "clothing_shop", "convenience", "hotel")[i % 4],
            "status": status,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    db.session.execute(sa.insert(Merchant), rows)
    return list(
        db.session.scalars(
            sa.select(Merchant.id).where(Merchant.name.like(f"{prefix} {start}-%")).order_by(Merchant.id)
        )
    )


VALID_CREDIT_CODE = "91350100M000100Y43"  # a published example: its check character is right


def licence_photo(fmt: str = "JPEG") -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (240, 236, 220)).save(buffer, fmt)
    return buffer.getvalue()


def application_fields(**overrides) -> dict:
    """What the web application asks beyond the shop: the business in law and whom to call (the licence
    photo is a fresh upload each call)."""
    import io

    return {
        "legal_name": "杭州老王餐饮有限公司",
        "credit_code": VALID_CREDIT_CODE,
        "contact_name": "王老板",
        "contact_mobile": "138 0000 1234",
        "address": "老街 12 号",
        "licence": (io.BytesIO(licence_photo()), "licence.jpg"),
        **overrides,
    }

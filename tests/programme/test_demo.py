"""The programme demo: a food month with restaurants' offers, and a Wednesday offer on the Wednesday deal."""

from __future__ import annotations

import wsgi
from mall.programme.constants import EntryKind
from mall.programme.models import ProgrammeEntry


def test_the_food_month_gathers_restaurants_and_the_wednesday_deal_a_wednesday_offer(app, db):
    for _ in range(2):  # idempotent: a second run links nothing more
        for step in wsgi.DEMO:
            step()
            db.session.commit()
    entries = {e.kind: e for e in db.session.query(ProgrammeEntry).all()}
    theme = entries[EntryKind.MONTHLY_THEME]
    deal = entries[EntryKind.DAILY_DEAL]
    assert theme.coupons and len(theme.coupons) <= 3
    assert {c.merchant.industry for c in theme.coupons} == {"catering"}
    assert sum(m.industry == "catering" for m in theme.merchants) >= 2
    assert len(deal.coupons) == 1 and 3 in deal.coupons[0].weekdays
    assert deal.coupons[0].merchant.industry == "catering"

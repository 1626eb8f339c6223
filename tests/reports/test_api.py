"""`GET /reports/merchants/<id>` and `GET /reports/branches/<id>` as API.md's "Reports" says."""

from __future__ import annotations

import pytest

from mall.reports import jobs
from tests import factories
from tests.mall import factories as mf


@pytest.fixture
def rolled(world):
    jobs.rollup()
    return world


def test_merchant_report_for_its_owner(client, rolled):
    url = f"/api/v1/reports/merchants/{rolled['shop'].id}?from=2026-12-01&to=2026-12-02&group=day"
    response = client.get(url, headers=factories.auth(rolled["owner"]))
    assert response.status_code == 200, response.json
    body = response.json
    assert [r["period"] for r in body["rows"]] == ["2026-12-01", "2026-12-02"]
    assert body["rows"][0] == {
        "claimed": 3,
        "redeemed": 1,
        "redemption_rate": 0.3333,
        "discount_fen": 2000,
        "bank_fen": 0,
        "order_fen": 15000,
        "new_customers": 1,
        "partner_customers": 0,
        "period": "2026-12-01",
    }
    assert body["totals"]["redeemed"] == 3 and body["totals"]["order_fen"] == 45000
    assert body["coupons"] == [
        {
            "coupon_id": rolled["coupon"].id,
            "title": "满100减20",
            "claimed": 4,
            "redeemed": 3,
            "discount_fen": 6000,
        }
    ]
    staff = client.get(url, headers=factories.auth(rolled["staff"]))
    assert staff.status_code == 200 and staff.json["rows"] == body["rows"]


def test_merchant_report_refusals(client, rolled):
    base = f"/api/v1/reports/merchants/{rolled['shop'].id}"
    assert client.get(base).status_code == 401
    assert client.get(base, headers=factories.auth(rolled["clerk"])).json["error"]["code"] == "forbidden"
    other = mf.owner(rolled["partner"])
    assert client.get(base, headers=factories.auth(other)).json["error"]["code"] == "not_found"
    bad = client.get(base + "?group=year", headers=factories.auth(rolled["owner"]))
    assert bad.status_code == 422 and "group" in bad.json["error"]["fields"]
    backwards = client.get(base + "?from=2026-12-02&to=2026-12-01", headers=factories.auth(rolled["owner"]))
    assert backwards.status_code == 422 and "from" in backwards.json["error"]["fields"]
    assert client.get(base + "?from=12/01", headers=factories.auth(rolled["owner"])).status_code == 422


def test_branch_report(client, rolled):
    url = f"/api/v1/reports/branches/{rolled['branch'].id}?from=2026-12-01&to=2026-12-02&group=month"
    response = client.get(url, headers=factories.auth(rolled["staff"]))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["rows"] == [dict(body["totals"], period="2026-12")]
    assert (body["totals"]["claimed"], body["totals"]["redeemed"], body["totals"]["discount_fen"]) == (
        4,
        4,
        8000,
    )
    assert [(m["name"], m["redeemed"]) for m in body["merchants"]] == [("海底捞东湖店", 3), ("理发小铺", 1)]
    assert body["merchants"][0]["last_redeemed_at"].startswith("2026-12-02T10:20:00+08:00")
    assert body["dormant"] == [] and body["programme"] == [] and body["budgets"] == []
    assert body["referrals"] == {"pending": 0, "converted": 0, "rewards_fen": 0}
    partner_only = client.get(
        url + f"&district_id={rolled['d2'].id}", headers=factories.auth(rolled["staff"])
    ).json
    assert partner_only["totals"]["redeemed"] == 1


def test_branch_report_refusals(client, rolled):
    url = f"/api/v1/reports/branches/{rolled['branch'].id}"
    assert client.get(url, headers=factories.auth(rolled["owner"])).status_code == 403
    other = factories.user("staff", branch_id=factories.branch("别的支行").id)
    assert client.get(url, headers=factories.auth(other)).status_code == 404
    assert client.get(url + "?tier=Z", headers=factories.auth(rolled["staff"])).status_code == 422
    assert (
        client.get("/api/v1/reports/branches/999999", headers=factories.auth(rolled["staff"])).status_code
        == 404
    )

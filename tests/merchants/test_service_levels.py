"""Service packages per level: suggested until the branch writes its own; what each costs in merchants."""

import pytest

from alliance.core.errors import NotFound, ValidationFailed
from alliance.merchants.services import service_levels
from tests import factories
from tests.merchants import factories as mf


@pytest.fixture
def east(db):
    branch = factories.branch("East")
    district = factories.district(branch, "Wanda")
    staff = factories.user("staff", branch_id=branch.id)
    return branch, district, staff


def test_every_level_has_a_suggested_package_until_the_branch_writes_one(app, db, east):
    branch, _, staff = east
    with app.test_request_context("/"):
        packages = service_levels.packages(branch.id)
        assert list(packages) == ["a", "b", "c", "d", "e"]
        assert not any(p.saved for p in packages.values())
        assert "专属客户经理" in packages["a"].rights
    service_levels.save_package(staff, branch.id, "a", "头部尊享", "- 专属客户经理\n\n• 优先窗口\n")
    saved = service_levels.packages(branch.id)["a"]
    assert saved.saved and saved.name == "头部尊享" and saved.rights == ("专属客户经理", "优先窗口")
    service_levels.save_package(staff, branch.id, "a", "头部尊享2", "讲座")
    assert service_levels.packages(branch.id)["a"].rights == ("讲座",)


def test_counts_per_level_and_the_merchants_own_package(db, east):
    branch, district, staff = east
    mf.policy(branch.id)
    top = mf.merchant(district)
    mf.set_figures(top, acquiring_volume=400 * mf.WAN)
    mf.merchant(district)
    mf.merchant(district)
    assert service_levels.level_counts(branch.id) == {"a": 1, "b": 0, "c": 0, "d": 0, "e": 2}
    service_levels.save_package(staff, branch.id, "a", "头部尊享", "专属客户经理")
    assert service_levels.package_for(top).name == "头部尊享"


def test_package_checks(db, east):
    branch, _, staff = east
    with pytest.raises(ValidationFailed) as caught:
        service_levels.save_package(staff, branch.id, "b", "", "")
    assert set(caught.value.fields) == {"name", "rights"}
    with pytest.raises(ValidationFailed):
        service_levels.save_package(staff, branch.id, "b", "x", "\n".join(["r"] * 21))
    with pytest.raises(NotFound):
        service_levels.save_package(staff, branch.id, "z", "x", "y")
    with pytest.raises(NotFound):
        service_levels.save_package(factories.user("staff"), branch.id, "b", "x", "y")


def test_the_service_levels_page_edits_a_package_and_keeps_typing_on_error(client, db, east):
    branch, _, staff = east
    db.session.commit()
    factories.login(client, staff)
    page = client.get("/staff/service-levels").get_data(as_text=True)
    assert "a 级 · 头部服务体系" in page and "建议" in page
    bad = client.post("/staff/service-levels/b", data={"level-b-name": "腰部套餐", "level-b-rights": ""})
    assert bad.status_code == 200 and 'value="腰部套餐"' in bad.get_data(as_text=True)
    ok = client.post(
        "/staff/service-levels/b", data={"level-b-name": "腰部套餐", "level-b-rights": "优先窗口"}
    )
    assert ok.status_code == 302
    assert service_levels.packages(branch.id)["b"].name == "腰部套餐"
    assert client.post("/staff/service-levels/q", data={}).status_code == 404

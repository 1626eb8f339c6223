"""Browser tests' shared setting: the alliance's demo branches and merchants."""

import pytest


@pytest.fixture
def alliance_demo(app, db):
    from alliance.branches import demo as branches_demo
    from alliance.merchants import demo as merchants_demo

    branches_demo.seed()
    merchants_demo.seed()
    db.session.commit()

"""Extension points are wired by create_app: the programme's claim rule and the redemption hooks."""

from __future__ import annotations

from mall.coupons import rules
from mall.redemption import hooks


def test_create_app_registers_the_programme_claim_rule_and_the_cashback_hook(app):
    assert "programme" in [rule.name for rule in rules._claim_rules]
    registered = hooks.registered()
    # Chain rewards (promotions) come after cashback, as wsgi.REDEMPTION_HOOKS lists them.
    assert "cashback" in registered and registered.index("cashback") < registered.index("promotions")
    assert "promotions.channel" in [rule.name for rule in rules._claim_rules]


def test_registering_a_hook_twice_by_name_keeps_one(monkeypatch):
    monkeypatch.setattr(hooks, "_hooks", [])
    seen = []
    hook = hooks.RedemptionHook("probe-twice", after_redeem=lambda e: seen.append(e))
    hooks.register(hook)
    hooks.register(hook)
    assert hooks.registered() == ["probe-twice"]
    hooks.after_redeem(hooks.RedemptionEvent(None, None, None, None))
    assert len(seen) == 1

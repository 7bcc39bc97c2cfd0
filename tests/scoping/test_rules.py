"""Rules to Visibility: who a rule applies to, which namespaces and kinds it names."""

from __future__ import annotations

from gateway.auth.principal import Principal
from gateway.auth.rules import visibility
from gateway.config import Grant

ALICE = Principal("alice@example.com", frozenset({"team-shop"}), "oidc")
BOT = Principal("bot:chatops", frozenset({"bots"}), "token-file")
NAMESPACES = {
    "prod": {
        "shop": {"team": "shop"},
        "shop-payments": {"team": "shop"},
        "billing": {"team": "billing"},
        "kube-system": {},
    },
    "staging": {"shop": {"team": "shop"}},
}


def grant(**fields: object) -> Grant:
    return Grant.model_validate(fields)


def test_a_rule_applies_by_subject_or_group_and_rules_add_up() -> None:
    rules = [
        grant(groups=["team-shop"], clusters=["prod"], namespaces=["shop"]),
        grant(subjects=["alice@example.com"], clusters=["staging"], kinds=["Job"], podLogs=True),
        grant(groups=["bots"], namespaceSelector="team=billing"),
    ]
    seen = visibility(ALICE, rules, ["prod", "staging"], NAMESPACES)
    assert seen.admits("prod", "shop", "Deployment")
    assert not seen.admits("prod", "billing", "Deployment")
    assert seen.admits("staging", "anything", "Job")
    assert not seen.admits("staging", "anything", "Deployment")
    assert seen.allows_logs("staging", "shop") and not seen.allows_logs("prod", "shop")
    bot = visibility(BOT, rules, ["prod", "staging"], NAMESPACES)
    assert bot.admits("prod", "billing", "CronJob")
    assert not bot.admits("prod", "shop", "CronJob")
    assert bot.visible_clusters(["prod", "staging"]) == ["prod"]


def test_patterns_match_existing_namespaces_and_exact_names_need_not_exist() -> None:
    rules = [grant(groups=["team-shop"], namespaces=["shop-*", "future"])]
    seen = visibility(ALICE, rules, ["prod"], NAMESPACES)
    assert seen.sees_namespace("prod", "shop-payments")
    assert not seen.sees_namespace("prod", "shop")
    assert seen.sees_namespace("prod", "future")


def test_everyone_signed_in_and_nobody_else() -> None:
    rules = [grant(groups=["system:authenticated"], clusters=["prod"], namespaces=["shop"])]
    assert visibility(BOT, rules, ["prod"], NAMESPACES).admits("prod", "shop", "Deployment")
    stranger = visibility(BOT, [grant(groups=["admins"])], ["prod"], NAMESPACES)
    assert stranger.visible_clusters(["prod"]) == []
    assert not stranger.admits("prod", "shop", "Deployment")


def test_nodes_and_metrics_are_granted_explicitly() -> None:
    rules = [
        grant(groups=["team-shop"], namespaces=["shop"]),
        grant(subjects=["bot:chatops"], nodes=True, metrics=True),
    ]
    alice = visibility(ALICE, rules, ["prod"], NAMESPACES)
    assert not alice.sees_nodes("prod") and not alice.metrics
    bot = visibility(BOT, rules, ["prod"], NAMESPACES)
    assert bot.sees_nodes("prod") and bot.metrics

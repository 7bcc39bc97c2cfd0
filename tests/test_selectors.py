"""Label selectors: the query-string syntax, the structured form, and their errors."""

from __future__ import annotations

import re

import pytest

from gateway.selectors import (
    EVERYTHING,
    Operator,
    Requirement,
    Selector,
    SelectorError,
    format_selector,
    parse_selector,
    selector_from_spec,
)

LABELS = {"app": "web", "tier": "frontend", "app.kubernetes.io/name": "shop", "empty": ""}


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("", True),
        ("   ", True),
        ("app=web", True),
        ("app==web", True),
        ("app = web", True),
        ("app=api", False),
        ("app!=api", True),
        ("app!=web", False),
        ("missing!=x", True),
        ("app.kubernetes.io/name=shop", True),
        ("tier in (frontend, backend)", True),
        ("tier in (backend)", False),
        ("tier notin (backend,batch)", True),
        ("tier notin(frontend)", False),
        ("missing notin (x)", True),
        ("missing in (x)", False),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("! app", False),
        ("empty=", True),
        ("missing=", False),
        ("empty in ()", True),
        ("app=web,tier=frontend", True),
        ("app=web, tier=backend", False),
        ("app=web,tier in (frontend),!legacy,app.kubernetes.io/name", True),
    ],
)
def test_parse_and_match(text: str, matches: bool) -> None:
    assert parse_selector(text).matches(LABELS) is matches


def test_requirements_parsed() -> None:
    selector = parse_selector("app=web,tier notin (a,b),!legacy,release")
    assert selector.requirements == (
        Requirement("app", Operator.EQUALS, frozenset({"web"})),
        Requirement("tier", Operator.NOT_IN, frozenset({"a", "b"})),
        Requirement("legacy", Operator.DOES_NOT_EXIST),
        Requirement("release", Operator.EXISTS),
    )


def test_empty_selector_matches_everything_even_without_labels() -> None:
    assert EVERYTHING.empty
    assert parse_selector("").matches(None)
    assert not parse_selector("x").empty


def test_labels_that_are_not_a_mapping_match_like_no_labels() -> None:
    assert parse_selector("!app").matches(["app"])
    assert not parse_selector("app").matches("app=web")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("app=web,", "empty requirement"),
        (",app=web", "empty requirement"),
        ("app=web,,tier=x", "empty requirement"),
        ("tier in (a", "unbalanced '('"),
        ("tier in a)", "unbalanced ')'"),
        ("=web", "cannot parse requirement '=web'"),
        ("app=web=x", "cannot parse requirement 'app=web=x'"),
        ("app=we b", "cannot parse requirement 'app=we b'"),
        ("-app=web", "cannot parse requirement '-app=web'"),
        ("app=web-", "cannot parse requirement 'app=web-'"),
        ("tier in (a b)", "invalid value 'a b'"),
        ("tier in (a,-b)", "invalid value '-b'"),
        ("app>1", "cannot parse requirement 'app>1'"),
        (f"app={'v' * 64}", "longer than 63 characters"),
        (f"{'k' * 64}=v", "is too long"),
    ],
)
def test_errors_quote_the_offending_part(text: str, error: str) -> None:
    with pytest.raises(SelectorError, match=re.escape(error)):
        parse_selector(text)


def test_longest_allowed_key_and_value() -> None:
    key = "a" * 253 + "/" + "b" * 63
    assert parse_selector(f"{key}={'v' * 63}").matches({key: "v" * 63})


def test_structured_selector() -> None:
    selector = selector_from_spec(
        {
            "matchLabels": {"app": "web"},
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": ["frontend", "edge"]},
                {"key": "legacy", "operator": "DoesNotExist"},
                {"key": "app.kubernetes.io/name", "operator": "Exists"},
                {"key": "track", "operator": "NotIn", "values": ["canary"]},
            ],
        }
    )
    assert selector is not None
    assert selector.matches(LABELS)
    assert not selector.matches({**LABELS, "legacy": "yes"})
    assert not selector.matches({**LABELS, "track": "canary"})
    assert format_selector(selector) == (
        "app=web,tier in (edge,frontend),!legacy,app.kubernetes.io/name,track notin (canary)"
    )


@pytest.mark.parametrize(
    "spec",
    [
        None,
        "app=web",
        {},
        {"matchLabels": {}},
        {"matchLabels": ["app"]},
        {"matchExpressions": {"key": "app"}},
        {"matchExpressions": ["app"]},
        {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]},
        {"matchExpressions": [{"key": 3, "operator": "Exists"}]},
        {"matchExpressions": [{"key": "app", "operator": "In", "values": []}]},
        {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["web"]}]},
        {"matchExpressions": [{"key": "app", "operator": "In", "values": "web"}]},
    ],
)
def test_missing_or_invalid_structured_selectors_select_nothing(spec: object) -> None:
    assert selector_from_spec(spec) is None


def test_format_round_trips() -> None:
    text = "app=web,tier!=db,release in (a,b),!legacy,canary"
    assert format_selector(parse_selector(text)) == text
    assert parse_selector(format_selector(parse_selector(text))) == parse_selector(text)
    assert format_selector(Selector()) == ""

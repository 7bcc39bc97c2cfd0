"""Each chat's payload, built from the same notices."""

from __future__ import annotations

from dataclasses import replace

import orjson

from gateway.notify import notices
from gateway.notify.formats import FORMATS, generic, mattermost, slack, teams
from gateway.notify.notices import Notice
from tests.notify.transitions import EXCEPTION, NOT_READY, RUNNING, changed, pod

LONG = "x" * 5000


def problem(message: str = "") -> Notice:
    transition = changed("web", RUNNING, EXCEPTION, "NodeNotReady")
    if message:
        transition = replace(transition, message=message)
    pods = [pod("web", i) for i in range(12)]
    return notices.problem([transition], pods, [transition.id, *(p.id for p in pods)])


def recovery() -> Notice:
    back = changed("web", NOT_READY, RUNNING, "Ready", at=125)
    return notices.recovery([back], changed("web", RUNNING, NOT_READY).time, "OOMKilled", [back.id])


def test_every_format_is_json_and_names_the_workload_and_statuses() -> None:
    for name, render in FORMATS.items():
        text = orjson.dumps(render(problem())).decode()
        assert "Deployment shop/web in sim-1" in text, name
        assert "Running → Exception" in text, name
        assert "NodeNotReady" in text, name


def test_slack_blocks_in_a_coloured_attachment() -> None:
    payload = slack.render(problem("the <node> & its kubelet"))
    assert payload["text"] == "\N{LARGE RED CIRCLE} Exception: Deployment shop/web in sim-1"
    [attachment] = payload["attachments"]
    assert attachment["color"] == "#D0021B"
    header, facts, quote, pods, footer = attachment["blocks"]
    assert header["text"]["text"] == f"*{payload['text']}*"
    assert len(facts["fields"]) <= 10
    assert {"type": "mrkdwn", "text": "*Status*\nRunning → Exception"} in facts["fields"]
    assert quote["text"]["text"] == "> the &lt;node&gt; &amp; its kubelet"
    assert pods["text"]["text"].startswith("• CrashLoopBackOff (12 pods): web-7d9f8b6c5d-p0")
    assert "and 4 more" in pods["text"]["text"]
    assert footer["type"] == "context"
    long = slack.render(problem(LONG))["attachments"][0]["blocks"][2]
    assert len(long["text"]["text"]) <= 3000


def test_mattermost_attachment_with_fields_and_escaped_markdown() -> None:
    payload = mattermost.render(problem("exit *137* in init_db"))
    [attachment] = payload["attachments"]
    assert attachment["color"] == "#D0021B"
    assert attachment["title"].endswith("Exception: Deployment shop/web in sim-1")
    assert {"short": True, "title": "Reason", "value": "NodeNotReady"} in attachment["fields"]
    assert attachment["text"].startswith("> exit \\*137\\* in init\\_db")
    green = mattermost.render(recovery())["attachments"][0]
    assert green["color"] == "#2EB67D"
    assert (
        green["title"]
        == "\N{WHITE HEAVY CHECK MARK} Recovered: Deployment shop/web in sim-1 after 2m 5s"
    )


def test_teams_adaptive_card_in_a_message_envelope() -> None:
    payload = teams.render(problem())
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    header, facts, *_ = card["body"]
    assert header["style"] == "attention"
    assert header["items"][0]["color"] == "Attention"
    assert {"title": "Pods affected", "value": "12"} in facts["facts"]
    good = teams.render(recovery())["attachments"][0]["content"]["body"][0]
    assert good["style"] == "good"


def test_generic_json_carries_every_transition() -> None:
    payload = generic.render(problem())
    assert payload["kind"] == "problem"
    assert payload["severity"] == "exception"
    assert payload["facts"]["Workload"] == "Deployment web"
    assert len(payload["transitions"]) == 13
    assert payload["transitions"][0]["oldStatus"] == "Running"
    assert payload["resent"] is False


def test_a_possibly_repeated_post_says_so_everywhere() -> None:
    resent = problem().marked_resent()
    assert "may have been posted already" in slack.render(resent)["text"]
    assert "may have been posted already" in mattermost.render(resent)["attachments"][0]["title"]
    card = teams.render(resent)["attachments"][0]["content"]
    assert "may have been posted already" in card["body"][0]["items"][0]["text"]
    assert generic.render(resent)["resent"] is True


def test_a_digest_of_digests_lists_every_entry() -> None:
    burst = notices.digest([problem(), recovery()], "many changes at once")
    later = notices.digest([burst, problem()], "rate limited")
    assert later.headline == "2 problems, 1 recovery (rate limited)"
    assert len(later.lines) == 3
    assert len(later.ids) == 2 * 13 + 1

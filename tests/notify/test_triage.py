"""What a burst is worth saying: flaps, repeats, severities, pods, clusters, digests."""

from __future__ import annotations

from gateway.notify.filters import ChannelFilter, parse_filter
from gateway.notify.model import Severity, Transition
from gateway.notify.notices import Notice, NoticeKind
from gateway.notify.state import NotifierState
from gateway.notify.triage import Batch, Triage, Verdict
from tests.notify.transitions import (
    EXCEPTION,
    NOT_READY,
    RUNNING,
    changed,
    pod,
    reachability,
)


def batch(*transitions: Transition) -> Batch:
    found = Batch()
    for transition in transitions:
        found.add(transition)
    return found


def posted(triage: Triage, verdict: Verdict) -> list[Notice]:
    """What the bot does once the webhook accepts each notice."""
    for notice in verdict.notices:
        for key, incident in notice.incidents:
            triage.state.set_incident(key, incident)
    return verdict.notices


def triage(
    min_severity: Severity = Severity.NOT_READY, channel_filter: ChannelFilter | None = None
) -> Triage:
    return Triage(
        NotifierState(),
        channel_filter or ChannelFilter(),
        min_severity=min_severity,
        digest_after=3,
    )


def test_a_problem_that_comes_and_goes_within_the_window_is_not_posted() -> None:
    judge = triage()
    verdict = judge.judge(
        batch(changed("web", RUNNING, NOT_READY), changed("web", NOT_READY, RUNNING, "Ready", at=1))
    )
    assert verdict.notices == []
    assert len(verdict.dropped) == 2
    assert judge.state.incidents == {}


def test_only_a_change_of_status_is_news_and_a_recovery_says_how_long() -> None:
    judge = triage()
    [problem] = posted(judge, judge.judge(batch(changed("web", RUNNING, NOT_READY))))
    assert problem.headline == "Not Ready: Deployment shop/web in sim-1"
    again = judge.judge(batch(changed("web", NOT_READY, NOT_READY, "ImagePullBackOff", at=30)))
    assert again.notices == []
    assert judge.state.incidents["w:sim-1/Deployment/shop/web"].reason == "ImagePullBackOff"
    [worse] = posted(judge, judge.judge(batch(changed("web", NOT_READY, EXCEPTION, at=60))))
    assert dict(worse.facts)["Status"] == "Not Ready → Exception"
    assert worse.severity is Severity.EXCEPTION
    [recovered] = posted(
        judge, judge.judge(batch(changed("web", EXCEPTION, RUNNING, "Ready", at=252)))
    )
    assert recovered.headline == "Recovered: Deployment shop/web in sim-1 after 4m 12s"
    assert dict(recovered.facts)["Problem was"] == "CrashLoopBackOff"
    assert judge.state.incidents == {}


def test_the_state_learns_of_an_announcement_only_when_it_is_posted() -> None:
    judge = triage()
    verdict = judge.judge(batch(changed("web", RUNNING, NOT_READY)))
    assert judge.state.incidents == {}, "not posted yet: a restart must judge it again"
    [notice] = verdict.notices
    [(key, incident)] = notice.incidents
    assert key == "w:sim-1/Deployment/shop/web"
    assert incident is not None and incident.announced == NOT_READY
    assert judge.judge(batch(changed("web", NOT_READY, NOT_READY, "Other", at=1))).notices == []


def test_minimum_severity_exception_skips_not_ready_but_not_its_escalation() -> None:
    judge = triage(Severity.EXCEPTION)
    assert judge.judge(batch(changed("web", RUNNING, NOT_READY))).notices == []
    [worse] = posted(judge, judge.judge(batch(changed("web", NOT_READY, EXCEPTION, at=5))))
    assert worse.kind is NoticeKind.PROBLEM
    [calmer] = posted(judge, judge.judge(batch(changed("web", EXCEPTION, NOT_READY, at=9))))
    assert calmer.headline == "Not Ready: Deployment shop/web in sim-1"
    assert judge.judge(batch(changed("api", RUNNING, NOT_READY))).notices == []
    assert judge.judge(batch(changed("api", NOT_READY, RUNNING, "Ready", at=3))).notices == []


def test_a_recovery_the_bot_never_saw_begin_is_still_posted() -> None:
    judge = triage()
    [recovered] = judge.judge(
        batch(changed("web", NOT_READY, RUNNING, "Ready", old_reason="OOMKilled"))
    ).notices
    assert recovered.headline == "Recovered: Deployment shop/web in sim-1"
    assert dict(recovered.facts)["Problem was"] == "OOMKilled"


def test_a_workload_deleted_while_abnormal_closes_its_incident() -> None:
    judge = triage()
    posted(judge, judge.judge(batch(changed("web", RUNNING, EXCEPTION))))
    [gone] = posted(judge, judge.judge(batch(changed("web", EXCEPTION, None, deleted=True, at=61))))
    assert gone.headline == "Deleted: Deployment shop/web in sim-1 after 1m 1s"
    assert gone.one_line.endswith("deleted while Exception after 1m 1s")
    assert judge.state.incidents == {}


def test_pods_join_their_workloads_message_and_are_quiet_afterwards() -> None:
    judge = triage()
    pods = [pod("web", i) for i in range(30)]
    [notice] = posted(judge, judge.judge(batch(*pods[:10], changed("web", RUNNING, NOT_READY))))
    assert dict(notice.facts)["Pods affected"] == "10"
    assert len(notice.ids) == 11
    later = judge.judge(batch(*pods[10:]))
    assert later.notices == [] and len(later.dropped) == 20


def test_pods_in_trouble_while_their_workload_is_fine_are_a_warning_only_when_asked() -> None:
    pods = [pod("batch", 0, "Error"), pod("batch", 1, "Error"), pod("batch", 2, issue=None)]
    assert triage().judge(batch(*pods)).notices == []
    [warning] = triage(Severity.WARNING).judge(batch(*pods)).notices
    assert warning.headline == "2 pods in trouble: Deployment shop/batch in sim-1"
    assert warning.lines[0].startswith("Error (2 pods): batch-7d9f8b6c5d-p0, batch-7d9f8b6c5d-p1")
    assert len(warning.lines) == 1, "the pod that is fine again is not in trouble"
    by_labels = triage(Severity.WARNING, parse_filter('{"labelSelector": "team=a"}'))
    assert by_labels.judge(batch(*pods)).notices == [], "pods cannot be matched by labels"


def test_a_standalone_pod_is_told_and_recovers_like_a_workload() -> None:
    judge = triage()
    [problem] = posted(judge, judge.judge(batch(pod(None, 1))))
    assert problem.kind is NoticeKind.PROBLEM
    assert problem.headline == "Not Ready: Pod shop/bare-7d9f8b6c5d-p1 in sim-1"
    assert dict(problem.facts)["Pod"] == "bare-7d9f8b6c5d-p1"
    assert dict(problem.facts)["Status"] == "Running → Not Ready"
    assert problem.severity is Severity.NOT_READY
    assert judge.state.incidents["w:sim-1/Pod/shop/bare-7d9f8b6c5d-p1"].status == NOT_READY
    again = judge.judge(batch(pod(None, 1, "Error", old_issue="container-error", at=30)))
    assert again.notices == [], "still Not Ready: no news"
    [recovered] = posted(
        judge,
        judge.judge(batch(pod(None, 1, "Running", issue=None, old_issue="container-error", at=95))),
    )
    assert recovered.headline == "Recovered: Pod shop/bare-7d9f8b6c5d-p1 in sim-1 after 1m 35s"
    assert judge.state.incidents == {}


def test_a_standalone_pods_severity_follows_what_is_wrong_with_it() -> None:
    evicted = pod(None, 2, "Evicted", issue="failed", phase="Failed")
    lost = pod(None, 3, "Running", issue="unobservable")
    starting = pod(None, 4, "ContainerCreating", issue="starting", phase="Pending")
    notices = triage().judge(batch(evicted, lost, starting)).notices
    assert sorted(n.headline for n in notices) == [
        "Exception: Pod shop/bare-7d9f8b6c5d-p2 in sim-1",
        "Exception: Pod shop/bare-7d9f8b6c5d-p3 in sim-1",
    ], "still starting is not trouble"
    quiet = triage(Severity.EXCEPTION).judge(batch(pod(None, 5)))
    assert quiet.notices == [], "Not Ready ranks below Exception"
    gone = triage().judge(
        batch(pod(None, 6, old_issue="container-error", issue=None, deleted=True))
    )
    [deleted] = gone.notices
    assert deleted.headline == "Deleted: Pod shop/bare-7d9f8b6c5d-p6 in sim-1"


def test_a_channel_filter_chooses_standalone_pods_by_kind_and_name() -> None:
    bare = pod(None, 1)
    assert triage(channel_filter=parse_filter('{"kinds": ["Pod"]}')).judge(batch(bare)).notices
    for only in (
        '{"kinds": ["Deployment"]}',
        '{"nameContains": "web"}',
        '{"labelSelector": "a=b"}',
    ):
        verdict = triage(channel_filter=parse_filter(only)).judge(batch(bare))
        assert verdict.notices == [] and verdict.dropped == [bare.id], only


def test_an_unreachable_cluster_speaks_for_its_workloads() -> None:
    judge = triage()
    outage = [changed(n, RUNNING, EXCEPTION, "ClusterUnreachable") for n in ("a", "b", "c", "d")]
    [down] = posted(judge, judge.judge(batch(reachability(False), *outage)))
    assert down.headline == "Cluster sim-1 is unreachable"
    assert dict(down.facts)["Workloads now Exception"] == "4"
    late = changed("e", RUNNING, EXCEPTION, "ClusterUnreachable", at=30)
    assert judge.judge(batch(late)).notices == []
    back = [changed(n, EXCEPTION, RUNNING, "Ready", at=300) for n in ("a", "b", "c", "d", "e")]
    [up] = posted(judge, judge.judge(batch(reachability(True, at=300), *back)))
    assert up.headline == "Cluster sim-1 is reachable again after 5m 0s"
    assert judge.state.incidents == {}


def test_many_notices_at_once_become_one_digest() -> None:
    judge = triage()
    verdict = judge.judge(
        batch(
            *(changed(f"svc-{i}", RUNNING, NOT_READY) for i in range(3)),
            changed("db", RUNNING, EXCEPTION),
            changed("old", NOT_READY, RUNNING, "Ready"),
        )
    )
    [digest] = verdict.notices
    assert digest.kind is NoticeKind.DIGEST
    assert digest.headline == "4 problems, 1 recovery (many changes at once)"
    assert digest.lines[0] == "Deployment shop/db in sim-1: Running → Exception (CrashLoopBackOff)"
    assert digest.lines[-1] == "Deployment shop/old in sim-1: recovered Not Ready → Running"
    assert len(digest.incidents) == 5


def test_a_summary_replaces_what_the_bot_believed() -> None:
    judge = triage()
    posted(judge, judge.judge(batch(changed("gone", RUNNING, NOT_READY))))
    notice = judge.summary(
        (changed("web", None, EXCEPTION), changed("api", None, NOT_READY)), gap=True, error=""
    )
    assert notice is not None
    assert notice.headline == "Notifier missed part of the history; 2 workloads abnormal now"
    assert dict(notice.facts) == {"Exception": "1", "Not Ready": "1"}
    for key, incident in notice.incidents:
        judge.state.set_incident(key, incident)
    assert sorted(judge.state.incidents) == [
        "w:sim-1/Deployment/shop/api",
        "w:sim-1/Deployment/shop/web",
    ]
    assert triage().summary((), gap=False, error="") is None, "a quiet start says nothing"


def test_a_cluster_feed_that_lost_its_history_forgets_which_clusters_were_down() -> None:
    judge = triage()
    posted(judge, judge.judge(batch(reachability(False))))
    assert "c:sim-1" in judge.state.incidents
    judge.forget_clusters()
    assert judge.state.incidents == {}
    [up] = judge.judge(batch(reachability(True, at=60))).notices
    assert up.headline == "Cluster sim-1 is reachable again", "how long is unknown"


def test_workloads_of_an_unreachable_cluster_announce_it_before_the_cluster_feed_does() -> None:
    judge = triage()
    outage = [changed(n, RUNNING, EXCEPTION, "ClusterUnreachable") for n in ("a", "b")]
    [down] = posted(judge, judge.judge(batch(*outage)))
    assert down.headline == "Cluster sim-1 is unreachable"
    assert dict(down.facts)["Workloads now Exception"] == "2"
    assert set(down.ids) == {t.id for t in outage}
    assert judge.judge(batch(reachability(False, at=1))).notices == [], "already said"


def test_a_refused_notice_is_withdrawn_from_what_the_channel_knows() -> None:
    judge = triage()
    [refused] = judge.judge(batch(changed("web", RUNNING, NOT_READY))).notices
    judge.withdraw(refused)
    assert judge.incidents["w:sim-1/Deployment/shop/web"].announced is None
    again = judge.judge(batch(changed("web", NOT_READY, RUNNING, "Ready", at=5)))
    assert again.notices == [], "no recovery for a problem the channel never heard of"

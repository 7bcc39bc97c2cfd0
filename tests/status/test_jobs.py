"""Jobs and CronJobs: every status, every rule, and the messages a person acts on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from gateway.status import Counts, Status, WorkloadState, evaluate

from .objects import (
    NOW,
    Obj,
    condition,
    cronjob,
    event,
    job,
    job_condition,
    node,
    owner,
    pod,
    pod_conditions,
    running,
    terminated,
    ts,
    waiting,
)

BACKOFF = "Job has reached the specified backoff limit"
DEADLINE = "Job was active longer than specified deadline"
NOT_READY = pod_conditions(ready=False, minutes_ago=3)


def _eval(obj: Obj, *pods: Obj, **kwargs: Any) -> WorkloadState:
    return evaluate(obj, NOW, pods=list(pods), **kwargs)


def _job_pod(suffix: str, job_name: str = "report-29403840", **kwargs: Any) -> Obj:
    return pod(
        f"{job_name}-{suffix}",
        namespace="batch",
        owned_by=owner("Job", job_name, "batch"),
        labels={"batch.kubernetes.io/job-name": job_name},
        **kwargs,
    )


def _failed_pod(suffix: str, minutes_ago: float) -> Obj:
    return _job_pod(
        suffix,
        phase="Failed",
        statuses=[
            terminated(
                "report",
                2,
                "Error",
                minutes_ago=minutes_ago,
                message=f"upstream timed out after 30s (attempt {suffix})",
            )
        ],
        conditions=NOT_READY,
    )


def _deleting(obj: Obj) -> Obj:
    obj["metadata"]["deletionTimestamp"] = ts(1)
    obj["metadata"]["finalizers"] = ["batch.kubernetes.io/job-tracking"]
    return obj


FAILED = [
    job_condition("FailureTarget", "BackoffLimitExceeded", BACKOFF, 4),
    job_condition("Failed", "BackoffLimitExceeded", BACKOFF, 4),
]
COMPLETE = [
    job_condition(
        "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", 2
    ),
    job_condition("Complete", "CompletionsReached", "Reached expected number of succeeded pods", 2),
]

JOB_CASES: list[tuple[str, Obj, list[Obj], tuple[Status, str], list[str]]] = [
    (
        "deleting beats failed",
        _deleting(job(failed=7, conditions=FAILED)),
        [],
        (Status.DELETING, "Deleting"),
        [ts(1), "batch.kubernetes.io/job-tracking"],
    ),
    (
        "backoff limit exceeded names the last failure",
        job(failed=7, conditions=FAILED),
        [_failed_pod("a1b2c", 30), _failed_pod("d3e4f", 5)],
        (Status.EXCEPTION, "BackoffLimitExceeded"),
        [BACKOFF, "7 pods failed (backoffLimit 6)", "report-29403840-d3e4f", "exited with code 2"],
    ),
    (
        "deadline exceeded",
        job(
            active=0,
            failed=1,
            conditions=[job_condition("Failed", "DeadlineExceeded", DEADLINE, 3)],
            overrides={"spec": {"activeDeadlineSeconds": 600}},
        ),
        [],
        (Status.EXCEPTION, "DeadlineExceeded"),
        [DEADLINE],
    ),
    (
        "failure target alone is already an exception",
        job(active=1, failed=2, conditions=[FAILED[0]]),
        [],
        (Status.EXCEPTION, "BackoffLimitExceeded"),
        [],
    ),
    (
        "pod failure policy",
        job(
            failed=1,
            conditions=[
                job_condition(
                    "Failed",
                    "PodFailurePolicy",
                    "Container report for pod batch/report-29403840-x7k2p failed with exit code 42 "
                    "matching FailJob rule at index 0",
                )
            ],
        ),
        [],
        (Status.EXCEPTION, "PodFailurePolicy"),
        ["exit code 42"],
    ),
    (
        "complete",
        job(succeeded=1, completed_minutes_ago=2, started_minutes_ago=10, conditions=COMPLETE),
        [
            _job_pod(
                "x7k2p", phase="Succeeded", statuses=[terminated("report")], conditions=NOT_READY
            )
        ],
        (Status.EXECUTION_COMPLETE, "CompletionsReached"),
        ["Completed 1 of 1", ts(2), "after 8m00s"],
    ),
    (
        "success criteria met before Complete",
        job(succeeded=3, completions=3, conditions=[COMPLETE[0]]),
        [],
        (Status.EXECUTION_COMPLETE, "CompletionsReached"),
        ["3 of 3"],
    ),
    (
        "pod on a lost node",
        job(active=1, ready=0),
        [_job_pod("x7k2p", node="worker-3")],
        (Status.EXCEPTION, "NodeLost"),
        ["report-29403840-x7k2p", "worker-3"],
    ),
    (
        "suspended",
        job(
            suspend=True,
            started_minutes_ago=None,
            conditions=[job_condition("Suspended", "JobSuspended", "Job suspended", 8)],
        ),
        [],
        (Status.WAITING, "Suspended"),
        ["spec.suspend"],
    ),
    (
        "suspended with pods still running keeps executing",
        job(suspend=True, active=1),
        [_job_pod("x7k2p")],
        (Status.EXECUTING, "Running"),
        [],
    ),
    (
        "executing",
        job(active=2, ready=2, succeeded=1, completions=3, parallelism=2),
        [_job_pod("x7k2p"), _job_pod("z9m3q")],
        (Status.EXECUTING, "Running"),
        ["2 pods active (2 ready)", "1 of 3 succeeded", ts(10)],
    ),
    (
        "started but no pod yet",
        job(active=0),
        [],
        (Status.EXECUTING, "Running"),
        [],
    ),
    (
        "created, nothing started",
        job(started_minutes_ago=None),
        [],
        (Status.WAITING, "Created"),
        ["has not started"],
    ),
    (
        "manifest without status",
        job(overrides={"status": None}),
        [],
        (Status.WAITING, "NotObserved"),
        ["has not reported any status"],
    ),
]


@pytest.mark.parametrize(
    ("obj", "pods", "expected", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in JOB_CASES],
)
def test_job(obj: Obj, pods: list[Obj], expected: tuple[Status, str], message: list[str]) -> None:
    state = _eval(obj, *pods, nodes=[node("worker-1"), node("worker-3", ready="Unknown")])
    assert (state.status, state.reason) == expected, state.message
    for part in message:
        assert part in state.message


def test_executing_job_with_image_pull_back_off_warns() -> None:
    name = "report-29403840-x7k2p"
    failed = 'Failed to pull image "registry.example.com/batch/report:1.3": not found'
    stuck = _job_pod(
        "x7k2p",
        phase="Pending",
        statuses=[waiting("report", "ImagePullBackOff", 'Back-off pulling image "x"')],
        conditions=NOT_READY,
    )
    state = _eval(
        job(active=1),
        stuck,
        events=[event(name, "Failed", failed, namespace="batch", container="report")],
    )
    assert state.status is Status.EXECUTING
    assert len(state.warnings) == 1
    assert "ImagePullBackOff" in state.warnings[0]
    assert name in state.warnings[0]
    assert failed in state.warnings[0]


def test_executing_job_with_failed_attempts_warns_with_the_tally() -> None:
    state = _eval(job(active=1, failed=2), _failed_pod("a1b2c", 9), _job_pod("x7k2p"))
    assert state.status is Status.EXECUTING
    assert any("2 pods failed (backoffLimit 6)" in w and "a1b2c" in w for w in state.warnings)


def test_job_counts() -> None:
    state = _eval(job(active=2, ready=1, succeeded=3, failed=1, completions=5, parallelism=2))
    assert state.counts == Counts(
        desired=5, active=2, ready=1, succeeded=3, failed=1, completions=5
    )


def test_job_without_completions_or_parallelism_needs_one() -> None:
    state = _eval(job(completions=None, parallelism=None, active=1))
    assert state.counts.completions == 1


def test_work_queue_job_has_no_completion_target() -> None:
    state = _eval(job(completions=None, parallelism=3, active=3))
    assert state.counts.completions is None
    assert "3 pods active (0 ready), 0 succeeded" in state.message


def test_job_since_is_the_failure_time() -> None:
    state = _eval(job(failed=7, conditions=FAILED))
    assert state.since == NOW - timedelta(minutes=4)


# --- CronJob ------------------------------------------------------------------------------


def _finished_job(name: str, conditions: list[Obj]) -> Obj:
    return job(name, owned_by=owner("CronJob", "nightly-report", "batch"), conditions=conditions)


CRONJOB_CASES: list[tuple[str, Obj, list[Obj], tuple[Status, str], list[str]]] = [
    (
        "deleting beats suspended",
        _deleting(cronjob(suspend=True)),
        [],
        (Status.DELETING, "Deleting"),
        [ts(1)],
    ),
    (
        "suspended",
        cronjob(suspend=True, last_schedule_minutes_ago=60 * 24 * 3),
        [],
        (Status.STOPPED, "Suspended"),
        ["spec.suspend", ts(60 * 24 * 3)],
    ),
    (
        "suspended before it ever ran",
        cronjob(suspend=True),
        [],
        (Status.STOPPED, "Suspended"),
        [],
    ),
    (
        "scheduled before",
        cronjob(last_schedule_minutes_ago=60 * 9.5, last_success_minutes_ago=60 * 9.4),
        [],
        (Status.STARTED, "Scheduled"),
        [
            "Last scheduled at 2026-11-25T02:30:00Z",
            "next run due at 2026-11-26T02:30:00Z",
            ts(60 * 9.4),
        ],
    ),
    (
        "running a job now",
        cronjob(
            last_schedule_minutes_ago=5, active=["nightly-report-29403835"], schedule="*/5 * * * *"
        ),
        [],
        (Status.STARTED, "Active"),
        ["1 Job running", "next run due at 2026-11-25T12:00:00Z"],
    ),
    (
        "never scheduled",
        cronjob(schedule="0 3 * * *", minutes_ago=30),
        [],
        (Status.WAITING, "NotYetScheduled"),
        ["first run, due at 2026-11-26T03:00:00Z", 'schedule "0 3 * * *" in UTC'],
    ),
    (
        "never scheduled, in a time zone",
        cronjob(schedule="0 3 * * *", time_zone="Europe/Berlin", minutes_ago=30),
        [],
        (Status.WAITING, "NotYetScheduled"),
        ["due at 2026-11-26T02:00:00Z", "Europe/Berlin"],
    ),
    (
        "invalid schedule",
        cronjob(schedule="61 * * * *", minutes_ago=30),
        [],
        (Status.WAITING, "InvalidSchedule"),
        ["minute field '61'", "out of range 0-59"],
    ),
    (
        "unknown time zone",
        cronjob(time_zone="Mars/Olympus_Mons", minutes_ago=30),
        [],
        (Status.WAITING, "InvalidSchedule"),
        ["Mars/Olympus_Mons"],
    ),
    (
        "a schedule that never comes",
        cronjob(schedule="0 0 30 2 *", minutes_ago=30),
        [],
        (Status.WAITING, "NeverScheduled"),
        ["matches no time"],
    ),
]


@pytest.mark.parametrize(
    ("obj", "jobs", "expected", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in CRONJOB_CASES],
)
def test_cronjob(
    obj: Obj, jobs: list[Obj], expected: tuple[Status, str], message: list[str]
) -> None:
    state = evaluate(obj, NOW, jobs=jobs)
    assert (state.status, state.reason) == expected, state.message
    for part in message:
        assert part in state.message


def test_cronjob_waiting_rechecks_when_the_first_run_is_overdue() -> None:
    state = evaluate(cronjob(schedule="0 3 * * *", minutes_ago=30), NOW)
    assert state.recheck_at == NOW.replace(day=26, hour=3, minute=2)
    assert state.warnings == ()


def test_cronjob_overdue_first_run_warns() -> None:
    state = evaluate(cronjob(schedule="0 3 * * *", minutes_ago=60 * 24 * 2), NOW)
    assert state.status is Status.WAITING
    assert any("has not happened" in w for w in state.warnings)
    assert state.recheck_at is None


def test_cronjob_warns_when_the_last_run_failed() -> None:
    jobs = [
        _finished_job("nightly-report-29402400", COMPLETE),
        _finished_job("nightly-report-29403840", FAILED),
    ]
    jobs[0]["status"]["startTime"] = ts(60 * 24)
    state = evaluate(cronjob(last_schedule_minutes_ago=60 * 9.5), NOW, jobs=jobs)
    assert state.status is Status.STARTED
    assert any("nightly-report-29403840" in w and BACKOFF in w for w in state.warnings)


def test_cronjob_invalid_schedule_warns_even_when_started() -> None:
    state = evaluate(cronjob(schedule="every day", last_schedule_minutes_ago=60), NOW)
    assert state.status is Status.STARTED
    assert any("expected 5 fields" in w for w in state.warnings)


def test_cronjob_counts() -> None:
    state = evaluate(
        cronjob(
            last_schedule_minutes_ago=5,
            last_success_minutes_ago=60,
            active=["nightly-report-29403835"],
        ),
        NOW,
    )
    assert state.counts == Counts(
        active=1,
        last_schedule=NOW - timedelta(minutes=5),
        last_success=NOW - timedelta(minutes=60),
    )


def test_cronjob_next_run_comes_from_the_object_not_the_clock() -> None:
    obj = cronjob(schedule="0 3 * * *", minutes_ago=30)
    later = evaluate(obj, NOW + timedelta(hours=1))
    assert later.message == evaluate(obj, NOW).message


def test_suspended_job_condition_time_is_since() -> None:
    obj = job(
        suspend=True,
        started_minutes_ago=None,
        conditions=[condition("Suspended", "True", 8, "JobSuspended", "Job suspended")],
    )
    assert evaluate(obj, NOW).since == NOW - timedelta(minutes=8)


def test_running_pod_of_a_job_is_fine() -> None:
    state = _eval(job(active=1, ready=1), _job_pod("x7k2p", statuses=[running("report")]))
    assert state.warnings == ()

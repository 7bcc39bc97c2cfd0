"""What a rule-judged custom kind costs per change, against a built-in kind on as many objects.

Run: ``python bench/rules.py [--objects N] [--rounds R]``. The same number of Argo
Rollouts (judged by the library's CEL rule through ``evaluate_custom``, the watcher's entry
point) and Deployments (judged by the built-in engine) are evaluated, without pods either
side, in every state the Rollout fixtures hold but the malformed one, best of R rounds; a
bare loop that reads each object's status.phase is the baseline of both. Target: the rule
within 2x of the built-in engine. Then where the rule's time goes, stage by stage on the
same objects: binding the object (only the fields the rule reads) to a CEL activation,
cel-cpp converting it on the first read, evaluating the rule (one expression), and the
Python around them (choosing the rule, the Deleting check, the verdict, the WorkloadState).
"""

from __future__ import annotations

import sys
from pathlib import Path

# ``python bench/rules.py`` puts bench/ first on the path; the helpers import as ``bench.*``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import copy
import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import yaml

from gateway.rules.catalog import RuleSet
from gateway.rules.cel import Activation
from gateway.rules.custom import evaluate_custom
from gateway.rules.fixtures import LIBRARY
from gateway.rules.rulefile import Rule
from gateway.status import evaluate_workload

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
TARGET = 2.0


def rollouts(count: int) -> list[dict[str, Any]]:
    """``count`` Rollouts cycling through the states of the rule's fixtures (all but the
    malformed one)."""
    folder = LIBRARY / "argoproj.io" / "Rollout" / "fixtures"
    fixtures = [yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yaml"))]
    # A malformed object (RuleError) is rare in a cluster and costs an error's unwinding.
    states = [f["object"] for f in fixtures if f["expect"]["reason"] != "RuleError"]
    found = []
    for n in range(count):
        obj = copy.deepcopy(states[n % len(states)])
        obj["metadata"]["name"] = f"rollout-{n}"
        found.append(obj)
    return found


def deployments(count: int) -> list[dict[str, Any]]:
    base: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 3, "uid": "u"},
        "spec": {"replicas": 5, "progressDeadlineSeconds": 600},
        "status": {
            "observedGeneration": 3,
            "replicas": 5,
            "readyReplicas": 5,
            "updatedReplicas": 5,
            "availableReplicas": 5,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
            ],
        },
    }
    found = []
    for n in range(count):
        obj = copy.deepcopy(base)
        obj["metadata"]["name"] = f"web-{n}"
        if n % 3 == 1:
            obj["status"]["updatedReplicas"] = 2
        if n % 5 == 2:
            obj["status"]["readyReplicas"] = 3
        found.append(obj)
    return found


def best(rounds: int, *works: Callable[[], None]) -> list[float]:
    """The best time of each work over ``rounds``, the works taking turns in every round so
    a burst of load from elsewhere on the machine falls on all of them alike."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(rounds):
        for work, taken in zip(works, times, strict=True):
            gc.collect()
            started = time.perf_counter()
            work()
            taken.append(time.perf_counter() - started)
    return [min(taken) for taken in times]


def breakdown(rule: Rule, objects: list[dict[str, Any]], rounds: int) -> dict[str, float]:
    """Seconds per stage over ``objects``, each stage the difference of two pipelines run
    object by object (so each object is as hot in the cache as it is in ``judge``).
    cel-cpp converts a bound value on its first read: evaluating twice less evaluating once
    is the evaluation alone, the rest of the first is the conversion."""
    selector = rule.selector
    assert selector is not None
    no_pods: dict[str, object] = {}

    def bind() -> None:
        for obj in objects:
            Activation(obj, rule.reads, no_pods)

    def evaluate_once() -> None:
        for obj in objects:
            selector.evaluate(Activation(obj, rule.reads, no_pods))

    def evaluate_twice() -> None:
        for obj in objects:
            on = Activation(obj, rule.reads, no_pods)
            selector.evaluate(on)
            selector.evaluate(on)

    def whole() -> None:
        for obj in objects:
            evaluate_custom(RULES, KIND, obj, NOW)

    binding, once, twice, total = best(rounds, bind, evaluate_once, evaluate_twice, whole)
    evaluating = twice - once
    return {
        "bind the fields read to an activation": binding,
        "cel-cpp converting them (first read)": once - binding - evaluating,
        "evaluate the rule (one expression)": evaluating,
        "the Python around it (rule lookup, Deleting check, verdict, WorkloadState)": (
            total - once
        ),
    }


RULES = RuleSet.load()
KIND = "Rollout.argoproj.io"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    custom, builtin = rollouts(args.objects), deployments(args.objects)
    rule = RULES.rule_for(custom[0])
    assert rule is not None

    def bare() -> None:
        for obj in custom:
            obj.get("status", {}).get("phase")

    def by_rule() -> None:
        for obj in custom:
            evaluate_custom(RULES, KIND, obj, NOW, pods=[])

    def by_engine() -> None:
        for obj in builtin:
            evaluate_workload(obj, NOW, pods=[], replica_sets=[], jobs=[])

    baseline, ruled, engine = best(args.rounds, bare, by_rule, by_engine)
    per = 1e6 / args.objects
    print(f"{args.objects} objects, best of {args.rounds} rounds")
    print(f"  bare loop (read status.phase)   {baseline * per:8.2f} µs/object")
    print(
        f"  Deployment, built-in engine     {engine * per:8.2f} µs/object "
        f"({engine / baseline:.0f}x bare)"
    )
    print(
        f"  Rollout, CEL rule               {ruled * per:8.2f} µs/object "
        f"({ruled / baseline:.0f}x bare)"
    )
    ratio = ruled / engine
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"  rule / built-in: {ratio:.2f}x (target <= {TARGET}x: {verdict})")
    print("  where the rule's time goes:")
    for stage, seconds in breakdown(rule, custom, args.rounds).items():
        print(f"    {seconds * per:6.2f} µs/object  {stage}")


if __name__ == "__main__":
    main()

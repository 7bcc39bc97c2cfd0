"""``explain`` end to end: table and JSON output, lists, broken files, ``--now``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.cli import main
from gateway.status import STATUSES_BY_KIND, PodPhase

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NOW = "2026-11-25T06:00:00Z"
KEYS = {"kind", "namespace", "name", "status", "reason", "message", "warnings", "notes"}
LABELS = {s.value for statuses in STATUSES_BY_KIND.values() for s in statuses}

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: demo
  uid: 9b0c7a52-3f7e-4c1e-9a55-0d3c6b1e2f40
  generation: 1
  creationTimestamp: "2026-11-25T05:00:00Z"
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: app
        image: registry.example.com/demo/app:1.0.0
status:
  observedGeneration: 1
  replicas: 1
  updatedReplicas: 1
  readyReplicas: 1
  availableReplicas: 1
"""


def test_table_on_the_examples_shows_the_whole_vocabulary(explain: Any) -> None:
    result = explain("--now", NOW, EXAMPLES)
    assert result.code == 0
    assert result.err == ""
    header = result.out.splitlines()[0].split()
    assert header == ["NAMESPACE", "KIND", "NAME", "STATUS", "READY", "REASON"]
    for label in LABELS | {p.value for p in PodPhase}:
        assert f" {label} " in result.out, label
    assert "\033[" not in result.out
    assert "0/3 nodes are available: 3 Insufficient memory." in " ".join(result.out.split())
    assert "Init:CrashLoopBackOff" in result.out


def test_json_lines_on_the_examples(explain: Any) -> None:
    result = explain("--output", "json", "--now", NOW, EXAMPLES)
    assert result.code == 0
    lines = result.lines()
    assert all(set(line) == KEYS for line in lines)
    workloads = [line for line in lines if line["kind"] != "Pod"]
    assert {line["status"] for line in workloads} == LABELS
    assert {line["status"] for line in lines if line["kind"] == "Pod"} == {
        p.value for p in PodPhase
    }
    assert all(isinstance(line["warnings"], list) for line in lines)
    by_name = {(line["kind"], line["name"]): line for line in lines}
    ledger = by_name[("Deployment", "ledger")]
    assert (ledger["status"], ledger["reason"], ledger["namespace"]) == (
        "Not Ready",
        "ImagePullBackOff",
        "payments",
    )
    assert "ledger:3.2.0: not found" in ledger["message"]
    assert by_name[("Job", "nightly-report-29404050")]["status"] == "Execution Complete"
    assert by_name[("Pod", "gpu-benchmark")]["reason"] == "SchedulingGated"
    assert by_name[("Deployment", "pricing")]["warnings"]


def test_kubectl_list_and_typed_list(explain: Any, tmp_path: Path) -> None:
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": [yaml.safe_load(DEPLOYMENT.format(name="web"))],
    }
    (tmp_path / "list.json").write_text(json.dumps(listing))
    pods = {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "1"},
        "items": [
            {
                "metadata": {"name": "loose", "namespace": "demo"},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]},
                "status": {"phase": "Succeeded"},
            }
        ],
    }
    (tmp_path / "pods.json").write_text(json.dumps(pods))
    result = explain("-o", "json", "--now", NOW, tmp_path)
    assert result.code == 0
    assert [(line["kind"], line["name"], line["status"]) for line in result.lines()] == [
        ("Deployment", "web", "Running"),
        ("Pod", "loose", "Succeeded"),
    ]


def test_broken_files_are_reported_and_the_rest_still_processed(
    explain: Any, tmp_path: Path
) -> None:
    (tmp_path / "a-good.yaml").write_text(DEPLOYMENT.format(name="good"))
    (tmp_path / "b-broken.yaml").write_text("kind: Deployment\nmetadata:\n  name: [oops\n")
    (tmp_path / "c-bad.json").write_text('{"kind": "Pod",\n "metadata": }\n')
    (tmp_path / "d-multi.yaml").write_text(
        DEPLOYMENT.format(name="first")
        + "---\nkind: Deployment\nmetadata:\n\tname: tabbed\n---\n"
        + DEPLOYMENT.format(name="last")
    )
    result = explain("-o", "json", "--now", NOW, tmp_path)
    assert result.code == 1
    assert [line["name"] for line in result.lines()] == ["first", "good", "last"]
    errors = result.err.splitlines()
    assert errors[0].startswith(f"error: {tmp_path / 'b-broken.yaml'}:4: invalid YAML")
    assert errors[1].startswith(f"error: {tmp_path / 'c-bad.json'}:2: invalid JSON")
    assert errors[2].startswith(f"error: {tmp_path / 'd-multi.yaml'}:31: invalid YAML")
    assert len(errors) == 3


def test_missing_path_is_an_error(explain: Any, tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text(DEPLOYMENT.format(name="ok"))
    result = explain(tmp_path / "ok.yaml", tmp_path / "missing.yaml")
    assert result.code == 1
    assert "missing.yaml: no such file or directory" in result.err
    assert " ok " in result.out


def test_manifests_without_status_are_waiting(explain: Any, tmp_path: Path) -> None:
    manifest = DEPLOYMENT.format(name="fresh").split("status:")[0]
    job = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: once\n  namespace: demo\n"
        "spec:\n  template:\n    spec:\n      restartPolicy: Never\n"
        "      containers:\n      - name: once\n        image: busybox\n"
    )
    (tmp_path / "app.yaml").write_text(manifest + "---\n" + job)
    result = explain("-o", "json", "--now", NOW, tmp_path)
    assert [(line["name"], line["status"], line["reason"]) for line in result.lines()] == [
        ("fresh", "Waiting", "NotObserved"),
        ("once", "Waiting", "NotObserved"),
    ]


def test_now_decides_what_the_clock_decides(explain: Any, tmp_path: Path) -> None:
    cronjob = (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\n  namespace: demo\n"
        '  creationTimestamp: "2026-11-24T12:00:00Z"\nspec:\n  schedule: "0 3 * * *"\n'
        "  jobTemplate: {}\nstatus: {}\n"
    )
    (tmp_path / "cron.yaml").write_text(cronjob)
    before = explain("-o", "json", "--now", "2026-11-25T01:00:00Z", tmp_path).lines()[0]
    after = explain("-o", "json", "--now", "2026-11-25T05:00:00+01:00", tmp_path).lines()[0]
    assert before["status"] == after["status"] == "Waiting"
    assert "2026-11-25T03:00:00Z" in before["message"]
    assert before["warnings"] == []
    assert "has not happened" in after["warnings"][0]


def test_invalid_now_is_refused(explain: Any, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["explain", "--now", "yesterday", str(EXAMPLES)])
    assert exited.value.code == 2
    assert "not an RFC 3339 time: 'yesterday'" in capsys.readouterr().err


def test_colour_when_asked(explain: Any) -> None:
    coloured = explain("--color", "always", "--now", NOW, EXAMPLES / "03-payments-broken.yaml")
    assert "\033[31mNot Ready\033[0m" in coloured.out
    crashing = next(
        line for line in coloured.out.splitlines() if "└ payments-api-6f5e4d3c2b-zt6vx" in line
    )
    assert "\033[31mRunning\033[0m" in crashing
    healthy = next(
        line for line in coloured.out.splitlines() if "├ payments-api-6f5e4d3c2b-8d2kq" in line
    )
    assert "\033[32mRunning\033[0m" in healthy
    plain = explain("--color", "never", "--now", NOW, EXAMPLES / "03-payments-broken.yaml")
    assert "\033[" not in plain.out


def test_other_kinds_are_noted_and_skipped(explain: Any, tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n"
        + DEPLOYMENT.format(name="web")
        + "---\napiVersion: v1\nkind: Service\nmetadata: {}\n"
    )
    result = explain(tmp_path)
    assert result.code == 0
    assert result.err == "note: skipped objects that are not workloads or pods: 2 Service\n"


def test_nothing_to_show(explain: Any, tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("---\n")
    assert explain(tmp_path).out == "No workloads or pods found.\n"


def test_as_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "explain", "--output", "json", "--now", NOW, "examples/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert {line["status"] for line in lines if line["kind"] != "Pod"} == LABELS


SERVING_MODULES = (
    "uvicorn",
    "starlette",
    "strawberry",
    "graphql",
    "redis",
    "aiohttp",
    "httpx",
    "kubernetes",
    "kubernetes_asyncio",
    "gateway.auth",
    "gateway.http",
    "gateway.store",
    "gateway.watch",
    "schema",
    "simcluster",
)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_explain_loads_nothing_of_the_server(source: str) -> None:
    """Start-up time is what explain imports: the serving stack must stay out of it."""
    program = (
        "import contextlib, io, json, sys\n"
        "from gateway.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    code = main(['explain', '--now', sys.argv[1], sys.argv[2]])\n"
        "print(json.dumps({'code': code, 'out': out.getvalue(), 'modules': sorted(sys.modules)}))\n"
    )
    example = EXAMPLES / "01-shop-healthy.yaml"
    done = subprocess.run(
        [sys.executable, "-c", program, NOW, str(example) if source == "file" else "-"],
        cwd=ROOT,
        input=example.read_text() if source == "stdin" else None,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    ran = json.loads(done.stdout)
    assert ran["code"] == 0
    assert " postgres " in ran["out"]
    assert "gateway.status" in ran["modules"]
    loaded = [
        module
        for module in ran["modules"]
        if any(module == heavy or module.startswith(heavy + ".") for heavy in SERVING_MODULES)
    ]
    assert loaded == []


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set what ``explain -`` reads as standard input."""

    def feed(data: str | bytes) -> None:
        raw = data.encode() if isinstance(data, str) else data
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))

    return feed


def test_dash_reads_yaml_documents_from_standard_input(explain: Any, stdin: Any) -> None:
    stdin(DEPLOYMENT.format(name="first") + "---\n" + DEPLOYMENT.format(name="second"))
    result = explain("-o", "json", "--now", NOW, "-")
    assert result.code == 0, result.err
    assert [(line["name"], line["status"]) for line in result.lines()] == [
        ("first", "Running"),
        ("second", "Running"),
    ]


def test_dash_reads_json_lists_one_after_another(explain: Any, stdin: Any) -> None:
    """``kubectl get deploy -o json; kubectl get pods -o json`` piped together."""
    deployments = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [yaml.safe_load(DEPLOYMENT.format(name="web"))],
    }
    pods = {
        "kind": "PodList",
        "apiVersion": "v1",
        "items": [
            {"metadata": {"name": "lone", "namespace": "demo"}, "status": {"phase": "Succeeded"}}
        ],
    }
    stdin(json.dumps(deployments, indent=4) + "\n" + json.dumps(pods, indent=4) + "\n")
    result = explain("-o", "json", "--now", NOW, "-", EXAMPLES / "00-nodes.yaml")
    assert result.code == 0, result.err
    assert [(line["kind"], line["name"]) for line in result.lines()] == [
        ("Deployment", "web"),
        ("Pod", "lone"),
    ]


def test_bad_standard_input_is_an_error_and_files_still_load(
    explain: Any, stdin: Any, tmp_path: Path
) -> None:
    (tmp_path / "ok.yaml").write_text(DEPLOYMENT.format(name="ok"))
    stdin('{"kind": "List", "items": [\n  {"kind": "Pod",}\n]}\n')
    broken = explain("-o", "json", "-", tmp_path / "ok.yaml")
    assert broken.code == 1
    assert broken.err.startswith("error: <stdin>:2: invalid JSON")
    assert [line["name"] for line in broken.lines()] == ["ok"]
    stdin(b"kind: Pod\nmetadata:\n  name: caf\xe9\n")
    assert "error: <stdin>: cannot read: 'utf-8' codec" in explain("-").err
    stdin("")
    empty = explain("-", tmp_path / "ok.yaml")
    assert (empty.code, empty.err) == (1, "error: <stdin>: no input (nothing was piped in)\n")
    assert " ok " in empty.out


def test_dash_named_twice_is_read_once(explain: Any, stdin: Any) -> None:
    stdin(DEPLOYMENT.format(name="web"))
    result = explain("-o", "json", "--now", NOW, "-", "-")
    assert result.code == 1
    assert result.err == "error: <stdin>: named more than once; read the first time only\n"
    assert [line["name"] for line in result.lines()] == ["web"]


def test_an_object_without_a_name_is_an_error_naming_its_document_and_still_shown(
    explain: Any, stdin: Any, tmp_path: Path
) -> None:
    nameless = DEPLOYMENT.format(name="x").replace("  name: x\n", "")
    (tmp_path / "apps.yaml").write_text(
        "# the shop\n" + DEPLOYMENT.format(name="web") + "---\n# no name\n" + nameless
    )
    listing = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            yaml.safe_load(DEPLOYMENT.format(name="api")),
            {"kind": "Pod", "metadata": {"namespace": "demo"}, "status": {"phase": "Running"}},
        ],
    }
    stdin(json.dumps(listing, indent=2))
    result = explain("-o", "json", "--now", NOW, tmp_path / "apps.yaml", "-")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: {tmp_path / 'apps.yaml'}:31 (document 2): Deployment without metadata.name",
        "error: <stdin>:1 (document 1, items[1]): Pod without metadata.name",
    ]
    lines = {(line["kind"], line["name"]): line for line in result.lines()}
    assert set(lines) == {
        ("Deployment", "web"),
        ("Deployment", "api"),
        ("Deployment", ""),
        ("Pod", ""),
    }
    assert lines[("Deployment", "")]["notes"][0] == (
        f"{tmp_path / 'apps.yaml'}:31 (document 2): Deployment without metadata.name"
    )
    assert lines[("Deployment", "")]["status"] == "Running"
    assert (
        lines[("Pod", "")]["notes"][0]
        == "<stdin>:1 (document 1, items[1]): Pod without metadata.name"
    )
    assert "without metadata.name" not in " ".join(lines[("Deployment", "web")]["notes"])
    table = explain("--now", NOW, tmp_path / "apps.yaml")
    assert "Deployment  (no name)  Running" in table.out
    assert "? " + f"{tmp_path / 'apps.yaml'}:31 (document 2)" in " ".join(table.out.split())

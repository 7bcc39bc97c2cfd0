"""What a simulated container says on stdout, by behaviour: a script of lines, not a file.

Every script is a few start-up lines at fixed offsets, then lines at a fixed period
(the k-th one a pure function of k and the run's seed), then the last words it says
before exiting by itself. A server logs requests and heartbeats; a job logs the
batches it processed and how it ended; a crash-looping container retries its
database and gives up with its exit code; an OOM-killed one logs memory growing
towards its limit and then nothing, as the kernel gives it no last words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from simcluster.behaviours import Behavior, PodBehavior

NS = 1_000_000_000
MS = 1_000_000
MI = 1 << 20
_MASK = (1 << 64) - 1
_ROUTES = (
    ("GET", "/healthz"),
    ("GET", "/api/v1/items"),
    ("GET", "/api/v1/items/{id}"),
    ("GET", "/api/v1/items/{id}"),
    ("POST", "/api/v1/items"),
    ("PUT", "/api/v1/items/{id}"),
    ("GET", "/metrics"),
    ("GET", "/"),
)
_DEFAULT_MEMORY = 256 * MI
_PAIR = re.compile(r'(\w+)=("[^"]*"|\S*)')


def mix(seed: int, k: int) -> int:
    """splitmix64: 64 well-spread bits for line ``k`` of the run with ``seed``."""
    z = (seed + (k + 1) * 0x9E3779B97F4A7C15) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


@dataclass(frozen=True, slots=True)
class Writer:
    """The container whose stdout this is."""

    app: str
    name: str
    image: str
    behavior: PodBehavior
    init: bool = False
    memory_limit: int = 0
    """Bytes; 0 when the container declares no memory limit."""
    json_lines: bool = False
    """Lines are JSON objects (``log-format: json``) rather than logfmt."""

    @property
    def version(self) -> str:
        last = self.image.rsplit("/", 1)[-1]
        if "@" in last:
            return "unknown"
        return last.rsplit(":", 1)[1] if ":" in last else "latest"


@dataclass(frozen=True, slots=True)
class Script:
    head: tuple[tuple[int, str], ...]
    """Start-up lines: nanoseconds after the start, and the text; in time order."""
    body_start: int
    """Nanoseconds after the start of the first periodic line's slot (after the head)."""
    body_period: int
    body: Callable[[int], str]
    last_words: Callable[[int, int], tuple[str, ...]]
    """What it says before exiting by itself, given how many periodic lines it wrote and
    its exit code."""


def _ip(bits: int) -> str:
    return f"10.244.{bits & 3}.{(bits >> 2) % 250 + 2}"


def _starting(writer: Writer) -> str:
    return (
        f'level=info msg="starting" app={writer.app} version={writer.version} '
        f"image={writer.image} pid=1"
    )


def _server(writer: Writer, seed: int) -> Script:
    period = 3 * NS
    ready_after = writer.behavior.ready_after
    head = [
        (4 * MS, _starting(writer)),
        (11 * MS, f'level=info msg="configuration loaded" path=/etc/{writer.app}/config.yaml'),
        (20 * MS, 'level=info msg="listening" addr=0.0.0.0:8080'),
    ]
    if ready_after != 0:
        head.append((25 * MS, 'level=info msg="warming up caches"'))
    if ready_after is None:
        start = 5 * NS

        def warming(k: int) -> str:
            elapsed = (start + k * 10 * NS) // NS
            return f'level=warn msg="still warming up" elapsed={elapsed}s'

        return Script(tuple(head), start, 10 * NS, warming, _exits)
    start = NS
    if ready_after > 0:
        ready_at = max(round(ready_after * NS), 30 * MS)
        head.append((ready_at, f'level=info msg="ready" after={ready_after:g}s'))
        start = ready_at + NS

    def serve(k: int) -> str:
        bits = mix(seed, k)
        if k % 10 == 9:
            uptime = (start + k * period) // NS
            return (
                f'level=info msg="heartbeat" uptime={uptime}s requests={k - k // 10} '
                f"goroutines={12 + bits % 9}"
            )
        method, path = _ROUTES[bits % len(_ROUTES)]
        code = 404 if bits % 29 == 0 else 201 if method == "POST" else 200
        return (
            f'level={"warn" if code >= 400 else "info"} msg="request" method={method} '
            f"path={path.format(id=(bits >> 40) % 5000 + 1)} status={code} "
            f"duration_ms={1 + (bits >> 8) % 90} remote={_ip(bits >> 16)}"
        )

    return Script(tuple(head), start, period, serve, _exits)


def _exits(lines: int, code: int) -> tuple[str, ...]:
    level = "info" if code == 0 else "error"
    return (f'level={level} msg="exiting" code={code}',)


def _job(writer: Writer, seed: int) -> Script:
    head = (
        (4 * MS, _starting(writer)),
        (15 * MS, f'level=info msg="connected to queue" queue={writer.app}-work'),
    )

    def batch(k: int) -> str:
        return (
            f'level=info msg="processed batch" batch={k + 1} records={(k + 1) * 250} '
            f"elapsed={k + 1}s"
        )

    def ending(lines: int, code: int) -> tuple[str, ...]:
        if code == 0:
            return (
                f'level=info msg="all batches processed" batches={lines} records={lines * 250}',
                'level=info msg="exiting" code=0',
            )
        return (
            f'level=error msg="batch failed" batch={lines + 1} '
            f'err="upstream returned 503 Service Unavailable"',
            f'level=error msg="exiting" code={code}',
        )

    return Script(head, NS, NS, batch, ending)


def _crash_loop(writer: Writer, seed: int) -> Script:
    database = f"{writer.app}-db"
    address = f"10.96.{seed % 250 + 1}.{(seed >> 8) % 250 + 2}:5432"
    head = (
        (4 * MS, _starting(writer)),
        (9 * MS, f'level=info msg="connecting to database" host={database} port=5432'),
    )

    def retry(k: int) -> str:
        return (
            f'level=warn msg="database not reachable, retrying" host={database} '
            f'attempt={k + 1} err="dial tcp {address}: connect: connection refused"'
        )

    def giving_up(lines: int, code: int) -> tuple[str, ...]:
        if code == 0:
            return ('level=info msg="nothing to do, exiting" code=0',)
        return (
            f'level=error msg="giving up on database" host={database} attempts={lines + 1} '
            f'err="dial tcp {address}: connect: connection refused"',
            f'level=fatal msg="exiting" code={code}',
        )

    return Script(head, 500 * MS, NS, retry, giving_up)


def _oom(writer: Writer, seed: int) -> Script:
    limit = writer.memory_limit or _DEFAULT_MEMORY
    declared = f"{writer.memory_limit // MI}Mi" if writer.memory_limit else "none"
    run = writer.behavior.run_seconds or 5.0
    start, period = 500 * MS, 500 * MS
    head = (
        (4 * MS, _starting(writer)),
        (12 * MS, f'level=info msg="loading dataset into memory" source=s3://{writer.app}/latest'),
    )

    def growing(k: int) -> str:
        share = min((start + k * period) / (run * NS), 1.0)
        rss = 24 * MI + int((limit * 0.97 - 24 * MI) * share)
        return (
            f'level=info msg="loading" rows={(k + 1) * 40_000} rss={rss // MI}Mi limit={declared}'
        )

    return Script(head, start, period, growing, lambda lines, code: ())


def _init(writer: Writer, seed: int) -> Script:
    head = (
        (3 * MS, f'level=info msg="init: waiting for dependencies" container={writer.name}'),
        (40 * MS, 'level=info msg="init: dependencies ready"'),
    )
    return Script(
        head, 5 * NS, 5 * NS, lambda k: 'level=info msg="init: still working"', _init_done
    )


def _init_done(lines: int, code: int) -> tuple[str, ...]:
    return (f'level=info msg="init: done" code={code}',)


def script_for(writer: Writer, seed: int) -> Script:
    if writer.init:
        return _init(writer, seed)
    behavior = writer.behavior
    if behavior.behavior is Behavior.CRASH_LOOP:
        return _crash_loop(writer, seed)
    if behavior.behavior is Behavior.OOM_KILL:
        return _oom(writer, seed)
    if behavior.behavior is Behavior.EXIT or behavior.run_seconds is not None:
        return _job(writer, seed)
    return _server(writer, seed)


SHUTDOWN = (
    'level=info msg="received signal, shutting down" signal=terminated',
    'level=info msg="shutdown complete"',
)
"""What any container says when the kubelet stops it (SIGTERM) before it exits by itself."""


def as_json(line: str, stamp: str) -> str:
    """A logfmt line as the JSON object a structured logger writes, its time first."""
    fields: dict[str, str | int] = {"ts": stamp}
    for key, value in _PAIR.findall(line):
        if value.startswith('"'):
            fields[key] = value[1:-1]
        elif value.isdigit():
            fields[key] = int(value)
        else:
            fields[key] = value
    return json.dumps(fields, separators=(",", ":"))

"""The demo's simulated clusters in a child process: ``python -m gateway simcluster``.

The simulator's controllers reconcile synchronously: scaling a Deployment to 1,000
replicas makes them create, schedule and start pods for seconds at a time. Sharing
the gateway's event loop, that stalled ``/healthz`` for up to 5.7 s and GraphQL
queries past 5 s, or failed them (the gateway's Redis calls timed out). A thread
would not do: the two would take turns on the GIL (a prototype measured ``/healthz``
p99 115 ms and worst 330 ms that way, against 17 to 72 ms and 145 ms with the same
probes and a process). In its own process the fleet runs on the other core and the
gateway only sees its HTTP; bench/demo.py measures what is left.

The child dies with the demo however the demo ends: it watches its standard input,
the read end of a pipe whose only writer is the demo, and stops when that reaches
its end, which the kernel makes happen when the demo exits, crashes or is killed
with SIGKILL (a pipe works on every POSIX system, where PR_SET_PDEATHSIG is Linux
only). It runs in its own session so that a Ctrl-C at the terminal reaches the demo
alone, which stops the gateway first and the clusters after it: the gateway does not
watch its clusters vanish while it shuts down.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path

STOP_SECONDS = 10.0
"""How long the clusters get to stop after SIGTERM before they are killed."""


class FleetError(RuntimeError):
    """The simulated clusters did not come up; the message says what happened."""


class FleetProcess:
    def __init__(
        self, kubeconfig: Path, *, clusters: int, scenario: str, time_scale: float
    ) -> None:
        self.kubeconfig = kubeconfig
        self.arguments = [
            f"--clusters={clusters}",
            f"--scenario={scenario}",
            f"--time-scale={time_scale}",
            f"--kubeconfig={kubeconfig}",
            "--stop-when-stdin-closes",
        ]
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def spawn(self) -> None:
        """Start the child; ``ready()`` waits until its clusters serve."""
        await asyncio.to_thread(self.kubeconfig.unlink, missing_ok=True)
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gateway",
            "simcluster",
            *self.arguments,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )

    async def ready(self, within: float = 120.0) -> None:
        """Until the child has written its kubeconfig (its clusters serve then); FleetError
        if it exits first or takes longer than ``within`` seconds."""
        process = self._process
        if process is None:
            raise RuntimeError("the fleet's process is not started")
        deadline = time.monotonic() + within
        while not await asyncio.to_thread(self.kubeconfig.exists):
            if process.returncode is not None:
                raise FleetError(
                    f"the simulated clusters exited with code {process.returncode} "
                    "before they were ready"
                )
            if time.monotonic() > deadline:
                raise FleetError(f"the simulated clusters were not ready within {within:.0f}s")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
        if process.stdin is not None:
            process.stdin.close()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                await process.stdin.wait_closed()
        self._process = None

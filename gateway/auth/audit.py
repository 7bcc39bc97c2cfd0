"""The audit trail: one line per authenticated operation, and one per refusal.

Who (subject, method, a fingerprint of the credential), what (operation name and
type), where (the clusters and namespaces whose data was returned) and how it ended.
Never the query's variables, headers or tokens: the audit log must be safe to ship.
Without authentication every caller is the same anonymous one and there is no one to
hold to account: those lines are at debug, so a demo's log is not one line per query.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from gateway.auth.principal import ANONYMOUS, Principal

log = logging.getLogger("gateway.audit")


def _level(principal: Principal | None) -> int:
    return logging.DEBUG if principal is ANONYMOUS else logging.INFO


def _who(principal: Principal | None) -> dict[str, object]:
    if principal is None:
        return {"subject": None}
    return {
        "subject": principal.subject,
        "groups": sorted(principal.groups),
        "method": principal.method,
        "credential": principal.fingerprint or None,
    }


def operation(
    principal: Principal | None,
    *,
    name: str | None,
    kind: str,
    outcome: str,
    touched: Iterable[tuple[str, str]],
    codes: Iterable[str] = (),
) -> None:
    places = sorted(touched)
    log.log(
        _level(principal),
        "operation",
        extra={
            **_who(principal),
            "operation": name or "anonymous",
            "type": kind,
            "outcome": outcome,
            "clusters": sorted({cluster for cluster, _ in places}),
            "namespaces": [f"{cluster}/{namespace}" for cluster, namespace in places if namespace],
            "codes": sorted(set(codes)),
        },
    )


def denied(principal: Principal | None, transport: str, reason: str) -> None:
    log.info("denied", extra={**_who(principal), "transport": transport, "reason": reason})


def connected(principal: Principal, transport: str) -> None:
    log.log(_level(principal), "connected", extra={**_who(principal), "transport": transport})

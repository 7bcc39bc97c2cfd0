"""Where clusters come from: kubeconfig contexts (all or chosen) or the pod's service account.

Each cluster gets its own kubernetes_asyncio ApiClient with a connection pool wide
enough for ten open watches plus list pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from kubernetes_asyncio import client, config

IN_CLUSTER = "in-cluster"
POOL_SIZE = 32
UNREADABLE = (config.ConfigException, OSError, ValueError, yaml.YAMLError)
"""What loading a kubeconfig or a service account raises for a file that will not do."""


class ClusterConfigError(ValueError):
    """A kubeconfig or context that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class ClusterSource:
    name: str
    kubeconfig: Path | None = None
    context: str | None = None

    @property
    def in_cluster(self) -> bool:
        return self.kubeconfig is None


def from_kubeconfig(path: Path, contexts: Sequence[str] = ()) -> list[ClusterSource]:
    """One cluster per context; the context name is the cluster's name in the gateway."""
    if not path.is_file():
        raise ClusterConfigError(f"kubeconfig {path} does not exist")
    try:
        names = _context_names(path)
    except UNREADABLE as error:
        raise ClusterConfigError(f"kubeconfig {path} cannot be read: {error}") from error
    if contexts:
        missing = [c for c in contexts if c not in names]
        if missing:
            known = ", ".join(names) or "none"
            raise ClusterConfigError(
                f"context(s) {', '.join(missing)} not in {path} (it has: {known})"
            )
        names = list(contexts)
    if not names:
        raise ClusterConfigError(f"kubeconfig {path} has no contexts")
    return [ClusterSource(name, path, name) for name in names]


def _context_names(path: Path) -> list[str]:
    """The contexts by name, read without choosing one: the library's own listing fails on
    a kubeconfig with no ``current-context`` (as a fresh ``kubectl config set-context``
    leaves it), though each context named in it loads."""
    document = yaml.safe_load(path.read_text())
    if document is None:
        return []
    contexts = document.get("contexts") if isinstance(document, dict) else None
    if not isinstance(contexts, list | None):
        raise ValueError("'contexts' is not a list")
    names = [c.get("name") if isinstance(c, dict) else None for c in contexts or ()]
    if not all(isinstance(name, str) and name for name in names):
        raise ValueError("every entry of 'contexts' needs a name")
    return [str(name) for name in names]


def in_cluster(name: str = IN_CLUSTER) -> ClusterSource:
    return ClusterSource(name)


async def api_client(source: ClusterSource) -> client.ApiClient:
    configuration = client.Configuration()
    if source.in_cluster:
        load_service_account(configuration)
    else:
        try:
            await config.load_kube_config(
                config_file=str(source.kubeconfig),
                context=source.context,
                client_configuration=configuration,
                persist_config=False,
            )
        except UNREADABLE as error:
            raise ClusterConfigError(f"cluster {source.name}: {error}") from error
    configuration.connection_pool_maxsize = POOL_SIZE
    return client.ApiClient(configuration=configuration)


def load_service_account(configuration: client.Configuration) -> None:
    """The pod's service account (local files and variables only, no request).

    The library's own words ("Service host/port is not set.") do not tell someone who
    started the gateway on a laptop what to do instead.
    """
    try:
        config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]
    except UNREADABLE as error:
        raise ClusterConfigError(
            f"the pod's service account cannot be used ({error}). Run the gateway in a "
            "Kubernetes pod whose ServiceAccount token is mounted (the Helm chart's default), "
            "or watch the clusters of a kubeconfig instead (--kubeconfig, or "
            "clusters.kubeconfig)."
        ) from error


def server_of(api: client.ApiClient) -> str:
    return str(api.configuration.host)

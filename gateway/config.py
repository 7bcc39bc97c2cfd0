"""One configuration surface: a YAML file, then ``KSG_*`` environment variables, then flags.

Everything is validated when the gateway starts (and by ``config check``); a bad
value is reported with the dotted key that holds it, an unknown key with the keys
that are known, so a typo never becomes a silently ignored setting.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from strawberry.http.websocket_origin import normalize_allowed_origins

from gateway.custom_resources import CustomResources, rule_places
from gateway.kinds import KindError, normalize
from gateway.redis_connect import RedisUrlError, check
from gateway.section import STATED, Section

ENV_PREFIX = "KSG_"


class ConfigError(ValueError):
    """The configuration cannot be used; the message lists every problem, one a line."""


class Clusters(Section):
    kubeconfig: Path | None = None
    contexts: tuple[str, ...] = ()
    in_cluster: bool = False
    wait_for_cluster: bool = False
    """In-cluster: start without a usable service account and retry until there is one.
    Off, ``serve`` stops at once (exit 2) saying what to do: outside a pod nothing changes."""

    @model_validator(mode="after")
    def _wait_needs_in_cluster(self) -> Clusters:
        if self.wait_for_cluster and not self.in_cluster:
            raise ValueError(
                "waitForCluster waits for the pod's service account: it needs inCluster: true"
            )
        return self


class Redis(Section):
    url: str | None = None
    """One Redis (``redis://``, ``rediss://``), a Sentinel deployment
    (``redis+sentinel://host1:26379,host2:26379/<master>``) or a Cluster
    (``redis+cluster://node-0:6379,node-1:6379``): see gateway/redis_connect.py."""
    key_prefix: str = Field(default="ksg", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    feed_length: int = Field(default=10_000, ge=100, le=10_000_000)

    @field_validator("url")
    @classmethod
    def _url(cls, url: str | None) -> str | None:
        if url is not None:
            try:
                check(url)
            except RedisUrlError as error:
                raise ValueError(str(error)) from None
        return url


class Server(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    state_dir: Path = Path(".state")
    max_body_bytes: int = Field(default=1 << 20, ge=1024, le=64 << 20)
    max_header_bytes: int = Field(default=16 << 10, ge=1024, le=1 << 20)
    cors_origins: tuple[str, ...] = ()
    websocket_origins: tuple[str, ...] = ()

    @field_validator("cors_origins", "websocket_origins")
    @classmethod
    def _origins(cls, origins: tuple[str, ...]) -> tuple[str, ...]:
        """Browsers send an Origin as scheme://host[:port]; anything longer never matches."""
        try:
            normalize_allowed_origins(origins)
        except ValueError:
            raise ValueError(
                "each origin must be '*' or scheme://host[:port] without a path, "
                f"e.g. https://console.example.com; got {list(origins)}"
            ) from None
        return origins


class Watch(Section):
    grace_seconds: float = Field(default=30.0, gt=0, le=3600)
    lease_seconds: float = Field(default=15.0, ge=1, le=600)


class Limits(Section):
    max_page: int = Field(default=1000, ge=1, le=10_000)
    max_depth: int = Field(default=12, ge=2, le=50)
    max_tokens: int = Field(default=2000, ge=50, le=100_000)
    max_aliases: int = Field(default=30, ge=1, le=1000)
    subscription_buffer: int = Field(default=1000, ge=10, le=100_000)
    max_subscriptions_per_connection: int = Field(default=50, ge=1, le=1000)
    snapshot_max: int = Field(default=20_000, ge=1, le=1_000_000)


class TokenFile(Section):
    """Static bearer tokens for bots: a YAML file of sha256 hashes with subjects and groups."""

    path: Path
    fail_closed: bool = True
    """A deleted, unreadable or invalid file revokes every token (false: keep the last good
    entries)."""


class Oidc(Section):
    """OpenID Connect JWTs, verified offline against a JWKS file or a fetched, cached JWKS URL."""

    issuer: str
    audience: str
    jwks_file: Path | None = None
    jwks_url: str | None = Field(default=None, pattern=r"^https?://")
    jwks_cache_seconds: int = Field(default=300, ge=10, le=86_400)
    clock_skew_seconds: int = Field(default=60, ge=0, le=600)
    username_claim: str = "sub"
    username_prefix: str | None = None
    """Put before every OIDC username so that it cannot pose as a bot of the token file or
    a user of another method. Unset: ``<issuer>#`` unless the claim is ``email``; "-": none."""
    groups_claim: str = "groups"
    groups_prefix: str = ""
    algorithms: tuple[str, ...] = ("RS256", "ES256")


class TokenReview(Section):
    """Kubernetes TokenReview against one of the watched clusters: people use their own tokens."""

    cluster: str
    audiences: tuple[str, ...] = ()
    cache_seconds: int = Field(default=60, ge=0, le=3600)


class Grant(Section):
    """What the subjects and groups named here may see; rules add up, nothing else is visible.

    Omitted lists mean "all". ``namespaceSelector`` picks namespaces by their labels.
    ``nodes`` shows the clusters' nodes and namespaces list (cluster-wide information);
    ``metrics`` lets the subject read /metrics (unless ``metricsPublic``).
    """

    subjects: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    clusters: tuple[str, ...] | None = None
    namespaces: tuple[str, ...] | None = None
    namespace_selector: str | None = None
    kinds: tuple[str, ...] | None = None
    pod_logs: bool = False
    nodes: bool = False
    metrics: bool = False

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """Kinds as the cache spells them, so a grant of Deployment.apps admits Deployments;
        no kinds at all means every kind, custom ones included."""
        if kinds is None:
            return None
        try:
            return tuple(normalize(kind) for kind in kinds)
        except KindError as error:
            raise ValueError(str(error)) from error

    @model_validator(mode="after")
    def _names_someone(self) -> Grant:
        if not self.subjects and not self.groups:
            raise ValueError(
                "a rule must name subjects or groups (group system:authenticated: everyone)"
            )
        return self


class Rbac(Section):
    """Delegate to Kubernetes RBAC: a SubjectAccessReview per subject, cluster, namespace, verb."""

    enabled: bool = False
    cache_seconds: int = Field(default=30, ge=0, le=3600)


class RateLimits(Section):
    requests_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    subscriptions_per_minute: int = Field(default=60, ge=1, le=100_000)
    concurrent_subscriptions: int = Field(default=100, ge=1, le=100_000)
    connections_per_subject: int = Field(default=100, ge=1, le=100_000)
    connections_per_address: int = Field(default=500, ge=1, le=1_000_000)
    failed_logins_per_minute: int = Field(default=30, ge=1, le=100_000)
    """Per source address: past it, that address is refused (429) until the minute ends."""


class Auth(Section):
    token_file: TokenFile | None = None
    oidc: Oidc | None = None
    token_review: TokenReview | None = None
    insecure_no_auth: bool = False
    rules: tuple[Grant, ...] = ()
    rbac: Rbac = Rbac()
    rate_limits: RateLimits = RateLimits()
    max_cost: int = Field(default=50_000, ge=100, le=10_000_000)
    metrics_public: bool = False
    recheck_seconds: float = Field(default=10.0, ge=1, le=3600)
    """How often a long subscription checks its caller's credential and rules again."""

    @property
    def configured(self) -> bool:
        return any((self.token_file, self.oidc, self.token_review))


class QueryBudget(Section):
    count: int = Field(default=500, ge=1, le=1_000_000)
    bytes: int = Field(default=4 << 20, ge=1024, le=1 << 30)


class PersistedQueries(Section):
    """Automatic Persisted Queries (Apollo's protocol) and the allow-list mode."""

    mode: Literal["automatic", "allowList", "off"] = "automatic"
    max_query_bytes: int = Field(default=32 << 10, ge=256, le=1 << 20)
    ttl_seconds: int = Field(default=86_400, ge=60, le=30 * 86_400)
    per_subject_per_day: QueryBudget = QueryBudget()
    total_bytes_per_day: int = Field(default=64 << 20, ge=1 << 20, le=1 << 34)
    allow_list: Path | None = None
    """A manifest of the queries allowed in ``allowList`` mode (Apollo's persisted query
    manifest, or a JSON object of sha256 -> query)."""

    @model_validator(mode="after")
    def _allow_list_named(self) -> PersistedQueries:
        if self.mode == "allowList" and self.allow_list is None:
            raise ValueError("mode allowList needs allowList: the manifest's path")
        return self


class Logging(Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "text"] = "auto"


class Config(Section):
    clusters: Clusters = Clusters()
    redis: Redis = Redis()
    server: Server = Server()
    watch: Watch = Watch()
    limits: Limits = Limits()
    logging: Logging = Logging()
    auth: Auth = Auth()
    persisted_queries: PersistedQueries = PersistedQueries()
    custom_resources: CustomResources = CustomResources()


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The settings section an annotation holds, through Optional and tuples."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _known_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        section = _model_in(field.annotation)
        if section is not None:
            keys += _known_keys(section, f"{key}.")
        else:
            keys.append(key)
    return keys


KNOWN_KEYS = _known_keys(Config)
SECRET_KEYS = frozenset({"redis.url"})
"""Never echoed in errors: a Redis URL carries its password."""


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"] if not isinstance(part, int))
        if problem["type"] == STATED:
            lines.extend(str(problem["msg"]).split("\n"))
        elif problem["type"] == "extra_forbidden":
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            lines.append(f"{key}: unknown key{hint}")
        elif key in SECRET_KEYS:
            lines.append(f"{key}: {problem['msg']} (value not shown: it may hold a secret)")
        else:
            lines.append(f"{key}: {problem['msg']} (got {problem.get('input')!r})")
    return lines


def _env_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """``KSG_REDIS_URL=...`` -> {"redis": {"url": ...}}; lists are comma-separated."""
    found: dict[str, Any] = {}
    sections = {name.upper(): name for name in Config.model_fields}
    for variable, value in environ.items():
        if not variable.startswith(ENV_PREFIX):
            continue
        rest = variable[len(ENV_PREFIX) :]
        # The longest section first: KSG_CUSTOM_RESOURCES_WATCH is customResources.watch.
        section_name = max(
            (name for name in sections if rest.startswith(f"{name}_")), key=len, default=""
        )
        section, key = sections.get(section_name), rest[len(section_name) + 1 :]
        if section is None or not key:
            raise ConfigError(
                f"{variable}: not a setting (known sections: {', '.join(sorted(sections))})"
            )
        name, alias = key.lower(), Config.model_fields[section].alias or section
        field = Config.model_fields[section].annotation
        assert isinstance(field, type) and issubclass(field, BaseModel)
        if name not in field.model_fields:
            raise ConfigError(f"{variable}: {alias}.{to_camel(name)} is not a setting")
        annotation = str(field.model_fields[name].annotation)
        parsed: Any = (
            [v.strip() for v in value.split(",") if v.strip()] if "tuple" in annotation else value
        )
        found.setdefault(alias, {})[to_camel(name)] = parsed
    return found


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(dict(merged[key]), value)
        else:
            merged[key] = value
    return merged


def read_file(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: invalid YAML: {getattr(error, 'problem', error)}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(
            f"{path}: expected a mapping of settings, found a {type(loaded).__name__}"
        )
    return loaded


def load(
    path: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """File, then environment, then ``overrides`` (flags), each over the one before."""
    in_file = read_file(path) if path is not None else {}
    values = _merge(in_file, _env_values(os.environ if environ is None else environ))
    values = _merge(values, overrides or {})
    try:
        return Config.model_validate(values, context=rule_places(path, in_file, values))
    except ValidationError as error:
        source = f" in {path}" if path is not None else ""
        raise ConfigError(
            f"invalid configuration{source}:\n  " + "\n  ".join(_describe(error))
        ) from error

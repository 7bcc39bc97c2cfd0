"""Who a simulated cluster knows: users and service accounts, each behind bearer tokens.

A token is one whole identity (username, uid, groups, extra), as a line of the API
server's static token file is; the same user may hold several tokens. Tokens are
checked the way the API server's authenticators check them, so a TokenReview and a
request carrying the token agree:

- a token without audiences of its own (a user's, like a token-file line) is valid
  for the API server's audiences only: a TokenReview asking for other audiences
  does not authenticate it;
- a token with audiences (like a bound service-account token) is valid for those,
  and says so when asked for others;
- every authenticated user is also in ``system:authenticated``;
- a revoked token is remembered, so it is refused as invalidated rather than unknown.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from simcluster.errors import aggregate
from simcluster.names import new_uid

API_AUDIENCES = ("https://kubernetes.default.svc.cluster.local",)
"""What the API server's own tokens are for (kubeadm's default service-account issuer)."""
ADMIN = "kubernetes-admin"
MASTERS = "system:masters"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS = "system:anonymous"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
INVALID_TOKEN = "invalid bearer token"
INVALIDATED = "Token has been invalidated"


@dataclass(frozen=True, slots=True)
class User:
    """``user.Info``: what an authenticator says about the caller."""

    username: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        """The UserInfo of TokenReview and SelfSubjectReview (empty fields left out)."""
        found: dict[str, Any] = {}
        if self.username:
            found["username"] = self.username
        if self.uid:
            found["uid"] = self.uid
        if self.groups:
            found["groups"] = list(self.groups)
        if self.extra:
            found["extra"] = {k: list(v) for k, v in self.extra.items()}
        return found

    def authenticated(self) -> User:
        """This user as the authenticated-group adder leaves it."""
        if AUTHENTICATED in self.groups:
            return self
        return User(self.username, self.uid, (*self.groups, AUTHENTICATED), self.extra)


ANONYMOUS_USER = User(ANONYMOUS, groups=(UNAUTHENTICATED,))


def service_account_username(namespace: str, name: str) -> str:
    return f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}"


def split_service_account(username: str) -> tuple[str, str] | None:
    """(namespace, name) of ``system:serviceaccount:NS:NAME``, else None."""
    if not username.startswith(SERVICE_ACCOUNT_PREFIX):
        return None
    parts = username[len(SERVICE_ACCOUNT_PREFIX) :].split(":")
    if len(parts) != 2 or not all(parts):
        return None
    return parts[0], parts[1]


def service_account_groups(namespace: str) -> tuple[str, ...]:
    return ("system:serviceaccounts", f"system:serviceaccounts:{namespace}")


@dataclass(frozen=True, slots=True)
class Credential:
    user: User
    audiences: tuple[str, ...] | None
    """None: audience-agnostic, valid for the API server's audiences."""


@dataclass(frozen=True, slots=True)
class Authentication:
    """A token's review: the user and audiences if valid, else the error text."""

    user: User | None
    audiences: tuple[str, ...] = ()
    error: str = ""

    @property
    def authenticated(self) -> bool:
        return self.user is not None


def _go_quoted(values: Sequence[str]) -> str:
    """A []string as Go's %q prints it: ``["a" "b"]``."""
    return "[" + " ".join(f'"{v}"' for v in values) + "]"


def _refused(*causes: str) -> Authentication:
    # The bearer-token authenticator adds "invalid bearer token" when nothing else errs;
    # the real server's union of authenticators reports it next to any specific cause.
    return Authentication(None, (), aggregate([INVALID_TOKEN, *causes]))


def _checked_token(token: str) -> str:
    if not token or token != token.strip() or any(c.isspace() for c in token):
        raise ValueError("a bearer token is a non-empty string without whitespace")
    return token


class Identities:
    """The users and tokens of one cluster; the admin's token is made at once."""

    def __init__(self, api_audiences: Sequence[str] = API_AUDIENCES) -> None:
        self.api_audiences = tuple(api_audiences)
        self._tokens: dict[str, Credential] = {}
        self._revoked: set[str] = set()
        self.admin_token = self.add_user(ADMIN, groups=(MASTERS,))
        """The kubeconfig's token: ``kubernetes-admin`` in ``system:masters``."""
        admin = self.user_of(self.admin_token)
        assert admin is not None, "the admin token was just added"
        self.admin = admin.authenticated()
        """Who a request without a known token is, in the open mode."""

    def _add(self, user: User, token: str | None, audiences: Iterable[str] | None) -> str:
        token = _checked_token(token) if token is not None else secrets.token_urlsafe(32)
        held = self._tokens.get(token)
        if held is not None and held.user.username != user.username:
            raise ValueError(f"that token already belongs to {held.user.username}")
        self._tokens[token] = Credential(user, tuple(audiences) if audiences is not None else None)
        self._revoked.discard(token)
        return token

    def add_user(
        self,
        username: str,
        *,
        token: str | None = None,
        groups: Iterable[str] = (),
        uid: str | None = None,
        extra: Mapping[str, Iterable[str]] | None = None,
        audiences: Iterable[str] | None = None,
    ) -> str:
        """Give ``username`` a token (made up if not given) and return it."""
        if not username:
            raise ValueError("a user needs a name")
        user = User(
            username,
            uid if uid is not None else new_uid(),
            tuple(groups),
            {k: tuple(v) for k, v in (extra or {}).items()},
        )
        return self._add(user, token, audiences)

    def add_service_account(
        self,
        namespace: str,
        name: str,
        *,
        token: str | None = None,
        uid: str | None = None,
        audiences: Iterable[str] | None = None,
    ) -> str:
        """A token for ``system:serviceaccount:NAMESPACE:NAME`` with the service-account groups."""
        if not namespace or not name or ":" in namespace + name:
            raise ValueError("a service account needs a namespace and a name, without ':'")
        user = User(
            service_account_username(namespace, name),
            uid if uid is not None else new_uid(),
            service_account_groups(namespace),
        )
        return self._add(user, token, audiences)

    def revoke(self, token: str) -> bool:
        """Invalidate one token; False if the cluster did not know it."""
        if self._tokens.pop(token, None) is None:
            return False
        self._revoked.add(token)
        return True

    def revoke_user(self, username: str) -> int:
        """Invalidate every token of ``username``; returns how many there were."""
        held = [t for t, c in self._tokens.items() if c.user.username == username]
        for token in held:
            self.revoke(token)
        return len(held)

    def user_of(self, token: str) -> User | None:
        """The identity a live token stands for (as added, without system:authenticated)."""
        credential = self._tokens.get(token)
        return credential.user if credential is not None else None

    def users(self) -> list[tuple[User, int]]:
        """Each known identity with how many live tokens it has, sorted by username."""
        counts: dict[tuple[str, str, tuple[str, ...]], tuple[User, int]] = {}
        for credential in self._tokens.values():
            user = credential.user
            key = (user.username, user.uid, user.groups)
            held = counts.get(key)
            counts[key] = (user, held[1] + 1 if held else 1)
        return [counts[key] for key in sorted(counts)]

    def authenticate(self, token: str, audiences: Sequence[str] = ()) -> Authentication:
        """What a TokenReview of ``token`` for ``audiences`` (default: the API's) says."""
        wanted = tuple(audiences) or self.api_audiences
        credential = self._tokens.get(token)
        if credential is None:
            return _refused(INVALIDATED) if token in self._revoked else _refused()
        if credential.audiences is None:
            granted = tuple(a for a in self.api_audiences if a in wanted)
            if not granted:
                return _refused()
        else:
            granted = tuple(a for a in credential.audiences if a in wanted)
            if not granted:
                return _refused(
                    f"token audiences {_go_quoted(credential.audiences)} is invalid for the "
                    f"target audiences {_go_quoted(wanted)}"
                )
        return Authentication(credential.user.authenticated(), granted)

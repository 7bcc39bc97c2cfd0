"""TokenReview against a simulated cluster that knows users, service accounts and RBAC."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from kubernetes_asyncio import client

from gateway.auth.chain import authenticate, build_authenticators
from gateway.auth.principal import Principal, fingerprint
from gateway.auth.tokenreview import TokenReviewAuthenticator
from gateway.auth.unavailable import VerificationUnavailable as Unavailable
from gateway.clusters import ClusterSource, api_client, from_kubeconfig
from gateway.config import Auth, TokenReview
from simcluster.cluster import SimulatedCluster
from simcluster.fleet import SimulatedFleet
from tests.auth.conftest import LeakGuard, ManualClock, token_file

AUDIENCE = "kube-status-gateway"
UNAVAILABLE = "cannot verify the token now"


@pytest_asyncio.fixture
async def fleet(tmp_path: Path) -> AsyncIterator[SimulatedFleet]:
    async with SimulatedFleet(
        clusters=1, require_auth=True, kubeconfig=tmp_path / "kubeconfig"
    ) as started:
        yield started


@pytest.fixture
def cluster(fleet: SimulatedFleet) -> SimulatedCluster:
    return fleet[0]


@pytest.fixture
def source(fleet: SimulatedFleet) -> ClusterSource:
    [found] = from_kubeconfig(fleet.kubeconfig)
    return found


Make = Callable[..., TokenReviewAuthenticator]


@pytest_asyncio.fixture
async def make(source: ClusterSource, clock: ManualClock) -> AsyncIterator[Make]:
    made: list[TokenReviewAuthenticator] = []

    def build(
        source: ClusterSource = source, *, options: dict[str, Any] | None = None, **settings: Any
    ) -> TokenReviewAuthenticator:
        reviewing = TokenReviewAuthenticator(
            TokenReview(cluster=source.name, **settings), source, clock=clock, **(options or {})
        )
        made.append(reviewing)
        return reviewing

    yield build
    for reviewing in made:
        await reviewing.close()


def user(cluster: SimulatedCluster, guard: LeakGuard, name: str, **details: Any) -> str:
    return guard.secret(cluster.identities.add_user(name, **details))


async def test_a_cluster_token_is_its_user(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    reviews = make()
    token = user(cluster, guard, "alice@example.test", groups=["team-payments"])
    assert await reviews.authenticate(token) == Principal(
        "alice@example.test",
        frozenset({"team-payments", "system:authenticated"}),
        "token-review",
        fingerprint(token),
    )
    robot = guard.secret(cluster.identities.add_service_account("ci", "deployer"))
    principal = await reviews.authenticate(robot)
    assert principal is not None
    assert principal.subject == "system:serviceaccount:ci:deployer"
    assert "system:serviceaccounts:ci" in principal.groups


async def test_a_refused_token_says_why_in_the_api_servers_words(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    reviews = make(cache_seconds=0)
    unknown = guard.secret("not-a-token-of-this-cluster-5f0c1d2e3b4a")
    message = await guard.refused(reviews.authenticate(unknown))
    assert message == "token refused by cluster sim-1: invalid bearer token"
    revoked = user(cluster, guard, "mallory")
    cluster.identities.revoke(revoked)
    message = await guard.refused(reviews.authenticate(revoked))
    assert message == (
        "token refused by cluster sim-1: [invalid bearer token, Token has been invalidated]"
    )


async def test_answers_are_kept_for_cache_seconds_yes_and_no(
    make: Make, cluster: SimulatedCluster, clock: ManualClock, guard: LeakGuard
) -> None:
    reviews = make(cache_seconds=60)
    leaving = user(cluster, guard, "leaving")
    assert await reviews.authenticate(leaving) is not None
    cluster.identities.revoke(leaving)
    clock.advance(59)
    assert await reviews.authenticate(leaving) is not None, "the yes is remembered"
    clock.advance(1)
    assert "invalidated" in await guard.refused(reviews.authenticate(leaving))

    arriving = guard.secret("a-token-made-up-before-it-exists-0d1e2f3a")
    assert "invalid bearer token" in await guard.refused(reviews.authenticate(arriving))
    cluster.identities.add_user("arriving", token=arriving)
    assert "invalid bearer token" in await guard.refused(reviews.authenticate(arriving))
    clock.advance(60)
    assert await reviews.authenticate(arriving) is not None


async def test_without_a_cache_every_token_is_asked_about(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    reviews = make(cache_seconds=0)
    token = user(cluster, guard, "bob")
    assert await reviews.authenticate(token) is not None
    cluster.identities.revoke(token)
    await guard.refused(reviews.authenticate(token))


async def test_the_cache_holds_at_most_max_cached_answers(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    reviews = make(cache_seconds=600, options={"max_cached": 2})
    first, second, third = (user(cluster, guard, f"user-{n}") for n in range(3))
    for token in (first, second, third):
        assert await reviews.authenticate(token) is not None
    for token in (first, third):
        cluster.identities.revoke(token)
    assert await reviews.authenticate(third) is not None, "still cached"
    assert "invalidated" in await guard.refused(reviews.authenticate(first)), "pushed out"


async def test_concurrent_requests_with_one_token_share_one_review(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    """The one review fails on purpose: had there been more, the others would pass."""
    reviews = make()
    token = user(cluster, guard, "busy")
    cluster.faults.fail_next(1, 500)
    outcomes = await asyncio.gather(
        *(reviews.authenticate(token) for _ in range(10)), return_exceptions=True
    )
    assert [str(outcome) for outcome in outcomes] == [UNAVAILABLE] * 10
    assert await reviews.authenticate(token) is not None, "a failure is not remembered"


async def test_an_unreachable_api_server(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    reviews = make()
    token = user(cluster, guard, "carol")
    await cluster.faults.go_unreachable()
    assert await guard.refused(reviews.authenticate(token), Unavailable) == UNAVAILABLE
    assert guard.messages(logging.INFO) == ["TokenReview failed: no answer from the API server"]
    [record] = [r for r in guard.records if r.levelno >= logging.INFO]
    assert vars(record)["cluster"] == "sim-1"
    await cluster.faults.come_back()
    assert await reviews.authenticate(token) is not None


async def test_a_slow_api_server_is_given_up_on(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    reviews = make(options={"timeout": 0.3})
    token = user(cluster, guard, "dave")
    cluster.faults.latency = 3.0
    assert await guard.refused(reviews.authenticate(token), Unavailable) == UNAVAILABLE
    assert "TimeoutError: " in guard.causes()[0]


async def test_an_api_server_error_is_logged_and_not_remembered(
    make: Make, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    reviews = make()
    token = user(cluster, guard, "erin")
    cluster.faults.fail_next(1, 500)
    assert await guard.refused(reviews.authenticate(token), Unavailable) == UNAVAILABLE
    assert guard.causes() == [
        "HTTP 500: Internal error occurred: the simulated cluster was told to fail this request"
    ]
    assert await reviews.authenticate(token) is not None


async def test_a_gateway_not_allowed_to_review_tokens_says_what_it_needs(
    tmp_path: Path, fleet: SimulatedFleet, make: Make, guard: LeakGuard
) -> None:
    cluster = fleet[0]
    gateway = user(cluster, guard, "gateway-without-rbac")
    kubeconfig = fleet.write_kubeconfig(tmp_path / "gateway-kubeconfig", {"sim-1": gateway})
    [source] = from_kubeconfig(kubeconfig)
    reviews = make(source)
    token = user(cluster, guard, "frank")
    assert await guard.refused(reviews.authenticate(token), Unavailable) == UNAVAILABLE
    [record] = [r for r in guard.records if r.levelname == "ERROR"]
    assert vars(record)["cause"].startswith("HTTP 403: ")
    assert "create on tokenreviews.authentication.k8s.io" in vars(record)["hint"]


async def test_audiences(make: Make, cluster: SimulatedCluster, guard: LeakGuard) -> None:
    reviews = make(audiences=[AUDIENCE])
    bound = guard.secret(cluster.identities.add_service_account("ci", "bot", audiences=[AUDIENCE]))
    principal = await reviews.authenticate(bound)
    assert principal is not None
    assert principal.subject == "system:serviceaccount:ci:bot"
    elsewhere = guard.secret(
        cluster.identities.add_service_account("ci", "other", audiences=["vault"])
    )
    message = await guard.refused(reviews.authenticate(elsewhere))
    assert 'token audiences ["vault"] is invalid for the target audiences' in message
    for_the_api = user(cluster, guard, "api-only")
    assert "invalid bearer token" in await guard.refused(reviews.authenticate(for_the_api))


async def test_with_the_other_methods(
    tmp_path: Path, fleet: SimulatedFleet, source: ClusterSource, guard: LeakGuard
) -> None:
    bot = guard.secret("a-bot-token-for-the-file-0123456789abcdef")
    person = user(fleet[0], guard, "grace", groups=["sre"])
    auth = Auth(
        token_file=token_file(tmp_path / "tokens.yaml", bot, "ci-bot"),
        token_review=TokenReview(cluster="sim-1"),
    )
    authenticators = build_authenticators(auth, [source])
    try:
        assert (await authenticate(authenticators, bot)).method == "token-file"
        found = await authenticate(authenticators, person)
        assert (found.subject, found.method) == ("grace", "token-review")
        stranger = guard.secret("nobody-knows-this-token-a1b2c3d4e5f6")
        message = await guard.refused(authenticate(authenticators, stranger))
        assert message == "token refused by cluster sim-1: invalid bearer token"
    finally:
        for authenticator in authenticators:
            await authenticator.close()


async def test_the_client_library_would_log_the_token_at_debug_level(
    source: ClusterSource, cluster: SimulatedCluster, guard: LeakGuard
) -> None:
    """Why reviews are read raw: a parsed call logs the response, token and all."""
    token = user(cluster, guard, "heidi")
    async with await api_client(source) as api:
        review = client.V1TokenReview(spec=client.V1TokenReviewSpec(token=token))
        answer = await client.AuthenticationV1Api(api).create_token_review(review)
    assert answer.status.user.username == "heidi"
    with pytest.raises(AssertionError, match="test token 1 appears in a log record"):
        guard.check_logs()
    guard.records.clear()

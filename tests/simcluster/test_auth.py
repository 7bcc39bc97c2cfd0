"""Identities, TokenReview, SubjectAccessReview and RBAC, over the real protocol:
kubernetes_asyncio, kubectl (``auth can-i`` sends protobuf SelfSubjectAccessReviews with
impersonation headers) and bare HTTP, in the open mode and with ``require_auth``."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from simcluster.cluster import SimulatedCluster
from simcluster.fleet import SimulatedFleet
from simcluster.identities import API_AUDIENCES
from simcluster.rbac import Attributes
from simcluster.requestinfo import request_attributes
from simcluster.resources import ALL_VERBS

from .helpers import Kubectl, api_from, get_json
from .objects import binding, role, rule, subject
from .protobuf import PROTOBUF, envelope, field

SAR = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
TOKEN_REVIEWS = "/apis/authentication.k8s.io/v1/tokenreviews"
ADMIN_IDENTITIES = "/simcluster/identities"
NAMESPACE_SHOP = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}


def api_as(
    fleet: SimulatedFleet, token: str, path: Path
) -> contextlib.AbstractAsyncContextManager[client.ApiClient]:
    """kubernetes_asyncio from a kubeconfig carrying ``token`` for sim-1."""
    return api_from(fleet.write_kubeconfig(path, {"sim-1": token}))


async def _post(
    http: aiohttp.ClientSession,
    path: str,
    body: Any,
    status: int = 201,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    async with http.post(path, json=body, headers=headers) as response:
        assert response.status == status, await response.text()
        answer: dict[str, Any] = await response.json()
        return answer


async def test_discovery_lists_the_review_and_rbac_apis(http: aiohttp.ClientSession) -> None:
    group = await get_json(http, "/apis/authentication.k8s.io")
    assert group["preferredVersion"] == {
        "groupVersion": "authentication.k8s.io/v1",
        "version": "v1",
    }
    authentication = await get_json(http, "/apis/authentication.k8s.io/v1")
    assert authentication["resources"] == [
        {
            "name": "selfsubjectreviews",
            "singularName": "selfsubjectreview",
            "namespaced": False,
            "kind": "SelfSubjectReview",
            "verbs": ["create"],
        },
        {
            "name": "tokenreviews",
            "singularName": "tokenreview",
            "namespaced": False,
            "kind": "TokenReview",
            "verbs": ["create"],
        },
    ]
    authorization = await get_json(http, "/apis/authorization.k8s.io/v1")
    assert [(r["name"], r["namespaced"], r["verbs"]) for r in authorization["resources"]] == [
        ("localsubjectaccessreviews", True, ["create"]),
        ("selfsubjectaccessreviews", False, ["create"]),
        ("selfsubjectrulesreviews", False, ["create"]),
        ("subjectaccessreviews", False, ["create"]),
    ]
    rbac = await get_json(http, "/apis/rbac.authorization.k8s.io/v1")
    assert [(r["name"], r["kind"], r["namespaced"]) for r in rbac["resources"]] == [
        ("clusterrolebindings", "ClusterRoleBinding", False),
        ("clusterroles", "ClusterRole", False),
        ("rolebindings", "RoleBinding", True),
        ("roles", "Role", True),
    ]
    assert all(r["verbs"] == list(ALL_VERBS) for r in rbac["resources"])
    async with http.get(TOKEN_REVIEWS) as response:
        assert response.status == 405


async def test_kubectl_discovers_the_new_groups(kubectl: Kubectl) -> None:
    listed = await kubectl.ok("api-resources", "--api-group=authorization.k8s.io", "-o", "name")
    assert listed.split() == [
        "localsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectaccessreviews.authorization.k8s.io",
        "selfsubjectrulesreviews.authorization.k8s.io",
        "subjectaccessreviews.authorization.k8s.io",
    ]
    roles = await kubectl.ok("get", "clusterroles")
    header, *rows = roles.splitlines()
    assert header.split() == ["NAME", "CREATED", "AT"]
    names = [row.split()[0] for row in rows]
    assert {"cluster-admin", "admin", "edit", "view", "system:auth-delegator"} <= set(names)
    bindings = await kubectl.ok("get", "clusterrolebindings", "-o", "wide")
    admin = next(line for line in bindings.splitlines() if line.startswith("cluster-admin "))
    assert admin.split()[1] == "ClusterRole/cluster-admin"
    assert admin.split()[-1] == "system:masters"


async def test_token_review_through_kubernetes_asyncio(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    token = cluster.identities.add_user("alice", groups=["team-shop"], uid="alice-uid")
    bot = cluster.identities.add_service_account(
        "ci", "deployer", audiences=["kube-status-gateway"]
    )
    reviews = client.AuthenticationV1Api(api)

    async def review(token: str, audiences: list[str] | None = None) -> Any:
        spec = client.V1TokenReviewSpec(token=token, audiences=audiences)
        answer = await reviews.create_token_review(client.V1TokenReview(spec=spec))
        assert answer.spec.token == token, "the real server echoes the spec"
        return answer.status

    status = await review(token)
    assert status.authenticated is True
    assert status.user.username == "alice"
    assert status.user.uid == "alice-uid"
    assert status.user.groups == ["team-shop", "system:authenticated"]
    assert status.audiences == list(API_AUDIENCES)
    assert status.error is None

    unknown = await review("no-such-token")
    assert not unknown.authenticated
    assert unknown.error == "invalid bearer token"
    assert unknown.user.username is None

    elsewhere = await review(token, ["https://other.example"])
    assert not elsewhere.authenticated, "a user's token is only for the API server's audiences"

    status = await review(bot, ["kube-status-gateway"])
    assert status.authenticated is True
    assert status.user.username == "system:serviceaccount:ci:deployer"
    assert status.user.groups == [
        "system:serviceaccounts",
        "system:serviceaccounts:ci",
        "system:authenticated",
    ]
    assert status.audiences == ["kube-status-gateway"]
    wrong = await review(bot)
    assert not wrong.authenticated
    assert wrong.error == (
        '[invalid bearer token, token audiences ["kube-status-gateway"] is invalid for the '
        'target audiences ["https://kubernetes.default.svc.cluster.local"]]'
    )


async def test_revoked_tokens_are_refused(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    first = cluster.identities.add_user("alice", token="alice-1")
    second = cluster.identities.add_user("alice", token="alice-2")
    other = cluster.identities.add_user("bob")
    assert (await _post(http, TOKEN_REVIEWS, {"spec": {"token": first}}))["status"]["authenticated"]
    assert cluster.identities.revoke(first) is True
    assert cluster.identities.revoke(first) is False, "already revoked"
    answer = await _post(http, TOKEN_REVIEWS, {"spec": {"token": first}})
    assert answer["status"] == {
        "user": {},
        "error": "[invalid bearer token, Token has been invalidated]",
    }
    assert (await _post(http, TOKEN_REVIEWS, {"spec": {"token": second}}))["status"][
        "authenticated"
    ]
    assert cluster.identities.revoke_user("alice") == 1
    assert (
        "authenticated"
        not in (await _post(http, TOKEN_REVIEWS, {"spec": {"token": second}}))["status"]
    )
    assert (await _post(http, TOKEN_REVIEWS, {"spec": {"token": other}}))["status"]["authenticated"]
    cluster.require_auth = True
    for token in (first, second):
        async with http.get("/api/v1/pods", headers={"Authorization": f"Bearer {token}"}) as got:
            assert got.status == 401
            assert (await got.json())["reason"] == "Unauthorized"


async def test_token_review_refusals(http: aiohttp.ClientSession) -> None:
    empty = await _post(http, TOKEN_REVIEWS, {"spec": {}}, status=400)
    assert empty["message"] == "token is required for TokenReview in authentication"
    typed = await _post(http, TOKEN_REVIEWS, {"spec": {"token": 42}}, status=400)
    assert "cannot unmarshal number" in typed["message"]
    wrong = await _post(http, TOKEN_REVIEWS, {"kind": "Pod", "spec": {"token": "x"}}, status=400)
    assert "does not match" in wrong["message"]


RBAC_OBJECTS = [
    role("pod-reader", rule(["get", "list", "watch"], ["pods"]), namespace="shop"),
    binding("alice-pods", "Role", "pod-reader", subject("User", "alice"), namespace="shop"),
    role("log-reader", rule(["get"], ["pods/log"])),
    binding(
        "team-logs", "ClusterRole", "log-reader", subject("Group", "team-shop"), namespace="shop"
    ),
    role("scaler", rule(["update", "patch"], ["*/scale"], groups=("apps",))),
    binding("ops-scale", "ClusterRole", "scaler", subject("Group", "ops")),
    role("web-only", rule(["get"], ["deployments"], ("apps",), names=["web"]), namespace="shop"),
    binding("carol-web", "Role", "web-only", subject("User", "carol"), namespace="shop"),
    role("anything", {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, namespace="data"),
    binding("bot-data", "Role", "anything", subject("ServiceAccount", "bot"), namespace="data"),
    role("node-lister", rule(["list"], ["nodes"])),
    binding("ci-nodes", "ClusterRole", "node-lister", subject("ServiceAccount", "deployer", "ci")),
    role("metrics", {"nonResourceURLs": ["/metrics", "/logs/*"], "verbs": ["get"]}),
    binding("scraper", "ClusterRole", "metrics", subject("User", "scraper")),
    binding("dangling", "ClusterRole", "missing", subject("User", "dave"), namespace="shop"),
]


def _status_of(error: ApiException) -> dict[str, Any]:
    """The Status object an ApiException carries."""
    found: dict[str, Any] = json.loads(error.body or b"{}")
    return found


def _resource(verb: str, resource: str, namespace: str = "", **more: str) -> dict[str, Any]:
    return {
        "resourceAttributes": {"verb": verb, "resource": resource, "namespace": namespace, **more}
    }


def _url(verb: str, path: str) -> dict[str, Any]:
    return {"nonResourceAttributes": {"verb": verb, "path": path}}


Caller = tuple[str, list[str]]
"""A SubjectAccessReview's user and groups."""
ALICE: Caller = ("alice", [])
TEAM: Caller = ("eve", ["team-shop"])
OPS: Caller = ("olga", ["ops"])
CAROL: Caller = ("carol", [])
DATA_BOT: Caller = ("system:serviceaccount:data:bot", [])
SCRAPER: Caller = ("scraper", [])
RBAC_CASES: list[tuple[str, Caller, dict[str, Any], bool, str]] = [
    (
        "a Role through a RoleBinding to a user",
        ALICE,
        _resource("list", "pods", "shop"),
        True,
        'RBAC: allowed by RoleBinding "alice-pods/shop" of Role "pod-reader" to User "alice"',
    ),
    ("a RoleBinding stops at its namespace", ALICE, _resource("list", "pods", "data"), False, ""),
    ("verbs must match", ALICE, _resource("delete", "pods", "shop"), False, ""),
    (
        "pods does not grant pods/log",
        ALICE,
        _resource("get", "pods", "shop", subresource="log", name="web-0"),
        False,
        "",
    ),
    (
        "a group subject, a RoleBinding to a ClusterRole",
        TEAM,
        _resource("get", "pods", "shop", subresource="log", name="web-0"),
        True,
        'RBAC: allowed by RoleBinding "team-logs/shop" of ClusterRole "log-reader" to Group '
        '"team-shop"',
    ),
    (
        "a ClusterRole bound in one namespace",
        TEAM,
        _resource("get", "pods", "data", subresource="log"),
        False,
        "",
    ),
    (
        "*/scale in every namespace through a ClusterRoleBinding",
        OPS,
        _resource("patch", "deployments", "data", group="apps", subresource="scale"),
        True,
        'RBAC: allowed by ClusterRoleBinding "ops-scale" of ClusterRole "scaler" to Group "ops"',
    ),
    (
        "*/scale is not the resource",
        OPS,
        _resource("patch", "deployments", "data", group="apps"),
        False,
        "",
    ),
    (
        "API groups must match",
        OPS,
        _resource("patch", "deployments", "data", subresource="scale"),
        False,
        "",
    ),
    (
        "a named resource",
        CAROL,
        _resource("get", "deployments", "shop", group="apps", name="web"),
        True,
        'RBAC: allowed by RoleBinding "carol-web/shop" of Role "web-only" to User "carol"',
    ),
    (
        "another name",
        CAROL,
        _resource("get", "deployments", "shop", group="apps", name="api"),
        False,
        "",
    ),
    (
        "resourceNames never grant a list",
        CAROL,
        _resource("get", "deployments", "shop", group="apps"),
        False,
        "",
    ),
    (
        "wildcards, a ServiceAccount subject in the binding's namespace",
        DATA_BOT,
        _resource("deletecollection", "jobs", "data", group="batch"),
        True,
        'RBAC: allowed by RoleBinding "bot-data/data" of Role "anything" to ServiceAccount '
        '"bot/data"',
    ),
    (
        "the same account name elsewhere",
        ("system:serviceaccount:shop:bot", []),
        _resource("get", "jobs", "data", group="batch"),
        False,
        "",
    ),
    (
        "a ServiceAccount in a ClusterRoleBinding, cluster scope",
        ("system:serviceaccount:ci:deployer", []),
        _resource("list", "nodes"),
        True,
        'RBAC: allowed by ClusterRoleBinding "ci-nodes" of ClusterRole "node-lister" to '
        'ServiceAccount "deployer/ci"',
    ),
    (
        "an exact URL",
        SCRAPER,
        _url("get", "/metrics"),
        True,
        'RBAC: allowed by ClusterRoleBinding "scraper" of ClusterRole "metrics" to User "scraper"',
    ),
    (
        "a URL prefix",
        SCRAPER,
        _url("get", "/logs/kubelet.log"),
        True,
        'RBAC: allowed by ClusterRoleBinding "scraper" of ClusterRole "metrics" to User "scraper"',
    ),
    ("URL verbs", SCRAPER, _url("post", "/metrics"), False, ""),
    (
        "without system:authenticated, no discovery",
        SCRAPER,
        _url("get", "/apis"),
        False,
        "",
    ),
    (
        "discovery for system:authenticated",
        ("anyone", ["system:authenticated"]),
        _url("get", "/apis/apps/v1"),
        True,
        'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole '
        '"system:discovery" to Group "system:authenticated"',
    ),
    (
        "system:masters may do anything, before RBAC",
        ("root", ["system:masters"]),
        _resource("delete", "nodes", name="sim-1-node-1"),
        True,
        "",
    ),
    (
        "a binding to a missing role",
        ("dave", []),
        _resource("list", "pods", "shop"),
        False,
        'RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found',
    ),
]


async def test_subject_access_reviews_evaluate_rbac(
    cluster: SimulatedCluster, http: aiohttp.ClientSession
) -> None:
    for obj in RBAC_OBJECTS:
        cluster.create(obj)
    wrong: list[str] = []
    for name, (user, groups), attributes, allowed, reason in RBAC_CASES:
        spec = {"user": user, "groups": groups, **attributes}
        body = {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": spec,
        }
        answer = await _post(http, SAR, body)
        status = answer["status"]
        expected: dict[str, Any] = {"allowed": allowed, **({"reason": reason} if reason else {})}
        if status != expected:
            wrong.append(f"{name}: {status} (expected {expected})")
        direct = cluster.authorizer.authorize(_attributes(user, groups, attributes))
        if direct.allowed != allowed:
            wrong.append(f"{name}: the Python API says {direct}")
    assert wrong == []


def _attributes(user: str, groups: list[str], spec: dict[str, Any]) -> Attributes:
    if "nonResourceAttributes" in spec:
        url = spec["nonResourceAttributes"]
        return Attributes(
            user, tuple(groups), url["verb"], path=url["path"], resource_request=False
        )
    found = spec["resourceAttributes"]
    return Attributes(
        user,
        tuple(groups),
        found["verb"],
        namespace=found.get("namespace", ""),
        group=found.get("group", ""),
        resource=found["resource"],
        subresource=found.get("subresource", ""),
        name=found.get("name", ""),
    )


async def test_subject_access_review_through_kubernetes_asyncio(
    cluster: SimulatedCluster, api: client.ApiClient
) -> None:
    cluster.create(
        binding("shop-view", "ClusterRole", "view", subject("Group", "team-shop"), namespace="shop")
    )
    reviews = client.AuthorizationV1Api(api)

    async def allowed(namespace: str | None, resource: str, subresource: str | None = None) -> Any:
        spec = client.V1SubjectAccessReviewSpec(
            user="alice",
            groups=["team-shop", "system:authenticated"],
            resource_attributes=client.V1ResourceAttributes(
                verb="get" if subresource else "list",
                group="apps" if resource == "deployments" else "",
                resource=resource,
                namespace=namespace,
                subresource=subresource,
            ),
        )
        answer = await reviews.create_subject_access_review(client.V1SubjectAccessReview(spec=spec))
        assert answer.spec.user == "alice"
        return answer.status

    granted = await allowed("shop", "deployments")
    assert granted.allowed is True
    assert granted.reason.startswith('RBAC: allowed by RoleBinding "shop-view/shop"')
    assert granted.denied is None, "RBAC never denies, it only fails to allow"
    assert (await allowed("shop", "pods", "log")).allowed is True
    refused = await allowed("data", "deployments")
    assert refused.allowed is False
    assert refused.reason is None
    assert (await allowed(None, "nodes")).allowed is False

    local = await reviews.create_namespaced_local_subject_access_review(
        "shop",
        client.V1LocalSubjectAccessReview(
            spec=client.V1SubjectAccessReviewSpec(
                user="alice",
                groups=["team-shop"],
                resource_attributes=client.V1ResourceAttributes(
                    verb="watch", resource="pods", namespace="shop"
                ),
            )
        ),
    )
    assert local.status.allowed is True
    assert local.metadata.namespace == "shop"
    with pytest.raises(ApiException) as mismatch:
        await reviews.create_namespaced_local_subject_access_review(
            "shop",
            client.V1LocalSubjectAccessReview(
                spec=client.V1SubjectAccessReviewSpec(
                    user="alice",
                    resource_attributes=client.V1ResourceAttributes(
                        verb="list", resource="pods", namespace="data"
                    ),
                )
            ),
        )
    assert mismatch.value.status == 422
    assert _status_of(mismatch.value)["message"] == (
        'LocalSubjectAccessReview.authorization.k8s.io "" is invalid: '
        'spec.resourceAttributes.namespace: Invalid value: "data": must match metadata.namespace'
    )


async def test_subject_access_review_refusals(http: aiohttp.ClientSession) -> None:
    nobody = await _post(http, SAR, {"spec": _resource("list", "pods")}, status=422)
    assert nobody["message"] == (
        'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": '
        "at least one of user or group must be specified"
    )
    nothing = await _post(http, SAR, {"spec": {"user": "alice"}}, status=422)
    assert nothing["message"].endswith(
        "spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or "
        "resourceAttributes must be specified"
    )
    both = {"user": "alice", **_resource("list", "pods"), **_url("get", "/apis")}
    assert (
        "cannot be specified in combination"
        in (await _post(http, SAR, {"spec": both}, status=422))["message"]
    )
    named = await _post(
        http,
        SAR,
        {"metadata": {"name": "x"}, "spec": {"user": "a", **_url("get", "/")}},
        status=422,
    )
    assert named["message"].endswith('metadata: Invalid value: {"name":"x"}: must be empty')
    assert named["details"]["causes"][0]["field"] == "metadata"
    typed = await _post(
        http, SAR, {"spec": {"user": "a", "groups": "ops", **_url("get", "/")}}, status=400
    )
    assert "cannot unmarshal string" in typed["message"]


async def test_self_reviews_see_the_caller(
    cluster: SimulatedCluster, fleet: SimulatedFleet, tmp_path: Path
) -> None:
    cluster.create(
        binding("shop-view", "ClusterRole", "view", subject("Group", "team-shop"), namespace="shop")
    )
    token = cluster.identities.add_user(
        "alice", groups=["team-shop"], uid="u-1", extra={"team": ["shop"]}
    )
    async with api_as(fleet, token, tmp_path / "alice") as api:
        who = await client.AuthenticationV1Api(api).create_self_subject_review(
            client.V1SelfSubjectReview()
        )
        assert who.status.user_info.username == "alice"
        assert who.status.user_info.uid == "u-1"
        assert who.status.user_info.groups == ["team-shop", "system:authenticated"]
        assert who.status.user_info.extra == {"team": ["shop"]}
        reviews = client.AuthorizationV1Api(api)
        can = await reviews.create_self_subject_access_review(
            client.V1SelfSubjectAccessReview(
                spec=client.V1SelfSubjectAccessReviewSpec(
                    resource_attributes=client.V1ResourceAttributes(
                        verb="list", group="batch", resource="jobs", namespace="shop"
                    )
                )
            )
        )
        assert can.status.allowed is True
        rules = await reviews.create_self_subject_rules_review(
            client.V1SelfSubjectRulesReview(
                spec=client.V1SelfSubjectRulesReviewSpec(namespace="shop")
            )
        )
        granted = {
            (tuple(r.api_groups or ()), resource)
            for r in rules.status.resource_rules
            for resource in r.resources or ()
        }
        assert (("batch",), "jobs") in granted
        assert (("",), "pods/log") in granted
        assert (("authorization.k8s.io",), "selfsubjectaccessreviews") in granted
        assert "/apis" in {u for r in rules.status.non_resource_rules for u in r.non_resource_urls}
        assert rules.status.incomplete is False
        with pytest.raises(ApiException) as missing:
            await reviews.create_self_subject_rules_review(
                client.V1SelfSubjectRulesReview(spec=client.V1SelfSubjectRulesReviewSpec())
            )
        assert missing.value.status == 400


async def test_kubectl_auth_can_i_with_impersonation(
    cluster: SimulatedCluster, kubectl: Kubectl
) -> None:
    manifests = [
        role(
            "deployer", rule(["get", "list", "patch"], ["deployments"], ("apps",)), namespace="shop"
        ),
        binding("deployers", "Role", "deployer", subject("Group", "team-shop"), namespace="shop"),
        binding("bot-view", "ClusterRole", "view", subject("ServiceAccount", "bot", "ci")),
    ]
    cluster.create(NAMESPACE_SHOP)
    applied = await kubectl.ok("apply", "-f", "-", stdin=yaml.safe_dump_all(manifests))
    assert "role.rbac.authorization.k8s.io/deployer created" in applied
    assert cluster.get("RoleBinding", "deployers", "shop") is not None

    async def can(*args: str) -> str:
        ran = await kubectl.run("auth", "can-i", *args)
        assert ran.code in (0, 1), ran.err
        return ran.out.strip()

    team = ("--as=alice", "--as-group=team-shop")
    assert await can("patch", "deployments", "-n", "shop", *team) == "yes"
    assert await can("patch", "deployments.apps/web", "-n", "shop", *team) == "yes"
    assert await can("delete", "deployments", "-n", "shop", *team) == "no"
    assert await can("patch", "deployments", "-n", "data", *team) == "no"
    assert await can("patch", "deployments", "-n", "shop", "--as=alice") == "no", "no groups"
    bot = "--as=system:serviceaccount:ci:bot"
    assert await can("get", "pods", "--subresource=log", "-n", "data", bot) == "yes"
    assert await can("list", "nodes", bot) == "no"
    assert await can("delete", "nodes") == "yes", "the kubeconfig's admin is in system:masters"

    listed = await kubectl.ok("auth", "can-i", "--list", "-n", "shop", *team)
    assert any(
        line.split()[0] == "deployments.apps" and "[get list patch]" in line
        for line in listed.splitlines()
    )
    who = await kubectl.ok("auth", "whoami", "-o", "json", *team)
    assert json.loads(who)["status"]["userInfo"] == {
        "username": "alice",
        "groups": ["team-shop", "system:authenticated"],
    }

    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": "alice",
            "groups": ["team-shop"],
            **_resource("list", "deployments", "shop", group="apps"),
        },
    }
    created = json.loads(
        await kubectl.ok("create", "-f", "-", "-o", "json", stdin=json.dumps(review))
    )
    assert created["status"]["allowed"] is True

    manifests[0]["rules"] = [rule(["get"], ["deployments"], ("apps",))]
    await kubectl.ok("apply", "-f", "-", stdin=yaml.safe_dump_all(manifests))
    assert await can("patch", "deployments", "-n", "shop", *team) == "no"
    await kubectl.ok("delete", "rolebinding", "deployers", "-n", "shop")
    assert await can("get", "deployments", "-n", "shop", *team) == "no"


async def test_impersonation_is_authorized(
    cluster: SimulatedCluster, fleet: SimulatedFleet, tmp_path: Path
) -> None:
    token = cluster.identities.add_user("alice", token="alice-token")
    async with aiohttp.ClientSession(cluster.url) as http:
        headers = {"Authorization": f"Bearer {token}", "Impersonate-User": "bob"}
        async with http.get("/api/v1/pods", headers=headers) as response:
            assert response.status == 403
            refused = await response.json()
        assert refused["message"] == (
            'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API '
            'group "" at the cluster scope'
        )
        assert refused["details"] == {"name": "bob", "kind": "users"}
        cluster.create(role("impersonator", rule(["impersonate"], ["users", "groups"])))
        cluster.create(
            binding("alice-impersonates", "ClusterRole", "impersonator", subject("User", "alice"))
        )
        self_review = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
        answer = await _post(http, self_review, {}, headers={**headers, "Impersonate-Group": "ops"})
        assert answer["status"]["userInfo"] == {
            "username": "bob",
            "groups": ["ops", "system:authenticated"],
        }
        account = {
            "Authorization": f"Bearer {token}",
            "Impersonate-User": "system:serviceaccount:ci:bot",
        }
        async with http.post(self_review, json={}, headers=account) as response:
            assert response.status == 403
            assert (await response.json())["message"].startswith(
                'serviceaccounts "bot" is forbidden: User "alice" cannot impersonate resource '
                '"serviceaccounts" in API group "" in the namespace "ci"'
            )
        async with http.get("/api/v1/pods", headers={"Impersonate-Group": "ops"}) as response:
            assert response.status == 500, "groups without a user"
        as_admin = {
            "Impersonate-User": "carol",
            "Impersonate-Uid": "c-1",
            "Impersonate-Extra-Acme.com%2Fteam": "shop",
        }
        answer = await _post(http, self_review, {}, headers=as_admin)
        assert answer["status"]["userInfo"] == {
            "username": "carol",
            "uid": "c-1",
            "groups": ["system:authenticated"],
            "extra": {"acme.com/team": ["shop"]},
        }


async def test_rbac_objects_are_served_like_any_resource(
    cluster: SimulatedCluster, api: client.ApiClient, http: aiohttp.ClientSession
) -> None:
    cluster.create(NAMESPACE_SHOP)
    rbac = client.RbacAuthorizationV1Api(api)
    events: list[tuple[str, list[str]]] = []
    listed = await rbac.list_namespaced_role("shop")
    created = await rbac.create_namespaced_role(
        "shop",
        client.V1Role(
            metadata=client.V1ObjectMeta(name="reader"),
            rules=[client.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["get"])],
        ),
    )
    assert created.metadata.uid
    await rbac.patch_namespaced_role(
        "reader",
        "shop",
        {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]},
    )
    async with watch.Watch() as stream:
        async for event in stream.stream(
            rbac.list_namespaced_role,
            "shop",
            resource_version=listed.metadata.resource_version,
            timeout_seconds=5,
        ):
            events.append((event["type"], event["object"].rules[0].verbs))
            if len(events) == 2:
                break
    assert events == [("ADDED", ["get"]), ("MODIFIED", ["get", "list"])]
    bound = await rbac.create_namespaced_role_binding(
        "shop",
        client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name="readers"),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="Role", name="reader"
            ),
            subjects=[
                client.RbacV1Subject(kind="User", name="alice"),
                client.RbacV1Subject(kind="ServiceAccount", name="bot"),
            ],
        ),
    )
    assert bound.subjects[0].api_group == "rbac.authorization.k8s.io", "defaulted"
    assert bound.subjects[1].api_group is None
    with pytest.raises(ApiException) as immutable:
        await rbac.patch_namespaced_role_binding("readers", "shop", {"roleRef": {"name": "other"}})
    assert immutable.value.status == 422
    assert "roleRef: Invalid value" in _status_of(immutable.value)["message"]
    assert "cannot change roleRef" in _status_of(immutable.value)["message"]
    await rbac.delete_namespaced_role("reader", "shop")
    assert cluster.get("Role", "reader", "shop") is None

    invalid = [
        (
            role("bad", {"apiGroups": [""], "resources": ["pods"]}, namespace="shop"),
            'Role.rbac.authorization.k8s.io "bad" is invalid: rules[0].verbs: Required value: '
            "verbs must contain at least one value",
        ),
        (
            role("bad", {"nonResourceURLs": ["/x"], "verbs": ["get"]}, namespace="shop"),
            'Role.rbac.authorization.k8s.io "bad" is invalid: rules[0].nonResourceURLs: Invalid '
            'value: ["/x"]: namespaced rules cannot apply to non-resource URLs',
        ),
        (
            binding("bad", "Role", "reader", subject("User", "alice")),
            'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: roleRef.kind: '
            'Unsupported value: "Role": supported values: "ClusterRole"',
        ),
        (
            binding("bad", "ClusterRole", "view", subject("ServiceAccount", "bot")),
            'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: '
            "subjects[0].namespace: Required value",
        ),
        (
            binding("bad", "ClusterRole", "view", subject("Robot", "r2")),
            'ClusterRoleBinding.rbac.authorization.k8s.io "bad" is invalid: subjects[0].kind: '
            'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
        ),
        (
            role("a/b"),
            'ClusterRole.rbac.authorization.k8s.io "a/b" is invalid: metadata.name: Invalid '
            "value: \"a/b\": may not contain '/'",
        ),
    ]
    for manifest, message in invalid:
        namespace = manifest["metadata"].get("namespace")
        plural = {
            "Role": "roles",
            "ClusterRole": "clusterroles",
            "ClusterRoleBinding": "clusterrolebindings",
        }[manifest["kind"]]
        scope = f"/namespaces/{namespace}" if namespace else ""
        answer = await _post(
            http, f"/apis/rbac.authorization.k8s.io/v1{scope}/{plural}", manifest, status=422
        )
        assert answer["message"] == message


async def test_require_auth_refuses_and_authorizes(tmp_path: Path) -> None:
    async with SimulatedFleet(kubeconfig=tmp_path / "kubeconfig", require_auth=True) as fleet:
        cluster = fleet["sim-1"]
        admin_token = cluster.identities.admin_token
        written = yaml.safe_load(fleet.kubeconfig.read_text())
        assert written["users"][0]["user"]["token"] == admin_token
        token = cluster.identities.add_user("alice", groups=["team-shop"])
        cluster.create(
            binding(
                "shop-view", "ClusterRole", "view", subject("Group", "team-shop"), namespace="shop"
            )
        )
        async with aiohttp.ClientSession(cluster.url) as http:
            for headers in (
                {},
                {"Authorization": "Bearer not-a-token"},
                {"Authorization": "Basic YTpi"},
            ):
                async with http.get("/api/v1/namespaces/shop/pods", headers=headers) as response:
                    assert response.status == 401
                    assert await response.json() == {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "metadata": {},
                        "status": "Failure",
                        "message": "Unauthorized",
                        "reason": "Unauthorized",
                        "code": 401,
                    }
            async with http.get("/simcluster/") as response:
                assert response.status == 200, "the admin API is the simulator's own"
                assert (await response.json())["requireAuth"] is True
            alice = {"Authorization": f"Bearer {token}"}
            async with http.get("/api/v1/nodes", headers=alice) as response:
                assert response.status == 403
                assert (await response.json())["message"] == (
                    'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" '
                    "at the cluster scope"
                )
            async with http.get(
                "/apis/apps/v1/namespaces/data/deployments/web", headers=alice
            ) as response:
                assert (await response.json())["message"] == (
                    'deployments.apps "web" is forbidden: User "alice" cannot get resource '
                    '"deployments" in API group "apps" in the namespace "data"'
                )
            async with http.get(
                "/api/v1/namespaces/shop/pods?watch=1&timeoutSeconds=1", headers=alice
            ) as response:
                assert response.status == 200
            for path in ("/apis", "/version", "/healthz", "/api/v1/namespaces/shop/pods/web-0/log"):
                async with http.get(path, headers=alice) as response:
                    assert response.status in (200, 404), f"{path}: {await response.text()}"
            async with http.post(
                TOKEN_REVIEWS, json={"spec": {"token": token}}, headers=alice
            ) as response:
                assert response.status == 403, "TokenReviews need system:auth-delegator"
        async with api_as(fleet, token, tmp_path / "alice") as api:
            pods = await client.CoreV1Api(api).list_namespaced_pod("shop")
            assert pods.items == []
            with pytest.raises(ApiException) as refused:
                await client.CoreV1Api(api).list_namespaced_pod("data")
            assert refused.value.status == 403
            cluster.identities.revoke(token)
            with pytest.raises(ApiException) as revoked:
                await client.CoreV1Api(api).list_namespaced_pod("shop")
            assert revoked.value.status == 401
        async with api_from(fleet.kubeconfig) as api:
            assert (await client.CoreV1Api(api).list_node()).items


async def test_identities_admin_api(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    added = await _post(
        http,
        f"{ADMIN_IDENTITIES}/users",
        {"username": "alice", "groups": ["team-shop"], "uid": "u-1"},
    )
    assert added["username"] == "alice"
    assert added["groups"] == ["team-shop"]
    token = added["token"]
    assert cluster.identities.authenticate(token).user is not None
    account = await _post(
        http,
        f"{ADMIN_IDENTITIES}/serviceaccounts",
        {"namespace": "ci", "name": "bot", "token": "bot-token"},
    )
    assert account == {
        "username": "system:serviceaccount:ci:bot",
        "uid": account["uid"],
        "groups": ["system:serviceaccounts", "system:serviceaccounts:ci"],
        "token": "bot-token",
    }
    async with http.get(ADMIN_IDENTITIES) as response:
        text = await response.text()
    assert token not in text and "bot-token" not in text, "listing never shows tokens"
    listed = json.loads(text)
    assert listed["apiAudiences"] == list(API_AUDIENCES)
    assert {(u["username"], u["tokens"]) for u in listed["users"]} == {
        ("kubernetes-admin", 1),
        ("alice", 1),
        ("system:serviceaccount:ci:bot", 1),
    }
    assert (await _post(http, f"{ADMIN_IDENTITIES}/revoke", {"token": token}, 200)) == {
        "revoked": 1
    }
    assert (
        await _post(
            http, f"{ADMIN_IDENTITIES}/revoke", {"username": "system:serviceaccount:ci:bot"}, 200
        )
    ) == {"revoked": 1}
    assert cluster.identities.authenticate("bot-token").error == (
        "[invalid bearer token, Token has been invalidated]"
    )
    for bad in (
        {"username": ""},
        {"username": "x", "groups": "ops"},
        {"username": "x", "token": "a b"},
        {"who": "x"},
    ):
        await _post(http, f"{ADMIN_IDENTITIES}/users", bad, 400)
    duplicate = await _post(
        http,
        f"{ADMIN_IDENTITIES}/users",
        {"username": "mallory", "token": cluster.identities.admin_token},
        400,
    )
    assert duplicate["message"] == "that token already belongs to kubernetes-admin"
    assert (await _post(http, f"{ADMIN_IDENTITIES}/require-auth?enabled=true", None, 200)) == {
        "requireAuth": True
    }
    async with http.get("/api/v1/pods") as response:
        assert response.status == 401
    headers = {"Authorization": f"Bearer {cluster.identities.admin_token}"}
    async with http.get("/api/v1/pods", headers=headers) as response:
        assert response.status == 200


async def test_reviews_in_protobuf(cluster: SimulatedCluster, http: aiohttp.ClientSession) -> None:
    token = cluster.identities.add_user("alice", groups=["team-shop"])
    spec = field(1, token.encode()) + field(2, API_AUDIENCES[0].encode())
    body = envelope("authentication.k8s.io/v1", "TokenReview", field(1, b"") + field(2, spec))
    async with http.post(TOKEN_REVIEWS, data=body, headers=PROTOBUF) as response:
        assert response.status == 201
        answer = await response.json()
    assert answer["spec"] == {"token": token, "audiences": list(API_AUDIENCES)}
    assert answer["status"]["user"]["groups"] == ["team-shop", "system:authenticated"]

    attributes = field(2, b"list") + field(5, b"nodes")
    spec = field(1, attributes) + field(3, b"alice") + field(4, b"system:masters")
    body = envelope("authorization.k8s.io/v1", "SubjectAccessReview", field(2, spec))
    async with http.post(SAR, data=body, headers=PROTOBUF) as response:
        answer = await response.json()
    assert answer["spec"] == {
        "resourceAttributes": {"verb": "list", "resource": "nodes"},
        "user": "alice",
        "groups": ["system:masters"],
    }
    assert answer["status"] == {"allowed": True}

    for garbled, status in (
        (b"k8s\x00\x0a\xff", 400),
        (b"not protobuf", 400),
        (envelope("v1", "Pod", b""), 400),
    ):
        async with http.post(SAR, data=garbled, headers=PROTOBUF) as response:
            assert response.status == status
            assert (await response.json())["kind"] == "Status"
    async with http.post(
        "/apis/authorization.k8s.io/v1/localsubjectaccessreviews", json={}
    ) as response:
        assert response.status == 404, "LocalSubjectAccessReviews live in a namespace"


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        ("GET", "/api/v1/namespaces/shop/pods", {}, ("list", "shop", "", "pods", "", "")),
        ("GET", "/api/v1/pods", {"watch": "true"}, ("watch", "", "", "pods", "", "")),
        (
            "GET",
            "/api/v1/watch/namespaces/shop/pods/web",
            {},
            ("watch", "shop", "", "pods", "", "web"),
        ),
        (
            "GET",
            "/api/v1/namespaces/shop/pods",
            {"fieldSelector": "metadata.name=web", "watch": "1"},
            ("watch", "shop", "", "pods", "", "web"),
        ),
        (
            "GET",
            "/api/v1/namespaces/shop/pods/web/log",
            {},
            ("get", "shop", "", "pods", "log", "web"),
        ),
        (
            "PUT",
            "/apis/apps/v1/namespaces/shop/deployments/web/scale",
            {},
            ("update", "shop", "apps", "deployments", "scale", "web"),
        ),
        (
            "DELETE",
            "/apis/batch/v1/namespaces/shop/jobs",
            {},
            ("deletecollection", "shop", "batch", "jobs", "", ""),
        ),
        ("DELETE", "/api/v1/namespaces/shop", {}, ("delete", "shop", "", "namespaces", "", "shop")),
        (
            "PATCH",
            "/api/v1/namespaces/shop/status",
            {},
            ("patch", "shop", "", "namespaces", "status", "shop"),
        ),
        (
            "POST",
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            {},
            ("create", "", "rbac.authorization.k8s.io", "clusterroles", "", ""),
        ),
        ("GET", "/api/v1/nodes/n1", {}, ("get", "", "", "nodes", "", "n1")),
        ("GET", "/api/v1/pods", {"watch": "yes"}, ("watch", "", "", "pods", "", "")),
        ("GET", "/api/v1/pods", {"watch": "False"}, ("list", "", "", "pods", "", "")),
    ],
)
def test_request_attributes_follow_request_info(
    method: str, path: str, query: dict[str, str], expected: tuple[str, ...]
) -> None:
    found = request_attributes("alice", (), method, path, query)
    assert found.resource_request
    assert (
        found.verb,
        found.namespace,
        found.group,
        found.resource,
        found.subresource,
        found.name,
    ) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/v1",
        "/apis/apps",
        "/apis/apps/v1",
        "/version",
        "/openapi/v3/apis/apps/v1",
        "/healthz",
    ],
)
def test_discovery_paths_are_non_resource_requests(path: str) -> None:
    found = request_attributes("alice", (), "GET", path, {})
    assert not found.resource_request
    assert (found.verb, found.path) == ("get", path)

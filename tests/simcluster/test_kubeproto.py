"""The protobuf decoder's rules, on bytes written by hand from generated.proto's numbers.

kubectl checks the decoding end to end (test_kubectl_protobuf.py); these pin down
what kubectl never sends: packed lists, unknown fields and wire types, a map entry
without its value, a second value for the same field, and the custom JSON forms.
"""

from __future__ import annotations

import pytest

from simcluster import errors, kubeproto
from simcluster.protoschemas import CUSTOM_JSON, KINDS, LISTS, MESSAGES
from simcluster.resources import SERVED

from .protobuf import envelope, field, int_or_string, number_field, varint

APPS = "apps/v1"


def deployment_spec(spec: bytes) -> dict[str, object]:
    """Deployment (spec 2) with the given DeploymentSpec bytes, decoded."""
    decoded = kubeproto.decode(envelope(APPS, "Deployment", field(2, spec)), APPS, "Deployment")
    spec_found: dict[str, object] = decoded["spec"]
    return spec_found


def pod_spec(spec: bytes) -> dict[str, object]:
    """A Pod (spec 2) with the given PodSpec bytes, decoded."""
    decoded = kubeproto.decode(envelope("v1", "Pod", field(2, spec)), "v1", "Pod")
    spec_found: dict[str, object] = decoded["spec"]
    return spec_found


def test_every_served_kind_has_a_schema_and_every_type_resolves() -> None:
    for resource in SERVED:
        assert KINDS[(resource.api_version, resource.kind)] in MESSAGES, resource.kind
    scalars = {"string", "bytes", "bool", "int32", "int64"}
    for name, fields in MESSAGES.items():
        for number, described in fields.items():
            inner = described.type.removeprefix("[]").removeprefix("map[string]")
            assert inner in scalars or inner in MESSAGES, (name, number, described)
    assert set(kubeproto.CONVERTERS) == CUSTOM_JSON
    assert set(MESSAGES) >= LISTS


def test_metadata_labels_time_and_omitted_zeros() -> None:
    labels = field(11, field(1, "app") + field(2, "web")) + field(11, field(1, "tier"))
    meta = (
        field(1, "web")
        + field(2, "")
        + number_field(7, 0)
        + field(8, b"")
        + field(9, number_field(1, 1_700_000_000) + number_field(2, 5))
        + labels
    )
    decoded = kubeproto.decode(envelope(APPS, "Deployment", field(1, meta)), APPS, "Deployment")
    assert decoded == {
        "apiVersion": APPS,
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "creationTimestamp": None,
            "deletionTimestamp": "2023-11-14T22:13:20Z",
            "labels": {"app": "web", "tier": ""},
        },
    }


def test_pointer_zeros_stay_and_omitempty_zeros_go() -> None:
    spec = number_field(1, 0) + number_field(5, 0) + number_field(7, 0) + field(4, b"")
    assert deployment_spec(spec) == {"replicas": 0, "strategy": {}}


def test_negative_int32_packed_int64s_and_the_last_value_winning() -> None:
    spec = (
        number_field(25, -5)
        + field(14, field(4, varint(4000) + varint(5000)) + number_field(4, 6000))
        + field(3, "Never")
        + field(3, "Always")
    )
    assert pod_spec(spec) == {
        "priority": -5,
        "securityContext": {"supplementalGroups": [4000, 5000, 6000]},
        "restartPolicy": "Always",
    }


def test_inlined_volume_source_and_quantities() -> None:
    empty_dir = field(2, field(1, "Memory") + field(2, field(1, "64Mi")))
    volume = field(1, "scratch") + field(2, empty_dir)
    limits = field(1, field(1, "cpu") + field(2, field(1, "500m"))) + field(1, field(1, "gpu"))
    container = field(1, "main") + field(8, limits)
    assert pod_spec(field(1, volume) + field(2, container)) == {
        "volumes": [{"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}}],
        "containers": [{"name": "main", "resources": {"limits": {"cpu": "500m", "gpu": "0"}}}],
    }


def test_int_or_string_both_ways() -> None:
    rolling = field(1, int_or_string(2)) + field(2, int_or_string("25%"))
    spec = deployment_spec(field(4, field(2, rolling)))
    assert spec == {"strategy": {"rollingUpdate": {"maxUnavailable": 2, "maxSurge": "25%"}}}


def test_micro_time_keeps_microseconds() -> None:
    event_time = field(10, number_field(1, 1_700_000_000) + number_field(2, 123_456_789))
    decoded = kubeproto.decode(envelope("v1", "Event", event_time), "v1", "Event")
    assert decoded["eventTime"] == "2023-11-14T22:13:20.123456Z"


def test_unknown_fields_of_every_wire_type_are_skipped() -> None:
    unknown = (
        number_field(900, 1)
        + field(901, "later")
        + varint(902 << 3 | 1)
        + bytes(8)
        + varint(903 << 3 | 5)
        + bytes(4)
    )
    decoded = kubeproto.decode(
        envelope("v1", "Namespace", unknown + field(1, field(1, "shop") + unknown)),
        "v1",
        "Namespace",
    )
    assert decoded == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        (field(4, field(2, field(2, number_field(1, 7)))), "IntOrString has type 7"),
        (field(3, field(1, field(9, number_field(1, 10**13)))), "out of range"),
        (number_field(4, 1), "field 4 (strategy) of apps.v1.DeploymentSpec has wire type 0"),
        (field(1, b"\x01"), "field 1 (replicas) of apps.v1.DeploymentSpec has wire type 2"),
    ],
    ids=["int-or-string-type", "time-out-of-range", "message-as-varint", "int-as-bytes"],
)
def test_values_that_cannot_be_json_are_bad_requests(spec: bytes, why: str) -> None:
    with pytest.raises(errors.ApiError) as raised:
        deployment_spec(spec)
    assert raised.value.code == 400
    assert why in raised.value.status()["message"]

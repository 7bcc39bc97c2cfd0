"""Every type, field, argument and enum value of the schema has a description.

GraphiQL's docs pane shows these descriptions, and assistants that write queries read
them through introspection: an undescribed field is one they have to guess at (its
unit, where its value comes from, what null means). Adding one without a description
fails here, with the list of what lacks one.
"""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from schema.build import build_schema

BUILT_IN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


def undescribed() -> list[str]:
    """What lacks a description, as ``type T``, ``field T.f``, ``arg T.f(a)``, ``enum T.V``."""
    missing: list[str] = []
    for name, kind in build_schema()._schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not kind.description:
            missing.append(f"type {name}")
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if not field.description:
                    missing.append(f"field {name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        missing.append(f"arg {name}.{field_name}({arg_name})")
        if isinstance(kind, GraphQLEnumType):
            for value_name, value in kind.values.items():
                if not value.description:
                    missing.append(f"enum {name}.{value_name}")
    return missing


def test_everything_in_the_schema_is_described() -> None:
    missing = undescribed()
    assert missing == [], "without a description:\n" + "\n".join(missing)


def test_the_walk_sees_fields_arguments_and_enum_values() -> None:
    """The check would pass vacuously if the walk found nothing to look at."""
    type_map = build_schema()._schema.type_map
    query = type_map["Query"]
    assert isinstance(query, GraphQLObjectType)
    assert query.fields["workloads"].args["first"].description
    status = type_map["WorkloadStatus"]
    assert isinstance(status, GraphQLEnumType)
    assert status.values["NOT_READY"].description

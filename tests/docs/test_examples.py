"""The examples the pages show are what they claim: GraphQL the gateway's schema accepts,
configuration its loader accepts, chart values that render valid objects, and Kubernetes
objects valid against the Kubernetes schemas."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from graphql import parse, validate

from gateway.config import Config, load
from gateway.rules.fixtures import LIBRARY, check_fixture
from gateway.rules.rulefile import load_rule, parse_rule
from schema.build import build_schema
from tests.deploy.chart import CHART, render, schema_errors
from tests.deploy.values import AUTH_TOKEN_FILE
from tests.docs.markdown import DOCS, ROOT, Block, Page, pages

LICENSE = ROOT / "LICENSE"
CONFIG_SECTIONS = {field.alias or name for name, field in Config.model_fields.items()}
CHART_VALUES = set(yaml.safe_load((CHART / "values.yaml").read_text()))
APACHE_SECTIONS = (
    "1. Definitions.",
    "2. Grant of Copyright License.",
    "3. Grant of Patent License.",
    "4. Redistribution.",
    "5. Submission of Contributions.",
    "6. Trademarks.",
    "7. Disclaimer of Warranty.",
    "8. Limitation of Liability.",
    "9. Accepting Warranty or Additional Liability.",
    "END OF TERMS AND CONDITIONS",
    "APPENDIX: How to apply the Apache License to your work.",
)


def examples(*languages: str) -> list[Any]:
    return [
        pytest.param(block, id=f"{path.relative_to(ROOT)}:{block.line}")
        for path in pages()
        for block in Page.read(path).blocks
        if block.language in languages
    ]


@pytest.fixture(scope="module")
def schema() -> Any:
    return build_schema()._schema


@pytest.mark.parametrize("block", examples("graphql"))
def test_every_graphql_example_is_valid_for_the_schema(block: Block, schema: Any) -> None:
    assert validate(schema, parse(block.text)) == []


def configuration_loads(values: dict[str, Any], tmp_path: Path) -> Config:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(values))
    return load(path, environ={})


def chart_form(document: dict[str, Any]) -> bool:
    """customResources is both a section and a chart value; rule files given as file name ->
    text are the chart's form (the configuration lists paths)."""
    section = document.get("customResources")
    return isinstance(section, dict) and isinstance(section.get("ruleFiles"), dict)


@pytest.mark.parametrize("block", examples("yaml"))
def test_every_yaml_example_is_what_it_claims(block: Block, tmp_path: Path) -> None:
    for document in yaml.safe_load_all(block.text):
        keys = set(document)
        if {"apiVersion", "kind"} <= keys:
            assert list(schema_errors(document)) == []
        elif keys <= CONFIG_SECTIONS and not chart_form(document):
            configuration_loads(document, tmp_path)
        elif {"group", "kind", "family", "statuses"} <= keys:
            parse_rule(document, source=str(block))
        elif {"object", "expect"} <= keys:
            obj = document["object"]
            group = str(obj["apiVersion"]).rpartition("/")[0]
            rule = load_rule(LIBRARY / group / str(obj["kind"]) / "rule.yaml")
            outcome = check_fixture(rule, document, str(block))
            assert outcome.passed, outcome.problems
        elif keys <= CHART_VALUES:
            if "config" in document:
                configuration_loads(document["config"], tmp_path)
            for manifest in render(document).manifests:
                assert list(schema_errors(manifest)) == []
        else:
            pytest.fail(
                "neither a Kubernetes object, the gateway's configuration, chart values, "
                f"a status rule nor a rule fixture: {sorted(keys)}"
            )


def test_the_charts_auth_example_is_the_value_set_the_deploy_tests_render() -> None:
    shown = yaml.safe_load(Page.read(DOCS / "deployment.md").block("# auth.yaml"))
    assert shown == AUTH_TOKEN_FILE


def test_the_license_is_the_complete_apache_2_text_pyproject_names() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "Apache-2.0"
    text = LICENSE.read_text()
    assert text.split()[:5] == ["Apache", "License", "Version", "2.0,", "January"]
    positions = [text.find(section) for section in APACHE_SECTIONS]
    assert -1 not in positions, [
        s for s, p in zip(APACHE_SECTIONS, positions, strict=True) if p < 0
    ]
    assert positions == sorted(positions)
    assert text.rstrip().endswith("limitations under the License.")

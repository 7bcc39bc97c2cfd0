"""Every relative link and anchor in the README, the changelog and docs/ reaches a file or a
heading that exists, and the front page stays a front page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.markdown import DOCS, README, ROOT, Page, broken_links, pages, slug_of

FRONT_PAGE_WORDS = 2500


@pytest.mark.parametrize("path", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(path: Path) -> None:
    assert broken_links(Page.read(path)) == []


def test_the_readme_links_every_docs_page() -> None:
    linked = {
        (README.parent / link.target.partition("#")[0]).resolve()
        for link in Page.read(README).links()
    }
    assert [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked] == []
    assert (ROOT / "LICENSE").resolve() in linked
    assert (ROOT / "CHANGELOG.md").resolve() in linked


def test_the_readme_fits_a_screen_or_a_few() -> None:
    assert len(README.read_text().split()) <= FRONT_PAGE_WORDS


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        (
            "Point it at your own cluster from your laptop",
            "point-it-at-your-own-cluster-from-your-laptop",
        ),
        ("`explain`: the engine on files", "explain-the-engine-on-files"),
        ("Remote clusters: a kubeconfig Secret", "remote-clusters-a-kubeconfig-secret"),
        ("Health, metrics and logs", "health-metrics-and-logs"),
        ("[The API](api.md) and `feedCursor`", "the-api-and-feedcursor"),
        ("snake_case and dashes - kept", "snake_case-and-dashes---kept"),
    ],
)
def test_anchors_are_githubs_slugs(heading: str, anchor: str) -> None:
    assert slug_of(heading) == anchor


BROKEN = """\
# Title

## Twice
## Twice

[ok](#twice-1) [self](#title) [file](other.md) [into](other.md#part) ![img](pic.png)
[gone](missing.md) [no anchor](#nowhere) [deep](other.md#absent) [out](../../outside.md)
[web](https://example.com/x#y) `[code](not-a-link.md)`

```sh
[in a block](also-not-a-link.md)
```

[ref]: missing-by-reference.md
"""


def test_broken_links_and_anchors_are_named_with_their_line(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "other.md").write_text("# Other\n\n## Part\n")
    (docs / "pic.png").write_bytes(b"\x89PNG")
    page = docs / "page.md"
    page.write_text(BROKEN)
    problems = broken_links(Page.read(page), root=tmp_path)
    assert [p.split(": ", 1)[1] for p in problems] == [
        "missing.md: no such file",
        "#nowhere: no heading with that anchor",
        "other.md#absent: no heading with that anchor",
        "../../outside.md: outside the repository",
        "missing-by-reference.md: no such file",
    ]
    assert all(p.startswith(("docs/page.md:7:", "docs/page.md:14:")) for p in problems), problems

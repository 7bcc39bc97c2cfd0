"""The project's Markdown pages as the tests read them: code blocks, headings and links.

Pages are read as GitHub renders them: fenced code blocks (indented under a list item or
not) hold no links or headings, a heading's anchor is GitHub's slug of its text, and a
relative link is resolved from the page's own directory.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"

_FENCE = re.compile(r"^\s*(```|~~~)\s*([\w+-]*)")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_INLINE_CODE = re.compile(r"`+[^`]*`+")
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def pages() -> list[Path]:
    """Every page the project publishes: the front page, the changelog and docs/."""
    return [README, ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]


@dataclass(frozen=True, slots=True)
class Block:
    language: str
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Link:
    target: str
    line: int


@dataclass(frozen=True, slots=True)
class Page:
    path: Path
    prose: tuple[tuple[int, str], ...]
    """(line number, text) of every line outside code blocks."""
    blocks: tuple[Block, ...]

    @classmethod
    def read(cls, path: Path) -> Page:
        prose: list[tuple[int, str]] = []
        blocks: list[Block] = []
        fence: str | None = None
        language, start = "", 0
        body: list[str] = []
        for number, line in enumerate(path.read_text().splitlines(), 1):
            opened = _FENCE.match(line)
            if fence is None and opened:
                fence, language, start, body = opened[1], opened[2], number, []
            elif fence is not None and line.strip().startswith(fence):
                indent = len(body[0]) - len(body[0].lstrip()) if body else 0
                text = "\n".join(b[indent:] if b[:indent].isspace() else b for b in body)
                blocks.append(Block(language, text + "\n", start))
                fence = None
            elif fence is not None:
                body.append(line)
            else:
                prose.append((number, line))
        if fence is not None:
            raise ValueError(f"{path}:{start}: a code block is never closed")
        return cls(path, tuple(prose), tuple(blocks))

    def anchors(self) -> set[str]:
        """GitHub's anchors: the slug of each heading, -1, -2, ... for repeats."""
        seen: Counter[str] = Counter()
        found = set()
        for _, line in self.prose:
            heading = _HEADING.match(line)
            if heading is None:
                continue
            slug = slug_of(heading[2])
            found.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
            seen[slug] += 1
        return found

    def links(self) -> list[Link]:
        found: list[Link] = []
        for number, line in self.prose:
            text = _INLINE_CODE.sub("", line)
            targets = [m[1] for m in _LINK.finditer(text)]
            reference = _REFERENCE.match(text)
            if reference:
                targets.append(reference[1])
            found.extend(Link(target, number) for target in targets)
        return found

    def block(self, first_line: str) -> str:
        """The one code block that starts with this line (a ``# file.yaml`` comment)."""
        found = [b.text for b in self.blocks if b.text.split("\n", 1)[0] == first_line]
        if len(found) != 1:
            raise LookupError(f"{self.path} has {len(found)} code blocks starting {first_line!r}")
        return found[0]


def slug_of(heading: str) -> str:
    """GitHub's anchor for a heading: its text without markup, lower case, punctuation
    other than hyphens and underscores dropped, spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = text.replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def broken_links(page: Page, root: Path = ROOT) -> list[str]:
    """Each relative link of the page that reaches no file in ``root``, or no heading of
    the page it names, as ``path:line: target: why``."""
    problems = []
    for link in page.links():
        if _SCHEME.match(link.target):
            continue
        path_part, _, anchor = link.target.partition("#")
        target = (page.path.parent / path_part).resolve() if path_part else page.path
        where = f"{page.path.relative_to(root)}:{link.line}: {link.target}"
        if not target.is_relative_to(root):
            problems.append(f"{where}: outside the repository")
        elif not target.exists():
            problems.append(f"{where}: no such file")
        elif anchor and target.suffix != ".md":
            problems.append(f"{where}: an anchor into a file that is not Markdown")
        elif anchor and anchor not in Page.read(target).anchors():
            problems.append(f"{where}: no heading with that anchor")
    return problems

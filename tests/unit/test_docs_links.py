"""Every relative link and image in README.md and docs/*.md points at something that exists.

A link `path#anchor` to a Markdown file must also name one of its headings, slugged the way
GitHub does (lowercase, spaces to '-', punctuation other than '-' and '_' dropped, a repeated
heading gets -1, -2, ...). External links (http, https, mailto, any other scheme) are not
followed. Links inside code blocks and code spans are not links and are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_MAX_LINES = 260

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# [text](target "title") and ![alt](target); the text may hold one level of brackets
# (an image inside a link), the target may be <...> or hold balanced parentheses.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
    r"\(\s*(<[^>\n]*>|(?:[^\s()]|\([^\s()]*\))+)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
)
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)", re.MULTILINE)
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
ATX_HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s+(.*?))?(?:\s+#+)?\s*$")
HTML_ID = re.compile(r"<a\b[^>]*?\b(?:name|id)\s*=\s*[\"']([^\"']+)[\"']", re.I)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def doc_files(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def without_fences(text: str) -> str:
    """The text with fenced code blocks blanked out (line numbers kept)."""
    out: list[str] = []
    fence: str | None = None
    for line in text.splitlines():
        match = FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
            out.append("")
        elif fence is not None:
            # A closing fence: the same character, at least as long, nothing after it.
            if match and match.group(1).startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every anchor a Markdown file offers: its headings' slugs and explicit HTML ids."""
    text = without_fences(path.read_text(encoding="utf-8"))
    found: set[str] = set(HTML_ID.findall(text))
    seen: dict[str, int] = {}
    for line in text.splitlines():
        match = ATX_HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(1) or "")
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def link_targets(path: Path) -> list[str]:
    """The targets of every link, image and reference definition, outside code."""
    text = HTML_COMMENT.sub("", without_fences(path.read_text(encoding="utf-8")))
    text = CODE_SPAN.sub("", text)
    targets = [m.group(1) for m in INLINE_LINK.finditer(text)]
    targets += REFERENCE_DEFINITION.findall(text)
    targets += HTML_LINK.findall(text)
    return [t[1:-1] if t.startswith("<") and t.endswith(">") else t for t in targets]


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """What is wrong with *path*'s relative links, one readable line per broken link."""
    problems: list[str] = []
    name = path.relative_to(root)
    for target in link_targets(path):
        if SCHEME.match(target):
            continue  # external: http, https, mailto, ...
        file_part, _, anchor = target.partition("#")
        file_part = unquote(file_part)
        resolved = (path.parent / file_part).resolve() if file_part else path.resolve()
        if not resolved.is_relative_to(root.resolve()):
            problems.append(f"{name}: {target}: points outside the repository")
        elif not resolved.exists():
            problems.append(f"{name}: {target}: no such file")
        elif anchor and resolved.suffix == ".md" and unquote(anchor) not in anchors(resolved):
            problems.append(f"{name}: {target}: no heading with the anchor #{anchor}")
    return problems


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    assert path.is_file(), f"{path} is missing"
    problems = broken_links(path)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_readme_stays_a_front_page() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines (at most {README_MAX_LINES}): "
        "move reference material to a page under docs/ and link it"
    )


def test_readme_links_every_docs_page() -> None:
    readme = ROOT / "README.md"
    linked = {
        (readme.parent / unquote(t.partition("#")[0])).resolve()
        for t in link_targets(readme)
        if not SCHEME.match(t)
    }
    unlinked = [p.name for p in doc_files()[1:] if p.resolve() not in linked]
    assert unlinked == [], f"docs pages the README does not link to: {unlinked}"


def test_slugs_follow_github() -> None:
    assert slug("Windows, watermarks and alerts") == "windows-watermarks-and-alerts"
    assert slug("The `streamapp` command") == "the-streamapp-command"
    assert slug("`forecast_breach` alerts") == "forecast_breach-alerts"
    assert slug("Kafka security (MSK, Confluent Cloud, Aiven)") == (
        "kafka-security-msk-confluent-cloud-aiven"
    )
    assert slug("Metrics: `/metrics`") == "metrics-metrics"
    assert slug("See [the docs](docs/x.md) now") == "see-the-docs-now"


def test_the_check_catches_broken_links(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(
        "# Page\n\n## Part one\n\n## Part one\n\n[back](../README.md#top-title)\n",
        encoding="utf-8",
    )
    (tmp_path / "README.md").write_text(
        "# Top title\n\n"
        "[fine](docs/page.md) [fine anchor](docs/page.md#part-one-1) [self](#top-title)\n"
        "![missing picture](docs/missing.png)\n"
        "[missing page](docs/nowhere.md) [bad anchor](docs/page.md#part-two)\n"
        "[outside](../elsewhere.md) [web](https://example.com/x.md) [mail](mailto:a@b.c)\n"
        "`[in code](docs/nowhere.md)`\n\n"
        "```\n[in a block](docs/nowhere.md)\n```\n\n"
        "[ref]: docs/gone.md\n",
        encoding="utf-8",
    )
    assert broken_links(tmp_path / "docs" / "page.md", tmp_path) == []
    assert broken_links(tmp_path / "README.md", tmp_path) == [
        "README.md: docs/missing.png: no such file",
        "README.md: docs/nowhere.md: no such file",
        "README.md: docs/page.md#part-two: no heading with the anchor #part-two",
        "README.md: ../elsewhere.md: points outside the repository",
        "README.md: docs/gone.md: no such file",
    ]

"""Every document and module path the README, docs/ and the code cite exists in the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", ROOT / "bench" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SOURCES = sorted(
    path for package in ("rules", "storage", "flows", "bot", "bench") for path in (ROOT / package).rglob("*.py")
)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_MARKDOWN_NAME = re.compile(r"(?<![\w/.:-])([\w./-]*[\w-]+\.md)\b")
_PROJECT_PATH = re.compile(r"(?<![\w/.-])((?:rules|storage|flows|bot|tests|bench|locales|docs)/[\w/.-]*\w)")


def _exists(cited: str, citing: Path, root: Path) -> bool:
    path = cited.split("#", 1)[0].rstrip("/")
    return not path or any((base / path).exists() for base in (citing.parent, root, root / "docs"))


def broken_citations(files: list[Path], root: Path = ROOT) -> dict[str, list[str]]:
    """What files cite that the repository does not hold: *.md names, `package/...` paths, links in Markdown."""
    broken: dict[str, list[str]] = {}
    for citing in files:
        text = citing.read_text(encoding="utf-8")
        cited = set(_MARKDOWN_NAME.findall(text)) | set(_PROJECT_PATH.findall(text))
        if citing.suffix == ".md":
            cited |= {link for link in _LINK.findall(text) if not re.match(r"^[a-z]+:", link)}
        missing = sorted(c for c in cited if not _exists(c, citing, root))
        if missing:
            broken[str(citing.relative_to(root))] = missing
    return broken


def test_the_check_finds_a_missing_document_and_a_stale_module_path(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "domain.md").write_text("# Domain\n", encoding="utf-8")
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "check_status.py").write_text("", encoding="utf-8")
    citing = tmp_path / "README.md"
    citing.write_text(
        "See DESIGN.md, [the domain](docs/domain.md#contributions), [a site](https://example.org/x.md),\n"
        "`flows/check_status.py` and `flows/status.py`.\n",
        encoding="utf-8",
    )
    assert broken_citations([citing], tmp_path) == {"README.md": ["DESIGN.md", "flows/status.py"]}


def test_the_docs_and_readme_cite_only_what_the_repository_holds():
    assert (ROOT / "docs" / "architecture.md").is_file() and (ROOT / "docs" / "domain.md").is_file()
    assert broken_citations(DOCUMENTS) == {}


def test_docstrings_and_comments_cite_only_documents_the_repository_holds():
    assert broken_citations(SOURCES) == {}

"""One installed package: the brief's top-level folders live under `streamapp` in the
wheel, and nothing imports them by their bare (generic) names."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BRIEF_FOLDERS = ("agents", "tables", "loaders", "panel_dashboard")


def test_the_wheel_installs_one_top_level_package(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        cwd=tmp_path,
        timeout=240,
    )
    [wheel] = tmp_path.glob("streamapp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"streamapp"}
    for folder in BRIEF_FOLDERS:  # the brief's folders, installed inside it
        assert f"streamapp/{folder}/__init__.py" in names
    assert "streamapp/analytics/models/intent-lr-2.npz" in names
    assert not [n for n in names if n.startswith(("streamapp/tests", "streamapp/bench"))]


def test_no_module_imports_a_brief_folder_by_its_bare_name() -> None:
    """`import tables` would find PyTables in a user's environment, not ours."""
    tracked = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    bare = []
    for path in tracked:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            bare += [f"{path}: {n}" for n in names if n.split(".")[0] in BRIEF_FOLDERS]
    assert not bare, bare

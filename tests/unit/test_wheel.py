"""The wheel installs exactly one top-level package, `streamapp` (issue 13): the brief's
folders (agents/, tables/, loaders/, panel_dashboard/) go in as streamapp.agents and so on,
nothing generic (PyTables is also `tables`) lands in site-packages, and bench/ stays out."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARTS = ("streamapp", "agents", "tables", "loaders", "panel_dashboard")


def build_wheel(tmp_path: Path) -> zipfile.ZipFile:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in (*PARTS, "bench"):
        shutil.copytree(ROOT / part, src / part, symlinks=True, ignore=ignore)
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(src)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = out.glob("streamapp-*.whl")
    return zipfile.ZipFile(wheel)


def test_the_wheel_installs_one_top_level_package(tmp_path):
    wheel = build_wheel(tmp_path)
    names = wheel.namelist()
    tops = {name.split("/")[0] for name in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"streamapp"}
    for part in PARTS[1:]:
        assert f"streamapp/{part}/__init__.py" in names, part
    assert "streamapp/analytics/models/intent-lr-4.npz" in names
    assert not any(n.startswith(("bench/", "streamapp/bench/", "tests/")) for n in names)

    # Nothing inside imports a name that no longer exists once installed.
    gone = {*PARTS[1:], "bench", "tests"}
    for name in names:
        if not name.endswith(".py"):
            continue
        tree = ast.parse(wheel.read(name))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert node.module.split(".")[0] not in gone, (name, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in gone, (name, alias.name)

"""The house rules of the package, checked on its own source: lexicons ship inside it, only the
command line exits, and no module imports another that imports it back."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import phrasecheck
from helpers import REPO
from phrasecheck.cli import main
from phrasecheck.config.lexicon import default_lexicon_dir, load_lexicon

PACKAGE = Path(phrasecheck.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """phrasecheck modules imported at module level (imports inside functions run later and cannot cycle at load time)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("phrasecheck"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("phrasecheck"))
    return {m for m in found if m in modules}


def test_the_package_has_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    # a package's __init__ is entered before any of its modules; importing its own modules is not a cycle
    for name in graph:
        graph[name] = {m for m in graph[name] if not (modules[name].name == "__init__.py" and m.startswith(name + "."))}
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(node) :] + [node]))
        if node in done:
            return
        for nxt in sorted(graph[node]):
            visit(nxt, stack + [node])
        done.add(node)

    for name in sorted(graph):
        visit(name, [])


def test_only_the_command_line_exits_or_uses_click():
    offenders = []
    for name, path in _modules().items():
        if name == "phrasecheck.cli" or name.startswith("phrasecheck.cli."):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "exit" and isinstance(node.value, ast.Name) and node.value.id == "sys":
                offenders.append(f"{name}: sys.exit")
            if isinstance(node, ast.Name) and node.id == "SystemExit":
                offenders.append(f"{name}: SystemExit")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                offenders += [f"{name}: imports click" for n in names if n and n.split(".")[0] == "click"]
    assert offenders == []


def test_the_default_lexicon_lives_inside_the_package():
    folder = default_lexicon_dir()
    assert PACKAGE in folder.parents
    assert {p.kind for p in load_lexicon(folder).phrases} == {"opener", "forbidden", "courtesy"}


def test_lexicon_copy_writes_an_editable_copy_once(tmp_path):
    dest = tmp_path / "centre"
    first = CliRunner().invoke(main, ["lexicon", "copy", str(dest)])
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in dest.glob("*.yaml")) == sorted(p.name for p in default_lexicon_dir().glob("*.yaml"))
    assert len(load_lexicon(dest).phrases) == len(load_lexicon(default_lexicon_dir()).phrases)
    again = CliRunner().invoke(main, ["lexicon", "copy", str(dest)])
    assert again.exit_code == 2 and "already holds" in again.output


@pytest.mark.slow
def test_the_wheel_carries_the_lexicons_and_templates(tmp_path):
    # python -m build, as a release would: an isolated build from the source tree
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(REPO)], check=True, capture_output=True)
    (wheel,) = tmp_path.glob("phrasecheck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in default_lexicon_dir().glob("*.yaml"):
        assert f"phrasecheck/lexicons/default/{f.name}" in names
    for pack in ("default", "ecommerce"):
        for f in (default_lexicon_dir().parent / pack).glob("*.yaml"):
            assert f"phrasecheck/lexicons/{pack}/{f.name}" in names
    assert "phrasecheck/report/templates/report.html.j2" in names
    assert {"phrasecheck/web/templates/base.html", "phrasecheck/web/static/app.js", "phrasecheck/web/static/style.css"} <= names
    assert not any(n.startswith(("tests/", "samples/")) for n in names)

"""The layout holds to the architecture the README describes: stages, allowed imports, no cycles, one status rule.

The allowed imports are read from the README's architecture table, so the README and the code cannot drift apart.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import atlas
from atlas.artifact.status import Status

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "atlas"
STATUS_MODULE = "atlas.artifact.status"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> Iterator[tuple[str, int]]:
    """Every atlas module ``name`` imports (at the top or inside a function), with the line."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "atlas":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{name}: relative import on line {node.lineno}"
            base = node.module or ""
            if base.split(".")[0] != "atlas":
                continue
            for alias in node.names:
                child = f"{base}.{alias.name}"
                yield (child if child in MODULES else base), node.lineno


GRAPH: dict[str, set[str]] = {name: {target for target, _ in _imports(name)} for name in MODULES}


def _readme_stages() -> dict[str, tuple[list[str], set[str] | None]]:
    """stage -> (module paths, stages it may import; None for anything), from the README's architecture table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    stages: dict[str, tuple[list[str], set[str] | None]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("stage", "---") or not cells[1].startswith("`"):
            continue
        paths = re.findall(r"`([^`]+)`", cells[1])
        allowed = None if cells[3] == "anything" else {s.strip() for s in cells[3].split(",") if s.strip()}
        stages[cells[0]] = (paths, allowed)
    return stages


STAGES = _readme_stages()


def _stage_of(module: str) -> str:
    path = MODULES[module].relative_to(ROOT).as_posix()
    found = [
        stage
        for stage, (paths, _) in STAGES.items()
        if any(path == p or (p.endswith("/") and path.startswith(p)) for p in paths)
    ]
    assert len(found) == 1, f"{path} belongs to {found or 'no stage'} of the README's architecture table"
    return found[0]


def test_the_readme_names_the_stages_of_the_flow():
    assert {"foundation", "layers", "sources", "pipeline", "artifact", "render", "web", "entry"} <= set(STAGES)


def test_no_package_or_module_is_named_build():
    named = sorted(name for name in MODULES if "build" in name.split("."))
    assert not named, f"'build' is the CLI verb and the output folder, not a module: {named}"
    assert not (PACKAGE / "build").exists()


def test_every_module_belongs_to_one_stage():
    for module in MODULES:
        _stage_of(module)


def test_imports_follow_the_flow():
    wrong = []
    for module in GRAPH:
        stage = _stage_of(module)
        allowed = STAGES[stage][1]
        if allowed is None:
            continue
        for target, line in _imports(module):
            other = _stage_of(target)
            if other != stage and other not in allowed:
                wrong.append(f"{module}:{line} ({stage}) imports {target} ({other})")
    assert not wrong, "imports against the flow of the README's architecture table:\n" + "\n".join(wrong)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a module importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    cycles = _cycles(GRAPH)
    assert not cycles, f"import cycles (imports inside functions count): {cycles}"


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"a"}}) == [["a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_flask_only_in_the_web_package():
    wrong = []
    for module, path in MODULES.items():
        if module.startswith("atlas.web"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] in ("flask", "werkzeug") for n in names):
                wrong.append(f"{module}:{node.lineno}")
    assert not wrong, f"domain code imports Flask: {wrong}"


def test_the_web_does_no_raster_or_geometry_work():
    heavy = ("rasterio", "shapely", "geopandas", "pyogrio", "scipy")
    wrong = []
    for module, path in MODULES.items():
        if not module.startswith("atlas.web"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            wrong += [f"{module}:{node.lineno} {n}" for n in names if n.split(".")[0] in heavy]
    assert not wrong, wrong


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (module, class, function, or after an assignment)."""
    ids = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for stmt in body:
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                ids.add(id(stmt.value))
    return ids


def _status_violations(module: str, source: str) -> list[str]:
    """Status strings (not in docstrings) and ``.PUBLISHED`` in the source of one module."""
    strings = {s.value for s in Status}
    tree = ast.parse(source)
    docs = _docstrings(tree)
    wrong = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and node.value in strings and id(node) not in docs:
            wrong.append(f"{module}:{node.lineno} the status string {node.value!r}")
        if isinstance(node, ast.Attribute) and node.attr == "PUBLISHED":
            wrong.append(f"{module}:{node.lineno} Status.PUBLISHED (ask atlas.artifact.status whether to show)")
    return wrong


INPUT_WORDS = {"atlas.sources.spec.indicators": ["prognose"]}
"""Status strings that are also words of the sources file, written once where the sources stage reads them (the
sources stage may not import the artifact): ``prognose: true`` and a long file's ``status`` cell
(``FORECAST_WORD``). The build turns them into the status through :mod:`atlas.artifact.status`."""


def test_status_strings_and_the_publish_rule_live_in_one_module():
    """Outside atlas.artifact.status nobody writes a status string or decides by itself that a value is published."""
    wrong = [
        problem
        for module, path in MODULES.items()
        if module != STATUS_MODULE
        for problem in _status_violations(module, path.read_text(encoding="utf-8"))
    ]
    allowed = [f"{module}:" for module in INPUT_WORDS]
    excused = [p for p in wrong if any(p.startswith(m) for m in allowed)]
    assert all(any(f"'{word}'" in p for word in INPUT_WORDS[p.split(":")[0]]) for p in excused), excused
    assert len(excused) <= sum(len(words) for words in INPUT_WORDS.values()), excused
    wrong = [p for p in wrong if p not in excused]
    assert not wrong, "\n".join(wrong)


def test_the_status_check_sees_comparisons_but_not_docstrings():
    source = (
        '"""Rows with status ok."""\n'
        'x = rows[rows.status == "ok"]\n'
        "y = np.where(v.notna(), Status.PUBLISHED, 'missing')\n"
        'def f():\n    """suppressed"""\n'
    )
    assert sorted(_status_violations("m", source)) == [
        "m:2 the status string 'ok'",
        "m:3 Status.PUBLISHED (ask atlas.artifact.status whether to show)",
        "m:3 the status string 'missing'",
    ]


def test_trailing_underscore_only_for_a_module_that_wraps_its_library():
    for module, path in MODULES.items():
        leaf = module.rsplit(".", 1)[-1]
        if not leaf.endswith("_"):
            continue
        library = leaf.rstrip("_")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        wrapped = any(
            (isinstance(n, ast.Import) and any(a.name.split(".")[0] == library for a in n.names))
            or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == library)
            for n in ast.walk(tree)
        )
        assert wrapped, f"{module}: a trailing underscore is for a module that wraps the library {library!r}"


def test_the_public_api_resolves():
    for name in atlas.__all__:
        assert getattr(atlas, name) is not None, name
    with pytest.raises(AttributeError):
        _ = atlas.no_such_thing


@pytest.mark.parametrize("notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_use_only_the_public_api(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(ast.parse("".join(cell["source"]))):
            if isinstance(node, ast.Import):
                inner = [a.name for a in node.names if a.name.startswith("atlas.")]
                assert not inner, f"{notebook.name}: import {inner}; use 'import atlas'"
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "atlas":
                pytest.fail(f"{notebook.name}: from {node.module} import ...; use 'import atlas'")

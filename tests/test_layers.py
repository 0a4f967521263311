"""Domains import downwards: every import between the packages of ap_forms/ goes to a lower layer.

Module-level and function-level imports both count (the whole syntax tree is read, nothing is run).
A package may import its own modules and any package in a lower layer; packages in the same layer
are independent of each other. A page that shows several domains' records is composed in
ap_forms/pages/ (the top), so no domain needs to import one above it.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "ap_forms"
APP = "(create_app)"  # ap_forms/__init__.py: it registers every blueprint, so it is above everything

# Lowest first. Keep in step with the README's Layout section.
LAYERS: list[set[str]] = [
    {"config", "extensions"},
    {"web"},  # the technical core: gate, rendering, htmx, audit, mail, clock
    {"school", "school_calendar", "checklists", "documents"},
    {"providers"},
    {"accounts"},  # users (a key worker belongs to a provider)
    {"students"},  # pupils, parents and carers (parents have accounts)
    {"placements"},  # placements, timetables; who may reach which pupil (placements/pupils.py)
    {"referrals"},  # approval creates the placement
    {"attendance", "quality"},
    {"feedback"},  # termly reports include attendance
    {"incidents"},
    # composed pages, home pages, data protection across every domain, commands
    {"pages", "oversight", "audit_trail", "data_protection", "maintenance", "demo"},
    {APP},
]


def _unit_of_file(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    if parts == ("__init__",):
        return APP
    return parts[0]


def _module_of_file(root: Path, path: Path) -> list[str]:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _target_unit(root: Path, dotted: str) -> str | None:
    """The package of ap_forms/ a dotted module name falls in; None outside ap_forms."""
    parts = dotted.split(".")
    if parts[0] != root.name:
        return None
    if len(parts) == 1:
        return APP
    return parts[1]


def _imported_names(root: Path, path: Path, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:  # relative: from the module's own package upwards
        package = _module_of_file(root, path)
        if path.name != "__init__.py":
            package = package[:-1]
        base = package[: len(package) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    if module == root.name:  # from ap_forms import x: x is a package (or module) when it exists
        return [
            f"{module}.{alias.name}" if (root / alias.name).exists() or (root / f"{alias.name}.py").exists() else module
            for alias in node.names
        ]
    return [module]


def upward_imports(root: Path = ROOT, layers: list[set[str]] = LAYERS) -> list[str]:
    """Every import that goes up or sideways between the packages of `root`, one line each."""
    rank = {unit: n for n, layer in enumerate(layers) for unit in layer}
    problems = []
    for path in sorted(root.rglob("*.py")):
        unit = _unit_of_file(root, path)
        where = path.relative_to(root.parent)
        if unit not in rank:
            problems.append(f"{where}: package '{unit}' has no layer in tests/test_layers.py LAYERS")
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            for name in _imported_names(root, path, node):
                target = _target_unit(root, name)
                if target is None or target == unit:
                    continue
                if target not in rank:
                    problems.append(f"{where}:{node.lineno} imports {name}: package '{target}' has no layer")
                elif rank[target] == rank[unit]:
                    problems.append(
                        f"{where}:{node.lineno} imports {name}: '{unit}' and '{target}' share a "
                        "layer, so neither may import the other"
                    )
                elif rank[target] > rank[unit]:
                    problems.append(f"{where}:{node.lineno} imports {name}: '{target}' is above '{unit}'")
    return problems


def test_domains_import_downwards():
    assert upward_imports() == []


def test_every_package_has_a_layer():
    packages = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in ROOT.glob("*.py") if p.name != "__init__.py"}
    placed = set().union(*LAYERS)
    assert packages | modules <= placed
    assert placed - {APP} <= packages | modules  # no stale names


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_the_check_fails_on_upward_sideways_relative_and_function_level_imports(tmp_path):
    root = tmp_path / "ap_forms"
    _write(root / "__init__.py", "from ap_forms.high import views\n")
    _write(root / "web" / "__init__.py", "")
    _write(root / "low" / "__init__.py", "")
    _write(root / "low" / "models.py", "from ap_forms.web import clock\nfrom ap_forms.low import other\n")
    _write(root / "low" / "services.py", "def f():\n    from ap_forms.high.views import g\n    return g\n")
    _write(root / "low" / "rel.py", "from ..high import views\n")
    _write(root / "low" / "top.py", "import ap_forms\nfrom ap_forms import high\n")
    _write(root / "side" / "__init__.py", "import ap_forms.low.models\n")
    _write(root / "high" / "__init__.py", "")
    _write(root / "high" / "views.py", "from ap_forms.low import models\nfrom ap_forms import web\n")
    _write(root / "stray" / "__init__.py", "")
    layers = [{"web"}, {"low", "side"}, {"high"}, {APP}]

    problems = upward_imports(root, layers)

    assert problems == [
        "ap_forms/low/rel.py:1 imports ap_forms.high: 'high' is above 'low'",
        "ap_forms/low/services.py:2 imports ap_forms.high.views: 'high' is above 'low'",
        "ap_forms/low/top.py:1 imports ap_forms: '(create_app)' is above 'low'",
        "ap_forms/low/top.py:2 imports ap_forms.high: 'high' is above 'low'",
        "ap_forms/side/__init__.py:1 imports ap_forms.low.models: 'side' and 'low' share a layer, so neither "
        "may import the other",
        "ap_forms/stray/__init__.py: package 'stray' has no layer in tests/test_layers.py LAYERS",
    ]


def test_the_check_fails_on_an_upward_import_planted_in_the_real_tree(tmp_path):
    root = tmp_path / "ap_forms"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    roll = root / "students" / "roll.py"
    planted = "    from ap_forms.placements.models import Placement"
    roll.write_text(
        roll.read_text(encoding="utf-8") + f"\n\ndef planted():\n{planted}\n\n    return Placement\n", encoding="utf-8"
    )
    line = roll.read_text(encoding="utf-8").splitlines().index(planted)

    assert upward_imports(root) == [
        f"ap_forms/students/roll.py:{line + 1} imports ap_forms.placements.models: 'placements' is above 'students'",
    ]

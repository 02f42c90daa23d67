"""ARCHITECTURE.md is a claim about the code, checked both ways.

* Its layer table: a module imports its own layer and the layers below, never one above.
* Its code map: every module has a row, and the row's last column names exactly what the module imports —
  project modules and third-party libraries, nothing missing and nothing stale. Imports inside functions,
  ``__init__.py`` files and modules named in strings (``"generator.documents.renderers.pdf:form"``, loaded by
  the output registry) all count; ``if TYPE_CHECKING:`` blocks and the standard library do not.
* Renderers (the modules the output registry names) import no other renderer, not the registry (nor anything
  of documents/ but the views), nothing of the site or the CLI, and no MkDocs.
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from pathlib import Path

import pytest
from helpers import REPO

PACKAGE = REPO / "generator"
ROW = re.compile(r"^\| `generator/(?P<path>[\w/]+\.py)` \| .* \| (?P<imports>[^|]*) \|$")
LAYER = re.compile(r"^\| (?P<number>\d+) \| (?P<where>[^|]+) \| .* \|$")
MODULE_STRING = re.compile(r"^generator(?:\.\w+)+(?=:\w+$|$)")


def name_of(path: Path) -> str:
    """``content/model``; a package's ``__init__.py`` is named by its folder (the top one: ``generator``)."""
    rel = path.relative_to(PACKAGE).with_suffix("")
    if rel.name == "__init__":
        rel = rel.parent
    return rel.as_posix() if rel.parts else "generator"


@functools.cache
def modules() -> dict[str, Path]:
    """Every module with code in it (an empty ``__init__.py`` only marks a folder as a package)."""
    return {name_of(p): p for p in sorted(PACKAGE.rglob("*.py"))
            if "__pycache__" not in p.parts and (p.name != "__init__.py" or p.read_text(encoding="utf-8").strip())}


def _module_of(dotted: str) -> str | None:
    """``generator.content.model`` → ``content/model`` if that is a module or package of the project."""
    parts = dotted.split(".")[1:]
    while parts:
        base = PACKAGE.joinpath(*parts)
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return "/".join(parts)
        parts = parts[:-1]
    return "generator"


@functools.cache
def imports_of(path: Path) -> frozenset[str]:
    """Project modules (``content/model``) and third-party top-level modules (``weasyprint``) ``path`` uses."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for block in ast.walk(tree)
               if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
               for node in ast.walk(block)}
    package = ["generator", *path.relative_to(PACKAGE).parent.parts]
    found: set[str] = set()

    def add(dotted: str) -> None:
        top = dotted.split(".")[0]
        if top == "generator":
            found.add(_module_of(dotted))
        elif top not in sys.stdlib_module_names and top != "__future__":
            found.add(top)

    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            module = ".".join(filter(None, [base, node.module or ""]))
            if module.split(".")[0] == "generator":
                for alias in node.names:  # `from .. import views` names a module; `from ..x import f` a name
                    add(f"{module}.{alias.name}")
            else:
                add(module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_STRING.match(node.value):
            add(MODULE_STRING.match(node.value).group())
    found.discard(name_of(path))
    return frozenset(found)


def code_map() -> dict[str, set[str]]:
    rows = {}
    for line in (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines():
        if found := ROW.match(line):
            rows[name_of(PACKAGE / found["path"])] = set(re.findall(r"`([\w/.]+)`", found["imports"]))
    return rows


@functools.cache
def layers() -> list[tuple[int, list[str]]]:
    """(number, places) from the layer table; a place is a folder (``content/``) or a module (``cli.py``)."""
    text = (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    return [(int(m["number"]), re.findall(r"`([\w/.]+)`", m["where"]))
            for line in table.splitlines() if (m := LAYER.match(line))]


@functools.cache
def layer_of(module: str) -> int:
    best, length = None, -1
    for number, places in layers():
        for place in places:
            stem = name_of(PACKAGE / place) if place.endswith(".py") else place.rstrip("/")
            if (module == stem or module.startswith(stem + "/")) and len(stem) > length:
                best, length = number, len(stem)
    assert best is not None, f"generator/{module} is in no layer of ARCHITECTURE.md"
    return best


def renderers() -> set[str]:
    """The modules the output registry loads by name."""
    return {m for m in imports_of(PACKAGE / "documents" / "outputs.py") if m.startswith("documents/renderers/")}


def test_every_module_has_a_row_and_every_row_a_module():
    rows, found = set(code_map()), set(modules())
    assert not found - rows, f"add a row to ARCHITECTURE.md's code map for: {sorted(found - rows)}"
    assert not rows - found, f"ARCHITECTURE.md's code map names modules that do not exist: {sorted(rows - found)}"


def test_the_code_map_names_exactly_what_each_module_imports():
    rows = code_map()
    wrong = []
    for module, path in modules().items():
        real, claimed = imports_of(path), rows.get(module, set())
        wrong += [f"generator/{module}: imports `{m}`, which its row does not name" for m in sorted(real - claimed)]
        wrong += [f"generator/{module}: its row names `{m}`, which it does not import" for m in sorted(claimed - real)]
    assert not wrong, "ARCHITECTURE.md's code map and the code disagree (fix the code or the map):\n" + "\n".join(wrong)


def test_no_module_imports_a_layer_above_its_own():
    wrong = [f"generator/{module} (layer {layer_of(module)}) imports generator/{m} (layer {layer_of(m)})"
             for module, path in modules().items() for m in sorted(imports_of(path))
             if m in modules() and layer_of(m) > layer_of(module)]
    assert not wrong, "\n".join(wrong)


def test_renderers_know_nothing_of_each_other_the_registry_the_site_or_mkdocs():
    """A renderer gets a view and its subject: of documents/ it may read views only (the roster's links arrive
    in its view, not from the output registry), and its own helpers below documents/renderers/."""
    found = renderers()
    assert {"documents/renderers/pdf", "documents/renderers/docx", "documents/renderers/xlsx"} <= found
    wrong = []
    for module in sorted(found):
        for m in sorted(imports_of(modules()[module])):
            other_documents = m.startswith("documents/") and not m.startswith("documents/renderers/") \
                and m != "documents/views"
            if (m in found and m != module) or other_documents or m.startswith(("site", "cli", "authoring")) \
                    or m == "mkdocs":
                wrong.append(f"generator/{module} imports {m}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("source, expected", [
    ("from ..content import model, outline\n", {"content/model", "content/outline"}),
    ("from ..content.model import Role\n", {"content/model"}),
    ("from . import views\n", {"documents/views"}),
    ("from .. import TOOL_ROOT\n", {"generator"}),
    ("def f():\n    import weasyprint.text\n", {"weasyprint"}),
    ("import json, os.path\nfrom pathlib import Path\n", set()),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..site import build\n", set()),
    ("X = 'generator.documents.renderers.pdf:form'\n", {"documents/renderers/pdf"}),
])
def test_the_check_itself_sees_imports(tmp_path, monkeypatch, source, expected):
    """The checker must find real imports (and only those), or the tests above could never fail."""
    probe = PACKAGE / "documents" / f"_probe_{abs(hash(source))}.py"
    monkeypatch.setattr(Path, "read_text", lambda self, **kw: source if self == probe else _read(self, **kw))
    assert imports_of(probe) == expected


_read = Path.read_text

"""ARCHITECTURE.md's code map is a claim about the code: every module has a row, and imports only what its
row's "may import" column names (project modules; third-party libraries are not checked here)."""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

from helpers import REPO

PACKAGE = REPO / "generator"
ROW = re.compile(r"^\| `generator/(?P<module>[\w/]+)\.py` \| .* \| (?P<allowed>[^|]*) \|$")


def code_map() -> dict[str, set[str] | None]:
    """module (e.g. 'renderers/site') → the module names it may import; None = "everything above"."""
    rows: dict[str, set[str] | None] = {}
    above: set[str] = set()
    for line in (REPO / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines():
        found = ROW.match(line)
        if not found:
            continue
        module, allowed = found.group("module"), found.group("allowed")
        names = set(re.findall(r"`([\w*]+)`", allowed))
        if "everything above" in allowed:
            names |= above
        rows[module] = names
        above |= {module.rsplit("/", 1)[-1], module.split("/", 1)[0]}
    return rows


def internal_imports(path: Path) -> set[str]:
    """Project modules a file imports (outside `if TYPE_CHECKING:` blocks), as their last name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for block in ast.walk(tree)
               if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
               for node in ast.walk(block)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and not (node.module or "").startswith("generator"):
                continue
            parts = [p for p in (node.module or "").split(".") if p and p != "generator"]
            if parts:
                found.add(parts[-1])
            else:  # from . import a, b
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[-1] for alias in node.names if alias.name.startswith("generator.")}
    return found


def modules() -> dict[str, Path]:
    return {p.relative_to(PACKAGE).with_suffix("").as_posix(): p for p in PACKAGE.rglob("*.py")
            if p.name != "__init__.py"}


def test_every_module_has_a_row_in_the_code_map():
    missing = sorted(set(modules()) - set(code_map()))
    assert not missing, f"add a row to ARCHITECTURE.md's code map for: {missing}"


def test_modules_import_only_what_the_code_map_allows():
    rows = code_map()
    wrong = []
    for module, path in sorted(modules().items()):
        allowed = rows.get(module) or set()
        own_package = module.split("/")[0] if "/" in module else None
        for name in sorted(internal_imports(path)):
            if name == own_package or name == module.rsplit("/", 1)[-1]:
                continue
            if not any(fnmatch.fnmatch(name, pattern) for pattern in allowed):
                wrong.append(f"generator/{module}.py imports {name}")
    assert not wrong, "imports the code map does not allow (fix the code or the map):\n" + "\n".join(wrong)


def test_the_check_itself_sees_imports():
    """The checker must find real imports, or the test above could never fail."""
    assert {"yamlsource", "model", "errors"} <= internal_imports(PACKAGE / "loader.py")
    assert code_map()["errors"] == set()

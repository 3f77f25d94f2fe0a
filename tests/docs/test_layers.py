"""The package's layers, as the README's Architecture section draws them.

Each package may import, at module level, only the packages below it; imports inside a function
(made at call time) and ``TYPE_CHECKING`` imports are not layering and are left out. A new
module-level import across layers fails here until the picture and this table agree.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "ogpu"

#: What each layer may import at module level (the README's arrows).
ALLOWED: dict[str, set[str]] = {
    "types": set(),
    "files": set(),
    "rpc": {"types"},
    "service": {"types"},
    "ipfs": {"rpc", "types"},
    "chain": {"rpc", "types"},
    "protocol": {"chain", "types"},
    "events": {"protocol", "chain", "rpc", "types"},
    "agent": {"protocol", "types"},
    "jobs": {"chain", "ipfs", "rpc", "types"},
    "client": {"protocol", "ipfs", "chain", "jobs", "service", "types"},
    "aio": {"client", "protocol", "chain", "rpc", "types"},
    "provider": {"events", "protocol", "ipfs", "chain", "rpc", "files", "types"},
    "devnet": {"chain", "ipfs", "provider", "service", "files", "types"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _module_level_targets(tree: ast.Module) -> set[str]:
    """The ``ogpu`` packages a module imports when it is loaded."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue  # imported at call time
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            names: list[str] = []
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                names = [child.module]
            elif isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            found.update(n.split(".")[1] for n in names if n.startswith("ogpu."))
            visit(child)

    visit(tree)
    return found


def test_each_layer_imports_only_the_layers_below_it() -> None:
    breaches: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        if layer in ("cli", "__init__", "__main__", "py"):
            continue  # the command line sits on top; the root module re-exports lazily
        allowed = ALLOWED[layer] | {layer}
        for target in sorted(_module_level_targets(ast.parse(path.read_text(encoding="utf-8")))):
            if target not in allowed:
                breaches.append(f"{path.relative_to(REPO)} imports ogpu.{target}")
    assert breaches == []


def test_the_table_covers_every_package() -> None:
    layers = {_layer(p) for p in PACKAGE.rglob("*.py")} - {"cli", "__init__", "__main__"}
    assert layers == set(ALLOWED)


def test_the_check_sees_a_module_level_import_and_skips_a_lazy_one() -> None:
    tree = ast.parse("import ogpu.chain\ndef f():\n    from ogpu.cli import app\n")
    assert _module_level_targets(tree) == {"chain"}

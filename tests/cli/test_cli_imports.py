"""The command line imports only what a command uses: a read never loads web3, eth-account's
keyfile stack (eth_keyfile, py_ecc), requests or aiohttp, nor eth-abi, eth-utils or pydantic (the
SDK's codec handles static types itself; typer is pinned to a release that does not coerce
parameters through pydantic); ``ogpu --help`` loads no sub-command.

Each check runs the command in a fresh interpreter and inspects ``sys.modules`` afterwards (what
is imported, not how long it takes: timing lives in bench/cli_wall.py).
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from ogpu.cli.app import SHORT_HELP, SUBCOMMANDS
from ogpu.devnet.accounts import dev_account

REPO = Path(__file__).resolve().parents[2]
#: Never needed by a read; web3 and eth_keyfile pull py_ecc, aiohttp and requests with them.
HEAVY = ("web3", "eth_keyfile", "py_ecc", "requests", "aiohttp", "eth_account")
#: Not needed by a read of numbers and addresses: eth-abi (with its grammar's parsimonious and
#: regex), eth-utils (whose ``__init__`` imports pydantic, eth-typing and cytoolz), pydantic.
CODEC = (
    "eth_abi",
    "eth_utils",
    "eth_typing",
    "parsimonious",
    "cytoolz",
    "pydantic",
    "pydantic_core",
)

_PROBE = """
import importlib.abc, json, sys

BLOCKED = set(json.loads(sys.argv[2]))


class Block(importlib.abc.MetaPathFinder):  # as if these were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not installed")
        return None


sys.meta_path.insert(0, Block())
from ogpu.cli import main
sys.argv = ["ogpu", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
loaded = sorted(k for k, v in sys.modules.items() if v is not None)
print(json.dumps({"code": code, "modules": loaded}), file=sys.stderr)
"""


def _run(
    args: list[str], home: Path | None = None, blocked: tuple[str, ...] = ()
) -> tuple[int, str, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PRIVATE_KEY")}
    env.pop("OGPU_NETWORK", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *sys.path])
    if home is not None:
        env["OGPU_DEVNET_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(args), json.dumps(blocked)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=REPO,
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return int(report["code"]), proc.stdout, set(report["modules"])


def _loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages)


@pytest.mark.parametrize(
    "args",
    [
        ["vault", "balance"],
        ["--json", "vault", "balance", dev_account("provider").address],
    ],
    ids=["own-account", "json-address"],
)
def test_vault_balance_imports_neither_web3_nor_the_keyfile_stack(
    cli_home: Path, args: list[str]
) -> None:
    code, out, modules = _run(["--network", "devnet", *args], cli_home)
    assert code == 0, out
    assert "balance" in out and "ogpu.cli.vault" in modules  # the read really ran
    assert not _loaded(modules, HEAVY)
    assert not _loaded(modules, CODEC)
    # nor the transaction executor, rich (plain reads print through typer) or asyncio
    assert "ogpu.chain.tx" not in modules
    assert not {"ogpu.chain.revert", "ogpu.chain.steps"} & modules  # loaded on a revert / a wait
    assert not _loaded(modules, ("rich", "asyncio", "click", "eth_keys"))


def test_help_imports_no_sub_command() -> None:
    code, out, modules = _run(["--help"])
    assert code == 0
    for name in SUBCOMMANDS:
        assert name in out
        assert f"ogpu.cli.{SUBCOMMANDS[name]}" not in modules, name
    assert not _loaded(modules, (*HEAVY, *CODEC, "httpx"))
    assert "ogpu.chain" not in modules


def test_the_help_listing_matches_each_sub_command() -> None:
    """:data:`SHORT_HELP` (listed without importing) is the first paragraph of each module's help."""
    for name, text in SHORT_HELP.items():
        module = importlib.import_module(f"ogpu.cli.{SUBCOMMANDS[name]}")
        command = typer.main.get_command(module.app)
        first = (command.short_help or command.help or "").split("\n\n")[0]
        assert " ".join(first.split()) == text, name


def test_writes_work_without_web3_installed(cli_home: Path) -> None:
    """web3 is an optional extra: a write signs the SDK's EIP-1559 transaction with coincurve
    (eth-account is not even loaded) and sends it through the SDK's JSON-RPC client."""
    blocked = ("web3", "requests", "aiohttp", "eth_account")
    code, out, modules = _run(
        ["--network", "devnet", "--json", "vault", "deposit", "0.001"], cli_home, blocked
    )
    assert code == 0, out
    assert json.loads(out)["receipt"]["status"] == 1
    assert "coincurve" in modules and not _loaded(modules, blocked)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_library_the_package_imports_is_declared() -> None:
    """Each third-party module imported anywhere in ogpu/ comes from a distribution pinned in
    pyproject.toml (core or an extra), not only as a dependency of a dependency."""
    from importlib.metadata import metadata, packages_distributions

    requires = metadata("ogpu").get_all("Requires-Dist") or []
    declared = {_canonical(re.split(r"[\s\[=<>!;~]", r, maxsplit=1)[0]) for r in requires}
    providers = packages_distributions()
    imported: set[str] = set()
    for path in (REPO / "ogpu").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = sorted(imported - set(sys.stdlib_module_names) - {"ogpu", "__future__"})
    assert {"httpx", "eth_abi", "typer"} <= set(third_party)
    undeclared = [
        name
        for name in third_party
        if not any(_canonical(d) in declared for d in providers.get(name, []))
    ]
    assert not undeclared, undeclared


def test_a_sub_command_builds_only_the_command_that_runs() -> None:
    """Reading a command's parameters from its signature costs milliseconds per command: the
    group of a sub-command module builds the one looked up; its names are known without
    building (typer's "did you mean"), and a listing builds all, in order, the same commands typer
    builds eagerly."""
    from ogpu.cli.app import LazyCommands, _sub_command

    module = importlib.import_module("ogpu.cli.vault")
    eager = typer.main.get_command(module.app)
    assert isinstance(eager, typer.core.TyperGroup)
    lazy = _sub_command(module.app)
    commands = lazy.commands
    assert isinstance(commands, LazyCommands)
    assert lazy.get_command(None, "balance") is not None
    assert lazy.get_command(None, "balnce") is None
    assert commands.built() == ["balance"]
    assert list(commands) == list(eager.commands)
    assert commands.built() == ["balance"]
    assert lazy.list_commands(None) == list(eager.commands)
    assert commands.built() == list(eager.commands)
    for name, command in eager.commands.items():
        built = commands[name]
        assert [(p.name, p.opts, p.required) for p in built.params] == [
            (p.name, p.opts, p.required) for p in command.params
        ]
        assert built.help == command.help
    assert (lazy.help, lazy.no_args_is_help, [p.name for p in lazy.params]) == (
        eager.help,
        eager.no_args_is_help,
        [p.name for p in eager.params],
    )

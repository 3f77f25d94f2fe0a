"""The root command: help with examples, completion, network selection, confirmation prompts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from cli_helpers import invoke, ok_json
from typer.testing import CliRunner

from ogpu.chain.networks import TESTNET
from ogpu.cli.app import app
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.node import AnvilNode, rpc_call

CLIENT = dev_account("client").address
MINE = ("source", "task", "response", "vault", "agent")


def _commands() -> list[list[str]]:
    root: Any = typer.main.get_command(app)
    paths: list[list[str]] = []
    for name in root.list_commands(None):  # sub-commands load on demand
        sub = root.get_command(None, name)
        leaves = getattr(sub, "commands", None)
        if leaves:
            paths += [[name, leaf] for leaf in leaves]
        else:
            paths.append([name])
    return paths


def test_every_command_is_there() -> None:
    paths = {" ".join(p) for p in _commands()}
    expected = {
        "source publish",
        "source show",
        "source update",
        "source inactivate",
        "source list",
        "task publish",
        "task show",
        "task cancel",
        "task watch",
        "task responses",
        "response show",
        "response confirm",
        "response data",
        "vault balance",
        "vault deposit",
        "vault withdraw",
        "vault lock",
        "vault unbond",
        "vault claim",
        "agent set",
        "agent revoke",
        "agent check",
    }
    assert expected <= paths
    assert any(p.startswith("devnet ") for p in paths)
    assert any(p.startswith("provider ") for p in paths)


@pytest.mark.parametrize("path", _commands(), ids=lambda p: " ".join(p))
def test_help_has_an_example(path: list[str]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout


def test_root_and_group_help() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for option in ("--network", "--json", "--debug", "--install-completion", "--show-completion"):
        assert option in result.stdout
    for group in MINE:
        assert "Example" in CliRunner().invoke(app, [group, "--help"]).stdout


def test_show_completion_works(monkeypatch: pytest.MonkeyPatch) -> None:
    # typer detects the shell from the parent processes (``sh`` under make, unsupported): bash.
    monkeypatch.setattr("typer.completion._get_shell_name", lambda: "bash")
    result = CliRunner().invoke(app, ["--show-completion"])
    assert result.exit_code == 0
    assert "complete" in result.stdout and "_COMPLETE" in result.stdout


def test_network_from_environment(cli_home: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGPU_NETWORK", "devnet")
    out = ok_json(invoke("vault", "balance", CLIENT, "--json", network=None))
    assert out["account"] == CLIENT


def test_global_json_flag(cli_home: Any) -> None:
    out = ok_json(invoke("--json", "vault", "balance", CLIENT))
    assert out["account"] == CLIENT


def test_unknown_network_is_one_line() -> None:
    result = invoke("vault", "balance", CLIENT, network="moonnet")
    assert result.exit_code == 3  # input refused
    assert result.stderr.startswith("error: ChainNotSupportedError") and "moonnet" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_rpc_is_one_line() -> None:
    result = invoke("vault", "balance", CLIENT, network="http://127.0.0.1:9")
    assert result.exit_code == 7  # network
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


@pytest.fixture(scope="module")
def testnet_node() -> Iterator[str]:
    """An anvil node that reports the testnet chain id: `--network <url>` resolves to testnet."""
    node = AnvilNode.start()
    try:
        rpc_call(node.url, "anvil_setChainId", [TESTNET.chain_id])
        yield node.url
    finally:
        node.stop()


def _nonce(url: str) -> int:
    return int(rpc_call(url, "eth_getTransactionCount", [CLIENT, "pending"]), 16)


def test_public_network_asks_before_sending(
    testnet_node: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENT_PRIVATE_KEY", dev_key("client"))
    before = _nonce(testnet_node)
    refused = invoke("vault", "deposit", "1", input="n\n", network=testnet_node)
    assert refused.exit_code == 1
    assert "Send Vault.deposit to testnet? [y/N]" in refused.stderr
    assert "aborted; nothing was sent" in refused.stderr
    assert _nonce(testnet_node) == before

    dry = invoke("vault", "deposit", "1", "--dry-run", "--json", network=testnet_node)
    assert ok_json(dry)["sent"] is False and "[y/N]" not in dry.stderr
    assert _nonce(testnet_node) == before

    accepted = invoke("vault", "deposit", "1", input="y\n", network=testnet_node)
    assert accepted.exit_code == 0, accepted.stderr
    assert _nonce(testnet_node) == before + 1

    quiet = invoke("vault", "deposit", "1", "--yes", "--json", network=testnet_node)
    assert ok_json(quiet)["receipt"]["status"] == 1 and "[y/N]" not in quiet.stderr
    assert _nonce(testnet_node) == before + 2


def test_devnet_never_asks(run_bare: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENT_PRIVATE_KEY", dev_key("client"))
    result = run_bare("vault", "deposit", "1")
    assert result.exit_code == 0 and "[y/N]" not in result.output


def test_network_and_json_are_root_options_only(cli_home: Any) -> None:
    for option in ("--network", "--json"):
        result = CliRunner().invoke(app, ["vault", "balance", CLIENT, option])
        assert result.exit_code == 2 and "No such option" in result.stderr, result.stderr
    out = ok_json(invoke("--json", "vault", "balance", CLIENT))
    assert out["account"] == CLIENT

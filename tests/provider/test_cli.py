"""``ogpu provider`` command line: option parsing and ``status``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from provider_helpers import outcome, publish
from support.world import World, devnet_home
from typer.testing import CliRunner

from ogpu.chain.networks import Network
from ogpu.cli.app import app as root
from ogpu.devnet.accounts import dev_account
from ogpu.provider import SourceBinding
from ogpu.types import DeliveryMethod, Environment

P1 = dev_account("provider").address
SRC = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def test_source_binding_parse() -> None:
    b = SourceBinding.parse(f"{SRC.lower()}=pkg.handlers")
    assert (b.source, b.handler, b.environment) == (SRC, "pkg.handlers", Environment.CPU)
    b = SourceBinding.parse(f"{SRC}=pkg.handlers@nvidia")
    assert (b.handler, b.environment) == ("pkg.handlers", Environment.NVIDIA)
    b = SourceBinding.parse(f"{SRC}=http://127.0.0.1:5555")
    assert b.handler == "http://127.0.0.1:5555"
    for bad in ("pkg.handlers", f"{SRC}=", f"{SRC}=pkg@tpu"):
        with pytest.raises(ValueError):
            SourceBinding.parse(bad)


def test_status_json_after_serving(
    store_world: World,
    make_runtime,
    store_net: Network,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt = make_runtime([source.address])
    task = publish(store_world, source, "hash", {"text": "x"}, payment=10**16)
    assert outcome(rt, task) == "responded"
    devnet_home(store_net, tmp_path / "home")
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(root, ["--network", "devnet", "--json", "provider", "status"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["provider"] == P1 and info["master"] == dev_account("master").address
    assert info["registered_sources"] == [source.address]
    assert info["total_earnings"] == 10**16
    assert info["master_vault_balance"] == 10**16
    text = CliRunner().invoke(root, ["--network", "devnet", "provider", "status"])
    assert text.exit_code == 0 and "registered sources  1" in text.output


def test_run_refuses_bad_input_with_one_line(
    tmp_path: Path, store_net: Network, monkeypatch
) -> None:
    devnet_home(store_net, tmp_path / "home")
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(tmp_path / "home"))
    state = str(tmp_path)
    result = CliRunner().invoke(
        root,
        ["--network", "devnet", "provider", "run", "--source", "nonsense", "--state-dir", state],
    )
    assert result.exit_code == 3 and "expected ADDRESS=HANDLER" in result.output  # input refused
    result = CliRunner().invoke(
        root,
        ["--network", "devnet", "provider", "run", "--source", f"{SRC}=ogpu.devnet.demo_handlers"],
    )
    assert result.exit_code == 3 and "not a source of this deployment" in result.output


def test_status_refuses_a_key_file_others_can_read(tmp_path: Path) -> None:
    from ogpu.devnet.accounts import dev_key

    key_file = tmp_path / "provider.key"
    key_file.write_text(dev_key("provider"))
    key_file.chmod(0o644)
    result = CliRunner().invoke(
        root, ["--network", "devnet", "provider", "status", "--key-file", str(key_file)]
    )
    assert result.exit_code == 3  # input refused
    assert "chmod 600" in result.output
    assert dev_key("provider")[2:] not in result.output


def test_root_network_option_reaches_provider_commands(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OGPU_NETWORK", raising=False)
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(tmp_path))
    result = CliRunner().invoke(root, ["--network", "devnet", "provider", "status"])
    assert result.exit_code == 3  # a configuration problem: input refused
    assert f"no devnet manifest at {tmp_path}" in result.output

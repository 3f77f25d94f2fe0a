"""Typed sources on a whole devnet: its demo sources declare their handlers; the CLI refuses a
typo before paying, shows the handlers, writes stubs that mypy accepts and that run end to end."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ogpu.chain import Session
from ogpu.cli._common import EXIT_INPUT, EXIT_NOT_FOUND
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import vault

CLIENT = dev_account("client").address
ROOT = Path(__file__).resolve().parents[2]


def ogpu(*args: str) -> Result:
    from ogpu.cli.app import app

    return CliRunner().invoke(app, ["--network", "devnet", *args])


@pytest.fixture(scope="module")
def typed_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A devnet with its provider service (demo sources + provider process), for this module."""
    from ogpu.devnet import manager, provider_service
    from ogpu.devnet.node import free_port

    home = tmp_path_factory.mktemp("typed-devnet")
    port = free_port()
    ipfs_port = free_port()
    while ipfs_port == port:
        ipfs_port = free_port()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OGPU_DEVNET_HOME", str(home))
        mp.delenv("OGPU_NETWORK", raising=False)
        try:
            manager.up(home, port=port, ipfs_port=ipfs_port, services=[provider_service.service()])
            yield manager.read_manifest(home)
        finally:
            manager.down(home)


@pytest.fixture
def ds(typed_devnet: Any) -> Iterator[Session]:
    s = Session("devnet")
    try:
        vault.deposit(CLIENT, 10**18, signer=dev_key("client"), session=s)
        yield s
    finally:
        s.close()


def _state(s: Session) -> tuple[int, int]:
    nonce = int(s.rpc("eth_getTransactionCount", [CLIENT, "pending"]), 16)
    return nonce, vault.get_balance_of(CLIENT, session=s)


def test_cli_refuses_a_typo_before_paying(typed_devnet: Any, ds: Session) -> None:
    demo = typed_devnet["demo_source"]
    before = _state(ds)
    result = ogpu(
        "task", "publish", demo, "-f", "no_such_handler", "-d", '{"text": "x"}', "--payment", "0.01"
    )
    assert result.exit_code == EXIT_INPUT, result.output
    line = result.stderr.strip()
    assert line.startswith("error: UnknownFunctionError"), line
    for name in ("echo", "hash", "sentiment", "text_stats", "thumbnail"):
        assert name in line
    bad = ogpu("task", "publish", demo, "-f", "sentiment", "-d", '{"text": 3}', "--payment", "0.01")
    assert (
        bad.exit_code == EXIT_INPUT
        and "InvalidTaskInputError" in bad.stderr
        and "/text" in bad.stderr
    )
    assert _state(ds) == before


def test_cli_show_lists_handlers_and_json_gives_schemas(typed_devnet: Any) -> None:
    demo = typed_devnet["demo_source"]
    human = ogpu("source", "show", demo)
    assert human.exit_code == 0, human.output
    assert "sentiment" in human.stdout and "text: string" in human.stdout
    data = json.loads(ogpu("--json", "source", "show", demo).stdout)
    by_name = {h["name"]: h for h in data["handlers"]}
    assert sorted(by_name) == ["echo", "hash", "sentiment", "text_stats", "thumbnail"]
    assert by_name["sentiment"]["input_schema"]["required"] == ["text"]
    assert "properties" in by_name["sentiment"]["output_schema"]


def _import(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("typed_demo_client", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stubs_are_mypy_clean_and_work_end_to_end(
    typed_devnet: Any, ds: Session, tmp_path: Path
) -> None:
    demo = typed_devnet["demo_source"]
    out = tmp_path / "my_client.py"
    result = ogpu("source", "stubs", demo, "-o", str(out))
    assert result.exit_code == 0, result.output
    usage = tmp_path / "use_client.py"
    usage.write_text(
        "from my_client import SentimentIn, SentimentOut, sentiment\n"
        "def go() -> float:\n"
        "    task = sentiment(SentimentIn(text='great'), payment=10**16)\n"
        "    out: SentimentOut = task.wait_for_result()\n"
        "    return out.score\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(out), str(usage)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=240,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    client = _import(out)
    assert demo == client.SOURCE
    task = client.sentiment(
        client.SentimentIn(text="This is great, really good."),
        payment=10**16,
        session=ds,
        signer=dev_key("client"),
    )
    result_model = task.wait_for_result(timeout=90)
    assert isinstance(result_model, client.SentimentOut)
    assert result_model.label == "positive"
    stats = client.text_stats(
        client.TextStatsIn(text="The dog barks. The dog sleeps!"),
        payment=10**16,
        session=ds,
        signer=dev_key("client"),
    ).wait_for_result(timeout=90)
    assert (stats.words, stats.sentences) == (6, 2)
    assert stats.top_words[0].word == "dog"


def test_cli_publish_with_handlers_then_list_them(typed_devnet: Any, ds: Session) -> None:
    published = ogpu(
        "--json",
        "source",
        "publish",
        "--name",
        "cli typed",
        "--cpu",
        "https://example.com/compose.yml",
        "--min-payment",
        "0.001",
        "--handlers",
        "ogpu.devnet.demo_handlers:demo_service",
        "--yes",
    )
    assert published.exit_code == 0, published.output
    address = json.loads(published.stdout)["source"]
    listed = ogpu("--json", "source", "handlers", address)
    assert listed.exit_code == 0, listed.output
    names = [h["name"] for h in json.loads(listed.stdout)["handlers"]]
    assert names == ["echo", "hash", "sentiment", "text_stats", "thumbnail"]
    human = ogpu("source", "handlers", address)
    assert "neutral_threshold: number?" in human.stdout
    missing = ogpu("source", "stubs", typed_devnet["addresses"]["nexus"], "-o", "x.py")
    assert missing.exit_code == EXIT_NOT_FOUND, missing.stderr

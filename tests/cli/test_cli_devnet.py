"""The commands against a real `ogpu devnet` (the plugin's ``devnet`` fixture: separate anvil and
IPFS store processes, seeded accounts, manifest with the development keys)."""

from __future__ import annotations

from typing import Any

from cli_helpers import invoke, ok_json

from ogpu.devnet.accounts import dev_account


def test_publish_and_watch_on_a_real_devnet(devnet: Any) -> None:
    client = dev_account("client").address
    before = ok_json(invoke("vault", "balance", "--json"))
    assert before["account"] == client and before["balance"] > 0  # seeded by `devnet up`
    source = ok_json(
        invoke(
            "source",
            "publish",
            "--name",
            "smoke",
            "--cpu",
            "https://example.com/c.yml",
            "--min-payment",
            "0.001",
            "--json",
        )
    )["source"]
    task = ok_json(
        invoke(
            "task", "publish", source, "-f", "echo", "-d", '{"x": 1}', "--payment", "0.01", "--json"
        )
    )["task"]
    shown = ok_json(invoke("task", "show", task, "--json"))
    assert shown["source"] == source and shown["status"] == "NEW"
    assert ok_json(invoke("vault", "balance", "--json"))["balance"] == before["balance"] - 10**16
    watched = invoke("task", "watch", task, "--until", "new", "--timeout", "5")
    assert watched.exit_code == 0 and "NEW" in watched.stdout

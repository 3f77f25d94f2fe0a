"""``ogpu vault`` (and the shared key / network / error handling)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cli_helpers import Run, ok_json, one_line_error

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key

ETH = 10**18
CLIENT = dev_account("client").address


def nonce(session: Session, address: str) -> int:
    return int(session.w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]


def test_deposit_withdraw_and_balance(run: Run, chain: Session) -> None:
    out = ok_json(run("vault", "deposit", "1.5", "--json"))
    assert out["amount"] == 3 * ETH // 2
    assert out["receipt"]["tx_hash"].startswith("0x")
    ok_json(run("vault", "withdraw", "0.5", "--json"))
    bal = ok_json(run("vault", "balance", "--json"))
    assert bal["account"] == CLIENT
    assert bal["balance"] == ETH
    human = run("vault", "balance", CLIENT)
    assert human.exit_code == 0
    assert "1 OGPU" in human.stdout and CLIENT in human.stdout


def test_withdraw_more_than_balance_shows_required_and_available(run: Run) -> None:
    ok_json(run("vault", "deposit", "1", "--json"))
    line = one_line_error(run("vault", "withdraw", "5"), "InsufficientBalanceError")
    assert "has 1 OGPU in the Vault, less than the 5 OGPU asked for" in line
    assert "`ogpu vault withdraw 1`" in line and "nothing was sent" in line


def test_dry_run_sends_nothing(run: Run, chain: Session) -> None:
    before = nonce(chain, CLIENT)
    out = ok_json(run("vault", "deposit", "2", "--dry-run", "--json"))
    assert out["dry_run"] is True and out["sent"] is False
    assert out["gas"] > 21000 and out["value"] == 2 * ETH
    assert nonce(chain, CLIENT) == before
    assert ok_json(run("vault", "balance", "--json"))["balance"] == 0
    human = run("vault", "withdraw", "1", "--dry-run")
    # the simulation of a withdraw without balance fails with the typed error, nothing is sent
    one_line_error(human, "InsufficientBalanceError")
    assert nonce(chain, CLIENT) == before


def test_missing_key_is_one_line(run_bare: Run) -> None:
    result = run_bare("vault", "withdraw", "1")
    one_line_error(result, "MissingSignerError", "CLIENT_PRIVATE_KEY", "--key-file")


def test_debug_shows_the_exception(run_bare: Run) -> None:
    from ogpu.types import MissingSignerError

    debug = run_bare("--debug", "vault", "withdraw", "1")
    assert debug.exit_code == 1
    assert isinstance(debug.exception, MissingSignerError)
    assert not debug.stderr.startswith("error:")


def test_role_key_from_environment(run_bare: Run, monkeypatch: Any) -> None:
    monkeypatch.setenv("CLIENT_PRIVATE_KEY", dev_key("client2"))
    out = ok_json(run_bare("vault", "deposit", "1", "--json"))
    assert out["account"] == dev_account("client2").address


def test_key_file_permissions(run_bare: Run, tmp_path: Path) -> None:
    key = dev_key("stranger")
    path = tmp_path / "key"
    path.write_text(key + "\n")
    os.chmod(path, 0o644)
    result = run_bare("vault", "balance", "--key-file", str(path))
    line = one_line_error(result, "readable by group/others", "644", "chmod 600")
    assert key[2:] not in result.output and key[2:] not in line
    os.chmod(path, 0o600)
    out = ok_json(run_bare("vault", "balance", "--key-file", str(path), "--json"))
    assert out["account"] == dev_account("stranger").address
    assert key[2:] not in run_bare("vault", "balance", "--key-file", str(path)).output


def test_bad_input_is_one_line(run: Run) -> None:
    one_line_error(run("vault", "balance", "0x1234"), "invalid account address", "0x1234")
    one_line_error(run("vault", "deposit", "lots"), "invalid amount", "lots")
    one_line_error(run("vault", "deposit", "1", "--to", "nope"), "invalid --to address")


def test_lock_unbond_claim(run: Run, chain: Session) -> None:
    ok_json(run("vault", "deposit", "1", "--json"))
    ok_json(run("vault", "lock", "0.6", "--json"))
    ok_json(run("vault", "unbond", "0.25", "--json"))
    bal = ok_json(run("vault", "balance", "--json"))
    assert (bal["balance"], bal["lockup"], bal["unbonding"]) == (
        4 * ETH // 10,
        35 * ETH // 100,
        25 * ETH // 100,
    )
    one_line_error(run("vault", "claim"), "UnbondingPeriodNotElapsedError")
    chain.rpc("evm_increaseTime", [3600])
    chain.rpc("evm_mine", [])
    ok_json(run("vault", "claim", "--json"))
    bal = ok_json(run("vault", "balance", "--json"))
    assert (bal["balance"], bal["unbonding"]) == (65 * ETH // 100, 0)


def test_key_file_errors_never_echo_the_content(run_bare: Run, tmp_path: Path) -> None:
    secret = "not-a-key-" + "f" * 20
    path = tmp_path / "garbage"
    path.write_text(secret)
    path.chmod(0o600)
    result = run_bare("vault", "deposit", "1", "--key-file", str(path))
    one_line_error(result, "InvalidSignerError")
    assert secret not in result.output
    one_line_error(
        run_bare("vault", "balance", "--key-file", str(tmp_path / "missing")), "does not exist"
    )
    empty = tmp_path / "empty"
    empty.write_text("\n")
    empty.chmod(0o600)
    one_line_error(run_bare("vault", "balance", "--key-file", str(empty)), "is empty")


def test_not_found_names_the_network_option(run: Run) -> None:
    stranger = dev_account("stranger").address
    one_line_error(run("task", "show", stranger), "TaskNotFoundError", stranger, "--network")


def test_lock_and_unbond_beyond_what_is_there(run: Run) -> None:
    ok_json(run("vault", "deposit", "1", "--json"))
    line = one_line_error(run("vault", "lock", "2"), "InsufficientBalanceError")
    assert "has 1 OGPU in the Vault but 2 OGPU is required" in line
    ok_json(run("vault", "lock", "0.5", "--json"))
    line = one_line_error(run("vault", "unbond", "3"), "InsufficientLockupError")
    assert "has 0.5 OGPU locked but 3 OGPU is required" in line

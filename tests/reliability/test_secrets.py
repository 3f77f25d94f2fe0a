"""Secrets: no private key in any log, exception, repr or CLI output; keys come from the
environment or from files whose permissions are checked.

The suite-wide guard (``tests/support/secrets_guard.py``) is proven here on a throw-away pytest
run; the SDK's own surfaces (reprs, errors, DEBUG logs of a full write, CLI with ``--debug``) are
checked directly.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support.secrets_guard import find_secrets, known_secrets

from ogpu.chain import Session
from ogpu.chain.signers import KeySigner, resolve_signer
from ogpu.devnet.accounts import DEV_ROLES, dev_account, dev_key
from ogpu.protocol import vault
from ogpu.types import InsufficientBalanceError, InvalidSignerError, OGPUError, Role

TESTS = Path(__file__).resolve().parents[1]
SECRETS = known_secrets()


def leaks(text: str) -> list[str]:
    return [SECRETS[s] for s in find_secrets(text, SECRETS)]


def test_every_dev_key_is_guarded() -> None:
    for role in DEV_ROLES:
        k = dev_key(role)
        for form in (k, k.removeprefix("0x"), k.upper(), k.removeprefix("0x").upper()):
            assert leaks(f"oops {form} oops"), form
    assert not leaks(dev_account("client").address)


def test_guard_fails_a_test_that_prints_a_key(tmp_path: Path) -> None:
    key = dev_key("provider").removeprefix("0x").upper()
    (tmp_path / "test_leaky.py").write_text(
        textwrap.dedent(
            f"""
            import logging

            def test_prints():
                print("key is {key}")

            def test_logs():
                logging.getLogger("ogpu.test").warning("signing with 0x{key.lower()}")

            def test_raises():
                raise RuntimeError("bad key 0x{key}")

            def test_clean():
                print("nothing to see")
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": str(TESTS)}
    env.pop("PYTEST_ADDOPTS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "support.secrets_guard", "-p", "no:cacheprovider",
         "-o", "addopts=", "--rootdir", str(tmp_path), str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=tmp_path,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "3 failed, 1 passed" in out, out
    assert out.count("SECRET LEAK") >= 3, out
    assert "dev key of 'provider'" in out
    assert "leaks: 3" in out


def test_sdk_reprs_and_errors_hide_keys(session: Session) -> None:
    key = dev_key("client")
    signer = resolve_signer(key, Role.CLIENT)
    assert isinstance(signer, KeySigner)
    texts = [repr(signer), str(signer), repr(session), repr(session.network), str(session.network)]
    for bad in (key[:-1], key + "0", key[2:-1] + "zz", "0x" + "f" * 64):
        try:
            resolve_signer(bad, Role.CLIENT)
        except (InvalidSignerError, ValueError) as err:
            texts += [str(err), repr(err), repr(err.__cause__), repr(err.__context__)]
    with pytest.raises(InsufficientBalanceError) as info:
        vault.withdraw(10**30, signer=key, session=session)
    texts += [str(info.value), repr(info.value), repr(vars(info.value))]
    for text in texts:
        assert not leaks(text), text


def test_debug_logs_of_a_write_hide_keys(
    session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    key = dev_key("client")
    monkeypatch.setenv("CLIENT_PRIVATE_KEY", key)
    with caplog.at_level(logging.DEBUG):
        # role fallback through the environment: the signer comes from CLIENT_PRIVATE_KEY
        v = session.contract("Vault")
        receipt = session.transact(
            v.functions.deposit(dev_account("client").address), None, role=Role.CLIENT, value=1
        )
        session.transact(v.functions.withdraw(1), None, role=Role.CLIENT)
    assert receipt.ok
    assert caplog.records, "nothing was logged at DEBUG: the check proved nothing"
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert not leaks(text)


def _key_file(tmp_path: Path, mode: int, content: str) -> Path:
    p = tmp_path / "client.key"
    p.write_text(content)
    p.chmod(mode)
    return p


def test_key_file_permissions_are_checked(tmp_path: Path) -> None:
    from ogpu.cli._common import CliError, read_key_file

    key = dev_key("client")
    for mode in (0o644, 0o640, 0o604, 0o666):
        with pytest.raises(CliError) as info:
            read_key_file(_key_file(tmp_path, mode, key))
        assert "chmod 600" in str(info.value)
        assert not leaks(str(info.value))
    assert read_key_file(_key_file(tmp_path, 0o600, key + "\n")) == key
    assert read_key_file(_key_file(tmp_path, 0o400, key)) == key
    with pytest.raises(CliError):
        read_key_file(tmp_path / "missing.key")
    with pytest.raises(CliError):
        read_key_file(_key_file(tmp_path, 0o600, "  \n"))


def _cli(args: list[str], env: dict[str, str] | None = None) -> Any:
    from typer.testing import CliRunner

    from ogpu.cli.app import app

    return CliRunner().invoke(app, args, env=env)


def test_cli_output_never_shows_keys(devnet: Any, tmp_path: Path) -> None:
    key = dev_key("client")
    good = _key_file(tmp_path, 0o600, key)
    runs = [
        _cli(["--network", "devnet", "--json", "vault", "balance", "--key-file", str(good)]),
        _cli(["--network", "devnet", "vault", "deposit", "1wei", "--key-file", str(good)]),
        # a revert with the full traceback
        _cli(["--debug", "--network", "devnet", "vault", "withdraw", "1000000", "--key-file", str(good)]),
        # garbage keys: from a file and from the environment
        _cli(["--debug", "--network", "devnet", "vault", "deposit", "1wei", "--key-file",
              str(_key_file(tmp_path, 0o600, key[:-1] + "g"))]),
        _cli(["--debug", "--network", "devnet", "vault", "deposit", "1wei", "--dry-run"],
             env={"CLIENT_PRIVATE_KEY": key}),
        _cli(["--network", "devnet", "vault", "balance", "--key-file",
              str(_key_file(tmp_path, 0o644, key))]),
    ]  # fmt: skip
    assert (
        runs[0].exit_code == 0 and dev_account("client").address.lower() in runs[0].output.lower()
    )
    assert runs[1].exit_code == 0, runs[1].output
    assert runs[2].exit_code != 0 and runs[3].exit_code != 0 and runs[5].exit_code != 0
    for r in runs:
        text = r.output + (repr(r.exception) if r.exception else "")
        assert not leaks(text), text


def test_errors_carry_no_key_when_signing_fails(session: Session) -> None:
    class Refusing:
        address = dev_account("client").address

        def sign_transaction(self, tx: dict[str, Any]) -> Any:
            raise RuntimeError("hardware wallet refused")

    with pytest.raises((OGPUError, RuntimeError)) as info:
        vault.deposit(Refusing.address, 1, signer=Refusing(), session=session)
    assert not leaks(repr(info.value) + str(info.value))

"""``.env`` files: only the SDK's own variables, parsed by python-dotenv, never overriding the
environment, never expanding ``${VAR}`` (which would copy a secret into a URL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ogpu.chain.dotenv import is_sdk_variable, load_env_files


def test_only_the_sdks_variables_are_loaded(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "HTTPS_PROXY=http://evil.test:3128\n"
        "HTTP_PROXY=http://evil.test:3128\n"
        "ALL_PROXY=socks5://evil.test\n"
        "PYTHONPATH=/tmp/evil\n"
        "LD_PRELOAD=/tmp/evil.so\n"
        "SSL_CERT_FILE=/tmp/evil.pem\n"
        "CALLBACK_URL=http://evil.test/cb\n"
        "OGPU_NETWORK=devnet\n"
        "CLIENT_PRIVATE_KEY=0xabc\n"
        "SOMEONE_PRIVATE_KEY=0xdef\n"
    )
    env: dict[str, str] = {}
    assert load_env_files([env_file], env) == [env_file]
    assert env == {"OGPU_NETWORK": "devnet", "CLIENT_PRIVATE_KEY": "0xabc"}


def test_the_environment_wins_and_earlier_files_win(tmp_path: Path) -> None:
    first = tmp_path / "a.env"
    first.write_text("OGPU_NETWORK=devnet\nOGPU_RPC_URL=http://127.0.0.1:1\n")
    second = tmp_path / "b.env"
    second.write_text("OGPU_NETWORK=testnet\nOGPU_IPFS_GATEWAY=http://gw.test\n")
    env = {"OGPU_RPC_URL": "http://mine.test"}
    load_env_files([first, second], env)
    assert env == {
        "OGPU_RPC_URL": "http://mine.test",
        "OGPU_NETWORK": "devnet",
        "OGPU_IPFS_GATEWAY": "http://gw.test",
    }


def test_values_are_not_interpolated(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("OGPU_RPC_URL=https://rpc.test/${CLIENT_PRIVATE_KEY}\n")
    env = {"CLIENT_PRIVATE_KEY": "0xsecret"}
    load_env_files([env_file], env)
    assert env["OGPU_RPC_URL"] == "https://rpc.test/${CLIENT_PRIVATE_KEY}"


def test_python_dotenv_quoting_rules_apply(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "export OGPU_A='single # not a comment'\nOGPU_B=\"line\\nbreak\"\nOGPU_C=bare # comment\n"
    )
    env: dict[str, str] = {}
    load_env_files([env_file], env)
    assert env == {"OGPU_A": "single # not a comment", "OGPU_B": "line\nbreak", "OGPU_C": "bare"}


def test_the_switch_and_odd_files(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("OGPU_NETWORK=devnet\nOGPU_NO_DOTENV=1\n")
    assert load_env_files([env_file], {"OGPU_NO_DOTENV": "1"}) == []
    env: dict[str, str] = {}
    load_env_files([env_file, tmp_path / "missing.env", tmp_path], env)
    assert env == {"OGPU_NETWORK": "devnet"}
    assert not is_sdk_variable("OGPU_NO_DOTENV")
    assert is_sdk_variable("AGENT_PRIVATE_KEY") and not is_sdk_variable("HTTPS_PROXY")


def test_importing_the_sdk_in_a_hostile_checkout_leaves_proxies_alone(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("HTTPS_PROXY=http://evil.test:3128\nOGPU_VERBOSE=0\n")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PROXY") and k != "OGPU_VERBOSE"}
    env["HOME"] = str(tmp_path / "home")
    code = (
        "import os, ogpu.chain; "
        "print(os.environ.get('HTTPS_PROXY'), os.environ.get('OGPU_VERBOSE'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "0"]

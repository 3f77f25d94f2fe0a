"""Networks, devnet manifests, signers, retry policy, nonce manager and the ChainConfig compat layer."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account

from ogpu.chain import (
    MAINNET,
    TESTNET,
    ChainConfig,
    ChainId,
    KeySigner,
    NonceManager,
    RetryPolicy,
    RpcError,
    Session,
    call_with_retry,
    get_session,
    is_transient,
    load_devnet_manifest,
    resolve_network,
    resolve_signer,
    set_session,
    use_session,
)
from ogpu.chain.networks import devnet_manifest_path
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.types import (
    ChainNotSupportedError,
    ConfigError,
    InvalidSignerError,
    MissingSignerError,
    Role,
)

KEY = dev_key("client")


@pytest.fixture(autouse=True)
def _fresh_default_session() -> Iterator[None]:
    set_session(None)
    yield
    set_session(None)


def manifest(tmp_path: Path, **overrides: Any) -> Path:
    data = {
        "chain_id": 31337,
        "rpc_url": "http://127.0.0.1:8545",
        "ws_url": "ws://127.0.0.1:8545",
        "addresses": {
            "manager": "0x" + "01" * 20,
            "nexus": "0x" + "02" * 20,
            "controller": "0x" + "03" * 20,
            "terminal": "0x" + "04" * 20,
            "vault": "0x" + "05" * 20,
        },
        "ipfs": {
            "api_url": "http://127.0.0.1:5001",
            "gateway_url": "http://127.0.0.1:8080",
            "pinning_url": "http://127.0.0.1:5002/file/create",
        },
        "keys": {"client": KEY},
    }
    data.update(overrides)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(data))
    return path


def test_public_network_constants() -> None:
    assert MAINNET.chain_id == 1071 and TESTNET.chain_id == 200820172034
    assert (
        MAINNET.addresses is not None
        and MAINNET.addresses.vault == "0xa5c582254AA313528898311362bc698b041580cC"
    )
    assert (
        TESTNET.addresses is not None
        and TESTNET.addresses.get("CONTROLLER") == "0x9fb6022074Fd7Bdb429de0776eb693cA0CB55E09"
    )
    assert MAINNET.rpc_url == "https://mainnet-rpc.ogpuscan.io"


def test_resolve_network_names_and_urls() -> None:
    assert resolve_network("mainnet") is MAINNET and resolve_network("TESTNET") is TESTNET
    url = resolve_network("http://127.0.0.1:9999")
    assert url.rpc_url == "http://127.0.0.1:9999" and url.chain_id is None
    ws = resolve_network("wss://node.example/ws")
    assert ws.rpc_url == "https://node.example/ws" and ws.ws_url == "wss://node.example/ws"
    with pytest.raises(ChainNotSupportedError):
        resolve_network("goerli")


def test_devnet_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = manifest(tmp_path)
    net = load_devnet_manifest(path)
    assert (
        net.chain_id == 31337
        and net.addresses is not None
        and net.addresses.manager == "0x" + "01" * 20
    )
    assert net.kubo_api_url == "http://127.0.0.1:5001" and net.pinning_url.endswith("/file/create")  # type: ignore[union-attr]
    assert net.is_devnet and KEY[2:] not in repr(net)
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(tmp_path))
    assert devnet_manifest_path() == path
    assert resolve_network("devnet").chain_id == 31337
    with pytest.raises(ConfigError):
        load_devnet_manifest(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"chain_id": 1}))
    with pytest.raises(ConfigError):
        load_devnet_manifest(bad)


def test_url_session_resolves_devnet_addresses_from_chain_id(
    anvil: Any, deployment: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    addrs = {
        k: getattr(deployment, k) for k in ("manager", "nexus", "controller", "terminal", "vault")
    }
    manifest(tmp_path, chain_id=deployment.chain_id, rpc_url=anvil.url, addresses=addrs)
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(tmp_path))
    s = Session(anvil.url)
    assert s.network.addresses is not None and s.network.addresses.vault == deployment.vault
    assert s.network.rpc_url == anvil.url
    assert s.call(s.contract("Vault").functions.balanceOf(dev_account("client").address)) == 0


def test_resolve_signer_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CLIENT_PRIVATE_KEY", "AGENT_PRIVATE_KEY"):
        monkeypatch.delenv(var, raising=False)
    client = dev_account("client").address
    assert resolve_signer(KEY).address == client
    assert resolve_signer(KEY[2:]).address == client
    acct = Account.from_key(KEY)
    wrapped = resolve_signer(acct)
    assert isinstance(wrapped, KeySigner) and wrapped.address == client
    assert repr(wrapped) == f"KeySigner({client})" and KEY[2:] not in repr(wrapped)
    with pytest.raises(InvalidSignerError) as bad:
        resolve_signer("0x1234")
    assert "0x1234" not in str(bad.value)
    with pytest.raises(InvalidSignerError):
        resolve_signer(object())  # type: ignore[arg-type]
    with pytest.raises(MissingSignerError) as missing:
        resolve_signer(None, Role.AGENT)
    assert "AGENT_PRIVATE_KEY" in str(missing.value)
    with pytest.raises(MissingSignerError):
        resolve_signer(None, None)
    monkeypatch.setenv("AGENT_PRIVATE_KEY", dev_key("agent"))
    assert resolve_signer(None, Role.AGENT).address == dev_account("agent").address
    devnet = MAINNET.replace(name="devnet", dev_keys={"client": dev_key("client2")})
    assert (
        resolve_signer(None, Role.CLIENT, network=devnet).address == dev_account("client2").address
    )
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(wrapped)


def test_retry_policy_decides_from_types_and_codes() -> None:
    assert is_transient(httpx.ConnectError("refused")) and is_transient(httpx.ReadTimeout("slow"))
    req = httpx.Request("POST", "http://node")
    resp = httpx.Response(503, request=req)
    assert is_transient(httpx.HTTPStatusError("503", request=req, response=resp))
    resp4 = httpx.Response(400, request=req)
    assert not is_transient(httpx.HTTPStatusError("400", request=req, response=resp4))
    assert is_transient(RpcError("eth_call", -32005, "limit exceeded"))
    assert not is_transient(RpcError("eth_call", 3, "execution reverted"))
    delays = list(RetryPolicy(max_attempts=6, base_delay=0.1, max_delay=0.3).delays())
    assert len(delays) == 5 and all(0 <= d <= 0.3 for d in delays)

    attempts: list[int] = []

    def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("reset")
        return "ok"

    slept: list[float] = []
    assert call_with_retry(flaky, RetryPolicy(max_attempts=5), sleep=slept.append) == "ok"
    assert len(attempts) == 3 and len(slept) == 2

    def fatal() -> None:
        raise RpcError("eth_call", 3, "execution reverted")

    with pytest.raises(RpcError):
        call_with_retry(fatal, RetryPolicy(max_attempts=5), sleep=slept.append)


def test_nonce_manager_threads_release_resync() -> None:
    chain = {"n": 5}
    nm = NonceManager(lambda address: chain["n"])
    got: list[int] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(50):
            n = nm.reserve("0xAa")
            with lock:
                got.append(n)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(5, 405))
    nm.release("0xaa", 404)  # the last one comes back
    assert nm.reserve("0xAA") == 404
    nm.release("0xaa", 10)  # a hole: forget the cache, ask the chain next time
    assert nm.get_cached_nonce("0xaa") is None
    chain["n"] = 900
    assert nm.reserve("0xaa") == 900
    chain["n"] = 950
    assert nm.resync("0xaa") == 950 and nm.reserve("0xaa") == 950


def test_chain_config_compat_acts_on_the_default_session() -> None:
    assert ChainConfig.get_current_chain() is ChainId.OGPU_MAINNET
    ChainConfig.set_chain(ChainId.OGPU_TESTNET)
    assert get_session().network is TESTNET
    assert ChainConfig.get_contract_address("NEXUS") == "0xF87bb2f3edB991a998992f14d35fE142e6Bb50b1"
    assert ChainConfig.get_rpc() == TESTNET.rpc_url
    assert ChainConfig.get_rpc(ChainId.OGPU_MAINNET) == MAINNET.rpc_url
    with pytest.raises(ValueError):
        ChainConfig.get_contract_address("Oracle")
    with pytest.raises(ChainNotSupportedError):
        ChainConfig.set_chain(5)  # type: ignore[arg-type]
    assert isinstance(ChainConfig.load_abi("VaultAbi"), list)
    ChainConfig.reset_rpc()
    assert get_session().network.rpc_url == TESTNET.rpc_url


def test_set_rpc_probes_and_switches(anvil: Any) -> None:
    from ogpu.types import InvalidRpcUrlError

    with pytest.raises(InvalidRpcUrlError):
        ChainConfig.set_rpc("http://127.0.0.1:1")
    ChainConfig.set_rpc(anvil.url, ChainId.OGPU_MAINNET)
    assert ChainConfig.get_rpc() == anvil.url
    assert get_session().network.addresses == MAINNET.addresses


def test_use_session_is_scoped() -> None:
    outer = get_session()
    inner = Session("testnet")
    with use_session(inner) as s:
        assert get_session() is s is inner
    assert get_session() is outer


def test_default_session_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OGPU_NETWORK", "testnet")
    monkeypatch.setenv("OGPU_RPC_URL", "http://127.0.0.1:1234")
    set_session(None)
    s = get_session()
    assert s.network.chain_id == TESTNET.chain_id and s.network.rpc_url == "http://127.0.0.1:1234"


def test_session_builds_its_ipfs_client_from_the_network(tmp_path: Path) -> None:
    from ogpu.ipfs import IPFSClient
    from ogpu.ipfs.backends import PinningBackend

    net = load_devnet_manifest(manifest(tmp_path))
    s = Session(net)
    client = s.ipfs
    assert isinstance(client, IPFSClient) and client is s.ipfs
    assert isinstance(client.backend, PinningBackend)
    assert client.backend.url == "http://127.0.0.1:5002/file/create"
    assert client.gateway.startswith("http://127.0.0.1:8080")
    custom = IPFSClient()
    assert Session(net, ipfs=custom).ipfs is custom

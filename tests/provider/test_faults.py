"""Transport faults (a proxy in front of the IPFS store / the node): retries, then give up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faults.proxy import Fault, FaultProxy, Rule
from provider_helpers import outcome, publish
from support.world import World, with_ipfs

from ogpu.chain.networks import Network
from ogpu.chain.session import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.ipfs import IPFSClient, PinningBackend, parse_cid_from_url
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding
from ogpu.types import DeliveryMethod, TaskStatus

P1 = dev_account("provider").address


@pytest.fixture
def proxied(
    store_net: Network, ipfs_store: IPFSStore
) -> Iterator[tuple[FaultProxy, FaultProxy, Network]]:
    """(IPFS proxy, RPC proxy, network of the runtime through both)."""
    with FaultProxy(ipfs_store.url) as ipfs, FaultProxy(store_net.rpc_url) as rpc:
        yield ipfs, rpc, with_ipfs(store_net.replace(rpc_url=rpc.url), ipfs.url)


def runtime(
    net: Network, source: str, tmp_path: Path, **over: Any
) -> tuple[ProviderRuntime, Session]:
    fast = IPFSClient(
        PinningBackend(str(net.pinning_url)), gateway=str(net.gateway_url), backoff=0.02
    )
    s = Session(net, ipfs=fast)
    cfg: dict[str, Any] = {
        "provider": dev_key("provider"),
        "master": dev_account("master").address,
        "sources": [SourceBinding(source, "ogpu.devnet.demo_handlers")],
        "state_dir": tmp_path / "state",
        "live_data_interval": 0,
        "retry_backoff": 0.05,
    }
    cfg.update(over)
    rt = ProviderRuntime(ProviderConfig(**cfg), session=s)
    rt.start()
    return rt, s


def test_transient_ipfs_and_rpc_failures_are_retried(
    store_world: World, proxied: tuple[FaultProxy, FaultProxy, Network], tmp_path: Path
) -> None:
    ipfs, rpc, net = proxied
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt, s = runtime(net, source.address, tmp_path)
    try:
        # An ipfs:// config URL is read through the runtime's gateway: the proxy.
        link = s.ipfs.publish(
            {"function_name": "hash", "data": {"text": "flaky"}}, "taskConfig.json"
        )
        ipfs.add_rule(Rule(Fault.HTTP_503, path="/ipfs/", every=True, times=2))
        ipfs.add_rule(Rule(Fault.HTTP_502, path="/file/create", every=True, times=4))
        rpc.add_rule(Rule(Fault.HTTP_502, method="eth_sendRawTransaction", every=True, times=2))
        task = publish(store_world, source, config_url=f"ipfs://{parse_cid_from_url(link)}")
        assert outcome(rt, task) == "responded"
        assert task.get_status() is TaskStatus.FINALIZED and task.get_winning_provider() == P1
        assert ipfs.injected[Fault.HTTP_503] == 2 and ipfs.injected[Fault.HTTP_502] == 4
        assert rpc.injected[Fault.HTTP_502] == 2
    finally:
        rt.stop()
        s.close()


def test_persistent_ipfs_failure_gives_up_without_submitting(
    store_world: World,
    proxied: tuple[FaultProxy, FaultProxy, Network],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ipfs, _, net = proxied
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt, s = runtime(net, source.address, tmp_path, retries=1)
    try:
        ipfs.add_rule(Rule(Fault.HTTP_503, path="/file/create", every=True))
        with caplog.at_level(logging.INFO, logger="ogpu.provider"):
            task = publish(store_world, source, "hash", {"text": "never uploaded"})
            assert outcome(rt, task) == "failed"
        assert "uploading the response gave up after 2 tries" in caplog.text
        assert task.get_response_of(P1) is None and task.get_status() is TaskStatus.ATTEMPTED
        ipfs.clear_rules()
        later = publish(store_world, source, "hash", {"text": "store is back"})
        assert outcome(rt, later) == "responded"
    finally:
        rt.stop()
        s.close()

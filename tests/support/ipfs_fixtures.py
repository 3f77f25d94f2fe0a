"""Networks that pin through and read from a devnet IPFS store (the ``ipfs_store`` fixture of
tests/conftest.py)."""

from __future__ import annotations

from ogpu.chain.networks import Network


def with_ipfs(network: Network, store_url: str) -> Network:
    """``network`` pinning through and reading from the store at ``store_url``."""
    return network.replace(pinning_url=f"{store_url}/file/create", gateway_url=store_url)

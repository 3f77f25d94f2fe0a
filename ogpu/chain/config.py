"""Compatibility layer for the official SDK's ``ChainConfig`` / ``ChainId`` API.

Every operation acts on the default session (:func:`ogpu.chain.session.get_session`); there is no
class-level mutable state here.

>>> ChainId.OGPU_MAINNET.value
1071
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ogpu.chain.networks import MAINNET, TESTNET, Network, load_devnet_manifest
from ogpu.types.errors import ChainNotSupportedError, InvalidRpcUrlError

if TYPE_CHECKING:
    from web3 import Web3

__all__ = ["WEB3", "ChainConfig", "ChainId", "get_web3_for_chain"]


class ChainId(Enum):
    """EIP-155 chain ids of the known networks."""

    OGPU_MAINNET = 1071
    OGPU_TESTNET = 200820172034
    DEVNET = 31337


_BUILT_IN = {ChainId.OGPU_MAINNET: MAINNET, ChainId.OGPU_TESTNET: TESTNET}


def _network_for(chain: ChainId) -> Network:
    if chain is ChainId.DEVNET:
        return load_devnet_manifest()
    if chain not in _BUILT_IN:
        raise ChainNotSupportedError(chain)
    return _BUILT_IN[chain]


def _chain_of(network: Network) -> ChainId:
    for c in ChainId:
        if c.value == network.chain_id:
            return c
    if network.is_devnet:
        return ChainId.DEVNET
    raise ChainNotSupportedError(network.chain_id)


class ChainConfig:
    """Official-SDK style chain selection (all classmethods, acting on the default session)."""

    CHAIN_CONTRACTS: ClassVar[dict[ChainId, dict[str, str]]] = {
        chain: {
            name.upper(): getattr(net.addresses, name)
            for name in ("nexus", "controller", "terminal", "vault")
        }
        for chain, net in _BUILT_IN.items()
    }
    CHAIN_DIRECTORIES: ClassVar[dict[ChainId, str]] = {c: n.name for c, n in _BUILT_IN.items()}

    @classmethod
    def set_chain(cls, chain_id: ChainId) -> None:
        """Switch the default session to ``chain_id``'s network."""
        from ogpu.chain.session import Session, set_session

        if not isinstance(chain_id, ChainId):
            raise ChainNotSupportedError(chain_id)
        set_session(Session(_network_for(chain_id)))

    @classmethod
    def get_current_chain(cls) -> ChainId:
        """The chain of the default session."""
        from ogpu.chain.session import get_session

        return _chain_of(get_session().network)

    @classmethod
    def get_contract_address(cls, contract_name: str) -> str:
        """Singleton address (``NEXUS``, ``CONTROLLER``, ``TERMINAL``, ``VAULT``) on the current chain."""
        from ogpu.chain.session import get_session

        name = contract_name.upper().removesuffix("ABI")
        if name not in ("NEXUS", "CONTROLLER", "TERMINAL", "VAULT", "MANAGER"):
            raise ValueError(f"unknown contract {contract_name!r}")
        return get_session().address_of(name)

    @classmethod
    def get_all_supported_chains(cls) -> list[ChainId]:
        """Chains with built-in addresses."""
        return list(cls.CHAIN_CONTRACTS)

    @classmethod
    def get_chain_abi_directory(cls) -> str:
        """Folder of the packaged ABIs (the same for every chain here)."""
        return str(Path(__file__).with_name("artifacts"))

    @classmethod
    def load_abi(cls, abi_name: str) -> Any:
        """The packaged ABI ``abi_name`` (``NexusAbi`` or ``Nexus``)."""
        from ogpu.chain._abi import load_abi

        base = abi_name[:-3] if abi_name.endswith("Abi") else abi_name
        return load_abi(base)

    @classmethod
    def set_rpc(cls, url: str, chain: ChainId | None = None) -> None:
        """Probe ``url`` then make the default session use it (``InvalidRpcUrlError``)."""
        from ogpu.chain.session import Session, get_session, set_session

        probe = Session(url, request_timeout=10)
        try:
            probe.block_number()
        except Exception:
            raise InvalidRpcUrlError(url) from None
        base = _network_for(chain) if chain is not None else get_session().network
        set_session(Session(base, rpc_url=url))

    @classmethod
    def get_rpc(cls, chain: ChainId | None = None) -> str:
        """RPC URL of the default session (or the built-in one of ``chain``)."""
        from ogpu.chain.session import get_session

        current = get_session().network
        if chain is None or _network_for(chain).chain_id == current.chain_id:
            return current.rpc_url
        return _network_for(chain).rpc_url

    @classmethod
    def reset_rpc(cls, chain: ChainId | None = None) -> None:
        """Restore the built-in RPC URL of the current (or given) chain."""
        from ogpu.chain.session import Session, set_session

        target = chain or cls.get_current_chain()
        set_session(Session(_network_for(target)))


def WEB3() -> Web3:
    """Web3 of the default session."""
    from ogpu.chain.session import get_session

    return get_session().w3


def get_web3_for_chain(chain_id: ChainId) -> Web3:
    """A Web3 for ``chain_id`` (the default session's when it is on that chain)."""
    from ogpu.chain.session import Session, get_session

    s = get_session()
    if s.network.chain_id == chain_id.value:
        return s.w3
    return Session(_network_for(chain_id)).w3

"""Chain access: networks, the session (RPC + contracts + nonces + IPFS), signers, the
transaction executor and revert decoding.

>>> from ogpu.chain import Session, MAINNET
>>> MAINNET.chain_id
1071
"""

import importlib
from typing import TYPE_CHECKING, Any

from ogpu.chain.dotenv import load_env_files

# Module → names; loaded on first access so that ``from ogpu.chain.session import Session`` (the
# command line's reads) does not import the transaction executor, eth-account or web3.
_MODULES = {
    "config": ("WEB3", "ChainConfig", "ChainId", "get_web3_for_chain"),
    "networks": (
        "MAINNET",
        "TESTNET",
        "ContractAddresses",
        "Network",
        "devnet_manifest_path",
        "load_devnet_manifest",
        "resolve_network",
    ),
    "nonce": (
        "NonceManager",
        "clear_all_nonce_caches",
        "fix_nonce",
        "get_nonce_info",
        "reset_nonce_cache",
    ),
    "retry": ("RetryPolicy", "RpcError", "call_with_retry", "is_transient"),
    "revert": ("REVERT_PATTERN_MAP", "decode_exception", "decode_revert"),
    "session": ("Session", "get_session", "set_session", "use_session"),
    "signers": ("KeySigner", "SignerInput", "SignerLike", "resolve_signer"),
    "tx": ("TxExecutor",),
}
_EXPORTS = {name: f"ogpu.chain.{module}" for module, names in _MODULES.items() for name in names}

if TYPE_CHECKING:
    from ogpu.chain.config import WEB3 as WEB3
    from ogpu.chain.config import ChainConfig as ChainConfig
    from ogpu.chain.config import ChainId as ChainId
    from ogpu.chain.config import get_web3_for_chain as get_web3_for_chain
    from ogpu.chain.networks import MAINNET as MAINNET
    from ogpu.chain.networks import TESTNET as TESTNET
    from ogpu.chain.networks import ContractAddresses as ContractAddresses
    from ogpu.chain.networks import Network as Network
    from ogpu.chain.networks import devnet_manifest_path as devnet_manifest_path
    from ogpu.chain.networks import load_devnet_manifest as load_devnet_manifest
    from ogpu.chain.networks import resolve_network as resolve_network
    from ogpu.chain.nonce import NonceManager as NonceManager
    from ogpu.chain.nonce import clear_all_nonce_caches as clear_all_nonce_caches
    from ogpu.chain.nonce import fix_nonce as fix_nonce
    from ogpu.chain.nonce import get_nonce_info as get_nonce_info
    from ogpu.chain.nonce import reset_nonce_cache as reset_nonce_cache
    from ogpu.chain.retry import RetryPolicy as RetryPolicy
    from ogpu.chain.retry import RpcError as RpcError
    from ogpu.chain.retry import call_with_retry as call_with_retry
    from ogpu.chain.retry import is_transient as is_transient
    from ogpu.chain.revert import REVERT_PATTERN_MAP as REVERT_PATTERN_MAP
    from ogpu.chain.revert import decode_exception as decode_exception
    from ogpu.chain.revert import decode_revert as decode_revert
    from ogpu.chain.session import Session as Session
    from ogpu.chain.session import get_session as get_session
    from ogpu.chain.session import set_session as set_session
    from ogpu.chain.session import use_session as use_session
    from ogpu.chain.signers import KeySigner as KeySigner
    from ogpu.chain.signers import SignerInput as SignerInput
    from ogpu.chain.signers import SignerLike as SignerLike
    from ogpu.chain.signers import resolve_signer as resolve_signer
    from ogpu.chain.tx import TxExecutor as TxExecutor

# The official SDK loads .env files when ogpu.chain is imported (existing variables win); nothing
# above reads the environment at import time, so loading here is equivalent.
load_env_files()

__all__ = sorted([*_EXPORTS, "load_env_files"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ogpu.chain' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

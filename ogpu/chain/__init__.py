"""Chain access: networks, the session (RPC + contracts + nonces + IPFS), signers, the
transaction executor and revert decoding.

>>> from ogpu.chain import Session, MAINNET
>>> MAINNET.chain_id
1071
"""

from ogpu.chain.config import WEB3, ChainConfig, ChainId, get_web3_for_chain
from ogpu.chain.dotenv import load_env_files
from ogpu.chain.networks import (
    MAINNET,
    TESTNET,
    ContractAddresses,
    Network,
    devnet_manifest_path,
    load_devnet_manifest,
    resolve_network,
)
from ogpu.chain.nonce import (
    NonceManager,
    clear_all_nonce_caches,
    fix_nonce,
    get_nonce_info,
    reset_nonce_cache,
)
from ogpu.chain.retry import RetryPolicy, RpcError, call_with_retry, is_transient
from ogpu.chain.revert import REVERT_PATTERN_MAP, decode_exception, decode_revert
from ogpu.chain.session import Session, get_session, set_session, use_session
from ogpu.chain.signers import KeySigner, SignerInput, SignerLike, resolve_signer
from ogpu.chain.tx import TxExecutor

# The official SDK loads .env files when ogpu.chain is imported (existing variables win); nothing
# above reads the environment at import time, so loading here is equivalent.
load_env_files()

__all__ = [
    "MAINNET",
    "REVERT_PATTERN_MAP",
    "TESTNET",
    "WEB3",
    "ChainConfig",
    "ChainId",
    "ContractAddresses",
    "KeySigner",
    "Network",
    "NonceManager",
    "RetryPolicy",
    "RpcError",
    "Session",
    "SignerInput",
    "SignerLike",
    "TxExecutor",
    "call_with_retry",
    "clear_all_nonce_caches",
    "decode_exception",
    "decode_revert",
    "devnet_manifest_path",
    "fix_nonce",
    "get_nonce_info",
    "get_session",
    "get_web3_for_chain",
    "is_transient",
    "load_devnet_manifest",
    "load_env_files",
    "reset_nonce_cache",
    "resolve_network",
    "resolve_signer",
    "set_session",
    "use_session",
]

"""The public names of ogpu.types and ogpu.chain that the official SDK 0.2.3 exposes stay exported."""

from __future__ import annotations

import ogpu.chain
import ogpu.types

TYPES = [
    "TaskStatus",
    "SourceStatus",
    "ResponseStatus",
    "Environment",
    "DeliveryMethod",
    "Role",
    "combine_environments",
    "parse_environments",
    "environment_names",
    "OGPUError",
    "NotFoundError",
    "TaskNotFoundError",
    "SourceNotFoundError",
    "ResponseNotFoundError",
    "ProviderNotFoundError",
    "MasterNotFoundError",
    "StateError",
    "TaskExpiredError",
    "TaskAlreadyFinalizedError",
    "ResponseAlreadyConfirmedError",
    "SourceInactiveError",
    "PermissionError",
    "NotTaskOwnerError",
    "NotSourceOwnerError",
    "NotMasterError",
    "NotProviderError",
    "VaultError",
    "InsufficientBalanceError",
    "InsufficientLockupError",
    "UnbondingPeriodNotElapsedError",
    "NotEligibleError",
    "TxError",
    "TxRevertError",
    "NonceError",
    "GasError",
    "TxReceiptTimeoutError",
    "TxRpcError",
    "InvalidRpcUrlError",
    "PublishTimeoutError",
    "ConfigError",
    "MissingSignerError",
    "InvalidSignerError",
    "ChainNotSupportedError",
    "IPFSError",
    "IPFSFetchError",
    "IPFSGatewayError",
    "Receipt",
    "SourceParams",
    "TaskParams",
    "ResponseParams",
    "SourceSnapshot",
    "TaskSnapshot",
    "ResponseSnapshot",
    "ProviderSnapshot",
    "MasterSnapshot",
    "WaitTimeoutError",
    "PendingTx",
]

CHAIN = [
    "ChainConfig",
    "ChainId",
    "fix_nonce",
    "reset_nonce_cache",
    "clear_all_nonce_caches",
    "get_nonce_info",
    "WEB3",
    "get_web3_for_chain",
    "NonceManager",
    "Session",
    "get_session",
    "set_session",
    "use_session",
    "Network",
    "MAINNET",
    "TESTNET",
    "load_devnet_manifest",
    "resolve_network",
    "resolve_signer",
    "decode_revert",
    "REVERT_PATTERN_MAP",
]


def test_types_surface() -> None:
    missing = [n for n in TYPES if n not in ogpu.types.__all__ or not hasattr(ogpu.types, n)]
    assert not missing


def test_chain_surface() -> None:
    missing = [n for n in CHAIN if n not in ogpu.chain.__all__ or not hasattr(ogpu.chain, n)]
    assert not missing


def test_chain_config_members() -> None:
    for name in (
        "CHAIN_CONTRACTS", "CHAIN_DIRECTORIES", "set_chain", "get_current_chain",
        "get_contract_address", "get_all_supported_chains", "get_chain_abi_directory", "load_abi",
        "set_rpc", "get_rpc", "reset_rpc",
    ):  # fmt: skip
        assert hasattr(ogpu.chain.ChainConfig, name), name
    assert ogpu.chain.ChainId.OGPU_MAINNET.value == 1071
    assert ogpu.chain.ChainId.OGPU_TESTNET.value == 200820172034

"""The :class:`Session`: one object owning the RPC connection, contracts, nonces and IPFS client.

Instance classes and protocol functions use :func:`get_session` unless given a session, so two
networks can live in one process and tests need no global resets.

>>> from ogpu.devnet.accounts import dev_account
>>> s = Session("devnet")
>>> s.call(s.contract("Vault").functions.balanceOf(dev_account("client").address))
100000000000000000000
>>> with use_session(s):
...     get_session() is s
True
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Literal, TypedDict, TypeVar, overload

import httpx

from ogpu.chain.calls import BlockId, BoundContract, ContractCall, block_param, checksum_address
from ogpu.chain.networks import Network, known_network_for_chain, resolve_network
from ogpu.chain.nonce import NonceManager
from ogpu.chain.signers import SignerInput, SignerLike, resolve_signer
from ogpu.rpc import MalformedReplyError, RetryPolicy, RpcClient, RpcError, classify
from ogpu.types.enums import Role
from ogpu.types.errors import ConfigError, OGPUError, TxRpcError
from ogpu.types.receipt import DryRunResult, PendingTx, Receipt

if TYPE_CHECKING:
    from typing_extensions import Unpack
    from web3 import Web3

    from ogpu.chain.steps import Steps
    from ogpu.chain.tx import FeeQuote, TxExecutor

    class _TransactOptions(TypedDict, total=False):
        """The keyword arguments every overload of :meth:`Session.transact` takes."""

        role: Role | None
        value: int
        gas: int | None
        context: str | None
        timeout: float
        fee: FeeQuote | None
        sync: bool | None


__all__ = ["MalformedReplyError", "Session", "get_session", "set_session", "use_session"]

log = logging.getLogger("ogpu.chain")

_SINGLETON_NAMES = ("Nexus", "Controller", "Terminal", "Vault", "Manager")
_INSTANCE_NAMES = ("Source", "Task", "Response")

#: Transport-level failures of a JSON-RPC request (as opposed to a JSON-RPC error object).
_TRANSPORT_ERRORS = (httpx.HTTPError, OSError, MalformedReplyError)


def _canonical_name(name: str) -> str:
    base = name[:-3] if name.lower().endswith("abi") else name
    for known in (*_SINGLETON_NAMES, *_INSTANCE_NAMES):
        if known.lower() == base.lower():
            return known
    return base


class Session:
    """A connection to one OpenGPU network.

    Args:
        network: a :class:`Network`, ``"mainnet"``, ``"testnet"``, ``"devnet"`` or an RPC URL
            (default: ``$OGPU_NETWORK`` or mainnet).
        rpc_url: override the network's RPC URL.
        ipfs: an ``ogpu.ipfs.IPFSClient`` (default: built from the network's IPFS settings).
        request_timeout: HTTP timeout per JSON-RPC request (s).
        retry: the retry policy of reads (default :class:`~ogpu.rpc.RetryPolicy`).
        transport: an httpx transport in front of the node (tests inject faults with it).
        send_sync: send with ``eth_sendRawTransactionSync`` (the receipt in the reply): ``None``
            uses it for writes that are waited for, until the node says it does not offer it;
            ``True``/``False`` force it for every send.

    Example:
        >>> s = Session(devnet.rpc_url)  # a node's URL: the network is found from its chain id
        >>> s.network.chain_id, s.block_number() > 0
        (31337, True)
    """

    def __init__(
        self,
        network: Network | str | None = None,
        *,
        rpc_url: str | None = None,
        ipfs: Any = None,
        request_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        send_sync: bool | None = None,
    ) -> None:
        if network is None:
            network = os.environ.get("OGPU_NETWORK", "").strip() or "mainnet"
        net = resolve_network(network)
        if rpc_url:
            net = net.replace(rpc_url=rpc_url)
        self._network = net
        self._resolved = net.chain_id is not None and net.addresses is not None
        self.request_timeout = request_timeout
        self.retry_policy = retry or RetryPolicy()
        #: the JSON-RPC client (one keep-alive HTTP connection pool)
        self.rpc_client = RpcClient(
            net.rpc_url, timeout=request_timeout, retry=self.retry_policy, transport=transport
        )
        self._w3: Web3 | None = None
        self._ipfs = ipfs
        self._lock = threading.RLock()
        self._contracts: dict[tuple[str, str], BoundContract] = {}
        self._chain_id: int | None = net.chain_id if net.name != "custom" else None
        self._timestamps: OrderedDict[int, int] = OrderedDict()
        self.nonces = NonceManager(self._pending_count)
        self._executor: TxExecutor | None = None
        self._signers: dict[bytes, SignerLike] = {}
        #: source address → the metadata URL its last checked task saw (``publish_task``)
        self.source_metadata: dict[str, str] = {}
        self.send_sync = send_sync

    # ------------------------------------------------------------------ identity

    def __repr__(self) -> str:
        return f"Session(network={self._network.name!r}, rpc_url={self._network.rpc_url!r})"

    @property
    def network(self) -> Network:
        """The network, with chain id and addresses resolved (for a bare URL: from the chain)."""
        if not self._resolved:
            with self._lock:
                if not self._resolved:
                    net, known = self._network, known_network_for_chain(self.chain_id)
                    if known is None:
                        self._network = net.replace(chain_id=self.chain_id)
                    else:
                        ws_url = net.ws_url or known.ws_url
                        self._network = known.replace(rpc_url=net.rpc_url, ws_url=ws_url)
                    self._resolved = True
        return self._network

    @property
    def chain_id(self) -> int:
        """EIP-155 chain id (read once from the node)."""
        if self._chain_id is None:
            self._chain_id = int(self.rpc("eth_chainId", []), 16)
        return self._chain_id

    @property
    def w3(self) -> Web3:
        """A ``web3.Web3`` speaking through this session's JSON-RPC client (built on first use).

        The SDK itself never uses it; it is here for callers that want web3's API.
        """
        if self._w3 is None:
            from ogpu.chain._web3 import web3_for

            self._w3 = web3_for(self.rpc_client)
        return self._w3

    @property
    def ipfs(self) -> Any:
        """The IPFS client (``ogpu.ipfs.IPFSClient``), built lazily from the network settings."""
        if self._ipfs is None:
            from ogpu.ipfs import IPFSClient
            from ogpu.ipfs.backends import KuboBackend, PinningBackend

            net = self.network
            backend: Any = None
            if net.pinning_url:
                backend = PinningBackend(net.pinning_url)
            elif net.kubo_api_url:
                backend = KuboBackend(net.kubo_api_url)
            gateway: dict[str, Any] = {"gateway": net.gateway_url} if net.gateway_url else {}
            self._ipfs = IPFSClient(backend, **gateway)
        return self._ipfs

    # ------------------------------------------------------------------ raw JSON-RPC

    def _transport_error(
        self, method: str | Sequence[tuple[str, Sequence[Any]]], exc: BaseException
    ) -> TxRpcError:
        """The typed error for a request (or batch) that still failed after retries (to be
        raised from ``exc``)."""
        if not isinstance(method, str):
            from ogpu.rpc._client import batch_label

            method = batch_label(method)
        if self._network.is_devnet and isinstance(exc, httpx.ConnectError | ConnectionRefusedError):
            return TxRpcError(
                f"no devnet is running at {self._network.rpc_url}; start one with `ogpu devnet up`"
            )
        detail = str(exc)
        if len(detail) > 200:
            detail = detail[:197] + "..."
        retried = " after retries" if classify(exc) != "permanent" else ""
        return TxRpcError(f"{method} failed{retried}: {type(exc).__name__}: {detail}")

    def rpc(self, method: str, params: Sequence[Any] = (), *, retry: bool = True) -> Any:
        """One raw JSON-RPC request; transient failures are retried when ``retry``.

        Raises :class:`~ogpu.rpc.RpcError` for JSON-RPC error objects. With ``retry`` a
        transport failure that outlives the retries (connection refused or reset, HTTP 429/5xx,
        malformed reply) raises :class:`~ogpu.types.TxRpcError` naming ``method``, the original
        exception chained as ``__cause__``. ``retry=False`` (the transaction executor's broadcast)
        raises the raw transport exception so ambiguous sends can be told apart.

        >>> Session("devnet").rpc("eth_chainId")
        '0x7a69'
        """
        try:
            return self.rpc_client.request(method, params, retry=retry)
        except _TRANSPORT_ERRORS as exc:
            if not retry:
                raise
            raise self._transport_error(method, exc) from exc

    def _pending_count(self, address: str) -> int:
        return int(self.rpc("eth_getTransactionCount", [address, "pending"]), 16)

    def rpc_batch(
        self, requests_: Sequence[tuple[str, Sequence[Any]]], *, retry: bool = True
    ) -> list[Any]:
        """Send requests as one JSON-RPC batch (one by one if the endpoint refuses batches).

        Each item of the result is the request's ``result`` or an :class:`RpcError` instance. A
        transport failure that outlives the retries raises :class:`~ogpu.types.TxRpcError`.
        """
        try:
            return self.rpc_client.batch(requests_, retry=retry)
        except _TRANSPORT_ERRORS as exc:
            if not retry:
                raise
            raise self._transport_error(requests_, exc) from exc

    # ------------------------------------------------------------------ contracts

    def address_of(self, name: str) -> str:
        """Address of a singleton contract (``Nexus``, ``Controller``, ``Terminal``, ``Vault``,
        ``Manager``) on this network."""
        canonical = _canonical_name(name)
        addresses = self.network.addresses
        address = addresses.get(canonical) if addresses else None
        if not address:
            raise ConfigError(
                f"no {canonical} address known for network {self.network.name!r} "
                f"(chain {self.network.chain_id}); use a Network with addresses"
            )
        return address

    def contract(self, name: str, address: str | None = None) -> BoundContract:
        """The packaged ABI ``name`` at an address (cached): ``.functions.f(*args)`` builds calls.

        Singletons take their address from the network; ``Source``/``Task``/``Response`` need one.

        >>> Session("devnet").contract("Vault")
        BoundContract('Vault', '0x...')
        """
        canonical, address = self._target(name, address)
        checksum = checksum_address(address)
        key = (canonical, checksum)
        found = self._contracts.get(key)
        if found is None:
            found = BoundContract(canonical, checksum)
            with self._lock:
                if len(self._contracts) > 4096:
                    self._contracts.clear()
                self._contracts[key] = found
        return found

    def function(
        self, contract: str, function: str, *args: Any, address: str | None = None
    ) -> ContractCall:
        """The :class:`~ogpu.chain.calls.ContractCall` ``contract.function(*args)``.

        Singletons resolve their address from the network; instance contracts need ``address``.
        """
        canonical, address = self._target(contract, address)
        return ContractCall.build(canonical, function, *args, address=address)

    def _target(self, name: str, address: str | None) -> tuple[str, str]:
        """The canonical contract name and its address (a singleton's from the network)."""
        canonical = _canonical_name(name)
        if address is not None:
            return canonical, address
        if canonical in _INSTANCE_NAMES:
            raise ValueError(f"{canonical} contracts need an address")
        return canonical, self.address_of(canonical)

    # ------------------------------------------------------------------ reads

    def block_number(self) -> int:
        """The latest block number."""
        return int(self.rpc("eth_blockNumber", []), 16)

    def timestamp(self, block: BlockId = "latest") -> int:
        """Timestamp of ``block`` (cached for numbered blocks)."""
        from ogpu.chain.steps import run

        return run(self.timestamp_steps(block), self)

    def timestamp_steps(self, block: BlockId = "latest") -> Steps[int]:
        """Steps of :meth:`timestamp` (see :mod:`ogpu.chain.steps`)."""
        if isinstance(block, int):
            cached = self._timestamps.get(block)
            if cached is not None:
                return cached
        from ogpu.chain.steps import Rpc

        header = yield Rpc("eth_getBlockByNumber", [block_param(block), False])
        if header is None:
            raise ValueError(f"block {block} not found")
        ts = int(header["timestamp"], 16)
        if isinstance(block, int):
            with self._lock:
                self._timestamps[block] = ts
                while len(self._timestamps) > 256:
                    self._timestamps.popitem(last=False)
        return ts

    def encode_call(self, fn: ContractCall, block: BlockId = "latest") -> tuple[str, list[Any]]:
        """The ``("eth_call", params)`` request for a view call (for :meth:`rpc_batch`)."""
        return fn.request(block)

    def decode_output(self, fn: ContractCall, result: Any) -> Any:
        """Decode an ``eth_call`` result (hex) of ``fn`` (addresses checksummed)."""
        return fn.decode(result)

    def call_error(self, fn: ContractCall, exc: RpcError) -> OGPUError:
        """The typed error for a failed ``eth_call`` of ``fn``."""
        data = exc.data
        if isinstance(data, dict):
            data = data.get("data")
        message = exc.message or ""
        if isinstance(data, str) or "revert" in message.lower():
            from ogpu.chain.revert import decode_revert  # eth-abi: loaded when a call reverts

            return decode_revert(
                data if isinstance(data, str) else None, message, context=fn.context
            )
        return TxRpcError(f"{exc.method} failed: {message}")

    def call(self, fn: ContractCall, *, block: BlockId = "latest") -> Any:
        """Run a view function (``eth_call``) and decode its output; reverts become typed errors."""
        method, params = fn.request(block)
        try:
            result = self.rpc(method, params)
        except RpcError as exc:
            raise self.call_error(fn, exc) from None
        return fn.decode(result)

    def resolve_block(self, block: BlockId = "latest") -> int:
        """A concrete block number for ``block`` (tags are resolved with one request)."""
        if isinstance(block, int):
            return block
        if block == "latest":
            return self.block_number()
        header = self.rpc("eth_getBlockByNumber", [block, False])
        return int(header["number"], 16)

    def batch_call_at(
        self,
        calls: Sequence[ContractCall],
        *,
        block: BlockId = "latest",
        allow_failure: bool = False,
        extra: Sequence[tuple[str, Sequence[Any]]] = (),
    ) -> tuple[int, list[Any]]:
        """Like :meth:`batch_call` but also returns the block number the reads were pinned to.

        For ``"latest"`` the batch is bracketed by two ``eth_blockNumber`` requests: if both agree,
        every call saw that block (one round trip); otherwise it is re-run pinned to the later one.
        Other tags are resolved to a number first. ``extra`` raw requests ride in the same batch;
        their raw results (or :class:`RpcError`) follow the decoded values.
        """
        if not calls and not extra:
            return (self.resolve_block(block), [])
        if not isinstance(block, int) and block != "latest":
            block = self.resolve_block(block)
        if isinstance(block, int):
            raw = self.rpc_batch([*(fn.request(block) for fn in calls), *extra])
            return block, self._decode_all(calls, raw, allow_failure)
        bracket: tuple[str, Sequence[Any]] = ("eth_blockNumber", [])
        raw = self.rpc_batch([bracket, *(fn.request("latest") for fn in calls), *extra, bracket])
        first, last = raw[0], raw[-1]
        if not isinstance(first, RpcError) and first == last:
            return int(first, 16), self._decode_all(calls, raw[1:-1], allow_failure)
        retry_at: BlockId = "latest" if isinstance(last, RpcError) else int(last, 16)
        return self.batch_call_at(calls, block=retry_at, allow_failure=allow_failure, extra=extra)

    def _decode_all(
        self, calls: Sequence[ContractCall], raw: Sequence[Any], allow_failure: bool
    ) -> list[Any]:
        out: list[Any] = []
        for fn, item in zip(calls, raw, strict=False):
            try:
                if isinstance(item, RpcError):
                    raise self.call_error(fn, item)
                out.append(fn.decode(item))
            except Exception as exc:
                if not allow_failure:
                    raise
                out.append(exc)
        out.extend(raw[len(calls) :])
        return out

    def batch_call(
        self,
        calls: Sequence[ContractCall],
        *,
        block: BlockId = "latest",
        allow_failure: bool = False,
    ) -> list[Any]:
        """Run many view calls in ONE JSON-RPC batch, all pinned to the same block number.

        With ``allow_failure`` a failing call yields its exception in place of a value.

        >>> from ogpu.devnet.accounts import dev_account
        >>> session = Session("devnet")
        >>> vault, client = session.contract("Vault"), dev_account("client").address
        >>> session.batch_call([vault.functions.balanceOf(client), vault.functions.lockupOf(client)])
        [100000000000000000000, 0]
        """
        return self.batch_call_at(calls, block=block, allow_failure=allow_failure)[1]

    # ------------------------------------------------------------------ writes

    def resolve_signer(self, signer: SignerInput | None, role: Role | None = None) -> SignerLike:
        """Resolve a signer (role env fallback; devnet dev keys on a devnet network).

        Hex keys resolved before are reused (deriving the account costs more CPU than a write's
        own signing); they are remembered by their hash, at most 32 per session.
        """
        if not isinstance(signer, str):
            return resolve_signer(signer, role, network=self._network)
        digest = hashlib.sha256(signer.encode()).digest()
        found = self._signers.get(digest)
        if found is None:
            found = resolve_signer(signer, role, network=self._network)
            with self._lock:
                if len(self._signers) >= 32:
                    self._signers.clear()
                self._signers[digest] = found
        return found

    @property
    def executor(self) -> TxExecutor:
        """The transaction executor of this session."""
        if self._executor is None:
            from ogpu.chain.tx import TxExecutor

            with self._lock:
                if self._executor is None:
                    self._executor = TxExecutor(self)
        return self._executor

    @overload
    def transact(
        self,
        fn: ContractCall,
        signer: SignerInput | None = ...,
        *,
        wait: Literal[True] = ...,
        dry_run: Literal[False] = ...,
        **options: Unpack[_TransactOptions],
    ) -> Receipt: ...

    @overload
    def transact(
        self,
        fn: ContractCall,
        signer: SignerInput | None = ...,
        *,
        wait: Literal[False],
        dry_run: Literal[False] = ...,
        **options: Unpack[_TransactOptions],
    ) -> PendingTx: ...

    @overload
    def transact(
        self,
        fn: ContractCall,
        signer: SignerInput | None = ...,
        *,
        wait: bool = ...,
        dry_run: Literal[True],
        **options: Unpack[_TransactOptions],
    ) -> DryRunResult: ...

    def transact(
        self,
        fn: ContractCall,
        signer: SignerInput | None = None,
        *,
        role: Role | None = None,
        value: int = 0,
        wait: bool = True,
        gas: int | None = None,
        context: str | None = None,
        dry_run: bool = False,
        timeout: float = 120.0,
        fee: FeeQuote | None = None,
        sync: bool | None = None,
    ) -> Receipt | PendingTx | DryRunResult:
        """Simulate, sign, send and (by default) wait for a contract write.

        A revert found by simulation raises the typed error before anything is sent. ``role``
        selects the env fallback when ``signer`` is None; ``context`` (e.g. ``"Nexus.updateSource"``)
        names the call in errors. ``wait=False`` returns a :class:`PendingTx`; ``dry_run=True``
        returns a :class:`DryRunResult` and sends nothing. ``gas`` with ``fee`` (both from a
        preflight just made, see :meth:`TxExecutor.preflight_steps`) send without another preflight.
        ``sync``: send with ``eth_sendRawTransactionSync`` where the node offers it (default: when
        ``wait``; a caller of ``wait=False`` that waits right away may pass ``True``).

        >>> from ogpu.devnet.accounts import dev_account
        >>> session, client = Session("devnet"), dev_account("client")
        >>> deposit = session.contract("Vault").functions.deposit(client.address)
        >>> session.transact(deposit, client.account, value=10**18).status
        1
        """
        self._check_value(value)
        resolved = self.resolve_signer(signer, role)
        ctx = context or fn.context
        ex = self.executor
        if dry_run:
            return ex.run(ex.dry_run_steps(fn, resolved, value=value, gas=gas, context=ctx))
        send_wait = wait if sync is None else sync
        sent = ex.send_steps(
            fn, resolved, value=value, gas=gas, context=ctx, fee=fee, wait=send_wait
        )
        pending = ex.pending(ex.run(sent))
        if not wait:
            return pending
        return pending.wait(timeout)

    def remember_source_metadata(self, source: str, url: str) -> None:
        """Note the metadata URL of ``source`` seen by a publish (at most 1024 sources)."""
        with self._lock:
            if len(self.source_metadata) >= 1024 and source not in self.source_metadata:
                self.source_metadata.clear()
            self.source_metadata[source] = url

    @staticmethod
    def _check_value(value: object) -> None:
        from ogpu.types.checks import uint

        uint(value, "value")

    def send(
        self,
        fn: ContractCall,
        signer: SignerInput | None = None,
        *,
        role: Role | None = None,
        value: int = 0,
        gas: int | None = None,
        context: str | None = None,
    ) -> PendingTx:
        """:meth:`transact` with ``wait=False``."""
        return self.transact(
            fn, signer, role=role, value=value, gas=gas, context=context, wait=False
        )

    def dry_run(
        self,
        fn: ContractCall,
        signer: SignerInput | None = None,
        *,
        role: Role | None = None,
        value: int = 0,
        context: str | None = None,
    ) -> DryRunResult:
        """Simulate a write: decoded return value, gas and fees; nothing is signed or sent."""
        return self.transact(fn, signer, role=role, value=value, context=context, dry_run=True)

    def wait_all(self, pending: Sequence[PendingTx], timeout: float = 120.0) -> list[Receipt]:
        """Wait for many pending transactions; the first failure is raised after all finished."""
        from ogpu.chain.receipts import wait_each

        return wait_each(pending, timeout)

    def reset(self) -> None:
        """Forget cached chain state (nonces, block timestamps, last receipt block).

        Done automatically when the chain is seen to roll back (``evm_revert``, reorgs).
        """
        self.nonces.clear_all()
        with self._lock:
            self._timestamps.clear()
        if self._executor is not None:
            self._executor._last_seen = None

    def replace_nonce(self, signer: SignerLike, nonce: int) -> Receipt:
        """Replace whatever is pending at ``nonce`` with a 0-value self-transfer (fee bumped)."""
        ex = self.executor
        return ex.pending(ex.run(ex.replace_nonce_steps(signer, nonce))).wait(120.0)

    def close(self) -> None:
        """Release HTTP connections."""
        with contextlib.suppress(Exception):
            self.rpc_client.close()


# ---------------------------------------------------------------------------------------------
# Process default session

S = TypeVar("S")


class SessionDefault(Generic[S]):
    """A process default session built on first use from ``OGPU_NETWORK`` / ``OGPU_RPC_URL``
    (mainnet if unset), overridden per thread / asyncio task by a context variable. The sync and
    the asyncio surfaces each have one, so their defaults never mix."""

    def __init__(self, name: str, factory: Callable[..., S]) -> None:
        self._factory = factory
        self._default: S | None = None
        self._lock = threading.Lock()
        self._current: contextvars.ContextVar[S | None] = contextvars.ContextVar(name, default=None)

    def get(self) -> S:
        """The innermost :meth:`use`, else the process default."""
        current = self._current.get()
        if current is not None:
            return current
        if self._default is None:
            with self._lock:
                if self._default is None:
                    rpc_url = os.environ.get("OGPU_RPC_URL", "").strip() or None
                    self._default = self._factory(None, rpc_url=rpc_url)  # None: $OGPU_NETWORK
        return self._default

    def set(self, session: S | None) -> None:
        """Replace the process default (``None``: rebuild from the environment on next use)."""
        with self._lock:
            self._default = session

    @contextlib.contextmanager
    def use(self, session: S) -> Iterator[S]:
        """Make ``session`` the current one inside a ``with`` block."""
        token = self._current.set(session)
        try:
            yield session
        finally:
            self._current.reset(token)


_defaults: SessionDefault[Session] = SessionDefault("ogpu_session", Session)


def get_session() -> Session:
    """The session in effect: the innermost :func:`use_session`, else the process default
    (built on first use from ``OGPU_NETWORK`` / ``OGPU_RPC_URL``; mainnet if unset)."""
    return _defaults.get()


def set_session(session: Session | None) -> None:
    """Replace the process default session (``None``: rebuild from the environment on next use)."""
    _defaults.set(session)


def use_session(session: Session) -> contextlib.AbstractContextManager[Session]:
    """Make ``session`` the current one inside a ``with`` block (per thread / asyncio task).

    >>> from ogpu.protocol import vault
    >>> with use_session(Session("devnet")):
    ...     vault.get_balance_of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    100000000000000000000
    """
    return _defaults.use(session)

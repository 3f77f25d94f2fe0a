"""The one transaction executor behind :meth:`Session.transact`.

ONE preflight JSON-RPC batch per write carries the caller's pre-check reads, the simulation
(the typed revert is raised before anything is sent), the gas estimate, the head block (EIP-1559
fees when it has a base fee, else legacy ``gasPrice``), the priority fee and, the first time per
signer, the pending nonce. Nonces then come from the session's local nonce manager; the
transaction is signed locally and sent in ONE request: ``eth_sendRawTransactionSync`` (EIP-7966,
the receipt in the reply) when the caller waits and the node offers it, else
``eth_sendRawTransaction`` with receipts polled in one batch for every pending transaction of
the session. After an ambiguous failure (timeout, connection reset, HTTP 5xx, garbled reply) the
*same* signed bytes are re-broadcast and the transaction is looked up by hash: a write is never
re-signed with a new nonce unless the node rejected it outright. A mined revert (status 0) is
replayed as ``eth_call`` to recover its reason.

Node error *messages* are the only signal some nodes give for nonce problems; they are matched
against a small table (:data:`SEND_ERROR_KINDS`), everything else is decided from types and codes.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from eth_utils.crypto import keccak

from ogpu.chain.calls import ContractCall, checksum_address
from ogpu.chain.receipts import format_receipt
from ogpu.chain.revert import decode_revert
from ogpu.chain.signers import SignerLike
from ogpu.chain.steps import AwaitReceipt, Batch, Rpc, Sleep, Steps, run
from ogpu.rpc import RetryPolicy, RpcError, classify
from ogpu.types.errors import (
    GasError,
    NonceError,
    OGPUError,
    TxReceiptTimeoutError,
    TxRevertError,
    TxRpcError,
)
from ogpu.types.receipt import DryRunResult, PendingTx, Receipt

if TYPE_CHECKING:
    from ogpu.chain.session import Session

__all__ = [
    "ON_SIGNED",
    "SEND_ERROR_KINDS",
    "FeeQuote",
    "Preflight",
    "Sent",
    "TxExecutor",
    "WaitSchedule",
    "send_error_kind",
    "sign_raw",
]

log = logging.getLogger("ogpu.tx")
T = TypeVar("T")

#: extra gas on top of the margin: state can change between estimate and inclusion (another of
#: our in-flight writes may flip a storage slot from non-zero to zero, costing ~20k more)
GAS_HEADROOM = 25_000
#: Seconds without a receipt before a waiter checks that the node still has the transaction
#: (then at doubling intervals up to DROP_CHECK_MAX).
DROP_CHECK = 2.0
DROP_CHECK_MAX = 30.0
DEFAULT_TIP = 10**9  # 1 gwei when the node has no eth_maxPriorityFeePerGas


@dataclass
class WaitSchedule:
    """How long a waiter waits for a receipt before it asks the node whether it dropped the
    transaction: :data:`DROP_CHECK` seconds, doubling up to :data:`DROP_CHECK_MAX`, never past
    the deadline. I/O-free: the caller passes the clock (``time.monotonic``).

    >>> s = WaitSchedule.start(10.0, now=0.0)
    >>> s.next(0.0), s.next(2.0), s.next(6.0)
    ((2.0, False), (4.0, False), (4.0, True))
    """

    #: clock reading at which the wait times out (``None``: never)
    deadline: float | None
    check: float = DROP_CHECK

    @classmethod
    def start(cls, timeout: float | None, now: float) -> WaitSchedule:
        return cls(None if timeout is None else now + timeout)

    def next(self, now: float) -> tuple[float, bool]:
        """``(seconds, last)``: wait up to ``seconds`` for the receipt. Not ``last``: none came,
        check the node still has the transaction, then ask again; ``last``: this wait runs to
        the deadline and its timeout is the caller's."""
        left = None if self.deadline is None else self.deadline - now
        if left is not None and left <= self.check:
            return max(left, 0.0), True
        seconds = self.check
        self.check = min(self.check * 2, DROP_CHECK_MAX)
        return seconds, False


#: Called with ``(tx fields, raw signed bytes, hash)`` after a write is signed and before it is
#: broadcast, for writes made in this context (a durable journal records them; an exception
#: aborts the send and frees the nonce).
ON_SIGNED: contextvars.ContextVar[Callable[[dict[str, Any], str, str], None] | None] = (
    contextvars.ContextVar("ogpu_on_signed", default=None)
)

#: Lower-cased message fragments → kind, for eth_sendRawTransaction rejections.
SEND_ERROR_KINDS: tuple[tuple[str, str], ...] = (
    ("already known", "known"),
    ("known transaction", "known"),
    ("already imported", "known"),
    ("transaction already exists", "known"),
    ("nonce too low", "nonce_low"),
    ("nonce has already been used", "nonce_low"),
    ("invalid nonce", "nonce_low"),
    ("replacement transaction underpriced", "nonce_low"),
    ("insufficient funds", "funds"),
    ("max fee per gas less than block base fee", "fee"),
    ("fee cap less than block base fee", "fee"),
    ("transaction underpriced", "fee"),
)


def send_error_kind(exc: RpcError) -> str:
    """What a node's refusal of a send means: ``"transient"`` (try the same bytes again), a kind
    from :data:`SEND_ERROR_KINDS` (``"fee"``, ...), or ``"rejected"``."""
    if exc.code in (-32005, 429):
        return "transient"
    text = (exc.message or "").lower()
    for fragment, kind in SEND_ERROR_KINDS:
        if fragment in text:
            return kind
    return "rejected"


def sign_raw(signer: SignerLike, tx: dict[str, Any]) -> tuple[str, str]:
    """``(raw transaction, hash)`` of ``tx`` signed by ``signer``, both 0x-hex."""
    signed = signer.sign_transaction(tx)
    raw = getattr(signed, "raw_transaction", None) or getattr(signed, "rawTransaction", None)
    if raw is None:
        raise TxRpcError("the signer returned no raw_transaction")
    raw_bytes = bytes(raw)
    return "0x" + raw_bytes.hex(), "0x" + keccak(raw_bytes).hex()


def _method_missing(exc: RpcError) -> bool:
    """The node does not know the method (JSON-RPC -32601, or a node's own wording)."""
    if exc.code == -32601:
        return True
    text = (exc.message or "").lower()
    return "method not found" in text or "not supported" in text or "does not exist" in text


def _sync_timeout(exc: RpcError) -> bool:
    """EIP-7966's "accepted, not mined within the timeout" (code 4; anvil says it with -32603)."""
    return exc.code == 4 or "confirmation timeout" in (exc.message or "").lower()


def _is_ambiguous(exc: BaseException) -> bool:
    """A transport failure: raw (``retry=False``) or wrapped in ``TxRpcError`` by ``Session.rpc``."""
    if isinstance(exc, TxRpcError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return not isinstance(exc, RpcError) and classify(exc) != "permanent"


def _revert_error(
    exc: RpcError, context: str, sender: str, tx_hash: str | None = None
) -> OGPUError | None:
    """The typed revert carried by a node's error, or ``None`` when it is not a revert."""
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    message = exc.message or ""
    if (isinstance(data, str) and data.startswith("0x")) or "revert" in message.lower():
        data = data if isinstance(data, str) else None
        return decode_revert(data, message, context=context, caller=sender, tx_hash=tx_hash)
    return None


@dataclass(frozen=True)
class FeeQuote:
    """Fee fields for a transaction (EIP-1559 or legacy)."""

    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    gas_price: int | None = None

    def fields(self) -> dict[str, Any]:
        if self.max_fee_per_gas is not None:
            return {
                "type": 2,
                "maxFeePerGas": self.max_fee_per_gas,
                "maxPriorityFeePerGas": self.max_priority_fee_per_gas or 0,
            }
        return {"gasPrice": self.gas_price or 0}

    def bumped(self, factor: float) -> FeeQuote:
        def b(v: int | None) -> int | None:
            return None if v is None else int(v * factor) + 1

        return FeeQuote(
            b(self.max_fee_per_gas), b(self.max_priority_fee_per_gas), b(self.gas_price)
        )


@dataclass
class Preflight:
    """What the preflight batch learned (see :meth:`TxExecutor.preflight_steps`)."""

    #: block number and timestamp of the head the batch read
    block_number: int
    timestamp: int
    #: the caller's reads, decoded (a typed exception in place of a failed read)
    reads: list[Any]
    #: gas limit (estimate with margin), ``None`` when not estimated
    gas: int | None
    fee: FeeQuote
    #: raw return data of the simulation (``None`` when not simulated or reverted)
    return_data: str | None = None
    #: the typed error of a reverting simulation/estimate (raised by :meth:`raise_for_revert`)
    error: OGPUError | None = None

    def raise_for_revert(self) -> None:
        """Raise the simulation's typed revert, if any."""
        if self.error is not None:
            raise self.error


class _NonceTooLow(Exception):
    pass


class _Rejected(Exception):
    def __init__(self, error: OGPUError) -> None:
        self.error = error


@dataclass(frozen=True)
class Sent:
    """A signed transaction the node accepted (or that may have reached it)."""

    tx_hash: str
    tx: dict[str, Any]
    sender: str
    nonce: int
    context: str
    #: the raw receipt when the node returned it with the send (EIP-7966), else ``None``
    mined: dict[str, Any] | None = None
    #: the signed bytes, re-broadcast if the node drops the transaction before mining it
    raw: str | None = None


class TxExecutor:
    """Simulate → estimate → nonce → sign → send → wait, for one :class:`Session`.

    The logic is written once as steps (:mod:`ogpu.chain.steps`): the ``*_steps`` generators,
    driven here synchronously and by :class:`ogpu.aio.AsyncSession` on an event loop. State
    (fee cache, last receipt seen, whether the node offers sync sends) is shared by both.
    """

    gas_margin = 1.2
    #: "nonce too low" answers a write resyncs after before it gives up
    max_nonce_retries = 8
    #: how long a priority fee read from the node is reused (s)
    fee_ttl = 1.0
    #: receipt poll interval: from ``poll_min`` growing by half up to ``poll_max`` (s)
    poll_min = 0.005
    poll_max = 0.5

    def __init__(self, session: Session) -> None:
        self.session = session
        #: re-broadcasts of the same signed bytes after ambiguous send failures
        self.rebroadcast = RetryPolicy(max_attempts=6, base_delay=0.05, max_delay=1.0)
        self._fee_lock = threading.Lock()
        self._tip_cache: tuple[float, int] | None = None
        #: (block number, block hash) of the newest receipt seen: detects rollbacks (evm_revert)
        self._last_seen: tuple[int, str] | None = None
        #: test hook: skip the pre-send simulation (forces mined reverts); never set in production
        self._skip_simulation = False
        #: whether the node offers eth_sendRawTransactionSync: None until the first sync send
        self._sync_supported: bool | None = None
        #: signed transactions whose send was interrupted (cancelled) before the node answered:
        #: hash → (sender, nonce, context); they may be mined (look them up by hash)
        self.unconfirmed: OrderedDict[str, tuple[str, int, str]] = OrderedDict()
        #: sends per sender between nonce reservation and the node's answer
        self._in_flight: dict[str, int] = {}
        self.receipts = _ReceiptPoller(self)

    def run(self, steps: Steps[T]) -> T:
        """Drive ``steps`` synchronously on this executor's session."""
        return run(steps, self.session)

    # ------------------------------------------------------------------ building blocks

    @staticmethod
    def call_tx(fn: ContractCall, sender: str, value: int = 0) -> dict[str, Any]:
        """The ``eth_call``/``eth_estimateGas`` transaction object of ``fn`` from ``sender``."""
        return {
            "from": sender,
            "to": checksum_address(fn.address),
            "data": fn.data,
            "value": hex(value),
        }

    def preflight_steps(
        self,
        call_tx: dict[str, Any],
        *,
        context: str,
        simulate: bool = True,
        estimate: bool = True,
        reads: Sequence[ContractCall] = (),
        defer_revert: bool = False,
        return_data: bool = False,
    ) -> Steps[Preflight]:
        """ONE JSON-RPC batch before a write: ``reads`` (decoded), the gas estimate (which
        executes the call: its revert is the simulation's), an ``eth_call`` simulation when
        ``return_data`` is wanted or nothing is estimated, the priority fee (cached ``fee_ttl``
        s), the sender's pending nonce (first time per sender), the block of our last receipt
        (rollback detection) and, last, the head block (fees; its number and timestamp are at
        least as new as the state the reads saw).

        A reverting simulation/estimate raises its typed error, or with ``defer_revert`` is left
        in :attr:`Preflight.error` so the caller's own checks of ``reads`` can speak first.
        """
        simulate = simulate and (return_data or not estimate)
        sender = call_tx["from"]
        s = self.session
        reqs: list[tuple[str, Sequence[Any]]] = [fn.request("latest") for fn in reads]
        i_sim = len(reqs)
        if simulate:
            reqs.append(("eth_call", [call_tx, "latest"]))
        i_est = len(reqs)
        if estimate:
            reqs.append(("eth_estimateGas", [call_tx]))
        i_tip = len(reqs)
        tip = self._cached_tip()
        if tip is None:
            reqs.append(("eth_maxPriorityFeePerGas", []))
        i_nonce = len(reqs)
        need_nonce = s.nonces.get_cached_nonce(sender) is None
        if need_nonce:
            reqs.append(("eth_getTransactionCount", [sender, "pending"]))
        i_seen = len(reqs)
        last = self._last_seen
        if last is not None:
            reqs.append(("eth_getBlockByNumber", [hex(last[0]), False]))
        # the head last: the checks of the reads use a block at least as new as the one they read
        reqs.append(("eth_getBlockByNumber", ["latest", False]))
        out = yield Batch(reqs)

        head = out[-1]
        if not isinstance(head, dict):
            raise TxRpcError(f"preparing {context}: the node returned no head block")
        number = int(head["number"], 16)
        if last is not None:
            seen = out[i_seen]
            if isinstance(seen, RpcError) or not seen or seen.get("hash") != last[1]:
                log.warning("chain was rolled back or reorganised; dropping cached nonces")
                s.reset()
        if need_nonce and not isinstance(out[i_nonce], RpcError):
            s.nonces.observe(sender, int(out[i_nonce], 16), seed=True)
        if tip is None:
            tip = self._store_tip(out[i_tip])

        values = s._decode_all(reads, out[:i_sim], allow_failure=True)
        error: OGPUError | None = None
        return_value: str | None = None
        for outcome in (out[i_sim] if simulate else None, out[i_est] if estimate else None):
            if isinstance(outcome, RpcError) and error is None:
                error = _revert_error(outcome, context, sender)
        if error is None and simulate:
            sim = out[i_sim]
            if isinstance(sim, RpcError):
                error = TxRpcError(f"simulation of {context} failed: {sim.message}")
            else:
                return_value = str(sim)
        gas: int | None = None
        if error is None and estimate:
            est = out[i_est]
            if isinstance(est, RpcError):
                error = GasError(f"estimating {context}: {est.message}")
            else:
                value = int(str(est), 16)
                gas = max(int(value * self.gas_margin), value + GAS_HEADROOM)
        pf = Preflight(
            block_number=number,
            timestamp=int(head["timestamp"], 16),
            reads=values,
            gas=gas,
            fee=(yield from self._quote_steps(head, tip)),
            return_data=return_value,
            error=error,
        )
        if pf.error is not None and not defer_revert:
            raise pf.error
        return pf

    def _cached_tip(self) -> int | None:
        with self._fee_lock:
            cached = self._tip_cache
            if cached is not None and time.monotonic() - cached[0] < self.fee_ttl:
                return cached[1]
        return None

    def _store_tip(self, reply: Any) -> int:
        """Cache the priority fee the node answered (:data:`DEFAULT_TIP` for an error)."""
        tip = DEFAULT_TIP if isinstance(reply, RpcError) else int(reply, 16)
        with self._fee_lock:
            self._tip_cache = (time.monotonic(), tip)
        return tip

    def _quote_steps(self, head: dict[str, Any], tip: int | None) -> Steps[FeeQuote]:
        base = head.get("baseFeePerGas")
        if base is None:
            return FeeQuote(gas_price=int((yield Rpc("eth_gasPrice", [])), 16))
        tip = tip if tip is not None else self._cached_tip()
        if tip is None:
            try:
                tip = self._store_tip((yield Rpc("eth_maxPriorityFeePerGas", [])))
            except RpcError as exc:
                tip = self._store_tip(exc)
        return FeeQuote(max_fee_per_gas=2 * int(base, 16) + tip, max_priority_fee_per_gas=tip)

    def fees_steps(self) -> Steps[FeeQuote]:
        """Current fee quote from the latest block (EIP-1559 if it has a base fee)."""
        head = yield Rpc("eth_getBlockByNumber", ["latest", False])
        return (yield from self._quote_steps(head, None))

    def fees(self) -> FeeQuote:
        """Current fee quote from the latest block (EIP-1559 if it has a base fee)."""
        return self.run(self.fees_steps())

    def _tx_known_steps(self, tx_hash: str) -> Steps[bool]:
        try:
            found = yield Rpc("eth_getTransactionByHash", [tx_hash])
        except RpcError:
            return False
        return found is not None

    def rebroadcast_if_dropped_steps(self, sent: Sent) -> Steps[bool]:
        """Send ``sent``'s signed bytes again if the node no longer knows the transaction
        (neither pending nor mined: a restarted node loses its pool). True when re-sent.

        The same bytes have the same hash: this never makes a second transaction. Without it
        the transaction is never mined and every later one of its sender waits on the gap.
        """
        if sent.raw is None or (yield from self._tx_known_steps(sent.tx_hash)):
            return False
        try:
            yield Rpc("eth_sendRawTransaction", [sent.raw], retry=False)
        except RpcError as exc:
            # known / nonce already used: it reached the node or another took its nonce
            log.debug("re-broadcast of %s refused: %s", sent.tx_hash, exc.message)
            return False
        except Exception as exc:
            if not _is_ambiguous(exc):
                raise
            log.debug("re-broadcast of %s failed (%s); looking again later", sent.tx_hash, exc)
            return False
        log.warning(
            "tx %s (%s) was dropped by the node before being mined; re-broadcast",
            sent.tx_hash,
            sent.context,
        )
        return True

    def _pending_count_steps(self, sender: str) -> Steps[int]:
        return int((yield Rpc("eth_getTransactionCount", [sender, "pending"])), 16)

    @property
    def sends_sync(self) -> bool:
        """True when a send that will be waited for uses ``eth_sendRawTransactionSync`` (forced
        by ``Session.send_sync``, else until the node has said it does not offer it)."""
        forced = self.session.send_sync
        return self._sync_supported is not False if forced is None else forced

    def _broadcast_steps(
        self, raw: str, tx_hash: str, sender: str, context: str, *, wait: bool = True
    ) -> Steps[dict[str, Any] | None]:
        """Send signed bytes; on ambiguity re-send the SAME bytes and look the hash up.

        Returns the receipt when the node gave it with the reply (EIP-7966), else ``None``.
        """
        delays = self.rebroadcast.delays()
        ambiguous: BaseException | None = None
        sync = self.sends_sync and (wait or self.session.send_sync is not None)
        while True:
            try:
                if sync and ambiguous is None:
                    reply = yield Rpc("eth_sendRawTransactionSync", [raw], retry=False)
                    self._sync_supported = True
                    return reply if isinstance(reply, dict) and reply.get("blockHash") else None
                yield Rpc("eth_sendRawTransaction", [raw], retry=False)
                return None
            except RpcError as exc:
                if sync and ambiguous is None and _method_missing(exc):
                    # the node does not offer it: nothing was broadcast, send plainly from now on
                    log.debug("node has no eth_sendRawTransactionSync; using plain sends")
                    self._sync_supported = False
                    sync = False
                    continue
                if sync and _sync_timeout(exc):  # accepted, not mined within the node's wait
                    return None
                kind = send_error_kind(exc)
                if kind == "known":
                    log.info("tx %s already known to the node", tx_hash)
                    return None
                if kind == "nonce_low":
                    if (yield from self._tx_known_steps(tx_hash)):  # an earlier broadcast landed
                        return None
                    raise _NonceTooLow() from None
                if kind != "transient":
                    if ambiguous is not None and (yield from self._tx_known_steps(tx_hash)):
                        return None
                    if kind == "funds":
                        raise _Rejected(
                            GasError(f"{sender} cannot pay for {context}: {exc.message}")
                        ) from None
                    raise _Rejected(TxRpcError(f"node rejected {context}: {exc.message}")) from None
                cause: BaseException = exc
            except Exception as exc:
                if not _is_ambiguous(exc):
                    raise
                ambiguous = cause = exc
                log.debug(
                    "ambiguous failure sending tx %s (%s); re-broadcasting",
                    tx_hash,
                    type(exc).__name__,
                )
            delay = next(delays, None)
            if ambiguous is not None:
                with contextlib.suppress(Exception):  # the node is still unreachable
                    if (yield from self._tx_known_steps(tx_hash)):
                        return None
            if delay is None:
                if ambiguous is None:
                    raise _Rejected(TxRpcError(f"sending {context}: {cause}")) from None
                # fate unknown: keep the nonce taken, but resync from the chain next time
                self.session.nonces.reset(sender)
                err = TxRpcError(
                    f"could not confirm that {context} reached the node ({type(cause).__name__}); "
                    "it may still be mined — look it up by hash before sending again"
                )
                raise _Rejected(err.with_revert(tx_hash=tx_hash, context=context)) from None
            yield Sleep(delay)

    # ------------------------------------------------------------------ public operations

    def dry_run_steps(
        self,
        fn: ContractCall,
        signer: SignerLike,
        *,
        value: int = 0,
        gas: int | None = None,
        context: str,
    ) -> Steps[DryRunResult]:
        """Simulate and estimate only (one batch)."""
        call_tx = self.call_tx(fn, signer.address, value)
        pf = yield from self.preflight_steps(
            call_tx, context=context, estimate=not gas, return_data=True
        )
        return self.dry_run_result(fn, signer.address, value, pf, context=context, gas=gas)

    @staticmethod
    def dry_run_result(
        fn: ContractCall,
        sender: str,
        value: int,
        pf: Preflight,
        *,
        context: str,
        gas: int | None = None,
    ) -> DryRunResult:
        """The :class:`DryRunResult` of a successful preflight of ``fn``."""
        decoded: Any = pf.return_data
        with contextlib.suppress(Exception):
            decoded = fn.decode(pf.return_data)
        fee = pf.fee
        return DryRunResult(
            to=checksum_address(fn.address),
            sender=sender,
            data=fn.data,
            value=value,
            gas=gas or pf.gas or 0,
            return_value=decoded,
            max_fee_per_gas=fee.max_fee_per_gas,
            max_priority_fee_per_gas=fee.max_priority_fee_per_gas,
            gas_price=fee.gas_price,
            context=context,
        )

    def send_steps(
        self,
        fn: ContractCall,
        signer: SignerLike,
        *,
        value: int = 0,
        gas: int | None = None,
        context: str,
        fee: FeeQuote | None = None,
        wait: bool = True,
    ) -> Steps[Sent]:
        """Preflight (unless ``gas`` and ``fee`` come from a preflight already), sign, send; up
        to the node's answer. ``wait``: the caller waits for the receipt right away (a send that
        returns it is used); :meth:`pending` makes the handle to wait on."""
        sender = checksum_address(signer.address)
        if gas is None or fee is None:
            call_tx = self.call_tx(fn, sender, value)
            pf = yield from self.preflight_steps(
                call_tx, context=context, simulate=not self._skip_simulation, estimate=not gas
            )
            gas, fee = gas or pf.gas or 0, fee or pf.fee
        body = {"to": checksum_address(fn.address), "data": fn.data, "value": value, "gas": gas}
        return (
            yield from self._send_prepared_steps(signer, sender, body, context, fee=fee, wait=wait)
        )

    def _send_prepared_steps(
        self,
        signer: SignerLike,
        sender: str,
        body: dict[str, Any],
        context: str,
        *,
        nonce: int | None = None,
        fee: FeeQuote | None = None,
        wait: bool = True,
    ) -> Steps[Sent]:
        s = self.session
        if s._chain_id is None:
            s._chain_id = int((yield Rpc("eth_chainId", [])), 16)
        chain_id = s._chain_id
        nonces = s.nonces
        quote = fee or (yield from self.fees_steps())
        for _ in range(self.max_nonce_retries):
            if nonce is None and nonces.get_cached_nonce(sender) is None:
                nonces.observe(sender, (yield from self._pending_count_steps(sender)), seed=True)
            # A send that waits for mining is only made when no earlier write of this sender is
            # still on its way: it could otherwise reach the node first and wait on the gap.
            alone = self._enter(sender)
            try:
                n = nonce if nonce is not None else nonces.reserve(sender)
                tx = {"chainId": chain_id, "nonce": n, **body, **quote.fields()}
                try:
                    raw, tx_hash = sign_raw(signer, tx)
                    hook = ON_SIGNED.get()
                    if hook is not None:
                        hook(tx, raw, tx_hash)  # e.g. a journal records the bytes before sending
                except Exception:
                    if nonce is None:
                        nonces.release(sender, n)
                    raise
                mined = yield from self._broadcast_steps(
                    raw, tx_hash, sender, context, wait=wait and alone
                )
            except _NonceTooLow:
                count = yield from self._pending_count_steps(sender)
                if nonce is not None:
                    raise NonceError(sender, n, count) from None
                log.info("nonce %d of %s was taken; resyncing", n, sender)
                nonces.observe(sender, count)
                continue
            except _Rejected as rej:
                if nonce is None and rej.error.tx_hash is None:
                    nonces.release(sender, n)
                raise rej.error from None
            except GeneratorExit:
                # cancelled while the send was in flight: the node may have it. Keep the nonce
                # taken (resync from the chain next time) and remember the hash.
                nonces.reset(sender)
                self.unconfirmed[tx_hash] = (sender, n, context)
                while len(self.unconfirmed) > 1024:
                    self.unconfirmed.popitem(last=False)
                log.warning("send of %s (%s) interrupted; it may be mined", tx_hash, context)
                raise
            finally:
                self._leave(sender)
            log.debug("sent tx %s (%s) from %s nonce %d", tx_hash, context, sender, n)
            return Sent(tx_hash, tx, sender, n, context, mined, raw)
        suggested = yield from self._pending_count_steps(sender)
        raise NonceError(sender, suggested, suggested)

    def _enter(self, sender: str) -> bool:
        """Count a send of ``sender`` in flight; True when it is the only one."""
        with self._fee_lock:
            busy = self._in_flight.get(sender, 0)
            self._in_flight[sender] = busy + 1
        return busy == 0

    def _leave(self, sender: str) -> None:
        with self._fee_lock:
            left = self._in_flight.get(sender, 1) - 1
            if left > 0:
                self._in_flight[sender] = left
            else:
                self._in_flight.pop(sender, None)

    def pending(self, sent: Sent) -> PendingTx:
        """The synchronous handle of a sent transaction (resolved now when the node returned
        its receipt: a revert is raised like on a later wait)."""
        pending = PendingTx(
            sent.tx_hash,
            lambda timeout: self.wait(sent, timeout),
            sender=sent.sender,
            nonce=sent.nonce,
        )
        if sent.mined is not None:
            pending.wait(None)
        else:
            self.receipts.expect(sent.tx_hash)
        return pending

    def wait_receipt(self, tx_hash: str, timeout: float | None) -> dict[str, Any]:
        """The raw receipt, polled with an adaptive interval together with every other pending
        transaction of the session (one batch); ``TxReceiptTimeoutError`` on timeout."""
        return self.receipts.wait(tx_hash, timeout)

    def wait(self, sent: Sent, timeout: float | None) -> Receipt:
        """Wait for ``sent``; a mined revert is replayed and raised as a typed error
        (:meth:`wait_steps`)."""
        return run(self.wait_steps(sent, timeout), self.session)

    def wait_steps(self, sent: Sent, timeout: float | None) -> Steps[Receipt]:
        """Wait for ``sent`` (``TxReceiptTimeoutError`` after ``timeout`` seconds) and
        :meth:`finish_steps` it, for either driver.

        While no receipt comes, the node is asked (:class:`WaitSchedule`: after 2 s, then at
        doubling intervals up to 30 s) whether it still has the transaction; if it dropped it,
        the same bytes are sent again.
        """
        raw = sent.mined
        schedule = WaitSchedule.start(timeout, time.monotonic())
        while raw is None:
            seconds, last = schedule.next(time.monotonic())
            try:
                raw = yield AwaitReceipt(sent.tx_hash, seconds)
            except TxReceiptTimeoutError:
                if last:
                    raise TxReceiptTimeoutError(sent.tx_hash, timeout or 0.0) from None
                try:
                    yield from self.rebroadcast_if_dropped_steps(sent)
                except Exception as exc:  # the node is down: look again at the next check
                    if not _is_ambiguous(exc):
                        raise
        return (yield from self.finish_steps(sent, raw))

    def finish_steps(self, sent: Sent, raw: dict[str, Any]) -> Steps[Receipt]:
        """The :class:`Receipt` of a mined transaction, or its typed revert raised."""
        formatted = format_receipt(raw)
        block = int(formatted["blockNumber"])
        # some nodes (anvil, reth, geth >= 1.14) put the block timestamp in every log
        stamped = [log.get("blockTimestamp") for log in raw.get("logs") or []]
        if stamped and isinstance(stamped[0], str):
            timestamp = int(stamped[0], 16)
        else:
            timestamp = yield from self.session.timestamp_steps(block)
        receipt = Receipt.from_web3_receipt(formatted, timestamp=timestamp)
        block_hash = raw.get("blockHash")
        if isinstance(block_hash, str):
            with self._fee_lock:
                if self._last_seen is None or block >= self._last_seen[0]:
                    self._last_seen = (block, block_hash)
        if receipt.ok:
            return receipt
        raise (yield from self._mined_revert_steps(receipt, sent.tx, sent.sender, sent.context))

    def _mined_revert_steps(
        self, receipt: Receipt, tx: dict[str, Any], sender: str, context: str
    ) -> Steps[OGPUError]:
        call_tx = {
            "from": sender,
            "to": tx.get("to"),
            "data": tx.get("data"),
            "value": hex(int(tx.get("value", 0))),
            "gas": hex(int(tx.get("gas", 0))),
        }
        # Replay at the block (state after the block's earlier transactions), then the one before.
        for block in (receipt.block_number, receipt.block_number - 1):
            try:
                yield Rpc("eth_call", [call_tx, hex(max(block, 0))])
            except RpcError as exc:
                err = _revert_error(exc, context, sender, receipt.tx_hash)
                if err is not None:
                    log.info("tx %s reverted on chain: %s", receipt.tx_hash, type(err).__name__)
                    return err
        if tx.get("gas") and receipt.gas_used >= int(tx["gas"]):
            return GasError(
                f"{context} ran out of gas ({receipt.gas_used} used); retry with a higher gas limit"
            ).with_revert(tx_hash=receipt.tx_hash, context=context)
        return TxRevertError(
            "reverted on chain; replaying the call did not reproduce the reason",
            tx_hash=receipt.tx_hash,
        ).with_revert(context=context)

    def replace_nonce_steps(self, signer: SignerLike, nonce: int) -> Steps[Sent]:
        """Occupy ``nonce`` with a 0-value self-transfer at bumped fees (up to the send)."""
        sender = checksum_address(signer.address)
        body = {"to": sender, "data": "0x", "value": 0, "gas": 21000}
        fee = (yield from self.fees_steps()).bumped(1.5)
        return (
            # a plain send: the replaced transaction is still in the node's pool
            yield from self._send_prepared_steps(
                signer, sender, body, "fix_nonce", nonce=nonce, fee=fee, wait=False
            )
        )


class _ReceiptPoller:
    """Receipts of every pending transaction of a session, fetched in ONE batch per poll.

    Whoever waits first polls for everyone (no thread per transaction, none in the background);
    the others sleep on a condition until their receipt arrives or their timeout passes.
    """

    def __init__(self, executor: TxExecutor) -> None:
        self._ex = executor
        self._cond = threading.Condition()
        self._found: dict[str, dict[str, Any] | None] = {}
        self._polling = False

    #: hashes remembered at most (sent but never waited for are forgotten oldest first)
    LIMIT = 4096
    #: receipts asked for in one poll at most
    BATCH = 256

    def expect(self, tx_hash: str) -> None:
        """Poll for ``tx_hash`` too from now on (it was just sent)."""
        with self._cond:
            self._found.setdefault(tx_hash, None)
            while len(self._found) > self.LIMIT:
                del self._found[next(iter(self._found))]

    def wait(self, tx_hash: str, timeout: float | None) -> dict[str, Any]:
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = self._ex.poll_min
        with self._cond:
            self._found.setdefault(tx_hash, None)
        try:
            while True:
                with self._cond:
                    while self._polling:
                        got = self._found.get(tx_hash)
                        if got is not None:
                            return got
                        left = None if deadline is None else deadline - time.monotonic()
                        if left is not None and left <= 0:
                            raise TxReceiptTimeoutError(tx_hash, timeout or 0.0)
                        self._cond.wait(left if left is not None else interval)
                    got = self._found.get(tx_hash)
                    if got is not None:
                        return got
                    self._polling = True
                    others = [h for h, r in self._found.items() if r is None and h != tx_hash]
                    wanted = [tx_hash, *others[: self.BATCH - 1]]
                try:
                    replies = self._poll(wanted)
                finally:
                    with self._cond:
                        self._polling = False
                        for h, r in zip(wanted, replies, strict=True):
                            if r is not None and h in self._found:
                                self._found[h] = r
                        self._cond.notify_all()
                got = self._found.get(tx_hash)
                if got is not None:
                    return got
                if deadline is not None and time.monotonic() >= deadline:
                    raise TxReceiptTimeoutError(tx_hash, timeout or 0.0)
                time.sleep(interval)
                interval = min(interval * 1.5, self._ex.poll_max)
        finally:
            with self._cond:
                self._found.pop(tx_hash, None)

    def _poll(self, hashes: Sequence[str]) -> list[dict[str, Any] | None]:
        try:
            out = self._ex.session.rpc_batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        except Exception as exc:
            if not _is_ambiguous(exc):
                raise
            return [None] * len(hashes)
        return [dict(r) if isinstance(r, dict) else None for r in out]

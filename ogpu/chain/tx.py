"""The one transaction executor behind :meth:`Session.transact`.

For every write: simulate (``eth_call``) and raise the typed, decoded revert before anything is
sent; estimate gas (x1.2); take a nonce from the session's local nonce manager; price with
EIP-1559 fees when the chain has a base fee (legacy ``gasPrice`` otherwise); sign locally; send the
raw bytes. After an ambiguous failure (timeout, connection reset, HTTP 5xx, garbled reply) the
*same* signed bytes are re-broadcast and the transaction is looked up by hash — a write is never
re-signed with a new nonce unless the node rejected it outright. A mined revert (status 0) is
replayed as ``eth_call`` to recover its reason.

Node error *messages* are the only signal some nodes give for nonce problems; they are matched
against a small table (:data:`SEND_ERROR_KINDS`), everything else is decided from types and codes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ogpu.chain.calls import ContractCall
from ogpu.chain.receipts import format_receipt
from ogpu.chain.revert import decode_revert
from ogpu.chain.signers import SignerLike
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

__all__ = ["SEND_ERROR_KINDS", "FeeQuote", "TxExecutor"]

log = logging.getLogger("ogpu.tx")

GAS_MARGIN = 1.2
#: extra gas on top of the margin: state can change between estimate and inclusion (another of
#: our in-flight writes may flip a storage slot from non-zero to zero, costing ~20k more)
GAS_HEADROOM = 25_000
DEFAULT_TIP = 10**9  # 1 gwei when the node has no eth_maxPriorityFeePerGas

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


def _send_error_kind(exc: RpcError) -> str:
    if exc.code in (-32005, 429):
        return "transient"
    text = (exc.message or "").lower()
    for fragment, kind in SEND_ERROR_KINDS:
        if fragment in text:
            return kind
    return "rejected"


def _is_ambiguous(exc: BaseException) -> bool:
    """A transport failure: raw (``retry=False``) or wrapped in ``TxRpcError`` by ``Session.rpc``."""
    if isinstance(exc, TxRpcError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return not isinstance(exc, RpcError) and classify(exc) != "permanent"


def _revert_payload(exc: RpcError) -> tuple[str | None, str] | None:
    data = exc.data
    if isinstance(data, dict):
        data = data.get("data")
    message = exc.message or ""
    if (isinstance(data, str) and data.startswith("0x")) or "revert" in message.lower():
        return (data if isinstance(data, str) else None), message
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


class _NonceTooLow(Exception):
    pass


class _Rejected(Exception):
    def __init__(self, error: OGPUError) -> None:
        self.error = error


class TxExecutor:
    """Simulate → estimate → nonce → sign → send → wait, for one :class:`Session`."""

    def __init__(
        self,
        session: Session,
        *,
        gas_margin: float = GAS_MARGIN,
        max_nonce_retries: int = 8,
        rebroadcast: RetryPolicy | None = None,
        fee_ttl: float = 1.0,
        poll_min: float = 0.005,
        poll_max: float = 0.5,
    ) -> None:
        self.session = session
        self.gas_margin = gas_margin
        self.max_nonce_retries = max_nonce_retries
        self.rebroadcast = rebroadcast or RetryPolicy(
            max_attempts=6, base_delay=0.05, max_delay=1.0
        )
        self.fee_ttl = fee_ttl
        self.poll_min = poll_min
        self.poll_max = poll_max
        self._fee_lock = threading.Lock()
        self._tip_cache: tuple[float, int] | None = None
        #: (block number, block hash) of the newest receipt seen: detects rollbacks (evm_revert)
        self._last_seen: tuple[int, str] | None = None
        #: test hook: skip the pre-send simulation (forces mined reverts); never set in production
        self._skip_simulation = False

    # ------------------------------------------------------------------ building blocks

    @staticmethod
    def _call_tx(fn: ContractCall, sender: str, value: int) -> dict[str, Any]:
        return {
            "from": sender,
            "to": to_checksum_address(fn.address),
            "data": fn.data,
            "value": hex(value),
        }

    def _revert_error(
        self, exc: RpcError, context: str, sender: str, tx_hash: str | None = None
    ) -> OGPUError | None:
        payload = _revert_payload(exc)
        if payload is None:
            return None
        data, message = payload
        return decode_revert(data, message, context=context, caller=sender, tx_hash=tx_hash)

    def simulate(self, call_tx: dict[str, Any], *, context: str, block: str = "latest") -> str:
        """``eth_call`` the write; raise the decoded revert. Returns the raw return data."""
        try:
            return str(self.session.rpc("eth_call", [call_tx, block]))
        except RpcError as exc:
            err = self._revert_error(exc, context, call_tx["from"])
            if err is not None:
                raise err from None
            raise TxRpcError(f"simulation of {context} failed: {exc.message}") from None

    def estimate_gas(self, call_tx: dict[str, Any], *, context: str) -> int:
        """``eth_estimateGas`` x margin; reverts are decoded like :meth:`simulate`."""
        try:
            raw = self.session.rpc("eth_estimateGas", [call_tx])
        except RpcError as exc:
            err = self._revert_error(exc, context, call_tx["from"])
            if err is not None:
                raise err from None
            raise GasError(f"estimating {context}: {exc.message}") from None
        estimate = int(raw, 16)
        return max(int(estimate * self.gas_margin), estimate + GAS_HEADROOM)

    def preflight(
        self,
        call_tx: dict[str, Any],
        *,
        context: str,
        simulate: bool = True,
        estimate: bool = True,
    ) -> tuple[int | None, FeeQuote]:
        """One JSON-RPC batch before a write: simulation, gas estimate, head block (fees), the
        sender's pending nonce and the block of our last receipt (rollback detection).

        Raises the decoded revert of the simulation/estimate. Returns ``(gas, fee quote)``.
        """
        sender = call_tx["from"]
        reqs: list[tuple[str, list[Any]]] = [
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_getTransactionCount", [sender, "pending"]),
        ]
        last = self._last_seen
        if last is not None:
            reqs.append(("eth_getBlockByNumber", [hex(last[0]), False]))
        first_extra = len(reqs)
        if simulate:
            reqs.append(("eth_call", [call_tx, "latest"]))
        if estimate:
            reqs.append(("eth_estimateGas", [call_tx]))
        out = self.session.rpc_batch(reqs)
        head, pending = out[0], out[1]
        if last is not None:
            seen = out[2]
            if isinstance(seen, RpcError) or not seen or seen.get("hash") != last[1]:
                log.warning("chain was rolled back or reorganised; dropping cached nonces")
                self.session.reset()
        if not isinstance(pending, RpcError):
            self.session.nonces.observe(sender, int(pending, 16))
        outcomes = out[first_extra:]
        for outcome in outcomes:
            if isinstance(outcome, RpcError):
                err = self._revert_error(outcome, context, sender)
                if err is not None:
                    raise err
        gas: int | None = None
        if simulate and isinstance(outcomes[0], RpcError):
            raise TxRpcError(f"simulation of {context} failed: {outcomes[0].message}")
        if estimate:
            est = outcomes[-1]
            if isinstance(est, RpcError):
                raise GasError(f"estimating {context}: {est.message}")
            value = int(str(est), 16)
            gas = max(int(value * self.gas_margin), value + GAS_HEADROOM)
        quote = self._quote_from_head(head) if isinstance(head, dict) else self.fees()
        return gas, quote

    def _tip(self) -> int:
        with self._fee_lock:
            cached = self._tip_cache
            if cached is not None and time.monotonic() - cached[0] < self.fee_ttl:
                return cached[1]
        try:
            tip = int(self.session.rpc("eth_maxPriorityFeePerGas", []), 16)
        except RpcError:
            tip = DEFAULT_TIP
        with self._fee_lock:
            self._tip_cache = (time.monotonic(), tip)
        return tip

    def _quote_from_head(self, head: dict[str, Any]) -> FeeQuote:
        base = head.get("baseFeePerGas")
        if base is not None:
            tip = self._tip()
            return FeeQuote(max_fee_per_gas=2 * int(base, 16) + tip, max_priority_fee_per_gas=tip)
        return FeeQuote(gas_price=int(self.session.rpc("eth_gasPrice", []), 16))

    def fees(self) -> FeeQuote:
        """Current fee quote from the latest block (EIP-1559 if it has a base fee)."""
        head = self.session.rpc("eth_getBlockByNumber", ["latest", False])
        return self._quote_from_head(head)

    @staticmethod
    def _sign(signer: SignerLike, tx: dict[str, Any]) -> tuple[str, str]:
        signed = signer.sign_transaction(tx)
        raw = getattr(signed, "raw_transaction", None) or getattr(signed, "rawTransaction", None)
        if raw is None:
            raise TxRpcError("the signer returned no raw_transaction")
        raw_bytes = bytes(raw)
        return "0x" + raw_bytes.hex(), "0x" + keccak(raw_bytes).hex()

    def _tx_known(self, tx_hash: str) -> bool:
        try:
            found = self.session.rpc("eth_getTransactionByHash", [tx_hash])
        except RpcError:
            return False
        return found is not None

    def _broadcast(self, raw: str, tx_hash: str, sender: str, context: str) -> None:
        """Send signed bytes; on ambiguity re-send the SAME bytes and look the hash up."""
        delays = self.rebroadcast.delays()
        ambiguous: BaseException | None = None
        while True:
            try:
                self.session.rpc("eth_sendRawTransaction", [raw], retry=False)
                return
            except RpcError as exc:
                kind = _send_error_kind(exc)
                if kind == "known":
                    log.info("tx %s already known to the node", tx_hash)
                    return
                if kind == "nonce_low":
                    if self._tx_known(tx_hash):  # an earlier broadcast of these bytes landed
                        return
                    raise _NonceTooLow() from None
                if kind != "transient":
                    if ambiguous is not None and self._tx_known(tx_hash):
                        return
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
                log.warning(
                    "ambiguous failure sending tx %s (%s); re-broadcasting",
                    tx_hash,
                    type(exc).__name__,
                )
            delay = next(delays, None)
            if ambiguous is not None:
                try:
                    if self._tx_known(tx_hash):
                        return
                except Exception:
                    pass
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
            time.sleep(delay)

    # ------------------------------------------------------------------ public operations

    def dry_run(
        self,
        fn: ContractCall,
        signer: SignerLike,
        *,
        value: int = 0,
        gas: int | None = None,
        context: str,
    ) -> DryRunResult:
        """Simulate and estimate only."""
        call_tx = self._call_tx(fn, signer.address, value)
        result = self.simulate(call_tx, context=context)
        gas_limit = gas or self.estimate_gas(call_tx, context=context)
        decoded: Any = None
        try:
            decoded = fn.decode(result)
        except Exception:
            decoded = result
        fee = self.fees()
        return DryRunResult(
            to=call_tx["to"],
            sender=signer.address,
            data=call_tx["data"],
            value=value,
            gas=gas_limit,
            return_value=decoded,
            max_fee_per_gas=fee.max_fee_per_gas,
            max_priority_fee_per_gas=fee.max_priority_fee_per_gas,
            gas_price=fee.gas_price,
            context=context,
        )

    def send(
        self,
        fn: ContractCall,
        signer: SignerLike,
        *,
        value: int = 0,
        gas: int | None = None,
        context: str,
    ) -> PendingTx:
        """Simulate, sign and broadcast; returns a handle to wait on."""
        sender = to_checksum_address(signer.address)
        call_tx = self._call_tx(fn, sender, value)
        estimated, quote = self.preflight(
            call_tx, context=context, simulate=not self._skip_simulation, estimate=not gas
        )
        gas_limit = gas or estimated or 0
        return self._send_prepared(
            signer,
            sender,
            {"to": call_tx["to"], "data": call_tx["data"], "value": value, "gas": gas_limit},
            context,
            fee=quote,
        )

    def _send_prepared(
        self,
        signer: SignerLike,
        sender: str,
        body: dict[str, Any],
        context: str,
        *,
        nonce: int | None = None,
        fee: FeeQuote | None = None,
    ) -> PendingTx:
        chain_id = self.session.chain_id
        nonces = self.session.nonces
        quote = fee or self.fees()
        for _ in range(self.max_nonce_retries):
            n = nonce if nonce is not None else nonces.reserve(sender)
            tx = {"chainId": chain_id, "nonce": n, **body, **quote.fields()}
            try:
                raw, tx_hash = self._sign(signer, tx)
            except Exception:
                if nonce is None:
                    nonces.release(sender, n)
                raise
            try:
                self._broadcast(raw, tx_hash, sender, context)
            except _NonceTooLow:
                if nonce is not None:
                    raise NonceError(sender, n, self.session._pending_count(sender)) from None
                log.info("nonce %d of %s was taken; resyncing", n, sender)
                nonces.resync(sender)
                continue
            except _Rejected as rej:
                if nonce is None and rej.error.tx_hash is None:
                    nonces.release(sender, n)
                raise rej.error from None
            log.info("sent tx %s (%s) from %s nonce %d", tx_hash, context, sender, n)
            return PendingTx(
                tx_hash,
                self._waiter(tx_hash, tx, sender, context),
                sender=sender,
                nonce=n,
            )
        suggested = self.session._pending_count(sender)
        raise NonceError(sender, suggested, suggested)

    def _waiter(
        self, tx_hash: str, tx: dict[str, Any], sender: str, context: str
    ) -> Callable[[float | None], Receipt]:
        def wait(timeout: float | None) -> Receipt:
            return self.wait(tx_hash, tx, sender, context, timeout)

        return wait

    def wait_receipt(self, tx_hash: str, timeout: float | None) -> dict[str, Any]:
        """Poll for a receipt with an adaptive interval; ``TxReceiptTimeoutError`` on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = self.poll_min
        while True:
            try:
                raw = self.session.rpc("eth_getTransactionReceipt", [tx_hash])
            except RpcError:
                raw = None
            except Exception as exc:
                if not _is_ambiguous(exc):
                    raise
                raw = None
            if raw:
                return dict(raw)
            if deadline is not None and time.monotonic() >= deadline:
                raise TxReceiptTimeoutError(tx_hash, timeout or 0.0)
            time.sleep(interval)
            interval = min(interval * 1.5, self.poll_max)

    def wait(
        self,
        tx_hash: str,
        tx: dict[str, Any],
        sender: str,
        context: str,
        timeout: float | None,
    ) -> Receipt:
        """Wait for ``tx_hash``; a mined revert is replayed and raised as a typed error."""
        raw = self.wait_receipt(tx_hash, timeout)
        formatted = format_receipt(raw)
        block = int(formatted["blockNumber"])
        # some nodes (anvil, reth, geth >= 1.14) put the block timestamp in every log
        stamped = [log.get("blockTimestamp") for log in raw.get("logs") or []]
        if stamped and isinstance(stamped[0], str):
            timestamp = int(stamped[0], 16)
        else:
            timestamp = self.session.timestamp(block)
        receipt = Receipt.from_web3_receipt(formatted, timestamp=timestamp)
        block_hash = raw.get("blockHash")
        if isinstance(block_hash, str):
            with self._fee_lock:
                if self._last_seen is None or block >= self._last_seen[0]:
                    self._last_seen = (block, block_hash)
        if receipt.ok:
            return receipt
        raise self._mined_revert(receipt, tx, sender, context)

    def _mined_revert(
        self, receipt: Receipt, tx: dict[str, Any], sender: str, context: str
    ) -> OGPUError:
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
                self.session.rpc("eth_call", [call_tx, hex(max(block, 0))])
            except RpcError as exc:
                err = self._revert_error(exc, context, sender, receipt.tx_hash)
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

    def replace_nonce(self, signer: SignerLike, nonce: int) -> Receipt:
        """Occupy ``nonce`` with a 0-value self-transfer at bumped fees and wait for it."""
        sender = to_checksum_address(signer.address)
        body = {"to": sender, "data": "0x", "value": 0, "gas": 21000}
        pending = self._send_prepared(
            signer, sender, body, "fix_nonce", nonce=nonce, fee=self.fees().bumped(1.5)
        )
        return pending.wait(120.0)

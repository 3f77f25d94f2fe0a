"""The client-role workflows (role fallback CLIENT). See :mod:`ogpu.client` for the overview.

Order of every uploading workflow — nothing is uploaded and no gas is spent for input the chain
would refuse:

1. validate the input models locally (``ValueError``);
2. read what the contract will check and raise the typed error with the numbers
   (``publish_task``, ``update_source``);
3. simulate the exact transaction (with the URL the content will have: its CID is computed
   locally) — any other revert surfaces typed, still before uploading. ``publish_task`` does 2
   and 3 in one round trip with the gas estimate and fees (the executor's preflight);
4. upload the JSON document;
5. send (and, by default, wait).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast, overload

from eth_utils.address import is_address

from ogpu.chain.calls import checksum_address
from ogpu.chain.steps import Batch, Join, Offload, Spawn, Steps, run
from ogpu.client._options import Options, parse_options
from ogpu.client._pending import PendingPublish
from ogpu.client.models import SourceInfo, TaskInfo, TaskInput
from ogpu.client.schemas import check_task_input, source_metadata
from ogpu.ipfs import encode_payload
from ogpu.ipfs.client import local_cid
from ogpu.protocol import controller, nexus
from ogpu.protocol._base import checksum, prepare, struct
from ogpu.protocol.response import Response
from ogpu.protocol.source import Source
from ogpu.protocol.task import Task
from ogpu.types import (
    DryRunResult,
    InsufficientBalanceError,
    InvalidSignerError,
    IPFSError,
    NotSourceOwnerError,
    Receipt,
    Role,
    SourceInactiveError,
    SourceNotFoundError,
    SourceParams,
    SourceStatus,
    TaskExpiredError,
    TaskParams,
    TxRevertError,
    TxRpcError,
)

if TYPE_CHECKING:
    from ogpu.chain import Session
    from ogpu.chain.calls import ContractCall
    from ogpu.chain.signers import SignerInput, SignerLike
    from ogpu.chain.tx import FeeQuote, Preflight, Sent

__all__ = [
    "cancel_task",
    "confirm_response",
    "get_task_responses",
    "inactivate_source",
    "publish_source",
    "publish_task",
    "set_agent",
    "update_source",
]

_ZERO = "0x0000000000000000000000000000000000000000"
T = TypeVar("T")
#: ``TaskExpiredError.task`` when the refused task was never created (official SDK value).
_NOT_PUBLISHED = "(not published)"


# ----------------------------------------------------------------------------------------------
# Input normalisation (re-validates models that were mutated or built without validation)


def _source_info(value: object) -> SourceInfo:
    if not isinstance(value, SourceInfo):
        raise TypeError(f"expected a SourceInfo, got {type(value).__name__}")
    return replace(value, imageEnvs=replace(value.imageEnvs))


def _task_info(value: object) -> TaskInfo:
    if not isinstance(value, TaskInfo):
        raise TypeError(f"expected a TaskInfo, got {type(value).__name__}")
    cfg = value.config
    if not isinstance(cfg, TaskInput):
        raise TypeError(f"TaskInfo.config must be a TaskInput, got {type(cfg).__name__}")
    return replace(value, config=TaskInput(cfg.function_name, cfg.data, **cfg.extras))


def _build_source_params(info: SourceInfo, client: str, url: str) -> SourceParams:
    """``SourceParams`` as the official SDK builds them (``lastUpdateTime`` is set by Nexus)."""
    return SourceParams(
        client=client,
        imageMetadataUrl=url,
        imageEnvironments=info.environments,
        minPayment=info.minPayment,
        minAvailableLockup=info.minAvailableLockup,
        maxExpiryDuration=info.maxExpiryDuration,
        privacyEnabled=False,
        optionalParamsUrl="",
        deliveryMethod=int(info.deliveryMethod),
    )


# ----------------------------------------------------------------------------------------------
# Chain pre-checks


@dataclass(frozen=True)
class _SourceTerms:
    address: str
    client: str
    status: SourceStatus
    min_payment: int
    max_expiry_duration: int
    block_number: int
    timestamp: int
    signer_balance: int
    metadata_url: str


def _source_reads(session: Session, source: str, signer: str) -> list[ContractCall]:
    """What the Controller/Nexus check about a source and the signer (official-ABI getters)."""
    n = session.contract("Nexus")
    s = session.contract("Source", source)
    return [
        n.functions.getSourceId(source),
        s.functions.getClient(),
        s.functions.getStatus(),
        s.functions.getSourceParams(),
        session.contract("Vault").functions.balanceOf(signer),
    ]


def _source_terms(source: str, values: Sequence[Any], number: int, now: int) -> _SourceTerms:
    """The terms from the values of :func:`_source_reads` (typed error if there is no source)."""
    source_id, client, status, params, balance = values
    for value in (source_id, balance):
        if isinstance(value, BaseException):
            raise value
    if int(source_id) == 0 or any(isinstance(x, BaseException) for x in (client, status, params)):
        raise SourceNotFoundError(source).with_revert(error_name="UnknownSource")
    stored = SourceParams.from_tuple(params)
    return _SourceTerms(
        address=source,
        client=checksum_address(client),
        status=SourceStatus(int(status)),
        min_payment=int(stored.minPayment),
        max_expiry_duration=int(stored.maxExpiryDuration),
        block_number=number,
        timestamp=now,
        signer_balance=int(balance),
        metadata_url=str(stored.imageMetadataUrl),
    )


def _read_source_steps(session: Session, source: str, signer: str) -> Steps[_SourceTerms]:
    """One batch at the latest block: registry id, the source's client/status/params and the
    signer's Vault balance, with the block's header."""
    calls = _source_reads(session, source, signer)
    out = yield Batch(
        [*(fn.request("latest") for fn in calls), ("eth_getBlockByNumber", ["latest", False])]
    )
    header = out[-1]
    if not isinstance(header, dict):
        raise TxRpcError("the node returned no head block")
    values = session._decode_all(calls, out[:-1], allow_failure=True)
    number, now = int(header["number"], 16), int(header["timestamp"], 16)
    return _source_terms(source, values, number, now)


def _require_operator_steps(
    session: Session, terms: _SourceTerms, signer: str, context: str
) -> Steps[int]:
    """Check the signer is the source's client or an agent of it; return the client's balance."""
    if signer == terms.client:
        return terms.signer_balance
    t = session.contract("Terminal")
    v = session.contract("Vault")
    calls = [t.functions.isAgentOf(terms.client, signer), v.functions.balanceOf(terms.client)]
    out = yield Batch([fn.request(terms.block_number) for fn in calls])
    is_agent, balance = session._decode_all(calls, out, allow_failure=False)
    if not is_agent:
        raise NotSourceOwnerError(terms.address, signer).with_revert(
            context=context, error_name="NotOwner"
        )
    return int(balance)


def _check_task_steps(
    session: Session, info: TaskInfo, signer: str, context: str, pf: Preflight
) -> Steps[_SourceTerms]:
    """What ``Controller.publishTask`` checks, in its order, against the preflight's block.

    The transaction executes in a later block (timestamp ≥ latest + 1), so an ``expiryTime`` of
    ``latest + 1`` would revert on chain: it is refused here too. The upper bound only grows with
    time, so ``latest + maxExpiryDuration`` is safe.
    """
    terms = _source_terms(info.source, pf.reads, pf.block_number, pf.timestamp)
    if terms.status is not SourceStatus.ACTIVE:
        raise SourceInactiveError(terms.address).with_revert(
            context=context, error_name="SourceInactive"
        )
    balance = yield from _require_operator_steps(session, terms, signer, context)
    now = terms.timestamp
    if info.expiryTime <= now + 1:
        raise TaskExpiredError(_NOT_PUBLISHED, info.expiryTime).with_revert(
            context=context, error_name="Expired"
        )
    latest_allowed = now + terms.max_expiry_duration
    if info.expiryTime > latest_allowed:
        raise TxRevertError(
            f"expiryTime {info.expiryTime} is {info.expiryTime - now}s after the latest block "
            f"(timestamp {now}); the source allows at most {terms.max_expiry_duration}s "
            f"(latest allowed {latest_allowed})",
            error_name="ExpiryTooLong",
            args={"expiryTime": info.expiryTime, "latestAllowed": latest_allowed},
        ).with_revert(context=context)
    if info.payment < terms.min_payment:
        raise TxRevertError(
            f"payment {info.payment} wei is below the source's minPayment {terms.min_payment} wei",
            error_name="InsufficientPayment",
            args={"payment": info.payment, "minPayment": terms.min_payment},
        ).with_revert(context=context)
    if balance < info.payment:
        raise InsufficientBalanceError(terms.client, info.payment, balance).with_revert(
            context=context, error_name="InsufficientBalance"
        )
    return terms


def _not_published(err: TaskExpiredError, context: str) -> TaskExpiredError:
    """``Expired(address(0), expiry)``: the task was never created (official SDK wording)."""
    if err.task != _ZERO:
        return err
    out = TaskExpiredError(_NOT_PUBLISHED, err.expiry)
    out.with_revert(tx_hash=err.tx_hash, context=context, error_name="Expired")
    return out


def _raise_publish_revert(pf: Preflight, context: str) -> None:
    try:
        pf.raise_for_revert()
    except TaskExpiredError as err:
        raise _not_published(err, context) from None


# ----------------------------------------------------------------------------------------------
# Upload helpers


def _prepare_upload(session: Session, document: Any) -> tuple[bytes, str]:
    """The bytes to pin and the URL they will have (CID computed locally)."""
    payload = encode_payload(document)
    ipfs = session.ipfs
    predict = getattr(ipfs, "predict_url", None) or ipfs.gateway_url
    return payload, str(predict(local_cid(payload)))


def _upload(opts: Options, payload: bytes, filename: str) -> str:
    opts.check_budget("ipfs")
    try:
        url: str = opts.session.ipfs.publish_bytes(
            payload,
            filename,
            "application/json",
            timeout=opts.ipfs_timeout,
            retries=opts.ipfs_retries,
            backoff=opts.ipfs_backoff,
            deadline=opts.deadline,
        )
    except IPFSError:
        opts.check_budget("ipfs")  # the budget ran out during the upload: say so
        raise
    return url


def _signer(opts: Options, role: Role = Role.CLIENT) -> SignerLike:
    return opts.session.resolve_signer(opts.signer, role)


# ----------------------------------------------------------------------------------------------
# The workflows as steps (see ogpu.chain.steps): each one below is driven synchronously here and
# on an event loop by ogpu.aio, so both twins share the order of checks, the executor and errors.


def _write_steps(
    opts: Options, contract: str, function: str, *args: Any, context: str, wait: bool = True
) -> Steps[Sent]:
    """Simulate, sign and send ``contract.function(*args)`` as the workflow's signer."""
    session = opts.session
    fn = prepare(session, contract, function, *args)
    return (
        yield from session.executor.send_steps(
            fn, _signer(opts), gas=opts.gas, context=context, wait=wait
        )
    )


def publish_source_steps(
    opts: Options, info: SourceInfo, handlers: Any
) -> Steps[DryRunResult | tuple[Sent, str]]:
    """Simulate ``Nexus.publishSource`` with the URL the metadata will have, upload it, send."""
    session = opts.session
    ex = session.executor
    signer = _signer(opts)
    client = checksum_address(signer.address)
    payload, predicted = _prepare_upload(session, source_metadata(info, handlers))
    context = f"Nexus.publishSource(client={client})"

    def call(url: str) -> ContractCall:
        params = _build_source_params(info, client, url)
        return prepare(session, "Nexus", "publishSource", struct(params))

    simulated = yield from ex.dry_run_steps(call(predicted), signer, context=context)
    if opts.dry_run:
        return simulated
    url = yield Offload(_upload, (opts, payload, "imageMetadata.json"))
    gas, fee = _reuse(opts, simulated, url == predicted)
    opts.check_budget("send")
    sent = yield from ex.send_steps(
        call(url), signer, gas=gas, fee=fee, context=context, wait=opts.wait
    )
    return sent, url


def publish_task_steps(opts: Options, info: TaskInfo) -> Steps[DryRunResult | tuple[Sent, str]]:
    """Pre-check, simulate and estimate in one round trip while the config uploads, then send."""
    session = opts.session
    signer = _signer(opts)
    sender = checksum_address(signer.address)
    context = f"Controller.publishTask(source={info.source})"
    payload, predicted = _prepare_upload(session, info.config.to_dict())

    def publish(url: str) -> ContractCall:
        params = TaskParams(
            source=info.source, config=url, expiryTime=info.expiryTime, payment=info.payment
        )
        return prepare(session, "Controller", "publishTask", struct(params))

    # ONE round trip: the Controller's pre-checks, the simulation, gas, fees (and first nonce),
    # while the config is uploaded (its URL was computed locally)
    opts.check_budget("simulate")
    call = publish(predicted)
    ex = session.executor
    # The upload overlaps the round trip once this session has seen the source and the task
    # passes its declared schemas there; otherwise it waits for the checks (a task its schemas
    # refuse is never uploaded).
    upload = None
    known = session.source_metadata.get(info.source)
    if known is not None and not opts.dry_run:
        try:
            yield Offload(partial(check_task_input, session, info, metadata_url=known))
        except Exception:
            known = None  # let the checks against the current chain state decide
        else:
            upload = yield Spawn(_upload, (opts, payload, "taskConfig.json"))
    try:
        pf = yield from ex.preflight_steps(
            ex.call_tx(call, sender),
            context=context,
            estimate=not opts.gas,
            reads=_source_reads(session, info.source, sender),
            defer_revert=True,
            return_data=opts.dry_run,
        )
        terms = yield from _check_task_steps(session, info, sender, context, pf)
        # the declared function and input schema, before any gas
        yield Offload(partial(check_task_input, session, info, metadata_url=terms.metadata_url))
        session.remember_source_metadata(info.source, terms.metadata_url)
        _raise_publish_revert(pf, context)
    except Exception:
        if upload is not None:  # refused: the pinned config stays unused; its errors are moot
            yield Join(upload, quiet=True)
        raise
    if opts.dry_run:
        return ex.dry_run_result(call, sender, 0, pf, context=context, gas=opts.gas)
    if upload is None:
        url = yield Offload(_upload, (opts, payload, "taskConfig.json"))
    else:
        url = yield Join(upload)
    gas, fee = opts.gas or pf.gas, cast("FeeQuote | None", pf.fee)
    if url != predicted:  # the store chose another URL: simulate that call before sending
        call, gas, fee = publish(url), opts.gas, None
    opts.check_budget("send")
    try:
        sent = yield from ex.send_steps(
            call, signer, gas=gas, fee=fee, context=context, wait=opts.wait
        )
    except TaskExpiredError as err:
        raise _not_published(err, context) from None
    return sent, url


def update_source_steps(
    opts: Options, source: Any, info: SourceInfo, handlers: Any
) -> Steps[DryRunResult | Sent]:
    """Check the signer may update ``source``, simulate, re-pin the metadata, send."""
    address = checksum(source, what="source address")
    session = opts.session
    ex = session.executor
    signer = _signer(opts)
    sender = checksum_address(signer.address)
    context = f"Nexus.updateSource(source={address})"
    terms = yield from _read_source_steps(session, address, sender)
    yield from _require_operator_steps(session, terms, sender, context)
    payload, predicted = _prepare_upload(session, source_metadata(info, handlers))

    def call(url: str) -> ContractCall:
        params = _build_source_params(info, terms.client, url)
        return prepare(session, "Nexus", "updateSource", address, struct(params))

    simulated = yield from ex.dry_run_steps(call(predicted), signer, context=context)
    if opts.dry_run:
        return simulated
    url = yield Offload(_upload, (opts, payload, "imageMetadata.json"))
    gas, fee = _reuse(opts, simulated, url == predicted)
    opts.check_budget("send")
    return (yield from ex.send_steps(call(url), signer, gas=gas, fee=fee, context=context))


def inactivate_source_steps(opts: Options, source: Any) -> Steps[Sent]:
    """``Nexus.inactivateSource``."""
    address = checksum(source, what="source address")
    context = f"Nexus.inactivateSource(source={address})"
    return _write_steps(opts, "Nexus", "inactivateSource", address, context=context)


def cancel_task_steps(opts: Options, task: Any) -> Steps[Sent]:
    """``Controller.cancelTask``."""
    address = checksum(task, what="task address")
    context = f"Controller.cancelTask(task={address})"
    return _write_steps(opts, "Controller", "cancelTask", address, context=context)


def confirm_response_steps(opts: Options, response: Any) -> Steps[Sent]:
    """``Controller.confirmResponse``."""
    address = checksum(response, what="response address")
    context = f"Controller.confirmResponse(response={address})"
    return _write_steps(
        opts, "Controller", "confirmResponse", address, context=context, wait=opts.wait
    )


def set_agent_steps(opts: Options, agent: Any, value: Any) -> Steps[Sent]:
    """``Terminal.setAgent(agent, value)``."""
    if not isinstance(value, bool):
        raise TypeError(f"value must be a bool, got {type(value).__name__}")
    if not isinstance(agent, str) or not is_address(agent):
        raise InvalidSignerError(f"invalid agent address: {agent!r}")
    address = checksum_address(agent)
    context = f"Terminal.setAgent(agent={address}, value={value})"
    return _write_steps(
        opts, "Terminal", "setAgent", address, value, context=context, wait=opts.wait
    )


def _reuse(
    opts: Options, simulated: DryRunResult, same_call: bool
) -> tuple[int | None, FeeQuote | None]:
    """Gas and fees of a simulation just made, for sending the same call without another one."""
    from ogpu.chain.tx import FeeQuote

    if not same_call:
        return opts.gas, None
    fee = FeeQuote(
        max_fee_per_gas=simulated.max_fee_per_gas,
        max_priority_fee_per_gas=simulated.max_priority_fee_per_gas,
        gas_price=simulated.gas_price,
    )
    return opts.gas or simulated.gas, fee


def _budget(opts: Options) -> tuple[float, float] | None:
    deadline = opts.deadline
    return None if deadline is None or opts.budget is None else (opts.budget, deadline)


def source_builder(session: Session) -> Callable[[Receipt], Source]:
    """The live :class:`Source` of a ``publishSource`` receipt."""
    return lambda receipt: Source(nexus.extract_source_address(receipt, session=session), session)


def task_builder(session: Session) -> Callable[[Receipt], Task]:
    """The live :class:`Task` of a ``publishTask`` receipt."""
    return lambda receipt: Task(controller.extract_task_address(receipt, session=session), session)


def _published(
    opts: Options, out: DryRunResult | tuple[Sent, str], build: Callable[[Receipt], T]
) -> T | PendingPublish[T] | DryRunResult:
    if isinstance(out, DryRunResult):
        return out
    sent, url = out
    result = PendingPublish(
        opts.session.executor.pending(sent), build, url=url, budget=_budget(opts)
    )
    if not opts.wait:
        return result
    return result.wait(opts.wait_timeout())


def _receipt(opts: Options, sent: Sent, timeout: float | None) -> Receipt:
    return opts.session.executor.pending(sent).wait(timeout)


def _tx_hash(opts: Options, sent: Sent) -> str:
    """The hash of ``sent``, once mined unless ``wait=False``."""
    pending = opts.session.executor.pending(sent)
    if opts.wait:
        pending.wait(opts.timeout)
    return sent.tx_hash


# ----------------------------------------------------------------------------------------------
# publish_source


@overload
def publish_source(
    source_info: SourceInfo,
    private_key: SignerInput | None = ...,
    *,
    wait: Literal[True] = ...,
    dry_run: Literal[False] = ...,
    **kwargs: Any,
) -> Source: ...


@overload
def publish_source(
    source_info: SourceInfo,
    private_key: SignerInput | None = ...,
    *,
    wait: Literal[False],
    dry_run: Literal[False] = ...,
    **kwargs: Any,
) -> PendingPublish[Source]: ...


@overload
def publish_source(
    source_info: SourceInfo,
    private_key: SignerInput | None = ...,
    *,
    wait: bool = ...,
    dry_run: Literal[True],
    **kwargs: Any,
) -> DryRunResult: ...


def publish_source(
    source_info: SourceInfo,
    private_key: SignerInput | None = None,
    *,
    handlers: Any = None,
    **kwargs: Any,
) -> Source | PendingPublish[Source] | DryRunResult:
    """Publish a source: pin ``imageMetadata.json``, call ``Nexus.publishSource``, return the Source.

    Keywords: ``signer`` (synonym of ``private_key``), ``session``, ``timeout`` (receipt wait),
    ``gas``, ``wait=False`` (return a :class:`PendingPublish`), ``dry_run=True`` (validate and
    simulate only; nothing uploaded or sent), ``budget`` (overall seconds), ``handlers`` (a
    ``Service``, a module path or a schema document: stored in the metadata so clients can check
    tasks before paying, see :mod:`ogpu.client.schemas`).
    """
    opts = parse_options("publish_source", private_key, kwargs)
    info = _source_info(source_info)
    out = run(publish_source_steps(opts, info, handlers), opts.session)
    return _published(opts, out, source_builder(opts.session))


# ----------------------------------------------------------------------------------------------
# publish_task


@overload
def publish_task(
    task_info: TaskInfo,
    private_key: SignerInput | None = ...,
    *,
    wait: Literal[True] = ...,
    dry_run: Literal[False] = ...,
    **kwargs: Any,
) -> Task: ...


@overload
def publish_task(
    task_info: TaskInfo,
    private_key: SignerInput | None = ...,
    *,
    wait: Literal[False],
    dry_run: Literal[False] = ...,
    **kwargs: Any,
) -> PendingPublish[Task]: ...


@overload
def publish_task(
    task_info: TaskInfo,
    private_key: SignerInput | None = ...,
    *,
    wait: bool = ...,
    dry_run: Literal[True],
    **kwargs: Any,
) -> DryRunResult: ...


def publish_task(
    task_info: TaskInfo, private_key: SignerInput | None = None, **kwargs: Any
) -> Task | PendingPublish[Task] | DryRunResult:
    """Publish a task: check it against the chain, pin ``taskConfig.json``, call
    ``Controller.publishTask``, return the live Task (from the ``TaskPublished`` log).

    Before anything is signed, one batched read at the latest block checks what the Controller
    will check and raises, with the numbers: :class:`SourceNotFoundError`,
    :class:`SourceInactiveError`, :class:`NotSourceOwnerError` (signer neither the client nor its
    agent), :class:`TaskExpiredError` (``expiryTime <= now``), ``TxRevertError`` named
    ``ExpiryTooLong`` / ``InsufficientPayment``, :class:`InsufficientBalanceError` (client's Vault
    balance). The same round trip estimates the exact call; the config uploads meanwhile; then
    the transaction is sent.

    Keywords: ``signer``, ``session``, ``timeout``, ``gas``, ``wait=False`` (→ PendingPublish),
    ``dry_run=True``, ``budget`` (overall seconds → :class:`PublishTimeoutError`). Official-SDK
    ``ipfs_timeout``/``ipfs_retries``/``ipfs_backoff``/``receipt_timeout``/``total_timeout`` are
    honoured with a DeprecationWarning.

    ``idempotency_key="order-123"``: published at most once per key, also across crashes (see
    :func:`ogpu.jobs.publish_once`; ``journal=`` picks the journal file).
    """
    if kwargs.get("idempotency_key") is not None:
        from ogpu.jobs import publish_once

        return publish_once(kwargs.pop("idempotency_key"), task_info, private_key, **kwargs)
    kwargs.pop("idempotency_key", None)
    opts = parse_options("publish_task", private_key, kwargs)
    info = _task_info(task_info)
    out = run(publish_task_steps(opts, info), opts.session)
    return _published(opts, out, task_builder(opts.session))


# ----------------------------------------------------------------------------------------------
# Other writes


@overload
def update_source(
    source: str | Source,
    new_info: SourceInfo,
    private_key: SignerInput | None = ...,
    *,
    handlers: Any = ...,
    dry_run: Literal[False] = ...,
    **kwargs: Any,
) -> Receipt: ...


@overload
def update_source(
    source: str | Source,
    new_info: SourceInfo,
    private_key: SignerInput | None = ...,
    *,
    handlers: Any = ...,
    dry_run: Literal[True],
    **kwargs: Any,
) -> DryRunResult: ...


def update_source(
    source: str | Source,
    new_info: SourceInfo,
    private_key: SignerInput | None = None,
    *,
    handlers: Any = None,
    **kwargs: Any,
) -> Receipt | DryRunResult:
    """Re-pin the metadata of ``new_info`` and call ``Nexus.updateSource`` with rebuilt params.

    Checks first (no upload otherwise) that the source exists (:class:`SourceNotFoundError`) and
    that the signer is its client or the client's agent (:class:`NotSourceOwnerError`).
    ``handlers`` as in :func:`publish_source` (without it the new metadata declares none).
    ``dry_run=True``: checked and simulated with the URL the metadata would have; nothing is
    uploaded or sent.
    """
    opts = parse_options("update_source", private_key, kwargs)
    info = _source_info(new_info)
    sent = run(update_source_steps(opts, source, info, handlers), opts.session)
    if isinstance(sent, DryRunResult):
        return sent
    return _receipt(opts, sent, opts.wait_timeout())


def inactivate_source(
    source: str | Source, private_key: SignerInput | None = None, **kwargs: Any
) -> Receipt:
    """``Nexus.inactivateSource`` (one-way for clients): new tasks and registrations are refused.

    Raises :class:`SourceInactiveError` if already inactive, :class:`NotSourceOwnerError` for a
    signer that is neither the client nor its agent (both found by simulation, before sending).
    """
    opts = parse_options("inactivate_source", private_key, kwargs)
    sent = run(inactivate_source_steps(opts, source), opts.session)
    return _receipt(opts, sent, opts.timeout)


def cancel_task(task: str | Task, private_key: SignerInput | None = None, **kwargs: Any) -> Receipt:
    """``Controller.cancelTask``: a NEW task is canceled and its escrow refunded.

    Raises :class:`TaskAlreadyFinalizedError` once attempts landed (or after cancel/finalize),
    :class:`TaskExpiredError` for an expired task, :class:`NotTaskOwnerError` for a stranger.
    """
    opts = parse_options("cancel_task", private_key, kwargs)
    sent = run(cancel_task_steps(opts, task), opts.session)
    return _receipt(opts, sent, opts.timeout)


def confirm_response(
    response_address: str | Response, private_key: SignerInput | None = None, **kwargs: Any
) -> str:
    """``Controller.confirmResponse``: finalize a MANUAL_CONFIRMATION task and pay; returns the tx hash.

    Raises :class:`ResponseAlreadyConfirmedError`, :class:`TaskAlreadyFinalizedError`,
    :class:`TaskExpiredError` or :class:`NotTaskOwnerError` (found by simulation, before sending).
    ``wait=False`` returns the hash as soon as the transaction is broadcast. A client confirms
    one of the responses that :meth:`~ogpu.protocol.Task.get_responses` lists, e.g.
    ``confirm_response(task.get_responses()[0])``.
    """
    opts = parse_options("confirm_response", private_key, kwargs)
    sent = run(confirm_response_steps(opts, response_address), opts.session)
    return _tx_hash(opts, sent)


def set_agent(
    agent_address: str, value: bool, private_key: SignerInput | None = None, **kwargs: Any
) -> str:
    """``Terminal.setAgent(agent, value)`` as the client; returns the tx hash.

    An agent may then publish/cancel tasks and confirm responses for this client.
    """
    opts = parse_options("set_agent", private_key, kwargs)
    sent = run(set_agent_steps(opts, agent_address, value), opts.session)
    return _tx_hash(opts, sent)


# ----------------------------------------------------------------------------------------------
# Reads


def get_task_responses(
    task_address: str | Task,
    lower: int = 0,
    upper: int | None = None,
    *,
    session: Session | None = None,
) -> list[Response]:
    """Responses of a task, ``[lower, upper)`` over attempt slots (``upper=None``: all)."""
    if session is None:
        session = getattr(task_address, "session", None)
    return Task(checksum(task_address, what="task address"), session).get_responses(lower, upper)

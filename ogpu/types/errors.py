"""The OGPU exception hierarchy.

Every error the SDK raises is an :class:`OGPUError`. Errors decoded from a contract revert carry the
real argument values of the Solidity custom error (``required``/``available``, the task address, the
expiry, ...) plus the revert context: ``tx_hash`` (``None`` when the revert was caught by simulation
before anything was sent), ``error_name``, ``error_args`` and the raw ``revert_data``.

Messages say what happened and what to do next. They never contain private keys.

>>> try:
...     raise InsufficientBalanceError("0xAbc", required=10, available=4)
... except VaultError as err:
...     (err.required, err.available)
(10, 4)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

__all__ = [
    "BudgetExceededError",
    "ChainNotSupportedError",
    "ConfigError",
    "GasError",
    "IPFSError",
    "IPFSFetchError",
    "IPFSGatewayError",
    "IPFSIntegrityError",
    "InsufficientBalanceError",
    "InsufficientLockupError",
    "InvalidArgumentError",
    "InvalidRpcUrlError",
    "InvalidSignerError",
    "InvalidTaskInputError",
    "JobError",
    "JobItemError",
    "JobNotFoundError",
    "MasterNotFoundError",
    "MissingSignerError",
    "NonceError",
    "NotEligibleError",
    "NotFoundError",
    "NotMasterError",
    "NotProviderError",
    "NotSourceOwnerError",
    "NotTaskOwnerError",
    "OGPUError",
    "PermissionError",
    "ProviderNotFoundError",
    "PublishTimeoutError",
    "ResponseAlreadyConfirmedError",
    "ResponseNotFoundError",
    "SourceInactiveError",
    "SourceNotFoundError",
    "StateError",
    "TaskAlreadyFinalizedError",
    "TaskExpiredError",
    "TaskNotFoundError",
    "TxError",
    "TxReceiptTimeoutError",
    "TxRevertError",
    "TxRpcError",
    "UnbondingPeriodNotElapsedError",
    "UnknownFunctionError",
    "VaultError",
    "WaitTimeoutError",
]


class OGPUError(Exception):
    """Base class of every error raised by the SDK.

    Revert-derived errors also carry ``tx_hash`` (``None`` if caught before sending),
    ``context`` (the call that failed, e.g. ``"Vault.withdraw"``), ``error_name`` (the Solidity
    error identifier), ``error_args`` (its decoded arguments by name) and ``revert_data`` (raw bytes).

    Most subclasses are dataclasses: their fields are the constructor arguments and attributes,
    and ``_message`` is the ``str.format`` template of the message, filled from the attributes.
    """

    tx_hash: str | None = None
    context: str | None = None
    error_name: str | None = None
    error_args: dict[str, Any] | None = None
    revert_data: bytes | None = None
    _message: ClassVar[str] = ""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __post_init__(self) -> None:
        OGPUError.__init__(self, self._message.format_map(_Attributes(self)))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from the attributes, not by calling ``__init__`` with the message.
        return (_new, (type(self),), {**self.__dict__, "args": self.args})

    def with_revert(
        self,
        *,
        tx_hash: str | None = None,
        context: str | None = None,
        error_name: str | None = None,
        error_args: Mapping[str, Any] | None = None,
        revert_data: bytes | None = None,
    ) -> OGPUError:
        """Attach revert context (only the fields given) and return ``self``."""
        if tx_hash is not None:
            self.tx_hash = tx_hash
        if context is not None:
            self.context = context
        if error_name is not None:
            self.error_name = error_name
        if error_args is not None:
            self.error_args = dict(error_args)
        if revert_data is not None:
            self.revert_data = revert_data
        return self

    def __str__(self) -> str:
        where = [f"in {self.context}"] if self.context else []
        if self.tx_hash:
            where.append(f"tx {self.tx_hash}")
        return f"{self.message} [{', '.join(where)}]" if where else self.message


def _new(cls: type[OGPUError]) -> OGPUError:
    """An empty ``cls`` (unpickling fills in its state)."""
    return cls.__new__(cls)


class _Attributes:
    """An error's attributes (properties included) as the mapping ``str.format_map`` reads."""

    def __init__(self, error: OGPUError) -> None:
        self.error = error

    def __getitem__(self, name: str) -> Any:
        return getattr(self.error, name)


# --------------------------------------------------------------------------------------------
# Not found


class NotFoundError(OGPUError):
    """An address is not a protocol object of the expected kind."""


@dataclass(eq=False, repr=False)
class _AddressNotFound(NotFoundError):
    address: str
    _kind: ClassVar[str] = "object"
    _message = (
        "no {_kind} at {address}: check the address and that the SDK is on the right "
        "network (ogpu.chain.get_session().network)"
    )


class TaskNotFoundError(_AddressNotFound):
    """No Task contract at ``address``."""

    _kind = "task"


class SourceNotFoundError(_AddressNotFound):
    """No Source contract at ``address``."""

    _kind = "source"


class ResponseNotFoundError(_AddressNotFound):
    """No Response contract at ``address``."""

    _kind = "response"


class ProviderNotFoundError(_AddressNotFound):
    """``address`` is not a provider (Terminal.isProvider is false)."""

    _kind = "provider"


class MasterNotFoundError(_AddressNotFound):
    """``address`` is not a master (Terminal.isMaster is false)."""

    _kind = "master"


# --------------------------------------------------------------------------------------------
# State


class StateError(OGPUError):
    """The object is not in a state that allows the operation."""


@dataclass(eq=False, repr=False)
class TaskExpiredError(StateError):
    """The task is past its expiry time (or the expiry is not in the future at publish time)."""

    task: str
    expiry: int
    _message = (
        "task {task} expired at unix time {expiry}; publish a new task with an expiryTime "
        "in the future (and within the source's maxExpiryDuration)"
    )

    @property
    def expiry_time(self) -> int:
        """Alias of :attr:`expiry` (the Solidity argument name)."""
        return self.expiry


@dataclass(eq=False, repr=False)
class TaskAlreadyFinalizedError(StateError):
    """The task is already canceled/finalized, or past the state the operation needs."""

    task: str
    status: int | None = None
    _message = "task {task} can no longer be changed{_state}; read task.get_status() before acting"

    @property
    def _state(self) -> str:
        if self.status is None:
            return ""
        from ogpu.types.enums import TaskStatus

        try:
            return f" (status {TaskStatus(self.status).name})"
        except ValueError:
            return f" (status {self.status})"


@dataclass(eq=False, repr=False)
class ResponseAlreadyConfirmedError(StateError):
    """The response (or another response of its task) is already confirmed."""

    response: str
    _message = "response {response} is already confirmed; nothing to do"


@dataclass(eq=False, repr=False)
class SourceInactiveError(StateError):
    """The source is not ACTIVE."""

    source: str
    _message = (
        "source {source} is inactive; it accepts no tasks or registrations. "
        "Publish a new source or use an active one"
    )


# --------------------------------------------------------------------------------------------
# Permission


class PermissionError(OGPUError):
    """The signer may not perform the operation (shadows the builtin inside ``ogpu.types``)."""


_AGENT_HINT = (
    "sign with the client's key or have the client call terminal.set_agent(<your address>, True)"
)


@dataclass(eq=False, repr=False)
class NotTaskOwnerError(PermissionError):
    """The caller is not the task's client (nor an agent of it)."""

    task: str
    caller: str
    _message = "{caller} is not the client of task {task} (nor its agent); " + _AGENT_HINT


@dataclass(eq=False, repr=False)
class NotSourceOwnerError(PermissionError):
    """The caller is not the source's client (nor an agent of it)."""

    source: str
    caller: str
    _message = "{caller} is not the client of source {source} (nor its agent); " + _AGENT_HINT


@dataclass(eq=False, repr=False)
class NotMasterError(PermissionError):
    """The account is not the master (or its agent) required for the operation."""

    account: str
    _message = (
        "{account} is not a paired master for this operation; pair with "
        "terminal.announce_master / announce_provider first or sign with the master's key"
    )


@dataclass(eq=False, repr=False)
class NotProviderError(PermissionError):
    """The account is not a (paired) provider."""

    account: str
    _message = (
        "{account} is not a provider; announce a master (terminal.announce_master) and let "
        "the master announce the provider before registering or attempting"
    )


# --------------------------------------------------------------------------------------------
# Vault


class VaultError(OGPUError):
    """A Vault balance or stake condition failed."""


@dataclass(eq=False, repr=False)
class _Shortfall(VaultError):
    account: str
    required: int
    available: int

    @property
    def _missing(self) -> int:
        return max(self.required - self.available, 0)


class InsufficientBalanceError(_Shortfall):
    """The account's liquid Vault balance is lower than required."""

    _message = (
        "{account} has {available} wei available in the Vault but {required} wei are "
        "required; deposit at least {_missing} wei more (vault.deposit)"
    )


class InsufficientLockupError(_Shortfall):
    """The account's stake (lockup) is lower than required."""

    _message = (
        "{account} has {available} wei locked but {required} wei are required; "
        "lock at least {_missing} wei more (vault.lock)"
    )


@dataclass(eq=False, repr=False)
class UnbondingPeriodNotElapsedError(VaultError):
    """``claim`` was called before the unbonding period elapsed."""

    account: str
    remaining_seconds: int
    _message = "unbonding of {account} matures in {remaining_seconds} s; call claim after that"


@dataclass(eq=False, repr=False)
class NotEligibleError(VaultError):
    """``Vault.isEligible`` is false for the account."""

    account: str
    _message = (
        "{account} is not eligible (vault.is_eligible is false): it needs enough stake "
        "and no outstanding sanction, or a whitelist entry"
    )


# --------------------------------------------------------------------------------------------
# Transactions


class TxError(OGPUError):
    """A transaction could not be built, sent or mined successfully."""


class TxRevertError(TxError):
    """A call reverted with a reason the SDK has no dedicated class for.

    ``reason`` is the revert string or a rendering of the custom error (``"NotAgent(caller=…)"``).
    """

    def __init__(
        self,
        reason: str,
        tx_hash: str | None = None,
        data: bytes | None = None,
        error_name: str | None = None,
        args: Mapping[str, Any] | None = None,
    ) -> None:
        self.reason = reason
        super().__init__(f"transaction reverted: {reason}")
        self.with_revert(tx_hash=tx_hash, revert_data=data, error_name=error_name, error_args=args)

    @property
    def data(self) -> bytes | None:
        """Raw revert data (selector + ABI-encoded arguments), if any."""
        return self.revert_data

    @property
    def args_dict(self) -> dict[str, Any] | None:
        """Decoded custom-error arguments by name (``None`` for string reasons)."""
        return self.error_args


@dataclass(eq=False, repr=False)
class NonceError(TxError):
    """The node rejected the nonce and it could not be recovered automatically."""

    address: str
    tried: int
    suggested: int
    _message = (
        "nonce {tried} was rejected for {address} (chain suggests {suggested}); "
        "call ogpu.chain.reset_nonce_cache(address) or fix_nonce() and retry"
    )


@dataclass(eq=False, repr=False)
class GasError(TxError):
    """Gas estimation or pricing failed for a reason other than a revert."""

    reason: str
    _message = "gas problem: {reason}"


@dataclass(eq=False, repr=False)
class TxReceiptTimeoutError(TxError):
    """The transaction was broadcast but no receipt arrived in time; it may still be mined."""

    tx_hash: str = field()
    timeout: float
    _message = (
        "no receipt after {timeout:g} s; the transaction may still be mined. "
        "Look it up by hash before sending it again"
    )


@dataclass(eq=False, repr=False)
class TxRpcError(TxError):
    """The RPC endpoint failed (transport error, HTTP 5xx, malformed reply) after retries."""

    reason: str
    _message = "RPC failure: {reason}; check the endpoint (OGPU_RPC_URL) and retry"


@dataclass(eq=False, repr=False)
class InvalidRpcUrlError(TxError):
    """The RPC URL is malformed or the endpoint does not answer."""

    url: str
    _message = "cannot reach an Ethereum JSON-RPC endpoint at {url}; check the URL"


@dataclass(eq=False, repr=False)
class PublishTimeoutError(OGPUError):
    """A publish workflow exceeded its overall time budget."""

    budget: float
    stage: str
    _message = (
        "publishing exceeded its {budget:g} s budget during {stage}; raise total_timeout "
        "or check the RPC/IPFS endpoints"
    )


class JobError(StateError):
    """A job (``ogpu.jobs``) cannot go on as asked: taken by another process, or an idempotency
    key reused for a different task."""


@dataclass(eq=False, repr=False)
class JobNotFoundError(NotFoundError):
    """No job with this id in the journal."""

    job_id: str
    journal: str
    _message = "no job {job_id!r} in the journal {journal}; check the id and --journal"


@dataclass(eq=False, repr=False)
class JobItemError(JobError):
    """One input of a job failed (``reason``); the other inputs are not affected."""

    key: str
    reason: str
    kind: str | None = field(default=None, kw_only=True)
    _message = "input {key} failed: {reason}"


@dataclass(eq=False, repr=False)
class BudgetExceededError(VaultError):
    """Publishing one more task would take a job past its total budget; nothing was sent."""

    budget: int
    committed: int
    needed: int
    _message = (
        "the job's budget of {budget} wei is committed up to {committed} wei; publishing "
        "another task of {needed} wei would exceed it (nothing was sent). Raise the budget "
        "and resume the job"
    )


@dataclass(eq=False, repr=False)
class WaitTimeoutError(OGPUError, TimeoutError):
    """Waiting for a condition timed out. ``last_state`` is the last value observed."""

    what: str
    timeout: float
    last_state: Any = None
    _message = "timed out after {timeout:g} s waiting for {what} (last state: {last_state!r})"


# --------------------------------------------------------------------------------------------
# Configuration


class ConfigError(OGPUError):
    """The SDK is misconfigured (signer, network, environment)."""


class MissingSignerError(ConfigError):
    """No signer was given and none could be found for the role."""

    def __init__(self, role: Any = None) -> None:
        self.role = role
        if role is None:
            msg = "this operation needs an explicit signer: pass signer=<private key or account>"
        else:
            name = str(getattr(role, "value", role)).upper()
            msg = (
                f"no signer for role {name.lower()}: pass signer=... or set the environment "
                f"variable {name}_PRIVATE_KEY"
            )
        super().__init__(msg)


@dataclass(eq=False, repr=False)
class InvalidSignerError(ConfigError):
    """The signer value is not a private key, an account or a signer object."""

    reason: str
    _message = "invalid signer: {reason}"


@dataclass(eq=False, repr=False)
class ChainNotSupportedError(ConfigError):
    """The chain is not one the SDK knows."""

    chain_id: object
    _message = "chain {chain_id!r} is not supported; use mainnet, testnet, devnet or an RPC URL"


# --------------------------------------------------------------------------------------------
# Task input against the source's declared handlers


class UnknownFunctionError(ConfigError):
    """The task names a function the source does not declare (nothing was uploaded or paid)."""

    def __init__(self, function: str, available: list[str]) -> None:
        self.function = function
        self.available = list(available)
        shown = ", ".join(self.available) if self.available else "(none)"
        super().__init__(f"the source has no function {function!r}; available: {shown}")


class InvalidTaskInputError(ConfigError):
    """The task's ``data`` does not match the function's input schema (nothing uploaded or paid).

    ``errors`` lists ``(path, message)`` pairs, ``path`` in JSON-pointer form (``/items/0/x``,
    ``""`` for the whole input);
    at most ``MAX_REPORTED`` are kept, ``total`` counts them all.
    """

    MAX_REPORTED = 20

    def __init__(self, function: str, errors: list[tuple[str, str]], total: int | None = None):
        self.function = function
        self.errors = list(errors[: self.MAX_REPORTED])
        self.total = len(errors) if total is None else total
        lines = "; ".join(f"{path or '/'}: {msg}" for path, msg in self.errors)
        more = self.total - len(self.errors)
        suffix = f" (and {more} more)" if more > 0 else ""
        super().__init__(f"invalid input for {function!r}: {lines}{suffix}")


# --------------------------------------------------------------------------------------------
# IPFS


class IPFSError(OGPUError):
    """Publishing to or fetching from IPFS failed."""


@dataclass(eq=False, repr=False)
class IPFSFetchError(IPFSError):
    """A network, timeout or decoding failure while talking to IPFS."""

    url: str
    reason: str
    _message = "IPFS request to {url} failed: {reason}"


@dataclass(eq=False, repr=False)
class IPFSGatewayError(IPFSError):
    """The IPFS gateway or pinning endpoint answered with an error status."""

    gateway: str
    status_code: int
    _message = (
        "IPFS endpoint {gateway} answered HTTP {status_code}; check the URL or try another gateway"
    )


@dataclass(eq=False, repr=False)
class IPFSIntegrityError(IPFSError):
    """Fetched content does not hash to the CID it was requested by."""

    url: str
    expected_cid: str
    actual_cid: str
    _message = (
        "content from {url} hashes to {actual_cid}, not {expected_cid}; "
        "the gateway returned wrong data"
    )


# --------------------------------------------------------------------------------------------
# Invalid arguments


class InvalidArgumentError(OGPUError, ValueError, TypeError):
    """An argument does not fit its ABI type or its documented range; nothing was sent.

    Raised by every write (protocol functions, ``ogpu.agent``, the client workflows) before
    simulation or signing. It is a ``ValueError`` and, for callers that caught the wrong-type
    case as one, a ``TypeError``. ``argument`` names the parameter (``amount``,
    ``sourceParams.minPayment``).

    >>> err = InvalidArgumentError("amount", "must be an int, got float 1.5")
    >>> (str(err), isinstance(err, ValueError), err.argument)
    ('amount must be an int, got float 1.5', True, 'amount')
    """

    def __init__(self, argument: str, problem: str) -> None:
        self.argument = argument
        super().__init__(f"{argument} {problem}")

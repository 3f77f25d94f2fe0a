"""Shared machinery of the ``ogpu`` sub-commands: global options, output, errors, keys, writes.

A command body runs inside :func:`command` (one-line errors, or one JSON object with the root
``--json``; the exit code of the failure's class) and talks to the chain through its :class:`Cli`;
a write command returns the :class:`Write` it sends and :func:`write_command` does the rest.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, NoReturn, TypeVar

import typer

from ogpu.types import DryRunResult, OGPUError, Receipt, Role

if TYPE_CHECKING:
    from rich.console import Console

    from ogpu.chain import Session
    from ogpu.chain.signers import SignerLike

WEI_PER_OGPU = 10**18
PUBLIC_NETWORKS = ("mainnet", "testnet")

F = TypeVar("F", bound=Callable[..., Any])


# ----------------------------------------------------------------------------------------------
# Global options (set by the root callback in ogpu.cli.app, kept in click's ``ctx.obj``)


@dataclass
class GlobalOptions:
    """Options given before the sub-command (``ogpu --network devnet --json ...``)."""

    network: str | None = None
    json: bool = False
    debug: bool = False


def options() -> GlobalOptions:
    """The root command's options of the running invocation (defaults outside a command)."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj if isinstance(obj, GlobalOptions) else GlobalOptions()


DEFAULT_NETWORK = "mainnet"
NETWORK_CHOICE = "--network devnet|testnet|mainnet|URL or OGPU_NETWORK"


def chosen_network() -> tuple[str, bool]:
    """``(name, explicit)``: ``--network``, else ``$OGPU_NETWORK``, else mainnet (not explicit)."""
    name = options().network or os.environ.get("OGPU_NETWORK", "").strip()
    return (name, True) if name else (DEFAULT_NETWORK, False)


# ----------------------------------------------------------------------------------------------
# Shared option types


def key_file_option(role: Role | None = None) -> Any:
    """``--key-file``, worded for ``role``'s key when the command's role is fixed."""
    whose, default = (
        ("the", "the role's <ROLE>_PRIVATE_KEY variable, or the devnet development key")
        if role is None
        else (f"the {role.value}'s", f"${role.env_var} (on the devnet: the {role.value} dev key)")
    )
    return typer.Option(
        "--key-file",
        help=f"File holding {whose} private key (hex; must not be readable by group/others). "
        f"Default: {default}.",
        dir_okay=False,
    )


DryRunOpt = Annotated[
    bool,
    typer.Option(
        "--dry-run", help="Simulate only: show the effect and the gas; nothing is signed or sent."
    ),
]
YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes", "-y", help="Do not ask for confirmation before sending to mainnet/testnet."
    ),
]
KeyFileOpt = Annotated[Path | None, key_file_option()]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only the new address (for shell scripts)."),
]
RoleOpt = Annotated[
    Role,
    typer.Option("--role", help="Whose key signs (its <ROLE>_PRIVATE_KEY or dev key)."),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.0, help="Seconds to wait for the transaction receipt.")
]
AmountArg = Annotated[str, typer.Argument(help="Amount in OGPU (or 1000wei, 2gwei).")]
SourceArg = Annotated[str, typer.Argument(help="Source address.")]
TaskArg = Annotated[str, typer.Argument(help="Task address.")]
ResponseArg = Annotated[str, typer.Argument(help="Response address.")]
FunctionOpt = Annotated[
    str, typer.Option("--function", "-f", help="The source's handler to run (function_name).")
]
PaymentOpt = Annotated[
    str,
    typer.Option(
        "--payment",
        help="Payment per task, escrowed from the client's Vault balance, OGPU (or wei/gwei).",
    ),
]
ExpiresInOpt = Annotated[
    str, typer.Option("--expires-in", help="Lifetime of a task: seconds or 90s, 10m, 2h, 1d.")
]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, help="Show at most N (newest).")]


# ----------------------------------------------------------------------------------------------
# Errors


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 3 (input refused)."""


# The exit code says which class of failure happened (docs/troubleshooting.md has this table).
EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_NOT_FOUND = 4
EXIT_STATE = 5
EXIT_FUNDS = 6
EXIT_NETWORK = 7
EXIT_TRANSACTION = 8
EXIT_TIMEOUT = 9
EXIT_IPFS = 10
EXIT_INTERRUPTED = 130


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def fail(message: str, code: int = EXIT_UNEXPECTED) -> NoReturn:
    """Print ``error: <message>`` on stderr (one line) and exit with ``code``."""
    typer.echo(f"error: {_one_line(message)}", err=True)
    raise typer.Exit(code)


def _state_name(value: Any) -> str:
    """``TaskStatus.NEW`` / ``0`` → ``"NEW"`` (a task status), anything else as text."""
    name = getattr(value, "name", None)
    if isinstance(name, str):
        return name
    if isinstance(value, int) and not isinstance(value, bool):
        from ogpu.types import TaskStatus

        try:
            return TaskStatus(value).name
        except ValueError:
            return str(value)
    return str(value)


def _network_hint() -> str:
    name, explicit = chosen_network()
    if explicit:
        return f"network {name}; choose another with {NETWORK_CHOICE}"
    return f"network {name} (the default, since neither --network nor OGPU_NETWORK is set); choose one with {NETWORK_CHOICE}"


def _missing_signer(exc: Any) -> str:
    role = getattr(exc, "role", None)
    if role is None:
        return "this command needs a key: pass --key-file PATH"
    r = Role(role)
    return (
        f"no key for role {r.value}: set {r.env_var} or pass --key-file PATH "
        "(on --network devnet the development keys are used automatically)"
    )


def _short_of_balance(exc: Any) -> str:
    fmt, missing = format_ogpu, max(exc.required - exc.available, 0)
    if (exc.context or "").startswith("Vault.withdraw"):
        return (
            f"{exc.account} has {fmt(exc.available)} in the Vault, less than the "
            f"{fmt(exc.required)} asked for; withdraw at most "
            f"`ogpu vault withdraw {fmt(exc.available, unit=False)}`"
        )
    return (
        f"{exc.account} has {fmt(exc.available)} in the Vault but {fmt(exc.required)} is "
        f"required; deposit at least {fmt(missing)} more: "
        f"`ogpu vault deposit {fmt(missing, unit=False)}`"
    )


def _short_of_lockup(exc: Any) -> str:
    fmt, missing = format_ogpu, max(exc.required - exc.available, 0)
    return (
        f"{exc.account} has {fmt(exc.available)} locked but {fmt(exc.required)} is required; "
        f"lock at least {fmt(missing)} more: `ogpu vault lock {fmt(missing, unit=False)}`"
    )


_FINAL_STATES = {
    "CANCELED": "was cancelled; see `ogpu task show {task}`",
    "EXPIRED": "has expired; see `ogpu task show {task}`",
    "FINALIZED": "is already finalized; `ogpu task result {task}` shows its result",
}


def _task_final(exc: Any) -> str:
    state = _state_name(exc.status) if exc.status is not None else None
    if state in _FINAL_STATES:
        return f"task {exc.task} " + _FINAL_STATES[state].format(task=exc.task)
    return (
        f"task {exc.task} can no longer be changed (status {state or 'unknown'}); "
        f"see `ogpu task show {exc.task}`"
    )


def _no_devnet(where: str, reason: str) -> str | None:
    """On the devnet, an unreachable node is one that is not running."""
    if chosen_network()[0] != "devnet":
        return None
    return f"no devnet running{where} ({reason}); start it with `ogpu devnet up`"


def _rpc_failure(exc: Any) -> str:
    reason = str(exc.reason)
    if reason.startswith("no devnet is running"):
        return reason  # already says which command starts it
    devnet = _no_devnet("", reason) if "cannot connect" in reason else None
    return devnet or f"RPC failure: {reason}; {_network_hint()}"


def _not_found(exc: Any) -> str | None:
    if not isinstance(getattr(exc, "address", None), str):
        return None
    kind = type(exc).__name__.removesuffix("NotFoundError").lower() or "object"
    return f"no {kind} at {exc.address} on {_network_hint()}"


def _wait_timeout(exc: Any) -> str:
    state = f" (last state: {_state_name(exc.last_state)})" if exc.last_state is not None else ""
    return f"timed out after {exc.timeout:g} s waiting for {exc.what}{state}; raise --timeout"


_NOT_OWNER = (
    " (nor its agent): sign with the client's key (--key-file), or let the client run "
    "`ogpu agent set ADDRESS`"
)


# The one error table: each failure class (matched by name along the exception's MRO, most
# specific first) → its exit code (None: its base class's; docs/troubleshooting.md has this
# table) and its command-line wording from the error's typed fields: a template of ``e`` or a
# function of it (None, or None returned: the SDK's own message).
_Wording = str | Callable[[Any], str | None] | None
_ERRORS: dict[str, tuple[int | None, _Wording]] = {
    "CliError": (EXIT_INPUT, None),
    "MissingSignerError": (None, _missing_signer),
    "ChainNotSupportedError": (None, "{e.message}; choose a network with " + NETWORK_CHOICE),
    "ConfigError": (EXIT_INPUT, None),
    "NotFoundError": (EXIT_NOT_FOUND, _not_found),
    "TaskAlreadyFinalizedError": (None, _task_final),
    "TaskExpiredError": (
        None,
        lambda e: (
            f"task {e.task} expired {format_time(e.expiry)}; publish a new one with "
            "`ogpu task publish`"
        ),
    ),
    "ResponseAlreadyConfirmedError": (
        None,
        "response {e.response} is already confirmed; nothing to do",
    ),
    "SourceInactiveError": (
        None,
        "source {e.source} is inactive: it accepts no tasks; see `ogpu source show {e.source}`",
    ),
    "StateError": (EXIT_STATE, None),
    "NotTaskOwnerError": (None, "{e.caller} is not the client of task {e.task}" + _NOT_OWNER),
    "NotSourceOwnerError": (None, "{e.caller} is not the client of source {e.source}" + _NOT_OWNER),
    "NotMasterError": (
        None,
        "{e.account} is not a paired master: the provider announces it with `ogpu provider "
        "announce MASTER`, then the master runs `ogpu provider pair PROVIDER`",
    ),
    "NotProviderError": (
        None,
        "{e.account} is not a provider: it announces a master with `ogpu provider announce "
        "MASTER`, and that master pairs it with `ogpu provider pair`",
    ),
    "PermissionError": (EXIT_STATE, None),
    "InsufficientBalanceError": (None, _short_of_balance),
    "InsufficientLockupError": (None, _short_of_lockup),
    "UnbondingPeriodNotElapsedError": (
        None,
        lambda e: (
            f"the unbonding of {e.account} matures {format_duration(e.remaining_seconds)}; "
            "run `ogpu vault claim` after that"
        ),
    ),
    "NotEligibleError": (
        None,
        "{e.account} is not eligible: it needs enough stake in the Vault "
        "(`ogpu vault lock AMOUNT`); see `ogpu vault balance`",
    ),
    "VaultError": (EXIT_FUNDS, None),
    "TxRpcError": (EXIT_NETWORK, _rpc_failure),
    "InvalidRpcUrlError": (
        EXIT_NETWORK,
        lambda e: f"no Ethereum JSON-RPC endpoint at {e.url}; {_network_hint()}",
    ),
    "DevnetNotRunningError": (EXIT_NETWORK, None),
    "DevnetStaleError": (EXIT_NETWORK, None),
    "DevnetUnreachableError": (EXIT_NETWORK, None),
    "DevnetStartError": (EXIT_NETWORK, None),
    "DevnetPortInUseError": (EXIT_INPUT, None),
    "DevnetAnvilNotFoundError": (EXIT_INPUT, None),
    "DevnetBusyError": (EXIT_STATE, None),
    "DevnetManifestError": (EXIT_STATE, None),
    "DevnetDeployError": (EXIT_TRANSACTION, None),
    "DevnetError": (EXIT_INPUT, None),  # the devnet's own option checks (--block-time, ports)
    "WaitTimeoutError": (EXIT_TIMEOUT, _wait_timeout),
    "PublishTimeoutError": (EXIT_TIMEOUT, None),
    "TxReceiptTimeoutError": (
        None,
        "no receipt after {e.timeout:g} s for tx {e.tx_hash}; it may still be mined: "
        "check before sending again (do not repeat the command blindly)",
    ),
    "TxRevertError": (None, "transaction reverted: {e.reason}"),
    "TxError": (EXIT_TRANSACTION, None),
    "IPFSError": (EXIT_IPFS, None),
}


def _entries(exc: BaseException) -> Iterator[tuple[int | None, _Wording]]:
    """The :data:`_ERRORS` rows of ``exc``'s classes, most specific first."""
    for cls in type(exc).__mro__:
        if cls.__module__.startswith(("ogpu", "typer")) and cls.__name__ in _ERRORS:
            yield _ERRORS[cls.__name__]


def exit_code_for(exc: BaseException) -> int:
    """The exit code of the failure class of ``exc`` (see :data:`_ERRORS`)."""
    for code, _ in _entries(exc):
        if code is not None:
            return code
    if _is_connection_error(exc):
        return EXIT_NETWORK
    if isinstance(exc, ValueError):
        return EXIT_INPUT
    return EXIT_UNEXPECTED


def _cli_message(exc: BaseException) -> str | None:
    """The command-line wording of an SDK error (``None``: keep the SDK's own message)."""
    for _, wording in _entries(exc):
        text = wording.format(e=exc) if isinstance(wording, str) else wording and wording(exc)
        if text is not None:
            return text
    return None


def describe_error(exc: BaseException) -> str:
    """One line: what failed, with the values (amounts in OGPU), and which command to run."""
    name = type(exc).__name__
    if isinstance(exc, CliError):
        return str(exc)
    if isinstance(exc, OGPUError):
        text = _cli_message(exc) or _one_line(exc.message)
        if exc.error_name is not None and exc.tx_hash is None:
            text = f"refused by simulation, nothing was sent: {text}"
        elif exc.tx_hash:
            text = f"{text} (tx {exc.tx_hash})"
        return f"{name}: {text}"
    errors = getattr(exc, "errors", None)
    if isinstance(exc, ValueError) and callable(errors):  # pydantic ValidationError
        try:
            parts = [
                f"{'.'.join(str(p) for p in e.get('loc', ())) or 'value'}: {e.get('msg')}"
                for e in errors()
            ]
            return "invalid input: " + "; ".join(parts)
        except Exception:  # pragma: no cover - defensive
            pass
    if isinstance(exc, ValueError):
        return f"invalid input: {exc}"
    if _is_connection_error(exc):
        text = str(exc)
        url = getattr(getattr(exc, "request", None), "url", None)
        found = re.search(r"\[Errno -?\d+\] ([^\"')\]]+)", text)
        reason = found.group(1).strip() if found else (text[:160] or name)
        where = f" at {url}" if url else ""
        devnet = _no_devnet(where, reason)
        return devnet or f"cannot reach the network{where} ({name}: {reason}); {_network_hint()}"
    return f"unexpected {name}: {exc}; rerun with --debug for the traceback"


def error_json(exc: BaseException, message: str) -> dict[str, Any]:
    """``{"error": class, "message": ..., fields...}``: the typed fields of ``exc`` as JSON."""
    name = type(exc).__name__
    data: dict[str, Any] = {"error": name, "message": message.removeprefix(f"{name}: ")}
    for key, value in vars(exc).items():
        if key.startswith("_") or key in data or value is None:
            continue
        data[key] = _state_name(value) if key in ("status", "last_state") else jsonable(value)
    data["exit_code"] = exit_code_for(exc)
    return data


def _is_connection_error(exc: BaseException) -> bool:
    httpx = sys.modules.get("httpx")  # only when already imported: never import for a check
    if httpx is not None and isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, ConnectionError | OSError)


@contextmanager
def errors(describe: Callable[[BaseException], str] = describe_error) -> Iterator[None]:
    """Every failure becomes one line ``describe(exc)`` on stderr (a JSON object with ``--json``)
    and the exit code of its class (re-raised with ``--debug``)."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, exits, aborts
        raise
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    except Exception as exc:
        if options().debug:
            raise
        message, code = _one_line(describe(exc)), exit_code_for(exc)
        if options().json:
            typer.echo(json.dumps(error_json(exc, message)), err=True)
            raise typer.Exit(code) from None
        fail(message, code)


def command(func: F) -> F:
    """Run a command body inside :func:`errors`; its ``cli`` parameter, if any (no option of the
    command line), receives the invocation's :class:`Cli`."""
    takes_cli = "cli" in inspect.signature(func).parameters

    def run(**kwargs: Any) -> Any:
        with errors(), Cli() as cli:
            return func(**kwargs, cli=cli) if takes_cli else func(**kwargs)

    return _as_command(func, run, hide="cli")  # type: ignore[return-value]


def _as_command(
    func: Callable[..., Any],
    run: Callable[..., Any],
    hide: str,
    added: Mapping[str, tuple[Any, Any]] | None = None,
) -> Callable[..., Any]:
    """``run`` under the name, help and parameters of ``func`` (without ``hide``, plus the
    keyword-only parameters ``added``: name → (annotation, default)), as Typer reads them."""
    signature = inspect.signature(func, eval_str=True)
    params = [p for p in signature.parameters.values() if p.name != hide]
    for name, (annotation, default) in (added or {}).items():
        kind = inspect.Parameter.KEYWORD_ONLY
        params.append(inspect.Parameter(name, kind, default=default, annotation=annotation))
    functools.update_wrapper(run, func)
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=None
    )
    run.__annotations__ = {p.name: p.annotation for p in params}
    return run


# ----------------------------------------------------------------------------------------------
# Parsing


_AMOUNT = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)\s*$")
_UNITS = {"": 18, "ogpu": 18, "ether": 18, "eth": 18, "gwei": 9, "wei": 0}


def parse_amount(text: str, what: str = "amount") -> int:
    """An amount in wei from ``"1.5"`` (OGPU), ``"1.5ogpu"``, ``"2gwei"`` or ``"1000wei"``.

    >>> parse_amount("0.01"), parse_amount("5wei")
    (10000000000000000, 5)
    """
    match = _AMOUNT.match(str(text))
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise CliError(
            f"invalid {what} {text!r}: expected a non-negative number of OGPU such as 1.5, "
            "or with a unit: 1.5ogpu, 20gwei, 1000wei"
        )
    value = Decimal(match.group(1)) * (Decimal(10) ** _UNITS[unit])
    if value != value.to_integral_value():
        raise CliError(f"invalid {what} {text!r}: it is not a whole number of wei")
    return int(value)


_DURATION = re.compile(r"^\s*([0-9]+)\s*([smhd]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str, what: str = "duration") -> int:
    """Seconds from ``"600"``, ``"90s"``, ``"10m"``, ``"2h"`` or ``"1d"``.

    >>> parse_duration("10m")
    600
    """
    match = _DURATION.match(str(text).lower())
    if match is None:
        raise CliError(f"invalid {what} {text!r}: expected seconds or 90s, 10m, 2h, 1d")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def parse_address(text: str, what: str = "address") -> str:
    """The checksummed form of ``text``; a one-line :class:`CliError` if it is not an address.

    >>> parse_address("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")
    '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    """
    from ogpu.chain.calls import checksum_address

    try:
        return checksum_address(str(text).strip())
    except ValueError:
        raise CliError(
            f"invalid {what} {text!r}: expected 0x followed by 40 hex digits "
            "(a 20-byte Ethereum address)"
        ) from None


def format_ogpu(wei: int, *, unit: bool = True, places: int = 6) -> str:
    """Wei as OGPU: up to ``places`` decimals (``"≈"`` when rounded); exact with ``unit=False``
    (a value to type back into a command).

    >>> format_ogpu(10**16), format_ogpu(9899998760164946914416), format_ogpu(15 * 10**17, unit=False)
    ('0.01 OGPU', '≈9899.998760 OGPU', '1.5')
    """
    sign = "-" if wei < 0 else ""
    whole, frac = divmod(abs(int(wei)), WEI_PER_OGPU)
    digits = f"{frac:018d}".rstrip("0")
    if not unit:
        return f"{sign}{whole}" + (f".{digits}" if digits else "")
    approx = ""
    if len(digits) > places:
        scaled = round(Decimal(abs(int(wei))) / WEI_PER_OGPU, places)
        if scaled == 0:
            return f"{sign}{abs(int(wei))} wei"
        whole_text, _, digits = f"{scaled:.{places}f}".partition(".")
        whole, approx = int(whole_text), "≈"
    text = str(whole) + (f".{digits}" if digits else "")
    return f"{approx}{sign}{text} OGPU"


def format_duration(seconds: float) -> str:
    """A relative time: ``"in 9 min"`` (future) or ``"3 s ago"`` (past).

    >>> format_duration(540), format_duration(-3), format_duration(7200)
    ('in 9 min', '3 s ago', 'in 2 h')
    """
    s = abs(int(seconds))
    size, unit = next((size, unit) for below, size, unit in _SPANS if s < below)
    text = f"{s // size} {unit}"
    return f"in {text}" if seconds >= 0 else f"{text} ago"


# (below this many seconds, a duration counts in units of, unit)
_SPANS = ((120, 1, "s"), (7200, 60, "min"), (172800, 3600, "h"), (math.inf, 86400, "d"))


def format_time(unix: int | None, now: float | None = None) -> str:
    """A unix time as local ISO plus relative: ``"2026-11-29T05:10:00+01:00 (in 9 min)"``."""
    import datetime as dt
    import time

    if not unix:
        return "-"
    when = dt.datetime.fromtimestamp(int(unix)).astimezone()
    delta = int(unix) - (time.time() if now is None else now)
    return f"{when.isoformat(timespec='seconds')} ({format_duration(delta)})"


def jsonable(value: Any) -> Any:
    """Dataclasses, enums, bytes, tuples → JSON-ready values (enums by name)."""
    if isinstance(value, Enum):
        name = value.name
        return name if name is not None else int(value.value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    address = getattr(value, "address", None)
    if isinstance(address, str):
        return address
    return str(value)


# ----------------------------------------------------------------------------------------------
# Keys


def read_key_file(path: Path) -> str:
    """The private key stored in ``path``; refuses files readable by group or others.

    The key is never echoed: errors name the file, never its content.
    """
    path = path.expanduser()
    try:
        st = path.stat()
    except FileNotFoundError:
        raise CliError(f"key file {path} does not exist") from None
    except OSError as exc:
        raise CliError(f"cannot read key file {path}: {exc.strerror}") from None
    if os.name == "posix" and st.st_mode & 0o077:
        raise CliError(
            f"key file {path} is readable by group/others (mode {oct(st.st_mode & 0o777)[2:]}); "
            f"restrict it with `chmod 600 {path}`"
        )
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read key file {path}: {type(exc).__name__}") from None
    if not text:
        raise CliError(f"key file {path} is empty")
    return text


# ----------------------------------------------------------------------------------------------
# The per-invocation helper


class Cli:
    """What a command needs: the session, the signer, output and the write flow."""

    def __init__(self) -> None:
        self.json = options().json
        self._session: Session | None = None
        self._signers: dict[tuple[Role, Path | None], SignerLike] = {}
        self._live: Any = None

    # -- chain

    @property
    def session(self) -> Session:
        """The session on the selected network (``--network``, ``$OGPU_NETWORK``, mainnet)."""
        if self._session is None:
            from ogpu.chain import Session

            self._session = Session(chosen_network()[0])
        return self._session

    @property
    def network_name(self) -> str:
        return str(self.session.network.name)

    def signer(self, role: Role, key_file: Path | None = None) -> SignerLike:
        """The signer of ``role``: ``--key-file``, else ``<ROLE>_PRIVATE_KEY``, else the devnet
        development key (else :class:`MissingSignerError`); resolved once per command."""
        found = self._signers.get((role, key_file))
        if found is None:
            key = read_key_file(key_file) if key_file is not None else None
            found = self._signers[(role, key_file)] = self.session.resolve_signer(key, role)
        return found

    def account(self, given: str | None, what: str, role: Role, key_file: Path | None) -> str:
        """``given`` as a checked address (``what`` names it in errors), else ``role``'s."""
        if given is not None:
            return parse_address(given, what)
        return self.signer(role, key_file).address

    def load(self, kind: str, address: str) -> Any:
        """The ``ogpu.protocol`` object ``kind`` (Task, Source, Response) at ``address``."""
        import ogpu.protocol

        checked = parse_address(address, f"{kind.lower()} address")
        return getattr(ogpu.protocol, kind).load(checked, self.session)

    def __enter__(self) -> Cli:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # -- output

    @functools.cached_property
    def out(self) -> Console:
        """A rich console on stdout (built on first use: plain reads never import rich)."""
        from rich.console import Console

        tty = sys.stdout.isatty()
        return Console(highlight=False, soft_wrap=not tty, width=None if tty else 200)

    @functools.cached_property
    def err(self) -> Console:
        """A rich console on stderr (built on first use)."""
        from rich.console import Console

        return Console(stderr=True, highlight=False, soft_wrap=True)

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        """JSON on stdout with ``--json``, else ``human()``."""
        if self.json:
            typer.echo(json.dumps(jsonable(data), indent=2))
        else:
            human()

    def fields(self, title: str, rows: list[tuple[str, Any]]) -> None:
        """A titled block of ``label  value`` lines (the title bold on a terminal)."""
        typer.echo(typer.style(title, bold=True) if sys.stdout.isatty() else title)
        width = max((len(k) for k, _ in rows), default=0)
        for label, value in rows:
            typer.echo(f"  {label.ljust(width)}  {value}")

    @contextmanager
    def spinner(self, text: str) -> Iterator[None]:
        """A transient rich spinner on stderr (only on a terminal and without ``--json``).

        stdout is not redirected, so piped output stays clean; use :meth:`progress` for lines
        printed while it spins.
        """
        if self.json or not sys.stderr.isatty():
            yield
            return
        from rich.live import Live
        from rich.spinner import Spinner

        live = Live(
            Spinner("dots", text=text),
            console=self.err,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        with live:
            self._live = live
            try:
                yield
            finally:
                self._live = None

    def progress(self, text: str) -> None:
        """A progress line on stdout (above the spinner when both are the same terminal)."""
        live = self._live
        if live is not None and self.out.is_terminal:
            live.console.print(text, markup=False)
        else:
            self.out.print(text, markup=False)

    def table(
        self, rows: list[dict[str, Any]], columns: dict[str, str | Callable[[Any], Any]], empty: str
    ) -> None:
        """``rows`` as JSON with ``--json``, else a table of ``columns`` (header → the key of a
        row's cell, or a function of the row), or the line ``empty`` when there are none."""

        def human() -> None:
            if not rows:
                self.out.print(empty)
                return
            from rich.table import Table

            table = Table(box=None, pad_edge=False)
            for col in columns:
                table.add_column(col, overflow="fold")
            for r in rows:
                table.add_row(*(str(c(r) if callable(c) else r[c]) for c in columns.values()))
            self.out.print(table)

        self.emit(rows, human)

    # -- writes

    def confirm(self, yes: bool, summary: Callable[[], str], ask: str) -> None:
        """On mainnet/testnet without ``--yes``: print ``summary()`` on stderr and ask
        ``<ask> <network>?``; no sends nothing and exits."""
        network = self.network_name
        if network in PUBLIC_NETWORKS and not yes:
            self.err.print(summary(), markup=False)
            if not typer.confirm(f"{ask} {network}?", default=False, err=True):
                fail("aborted; nothing was sent", EXIT_UNEXPECTED)

    def show_dry_run(self, action: str, result: DryRunResult, effect: str) -> None:
        data = {
            "dry_run": True,
            "action": action,
            "effect": effect,
            "network": self.network_name,
            "from": result.sender,
            "to": result.to,
            "value": result.value,
            "gas": result.gas,
            "max_cost": result.max_cost,
            "return_value": jsonable(result.return_value),
            "sent": False,
        }
        rows: list[tuple[str, Any]] = [
            ("effect", effect),
            ("network", data["network"]),
            ("from", result.sender),
            ("to", result.to),
            ("value", format_ogpu(result.value)),
            ("gas", f"{result.gas:,}"),
            ("max cost", f"{format_ogpu(result.max_cost)} (fee + value)"),
        ]
        if result.return_value not in (None, [], ()):
            rows.append(("returns", data["return_value"]))
        self.emit(data, lambda: self.fields(f"dry run of {action}: simulated, nothing sent", rows))


# ----------------------------------------------------------------------------------------------
# Writes


class WriteOptions(NamedTuple):
    """The options every write command takes, and its :class:`Cli` (to read the chain first)."""

    cli: Cli
    role: Role
    key_file: Path | None
    dry_run: bool
    yes: bool
    timeout: float
    quiet: bool


class Write(NamedTuple):
    """What a write command sends and how it reports it (run by :func:`write_command`).

    ``send(signer=, session=, **kw)`` performs the write (``dry_run=True`` → a
    :class:`DryRunResult`; ``wait=False`` → a pending object with ``receipt``/``wait``, or the
    receipt itself); ``effect(signer_address)`` words it for the dry run and the prompt. The
    report holds ``{signer_field: signer, **extra, **outcome(pending)}``, ``title`` may be worded
    from it and ``quiet`` names the field ``--quiet`` prints alone.
    """

    action: str
    title: str | Callable[[dict[str, Any]], str]
    effect: Callable[[str], str]
    send: Callable[..., Any]
    extra: dict[str, Any] | None = None
    signer_field: str = "account"
    outcome: Callable[[Any], dict[str, Any]] | None = None
    quiet: str | None = None


def client_write(
    kind: str, address: str, action: str, effect: str, call: Callable[..., Any], **fields: Any
) -> Write:
    """The client's write ``call(address, context=...)`` on the ``kind`` (task, source, response)
    at ``address``, which the report names; ``fields``: the rest of the :class:`Write`."""
    return Write(
        action,
        effect=lambda _: effect,
        send=lambda **kw: call(address, context=f"{action}({kind}={address})", **kw),
        signer_field="client",
        extra={kind: address, **(fields.pop("extra", None) or {})},
        **fields,
    )


def publish_write(
    w: WriteOptions,
    kind: str,
    url_field: str,
    workflow: Callable[..., Any],
    info: Any,
    **fields: Any,
) -> Write:
    """A client workflow that pins ``info`` to IPFS and publishes a ``kind`` contract (task,
    source): the report holds its address (alone with ``--quiet``) and the pinned ``url_field``;
    ``fields``: the rest of the :class:`Write`."""
    return Write(
        send=lambda *, signer, session, **kw: workflow(
            info, signer, session=session, timeout=w.timeout, **kw
        ),
        signer_field="client",
        outcome=lambda pending: {kind: pending.wait(w.timeout).address, url_field: pending.url},
        quiet=kind,
        **fields,
    )


def write_command(
    role: Role | None = None, *, quiet: bool = False
) -> Callable[[Callable[..., Write]], Callable[..., None]]:
    """Make ``func`` (the command's own arguments → the :class:`Write` it sends) a write command.

    The command gains ``--role`` (unless ``role`` is fixed), ``--key-file``, ``--dry-run``,
    ``--yes``, ``--timeout`` (and ``--quiet``) and goes: signer → simulate (``--dry-run`` stops
    there) → confirm on mainnet/testnet → send and wait → report. ``func`` may take ``w``, the
    :class:`WriteOptions`, to read the chain before the write is worded::

        @app.command(epilog="Example: ogpu --network devnet vault withdraw 0.5")
        @write_command()
        def withdraw(amount: AmountArg) -> Write:
            wei = parse_amount(amount)
            return Write("Vault.withdraw", "withdrawn", effect=..., send=..., extra=...)
    """
    added: dict[str, tuple[Any, Any]] = {
        "role": (RoleOpt, Role.CLIENT),
        "key_file": (Annotated[Path | None, key_file_option(role)], None),
        "dry_run": (DryRunOpt, False),
        "yes": (YesOpt, False),
        "timeout": (TimeoutOpt, 120.0),
        "quiet": (QuietOpt, False),
    }
    if role is not None:
        del added["role"]
    if not quiet:
        del added["quiet"]

    def decorate(func: Callable[..., Write]) -> Callable[..., None]:
        takes_w = "w" in inspect.signature(func).parameters

        def run(**kw: Any) -> None:
            with errors(), Cli() as cli:
                signs = role if role is not None else kw.pop("role")
                # key_file, dry_run, yes, timeout and quiet (absent: False), in that order
                w = WriteOptions(cli, signs, *(kw.pop(n, False) for n in WriteOptions._fields[2:]))
                _send(func(**kw, w=w) if takes_w else func(**kw), w)

        return _as_command(func, run, hide="w", added=added)

    return decorate


def _send(write: Write, w: WriteOptions) -> None:
    """Resolve the signer → simulate / confirm / send → report (see :func:`write_command`)."""
    cli = w.cli
    signer = cli.signer(w.role, w.key_file)
    effect = write.effect(signer.address)

    def call(**kw: Any) -> Any:
        return write.send(signer=signer, session=cli.session, **kw)

    if w.dry_run:
        cli.show_dry_run(write.action, call(dry_run=True), effect)
        return

    def summary() -> str:
        simulated: DryRunResult = call(dry_run=True)
        return (
            f"{write.action}: {effect}; from {simulated.sender}, gas {simulated.gas:,}, "
            f"max cost {format_ogpu(simulated.max_cost)} (fee + value)"
        )

    cli.confirm(w.yes, summary, f"Send {write.action} to")
    with cli.spinner(f"{write.action}: sending to {cli.network_name}"):
        pending = call(wait=False)
        receipt: Receipt
        if isinstance(pending, Receipt):  # a workflow that sends and waits itself
            receipt = pending
        else:
            receipt_of = getattr(pending, "receipt", None)
            receipt = receipt_of(w.timeout) if callable(receipt_of) else pending.wait(w.timeout)
    report = {
        write.signer_field: signer.address,
        **(write.extra or {}),
        **(write.outcome(pending) if write.outcome else {}),
    }
    if w.quiet and write.quiet is not None:
        typer.echo(report[write.quiet])
        return
    rows = [
        (k.replace("_", " "), format_ogpu(v) if k in _AMOUNT_KEYS else v)
        for k, v in report.items()
        if v is not None
    ]
    rows += [
        ("tx", receipt.tx_hash),
        ("block", receipt.block_number),
        ("gas used", f"{receipt.gas_used:,}"),
        ("fee", format_ogpu(receipt.fee)),
    ]
    keys = ("tx_hash", "block_number", "gas_used", "status", "fee")
    data = {**report, "receipt": {k: getattr(receipt, k) for k in keys}}
    title = write.title(report) if callable(write.title) else write.title
    cli.emit(data, lambda: cli.fields(title, rows))


_AMOUNT_KEYS = frozenset({"amount", "payment", "min_payment", "stake"})

"""Shared machinery of the ``ogpu`` sub-commands: global options, output, errors, keys, writes.

Every command body runs inside :func:`command` (one-line errors, or one JSON object with the
root ``--json``; the exit code of the failure's class; a traceback only with ``--debug``) and
talks to the chain through a :class:`Cli` object; writes go through :func:`write_command`::

    @app.command(epilog="Example: ogpu vault balance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    @command
    def balance(address: str) -> None:
        with Cli() as cli:
            ...
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, fields, is_dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from ogpu.types import DryRunResult, OGPUError, Receipt, Role

if TYPE_CHECKING:
    from rich.console import Console

    from ogpu.chain import Session
    from ogpu.chain.signers import SignerLike

__all__ = [
    "Cli",
    "CliError",
    "DryRunOpt",
    "GlobalOptions",
    "KeyFileOpt",
    "QuietOpt",
    "RoleName",
    "RoleOpt",
    "TimeoutOpt",
    "YesOpt",
    "command",
    "format_duration",
    "format_ogpu",
    "format_time",
    "jsonable",
    "options",
    "parse_address",
    "parse_amount",
    "parse_duration",
    "read_key_file",
    "write_command",
]

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


def chosen_network(network: str | None = None) -> tuple[str, bool]:
    """``(name, explicit)``: ``--network``, else ``$OGPU_NETWORK``, else mainnet (not explicit)."""
    name = network or options().network or os.environ.get("OGPU_NETWORK", "").strip()
    return (name, True) if name else (DEFAULT_NETWORK, False)


# ----------------------------------------------------------------------------------------------
# Shared option types


class RoleName(str, Enum):
    """Which role's key signs (``<ROLE>_PRIVATE_KEY``, or the devnet dev key of that role)."""

    client = "client"
    provider = "provider"
    master = "master"
    agent = "agent"

    @property
    def role(self) -> Role:
        return Role(self.value)


DryRunOpt = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        metavar="",
        help="Simulate only: show the effect and the gas; nothing is signed or sent.",
    ),
]
YesOpt = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        metavar="",
        help="Do not ask for confirmation before sending to mainnet/testnet.",
    ),
]
KeyFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="File holding the private key (hex; must not be readable by group/others). "
        "Default: the role's <ROLE>_PRIVATE_KEY variable, or the devnet development key.",
        dir_okay=False,
        show_default=False,
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet", "-q", metavar="", help="Print only the new address (for shell scripts)."
    ),
]
RoleOpt = Annotated[
    RoleName,
    typer.Option("--role", help="Whose key signs (its <ROLE>_PRIVATE_KEY or dev key)."),
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", min=0.0, help="Seconds to wait for the transaction receipt.")
]


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

_EXIT_BY_CLASS: tuple[tuple[str, int], ...] = (
    # (error class name in the MRO, exit code), most specific first
    ("CliError", EXIT_INPUT),
    ("ConfigError", EXIT_INPUT),
    ("NotFoundError", EXIT_NOT_FOUND),
    ("StateError", EXIT_STATE),
    ("PermissionError", EXIT_STATE),
    ("VaultError", EXIT_FUNDS),
    ("TxRpcError", EXIT_NETWORK),
    ("InvalidRpcUrlError", EXIT_NETWORK),
    ("DevnetNotRunningError", EXIT_NETWORK),
    ("DevnetStaleError", EXIT_NETWORK),
    ("DevnetUnreachableError", EXIT_NETWORK),
    ("DevnetStartError", EXIT_NETWORK),
    ("DevnetPortInUseError", EXIT_INPUT),
    ("DevnetAnvilNotFoundError", EXIT_INPUT),
    ("DevnetBusyError", EXIT_STATE),
    ("DevnetManifestError", EXIT_STATE),
    ("DevnetDeployError", EXIT_TRANSACTION),
    ("DevnetError", EXIT_INPUT),  # the devnet's own option checks (--block-time, ports)
    ("WaitTimeoutError", EXIT_TIMEOUT),
    ("PublishTimeoutError", EXIT_TIMEOUT),
    ("TxError", EXIT_TRANSACTION),
    ("IPFSError", EXIT_IPFS),
)


def exit_code_for(exc: BaseException) -> int:
    """The exit code of the failure class of ``exc`` (see :data:`_EXIT_BY_CLASS`)."""
    names = [c.__name__ for c in type(exc).__mro__ if c.__module__.startswith(("ogpu", "typer"))]
    for name, code in _EXIT_BY_CLASS:
        if name in names:
            return code
    if _is_connection_error(exc):
        return EXIT_NETWORK
    if isinstance(exc, ValueError):
        return EXIT_INPUT
    return EXIT_UNEXPECTED


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


def _cli_message(exc: BaseException) -> str | None:
    """The command-line wording of an SDK error, built from its typed fields (``None``: keep the
    SDK's own message)."""
    from ogpu.types import errors as e

    fmt = format_ogpu
    if isinstance(exc, e.MissingSignerError):
        role = getattr(exc, "role", None)
        if role is None:
            return "this command needs a key: pass --key-file PATH"
        r = Role(role)
        return (
            f"no key for role {r.value}: set {r.env_var} or pass --key-file PATH "
            "(on --network devnet the development keys are used automatically)"
        )
    if isinstance(exc, e.InsufficientBalanceError) and (exc.context or "").startswith(
        "Vault.withdraw"
    ):
        return (
            f"{exc.account} has {fmt(exc.available)} in the Vault, less than the "
            f"{fmt(exc.required)} asked for; withdraw at most "
            f"`ogpu vault withdraw {fmt(exc.available, unit=False)}`"
        )
    if isinstance(exc, e.InsufficientBalanceError):
        missing = max(exc.required - exc.available, 0)
        return (
            f"{exc.account} has {fmt(exc.available)} in the Vault but {fmt(exc.required)} is "
            f"required; deposit at least {fmt(missing)} more: "
            f"`ogpu vault deposit {fmt(missing, unit=False)}`"
        )
    if isinstance(exc, e.InsufficientLockupError):
        missing = max(exc.required - exc.available, 0)
        return (
            f"{exc.account} has {fmt(exc.available)} locked but {fmt(exc.required)} is required; "
            f"lock at least {fmt(missing)} more: `ogpu vault lock {fmt(missing, unit=False)}`"
        )
    if isinstance(exc, e.UnbondingPeriodNotElapsedError):
        return (
            f"the unbonding of {exc.account} matures {format_duration(exc.remaining_seconds)}; "
            "run `ogpu vault claim` after that"
        )
    if isinstance(exc, e.NotEligibleError):
        return (
            f"{exc.account} is not eligible: it needs enough stake in the Vault "
            "(`ogpu vault lock AMOUNT`); see `ogpu vault balance`"
        )
    if isinstance(exc, e.TaskAlreadyFinalizedError):
        state = _state_name(exc.status) if exc.status is not None else None
        if state == "CANCELED":
            return f"task {exc.task} was cancelled; see `ogpu task show {exc.task}`"
        if state == "EXPIRED":
            return f"task {exc.task} has expired; see `ogpu task show {exc.task}`"
        if state == "FINALIZED":
            return f"task {exc.task} is already finalized; `ogpu task result {exc.task}` shows its result"
        return (
            f"task {exc.task} can no longer be changed (status {state or 'unknown'}); "
            f"see `ogpu task show {exc.task}`"
        )
    if isinstance(exc, e.TaskExpiredError):
        return (
            f"task {exc.task} expired {format_time(exc.expiry)}; publish a new one with "
            "`ogpu task publish`"
        )
    if isinstance(exc, e.ResponseAlreadyConfirmedError):
        return f"response {exc.response} is already confirmed; nothing to do"
    if isinstance(exc, e.SourceInactiveError):
        return f"source {exc.source} is inactive: it accepts no tasks; see `ogpu source show {exc.source}`"
    if isinstance(exc, e.NotTaskOwnerError):
        return (
            f"{exc.caller} is not the client of task {exc.task} (nor its agent): sign with the "
            "client's key (--key-file), or let the client run `ogpu agent set ADDRESS`"
        )
    if isinstance(exc, e.NotSourceOwnerError):
        return (
            f"{exc.caller} is not the client of source {exc.source} (nor its agent): sign with "
            "the client's key (--key-file), or let the client run `ogpu agent set ADDRESS`"
        )
    if isinstance(exc, e.NotMasterError):
        return (
            f"{exc.account} is not a paired master: the provider announces it with "
            "`ogpu provider announce MASTER`, then the master runs `ogpu provider pair PROVIDER`"
        )
    if isinstance(exc, e.NotProviderError):
        return (
            f"{exc.account} is not a provider: it announces a master with "
            "`ogpu provider announce MASTER`, and that master pairs it with `ogpu provider pair`"
        )
    if isinstance(exc, e.WaitTimeoutError):
        state = (
            f" (last state: {_state_name(exc.last_state)})" if exc.last_state is not None else ""
        )
        return f"timed out after {exc.timeout:g} s waiting for {exc.what}{state}; raise --timeout"
    if isinstance(exc, e.TxReceiptTimeoutError):
        return (
            f"no receipt after {exc.timeout:g} s for tx {exc.tx_hash}; it may still be mined: "
            "check before sending again (do not repeat the command blindly)"
        )
    if isinstance(exc, e.TxRpcError):
        reason = exc.reason
        if reason.startswith("no devnet is running"):
            return reason  # already says which command starts it
        if chosen_network()[0] == "devnet" and "cannot connect" in reason:
            return f"no devnet running ({reason}); start it with `ogpu devnet up`"
        return f"RPC failure: {reason}; {_network_hint()}"
    if isinstance(exc, e.InvalidRpcUrlError):
        return f"no Ethereum JSON-RPC endpoint at {exc.url}; {_network_hint()}"
    if isinstance(exc, e.ChainNotSupportedError):
        return f"{exc.message}; choose a network with {NETWORK_CHOICE}"
    if isinstance(exc, e.NotFoundError) and isinstance(getattr(exc, "address", None), str):
        kind = type(exc).__name__.removesuffix("NotFoundError").lower() or "object"
        return f"no {kind} at {exc.address} on {_network_hint()}"  # type: ignore[attr-defined]
    if isinstance(exc, e.TxRevertError):
        return f"transaction reverted: {exc.reason}"
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
        name_, _ = chosen_network()
        if name_ == "devnet":
            return f"no devnet running{where} ({reason}); start it with `ogpu devnet up`"
        return f"cannot reach the network{where} ({name}: {reason}); {_network_hint()}"
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


def report(
    exc: BaseException, describe: Callable[[BaseException], str] = describe_error
) -> NoReturn:
    """Print ``exc`` as one ``error:`` line (or one JSON object with ``--json``) and exit with the
    code of its class."""
    message = _one_line(describe(exc))
    code = exit_code_for(exc)
    if options().json:
        typer.echo(json.dumps(error_json(exc, message)), err=True)
        raise typer.Exit(code)
    fail(message, code)


@contextmanager
def errors(describe: Callable[[BaseException], str] = describe_error) -> Iterator[None]:
    """Every failure becomes one line on stderr (a JSON object with ``--json``) and the exit code
    of its class (re-raised with ``--debug``).

    ``describe(exc)`` words the line (default :func:`describe_error`)::

        with errors(lambda exc: f"{exc}; see the logs"):
            ...
    """
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, exits, aborts
        raise
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    except Exception as exc:
        if options().debug:
            raise
        report(exc, describe)


def command(func: F) -> F:
    """Run a command body inside :func:`errors` (keeps the signature for Typer)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


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
    try:
        value = Decimal(match.group(1)) * (Decimal(10) ** _UNITS[unit])
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        raise CliError(f"invalid {what} {text!r}") from None
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
    if s < 120:
        text = f"{s} s"
    elif s < 7200:
        text = f"{s // 60} min"
    elif s < 172800:
        text = f"{s // 3600} h"
    else:
        text = f"{s // 86400} d"
    return f"in {text}" if seconds >= 0 else f"{text} ago"


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

    def __init__(self, as_json: bool = False, network: str | None = None) -> None:
        self.json = bool(as_json or options().json)
        self._network = network
        self._session: Session | None = None
        self._signers: dict[tuple[Role, Path | None], SignerLike] = {}
        self._out: Console | None = None
        self._err: Console | None = None
        self._live: Any = None

    # -- chain

    @property
    def session(self) -> Session:
        """The session on the selected network (``--network``, ``$OGPU_NETWORK``, mainnet)."""
        if self._session is None:
            from ogpu.chain import Session

            name, _ = chosen_network(self._network)
            self._session = Session(name)
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

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> Cli:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- output

    @property
    def out(self) -> Console:
        """A rich console on stdout (built on first use: plain reads never import rich)."""
        if self._out is None:
            from rich.console import Console

            tty = sys.stdout.isatty()
            self._out = Console(highlight=False, soft_wrap=not tty, width=None if tty else 200)
        return self._out

    @property
    def err(self) -> Console:
        """A rich console on stderr (built on first use)."""
        if self._err is None:
            from rich.console import Console

            self._err = Console(stderr=True, highlight=False, soft_wrap=True)
        return self._err

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
            with nullcontext():
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

    # -- writes

    def write(
        self,
        action: str,
        call: Callable[..., Any],
        *,
        dry_run: bool,
        yes: bool,
        timeout: float = 120.0,
        effect: str | None = None,
    ) -> tuple[Any, Receipt] | None:
        """Simulate, confirm on public networks, send, and wait for the receipt (spinner).

        ``call(**kw)`` performs the write with ``kw`` forwarded to ``Session.transact`` (or a
        client workflow): ``dry_run=True`` → a :class:`DryRunResult`; ``wait=False`` → a pending
        object with ``tx_hash`` and ``wait``/``receipt``. Returns ``(pending, receipt)``, or
        ``None`` after a dry run.
        """
        if dry_run:
            simulated: DryRunResult = call(dry_run=True)
            self.show_dry_run(action, simulated, effect)
            return None
        network = self.network_name
        if network in PUBLIC_NETWORKS and not yes:
            simulated = call(dry_run=True)
            self.err.print(
                f"{action}: {effect + '; ' if effect else ''}from {simulated.sender}, "
                f"gas {simulated.gas:,}, max cost {format_ogpu(simulated.max_cost)} (fee + value)",
                markup=False,
            )
            if not typer.confirm(f"Send {action} to {network}?", default=False, err=True):
                fail("aborted; nothing was sent", EXIT_UNEXPECTED)
        with self.spinner(f"{action}: sending to {network}"):
            pending = call(wait=False)
            receipt: Receipt
            if isinstance(pending, Receipt):  # a workflow that sends and waits itself
                receipt = pending
            else:
                receipt_of = getattr(pending, "receipt", None)
                receipt = receipt_of(timeout) if callable(receipt_of) else pending.wait(timeout)
        return pending, receipt

    def show_dry_run(self, action: str, result: DryRunResult, effect: str | None) -> None:
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

        def human() -> None:
            rows: list[tuple[str, Any]] = []
            if effect:
                rows.append(("effect", effect))
            rows += [
                ("network", data["network"]),
                ("from", result.sender),
                ("to", result.to),
                ("value", format_ogpu(result.value)),
                ("gas", f"{result.gas:,}"),
                ("max cost", f"{format_ogpu(result.max_cost)} (fee + value)"),
            ]
            if result.return_value not in (None, [], ()):
                rows.append(("returns", jsonable(result.return_value)))
            self.fields(f"dry run of {action}: simulated, nothing sent", rows)

        self.emit(data, human)

    def receipt_rows(self, receipt: Receipt) -> list[tuple[str, Any]]:
        return [
            ("tx", receipt.tx_hash),
            ("block", receipt.block_number),
            ("gas used", f"{receipt.gas_used:,}"),
            ("fee", format_ogpu(receipt.fee)),
        ]

    @staticmethod
    def receipt_json(receipt: Receipt) -> dict[str, Any]:
        return {
            "tx_hash": receipt.tx_hash,
            "block_number": receipt.block_number,
            "gas_used": receipt.gas_used,
            "status": receipt.status,
            "fee": receipt.fee,
        }

    def done(self, title: str, receipt: Receipt, extra: dict[str, Any] | None = None) -> None:
        """Print the outcome of a write (JSON: ``extra`` + the receipt)."""
        extra = dict(extra or {})
        data = {**extra, "receipt": self.receipt_json(receipt)}
        rows = [
            (k.replace("_", " "), format_ogpu(v) if k in _AMOUNT_KEYS else v)
            for k, v in extra.items()
            if v is not None
        ]
        self.emit(data, lambda: self.fields(title, rows + self.receipt_rows(receipt)))


def write_command(
    *,
    action: str,
    title: str | Callable[[dict[str, Any]], str],
    effect: Callable[[str], str],
    send: Callable[..., Any],
    role: Role,
    key_file: Path | None,
    dry_run: bool,
    yes: bool,
    timeout: float,
    extra: dict[str, Any],
    signer_field: str = "account",
    outcome: Callable[[Any], dict[str, Any]] | None = None,
    quiet: str | None = None,
    cli: Cli | None = None,
) -> None:
    """The shape of every write command: resolve the signer → simulate / confirm / send → report.

    ``send(signer=, session=, **kw)`` performs the write (``kw``: ``dry_run``/``wait``, see
    :meth:`Cli.write`); ``effect(signer_address)`` words it for the dry run and the prompt.
    The report holds ``{signer_field: signer, **extra}`` plus ``outcome(pending)`` (what the
    write produced, e.g. the new contract's address); ``title`` may be worded from those fields;
    ``quiet`` names the one field printed alone (``--quiet``). A command that reads the chain
    before it can word the write passes its open ``cli``::

        write_command(action="Vault.withdraw", title="withdrawn", role=Role.CLIENT, ...)
    """
    with nullcontext(cli) if cli is not None else Cli() as c:
        signer = c.signer(role, key_file)

        def call(**kw: Any) -> Any:
            return send(signer=signer, session=c.session, **kw)

        sent = c.write(
            action, call, dry_run=dry_run, yes=yes, timeout=timeout, effect=effect(signer.address)
        )
        if sent is None:
            return
        pending, receipt = sent
        report = {signer_field: signer.address, **extra, **(outcome(pending) if outcome else {})}
        if quiet is not None:
            typer.echo(report[quiet])
            return
        c.done(title(report) if callable(title) else title, receipt, report)


_AMOUNT_KEYS = frozenset({"amount", "payment", "min_payment", "stake"})

"""``ogpu demo``: the whole marketplace on the devnet, narrated step by step.

The demo brings the devnet up if needed, funds the client's vault, publishes a source of its own,
starts a second provider beside the devnet's, publishes a handful of tasks with real inputs, shows
the providers attempting and answering them as it happens, confirms the MANUAL_CONFIRMATION
response, and ends with a table of results, payments, gas and time (``ogpu demo``). It exits
non-zero if any step failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.live import Live
from rich.table import Table

from ogpu.types import DeliveryMethod, OGPUError, ResponseStatus, TaskStatus

ETHER = 10**18
PAYMENT = 10**16  # 0.01 OGPU per task
WIDE_COLUMNS = 110  # from this terminal width the results also show gas and seconds
DEPOSIT = 2 * ETHER
TTL = 600  # seconds a task may wait for its answer
FINAL = (TaskStatus.FINALIZED, TaskStatus.CANCELED, TaskStatus.EXPIRED)

# (label, handler, input) of the tasks on the devnet's FIRST_RESPONSE demo source
SCRIPT: list[tuple[str, str, dict[str, Any]]] = [
    (
        "text stats",
        "text_stats",
        {"text": "OpenGPU turns idle GPUs into a market. Clients pay on-chain; providers earn."},
    ),
    ("review A", "sentiment", {"text": "Absolutely love it, works great and arrived early!"}),
    ("review B", "sentiment", {"text": "Not good at all. It broke after a day."}),
    (
        "thumbnail",
        "thumbnail",
        {
            "generate": {"kind": "gradient", "width": 96, "height": 64},
            "max_width": 24,
            "max_height": 24,
        },
    ),
    ("hash", "hash", {"text": "hello opengpu", "algorithms": ["keccak256"]}),
]


@dataclass
class DemoTask:
    """One task of the demo and what became of it."""

    label: str
    handler: str
    data: dict[str, Any]
    source: str
    manual: bool = False
    task: Any = None
    publish_gas: int = 0
    confirm_gas: int = 0
    published_at: float = 0.0
    finished_at: float | None = None
    status: TaskStatus | None = None
    provider: str | None = None
    paid_to: str | None = None
    paid: int = 0
    refund: int = 0
    result: dict[str, Any] | None = None
    error: str | None = None


def _short(address: str | None) -> str:
    return f"{address[:6]}…{address[-4:]}" if address else "-"


def _ogpu(wei: int) -> str:
    """OGPU without the unit, in the format of every other command (``0.01``, ``0.008``)."""
    from ogpu.cli._common import format_ogpu

    return format_ogpu(wei).removesuffix(" OGPU")


def _summary(handler: str, result: dict[str, Any] | None) -> str:
    if result is None:
        return "-"
    if handler == "sentiment":
        return f"{result.get('label')} ({result.get('score', 0):+.2f})"
    if handler == "text_stats":
        return f"{result.get('words')} words, {result.get('sentences')} sentences"
    if handler == "thumbnail":
        return (
            f"{result.get('source_width')}x{result.get('source_height')} → "
            f"{result.get('width')}x{result.get('height')} PNG"
        )
    if handler == "hash":
        digests = result.get("digests") or {}
        name, digest = next(iter(digests.items()), ("", ""))
        return f"{name} {str(digest)[:18]}…"
    text = str(result)
    return text if len(text) < 40 else text[:37] + "…"


@dataclass
class Demo:
    """The demo's steps; ``run`` returns the process exit code."""

    console: Console
    home: Path | None
    timeout: float = 45.0
    port: int | None = None
    ipfs_port: int | None = None
    failures: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def step(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self.console.print(f"[bold cyan]▸[/] {text} [dim]({elapsed:.1f} s)[/]")

    def fail(self, text: str) -> None:
        self.failures.append(text)
        self.console.print(f"[bold red]✗[/] {text}")

    def run(self) -> int:
        from ogpu.chain import Session, use_session
        from ogpu.chain.networks import load_devnet_manifest
        from ogpu.devnet import manager, provider_service

        self.step("Bringing up the devnet (anvil, the protocol, IPFS store, a provider)")
        info = manager.up(
            self.home,
            port=self.port,
            ipfs_port=self.ipfs_port,
            services=[provider_service.service()],
        )
        manifest = info.manifest
        self.console.print(
            f"  chain {info.chain_id} at {info.rpc_url}"
            + ("  [dim](already running)[/]" if info.already_running else "")
        )
        session = Session(load_devnet_manifest(manager.manifest_path(self.home)))
        runtime = None
        try:
            with use_session(session):
                runtime = self._scenario(session, manifest)
        except OGPUError as exc:
            self.fail(f"{type(exc).__name__}: {exc}")
        finally:
            if runtime is not None:
                runtime.stop(drain_timeout=5)
            session.close()
        total = time.monotonic() - self.started
        if self.failures:
            self.console.print(
                f"[bold red]demo failed[/] after {total:.1f} s: {len(self.failures)} problem(s)"
            )
            return 1
        self.console.print(
            f"[bold green]demo finished[/] in {total:.1f} s — the devnet keeps running (`ogpu devnet down` stops it)"
        )
        return 0

    # ------------------------------------------------------------------------------------------

    def _scenario(self, session: Any, manifest: dict[str, Any]) -> Any:
        from ogpu.client import (
            ImageEnvironments,
            SourceInfo,
            TaskInfo,
            TaskInput,
            publish_source,
            publish_task,
        )
        from ogpu.devnet import manager
        from ogpu.devnet.accounts import dev_account, dev_key
        from ogpu.protocol import vault
        from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding

        client = dev_account("client")
        self.step(f"Funding the client's vault with {_ogpu(DEPOSIT)} OGPU")
        before = vault.get_balance_of(client.address)
        vault.deposit(client.address, DEPOSIT, signer=dev_key("client"))
        after = vault.get_balance_of(client.address)
        self.console.print(
            f"  vault balance of {_short(client.address)}: {_ogpu(before)} → {_ogpu(after)} OGPU"
        )

        self.step(
            "Publishing a source (MANUAL_CONFIRMATION: the client picks the answer it pays for)"
        )
        source = publish_source(
            SourceInfo(
                name="Demo reviews",
                description="Sentiment of product reviews; the client confirms the answer it pays for",
                logoUrl="",
                imageEnvs=ImageEnvironments(cpu="https://example.invalid/demo/docker-compose.yml"),
                minPayment=10**15,
                minAvailableLockup=0,
                maxExpiryDuration=3600,
                deliveryMethod=DeliveryMethod.MANUAL_CONFIRMATION,
            ),
            signer=dev_key("client"),
        )
        self.console.print(f"  source {source.address} (metadata on the local IPFS store)")

        demo_sources = manifest.get("demo_sources") or {}
        first_response = demo_sources.get("first_response") or manifest.get("demo_source")
        if not first_response:
            self.fail("the devnet manifest names no demo source; run `ogpu devnet reset`")
            return None

        self.step(
            "Starting a second provider (provider2, paid through master2) beside the devnet's"
        )
        runtime = ProviderRuntime(
            ProviderConfig(
                provider=dev_key("provider2"),
                master=dev_account("master2").address,
                master_signer=dev_key("master2"),
                sources=[
                    SourceBinding(source.address, "ogpu.devnet.demo_handlers"),
                    SourceBinding(first_response, "ogpu.devnet.demo_handlers"),
                ],
                slots=4,
                bid_fraction=0.8,  # MANUAL_CONFIRMATION bids: 80% of the payment, the rest is refunded
                state_dir=manager.resolve_home(self.home) / "demo-provider",
                from_block=session.block_number(),
                live_data_interval=3600,
            ),
            session=session,
        )
        runtime.start()
        self._await_devnet_provider(first_response)

        tasks = [DemoTask(*script, first_response) for script in SCRIPT]
        review_c = {"text": "Decent value, but the manual is confusing."}  # confirmed by hand
        tasks.append(DemoTask("review C (manual)", "sentiment", review_c, source.address, True))

        self.step(
            f"Publishing {len(tasks)} tasks at once, {_ogpu(PAYMENT)} OGPU each, escrowed from the vault"
        )
        now = session.timestamp()
        pending = []
        for item in tasks:
            info = TaskInfo(
                source=item.source,
                config=TaskInput(function_name=item.handler, data=item.data),
                expiryTime=now + TTL,
                payment=PAYMENT,
            )
            pending.append(publish_task(info, signer=dev_key("client"), wait=False))
            item.published_at = time.monotonic()
        for item, p in zip(tasks, pending, strict=True):
            receipt = p.receipt(timeout=30)
            item.publish_gas = receipt.gas_used
            item.task = p.wait(timeout=30)

        self.step("Watching providers attempt and answer (live)")
        self._watch(tasks)

        for item in tasks:
            if item.manual and item.status is TaskStatus.RESPONDED:
                self.step(
                    f"Confirming the response to '{item.label}' (the client pays the winning bid)"
                )
                responses = item.task.get_responses()
                chosen = responses[0]
                receipt = chosen.confirm(signer=dev_key("client"))
                item.confirm_gas = receipt.gas_used
                chosen.wait_for_confirmation(timeout=10)
                item.status = item.task.get_status()
                item.finished_at = time.monotonic()
        self._settle(tasks)
        self._report(tasks)
        return runtime

    def _await_devnet_provider(self, source: str, timeout: float = 15.0) -> None:
        """Give the devnet's own provider process time to register, so both providers compete."""
        from ogpu.devnet.accounts import dev_account
        from ogpu.protocol import Source

        provider = dev_account("provider").address
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if Source(source).get_registrant_id(provider):
                self.console.print(f"  the devnet's provider {_short(provider)} is serving too")
                return
            time.sleep(0.2)
        self.console.print(
            "  [yellow]the devnet's provider is not registered yet; provider2 answers alone[/]"
        )

    def _watch(self, tasks: list[DemoTask]) -> None:
        deadline = time.monotonic() + self.timeout

        def done(item: DemoTask) -> bool:
            wanted = TaskStatus.RESPONDED if item.manual else TaskStatus.FINALIZED
            return item.status in (wanted, *FINAL)

        with Live(
            self._live_table(tasks), console=self.console, refresh_per_second=8, transient=False
        ) as live:
            while time.monotonic() < deadline:
                for item in tasks:
                    if done(item):
                        continue
                    snap = item.task.snapshot()
                    if snap.status != item.status:
                        item.status = snap.status
                        if snap.status in (TaskStatus.FINALIZED, TaskStatus.RESPONDED):
                            item.finished_at = time.monotonic()
                    if snap.attempt_count and not item.provider:
                        attempters = item.task.get_attempters()
                        item.provider = attempters[0] if attempters else None
                live.update(self._live_table(tasks))
                if all(done(t) for t in tasks):
                    break
                time.sleep(0.1)
        self.console.print()
        self.console.print(
            "  attempted by: the first provider that took the task. Several providers may "
            "attempt one task; the results below name the one whose answer was confirmed "
            "(answered by) and the master it is paid through."
        )
        for item in tasks:
            if not done(item):
                self.fail(
                    f"task '{item.label}' still {item.status.name if item.status else '?'} after {self.timeout:.0f} s"
                )

    def _live_table(self, tasks: list[DemoTask]) -> Table:
        table = Table(title="tasks", expand=False, box=box.SIMPLE_HEAD)
        for col in ("task", "handler", "status", "attempted by", "seconds"):
            table.add_column(col, no_wrap=col != "task", overflow="fold")
        colours = {
            TaskStatus.NEW: "white",
            TaskStatus.ATTEMPTED: "yellow",
            TaskStatus.RESPONDED: "cyan",
            TaskStatus.FINALIZED: "green",
        }
        for item in tasks:
            status = item.status.name if item.status is not None else "…"
            colour = colours.get(item.status, "red") if item.status is not None else "dim"
            end = item.finished_at or time.monotonic()
            table.add_row(
                item.label,
                item.handler,
                f"[{colour}]{status}[/]",
                _short(item.provider),
                f"{end - item.published_at:.2f}",
            )
        return table

    def _settle(self, tasks: list[DemoTask]) -> None:
        from ogpu.protocol import terminal

        for item in tasks:
            if item.task is None:
                continue
            try:
                response = item.task.get_confirmed_response()
                if response is None:
                    self.fail(f"task '{item.label}' has no confirmed response")
                    continue
                snap = response.snapshot()
                if snap.status is not ResponseStatus.CONFIRMED:
                    self.fail(f"the response to '{item.label}' is not confirmed")
                item.provider = snap.params.provider
                item.paid = snap.params.payment
                item.refund = item.task.get_payment() - snap.params.payment
                item.paid_to = terminal.get_master_of(snap.params.provider)
                item.result = response.fetch_data()
                if "error" in (item.result or {}) and item.result.get("status") == "error":
                    self.fail(f"the handler of '{item.label}' failed: {item.result['error']}")
            except OGPUError as exc:
                self.fail(f"reading the result of '{item.label}': {exc}")

    def _report(self, tasks: list[DemoTask]) -> None:
        wide = self.console.width >= WIDE_COLUMNS
        table = Table(title="results", box=box.SIMPLE_HEAD)
        columns = ["task", "result", "answered by", "paid to (master)", "paid OGPU", "refund OGPU"]
        if wide:
            columns += ["gas", "seconds"]
        for col in columns:
            fold = col in ("task", "result", "paid to (master)", "paid OGPU", "refund OGPU")
            table.add_column(col, overflow="fold", no_wrap=not fold)
        for item in tasks:
            seconds = (item.finished_at - item.published_at) if item.finished_at else float("nan")
            row = [
                item.label,
                _summary(item.handler, item.result),
                _short(item.provider),
                _short(item.paid_to),
                _ogpu(item.paid),
                _ogpu(item.refund),
            ]
            if wide:
                row += [f"{item.publish_gas + item.confirm_gas:,}", f"{seconds:.2f}"]
            table.add_row(*row)
        self.console.print(table)


def command(
    home: Annotated[
        Path | None,
        typer.Option(help="Devnet home (default: $OGPU_DEVNET_HOME or ~/.ogpu/devnet)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for all tasks to be answered.")
    ] = 45.0,
    port: Annotated[
        int | None, typer.Option(help="anvil's port if the devnet must be started (default 8545).")
    ] = None,
    ipfs_port: Annotated[
        int | None, typer.Option(help="The IPFS store's port if started (default 5055).")
    ] = None,
) -> None:
    """Run the whole marketplace on the devnet, narrated, and exit non-zero if a step fails.

    Example:

        ogpu demo
    """
    code = Demo(Console(), home, timeout=timeout, port=port, ipfs_port=ipfs_port).run()
    raise typer.Exit(code)


app = typer.Typer(add_completion=False)
app.command(name="demo", epilog="Example: ogpu demo --timeout 60")(command)

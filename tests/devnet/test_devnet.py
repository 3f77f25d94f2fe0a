"""`ogpu devnet`: up / status / down / reset / reuse / logs, state persistence, and each failure mode.

Every test runs against real processes (anvil, the IPFS store) in a temporary home on free ports,
and stops them in a ``finally``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from ogpu.cli.app import app as root
from ogpu.cli.devnet import app
from ogpu.devnet import manager
from ogpu.devnet.accounts import dev_account
from ogpu.devnet.node import free_port, pid_alive, rpc_call

runner = CliRunner()
VENV_BIN = Path(sys.executable).parent


def _ports() -> tuple[int, int]:
    a = free_port()
    b = free_port()
    while b == a:
        b = free_port()
    return a, b


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, list(args), env=env)


# The documented exit codes (docs/troubleshooting.md) the devnet's failures map to.
EXIT_INPUT, EXIT_STATE, EXIT_NETWORK = 3, 5, 7


def _one_line_error(result: Result, code: int) -> str:
    """Assert the command failed with exit ``code``, one line on stderr and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stdout + result.stderr
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return lines[0]


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A devnet home that is always torn down."""
    h = tmp_path / "devnet-home"
    try:
        yield h
    finally:
        manager.down(h)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One bare devnet (no provider) started through the CLI, shared by the read-only tests."""
    h = tmp_path_factory.mktemp("devnet-cli")
    port, ipfs_port = _ports()
    try:
        r = cli(
            "up", "--home", str(h), "--port", str(port), "--ipfs-port", str(ipfs_port),
            "--no-provider",
        )  # fmt: skip
        assert r.exit_code == 0, r.stdout + r.stderr
        yield h, manager.read_manifest(h)
    finally:
        manager.down(h)


def _abi(name: str) -> Any:
    import ogpu.chain

    path = Path(ogpu.chain.__file__).parent / "artifacts" / f"{name}.json"
    return json.loads(path.read_text())["abi"]


def _web3(url: str) -> Any:
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(url))


# ---------------------------------------------------------------------------------------------
# up / status / reuse / logs


def test_up_writes_a_private_manifest(running: tuple[Path, dict[str, Any]]) -> None:
    h, m = running
    path = h / "manifest.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert m["chain_id"] == 31337
    port = m["ports"]["anvil"]
    assert m["rpc_url"] == f"http://127.0.0.1:{port}"
    assert m["ws_url"] == f"ws://127.0.0.1:{port}"
    assert set(m["addresses"]) == {"manager", "nexus", "controller", "terminal", "vault"}
    assert m["keys"]["client"].startswith("0x") and len(m["keys"]) == len(m["accounts"])
    assert m["accounts"]["provider"] == dev_account("provider").address
    assert set(m["pids"]) == {"anvil", "ipfs"}
    assert m["block_time"] is None and m["state_path"] is None
    assert (h / "logs" / "anvil.log").stat().st_size > 0
    assert (h / "logs" / "ipfs.log").exists()


def test_manifest_is_readable_by_the_sdk(running: tuple[Path, dict[str, Any]]) -> None:
    from ogpu.chain.networks import load_devnet_manifest

    h, m = running
    net = load_devnet_manifest(h / "manifest.json")
    assert net.rpc_url == m["rpc_url"]
    assert net.addresses is not None and net.addresses.nexus == m["addresses"]["nexus"]
    assert net.pinning_url == m["ipfs"]["pinning_url"]
    assert "0xac09" not in repr(net)


def test_services_answer(running: tuple[Path, dict[str, Any]]) -> None:
    import asyncio

    import websockets

    _, m = running
    assert int(rpc_call(m["rpc_url"], "eth_chainId"), 16) == 31337

    async def ws_chain_id() -> str:
        async with websockets.connect(m["ws_url"]) as ws:
            await ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}))
            return str(json.loads(await ws.recv())["result"])

    assert int(asyncio.run(ws_chain_id()), 16) == 31337
    with urllib.request.urlopen(f"{m['ipfs']['api_url']}/health", timeout=5) as resp:
        assert json.loads(resp.read())["status"] == "ok"


def test_protocol_is_deployed_and_seeded(running: tuple[Path, dict[str, Any]]) -> None:
    _, m = running
    w3 = _web3(m["rpc_url"])
    for addr in m["addresses"].values():
        assert len(w3.eth.get_code(addr)) > 0
    terminal = w3.eth.contract(address=m["addresses"]["terminal"], abi=_abi("Terminal"))
    vault = w3.eth.contract(address=m["addresses"]["vault"], abi=_abi("Vault"))
    provider, master = dev_account("provider").address, dev_account("master").address
    assert terminal.functions.masterOf(provider).call() == master
    assert terminal.functions.isProvider(provider).call() is True
    client = dev_account("client").address
    assert vault.functions.balanceOf(client).call() == manager.CLIENT_VAULT_DEPOSIT_WEI


def test_status_reports_health_and_counts(running: tuple[Path, dict[str, Any]]) -> None:
    h, _m = running
    r = cli("status", "--home", str(h))
    assert r.exit_code == 0, r.stderr
    assert "anvil" in r.stdout and "ipfs" in r.stdout and "ok" in r.stdout
    assert "sources 0" in r.stdout and "tasks 0" in r.stdout
    st = manager.status(h)
    assert st.running and st.block_number is not None and st.block_number > 0


def test_status_json_has_no_keys(running: tuple[Path, dict[str, Any]]) -> None:
    h, m = running
    r = runner.invoke(root, ["--json", "devnet", "status", "--home", str(h)])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert "keys" not in data
    assert dev_account("admin").account.key.hex().removeprefix("0x") not in r.stdout
    assert data["addresses"] == m["addresses"]
    assert data["health"]["running"] is True
    assert data["health"]["services"]["anvil"]["healthy"] is True
    assert data["manifest_path"] == str(h / "manifest.json")


def test_up_reuses_a_running_devnet(running: tuple[Path, dict[str, Any]]) -> None:
    h, m = running
    r = cli("up", "--home", str(h), "--port", str(m["ports"]["anvil"]))
    assert r.exit_code == 0, r.stderr
    assert "already running" in r.stdout
    assert manager.read_manifest(h)["pids"] == m["pids"]
    info = manager.up(h)
    assert info.already_running and info.pids == m["pids"]


def test_logs_tail(running: tuple[Path, dict[str, Any]]) -> None:
    h, _ = running
    r = cli("logs", "anvil", "--home", str(h), "-n", "3")
    assert r.exit_code == 0, r.stderr
    assert 0 < len(r.stdout.splitlines()) <= 3
    both = cli("logs", "--home", str(h), "-n", "2")
    assert both.exit_code == 0 and "[anvil]" in both.stdout
    bad = cli("logs", "nope", "--home", str(h))
    assert "no nope log" in _one_line_error(bad, EXIT_INPUT)


def test_status_counts_published_sources_and_tasks(running: tuple[Path, dict[str, Any]]) -> None:
    """A source and a task published with the client's funded vault balance show in the counts."""
    h, m = running
    w3 = _web3(m["rpc_url"])
    client = dev_account("client")
    nexus = w3.eth.contract(address=m["addresses"]["nexus"], abi=_abi("Nexus"))
    controller = w3.eth.contract(address=m["addresses"]["controller"], abi=_abi("Controller"))
    snap = rpc_call(m["rpc_url"], "evm_snapshot")
    try:

        def send(fn: Any) -> Any:
            nonce = w3.eth.get_transaction_count(client.address)
            tx = fn.build_transaction({"from": client.address, "nonce": nonce})
            signed = client.account.sign_transaction(tx)
            receipt = w3.eth.wait_for_transaction_receipt(
                w3.eth.send_raw_transaction(signed.raw_transaction)
            )
            assert receipt["status"] == 1
            return receipt

        params = (client.address, "ipfs://meta", 1, 0, 0, 3600, False, "", 0, 0)
        send(nexus.functions.publishSource(params))
        source = nexus.functions.sources(0).call()
        expiry = w3.eth.get_block("latest")["timestamp"] + 600
        send(controller.functions.publishTask((source, "ipfs://cfg", expiry, 10**15)))
        st = manager.status(h)
        assert (st.source_count, st.task_count) == (1, 1)
    finally:
        rpc_call(m["rpc_url"], "evm_revert", [snap])


def test_follow_logs_yields_new_lines(tmp_path: Path) -> None:
    log = tmp_path / "x.log"
    log.write_text("old\n")
    stop = threading.Event()

    def writer() -> None:
        time.sleep(0.2)
        with open(log, "a") as f:
            f.write("new 1\nnew ")
            f.flush()
            time.sleep(0.2)
            f.write("2\n")

    threading.Thread(target=writer, daemon=True).start()
    got: list[tuple[str, str]] = []
    deadline = time.monotonic() + 5
    for item in manager.follow_logs(
        {"x": log}, poll_s=0.05, should_stop=lambda: stop.is_set() or time.monotonic() > deadline
    ):
        got.append(item)
        if len(got) == 2:
            stop.set()
    assert got == [("x", "new 1"), ("x", "new 2")]


def test_every_command_help_has_an_example() -> None:
    for cmd in ("up", "down", "status", "reset", "logs"):
        r = cli(cmd, "--help")
        assert r.exit_code == 0
        assert "Example" in r.stdout, cmd
    assert "manifest.json" in cli("status", "--help").stdout


def test_fixture_devnet_is_seeded(devnet: manager.DevnetInfo) -> None:
    assert os.environ["OGPU_DEVNET_HOME"] == str(devnet.home)
    assert manager.status().running
    w3 = _web3(devnet.rpc_url)
    assert len(w3.eth.get_code(devnet.addresses["nexus"])) > 0
    assert devnet.deployment is not None and devnet.deployment.nexus == devnet.addresses["nexus"]
    # snapshot isolation: this transfer is reverted after the test
    w3.eth.send_transaction(
        {"from": dev_account("stranger").address, "to": dev_account("admin").address, "value": 1}
    )


# ---------------------------------------------------------------------------------------------
# down / reset / state


def test_down_stops_everything_including_extra_services(home: Path) -> None:
    """`down` stops anvil, IPFS and the extra services ``up`` was given, found by the marker the
    manifest records (a later command in another process has no registry to ask)."""
    seen: dict[str, Any] = {}

    def start_sleeper(h: Path, manifest: Any) -> subprocess.Popen[bytes]:
        seen["rpc_url"] = manifest["rpc_url"]
        with open(manager.log_path(h, "sleeper"), "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-c", "import time; time.sleep(120)", "ogpu-test-sleeper"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    sleeper = manager.ExtraService("sleeper", start_sleeper, "ogpu-test-sleeper")
    port, ipfs_port = _ports()
    info = manager.up(home, port=port, ipfs_port=ipfs_port, services=[sleeper])
    pids = info.pids
    assert set(pids) == {"anvil", "ipfs", "sleeper"} and seen["rpc_url"] == info.rpc_url
    assert info.manifest["markers"] == {"sleeper": "ogpu-test-sleeper"}
    assert info.supervisor is not None and set(info.supervisor.pids()) == set(pids.values())
    assert {s.name for s in manager.status(home).services if s.healthy} == set(pids)
    r = cli("down", "--home", str(home))
    assert r.exit_code == 0 and "devnet stopped" in r.stdout and "sleeper" in r.stdout
    for pid in pids.values():
        assert not pid_alive(pid)
    assert manager.read_manifest(home)["pids"] == {}
    st = cli("status", "--home", str(home))
    assert "stopped" in _one_line_error(st, EXIT_NETWORK)
    again = cli("down", "--home", str(home))
    assert again.exit_code == 0 and "not running" in again.stdout
    # the ports are free again: a new devnet (without the extra service) can start on them
    info2 = manager.up(home, port=port, ipfs_port=ipfs_port)
    assert not info2.already_running and set(info2.pids) == {"anvil", "ipfs"}
    assert manager.down(home, supervisor=info2.supervisor) == ["ipfs", "anvil"]
    assert info2.supervisor is not None and info2.supervisor.pids() == {}


def test_reset_wipes_chain_and_ipfs(home: Path) -> None:
    port, ipfs_port = _ports()
    info = manager.up(home, port=port, ipfs_port=ipfs_port)
    rpc_call(info.rpc_url, "anvil_mine", ["0x20"])
    height = int(rpc_call(info.rpc_url, "eth_blockNumber"), 16)
    req = urllib.request.Request(
        f"{info.ipfs_api_url}/api/v0/add",
        data=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        b"hello devnet\r\n--b--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        cid = json.loads(resp.read())["Hash"]
    assert any((home / "ipfs").iterdir())

    r = cli("reset", "--home", str(home))
    assert r.exit_code == 0, r.stderr
    m = manager.read_manifest(home)
    assert m["ports"] == {"anvil": port, "ipfs": ipfs_port}
    assert m["pids"] != info.pids
    assert int(rpc_call(m["rpc_url"], "eth_blockNumber"), 16) < height
    assert m["addresses"] == info.addresses  # same deployer nonces: same addresses
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{m['ipfs']['gateway_url']}{cid}", timeout=5)
    for pid in info.pids.values():
        assert not pid_alive(pid)


def test_state_persists_across_restarts(home: Path, tmp_path: Path) -> None:
    port, ipfs_port = _ports()
    state = tmp_path / "chain" / "state.json"
    info = manager.up(home, port=port, ipfs_port=ipfs_port, state_path=state, block_time=1)
    assert info.deployment is not None and not info.restored
    # interval mining after set-up: blocks appear without transactions
    b0 = int(rpc_call(info.rpc_url, "eth_blockNumber"), 16)
    time.sleep(2.2)
    assert int(rpc_call(info.rpc_url, "eth_blockNumber"), 16) > b0
    # a marker transaction to find again after the restart
    w3 = _web3(info.rpc_url)
    marker = dev_account("stranger").address
    before = w3.eth.get_balance(marker)
    w3.eth.send_transaction({"from": dev_account("admin").address, "to": marker, "value": 12345})
    deadline = time.monotonic() + 5
    while w3.eth.get_balance(marker) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    manager.down(home)
    assert state.exists()

    r = cli("up", "--home", str(home), "--port", str(port), "--ipfs-port", str(ipfs_port),
            "--state", str(state))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert "restored from state" in r.stdout
    m = manager.read_manifest(home)
    assert m["addresses"] == info.addresses
    assert m["state_path"] == str(state.resolve())
    w3 = _web3(m["rpc_url"])
    assert w3.eth.get_balance(marker) == before + 12345
    assert len(w3.eth.get_code(m["addresses"]["vault"])) > 0


# ---------------------------------------------------------------------------------------------
# failures: one line, the exit code of their class, nothing left behind


def test_busy_anvil_port(home: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = cli("up", "--home", str(home), "--port", str(port), "--ipfs-port", str(free_port()))
        line = _one_line_error(r, EXIT_INPUT)
    assert f"port {port}" in line and "--port" in line
    assert not (home / "manifest.json").exists()


def test_busy_ipfs_port(home: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        ipfs_port = s.getsockname()[1]
        r = cli(
            "up", "--home", str(home), "--port", str(free_port()), "--ipfs-port", str(ipfs_port)
        )
        line = _one_line_error(r, EXIT_INPUT)
    assert f"port {ipfs_port}" in line and "--ipfs-port" in line


def test_missing_anvil(home: Path, tmp_path: Path) -> None:
    port, ipfs_port = _ports()
    r = cli("up", "--home", str(home), "--port", str(port), "--ipfs-port", str(ipfs_port),
            env={"OGPU_ANVIL": str(tmp_path / "no-such-anvil")})  # fmt: skip
    assert "OGPU_ANVIL" in _one_line_error(r, EXIT_INPUT)
    assert not (home / "manifest.json").exists()


def test_anvil_crashing_at_start_up(home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\necho 'boom: cannot open database' >&2\nexit 3\n")
    fake.chmod(0o755)
    port, ipfs_port = _ports()
    r = cli("up", "--home", str(home), "--port", str(port), "--ipfs-port", str(ipfs_port),
            env={"OGPU_ANVIL": str(fake)})  # fmt: skip
    line = _one_line_error(r, EXIT_NETWORK)
    assert "anvil failed to start" in line and "boom" in line and "anvil.log" in line
    assert not (home / "manifest.json").exists()


def test_crashed_node_then_down_then_up(home: Path) -> None:
    port, ipfs_port = _ports()
    info = manager.up(home, port=port, ipfs_port=ipfs_port)
    os.kill(info.pids["anvil"], signal.SIGKILL)
    deadline = time.monotonic() + 5
    while pid_alive(info.pids["anvil"]) and time.monotonic() < deadline:
        time.sleep(0.05)

    line = _one_line_error(cli("status", "--home", str(home)), EXIT_NETWORK)
    assert "anvil" in line and "not running" in line and "ogpu devnet up" in line
    with pytest.raises(manager.DevnetStaleError, match="ogpu devnet up"):
        manager.running_manifest(home)
    js = runner.invoke(root, ["--json", "devnet", "status", "--home", str(home)])
    assert js.exit_code == EXIT_NETWORK
    assert json.loads(js.stdout)["health"]["state"] == "unhealthy"

    r = cli("down", "--home", str(home))
    assert r.exit_code == 0, r.stderr
    assert not pid_alive(info.pids["ipfs"])
    assert manager.read_manifest(home)["pids"] == {}

    # a crashed devnet is replaced by `up` (leftovers cleaned), not reported as running
    manager.up(home, port=port, ipfs_port=ipfs_port)
    os.kill(manager.read_manifest(home)["pids"]["anvil"], signal.SIGKILL)
    time.sleep(0.2)
    info3 = manager.up(home, port=port, ipfs_port=ipfs_port)
    assert not info3.already_running and manager.status(home).running


def test_stale_manifest_pointing_to_a_dead_node(home: Path) -> None:
    """A manifest from before a reboot: its pids are gone or now belong to other programs."""
    home.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    other = subprocess.Popen(["sleep", "30"])  # an unrelated live process with a "recycled" pid
    try:
        port, ipfs_port = _ports()
        stale = {
            "chain_id": 31337,
            "rpc_url": f"http://127.0.0.1:{port}",
            "ws_url": f"ws://127.0.0.1:{port}",
            "addresses": {},
            "ipfs": {"api_url": f"http://127.0.0.1:{ipfs_port}"},
            "pids": {"anvil": dead.pid, "ipfs": other.pid},
            "ports": {"anvil": port, "ipfs": ipfs_port},
        }
        (home / "manifest.json").write_text(json.dumps(stale))
        line = _one_line_error(cli("status", "--home", str(home)), EXIT_NETWORK)
        assert "not healthy" in line and "ogpu devnet up" in line
        assert cli("down", "--home", str(home)).exit_code == 0
        assert other.poll() is None, "down must not kill a process that is not the devnet's"
        info = manager.up(home, port=port, ipfs_port=ipfs_port)
        assert manager.status(home).running and info.pids["anvil"] != dead.pid
    finally:
        other.kill()
        other.wait()


def test_corrupt_manifest(home: Path) -> None:
    home.mkdir(parents=True)
    (home / "manifest.json").write_text("{not json")
    line = _one_line_error(cli("status", "--home", str(home)), EXIT_STATE)
    assert "ogpu devnet reset" in line


def test_status_without_devnet(home: Path) -> None:
    line = _one_line_error(cli("status", "--home", str(home)), EXIT_NETWORK)
    assert "ogpu devnet up" in line
    with pytest.raises(manager.DevnetNotRunningError, match="ogpu devnet up"):
        manager.running_manifest(home)


def test_concurrent_ups_start_one_devnet(home: Path) -> None:
    port, ipfs_port = _ports()
    results: list[Any] = []

    def go() -> None:
        try:
            results.append(manager.up(home, port=port, ipfs_port=ipfs_port))
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, manager.DevnetInfo) for r in results), results
    assert sorted(r.already_running for r in results) == [False, True]
    assert results[0].pids == results[1].pids
    assert manager.running_manifest(home)["pids"] == results[0].pids


def test_a_held_home_lock_makes_a_second_command_wait_then_say_so(tmp_path: Path) -> None:
    from ogpu.devnet.manifest import locked

    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with locked(tmp_path):
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert held.wait(10)
        start = time.monotonic()
        busy = pytest.raises(manager.DevnetBusyError, match="another `ogpu devnet` command")
        with busy, locked(tmp_path, timeout=0.3):
            pass
        assert time.monotonic() - start >= 0.25
    finally:
        release.set()
        t.join(10)
    with locked(tmp_path, timeout=1):
        pass  # released: the next command goes ahead


def test_node_errors_are_the_devnet_errors() -> None:
    from ogpu.devnet import node
    from ogpu.types.errors import OGPUError

    assert node.AnvilError is manager.DevnetError and issubclass(node.AnvilError, OGPUError)
    assert node.PortInUseError is manager.DevnetPortInUseError
    assert node.AnvilNotFoundError is manager.DevnetAnvilNotFoundError


# ---------------------------------------------------------------------------------------------
# the real command, as a user runs it


def test_cli_process_up_returns_and_leaves_the_devnet_running(tmp_path: Path) -> None:
    exe = VENV_BIN / "ogpu"
    if not exe.exists():
        pytest.skip("the ogpu console script is not installed")
    h = tmp_path / "home"
    port, ipfs_port = _ports()
    env = {**os.environ, "OGPU_DEVNET_HOME": str(h)}
    try:
        # the command returns: the services are detached (the timeout only guards a hang)
        r = subprocess.run(
            [str(exe), "devnet", "up", "--port", str(port), "--ipfs-port", str(ipfs_port)],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        # the CLI process has exited; the services keep running
        st = manager.status(h)
        assert st.running, st.problem()
        # by default the devnet serves its demo sources with a provider of its own
        m = manager.read_manifest(h)
        assert set(m["pids"]) == {"anvil", "ipfs", "provider"}
        assert set(m["demo_sources"]) == {"first_response", "manual"}
        assert m["demo_source"] == m["demo_sources"]["first_response"]
        s = subprocess.run([str(exe), "devnet", "status"], env=env, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
        assert s.returncode == 0 and "ok" in s.stdout
    finally:
        d = subprocess.run([str(exe), "devnet", "down"], env=env, capture_output=True,
                           text=True, timeout=60)  # fmt: skip
    assert d.returncode == 0, d.stderr
    assert not manager.status(h).running


def test_every_devnet_error_has_its_documented_exit_code() -> None:
    """Each devnet error class exits with a code of its own class, and docs/troubleshooting.md
    names the class in that code's row."""
    from ogpu.cli._common import EXIT_UNEXPECTED, exit_code_for
    from ogpu.devnet import errors

    table = (Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md").read_text()
    names = [n for n in errors.__all__ if n.startswith("Devnet")]
    assert len(names) >= 9
    for name in names:
        code = exit_code_for(getattr(errors, name)("x"))
        assert code != EXIT_UNEXPECTED, name
        row = next(ln for ln in table.splitlines() if ln.startswith(f"| {code} |"))
        assert f"`{name}`" in row, (name, code, row)


def test_the_devnet_speaks_json_rpc_only_through_the_sdk() -> None:
    """No module of the devnet (the pytest plugin's optional ``w3`` fixture aside) imports web3,
    urllib.request or requests: its chain reads and writes go through the SDK's session and
    JSON-RPC client, with the packaged ABIs."""
    import ast

    root = Path(__file__).resolve().parents[2] / "ogpu" / "devnet"
    offenders = []
    for path in sorted(root.glob("*.py")):
        if path.name == "pytest_plugin.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in ("web3", "requests", "hexbytes") or n == "urllib.request"
            ]
    assert not offenders, offenders

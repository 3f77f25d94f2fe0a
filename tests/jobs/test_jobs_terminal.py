"""``ogpu job run`` in a terminal: the live progress line (rich, on stderr) while the job runs,
and Ctrl-C, which stops it with the command to resume it. The command runs in its own process
with a pseudo-terminal as stderr; a real provider (in this process) serves the tasks and holds
one of them until the test lets go."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import job_handlers
from support.world import devnet_home

from ogpu.jobs import Job, Journal
from ogpu.types import DeliveryMethod

EXIT_INTERRUPTED = 130


class Terminal:
    """``ogpu`` in a child process whose stderr is a pseudo-terminal of ``columns`` columns."""

    def __init__(self, net: Any, tmp_path: Path, *args: str, columns: int = 100) -> None:
        home = devnet_home(net, tmp_path / "home")
        env = dict(os.environ)
        for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES"):
            env.pop(name, None)
        env.update(
            OGPU_DEVNET_HOME=str(home),
            OGPU_JOURNAL=str(tmp_path / "jobs.sqlite3"),
            OGPU_NO_DOTENV="1",
            TERM="xterm-256color",
        )
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from ogpu.cli import main; sys.exit(main())",
                *args,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=slave,
            env=env,
        )
        os.close(slave)
        self.screen = b""

    def read_until(self, text: str, timeout: float = 60.0) -> str:
        """What the terminal got so far, once it contains ``text``."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.screen:
            assert time.monotonic() < deadline, f"no {text!r} on the terminal: {self.screen!r}"
            self._read(0.1)
        return self.screen.decode(errors="replace")

    def finish(self, timeout: float = 60.0) -> tuple[int, str, str]:
        """Exit code, everything the terminal got, and stdout."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None or self._read(0.05):
            assert time.monotonic() < deadline, "the command did not end"
            self._read(0.1)
        assert self.proc.stdout is not None
        out = self.proc.stdout.read().decode()
        os.close(self.master)
        return self.proc.returncode, self.screen.decode(errors="replace"), out

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        self.screen += chunk
        return bool(chunk)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _inputs(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"a": i, "b": 1}) + "\n" for i in range(n)))
    return path


def _gated_job(
    store_net: Any, make_source: Any, serve: Any, tmp_path: Path, inputs: int, job_id: str
) -> tuple[Any, Terminal]:
    """A source served by one provider that holds every task until ``job_handlers.GATE`` is set
    (cleared here), and ``ogpu job run`` of ``inputs`` inputs on it in a terminal."""
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    job_handlers.GATE.clear()
    serve(source, names=("provider",), handler="job_handlers:gated", slots=1)
    term = Terminal(
        store_net,
        tmp_path,
        "--network",
        "devnet",
        "job",
        "run",
        source.address,
        "-f",
        "add",
        "--inputs",
        str(_inputs(tmp_path, inputs)),
        "--payment",
        "0.01",
        "--job-id",
        job_id,
    )
    return source, term


def test_live_progress_line_while_the_job_runs(
    store_net, make_source, serve, tmp_path: Path
) -> None:
    _, term = _gated_job(store_net, make_source, serve, tmp_path, 3, "tty-1")
    try:
        term.read_until("job tty-1: 3 inputs")
        # one task held by the provider: the line shows it taken, nothing confirmed yet
        held = term.read_until("attempted 1 · answered 0 · confirmed 0")
        assert "published 3/3" in held and "spent 0.03 OGPU" in held
    finally:
        job_handlers.GATE.set()
    code, screen, out = term.finish()
    assert code == 0, (screen, out)
    assert "confirmed 3 · failed 0" in screen  # the line was updated to the end
    assert "\x1b[" in screen  # drawn with terminal control sequences (a live line, not a log)
    assert "job tty-1 (done)" in out and "confirmed" in out
    assert Job.open("tty-1", journal=Journal(tmp_path / "jobs.sqlite3")).status().confirmed == 3


def test_ctrl_c_stops_the_job_and_says_how_to_resume(
    store_net, store_session, make_source, serve, tmp_path: Path
) -> None:
    source, term = _gated_job(store_net, make_source, serve, tmp_path, 2, "tty-2")
    try:
        term.read_until("published 2/2 · attempted 1")
        term.proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the foreground process
        code, screen, _ = term.finish()
    finally:
        job_handlers.GATE.set()
        term.kill()
    assert code == EXIT_INTERRUPTED, screen
    assert "stopped; nothing is lost: ogpu job resume tty-2" in screen
    assert "Traceback" not in screen
    journal = Journal(tmp_path / "jobs.sqlite3")
    job = Job.resume("tty-2", journal=journal, session=store_session)
    assert [r["total"] for r in job.results(timeout=60)] == [1, 2]
    assert source.get_task_count() == 2  # the resume published nothing again

"""pytest plugin: fail any test whose output reveals a private key.

Registered from ``tests/conftest.py`` with ``pytest_plugins = ["support.secrets_guard"]``.

After every test phase it scans what the test made visible — captured stdout/stderr, captured log
records (``report.sections``), the failure report (``longrepr``) — plus every log record emitted
anywhere during the test (a handler on the root logger and on ``ogpu``), for any known private key:
the anvil development keys of ``ogpu.devnet.accounts`` and any ``*_PRIVATE_KEY`` value in the
environment at start-up, as hex with or without ``0x``, in any letter case. A hit turns the report
into a failure that names the key's *role* (never the key) and where it was seen.

Its terminal summary line tells how many reports and log records were scanned.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterable
from typing import Any

import pytest

__all__ = ["SecretsGuard", "find_secrets", "known_secrets"]


def known_secrets() -> dict[str, str]:
    """``{lower-case hex key without 0x: label}`` for every key the suite must never reveal."""
    out: dict[str, str] = {}
    try:
        from ogpu.devnet.accounts import DEV_ROLES, dev_key

        for role in DEV_ROLES:
            out[dev_key(role).lower().removeprefix("0x")] = f"dev key of {role!r}"
    except Exception:  # the plugin must work even if the package is broken
        pass
    for name, value in os.environ.items():
        if name.endswith("PRIVATE_KEY") and value:
            hexed = value.strip().lower().removeprefix("0x")
            if len(hexed) == 64:
                out[hexed] = f"${name}"
    return out


def find_secrets(text: str, secrets: Iterable[str]) -> list[str]:
    """The secrets (lower-case hex) that occur in ``text``, case-insensitively."""
    low = text.lower()
    return [s for s in secrets if s in low]


class _Recorder(logging.Handler):
    """Keeps the hits of every record that passes through it (messages are formatted once)."""

    def __init__(self, guard: SecretsGuard) -> None:
        super().__init__(level=logging.NOTSET)
        self.guard = guard
        self.hits: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.guard.records += 1
        try:
            text = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                text += " " + repr(record.exc_info[1])
        except Exception:
            return
        for s in find_secrets(text, self.guard.secrets):
            self.hits.append((s, f"log record of {record.name!r}"))


class SecretsGuard:
    """The plugin object (one per test session)."""

    def __init__(self) -> None:
        self.secrets = known_secrets()
        self.reports = 0
        self.records = 0
        self.leaks = 0
        self._recorder: _Recorder | None = None

    def _scan_report(self, report: pytest.TestReport) -> list[tuple[str, str]]:
        hits: list[tuple[str, str]] = []
        for title, content in report.sections:
            if not title.endswith(report.when or ""):
                continue  # a later phase's report repeats the earlier phases' sections
            for s in find_secrets(content, self.secrets):
                hits.append((s, title))
        if report.longrepr is not None:
            for s in find_secrets(report.longreprtext, self.secrets):
                hits.append((s, "failure report"))
        return hits

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        recorder = _Recorder(self)
        self._recorder = recorder
        logging.getLogger().addHandler(recorder)
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        self.reports += 1
        hits = self._scan_report(report)
        recorder = self._recorder
        if recorder is not None:
            hits += recorder.hits
            recorder.hits = []
            if call.when == "teardown":
                logging.getLogger().removeHandler(recorder)
                self._recorder = None
        if not hits:
            return
        self.leaks += 1
        where = "; ".join(sorted({f"{self.secrets[s]} in {place}" for s, place in hits}))
        message = f"SECRET LEAK: a private key appeared in the test's output ({where})"
        report.sections.append(("secrets guard", message))
        if report.outcome != "failed":
            report.outcome = "failed"
            report.longrepr = message

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            f"secrets guard: {self.reports} reports and {self.records} log records scanned "
            f"for {len(self.secrets)} private keys; leaks: {self.leaks}"
        )


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("ogpu-secrets-guard"):
        config.pluginmanager.register(SecretsGuard(), "ogpu-secrets-guard")

"""Every ```python block of README.md and docs/*.md runs, page by page, against a real devnet.

Each page's blocks run in order in one namespace (a block may use names an earlier block of the
same page defined), with ``OGPU_NETWORK=devnet``, the devnet's home in ``OGPU_DEVNET_HOME``, no
role keys in the environment (the devnet dev keys sign) and a fresh default session.

The devnet is the one ``ogpu devnet up`` starts — anvil, protocol, IPFS store *and* the default
provider serving the two demo sources (``manifest["demo_sources"]``) — because the pages publish
tasks on the demo sources and wait for the provider's answers. (The ``devnet`` fixture of
``ogpu.devnet.pytest_plugin`` starts no provider, and reverts the chain after every test, which a
long-running provider process must not see.) Pages share that chain; each uses its own sources
and tasks, so their order does not matter.

Blocks fenced as ``pycon``, ``text`` or ``sh`` are not run here; the pages say why where it
matters. The README's ``sh`` walkthrough runs as a script in test_readme_walkthrough.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ogpu.devnet import manager, provider_service
from ogpu.devnet.node import free_port

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of each ```python block, in page order."""
    blocks = []
    for m in _FENCE.finditer(text):
        if m.group(1) == "python":
            line = text.count("\n", 0, m.start(2)) + 1
            blocks.append((line, m.group(2)))
    return blocks


def test_python_blocks_are_found() -> None:
    text = "a\n```python\nx = 1\n```\n```pycon\n>>> y\n```\n```python\nz = x\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n"), (9, "z = x\n")]


@pytest.fixture(scope="module")
def docs_devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``ogpu devnet up`` (with the default provider) in a temporary home; yields the home."""
    home = tmp_path_factory.mktemp("docs-devnet")
    port = free_port()
    ipfs_port = free_port()
    while ipfs_port == port:
        ipfs_port = free_port()
    try:
        manager.up(home, port=port, ipfs_port=ipfs_port, services=[provider_service.service()])
        yield home
    finally:
        manager.down(home)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_page_blocks_run(
    page: Path, docs_devnet: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ogpu.chain import set_session

    text = page.read_text()
    blocks = python_blocks(text)
    if not blocks:
        return  # a page without Python: nothing to run (its shell blocks are not executed)
    monkeypatch.setenv("OGPU_NETWORK", "devnet")
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(docs_devnet))
    monkeypatch.setenv("OGPU_NO_DOTENV", "1")
    for var in ("OGPU_RPC_URL", "OGPU_IPFS_PINNING_URL", "OGPU_IPFS_API", "OGPU_IPFS_GATEWAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    set_session(None)
    try:
        for line, code in blocks:
            where = f"{page.relative_to(REPO)}:{line}"
            try:
                exec(compile(code, where, "exec"), namespace)
            except Exception as exc:
                raise AssertionError(
                    f"the ```python block at {where} failed: {type(exc).__name__}: {exc}"
                ) from exc
    finally:
        set_session(None)


def test_shell_reads_shown_in_the_pages(docs_devnet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-only commands the pages show (``sh`` blocks are not executed) work as described."""
    import json

    from typer.testing import CliRunner

    from ogpu.chain import set_session
    from ogpu.cli.app import app

    monkeypatch.setenv("OGPU_NETWORK", "devnet")
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(docs_devnet))
    set_session(None)
    runner = CliRunner()
    try:
        st = runner.invoke(app, ["--json", "devnet", "status"])
        assert st.exit_code == 0, st.output
        status = json.loads(st.stdout)
        assert status["health"]["running"] and "keys" not in status
        assert set(status["demo_sources"]) == {"first_response", "manual"}

        prov = runner.invoke(app, ["--network", "devnet", "--json", "provider", "status"])
        assert prov.exit_code == 0, prov.output
        info = json.loads(prov.stdout)
        assert info["is_provider"] and info["master"] == status["accounts"]["master"]
        assert set(status["demo_sources"].values()) <= set(info["registered_sources"])

        logs = runner.invoke(app, ["devnet", "logs", "provider", "-n", "5"])
        assert logs.exit_code == 0, logs.output
    finally:
        set_session(None)

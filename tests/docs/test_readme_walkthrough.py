"""The README's walkthroughs run top to bottom as written, writes included, on a fresh devnet.

The ```sh blocks and the ```python block of README.md become one bash script, in page order (the
Python block runs through ``python -`` where it stands, so it sees the devnet the shell section
started and the shell section's variables are shared across its blocks). The only change to the
text: ``ogpu devnet up`` gets free ports instead of the defaults, and the devnet lives in a
temporary ``OGPU_DEVNET_HOME``. ``text`` blocks (``make demo``/``make test``) are not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ogpu.devnet import manager
from ogpu.devnet.node import free_port

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def readme_script(text: str, port: int, ipfs_port: int) -> str:
    """The README's ``sh`` and ``python`` blocks as one bash script, in page order."""
    parts = ["set -euo pipefail"]
    for m in _FENCE.finditer(text):
        kind, code = m.group(1), m.group(2)
        if kind == "sh":
            code = re.sub(
                r"^ogpu devnet up\b",
                f"ogpu devnet up --port {port} --ipfs-port {ipfs_port}",
                code,
                flags=re.MULTILINE,
            )
            parts.append(code)
        elif kind == "python":
            assert "OGPU_PY_END" not in code
            parts.append(f"python - <<'OGPU_PY_END'\n{code}OGPU_PY_END\n")
    return "\n".join(parts)


def test_script_keeps_page_order() -> None:
    text = "```text\nmake x\n```\n```sh\nogpu devnet up\nA=1\n```\n```python\nprint(1)\n```\n"
    text += "```sh\nogpu devnet down\n```\n"
    script = readme_script(text, 1, 2)
    assert "make x" not in script
    up = script.index("ogpu devnet up --port 1 --ipfs-port 2")
    assert up < script.index("python - <<") < script.index("ogpu devnet down")


@pytest.mark.timeout(600)
def test_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    # The devnet must still be up for the Python section: `down` is the page's last command.
    shell = [m.group(2) for m in _FENCE.finditer(text) if m.group(1) == "sh"]
    assert "ogpu devnet down" in shell[-1] and not any("ogpu devnet down" in b for b in shell[:-1])
    assert "python3 -c" not in text

    home = tmp_path / "devnet"
    port, ipfs_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_PRIVATE_KEY") and not k.startswith("OGPU_")
    }
    env.update(
        OGPU_DEVNET_HOME=str(home),
        OGPU_NO_DOTENV="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="100",
    )
    script = readme_script(text, port, ipfs_port)
    try:
        run = subprocess.run(
            ["bash", "-c", script],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=540,
        )
    finally:
        manager.down(home)
    out = run.stdout
    assert run.returncode == 0, f"exit {run.returncode}\nstdout:\n{out}\nstderr:\n{run.stderr}"
    assert "Traceback" not in run.stderr
    assert "100 OGPU" in out  # vault balance after `up`
    assert "FINALIZED" in out  # task watch and task list
    assert '"label": "positive"' in out  # task result
    assert out.rstrip().splitlines().count("positive") == 2  # the Python section: plain, typed
    assert not manager.status(home).running

"""A client-only install has no web server or image library: importing the client side must not
need them (they come with the ``service``/``provider``/``demo`` extras)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import metadata

SERVER_MODULES = ("fastapi", "uvicorn", "starlette", "multipart", "python_multipart")
DEMO_MODULES = ("PIL", "vaderSentiment")

_PROBE = """
import importlib, importlib.abc, sys
BLOCKED = {blocked!r}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is not installed in a client-only install")
        return None

sys.meta_path.insert(0, Block())
for module in {modules!r}:
    importlib.import_module(module)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
assert not loaded, loaded
print("ok")
"""


def test_the_client_side_imports_without_server_or_demo_libraries() -> None:
    modules = ["ogpu.chain", "ogpu.client", "ogpu", "ogpu.protocol", "ogpu.events", "ogpu.ipfs"]
    code = _PROBE.format(blocked=SERVER_MODULES + DEMO_MODULES, modules=modules)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"OGPU_NO_DOTENV": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)},
        timeout=60,
    )
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_server_libraries_are_extras_that_dev_installs() -> None:
    requires = metadata("ogpu").get_all("Requires-Dist") or []
    by_extra: dict[str, list[str]] = {}
    for req in requires:
        spec, _, marker = req.partition(";")
        extra = marker.split("extra ==")[-1].strip().strip("'\"") if "extra" in marker else ""
        by_extra.setdefault(extra, []).append(spec.strip().lower())
    core = " ".join(by_extra[""])
    for name in ("fastapi", "uvicorn", "python-multipart", "pillow", "vadersentiment"):
        assert name not in core
    assert any(d.startswith("fastapi==") for d in by_extra["service"])
    assert any(d.startswith("ogpu[service]") for d in by_extra["provider"])
    assert any(d.startswith("pillow==") for d in by_extra["demo"])
    assert any(d.startswith("ogpu[") and "demo" in d for d in by_extra["dev"])

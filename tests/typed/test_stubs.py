"""Stub generation from schema documents: every emitted module compiles, passes ``mypy --strict``,
round-trips data, and never turns a stranger's names or texts into code."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ogpu.client.stubs import generate_stubs
from ogpu.service.schemas import HandlersDocument, handlers_document

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
MARK = "OGPU_STUB_INJECTED"

HOSTILE: dict[str, Any] = {
    "version": 1,
    "functions": [
        {
            "name": "class",
            "description": f'"""\nimport os; os.environ["{MARK}"] = "1"\n"""',
            "input_schema": {
                "type": "object",
                "title": "x",
                "properties": {
                    "import os": {"type": "string"},
                    "model_dump": {"type": "integer", "default": 3},
                    "_private": {"type": "boolean"},
                    "str": {"type": "number", "maximum": 5},
                    "9lives": {"enum": ["a'b", 'c"d', 1, None]},
                    "nested": {"$ref": "#/$defs/list"},
                    "tags": {"type": "array", "items": {"type": "string"}, "default": ["x"]},
                    "weird": {"type": "object", "properties": {"deep": {"type": "integer"}}},
                },
                "required": ["import os"],
                "$defs": {
                    "list": {
                        "type": "object",
                        "description": "'); import os; os._exit(3) #",
                        "properties": {"self": {"$ref": "#/$defs/list"}},
                    }
                },
            },
            "output_schema": {"type": "object", "properties": {"ok": {"const": True}}},
        },
        {
            "name": "str",
            "description": "",
            "input_schema": {"type": "object"},
            "output_schema": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
    ],
}


def _write(tmp_path: Path, document: dict[str, Any], name: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(generate_stubs(HandlersDocument.parse(document), source=SOURCE))
    return path


def _mypy(tmp_path: Path, *paths: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{tmp_path}"}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_hostile_names_and_texts_stay_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MARK, raising=False)
    demo = _write(tmp_path, handlers_document("ogpu.devnet.demo_handlers"), "demo_stubs")
    path = _write(tmp_path, HOSTILE, "hostile_stubs")
    _mypy(tmp_path, demo, path)
    module = _load(path)
    assert MARK not in os.environ
    assert callable(module.class_) and callable(module.str_)
    model = module.ClassIn.model_validate({"import os": "x", "9lives": "a'b", "str": 4})
    dumped = model.model_dump(mode="json")
    assert dumped["import os"] == "x" and dumped["9lives"] == "a'b" and dumped["model_dump"] == 3
    assert "_private" not in dumped  # absent optional fields are not sent
    assert MARK in (module.class_.__doc__ or "")  # the text is kept, as text
    HandlersDocument.parse(HOSTILE).check("class", dumped)

"""Import a source's handler module and find the service its handlers registered on.

>>> svc = load_handlers("ogpu.devnet.demo_handlers")
>>> svc.names()
['echo', 'hash', 'sentiment', 'text_stats', 'thumbnail']
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from ogpu.service.errors import ServiceError
from ogpu.service.handler import Service, default_service

__all__ = ["load_handlers"]


def _import(module_path: str) -> ModuleType:
    if module_path.endswith(".py") or "/" in module_path or "\\" in module_path:
        path = Path(module_path).resolve()
        if not path.is_file():
            raise ServiceError(f"handler file {module_path!r} does not exist")
        name = f"_ogpu_source_{path.stem}_{abs(hash(str(path))):x}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ServiceError(f"cannot import handler file {module_path!r}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
        return module
    try:
        return importlib.import_module(module_path)
    except ModuleNotFoundError as exc:
        if exc.name and module_path.startswith(exc.name):
            raise ServiceError(f"cannot import handler module {module_path!r}: {exc}") from exc
        raise


def load_handlers(module_path: str) -> Service:
    """Import ``pkg.module`` (or ``pkg.module:attr``, or a ``.py`` file) and return its service.

    Resolution: ``:attr`` names the :class:`Service` explicitly; otherwise the single ``Service``
    instance defined in the module's globals; otherwise a new service holding the handlers the
    module registered on the process-default service (bare ``@expose``).
    """
    target, _, attr = module_path.partition(":")
    module = _import(target)
    if attr:
        svc = getattr(module, attr, None)
        if not isinstance(svc, Service):
            raise ServiceError(f"{module_path!r} is not an ogpu.service.Service")
        return svc
    found = {id(v): v for v in vars(module).values() if isinstance(v, Service)}
    own = [s for s in found.values() if s is not default_service()]
    if len(own) == 1:
        return own[0]
    if len(own) > 1:
        names = sorted(k for k, v in vars(module).items() if isinstance(v, Service))
        raise ServiceError(
            f"module {target!r} defines several services ({', '.join(names)}); "
            f"pick one with '{target}:<name>'"
        )
    default = default_service()
    selected = Service(module.__name__, max_output_bytes=default.max_output_bytes)
    for handler in default.handlers.values():
        if handler.module == module.__name__:
            selected.add(handler)
    init = default.init_handler
    if init is not None and getattr(init, "__module__", None) == module.__name__:
        selected.init(init)
    if not len(selected):
        raise ServiceError(f"module {target!r} registered no handlers (use @expose on a function)")
    return selected

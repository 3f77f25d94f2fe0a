"""The provider runtime: serve sources, attempt tasks, run handlers, submit responses.

Example::

    from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding
    rt = ProviderRuntime(ProviderConfig(
        provider=provider_key, master=master_address,
        sources=[SourceBinding.parse(f"{source}=ogpu.devnet.demo_handlers")], slots=4))
    rt.start(); rt.stats()["in_flight"]
    # 0
    rt.stop()
    # []

From the shell: ``ogpu provider run --source 0xSRC=pkg.module --master 0xMASTER`` or
``python -m ogpu.provider ...`` (same options).
"""

from ogpu.provider.handlers import HandlerError, HttpHandler, ModuleHandler, make_handler
from ogpu.provider.runtime import ProviderConfig, ProviderRuntime, ProviderSetupError, SourceBinding
from ogpu.provider.state import ProviderState, default_state_dir

__all__ = [
    "HandlerError",
    "HttpHandler",
    "ModuleHandler",
    "ProviderConfig",
    "ProviderRuntime",
    "ProviderSetupError",
    "ProviderState",
    "SourceBinding",
    "default_state_dir",
    "make_handler",
]

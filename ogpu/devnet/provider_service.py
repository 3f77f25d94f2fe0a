"""The devnet's default provider: two demo sources and a provider process serving them.

:func:`service` is the :class:`~ogpu.devnet.processes.ExtraService` ``provider``; given it,
``up`` then (after anvil, the deployment and IPFS):

* publishes two demo sources from the client dev account (handlers of
  :mod:`ogpu.devnet.demo_handlers`), one FIRST_RESPONSE and one MANUAL_CONFIRMATION, and records
  them in the manifest as ``"demo_sources": {"first_response": addr, "manual": addr}`` and
  ``"demo_source"`` (= the FIRST_RESPONSE one); a chain restored from ``--state`` keeps its sources;
* starts ``python -m ogpu.provider run ...`` detached (``OGPU_NETWORK=devnet``), serving both sources with
  the provider dev key (paired with the master dev account by ``up``), logging to
  ``<home>/logs/provider.log``, its state in ``<home>/provider/``.

Example::

    from ogpu.devnet import manager, provider_service
    info = manager.up(services=[provider_service.service()])
    info.manifest["demo_source"]     # publish tasks here; the provider answers them
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ogpu.devnet.manifest import log_path, manifest_path, read_manifest_or_none, write_manifest
from ogpu.devnet.node import rpc_call, spawn_logged, wait_started
from ogpu.devnet.processes import ExtraService
from ogpu.provider.fetch import ALLOWED_ORIGINS_ENV

__all__ = [
    "DEMO_HANDLERS",
    "SERVICE_NAME",
    "publish_demo_sources",
    "service",
    "start_provider",
]

SERVICE_NAME = "provider"
DEMO_HANDLERS = "ogpu.devnet.demo_handlers"
#: The minimum payment of the demo sources (0.001 OGPU).
DEMO_MIN_PAYMENT = 10**15


def publish_demo_sources(home: Path, previous: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Publish the two demo sources, or return the ``previous`` ones when the chain (restored
    from ``--state``) still has them; returns their addresses."""
    from ogpu.chain import Session
    from ogpu.chain.networks import load_devnet_manifest
    from ogpu.devnet.accounts import dev_account, dev_key
    from ogpu.protocol import nexus
    from ogpu.service.schemas import METADATA_FIELD, handlers_document
    from ogpu.types import DeliveryMethod, SourceParams

    session = Session(load_devnet_manifest(manifest_path(home)))
    try:
        if (
            previous
            and {"first_response", "manual"} <= set(previous)
            and all(nexus.get_source_id(str(a), session=session) != 0 for a in previous.values())
        ):
            return {k: str(v) for k, v in previous.items()}
        client = dev_account("client").address
        out: dict[str, str] = {}
        for key, method in (
            ("first_response", DeliveryMethod.FIRST_RESPONSE),
            ("manual", DeliveryMethod.MANUAL_CONFIRMATION),
        ):
            meta_url = session.ipfs.publish(
                {
                    "cpu": DEMO_HANDLERS,
                    "nvidia": "",
                    "amd": "",
                    "name": f"devnet demo ({key.replace('_', ' ')})",
                    "description": "text_stats, sentiment, thumbnail, hash, echo "
                    "(ogpu.devnet.demo_handlers), served by the devnet provider",
                    "logoUrl": "",
                    METADATA_FIELD: handlers_document(DEMO_HANDLERS),
                },
                "imageMetadata.json",
            )
            params = SourceParams(
                client=client,
                imageMetadataUrl=meta_url,
                imageEnvironments=1,
                minPayment=DEMO_MIN_PAYMENT,
                minAvailableLockup=0,
                maxExpiryDuration=86_400,
                deliveryMethod=int(method),
            )
            receipt = nexus.publish_source(params, signer=dev_key("client"), session=session)
            out[key] = nexus.extract_source_address(receipt, session=session)
        return out
    finally:
        session.close()


def start_provider(home: Path, manifest: Mapping[str, Any]) -> subprocess.Popen[bytes]:
    """The ``ExtraService.start`` of the provider: demo sources, manifest update, process."""
    from ogpu.chain import Session
    from ogpu.chain.networks import load_devnet_manifest
    from ogpu.devnet.accounts import dev_account
    from ogpu.protocol import Source

    previous = (read_manifest_or_none(home) or {}).get("demo_sources")
    # The provider process reads the network from the manifest: write it before starting it.
    write_manifest(home, manifest)
    sources = publish_demo_sources(home, previous if isinstance(previous, dict) else None)
    state_dir = home / "provider"
    if sources != previous:
        shutil.rmtree(state_dir, ignore_errors=True)  # a new chain: old cursors are meaningless
    added = {"demo_sources": dict(sources), "demo_source": sources["first_response"]}
    if isinstance(manifest, dict):  # ``up`` passes its own dict: the additions land in the manifest
        manifest.update(added)
    write_manifest(home, {**manifest, **added})
    from_block = int(rpc_call(str(manifest["rpc_url"]), "eth_blockNumber"), 16)
    master = str((manifest.get("accounts") or {}).get("master"))
    args = [sys.executable, "-m", "ogpu.provider", "run", "--master", master]
    for source in sources.values():
        args += ["--source", f"{source}={DEMO_HANDLERS}"]
    args += ["--state-dir", str(state_dir), "--from-block", str(from_block)]
    env = {**os.environ, "OGPU_DEVNET_HOME": str(home), "OGPU_NETWORK": "devnet"}
    # Task configs come from the devnet's own store on a loopback address: allow that origin only.
    env[ALLOWED_ORIGINS_ENV] = str((manifest.get("ipfs") or {}).get("api_url", ""))
    env.pop("PROVIDER_PRIVATE_KEY", None)  # the devnet provider is the provider dev account
    log = log_path(home, SERVICE_NAME)
    proc = spawn_logged(args, log, env=env)
    provider = dev_account("provider").address
    session = Session(load_devnet_manifest(manifest_path(home)))

    def serving() -> bool:
        return all(Source(s, session).get_registrant_id(provider) for s in sources.values())

    # Return once the provider is registered to every demo source, so that ``up`` hands over a
    # network whose tasks are answered.
    try:
        wait_started(proc, "the devnet provider", serving, log, 30.0, poll=0.1)
    except BaseException:
        proc.kill()  # ``up`` only learns of the process from the return value
        proc.wait()
        raise
    finally:
        session.close()
    return proc


def service() -> ExtraService:
    """The devnet provider as a service for ``manager.up(services=[...])``.

    >>> service().name
    'provider'
    """
    return ExtraService(SERVICE_NAME, start_provider, marker="ogpu.provider")

"""Fixtures for IPFS tests: a real in-process store on a free port and client factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.ipfs import IPFSClient, KuboBackend, PinningBackend


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IPFSStore]:
    """One running store per test module (real HTTP on 127.0.0.1)."""
    s = IPFSStore(tmp_path_factory.mktemp("ipfs-store"), max_upload_bytes=2 * 1024 * 1024)
    s.start()
    yield s
    s.stop()


@pytest.fixture
def pinning_client(store: IPFSStore) -> Iterator[IPFSClient]:
    with IPFSClient(
        PinningBackend(f"{store.url}/file/create"), gateway=store.url, retries=0, timeout=5
    ) as c:
        yield c


@pytest.fixture
def kubo_client(store: IPFSStore) -> Iterator[IPFSClient]:
    with IPFSClient(KuboBackend(store.url), gateway=store.url, retries=0, timeout=5) as c:
        yield c


Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def mock_client() -> Iterator[Callable[..., tuple[IPFSClient, list[float]]]]:
    """Build an IPFSClient over ``httpx.MockTransport(handler)``; returns it and its sleeps."""
    opened: list[httpx.Client] = []

    def make(handler: Handler, **kwargs: object) -> tuple[IPFSClient, list[float]]:
        sleeps: list[float] = []
        http = httpx.Client(transport=httpx.MockTransport(handler))
        opened.append(http)
        opts: dict[str, object] = {"retries": 2, "backoff": 0.1, "timeout": 5}
        opts.update(kwargs)
        client = IPFSClient(
            PinningBackend("https://pin.test/file/create"),
            gateway="https://gw.test",
            http=http,
            sleep=sleeps.append,
            **opts,  # type: ignore[arg-type]
        )
        return client, sleeps

    yield make
    for http in opened:
        http.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"

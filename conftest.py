"""The environment of the package's doctests (``--doctest-modules`` over ``ogpu/``).

A doctest that names ``devnet`` runs against the session's devnet (the ``devnet`` fixture of
``ogpu.devnet.pytest_plugin``: one per session, each doctest inside a snapshot reverted after it).
Around every doctest: no role keys or ``OGPU_*`` network settings of the developer's environment,
no ``.env`` read, and a devnet home of the session's own, so examples sign with the devnet's
development keys and never reach ``~/.ogpu``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ogpu.devnet.pytest_plugin import _doctest_wants_devnet

_CLEARED = (
    "CLIENT_PRIVATE_KEY",
    "PROVIDER_PRIVATE_KEY",
    "MASTER_PRIVATE_KEY",
    "AGENT_PRIVATE_KEY",
    "OGPU_NETWORK",
    "OGPU_RPC_URL",
    "OGPU_IPFS_PINNING_URL",
    "OGPU_IPFS_API",
    "OGPU_IPFS_GATEWAY",
    "OGPU_JOURNAL",
)


@pytest.fixture(scope="session")
def _doctest_devnet_home(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("doctest-devnet-home"))


@pytest.fixture(autouse=True)
def _doctest_environment(request: pytest.FixtureRequest) -> Iterator[None]:
    if type(request.node).__name__ != "DoctestItem":
        yield
        return
    request.getfixturevalue("_ogpu_chain_isolation")  # the devnet doctests' home is set by then
    with pytest.MonkeyPatch.context() as mp:
        for var in _CLEARED:
            mp.delenv(var, raising=False)
        mp.setenv("OGPU_NO_DOTENV", "1")
        if not _doctest_wants_devnet(request):
            mp.setenv("OGPU_DEVNET_HOME", request.getfixturevalue("_doctest_devnet_home"))
        yield

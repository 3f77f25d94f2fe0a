"""The public surface of ogpu.ipfs keeps the official names and parameters."""

from __future__ import annotations

import inspect

import ogpu.ipfs as ipfs
from ogpu.types import errors as core_errors


def test_all_names_exist() -> None:
    for name in ipfs.__all__:
        assert hasattr(ipfs, name), name


def test_official_signatures() -> None:
    publish = inspect.signature(ipfs.publish_to_ipfs).parameters
    assert list(publish)[:7] == [
        "data",
        "filename",
        "content_type",
        "timeout",
        "retries",
        "backoff",
        "_deadline",
    ]
    assert publish["filename"].default == "data.json"
    assert publish["content_type"].default == "application/json"
    assert list(inspect.signature(ipfs.fetch_ipfs_json).parameters)[:2] == ["url", "timeout"]


def test_errors_are_the_core_classes() -> None:
    assert ipfs.IPFSError is core_errors.IPFSError
    assert ipfs.IPFSFetchError is core_errors.IPFSFetchError
    assert ipfs.IPFSGatewayError is core_errors.IPFSGatewayError
    assert issubclass(ipfs.IPFSError, core_errors.OGPUError)
    assert issubclass(ipfs.IPFSSizeLimitError, core_errors.IPFSFetchError)
    err = ipfs.IPFSContentMismatchError("https://gw/ipfs/Qm1", "Qm1", "Qm2")
    assert isinstance(err, core_errors.IPFSFetchError)
    assert isinstance(err, core_errors.IPFSIntegrityError)
    assert err.url == "https://gw/ipfs/Qm1" and "Qm2" in str(err)


def test_ipfs_specific_errors_pickle_with_their_fields() -> None:
    import pickle

    for err in (
        ipfs.IPFSContentMismatchError("https://gw/ipfs/Qm1", "Qm1", "Qm2"),
        ipfs.IPFSSizeLimitError("https://gw/x", 1024),
    ):
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err)
        assert back.__dict__ == err.__dict__
        assert str(back) == str(err)

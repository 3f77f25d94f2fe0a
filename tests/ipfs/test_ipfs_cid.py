"""Content addressing: Kubo vectors, tree shape, URL parsing, verification."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multiformats import CID, multihash

from ogpu.ipfs import cid as cidmod
from ogpu.ipfs.cid import cid_and_size, cid_of, is_cid, parse_cid_from_url, verify

HELLO = b"hello world\n"
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
HELLO_V1_DAGPB = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"

VECTORS = [
    (b"", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"),
    (HELLO, HELLO_V0),
    (bytes(range(256)) * 4096, "QmNVwWg6N5yixbSukgRFyXez5HdRY52RhEbg823ejW3cHn"),
    (bytes(i % 251 for i in range(1_000_003)), "QmQojuafiQjGaCHqGb7AnP9yiLWoSom7qLP3evT2UVV9JY"),
]


def _multi_level() -> bytes:
    # 174 full chunks + 1 byte: the root links a full 174-leaf subtree and a 1-leaf subtree.
    return random.Random(174).randbytes(174 * 262144 + 1)


# Computed by Debian's ipfs_cid (agrees with Kubo) on _multi_level().
MULTI_LEVEL_V0 = "QmbgY8eftqLkzvTDtMAukoip7hxZE4mfheopbqggu4qJEp"
MULTI_LEVEL_V1 = "bafybeiggiaobunsunzhifz3jpg4j7nbgmbbzwxhswtbelegnnxdw24ac6u"


@pytest.mark.parametrize(("data", "expected"), VECTORS, ids=["empty", "hello", "1MiB", "1M+3"])
def test_cid_of_matches_kubo_vectors(data: bytes, expected: str) -> None:
    assert cid_of(data) == expected
    assert verify(data, expected)


def test_cid_of_multi_level_tree_matches_reference() -> None:
    data = _multi_level()
    assert cid_of(data) == MULTI_LEVEL_V0
    assert verify(data, MULTI_LEVEL_V1)


def test_cid_and_size_reports_kubo_dag_size() -> None:
    # `ipfs add` of "hello world\n" reports Size "20" (6 bytes of framing + 12 of content + 2).
    assert cid_and_size(HELLO) == (HELLO_V0, 20)


@pytest.mark.skipif(shutil.which("ipfs_cid") is None, reason="Debian ipfs-cid not installed")
@pytest.mark.parametrize("size", [0, 1, 262144, 262145, 3 * 262144 + 17])
def test_cid_of_agrees_with_ipfs_cid_tool(tmp_path: Path, size: int) -> None:
    data = random.Random(size).randbytes(size)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    out = subprocess.run(
        ["ipfs_cid", str(path)], capture_output=True, check=True, text=True, timeout=60
    ).stdout
    answer = json.loads(out.strip().splitlines()[0])
    assert cid_of(data) == answer["CIDv0"]
    assert verify(data, answer["CIDv1"])


# --- tree shape ----------------------------------------------------------------------------------


def _kubo_balanced_reference(data: bytes, chunk_size: int, max_links: int) -> str:
    """Literal port of go-unixfs importer/balanced Layout + fillNodeRec."""
    chunks: Iterator[bytes] = iter(
        [data[i : i + chunk_size] for i in range(0, len(data), chunk_size)] or [b""]
    )
    pending: list[bytes] = []

    def done() -> bool:
        if pending:
            return False
        nxt = next(chunks, None)
        if nxt is None:
            return True
        pending.append(nxt)
        return False

    def leaf() -> tuple[bytes, int, int]:
        done()
        chunk = pending.pop()
        block = cidmod._pb_node((), cidmod._unixfs_file(chunk, len(chunk)))
        return b"\x12\x20" + hashlib.sha256(block).digest(), len(chunk), len(block)

    def commit(children: list[tuple[bytes, int, int]]) -> tuple[bytes, int, int]:
        size = sum(c[1] for c in children)
        block = cidmod._pb_node(
            [cidmod._pb_link(c[0], c[2]) for c in children],
            cidmod._unixfs_file(b"", size, [c[1] for c in children]),
        )
        tsize = len(block) + sum(c[2] for c in children)
        return b"\x12\x20" + hashlib.sha256(block).digest(), size, tsize

    def fill(children: list[tuple[bytes, int, int]], depth: int) -> tuple[bytes, int, int]:
        while len(children) < max_links and not done():
            children.append(leaf() if depth == 1 else fill([], depth - 1))
        return commit(children)

    root = leaf()
    depth = 1
    while not done():
        root = fill([root], depth)
        depth += 1
    return str(CID("base58btc", 0, "dag-pb", root[0]))


@pytest.mark.parametrize("max_links", [2, 3, 5])
def test_tree_shape_matches_kubo_balanced_builder(max_links: int) -> None:
    rng = random.Random(max_links)
    for length in [*range(0, 70), 124, 125, 126, 250, 251, 500, 501]:
        data = rng.randbytes(length)
        assert cid_of(data, chunk_size=4, max_links=max_links) == _kubo_balanced_reference(
            data, 4, max_links
        ), length


def test_cid_of_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        cid_of(b"x", chunk_size=0)
    with pytest.raises(ValueError):
        cid_of(b"x", max_links=1)


# --- URL parsing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://cipfs.ogpuscan.io/ipfs/{HELLO_V0}", HELLO_V0),
        (f"https://cipfs.ogpuscan.io/ipfs/{HELLO_V0}/", HELLO_V0),
        (f"http://127.0.0.1:8080/ipfs/{HELLO_V0}/dir/file.json", HELLO_V0),
        (f"https://gw.example/ipfs/{HELLO_V0}?filename=x.json", HELLO_V0),
        (f"ipfs://{HELLO_V0}", HELLO_V0),
        (f"ipfs://{HELLO_V0}/a/b", HELLO_V0),
        (f"ipfs:///{HELLO_V0}", HELLO_V0),
        (f"https://{HELLO_V1_DAGPB}.ipfs.dweb.link/", HELLO_V1_DAGPB),
        (f"https://{HELLO_V1_DAGPB}.ipfs.dweb.link/x.json", HELLO_V1_DAGPB),
        (f"  {HELLO_V0} ", HELLO_V0),
        (HELLO_V1_DAGPB, HELLO_V1_DAGPB),
        ("https://example.com/ipfs/notacid", None),
        ("https://example.com/file.json", None),
        ("https://example.com/ipns/example.com", None),
        (f"https://example.com/ipfs/{HELLO_V0[:-1]}", None),
        ("", None),
    ],
)
def test_parse_cid_from_url(url: str, expected: str | None) -> None:
    assert parse_cid_from_url(url) == expected


def test_is_cid_rejects_garbage_and_accepts_both_versions() -> None:
    assert is_cid(HELLO_V0) and is_cid(HELLO_V1_DAGPB)
    assert not is_cid("Qm" + "1" * 44)
    assert not is_cid("hello")


def test_has_subpath() -> None:
    assert not cidmod.has_subpath(f"https://gw/ipfs/{HELLO_V0}")
    assert not cidmod.has_subpath(f"https://gw/ipfs/{HELLO_V0}/")
    assert cidmod.has_subpath(f"https://gw/ipfs/{HELLO_V0}/a.json")
    assert cidmod.has_subpath(f"ipfs://{HELLO_V0}/a.json")
    assert not cidmod.has_subpath(f"ipfs://{HELLO_V0}")
    assert cidmod.has_subpath(f"https://{HELLO_V1_DAGPB}.ipfs.dweb.link/a.json")


# --- verification ----------------------------------------------------------------------------------


def test_verify_cidv1_dag_pb_and_raw() -> None:
    assert verify(HELLO, HELLO_V1_DAGPB)
    raw = CID("base32", 1, "raw", multihash.digest(HELLO, "sha2-256"))
    assert str(raw) == "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"
    assert verify(HELLO, raw)
    assert verify(HELLO, str(raw))
    assert not verify(b"hello world!", raw)
    blake = CID("base32", 1, "raw", multihash.digest(HELLO, "sha2-512"))
    assert verify(HELLO, blake)


def test_verify_cidv1_raw_leaves_layout() -> None:
    # `ipfs add --cid-version=1` uses raw leaves: internal dag-pb nodes link CIDv1 raw blocks.
    data = bytes(range(256)) * 4096
    root = cidmod._root(data, cidmod.DEFAULT_CHUNK_SIZE, cidmod.DEFAULT_MAX_LINKS, raw_leaves=True)
    v1 = CID.decode(root.cid_bytes)
    assert v1.codec.name == "dag-pb" and v1.version == 1
    assert verify(data, v1)
    assert not verify(data[:-1] + b"\x00", v1)


def test_verify_rejects_other_codecs_and_wrong_content() -> None:
    other = CID("base32", 1, "dag-cbor", multihash.digest(HELLO, "sha2-256"))
    assert not verify(HELLO, other)
    assert not verify(b"hello world\r\n", HELLO_V0)
    with pytest.raises(ValueError):
        verify(HELLO, "not-a-cid")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096), st.data())
def test_property_cid_deterministic_and_verifiable(data: bytes, draw: st.DataObject) -> None:
    cid = cid_of(data)
    assert cid == cid_of(bytes(data))
    assert cid.startswith("Qm") and is_cid(cid)
    assert verify(data, cid)
    if data:
        i = draw.draw(st.integers(0, len(data) - 1))
        bit = draw.draw(st.integers(0, 7))
        flipped = bytearray(data)
        flipped[i] ^= 1 << bit
        assert not verify(bytes(flipped), cid)
    assert not verify(data + b"\x00", cid)


@settings(max_examples=8, deadline=None)
@given(st.integers(262144 - 2, 262144 * 2 + 2), st.integers(0, 2**32 - 1))
def test_property_chunk_boundaries_flip_detected(length: int, seed: int) -> None:
    data = random.Random(seed).randbytes(length)
    cid = cid_of(data)
    assert verify(data, cid)
    i = random.Random(seed + 1).randrange(length)
    flipped = bytearray(data)
    flipped[i] ^= 0xFF
    assert not verify(bytes(flipped), cid)

"""The devnet's demo handlers, checked against real values (and the PNG/Keccak code they use)."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib

import pytest
from eth_utils import keccak

from ogpu.devnet import demo_handlers as dh
from ogpu.service import HandlerFailedError, HandlerInputError, Service, load_handlers


@pytest.fixture(scope="module")
def demo() -> Service:
    return load_handlers("ogpu.devnet.demo_handlers")


# -- text_stats -------------------------------------------------------------------------------


def test_text_stats_known_sentence(demo: Service) -> None:
    text = "The quick brown fox jumps over the lazy dog. The dog sleeps!"
    out = demo.run("text_stats", {"text": text, "top_n": 3})
    assert out["characters"] == 60
    assert out["characters_no_spaces"] == 49
    assert out["words"] == 12
    assert out["unique_words"] == 9
    assert out["sentences"] == 2
    assert out["paragraphs"] == 1
    assert out["avg_word_length"] == round(47 / 12, 2)
    assert out["avg_sentence_length"] == 6.0
    assert out["reading_time_seconds"] == 3.6  # 12 words at 200 wpm
    assert out["top_words"] == [
        {"word": "dog", "count": 2},
        {"word": "brown", "count": 1},
        {"word": "fox", "count": 1},
    ]


def test_text_stats_stopwords_paragraphs_and_empty(demo: Service) -> None:
    out = demo.run(
        "text_stats",
        {"text": "It is what it is.\n\nDon't stop", "exclude_stopwords": False, "top_n": 2},
    )
    assert out["words"] == 7  # "Don't" is one word
    assert out["sentences"] == 2  # trailing text without a full stop counts
    assert out["paragraphs"] == 2
    assert out["top_words"] == [{"word": "is", "count": 2}, {"word": "it", "count": 2}]
    empty = demo.run("text_stats", {"text": ""})
    assert (empty["words"], empty["sentences"], empty["avg_word_length"]) == (0, 0, 0.0)


def test_text_stats_rejects_bad_input(demo: Service) -> None:
    with pytest.raises(HandlerInputError) as info:
        demo.run("text_stats", {"text": "x", "words_per_minute": 1})
    assert info.value.errors[0]["loc"] == ["words_per_minute"]


# -- sentiment --------------------------------------------------------------------------------


def test_sentiment_negation(demo: Service) -> None:
    out = demo.run("sentiment", {"text": "not good"})
    assert out["label"] == "negative"
    assert -1 <= out["score"] < -0.05
    (term,) = out["matched"]
    assert term == {
        "term": "good",
        "base_weight": 1.9,
        "weight": round(1.9 * -0.74, 4),
        "negated": True,
        "position": 1,
    }
    assert demo.run("sentiment", {"text": "This isn't bad at all"})["label"] == "positive"
    assert demo.run("sentiment", {"text": "I don't hate it"})["score"] > 0


def test_sentiment_labels_and_range(demo: Service) -> None:
    pos = demo.run("sentiment", {"text": "What a great, really excellent product. I love it!"})
    assert pos["label"] == "positive" and 0.8 < pos["score"] <= 1
    assert [t["term"] for t in pos["matched"]] == ["great", "excellent", "love"]
    assert pos["matched"][1]["weight"] == round(3.2 * 1.3, 4)  # "really" intensifies
    neg = demo.run("sentiment", {"text": "Terrible, buggy and slow. The worst."})
    assert neg["label"] == "negative" and -1 <= neg["score"] < -0.5
    neutral = demo.run("sentiment", {"text": "The box is on the table."})
    assert neutral == {
        "score": 0.0,
        "label": "neutral",
        "positive": 0.0,
        "negative": 0.0,
        "tokens": 6,
        "matched": [],
    }


def test_sentiment_but_clause_dominates(demo: Service) -> None:
    out = demo.run("sentiment", {"text": "The screen is nice but the battery is terrible"})
    assert out["label"] == "negative"
    weights = {t["term"]: t["weight"] for t in out["matched"]}
    assert weights == {"nice": round(1.8 * 0.5, 4), "terrible": round(-2.1 * 1.5, 4)}


# -- thumbnail and the PNG codec --------------------------------------------------------------


def test_thumbnail_of_generated_gradient(demo: Service) -> None:
    out = demo.run(
        "thumbnail",
        {
            "generate": {"kind": "gradient", "width": 64, "height": 48},
            "max_width": 16,
            "max_height": 16,
        },
    )
    assert (out["width"], out["height"]) == (16, 12)
    assert (out["source_width"], out["source_height"]) == (64, 48)
    assert out["source_format"] == "generated" and out["mode"] == "RGB"
    png = base64.b64decode(out["png_base64"])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) == out["png_bytes"]
    img = dh.decode_png(png)
    assert (img.width, img.height, img.channels) == (16, 12, 3)
    # each thumbnail pixel averages a 4x4 block: red ~ 255*(4i+1.5)/63, green ~ 255*(4j+1.5)/47
    for i, j in [(0, 0), (15, 0), (0, 11), (7, 5), (15, 11)]:
        r, g, b = img.pixel(i, j)
        assert abs(r - 255 * (4 * i + 1.5) / 63) <= 1.0
        assert abs(g - 255 * (4 * j + 1.5) / 47) <= 1.0
        assert b == 128
    assert out["mean_color"][2] == 128.0
    assert 126 < out["mean_color"][0] < 129


def _png(
    width: int,
    height: int,
    color_type: int,
    rows: list[bytes],
    *,
    depth: int = 8,
    filters: list[int] | None = None,
    bpp: int = 3,
    extra: bytes = b"",
) -> bytes:
    """An independent PNG writer for the decoder tests (applies the given filter per row)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    def paeth(a: int, b: int, c: int) -> int:
        p = a + b - c
        pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
        return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

    raw = bytearray()
    prev = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        f = filters[y % len(filters)] if filters else 0
        raw.append(f)
        for i, v in enumerate(row):
            left = row[i - bpp] if i >= bpp else 0
            up = prev[i]
            ul = prev[i - bpp] if i >= bpp else 0
            pred = [0, left, up, (left + up) >> 1, paeth(left, up, ul)][f]
            raw.append((v - pred) & 0xFF)
        prev = row
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", zlib.compress(bytes(raw)))
        + chunk(b"IEND", b"")
    )


def test_png_decoder_handles_all_filter_types() -> None:
    w, h = 7, 10
    rows = [
        bytes((x * 37 + y * 11 + c * 5) % 256 for x in range(w) for c in range(3)) for y in range(h)
    ]
    img = dh.decode_png(_png(w, h, 2, rows, filters=[0, 1, 2, 3, 4]))
    assert img.pixels == b"".join(rows)


def test_png_decoder_colour_types() -> None:
    gray_rows = [bytes([10, 200, 30]), bytes([40, 50, 60])]
    gray = dh.decode_png(_png(3, 2, 0, gray_rows, bpp=1, filters=[1, 4]))
    assert gray.channels == 3 and gray.pixel(1, 0) == (200, 200, 200)

    rgba_rows = [bytes([1, 2, 3, 4, 5, 6, 7, 8])]
    rgba = dh.decode_png(_png(2, 1, 6, rgba_rows, bpp=4, filters=[3]))
    assert rgba.mode == "RGBA" and rgba.pixel(1, 0) == (5, 6, 7, 8)

    ga = dh.decode_png(_png(2, 1, 4, [bytes([9, 100, 20, 200])], bpp=2))
    assert ga.pixel(0, 0) == (9, 9, 9, 100) and ga.pixel(1, 0) == (20, 20, 20, 200)

    deep_rows = [bytes([0x12, 0x34, 0xAB, 0xCD, 0xFF, 0x00])]
    deep = dh.decode_png(_png(1, 1, 2, deep_rows, depth=16, bpp=6, filters=[2]))
    assert deep.pixel(0, 0) == (0x12, 0xAB, 0xFF)

    plte = struct.pack(">I", 6) + b"PLTE" + bytes([255, 0, 0, 0, 0, 255])
    plte += struct.pack(">I", zlib.crc32(b"PLTE" + bytes([255, 0, 0, 0, 0, 255])))
    pal = dh.decode_png(_png(3, 1, 3, [bytes([0, 1, 0])], bpp=1, extra=plte))
    assert [pal.pixel(x, 0) for x in range(3)] == [(255, 0, 0), (0, 0, 255), (255, 0, 0)]


def test_png_roundtrip_and_errors() -> None:
    img = dh.Image(3, 2, 4, bytes(range(24)))
    assert dh.decode_png(dh.encode_png(img)) == img
    good = dh.encode_png(dh.Image(1, 1, 3, b"\x01\x02\x03"))
    corrupt = bytearray(good)
    corrupt[20] ^= 0xFF  # inside IHDR
    with pytest.raises(ValueError, match="bad CRC"):
        dh.decode_png(bytes(corrupt))
    with pytest.raises(ValueError, match="signature"):
        dh.decode_png(b"GIF89a")
    interlaced = _png(1, 1, 2, [b"\x00\x00\x00"]).replace(
        struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0), struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 1)
    )
    with pytest.raises(ValueError):
        dh.decode_png(interlaced)


def test_thumbnail_of_uploaded_png_and_ppm(demo: Service) -> None:
    checker = dh.generate_image(dh.ImageSpec(kind="checkerboard", width=40, height=20, cell=2))
    out = demo.run(
        "thumbnail",
        {"image_base64": base64.b64encode(dh.encode_png(checker)).decode(), "max_width": 10},
    )
    assert (out["width"], out["height"], out["source_format"]) == (10, 5, "png")
    thumb = dh.decode_png(base64.b64decode(out["png_base64"]))
    # 4x4 blocks of a 2-pixel checkerboard average to mid grey
    assert all(abs(v - 127.5) <= 1 for v in thumb.pixels)

    ppm = b"P6\n# a comment\n4 2\n255\n" + bytes([200, 100, 50]) * 8
    out = demo.run("thumbnail", {"image_base64": base64.b64encode(ppm).decode(), "max_width": 2})
    assert (out["width"], out["height"], out["source_format"]) == (2, 1, "ppm")
    assert dh.decode_png(base64.b64decode(out["png_base64"])).pixel(1, 0) == (200, 100, 50)

    ascii_ppm = b"P3 2 1 15\n15 0 0  0 15 0\n"
    img = dh.decode_ppm(ascii_ppm)
    assert img.pixel(0, 0) == (255, 0, 0) and img.pixel(1, 0) == (0, 255, 0)


def test_thumbnail_never_upscales_and_validates(demo: Service) -> None:
    out = demo.run(
        "thumbnail", {"generate": {"kind": "solid", "width": 5, "height": 3, "color": [1, 2, 3]}}
    )
    assert (out["width"], out["height"]) == (5, 3)
    assert out["mean_color"] == [1.0, 2.0, 3.0]
    with pytest.raises(HandlerInputError, match="exactly one"):
        demo.run("thumbnail", {})
    with pytest.raises(HandlerFailedError) as info:
        demo.run("thumbnail", {"image_base64": base64.b64encode(b"hello").decode()})
    assert info.value.error.startswith("ValueError: unrecognised image format")


def test_downscale_non_integer_ratio_preserves_mean() -> None:
    img = dh.generate_image(dh.ImageSpec(kind="gradient", width=30, height=7))
    small = dh.downscale(img, 7, 3)
    for ch in range(3):
        src_mean = sum(img.pixels[ch::3]) / (30 * 7)
        dst_mean = sum(small.pixels[ch::3]) / (7 * 3)
        assert abs(src_mean - dst_mean) < 1.0


# -- hash ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 135, 136, 137, 272, 1000])
def test_keccak256_matches_eth_utils(size: int) -> None:
    data = bytes((i * 7 + 3) % 256 for i in range(size))
    assert dh.keccak256(data) == keccak(data)


def test_hash_handler(demo: Service) -> None:
    out = demo.run(
        "hash", {"text": "ogpu", "algorithms": ["sha256", "keccak256", "sha3_256", "blake2b"]}
    )
    assert out["byte_length"] == 4
    assert out["digests"] == {
        "sha256": "0x" + hashlib.sha256(b"ogpu").hexdigest(),
        "keccak256": "0x" + keccak(b"ogpu").hex(),
        "sha3_256": "0x" + hashlib.sha3_256(b"ogpu").hexdigest(),
        "blake2b": "0x" + hashlib.blake2b(b"ogpu", digest_size=32).hexdigest(),
    }
    assert out["digests"]["keccak256"] != out["digests"]["sha3_256"]
    raw = demo.run("hash", {"data_base64": base64.b64encode(b"\x00\xff").decode()})
    assert raw["digests"] == {
        "sha256": "0x" + hashlib.sha256(b"\x00\xff").hexdigest(),
        "keccak256": "0x" + keccak(b"\x00\xff").hex(),
    }
    with pytest.raises(HandlerInputError):
        demo.run("hash", {"text": "a", "algorithms": ["md5"]})


# -- echo and serving the demo service ---------------------------------------------------------


def test_echo_handler(demo: Service) -> None:
    assert demo.run("echo", {"payload": {"k": [1, 2]}})["payload"] == {"k": [1, 2]}
    with pytest.raises(HandlerFailedError) as info:
        demo.run("echo", {"fail_with": "requested failure"})
    assert info.value.error == "RuntimeError: requested failure"


def test_demo_service_over_http(demo: Service) -> None:
    from service_test_helpers import TestClient

    from ogpu.service import ServiceConfig, create_app

    with TestClient(create_app(demo, ServiceConfig())) as client:
        resp = client.post("/run/sentiment/0x" + "ab" * 20, json={"text": "not good"})
        assert resp.status_code == 200
        assert resp.json()["result"]["label"] == "negative"

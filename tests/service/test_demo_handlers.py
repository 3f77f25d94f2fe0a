"""The devnet's demo handlers, checked against real values and the libraries they use."""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import zlib

import pytest
from eth_utils import keccak
from PIL import Image
from support.memory import memory_guard

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


def test_sentiment_is_vader(demo: Service) -> None:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    for text in ["not good", "This isn't bad at all", "The screen is nice but the battery is bad"]:
        out = demo.run("sentiment", {"text": text})
        ref = vader.polarity_scores(text)
        assert out["score"] == round(ref["compound"], 4)
        assert (out["positive"], out["negative"]) == (round(ref["pos"], 4), round(ref["neg"], 4))
    out = demo.run("sentiment", {"text": "not good"})
    assert out["label"] == "negative" and out["tokens"] == 2
    assert out["matched"] == [{"term": "good", "valence": 1.9, "position": 1}]
    assert demo.run("sentiment", {"text": "I don't hate it"})["label"] == "positive"


def test_sentiment_labels_and_range(demo: Service) -> None:
    pos = demo.run("sentiment", {"text": "What a great, really excellent product. I love it!"})
    assert pos["label"] == "positive" and 0.8 < pos["score"] <= 1
    assert [t["term"] for t in pos["matched"]] == ["great", "excellent", "love"]
    neg = demo.run("sentiment", {"text": "Terrible, buggy and slow. The worst."})
    assert neg["label"] == "negative" and -1 <= neg["score"] < -0.5
    neutral = demo.run("sentiment", {"text": "The box is on the table."})
    assert neutral == {
        "score": 0.0,
        "label": "neutral",
        "positive": 0.0,
        "negative": 0.0,
        "neutral": 1.0,
        "tokens": 6,
        "matched": [],
    }
    empty = demo.run("sentiment", {"text": "  "})
    assert empty["label"] == "neutral" and empty["tokens"] == 0


def test_sentiment_but_clause_dominates(demo: Service) -> None:
    out = demo.run("sentiment", {"text": "The screen is nice but the battery is terrible"})
    assert out["label"] == "negative"


def test_long_sentiment_text_is_scored_by_passage(demo: Service) -> None:
    text = "I love this phone. " * 2000 + "The battery is terrible and awful. " * 4000
    out = demo.run("sentiment", {"text": text[:200_000]})
    assert out["label"] == "negative" and out["tokens"] == len(text[:200_000].split())
    assert len(out["matched"]) == 100


# -- thumbnail (Pillow) -----------------------------------------------------------------------


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _decode(b64: str) -> Image.Image:
    img = Image.open(io.BytesIO(base64.b64decode(b64)))
    assert img.format == "PNG"
    return img


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
    img = _decode(out["png_base64"])
    assert len(base64.b64decode(out["png_base64"])) == out["png_bytes"]
    assert img.size == (16, 12) and img.mode == "RGB"
    # each thumbnail pixel averages a 4x4 block: red ~ 255*(4i+1.5)/63, green ~ 255*(4j+1.5)/47
    for i, j in [(0, 0), (15, 0), (0, 11), (7, 5), (15, 11)]:
        r, g, b = img.getpixel((i, j))  # type: ignore[misc]
        assert abs(r - 255 * (4 * i + 1.5) / 63) <= 1.0
        assert abs(g - 255 * (4 * j + 1.5) / 47) <= 1.0
        assert b == 128
    assert out["mean_color"][2] == 128.0
    assert 126 < out["mean_color"][0] < 129


def test_thumbnail_of_uploaded_png_ppm_and_rgba(demo: Service) -> None:
    checker = dh.generate_image(dh.ImageSpec(kind="checkerboard", width=40, height=20, cell=2))
    assert checker.getpixel((0, 0)) == (255, 255, 255) and checker.getpixel((2, 0)) == (0, 0, 0)
    out = demo.run(
        "thumbnail",
        {"image_base64": base64.b64encode(_png_bytes(checker)).decode(), "max_width": 10},
    )
    assert (out["width"], out["height"], out["source_format"]) == (10, 5, "png")
    # 4x4 blocks of a 2-pixel checkerboard average to mid grey
    assert all(abs(v - 127.5) <= 1 for v in _decode(out["png_base64"]).tobytes())

    ppm = b"P6\n# a comment\n4 2\n255\n" + bytes([200, 100, 50]) * 8
    out = demo.run("thumbnail", {"image_base64": base64.b64encode(ppm).decode(), "max_width": 2})
    assert (out["width"], out["height"], out["source_format"]) == (2, 1, "ppm")
    assert _decode(out["png_base64"]).getpixel((1, 0)) == (200, 100, 50)

    rgba = Image.new("RGBA", (4, 4), (10, 20, 30, 40))
    out = demo.run("thumbnail", {"image_base64": base64.b64encode(_png_bytes(rgba)).decode()})
    assert out["mode"] == "RGBA" and out["mean_color"] == [10.0, 20.0, 30.0, 40.0]


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
    gif = io.BytesIO()
    Image.new("RGB", (2, 2)).save(gif, "GIF")
    with pytest.raises(HandlerFailedError, match="unrecognised"):
        demo.run("thumbnail", {"image_base64": base64.b64encode(gif.getvalue()).decode()})


def _bomb_png(width: int, height: int, inflated: int | None = None) -> bytes:
    """A grey PNG whose IDAT is all zeros: tiny on the wire, ``inflated`` bytes (default: the
    rows' size) once inflated."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    z = zlib.compressobj(9)
    total = (width + 1) * height if inflated is None else inflated
    block = bytes(1 << 20)
    parts = [
        z.compress(block[: min(len(block), total - off)]) for off in range(0, total, len(block))
    ]
    idat = b"".join(parts) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_inflating(demo: Service) -> None:
    bomb = _bomb_png(20_000, 10_000)  # 200 MB of pixels in about 200 KB
    assert len(bomb) < 400_000
    with memory_guard(32 << 20), pytest.raises(HandlerFailedError, match="pixels"):
        demo.run("thumbnail", {"image_base64": base64.b64encode(bomb).decode()})


def test_an_idat_that_inflates_far_beyond_the_image_is_not_inflated(demo: Service) -> None:
    bomb = _bomb_png(16, 16, inflated=200 * 1024 * 1024)  # about 200 KB on the wire
    assert len(bomb) < 400_000
    with memory_guard(32 << 20):
        out = demo.run("thumbnail", {"image_base64": base64.b64encode(bomb).decode()})
    assert (out["width"], out["height"], out["mean_color"]) == (16, 16, [0.0, 0.0, 0.0])


# -- hash ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 135, 136, 137, 272, 1000, 1_000_000])
def test_keccak256_matches_eth_utils(size: int) -> None:
    data = bytes((i * 7 + 3) % 256 for i in range(size))
    assert dh.hash_data(data, "keccak256") == keccak(data)


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

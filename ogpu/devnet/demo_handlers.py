"""The devnet's demo source: light, real handlers with no model downloads.

Handlers (registered on :data:`demo_service`):

* ``text_stats`` — words, sentences, characters, top words, average word length, reading time;
* ``sentiment`` — VADER (``vaderSentiment``'s lexicon and rules: negation, intensifiers, "but");
* ``thumbnail`` — decode a PNG/PPM with Pillow (or generate an image), box-filter downscale, PNG;
* ``hash`` — SHA-256 / SHA3-256 / Keccak-256 (``eth_hash``) / BLAKE2b digests of text or bytes;
* ``echo`` — diagnostic: returns its payload, can sleep or fail on request.

Pillow and vaderSentiment come with the ``demo`` extra (``pip install 'ogpu[demo]'``).

>>> from ogpu.service import load_handlers
>>> svc = load_handlers("ogpu.devnet.demo_handlers")
>>> svc.run("sentiment", {"text": "not good"})["label"]
'negative'
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import io
import re
import time
from collections import Counter
from typing import Annotated, Literal

from eth_hash.auto import keccak
from PIL import Image, ImageStat, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field, model_validator
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from ogpu.service import Service

__all__ = [
    "MAX_SOURCE_PIXELS",
    "EchoInput",
    "EchoOutput",
    "HashInput",
    "HashOutput",
    "ImageSpec",
    "SentimentInput",
    "SentimentOutput",
    "TextStatsInput",
    "TextStatsOutput",
    "ThumbnailInput",
    "ThumbnailOutput",
    "decode_image",
    "demo_service",
    "echo",
    "generate_image",
    "hash_data",
    "sentiment",
    "text_stats",
    "thumbnail",
]

demo_service = Service("demo")
"""The service the demo handlers are registered on (``load_handlers`` finds it)."""

# text_stats

_WORD_RE = re.compile("\\w+(?:['\u2019]\\w+)*", re.UNICODE)
_SENTENCE_END_RE = re.compile(r"[.!?…]+(?=[\s\"')\]]|$)")
_STOPWORD_TEXT = """a an and are as at be been but by can could did do does for from had has have he her his
    i if in into is it its me my no not of on or our she so than that the their them then there
    these they this those to too up us was we were what when which who will with would you your"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class WordCount(BaseModel):
    """A word and how many times it occurs."""

    word: str
    count: int


class TextStatsInput(BaseModel):
    """Text to measure; ``top_n`` most frequent words (stop words excluded unless asked)."""

    text: str = Field(max_length=1_000_000)
    top_n: int = Field(default=5, ge=0, le=100)
    exclude_stopwords: bool = True
    words_per_minute: int = Field(default=200, ge=50, le=1000)


class TextStatsOutput(BaseModel):
    """Counts and averages of a text."""

    characters: int
    characters_no_spaces: int
    words: int
    unique_words: int
    sentences: int
    paragraphs: int
    avg_word_length: float
    avg_sentence_length: float
    reading_time_seconds: float
    top_words: list[WordCount]


@demo_service.expose
def text_stats(data: TextStatsInput) -> TextStatsOutput:
    """Word/sentence/character counts, top words, average word length and reading time.

    Example: ``{"text": "The dog barks. The dog sleeps!"}`` → 6 words, 2 sentences, top word
    ``dog`` (2).
    """
    text = data.text
    words = [w.lower() for w in _WORD_RE.findall(text)]
    # trailing text without a full stop is a sentence too
    sentences = [s for s in _SENTENCE_END_RE.split(text) if _WORD_RE.search(s)]
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    counts = Counter(w for w in words if not (data.exclude_stopwords and w in _STOPWORDS))
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: data.top_n]
    n_words = len(words)
    return TextStatsOutput(
        characters=len(text),
        characters_no_spaces=sum(1 for ch in text if not ch.isspace()),
        words=n_words,
        unique_words=len(set(words)),
        sentences=len(sentences),
        paragraphs=len(paragraphs),
        avg_word_length=round(sum(len(w) for w in words) / n_words, 2) if n_words else 0.0,
        avg_sentence_length=round(n_words / len(sentences), 2) if sentences else 0.0,
        reading_time_seconds=round(n_words * 60 / data.words_per_minute, 1),
        top_words=[WordCount(word=w, count=c) for w, c in top],
    )


# sentiment

# VADER's cost grows with the square of a passage's length: score long texts in passages of at
# most this many words (a 200 000-character text then takes under a second, not minutes).
_PASSAGE_WORDS = 60
_SENTENCE_RE = re.compile(r"[^.!?…]+[.!?…]*")


@functools.lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


class SentimentInput(BaseModel):
    """Text to score; scores within ``±neutral_threshold`` are labelled neutral."""

    text: str = Field(max_length=200_000)
    neutral_threshold: float = Field(default=0.05, ge=0.0, lt=1.0)


class MatchedTerm(BaseModel):
    """A lexicon word found in the text, with its VADER valence (-4..4) and word position."""

    term: str
    valence: float
    position: int


class SentimentOutput(BaseModel):
    """VADER compound score in [-1, 1], label, the proportions of positive, negative and neutral
    text, the word count and the lexicon words found."""

    score: float
    label: Literal["positive", "negative", "neutral"]
    positive: float
    negative: float
    neutral: float
    tokens: int
    matched: list[MatchedTerm]


def _passages(text: str) -> list[str]:
    words = text.split()
    if len(words) <= _PASSAGE_WORDS:
        return [text] if words else []
    out: list[str] = []
    for sentence in _SENTENCE_RE.findall(text):
        sw = sentence.split()
        out += [" ".join(sw[i : i + _PASSAGE_WORDS]) for i in range(0, len(sw), _PASSAGE_WORDS)]
    return out


@demo_service.expose
def sentiment(data: SentimentInput) -> SentimentOutput:
    """VADER sentiment. A long text is scored per passage (sentences of at most 60 words) and the
    scores are averaged, weighted by length.

    Example: ``{"text": "not good"}`` → label ``negative``.
    """
    vader = _analyzer()
    totals = {"compound": 0.0, "pos": 0.0, "neg": 0.0, "neu": 0.0}
    n_words = 0
    for passage in _passages(data.text):
        weight = len(passage.split())
        for key, value in vader.polarity_scores(passage).items():
            totals[key] += value * weight
        n_words += weight
    if n_words:
        totals = {k: v / n_words for k, v in totals.items()}
    else:
        totals["neu"] = 1.0
    score = round(max(-1.0, min(1.0, totals["compound"])), 4)
    label: Literal["positive", "negative", "neutral"] = "neutral"
    if score >= data.neutral_threshold and score > 0:
        label = "positive"
    elif score <= -data.neutral_threshold and score < 0:
        label = "negative"
    words = [w.strip(".,;:!?…\"'()[]").lower() for w in data.text.split()]
    matched = [
        MatchedTerm(term=w, valence=vader.lexicon[w], position=i)
        for i, w in enumerate(words)
        if w in vader.lexicon
    ]
    return SentimentOutput(
        score=score,
        label=label,
        positive=round(totals["pos"], 4),
        negative=round(totals["neg"], 4),
        neutral=round(totals["neu"], 4),
        tokens=n_words,
        matched=matched[:100],
    )


# images (Pillow)

#: Largest source image decoded (checked from the header, before any pixel is inflated).
MAX_SOURCE_PIXELS = 4_194_304
_FORMATS = {"PNG": "png", "PPM": "ppm"}


def decode_image(raw: bytes) -> tuple[Image.Image, str]:
    """Decode PNG or PPM bytes into an RGB/RGBA image; ``(image, "png" | "ppm")``.

    Other formats, and images above :data:`MAX_SOURCE_PIXELS`, raise ``ValueError`` before
    their pixels are decoded (Pillow's own decompression-bomb check stays on too).
    """
    try:
        img = Image.open(io.BytesIO(raw), formats=list(_FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ValueError(f"unrecognised image format or unsafe image: {exc}") from exc
    if img.width * img.height > MAX_SOURCE_PIXELS:
        raise ValueError(f"image is {img.width}x{img.height}: more than {MAX_SOURCE_PIXELS} pixels")
    fmt = _FORMATS[str(img.format)]
    try:
        img.load()
    except (OSError, SyntaxError) as exc:
        raise ValueError(f"corrupt {fmt} image: {exc}") from exc
    has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    return img.convert("RGBA" if has_alpha else "RGB"), fmt


_Byte = Annotated[int, Field(ge=0, le=255)]


class ImageSpec(BaseModel):
    """A synthetic image: ``gradient`` (red along x, green along y, fixed blue),
    ``checkerboard`` (``cell``-pixel squares of ``color`` and ``color2``) or ``solid``."""

    kind: Literal["gradient", "checkerboard", "solid"] = "gradient"
    width: int = Field(default=64, ge=1, le=1024)
    height: int = Field(default=48, ge=1, le=1024)
    color: tuple[_Byte, _Byte, _Byte] = (255, 255, 255)
    color2: tuple[_Byte, _Byte, _Byte] = (0, 0, 0)
    blue: _Byte = 128
    cell: int = Field(default=8, ge=1, le=1024)


def generate_image(spec: ImageSpec) -> Image.Image:
    """Render an :class:`ImageSpec` as an RGB image."""
    w, h = spec.width, spec.height
    if spec.kind == "solid":
        return Image.new("RGB", (w, h), spec.color)
    if spec.kind == "checkerboard":
        img = Image.new("RGB", (w, h), spec.color2)
        for y in range(0, h, spec.cell):
            for x in range((y // spec.cell) % 2 * spec.cell, w, 2 * spec.cell):
                img.paste(spec.color, (x, y, min(x + spec.cell, w), min(y + spec.cell, h)))
        return img
    reds = bytes(round(255 * x / (w - 1)) if w > 1 else 0 for x in range(w))
    rows = bytearray()
    for y in range(h):
        g = round(255 * y / (h - 1)) if h > 1 else 0
        rows += b"".join(bytes((r, g, spec.blue)) for r in reds)
    return Image.frombytes("RGB", (w, h), bytes(rows))


class ThumbnailInput(BaseModel):
    """Exactly one of ``image_base64`` (PNG or PPM bytes) or ``generate`` (an :class:`ImageSpec`);
    the thumbnail fits in ``max_width`` x ``max_height`` keeping the aspect ratio (never upscales)."""

    image_base64: str | None = Field(default=None, max_length=8_000_000)
    generate: ImageSpec | None = None
    max_width: int = Field(default=128, ge=1, le=1024)
    max_height: int = Field(default=128, ge=1, le=1024)

    @model_validator(mode="after")
    def _one_source(self) -> ThumbnailInput:
        if (self.image_base64 is None) == (self.generate is None):
            raise ValueError("give exactly one of image_base64 or generate")
        return self


class ThumbnailOutput(BaseModel):
    """The thumbnail as a base64 PNG, its size, the source size/format and the mean colour."""

    png_base64: str
    width: int
    height: int
    mode: Literal["RGB", "RGBA"]
    source_width: int
    source_height: int
    source_format: Literal["png", "ppm", "generated"]
    mean_color: list[float]
    png_bytes: int


def _b64decode(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{field} is not valid base64: {exc}") from exc


def _fit(w: int, h: int, max_w: int, max_h: int) -> tuple[int, int]:
    scale = min(max_w / w, max_h / h, 1.0)
    return max(1, round(w * scale)), max(1, round(h * scale))


@demo_service.expose
def thumbnail(data: ThumbnailInput) -> ThumbnailOutput:
    """Downscale a PNG/PPM (or a generated test image) with a box filter; returns a base64 PNG.

    Example: ``{"generate": {"kind": "gradient", "width": 64, "height": 48}, "max_width": 16,
    "max_height": 16}`` → a 16x12 RGB PNG.
    """
    if data.generate is not None:
        image, fmt = generate_image(data.generate), "generated"
    else:
        assert data.image_base64 is not None
        image, fmt = decode_image(_b64decode(data.image_base64, "image_base64"))
    tw, th = _fit(image.width, image.height, data.max_width, data.max_height)
    thumb = image if (tw, th) == image.size else image.resize((tw, th), Image.Resampling.BOX)
    buf = io.BytesIO()
    thumb.save(buf, "PNG", compress_level=9)
    png = buf.getvalue()
    return ThumbnailOutput(
        png_base64=base64.b64encode(png).decode("ascii"),
        width=tw,
        height=th,
        mode=thumb.mode,  # type: ignore[arg-type]
        source_width=image.width,
        source_height=image.height,
        source_format=fmt,  # type: ignore[arg-type]
        mean_color=[round(m, 2) for m in ImageStat.Stat(thumb).mean],
        png_bytes=len(png),
    )


# hash

HashAlgorithm = Literal["sha256", "sha3_256", "keccak256", "blake2b", "sha512"]
_DEFAULT_ALGORITHMS: tuple[HashAlgorithm, ...] = ("sha256", "keccak256")


class HashInput(BaseModel):
    """Exactly one of ``text`` (UTF-8 encoded) or ``data_base64``; digests for ``algorithms``."""

    text: str | None = Field(default=None, max_length=1_000_000)
    data_base64: str | None = Field(default=None, max_length=1_500_000)
    algorithms: list[HashAlgorithm] = Field(
        default_factory=lambda: list(_DEFAULT_ALGORITHMS), min_length=1
    )

    @model_validator(mode="after")
    def _one_input(self) -> HashInput:
        if (self.text is None) == (self.data_base64 is None):
            raise ValueError("give exactly one of text or data_base64")
        return self


class HashOutput(BaseModel):
    """Hex digests (``0x``-prefixed) by algorithm and the number of bytes hashed."""

    digests: dict[str, str]
    byte_length: int


def hash_data(data: bytes, algorithm: str) -> bytes:
    """One digest of ``data`` (``sha256``, ``sha3_256``, ``keccak256``, ``blake2b``, ``sha512``).

    >>> hash_data(b"", "keccak256").hex()[:16]
    'c5d2460186f7233c'
    """
    if algorithm == "keccak256":
        return bytes(keccak(data))
    if algorithm == "blake2b":
        return hashlib.blake2b(data, digest_size=32).digest()
    return hashlib.new(algorithm, data).digest()


@demo_service.expose(name="hash")
def hash_text(data: HashInput) -> HashOutput:
    """Digests of text or bytes, e.g. ``{"text": "", "algorithms": ["keccak256"]}`` →
    ``0xc5d2…a470``. ``blake2b`` is 32-byte BLAKE2b."""
    if data.text is not None:
        raw = data.text.encode("utf-8")
    else:
        assert data.data_base64 is not None
        raw = _b64decode(data.data_base64, "data_base64")
    return HashOutput(
        digests={alg: "0x" + hash_data(raw, alg).hex() for alg in dict.fromkeys(data.algorithms)},
        byte_length=len(raw),
    )


# echo (diagnostic)


class EchoInput(BaseModel):
    """Any JSON ``payload``; optional ``sleep_seconds`` before answering and ``fail_with`` message."""

    model_config = ConfigDict(extra="forbid")

    payload: object = None
    sleep_seconds: float = Field(default=0.0, ge=0.0, le=30.0)
    fail_with: str | None = None


class EchoOutput(BaseModel):
    """The payload back, with the time the handler spent."""

    payload: object
    elapsed_seconds: float


@demo_service.expose
def echo(data: EchoInput) -> EchoOutput:
    """Diagnostic handler for runtime tests: echoes ``payload``; sleeps, or raises
    ``RuntimeError(fail_with)`` when asked."""
    started = time.monotonic()
    if data.sleep_seconds:
        time.sleep(data.sleep_seconds)
    if data.fail_with is not None:
        raise RuntimeError(data.fail_with)
    return EchoOutput(payload=data.payload, elapsed_seconds=round(time.monotonic() - started, 3))

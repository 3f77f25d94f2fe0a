"""The devnet's demo source: light, real handlers with no model downloads (stdlib + pydantic).

Handlers (registered on :data:`demo_service`):

* ``text_stats`` — words, sentences, characters, top words, average word length, reading time;
* ``sentiment`` — a small lexicon-based scorer with negation, intensifiers and "but" clauses;
* ``thumbnail`` — decode a PNG/PPM (or generate an image), box-filter downscale, encode a PNG;
* ``hash`` — SHA-256 / SHA3-256 / Keccak-256 / BLAKE2b digests of text or bytes;
* ``echo`` — diagnostic: returns its payload, can sleep or fail on request.

>>> from ogpu.service import load_handlers
>>> svc = load_handlers("ogpu.devnet.demo_handlers")
>>> svc.run("sentiment", {"text": "not good"})["label"]
'negative'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import struct
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ogpu.service import Service

__all__ = [
    "EchoInput",
    "EchoOutput",
    "HashInput",
    "HashOutput",
    "Image",
    "ImageSpec",
    "SentimentInput",
    "SentimentOutput",
    "TextStatsInput",
    "TextStatsOutput",
    "ThumbnailInput",
    "ThumbnailOutput",
    "decode_image",
    "decode_png",
    "decode_ppm",
    "demo_service",
    "downscale",
    "echo",
    "encode_png",
    "generate_image",
    "hash_data",
    "keccak256",
    "sentiment",
    "text_stats",
    "thumbnail",
]

demo_service = Service("demo")
"""The service the demo handlers are registered on (``load_handlers`` finds it)."""


# ---------------------------------------------------------------------------------------------
# text_stats
# ---------------------------------------------------------------------------------------------

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
    sentences = [
        s for s in _SENTENCE_END_RE.split(text) if _WORD_RE.search(s)
    ]  # trailing text without a full stop is a sentence too
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


# ---------------------------------------------------------------------------------------------
# sentiment
# ---------------------------------------------------------------------------------------------

# Valence in [-4, 4], a small hand-picked subset in the spirit of VADER/AFINN.
# fmt: off
_LEXICON: dict[str, float] = {
    # positive
    "good": 1.9, "great": 3.1, "excellent": 3.2, "amazing": 2.8, "awesome": 3.1,
    "fantastic": 2.6, "wonderful": 2.7, "love": 3.2, "loved": 2.9, "loves": 2.7, "like": 1.5,
    "liked": 1.8, "enjoy": 2.2, "enjoyed": 2.3, "happy": 2.7, "glad": 2.0, "pleased": 1.9,
    "nice": 1.8, "best": 3.2, "better": 1.9, "beautiful": 2.9, "brilliant": 2.8, "perfect": 2.7,
    "fast": 1.0, "reliable": 1.7, "helpful": 1.8, "fun": 2.3, "recommend": 1.5,
    "recommended": 1.6, "impressive": 2.3, "satisfied": 1.8, "superb": 3.1, "pleasant": 2.3,
    "cool": 1.3, "win": 2.8, "wins": 2.7, "success": 2.7, "successful": 2.8, "works": 0.8,
    "smooth": 1.4, "friendly": 2.2, "delightful": 2.9, "positive": 2.3, "thanks": 1.9,
    "thank": 1.5, "correct": 1.3, "easy": 1.9, "clean": 1.6, "secure": 1.4, "cheap": 0.8,
    "worth": 0.9,
    # negative
    "bad": -2.5, "terrible": -2.1, "awful": -2.0, "horrible": -2.5, "worst": -3.1,
    "worse": -2.1, "hate": -2.7, "hated": -3.2, "hates": -1.9, "dislike": -1.6, "poor": -2.1,
    "sad": -2.1, "angry": -2.3, "annoying": -1.7, "annoyed": -1.6, "boring": -1.3,
    "broken": -1.6, "slow": -1.0, "bug": -1.2, "buggy": -1.7, "crash": -1.7, "crashes": -1.8,
    "crashed": -1.7, "fail": -2.5, "failed": -2.3, "fails": -2.2, "failure": -2.3,
    "wrong": -2.1, "error": -1.7, "problem": -1.7, "problems": -1.7, "ugly": -2.3,
    "useless": -1.8, "disappointing": -2.2, "disappointed": -1.9, "expensive": -0.9,
    "painful": -1.9, "scam": -2.7, "lost": -1.3, "lose": -1.7, "unhappy": -1.8,
    "difficult": -1.5, "hard": -0.4, "confusing": -1.3, "mediocre": -1.0, "waste": -1.8,
    "insecure": -1.8, "negative": -2.7, "sucks": -1.5,
}
# fmt: on

_NEGATOR_TEXT = (
    "not no never none nobody nothing neither nor nowhere cannot without hardly barely "
    "scarcely dont doesnt didnt isnt arent wasnt werent wont cant couldnt shouldnt wouldnt "
    "aint havent hasnt hadnt"
)
_NEGATORS = frozenset(_NEGATOR_TEXT.split())
# fmt: off
_INTENSIFIERS: dict[str, float] = {
    "very": 1.3, "really": 1.3, "so": 1.2, "extremely": 1.5, "incredibly": 1.5,
    "absolutely": 1.4, "totally": 1.3, "completely": 1.3, "highly": 1.3, "quite": 1.1,
    "super": 1.3, "most": 1.2, "slightly": 0.6, "somewhat": 0.7, "kinda": 0.7, "little": 0.7,
}
# fmt: on

_NEGATION_FACTOR = -0.74
_NEGATION_SCOPE = 3
_SENTIMENT_TOKEN_RE = re.compile("[a-z]+(?:['\u2019][a-z]+)*|[.,;:!?]")


class SentimentInput(BaseModel):
    """Text to score; scores within ``±neutral_threshold`` are labelled neutral."""

    text: str = Field(max_length=200_000)
    neutral_threshold: float = Field(default=0.05, ge=0.0, lt=1.0)


class MatchedTerm(BaseModel):
    """A lexicon word found in the text, with its effective weight after modifiers."""

    term: str
    base_weight: float
    weight: float
    negated: bool
    position: int


class SentimentOutput(BaseModel):
    """Normalised score in [-1, 1], label and the terms that produced it."""

    score: float
    label: Literal["positive", "negative", "neutral"]
    positive: float
    negative: float
    tokens: int
    matched: list[MatchedTerm]


def _is_negator(token: str) -> bool:
    plain = token.replace("\u2019", "'")
    return plain in _NEGATORS or plain.endswith("n't") or plain.replace("'", "") in _NEGATORS


@demo_service.expose
def sentiment(data: SentimentInput) -> SentimentOutput:
    """Lexicon sentiment: negation flips (x -0.74) the next 3 words, intensifiers scale,
    clauses after "but" weigh 1.5x and before it 0.5x. Score = s / sqrt(s² + 15).

    Example: ``{"text": "not good"}`` → label ``negative``.
    """
    tokens = _SENTIMENT_TOKEN_RE.findall(data.text.lower())
    words_seen = 0
    negate_left = 0
    boost = 1.0
    items: list[tuple[int, MatchedTerm]] = []  # (clause index, term)
    clause = 0
    but_clauses: list[int] = []
    for tok in tokens:
        if tok in ".;:!?":
            negate_left, boost = 0, 1.0
            clause += 1
            continue
        if tok == ",":
            continue
        position = words_seen
        words_seen += 1
        if tok == "but":
            clause += 1
            but_clauses.append(clause)
            negate_left, boost = 0, 1.0
            continue
        if _is_negator(tok):
            negate_left = _NEGATION_SCOPE
            continue
        if tok in _INTENSIFIERS:
            boost *= _INTENSIFIERS[tok]
            continue
        base = _LEXICON.get(tok.replace("\u2019", "'"))
        if base is not None:
            weight = base * boost
            negated = negate_left > 0
            if negated:
                weight *= _NEGATION_FACTOR
            items.append(
                (
                    clause,
                    MatchedTerm(
                        term=tok,
                        base_weight=base,
                        weight=weight,
                        negated=negated,
                        position=position,
                    ),
                )
            )
            boost = 1.0
        if negate_left:
            negate_left -= 1
    if but_clauses:
        pivot = but_clauses[-1]
        for cl, term in items:
            term.weight *= 1.5 if cl >= pivot else 0.5
    matched = [t for _, t in items]
    for t in matched:
        t.weight = round(t.weight, 4)
    total = sum(t.weight for t in matched)
    score = total / math.sqrt(total * total + 15.0) if total else 0.0
    score = max(-1.0, min(1.0, round(score, 4)))
    if score >= data.neutral_threshold and score > 0:
        label: Literal["positive", "negative", "neutral"] = "positive"
    elif score <= -data.neutral_threshold and score < 0:
        label = "negative"
    else:
        label = "neutral"
    return SentimentOutput(
        score=score,
        label=label,
        positive=round(sum(t.weight for t in matched if t.weight > 0), 4),
        negative=round(-sum(t.weight for t in matched if t.weight < 0), 4),
        tokens=words_seen,
        matched=matched,
    )


# ---------------------------------------------------------------------------------------------
# images: a tiny PNG/PPM codec and a box-filter downscaler
# ---------------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SOURCE_PIXELS = 1_048_576  # pure-python decoding: keep inputs small (1 megapixel)


@dataclass
class Image:
    """8-bit pixels, row-major, ``channels`` = 3 (RGB) or 4 (RGBA)."""

    width: int
    height: int
    channels: int
    pixels: bytes

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        """The channel values at column ``x``, row ``y``."""
        i = (y * self.width + x) * self.channels
        return tuple(self.pixels[i : i + self.channels])

    @property
    def mode(self) -> Literal["RGB", "RGBA"]:
        """``"RGB"`` or ``"RGBA"``."""
        return "RGBA" if self.channels == 4 else "RGB"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png(image: Image, *, level: int = 9) -> bytes:
    """Encode an RGB/RGBA :class:`Image` as an 8-bit non-interlaced PNG (filter type 0)."""
    if image.channels not in (3, 4):
        raise ValueError(f"can only encode RGB or RGBA images, got {image.channels} channels")
    stride = image.width * image.channels
    raw = bytearray()
    for y in range(image.height):
        raw.append(0)
        raw += image.pixels[y * stride : (y + 1) * stride]
    color_type = 6 if image.channels == 4 else 2
    ihdr = struct.pack(">IIBBBBB", image.width, image.height, 8, color_type, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), level))
        + _chunk(b"IEND", b"")
    )


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> bytearray:
    out = bytearray(height * stride)
    prev = bytearray(stride)
    pos = 0
    for y in range(height):
        ftype = raw[pos]
        line = bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += 1 + stride
        if len(line) != stride:
            raise ValueError("PNG image data is truncated")
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                upleft = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, prev[i], upleft)) & 0xFF
        elif ftype != 0:
            raise ValueError(f"unknown PNG filter type {ftype} in row {y}")
        out[y * stride : (y + 1) * stride] = line
        prev = line
    return out


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise ValueError(f"image has an empty size {width}x{height}")
    if width * height > MAX_SOURCE_PIXELS:
        raise ValueError(
            f"image is {width}x{height} = {width * height} pixels, over the "
            f"{MAX_SOURCE_PIXELS}-pixel limit of this demo handler"
        )


def decode_png(data: bytes) -> Image:
    """Decode a non-interlaced PNG (grey, grey+alpha, RGB, RGBA, palette; 8- or 16-bit) to RGB/RGBA."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file (bad signature)")
    pos = len(PNG_SIGNATURE)
    header: tuple[int, ...] | None = None
    palette = b""
    palette_alpha = b""
    idat = bytearray()
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc_bytes = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc_bytes) != 4:
            raise ValueError(f"PNG chunk {kind!r} is truncated")
        if struct.unpack(">I", crc_bytes)[0] != zlib.crc32(kind + body):
            raise ValueError(f"PNG chunk {kind!r} has a bad CRC")
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            palette_alpha = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG has no IHDR chunk")
    width, height, depth, color_type, _compression, _filter, interlace = header
    _check_size(width, height)
    if interlace:
        raise ValueError("interlaced PNGs are not supported")
    channels_of = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
    if color_type not in channels_of:
        raise ValueError(f"unsupported PNG colour type {color_type}")
    if depth not in (8, 16) or (color_type == 3 and depth != 8):
        raise ValueError(f"unsupported PNG bit depth {depth} (8-bit, or 16-bit non-palette)")
    samples = channels_of[color_type]
    bpp = samples * depth // 8
    stride = width * bpp
    try:
        raw = zlib.decompress(bytes(idat))
    except zlib.error as exc:
        raise ValueError(f"PNG image data is corrupt: {exc}") from exc
    flat = _unfilter(raw, height, stride, bpp)
    if depth == 16:
        flat = flat[0::2]  # keep the high byte of each sample
    n = width * height
    if color_type == 2:
        return Image(width, height, 3, bytes(flat))
    if color_type == 6:
        return Image(width, height, 4, bytes(flat))
    if color_type == 0:
        rgb = bytearray(n * 3)
        for k in range(3):
            rgb[k::3] = flat
        return Image(width, height, 3, bytes(rgb))
    if color_type == 4:
        rgba = bytearray(n * 4)
        for k in range(3):
            rgba[k::4] = flat[0::2]
        rgba[3::4] = flat[1::2]
        return Image(width, height, 4, bytes(rgba))
    # palette
    if not palette:
        raise ValueError("palette PNG without a PLTE chunk")
    entries = len(palette) // 3
    channels = 4 if palette_alpha else 3
    table = []
    for i in range(entries):
        rgb_entry = palette[i * 3 : i * 3 + 3]
        if channels == 4:
            rgb_entry += bytes([palette_alpha[i] if i < len(palette_alpha) else 255])
        table.append(rgb_entry)
    out = bytearray()
    for index in flat:
        if index >= entries:
            raise ValueError(f"palette index {index} out of range ({entries} entries)")
        out += table[index]
    return Image(width, height, channels, bytes(out))


def decode_ppm(data: bytes) -> Image:
    """Decode a binary (P6) or ASCII (P3) PPM with maxval <= 255... or up to 65535 (scaled)."""
    magic = data[:2]
    if magic not in (b"P6", b"P3"):
        raise ValueError("not a PPM file (expected P6 or P3)")
    fields: list[int] = []
    pos = 2
    while len(fields) < 3:
        while pos < len(data) and data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            while pos < len(data) and data[pos : pos + 1] not in (b"\n", b"\r"):
                pos += 1
            continue
        start = pos
        while pos < len(data) and data[pos : pos + 1].isdigit():
            pos += 1
        if start == pos:
            raise ValueError("malformed PPM header")
        fields.append(int(data[start:pos]))
    width, height, maxval = fields
    _check_size(width, height)
    if not 0 < maxval < 65536:
        raise ValueError(f"bad PPM maxval {maxval}")
    n = width * height * 3
    if magic == b"P6":
        pos += 1  # exactly one whitespace byte after maxval
        size = 2 if maxval > 255 else 1
        body = data[pos : pos + n * size]
        if len(body) != n * size:
            raise ValueError("PPM pixel data is truncated")
        values: list[int] | bytes = body if size == 1 else list(struct.unpack(f">{n}H", body))
    else:
        values = [int(v) for v in data[pos:].split()[:n]]
        if len(values) != n:
            raise ValueError("PPM pixel data is truncated")
    if maxval == 255:
        return Image(width, height, 3, bytes(values))
    return Image(width, height, 3, bytes(min(255, round(v * 255 / maxval)) for v in values))


def decode_image(data: bytes) -> tuple[Image, str]:
    """Decode PNG or PPM bytes; returns the image and ``"png"``/``"ppm"``."""
    if data.startswith(PNG_SIGNATURE):
        return decode_png(data), "png"
    if data[:2] in (b"P6", b"P3"):
        return decode_ppm(data), "ppm"
    raise ValueError("unrecognised image format (PNG or PPM P6/P3 expected)")


def _box_weights(src: int, dst: int) -> list[list[tuple[int, float]]]:
    scale = src / dst
    table = []
    for d in range(dst):
        lo, hi = d * scale, (d + 1) * scale
        row = []
        for s in range(int(lo), min(src, math.ceil(hi))):
            overlap = min(hi, s + 1) - max(lo, s)
            if overlap > 1e-12:
                row.append((s, overlap / scale))
        table.append(row)
    return table


def downscale(image: Image, width: int, height: int) -> Image:
    """Area-average (box filter) resample to ``width`` x ``height`` (both <= the source size)."""
    if not (0 < width <= image.width and 0 < height <= image.height):
        raise ValueError(f"cannot downscale {image.width}x{image.height} to {width}x{height}")
    c = image.channels
    src = image.pixels
    xw = _box_weights(image.width, width)
    yw = _box_weights(image.height, height)
    # horizontal pass: rows of the source -> `width` columns (floats)
    stride = image.width * c
    horiz: list[list[float]] = []
    for y in range(image.height):
        base = y * stride
        row: list[float] = []
        for weights in xw:
            for ch in range(c):
                row.append(sum(src[base + s * c + ch] * w for s, w in weights))
        horiz.append(row)
    out = bytearray()
    for weights in yw:
        for i in range(width * c):
            v = sum(horiz[s][i] * w for s, w in weights)
            out.append(max(0, min(255, round(v))))
    return Image(width, height, c, bytes(out))


class ImageSpec(BaseModel):
    """A synthetic image: ``gradient`` (red along x, green along y, fixed blue),
    ``checkerboard`` (``cell``-pixel squares of ``color`` and ``color2``) or ``solid``."""

    kind: Literal["gradient", "checkerboard", "solid"] = "gradient"
    width: int = Field(default=64, ge=1, le=1024)
    height: int = Field(default=48, ge=1, le=1024)
    color: tuple[int, int, int] = (255, 255, 255)
    color2: tuple[int, int, int] = (0, 0, 0)
    blue: int = Field(default=128, ge=0, le=255)
    cell: int = Field(default=8, ge=1, le=1024)

    @model_validator(mode="after")
    def _check_colors(self) -> ImageSpec:
        for c in (*self.color, *self.color2):
            if not 0 <= c <= 255:
                raise ValueError(f"colour components must be 0..255, got {c}")
        return self


def generate_image(spec: ImageSpec) -> Image:
    """Render an :class:`ImageSpec` as an RGB :class:`Image`."""
    w, h = spec.width, spec.height
    out = bytearray()
    for y in range(h):
        for x in range(w):
            if spec.kind == "gradient":
                r = round(255 * x / (w - 1)) if w > 1 else 0
                g = round(255 * y / (h - 1)) if h > 1 else 0
                out += bytes((r, g, spec.blue))
            elif spec.kind == "checkerboard":
                on = ((x // spec.cell) + (y // spec.cell)) % 2 == 0
                out += bytes(spec.color if on else spec.color2)
            else:
                out += bytes(spec.color)
    return Image(w, h, 3, bytes(out))


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
        try:
            raw = base64.b64decode(data.image_base64, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"image_base64 is not valid base64: {exc}") from exc
        image, fmt = decode_image(raw)
    tw, th = _fit(image.width, image.height, data.max_width, data.max_height)
    thumb = image if (tw, th) == (image.width, image.height) else downscale(image, tw, th)
    png = encode_png(thumb)
    n = tw * th
    mean = [round(sum(thumb.pixels[k :: thumb.channels]) / n, 2) for k in range(thumb.channels)]
    return ThumbnailOutput(
        png_base64=base64.b64encode(png).decode("ascii"),
        width=tw,
        height=th,
        mode=thumb.mode,
        source_width=image.width,
        source_height=image.height,
        source_format=fmt,  # type: ignore[arg-type]
        mean_color=mean,
        png_bytes=len(png),
    )


# ---------------------------------------------------------------------------------------------
# hash
# ---------------------------------------------------------------------------------------------

# fmt: off
_KECCAK_RC = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)
# fmt: on

# rotation offsets r[x][y]
_KECCAK_ROT = (
    (0, 36, 3, 41, 18),
    (1, 44, 10, 45, 2),
    (62, 6, 43, 15, 61),
    (28, 55, 25, 21, 56),
    (27, 20, 39, 8, 14),
)
_MASK64 = (1 << 64) - 1


def _rotl(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _MASK64 if n else v


def _keccak_f(a: list[int]) -> list[int]:
    for rc in _KECCAK_RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl(c[(x + 1) % 5], 1) for x in range(5)]
        a = [a[i] ^ d[i % 5] for i in range(25)]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl(a[x + 5 * y], _KECCAK_ROT[x][y])
        a = [
            b[i] ^ ((~b[(i % 5 + 1) % 5 + 5 * (i // 5)]) & b[(i % 5 + 2) % 5 + 5 * (i // 5)])
            for i in range(25)
        ]
        a[0] ^= rc
    return a


def keccak256(data: bytes) -> bytes:
    """Ethereum's Keccak-256 (original padding, not NIST SHA3-256), in pure Python.

    >>> keccak256(b"").hex()[:16]
    'c5d2460186f7233c'
    """
    rate = 136
    padded = bytearray(data)
    padded.append(0x01)
    padded += b"\x00" * (-len(padded) % rate)
    padded[-1] |= 0x80
    state = [0] * 25
    for off in range(0, len(padded), rate):
        block = padded[off : off + rate]
        for i in range(rate // 8):
            state[i] ^= int.from_bytes(block[i * 8 : i * 8 + 8], "little")
        state = _keccak_f(state)
    return b"".join(state[i].to_bytes(8, "little") for i in range(4))


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
    """One digest of ``data`` (``sha256``, ``sha3_256``, ``keccak256``, ``blake2b``, ``sha512``)."""
    if algorithm == "keccak256":
        return keccak256(data)
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
        try:
            raw = base64.b64decode(data.data_base64, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"data_base64 is not valid base64: {exc}") from exc
    return HashOutput(
        digests={alg: "0x" + hash_data(raw, alg).hex() for alg in dict.fromkeys(data.algorithms)},
        byte_length=len(raw),
    )


# ---------------------------------------------------------------------------------------------
# echo (diagnostic)
# ---------------------------------------------------------------------------------------------


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

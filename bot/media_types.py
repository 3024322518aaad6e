"""The document types the media store recognises by their magic bytes, and how declared types compare."""

from __future__ import annotations

SNIFF_BYTES = 1024
# The types the store recognises by their magic bytes, with the extension their files get.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
SNIFFABLE_TYPES = frozenset(EXTENSIONS)
# What a channel may declare when it does not know the type: the magic bytes alone decide then.
UNDECLARED = frozenset({"", "application/octet-stream", "binary/octet-stream"})
ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf": "application/pdf"}


def undeclared(content_type: str) -> bool:
    """Whether a (normalised) declared type says nothing: the magic bytes alone decide then."""
    return content_type in UNDECLARED


def normalised_type(content_type: str | None) -> str:
    """The bare, lower-case media type of a Content-Type (parameters dropped, known aliases mapped)."""
    bare = (content_type or "").split(";", 1)[0].strip().lower()
    return ALIASES.get(bare, bare)


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file show, among SNIFFABLE_TYPES, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if b"%PDF-" in head[:SNIFF_BYTES]:  # the PDF header may follow a little junk, as readers accept
        return "application/pdf"
    return None


def types_agree(declared: str, actual: str) -> bool:
    """Whether the bytes are what was declared: a PNG sent as image/jpeg is still a picture; a PDF must be a PDF."""
    return declared == actual or (declared.startswith("image/") and actual.startswith("image/"))

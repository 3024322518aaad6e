"""The media store: the size limit while streaming, magic bytes against the declared type, content addressing,
private permissions, nothing left behind on a refusal or a failure; and the MEDIA_* settings."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.media_store import MediaStore, default_media_dir
from bot.media_types import sniff
from bot.settings import DEFAULT_MEDIA_TYPES, Settings
from flows.turn import TOO_LARGE, UNAVAILABLE, WRONG_TYPE, Media

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x11" * 3000 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x22" * 500
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x33" * 200
PDF = b"%PDF-1.5\n" + b"4 0 obj\n" * 100 + b"%%EOF\n"
EXE = b"MZ\x90\x00\x03" + b"\x00" * 400
HTML = b"<html><script>alert(1)</script></html>"


def _store(tmp_path: Path, max_bytes: int = 10_000, types=DEFAULT_MEDIA_TYPES) -> MediaStore:
    return MediaStore(tmp_path / "media", max_bytes=max_bytes, types=types)


def _files(store: MediaStore) -> list[str]:
    return sorted(p.name for p in store.directory.iterdir()) if store.directory.exists() else []


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_a_stream_is_kept_under_its_checksum_with_its_size_and_real_type(tmp_path):
    store = _store(tmp_path)
    media = await store.keep_stream(Media("ref-1", "image/jpeg"), _chunks(JPEG[:100], JPEG[100:]))

    digest = hashlib.sha256(JPEG).hexdigest()
    assert media == Media("ref-1", "image/jpeg", str((store.directory / f"{digest}.jpg").resolve()), len(JPEG), digest)
    assert Path(media.stored_path).read_bytes() == JPEG
    assert _files(store) == [f"{digest}.jpg"]


async def test_reading_stops_as_soon_as_the_limit_is_passed(tmp_path):
    store = _store(tmp_path, max_bytes=1000)
    read = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal read
        yield JPEG[:400]
        while True:
            read += 1
            yield b"\x00" * 400

    media = await store.keep_stream(Media("big", "image/jpeg"), endless())

    assert (media.refused, media.stored_path, media.size_bytes, media.sha256) == (TOO_LARGE, None, None, None)
    assert read == 2  # 400 + 400 + 400 passes 1000: the third chunk was the last one read
    assert _files(store) == []


async def test_exactly_the_limit_is_kept(tmp_path):
    store = _store(tmp_path, max_bytes=len(PDF))
    assert (await store.keep_stream(Media("pdf"), _chunks(PDF))).refused is None
    assert store.keep_bytes(Media("pdf+1"), PDF + b"\n").refused == TOO_LARGE


@pytest.mark.parametrize(
    ("content", "declared", "refused", "kept_as"),
    [
        (EXE, "image/jpeg", WRONG_TYPE, None),  # a .jpg that is really a program
        (HTML, "application/pdf", WRONG_TYPE, None),
        (PDF, "image/jpeg", WRONG_TYPE, None),  # a PDF is not the photo it claims to be
        (JPEG, "application/pdf", WRONG_TYPE, None),
        (JPEG, "application/zip", WRONG_TYPE, None),  # declared outside the allowed types
        (JPEG, None, None, "image/jpeg"),  # nothing declared: the magic bytes decide
        (PDF, "application/octet-stream", None, "application/pdf"),
        (PNG, "image/jpeg", None, "image/png"),  # still a picture; recorded as what it really is
        (WEBP, "image/webp", None, "image/webp"),
        (PDF, "application/pdf; name=surat.pdf", None, "application/pdf"),
        (JPEG, "IMAGE/JPG", None, "image/jpeg"),
    ],
)
def test_the_magic_bytes_must_be_allowed_and_agree_with_the_declared_type(
    tmp_path, content, declared, refused, kept_as
):
    store = _store(tmp_path)
    media = store.keep_bytes(Media("x", declared), content)

    assert (media.refused, media.content_type if refused is None else kept_as) == (refused, kept_as)
    assert (media.stored_path is None) == (refused is not None)
    assert len(_files(store)) == (0 if refused else 1)


def test_only_the_configured_types_are_kept(tmp_path):
    store = _store(tmp_path, types=("application/pdf",))
    assert store.keep_bytes(Media("photo", "image/jpeg"), JPEG).refused == WRONG_TYPE
    assert store.keep_bytes(Media("photo"), JPEG).refused == WRONG_TYPE
    assert store.keep_bytes(Media("letter", "application/pdf"), PDF).refused is None


def test_an_empty_file_is_unavailable(tmp_path):
    store = _store(tmp_path)
    assert store.keep_bytes(Media("empty", "image/jpeg"), b"").refused == UNAVAILABLE
    assert _files(store) == []


async def test_the_same_content_is_stored_once(tmp_path):
    store = _store(tmp_path)
    first = store.keep_bytes(Media("a", "image/jpeg"), JPEG)
    second = await store.keep_stream(Media("b", "image/jpeg"), _chunks(JPEG))
    third = store.keep_file(Media("c"), io.BytesIO(JPEG))

    assert first.stored_path == second.stored_path == third.stored_path
    assert first.ref == "a" and second.ref == "b" and third.ref == "c"
    assert _files(store) == [f"{first.sha256}.jpg"]


def test_files_are_0600_and_the_directory_0700_whatever_the_umask(tmp_path):
    store = _store(tmp_path)
    previous = os.umask(0)
    try:
        media = store.keep_bytes(Media("a", "application/pdf"), PDF)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(Path(media.stored_path).stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700


def test_an_existing_directory_open_to_others_is_narrowed(tmp_path):
    store = _store(tmp_path)
    store.directory.mkdir(mode=0o755)
    os.chmod(store.directory, 0o755)
    store.keep_bytes(Media("a"), PNG)
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700


async def test_a_download_that_fails_midway_leaves_no_temporary_file(tmp_path):
    store = _store(tmp_path)

    async def broken() -> AsyncIterator[bytes]:
        yield JPEG[:500]
        raise ConnectionResetError("peer went away")

    with pytest.raises(ConnectionResetError):
        await store.keep_stream(Media("a", "image/jpeg"), broken())
    assert store.directory.exists() and _files(store) == []


def test_a_refused_file_leaves_no_temporary_file_and_a_kept_one_is_whole(tmp_path):
    store = _store(tmp_path)
    store.keep_bytes(Media("exe", "image/jpeg"), EXE)
    kept = store.keep_bytes(Media("ok", "image/jpeg"), JPEG)
    assert _files(store) == [Path(kept.stored_path).name]
    assert hashlib.sha256(Path(kept.stored_path).read_bytes()).hexdigest() == kept.sha256


def test_precheck_refuses_from_what_the_channel_declared(tmp_path):
    store = _store(tmp_path, max_bytes=1000)
    assert store.precheck("image/jpeg", 1001) == TOO_LARGE
    assert store.precheck("image/jpeg", 1000) is None
    assert store.precheck("video/mp4", 10) == WRONG_TYPE
    assert store.precheck(None, None) is None and store.precheck("application/octet-stream", None) is None
    assert not store.directory.exists()  # nothing is created before a file comes


def test_sniff_knows_the_four_types_and_nothing_else():
    assert [sniff(c) for c in (JPEG, PNG, WEBP, PDF, EXE, HTML, b"")] == [
        "image/jpeg",
        "image/png",
        "image/webp",
        "application/pdf",
        None,
        None,
        None,
    ]


def test_the_default_directory_is_beside_the_sqlite_file_or_the_working_directory(tmp_path):
    assert default_media_dir(f"sqlite:///{tmp_path}/data/kader.db") == tmp_path / "data" / "media"
    assert default_media_dir("sqlite:///kader.db") == Path("media")
    assert default_media_dir("postgresql://kader@db/kader") == Path("media")
    settings = Settings(database_url=f"sqlite:///{tmp_path}/kader.db")
    assert MediaStore.from_settings(settings).directory == tmp_path / "media"
    assert MediaStore.from_settings(Settings(media_dir=str(tmp_path / "m"))).directory == tmp_path / "m"


def test_media_settings_are_read_and_checked():
    settings = Settings.from_env(
        {"MEDIA_DIR": "/srv/kader/media", "MEDIA_MAX_BYTES": "5000000", "MEDIA_TYPES": " image/JPEG , application/pdf "}
    )
    assert (settings.media_dir, settings.media_max_bytes) == ("/srv/kader/media", 5_000_000)
    assert settings.media_types == ("image/jpeg", "application/pdf")
    defaults = Settings.from_env({})
    assert (defaults.media_dir, defaults.media_max_bytes) == (None, 10 * 1024 * 1024)
    assert defaults.media_types == ("image/jpeg", "image/png", "image/webp", "application/pdf")
    with pytest.raises(ValueError, match="MEDIA_MAX_BYTES must be a whole number from 1 to"):
        Settings.from_env({"MEDIA_MAX_BYTES": "10MB"})
    with pytest.raises(ValueError, match="MEDIA_MAX_BYTES"):
        Settings.from_env({"MEDIA_MAX_BYTES": "0"})
    with pytest.raises(ValueError, match="MEDIA_TYPES must list types from application/pdf, image/jpeg"):
        Settings.from_env({"MEDIA_TYPES": "image/jpeg,application/x-msdownload"})
    with pytest.raises(ValueError, match="MEDIA_TYPES"):
        Settings.from_env({"MEDIA_TYPES": " , "})

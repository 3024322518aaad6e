"""`/foto PATH` and `/file PATH` in the console shell: a local file copied into the media store with the same checks."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console import ConsoleShell
from bot.media_store import MediaStore
from flows.engine import Engine
from flows.model import Context, Flow, Outcome, Step
from flows.registry import default_registry
from flows.turn import DOCUMENT, TOO_LARGE, UNAVAILABLE, WRONG_TYPE, Inbound

KADER = Path(sys.executable).with_name("kader")
PHONE = "+6281300000077"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x5a" * 2000 + b"\xff\xd9"
EXE = b"MZ\x90\x00" + b"\x00" * 200


class RecordingEngine(Engine):
    """The product's engine plus a document step ("unggah"), remembering every Inbound it was handed."""

    def __init__(self, database) -> None:
        registry = default_registry()

        async def got(ctx: Context) -> Outcome:
            return Outcome(texts=[f"dokumen diterima: {len(ctx.answers['document']['media'])} berkas"])

        registry.add(Flow("upload", "info.title", (Step("document", "info.ask", expects=DOCUMENT),), got), "unggah")
        super().__init__(database, registry)
        self.seen: list[Inbound] = []

    async def handle(self, inbound: Inbound):
        self.seen.append(inbound)
        return await super().handle(inbound)


@pytest.fixture
def recording(database) -> RecordingEngine:
    return RecordingEngine(database)


@pytest.fixture
def shell(recording, database, tmp_path) -> ConsoleShell:
    store = MediaStore(tmp_path / "media", max_bytes=5000, types=("image/jpeg", "application/pdf"))
    return ConsoleShell(recording, database, PHONE, output=io.StringIO(), media=store)


async def test_foto_sends_a_local_photo_kept_in_the_store(shell, recording, tmp_path):
    photo = tmp_path / "surat kematian.jpg"
    photo.write_bytes(JPEG)
    await shell.send("unggah")

    replies = await shell.send(f"/foto '{photo}'")

    assert "dokumen diterima: 1 berkas" in replies[-1].text
    inbound = recording.seen[-1]
    (media,) = inbound.media
    assert inbound.text is None and media.ref == str(photo) and media.refused is None
    assert media.sha256 == hashlib.sha256(JPEG).hexdigest() and media.content_type == "image/jpeg"
    assert Path(media.stored_path).read_bytes() == JPEG
    assert stat.S_IMODE(Path(media.stored_path).stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("program.jpg", EXE, WRONG_TYPE),  # magic bytes, not the name
        ("setup.exe", JPEG, WRONG_TYPE),  # the declared type from the name is not allowed
        ("big.jpg", JPEG * 3, TOO_LARGE),
        ("missing.jpg", None, UNAVAILABLE),
    ],
)
async def test_file_refuses_what_the_channels_refuse(shell, recording, tmp_path, name, content, reason):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    await shell.send(f"/file {path}")

    (media,) = recording.seen[-1].media
    assert (media.refused, media.stored_path) == (reason, None)
    assert not (tmp_path / "media").exists() or list((tmp_path / "media").iterdir()) == []


async def test_foto_without_a_path_or_without_a_store_is_plain_text(shell, recording, database):
    await shell.send("/foto")
    assert recording.seen[-1].text == "/foto" and recording.seen[-1].media == ()
    plain = ConsoleShell(recording, database, PHONE, output=io.StringIO())
    await plain.send("/foto ktp.jpg")
    assert recording.seen[-1].text == "/foto ktp.jpg" and recording.seen[-1].media == ()


def test_kader_shell_keeps_a_photo_in_the_media_dir_given(tmp_path):
    photo = tmp_path / "ktp.jpg"
    photo.write_bytes(JPEG)
    media_dir = tmp_path / "kept"
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "MEDIA_DIR", "LOG_LEVEL")}
    result = subprocess.run(
        [str(KADER), "shell", "--database", f"sqlite:///{tmp_path / 'x.db'}", "--media-dir", str(media_dir)],
        input=f"menu\n/foto {photo}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert [p.name for p in media_dir.iterdir()] == [f"{hashlib.sha256(JPEG).hexdigest()}.jpg"]
    assert stat.S_IMODE(media_dir.stat().st_mode) == 0o700
    assert not (tmp_path / "media").exists()

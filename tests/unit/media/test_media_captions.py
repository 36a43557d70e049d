"""Captions: hostile narration is drawn literally, never interpreted by libass or ffmpeg."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from acf.media import assets
from acf.media.captions import Caption, ass_escape, chunk_words, time_captions, write_ass
from acf.media.probe import ffmpeg_exe


def test_ass_escape_neutralises_overrides_and_escapes():
    assert ass_escape("{\\fs300}A") == "\\{\\\u2060fs300\\}A"
    assert "\\N" not in ass_escape("line\\Nbreak")
    assert ass_escape("a\nb\tc") == "a b c"
    assert ass_escape("it's: [x], y") == "it's: [x], y"    # filter syntax is harmless inside an ASS file


def test_chunks_and_timing_cover_the_speech():
    caps = time_captions("One two three four five six seven. Eight nine ten.", 1.0, 4.0)
    assert caps[0].start == 1.0 and abs(caps[-1].end - 5.0) < 0.01
    assert all(len(c.text) <= 40 for c in caps)
    assert chunk_words("") == []


def _ink(tmp_path: Path, text: str) -> tuple[int, int]:
    """Width and height of what libass draws for ``text`` on a black 640x360 frame."""
    fonts = tmp_path / "fonts"
    fonts.mkdir(exist_ok=True)
    (fonts / assets.FONT_FILE.name).write_bytes(assets.font_path().read_bytes())
    ass = write_ass([Caption(0, 5, text)], 640, 360, tmp_path / "c.ass")
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=black:s=640x360:d=0.2",
         "-vf", f"subtitles=filename={ass}:fontsdir={fonts}", "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    frame = np.frombuffer(raw, np.uint8).reshape(360, 640)
    ys, xs = np.nonzero(frame > 200)
    assert len(xs), f"nothing drawn for {text!r}"
    return int(xs.max() - xs.min()), int(ys.max() - ys.min())


@pytest.mark.parametrize("hostile", ["{\\fs300}A", "{\\pos(0,0)\\c&H0000FF&}A"])
def test_override_tags_render_as_text(tmp_path, hostile):
    plain_w, plain_h = _ink(tmp_path, "A")
    width, height = _ink(tmp_path, hostile)
    assert width > 4 * plain_w          # every character of the tag is drawn ...
    assert height < 2 * plain_h         # ... at the caption size, not 300 px


def test_backslash_n_does_not_break_the_line(tmp_path):
    _, one_line = _ink(tmp_path, "XNY")
    width, height = _ink(tmp_path, "X\\NY")
    assert height < 1.5 * one_line

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


# ---------------------------------------------------------------- timed on the words, two styles
def _timed(text: str, gap: float = 0.3):
    from acf.media.words import Word
    return [Word(round(0.2 + i * gap, 3), round(0.2 + i * gap + gap * 0.8, 3), w) for i, w in enumerate(text.split())]


def test_captions_start_on_their_first_word_not_spread_evenly():
    text = "One two three four five six seven. Eight nine ten."
    timed = _timed(text)
    caps = time_captions(text, 10.0, 4.0, timed)
    firsts = [10.0 + timed[sum(len(c.text.split()) for c in caps[:n])].start for n in range(len(caps))]
    assert [c.start for c in caps] == pytest.approx(firsts)
    assert all(a.end == b.start for a, b in zip(caps, caps[1:]))
    assert caps[-1].end == pytest.approx(10.0 + timed[-1].end + 0.4)
    assert [w.text for c in caps for w in c.words] == text.split()


def test_lines_break_after_commas_and_never_end_on_an_article():
    assert chunk_words("bursts of energy from the sun, and one just reached") == [
        "bursts of energy", "from the sun,", "and one just reached"]


def test_word_style_highlights_each_word_in_turn_and_still_escapes(tmp_path):
    text = "Say {\\fs300}hi to all"
    caps = time_captions(text, 0.0, 2.0, _timed(text))
    lines = [line for line in write_ass(caps, 1080, 1920, tmp_path / "w.ass", style="word").read_text().splitlines()
             if line.startswith("Dialogue:")]
    assert len(lines) == len(text.split())
    assert all(line.count("{\\c&H0000D7FF&}") == 1 for line in lines)
    assert all("\\{\\\u2060fs300\\}hi" in line for line in lines)      # the hostile tag stays text
    chunked = write_ass(caps, 1080, 1920, tmp_path / "c.ass").read_text()
    assert "&H0000D7FF&}" not in chunked and chunked.count("Dialogue:") == len(caps)


def test_the_highlighted_word_is_drawn_in_gold(tmp_path):
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    (fonts / assets.FONT_FILE.name).write_bytes(assets.font_path().read_bytes())
    caps = time_captions("gold word", 0.0, 2.0, _timed("gold word", gap=1.0))
    ass = write_ass(caps, 640, 360, tmp_path / "g.ass", style="word")
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=black:s=640x360:d=0.5", "-vf",
         f"subtitles=filename={ass}:fontsdir={fonts}", "-ss", "0.4", "-frames:v", "1", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    frame = np.frombuffer(raw, np.uint8).reshape(360, 640, 3).astype(int)
    gold = (frame[..., 0] > 200) & (frame[..., 1] > 170) & (frame[..., 2] < 80)
    white = (frame > 200).all(axis=2)
    gold_x, white_x = np.nonzero(gold)[1], np.nonzero(white)[1]
    assert gold_x.size > 50 and white_x.size > 50
    assert gold_x.mean() < white_x.mean()          # "gold" (first word) is the highlighted one at 0.4 s


def _frame_with_caption(text: str | None, width: int = 1080, height: int = 1920, colour=(255, 255, 255)):
    """A backdrop-blue frame with ``text`` drawn as libass draws a caption: light type, black outline."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from acf.media import assets, captions

    image = Image.new("RGB", (width, height), (10, 40, 90))
    if text:
        font_size, outline, _, _ = captions.layout(width, height)
        top, bottom = captions.band(width, height)
        ImageDraw.Draw(image).text((width // 5, top + (bottom - top) // 3), text, fill=colour,
                                   font=ImageFont.truetype(str(assets.font_path()), font_size),
                                   stroke_width=outline, stroke_fill=(0, 0, 0))
    return np.array(image)[..., ::-1].copy()   # BGR, as cv2 reads a frame


def test_caption_ink_sees_outlined_type_in_the_band_and_nothing_without_it():
    from acf.media.checks import MIN_CAPTION_INK, caption_ink

    assert caption_ink(_frame_with_caption("launch today"), 1080, 1920) > MIN_CAPTION_INK
    assert caption_ink(_frame_with_caption("launch", colour=(255, 215, 0)), 1080, 1920) > MIN_CAPTION_INK  # gold word
    assert caption_ink(_frame_with_caption(None), 1080, 1920) == 0


def test_a_video_without_burned_captions_fails_the_on_screen_check(tmp_path):
    import subprocess

    from acf.media.checks import OutputCheckError, check_captions_on_screen
    from acf.media.probe import ffmpeg_exe

    video = tmp_path / "plain.mp4"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i", "color=c=0x0a285a:s=1080x1920:d=2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(video)], check=True)
    with pytest.raises(OutputCheckError, match="captions.on_screen"):
        check_captions_on_screen(video, "9:16", [[0.2, 0.8], [1.0, 1.6]])
    with pytest.raises(OutputCheckError, match="captions.count"):
        check_captions_on_screen(video, "9:16", [])


def test_a_last_word_left_alone_joins_the_line_it_ends():
    from acf.media.captions import chunk_words

    assert chunk_words("when the first pictures came in.") == ["when the first pictures came in."]
    assert chunk_words("Searches rose, fast.") == ["Searches rose,", "fast."]   # the comma's pause stays
    # a sentence's end stays where it is: a one-word sentence after a full stop is its own line
    assert chunk_words("It rose. Fast.") == ["It rose.", "Fast."]

"""Text hostile to downstream tools, through the functions that hand text to them.

* Captions (acf.media.captions): ASS override tags, ``\\N`` escapes, line breaks, ffmpeg filter
  syntax, RTL and zero-width characters are drawn literally: one Dialogue line per caption, no
  unescaped ``{``/``}``, no live backslash escape; chunking loses no word. One real libass burn of
  the nastiest captions with the bundled ffmpeg succeeds and writes no stray file.
* Object keys (acf.storage.key): a part is either refused (UnsafeKeyError) or stays inside the
  root; keys derived from ids (acf.ids.stable_id of any text) are always accepted.
* Platform text (acf.publishing.text_fit): fit/compose never exceed the limit in any unit, never
  cut inside a grapheme cluster (emoji, flags, accents) and return a prefix of the input.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from acf import storage
from acf.ids import stable_id
from acf.media import captions
from acf.publishing import text_fit
from chaos import hostile, registry

EXAMPLES = registry.scaled(5_000, 150)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
TEXT = hostile.hostile_text(known_defects=False, max_size=200)
_CLUSTER = regex.compile(r"\X")


def _crash(what: str, exc: BaseException) -> None:
    registry.record_once("crashes", f"{what}: {type(exc).__name__}: {exc}"[:200])


@SETTINGS
@given(TEXT)
def test_ass_escape_draws_text_literally(text):
    registry.record("bad_inputs")
    try:
        escaped = captions.ass_escape(text)
    except Exception as exc:
        _crash("captions.ass_escape", exc)
        raise
    assert "\n" not in escaped and "\r" not in escaped
    # every brace is escaped, every backslash is defused (followed by the word joiner or an escaped brace)
    assert not re.search(r"(?<!\\)[{}]", escaped)
    for match in re.finditer(r"\\", escaped):
        following = escaped[match.end():match.end() + 1]
        assert following in ("\u2060", "{", "}"), f"live ASS escape in {escaped!r}"


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=5))
def test_chunking_and_ass_file_lose_no_word(tmp_path_factory, texts):
    registry.record("bad_inputs")
    narration = " ".join(texts)
    chunks = captions.chunk_words(narration)
    if " ".join(chunks).split() != narration.split():
        registry.record_once("lost", f"chunk_words lost words of {narration[:80]!r}")
    assert " ".join(chunks).split() == narration.split()
    timed = captions.time_captions(narration, 0.0, 10.0)
    dest = tmp_path_factory.mktemp("ass") / "captions.ass"
    captions.write_ass(timed, 1080, 1920, dest)
    lines = dest.read_text(encoding="utf-8").split("\n")
    dialogue = [line for line in lines if line.startswith("Dialogue:")]
    events = lines[lines.index("[Events]"):]
    assert len(dialogue) == len(timed) == len([line for line in events if line and not line.startswith(("[", "Format"))])


def test_hostile_captions_burn_with_libass(tmp_path):
    """The worst captions through the real ffmpeg ``subtitles`` filter: renders, creates nothing else."""
    from acf.media.probe import ffmpeg_exe

    nasty = [c for c in hostile.HOSTILE_SAMPLES if len(c) < 80]
    timed = [captions.Caption(i * 0.05, (i + 1) * 0.05, text) for i, text in enumerate(nasty)]
    ass = captions.write_ass(timed, 320, 240, tmp_path / "c.ass")
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out.mp4"
    registry.record("bad_inputs", len(nasty))
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=320x240:d=1",
         "-vf", f"subtitles={ass.name}", "-frames:v", "20", "-y", str(out)],
        cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-500:]
    assert sorted(p.name for p in work.iterdir()) == ["out.mp4"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.ass", "work"]


@SETTINGS
@given(st.lists(TEXT, min_size=1, max_size=4))
def test_object_keys_never_escape_their_folder(tmp_path_factory, parts):
    registry.record("bad_inputs")
    root = tmp_path_factory.mktemp("root")
    try:
        object_key = storage.key("content", *parts)
    except storage.UnsafeKeyError:
        return
    except Exception as exc:
        _crash("storage.key", exc)
        raise
    target = (root / object_key).resolve()
    assert root.resolve() in target.parents, f"{object_key!r} escapes the root"
    assert all(piece not in ("", ".", "..") for piece in object_key.split("/"))
    assert not os.path.isabs(object_key) and "\\" not in object_key and "\x00" not in object_key


@SETTINGS
@given(TEXT, TEXT)
def test_keys_derived_from_ids_are_always_accepted(title, term):
    registry.record("bad_inputs")
    content_id = stable_id("cp", title, term)
    object_key = storage.key("content", content_id, "video_9x16.mp4")
    assert object_key == f"content/{content_id}/video_9x16.mp4"


def test_path_traversal_parts_are_refused():
    for bad in ("..", ".", "../x", "a/../../b", "/etc/passwd", "a\\..\\b", "~/.ssh", "", "a b", "x\x00y", ".hidden"):
        registry.record("bad_inputs")
        with pytest.raises(storage.UnsafeKeyError):
            storage.key("content", bad)


UNITS = st.sampled_from(text_fit.UNITS)


def _is_cluster_prefix(cut: str, text: str) -> bool:
    if not text.startswith(cut):
        return False
    clusters = _CLUSTER.findall(text)
    joined = ""
    for cluster in clusters:
        if joined == cut:
            return True
        joined += cluster
    return joined == cut


@SETTINGS
@given(TEXT, st.integers(min_value=0, max_value=300), UNITS, st.sampled_from(["", "…", "..."]))
def test_fit_never_breaks_utf8_or_emoji(text, limit, unit, ellipsis):
    registry.record("bad_inputs")
    try:
        out = text_fit.fit(text, limit, unit, ellipsis=ellipsis)
    except Exception as exc:
        _crash("text_fit.fit", exc)
        raise
    assert text_fit.measure(out, unit) <= max(limit, 0)
    out.encode("utf-8")  # never half a character
    body = out[: len(out) - len(ellipsis)] if ellipsis and out.endswith(ellipsis) and out != text else out
    assert _is_cluster_prefix(body, text), f"{body!r} is not a whole-cluster prefix of {text[:60]!r}"


@SETTINGS
@given(TEXT, TEXT, st.integers(min_value=1, max_value=500), UNITS)
def test_compose_stays_within_the_limit(body, tail, limit, unit):
    registry.record("bad_inputs")
    try:
        out = text_fit.compose(body, tail, limit, unit)
    except Exception as exc:
        _crash("text_fit.compose", exc)
        raise
    assert text_fit.measure(out, unit) <= limit
    out.encode("utf-8")
    hashtag = text_fit.hashtag(body)
    assert hashtag == "" or (hashtag.startswith("#") and " " not in hashtag)


def test_hostile_word_highlight_captions_stay_text_and_burn(tmp_path):
    """The word-highlight style over the hostile samples: our one colour tag per event, nothing the
    narration opens, and libass draws it."""
    from acf.media.probe import ffmpeg_exe
    from acf.media.words import spread

    nasty = [c for c in hostile.HOSTILE_SAMPLES if len(c) < 80 and c.split()]
    timed = []
    for i, text in enumerate(nasty):
        timed += captions.time_captions(text, i * 0.05, 0.05, spread(text, 0.0, 0.05))
    ass = captions.write_ass(timed, 320, 240, tmp_path / "w.ass", style="word")
    registry.record("bad_inputs", len(nasty))
    for line in ass.read_text(encoding="utf-8").split("\n"):
        if line.startswith("Dialogue:"):
            text = line.split(",,", 2)[-1]
            assert text.count("{\\c&H0000D7FF&}") == 1
            plain = text.replace("{\\c&H0000D7FF&}", "").replace("{\\r}", "")
            assert not re.search(r"(?<!\\)[{}]", plain), f"live override in {text!r}"
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=black:s=320x240:d=1",
         "-vf", f"subtitles={ass.name}", "-frames:v", "20", "-f", "null", "-"],
        cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-500:]

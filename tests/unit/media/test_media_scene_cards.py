"""Scene cards: a template per fact kind inside each aspect's safe area, contrast computed, motion as
patches the renderer lays on; the choice of a scene's card; the checks before ``ready``; a short render."""
from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from acf.content_models import Fact, Scene, Script
from acf.media import checks, render, thumbnails
from acf.media.probe import ffmpeg_exe, probe
from acf.media.scene_cards import CardSpec, choose_all, compose, design
from acf.media.timeline import Timeline, TimelineScene

FACTS = {
    "stat": Fact("f1", "stat", "Searches jumped in a day.", "Google Trends",
                 numbers={"searches in the last 24 hours": 2450000}),
    "series": Fact("f2", "series", "Interest over seven days.", "Google Trends",
                   points=[["Mon", 12], ["Tue", 15], ["Wed", 40], ["Thu", 100], ["Fri", 86]]),
    "headline": Fact("f3", "headline", "Strongest solar storm in two decades sparks auroras across Europe",
                     "Reuters", at="2026-12-01T08:30:00Z"),
    "quote": Fact("f4", "quote", "I have lived here 40 years and never seen anything like it.", "r/space",
                  numbers={"score": 18300}),
    "regions": Fact("f5", "regions", "Where it trends.", "Google Trends",
                    points=[["United States", 100], ["Canada", 84], ["A region with a very long name indeed", 71]]),
    "list": Fact("f6", "list", "What it disrupts", "NOAA", points=[["Radio", None], ["GPS", None], ["Grids", 3]]),
    "video": Fact("f7", "video", "Northern lights timelapse over Oslo", "Aurora Hunters", numbers={"views": 1240000}),
    "title": Fact("", "title", "Solar flares are giant bursts of energy from the sun, and one reached us. " * 3,
                  "Science"),
}
# Quarter-size frames: the layout is in fractions and the type scales with the short side.
SMALL = {"9:16": (270, 480), "16:9": (480, 270), "1:1": (270, 270)}


def test_every_palette_reaches_the_minimum_contrast_on_its_worst_panel():
    assert design.contrast((255, 255, 255), (0, 0, 0)) == pytest.approx(21)
    measured = design.check_palettes()
    assert set(measured) >= {"general", "news", "music", "sports"}
    assert min(v for roles in measured.values() for v in roles.values()) >= 4.5


@pytest.mark.parametrize("aspect", sorted(SMALL))
@pytest.mark.parametrize("kind", sorted(FACTS))
def test_each_kind_lays_out_inside_the_safe_area_with_its_motion(tmp_path, kind, aspect):
    width, height = SMALL[aspect]
    layers = compose(CardSpec(kind, FACTS[kind], "news", (FACTS[kind].fact_id,)), None, aspect, width, height,
                     tmp_path, reveal_span=3.0, delay=0.2)
    report = layers.report
    safe = report["safe_area"]
    assert report["marks"], "a card sets some text"
    for mark in report["marks"]:
        box = mark["box"]
        assert safe[0] <= box[0] and safe[1] <= box[1] and box[2] <= safe[2] and box[3] <= safe[3], mark
        assert mark["contrast"] >= 4.5
    assert Image.open(layers.still).size == (width, height)
    motion = layers.motion
    playlist = motion.playlist.read_text().splitlines()
    files = [line.split("'")[1] for line in playlist if line.startswith("file")]
    durations = [float(line.split()[1]) for line in playlist if line.startswith("duration")]
    assert len(files) == motion.patches + 1 and Image.open(files[0]).mode == "RGB"
    assert sum(durations[:-1]) == pytest.approx(motion.seconds, abs=0.02)
    assert durations[0] == pytest.approx(0.2, abs=0.02)     # the first state holds until the delay
    if kind in ("stat", "series", "regions", "video"):   # sampled while moving
        assert motion.patches >= 15
    if kind == "list":    # items come in turn over the narration: at 0.2, 1.0 and 1.8 s
        assert motion.patches == 4 and motion.seconds == pytest.approx(1.8, abs=0.02)


def test_a_count_up_starts_at_zero_and_ends_on_the_still(tmp_path):
    layers = compose(CardSpec("stat", FACTS["stat"]), None, "9:16", 270, 480, tmp_path)
    files = [line.split("'")[1] for line in layers.motion.playlist.read_text().splitlines() if line.startswith("file")]
    first, last = (np.asarray(Image.open(f), np.int16) for f in (files[0], files[-1]))
    m = layers.motion
    still = np.asarray(Image.open(layers.still).crop((m.x, m.y, m.x + first.shape[1], m.y + first.shape[0])),
                       np.int16)
    assert np.abs(first - still).mean() > 2 and np.abs(last - still).max() == 0    # "0", then "2.5M"
    assert any(mark["text"] == "2.5M" for mark in layers.report["marks"])


def _script() -> Script:
    facts = [FACTS["stat"], FACTS["quote"]]
    scenes = [Scene(0, "Hook.", "", 1), Scene(1, "A number.", "", 1, ["f1"]), Scene(2, "Nothing cited.", "", 1),
              Scene(3, "Nothing again.", "", 1), Scene(4, "A missing id.", "", 1, ["zz"])]
    return Script("T", "Hook.", scenes, "Follow.", facts=facts)


def test_a_scene_shows_its_cited_fact_else_the_trends_own_in_turn_else_its_words():
    trend = [Fact("trend-regions", "regions", "Where", "Trend signals", points=[["US", 3], ["GB", 2]])]
    cards = choose_all(_script(), trend_facts=trend, category="science")
    assert [(c.kind, c.origin) for c in cards.values()] == [
        ("title", "narration"), ("stat", "script"), ("regions", "trend"), ("title", "narration"),
        ("title", "narration")]
    assert cards[1].cited == ("f1",) and cards[3].fact.text == "Nothing again."


def _report(script: Script, aspects: list[str], tmp_path: Path) -> list[dict]:
    cards = choose_all(script)
    return [{"scene": i, **compose(spec, None, a, *SMALL[a], tmp_path / f"{i}{a[0]}").report}
            for i, spec in cards.items() for a in aspects]


def test_checks_pass_good_cards_and_name_each_failure(tmp_path):
    script = _script()
    script.scenes[4].fact_ids = []
    report = _report(script, ["9:16"], tmp_path)
    summary = checks.check_scene_cards(report, script, ["9:16"])
    assert summary["facts_shown"] == 1 and summary["lowest_contrast"] >= 4.5
    script.scenes[2].fact_ids = ["f4"]                        # cites the quote, shows a title card
    report[0]["marks"][0]["box"] = [0, 0, 10, 10]             # text off the safe area
    report[1]["marks"][0]["contrast"] = 2.1
    with pytest.raises(checks.OutputCheckError) as failed:
        checks.check_scene_cards(report[:-1], script, ["9:16"])
    names = {name for name, _m, _l in failed.value.failures}
    assert names == {"scene 0 9:16.safe_area", "scene 1 9:16.contrast", "scene 2 9:16.fact_visual",
                     "scene 4 9:16.card"}


def _silence(path: Path, seconds: float) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(np.zeros((int(seconds * 48000), 2), "<i2").tobytes())
    return path


def _gray_frame(video: Path, seconds: float) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.2f}", "-i", str(video), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(1920, 1080).astype(np.int16)


@pytest.mark.slow
def test_a_carded_render_counts_up_then_holds_the_still_and_makes_a_storyboard(tmp_path):
    # No picture (image None): the card's gradient is the backdrop. Scene 0 holds 2 s, its fade from 1.8 s.
    scenes = [TimelineScene(0, None, tmp_path / "a.wav", "Two and a half million.", 0, 60, 0.0, 1.5),
              TimelineScene(1, None, tmp_path / "a.wav", "Three things.", 60, 30, 2.0, 0.8)]
    line = Timeline(scenes)
    cards = {0: CardSpec("stat", FACTS["stat"]), 1: CardSpec("list", FACTS["list"])}
    layers = render.prepare_cards(line, cards, ["9:16"], tmp_path / "cards")
    out = tmp_path / "out.mp4"
    render.render(line, _silence(tmp_path / "a.wav", line.seconds), {"9:16": out}, work_dir=tmp_path / "w",
                  cards=layers)
    info = probe(out)
    assert (info.width, info.height) == (1080, 1920) and abs(info.duration_seconds - 3.0) < 0.1
    seq = layers[(0, "9:16")].motion
    patch = np.s_[seq.y:seq.y + 150, seq.x:seq.x + 600]
    counting, held = _gray_frame(out, 0.4)[patch], _gray_frame(out, 1.6)[patch]
    still = np.asarray(Image.open(layers[(0, "9:16")].still).convert("L"), np.int16)[patch]
    assert np.abs(held - still).mean() < 6 < np.abs(counting - still).mean()
    board = thumbnails.make_storyboard(out, info.duration_seconds, tmp_path / "board.jpg")
    assert Image.open(board).size == (3 * 360, 2 * 640)


def test_the_trends_own_numbers_become_facts(pg_conn, opportunity):
    from datetime import datetime, timedelta, timezone

    from acf.media import store

    day = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    pg_conn.execute("UPDATE acf.trends SET category = 'science', observation_count = 7,"
                    " sources = '{google_trends,reddit}' WHERE trend_id = 'trd_1'")
    for n in range(7):
        pg_conn.execute("INSERT INTO acf.trend_observations (observation_key, trend_id, source, region, term, title,"
                        " observed_at) VALUES (%s, 'trd_1', 'reddit', 'US', 'solar flares', 'Solar flares', %s)",
                        (f"k{n}", day + timedelta(days=n % 3)))
    for region, engagement in (("US", 50.0), ("GB", 20.0), ("ZZ", 99.0)):
        pg_conn.execute("INSERT INTO acf.trend_region_stats (trend_id, region, interval_start, observations,"
                        " engagement) VALUES ('trd_1', %s, %s, 1, %s)", (region, day, engagement))
    category, facts = store.trend_context(pg_conn, opportunity)
    assert category == "science"
    by_kind = {f.kind: f for f in facts}
    assert by_kind["stat"].numbers == {"sightings across 2 sources": 7}
    assert [p[1] for p in by_kind["series"].points] == [3, 2, 2]
    assert by_kind["regions"].points == [["United States", 50.0], ["United Kingdom", 20.0]]   # no unknown one


def test_storyboard_moments_catch_six_scenes_settled():
    ends = [8.0, 16.0, 24.0, 32.0, 40.0, 48.0, 56.0, 60.0]
    moments = thumbnails.storyboard_moments(ends, 60.0)
    assert len(moments) == 6 and moments[0] == pytest.approx(7.4) and moments[-1] == pytest.approx(59.4)
    assert thumbnails.storyboard_moments([3.0, 6.0], 6.0) == pytest.approx([0.5, 1.5, 2.5, 3.5, 4.5, 5.5])

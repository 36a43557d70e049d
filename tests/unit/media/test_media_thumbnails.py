"""Thumbnails: 1280x720 JPEG under 2 MB with the title large; a contact sheet of every scene."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from acf.media import thumbnails, visuals_local


@pytest.fixture
def scene_image(tmp_path):
    return visuals_local.render_scene_image("Solar flares reach Earth tonight", 1080, 1920, tmp_path / "s.png")


@pytest.mark.parametrize("title", ["Solar flares", "Why this week's solar flares could knock out radio for "
                                   "pilots on every polar route, explained in sixty seconds"])
def test_thumbnail_size_bytes_and_title_ink(tmp_path, scene_image, title):
    out = thumbnails.make_thumbnail(title, scene_image, tmp_path / "t.jpg")
    image = cv2.imread(str(out))
    assert image.shape == (720, 1280, 3)
    assert out.stat().st_size < thumbnails.MAX_THUMB_BYTES
    yellow = (image[..., 2] > 200) & (image[..., 1] > 180) & (image[..., 0] < 90)
    rows = np.nonzero(yellow.any(axis=1))[0]
    assert yellow.sum() > 0.02 * image.shape[0] * image.shape[1]     # the title covers a real share
    assert rows.max() - rows.min() > 100                              # and is set large


def test_thumbnail_of_unreadable_background_is_an_error(tmp_path):
    (tmp_path / "bad.png").write_bytes(b"nope")
    with pytest.raises(thumbnails.ThumbnailError):
        thumbnails.make_thumbnail("x", tmp_path / "bad.png", tmp_path / "t.jpg")


def test_contact_sheet_has_a_tile_per_scene(tmp_path, scene_image):
    out = thumbnails.make_contact_sheet([(i, scene_image, 4.0) for i in range(6)], tmp_path / "sheet.jpg")
    sheet = cv2.imread(str(out))
    assert sheet.shape[:2] == (720, 1440)          # 4 columns x 2 rows of 360 px tiles


def test_local_backdrop_is_never_blank_and_follows_the_category(tmp_path):
    out = visuals_local.render_scene_image("{\\b1} : '", 1080, 1920, tmp_path / "v.png")
    image = cv2.imread(str(out))
    assert image.shape == (1920, 1080, 3) and float(image.std()) > 5
    music = cv2.imread(str(visuals_local.render_scene_image("x", 108, 192, tmp_path / "m.png", category="music")))
    sports = cv2.imread(str(visuals_local.render_scene_image("x", 108, 192, tmp_path / "s.png", category="sports")))
    assert np.abs(music.astype(int) - sports.astype(int)).mean() > 10

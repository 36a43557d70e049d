"""AI disclosure: decided from the providers that made a piece's images and voice, declared per platform."""
import pytest

from acf.publishing import disclosure
from acf.publishing.content import ready_sources
from acf.publishing.optimizer import ContentOptimizer
from acf.publishing.steps import build_targets
from acf.publishing import content

MODEL_MADE = {"image": ["leonardo", "local"], "voice": ["local"], "thumbnail": ["local"]}
OFFLINE = {"image": ["local"], "voice": ["local"], "thumbnail": ["local"]}


@pytest.mark.parametrize("providers, mode, expected", [
    (MODEL_MADE, "auto", True), (OFFLINE, "auto", False), ({"voice": ["elevenlabs"]}, "auto", True),
    ({"script": ["openai"], "image": ["local"]}, "auto", False),  # model-written text is not synthetic media
    ({}, "auto", False), (OFFLINE, "always", True), (MODEL_MADE, "never", False),
])
def test_declares_ai_from_image_and_voice_providers(providers, mode, expected):
    assert disclosure.declares_ai(providers, mode) is expected


def test_unknown_mode_is_refused():
    with pytest.raises(disclosure.UnknownDisclosureModeError):
        disclosure.declares_ai(OFFLINE, "sometimes")


def test_packages_carry_the_flag_and_captions_the_line(make_source):
    optimizer = ContentOptimizer()
    made = {p.platform: p for p in optimizer.packages(make_source(media_providers=MODEL_MADE))[0]}
    offline = {p.platform: p for p in optimizer.packages(make_source(media_providers=OFFLINE))[0]}
    assert set(made) == {"youtube", "tiktok", "instagram", "facebook"}
    for platform in made:
        assert made[platform].extra["ai_generated"] is True and offline[platform].extra["ai_generated"] is False
    for platform in ("instagram", "facebook"):
        assert "Made with AI tools." in made[platform].description
        assert "Made with AI tools." not in offline[platform].description
    for platform in ("youtube", "tiktok"):  # declared in an API field, not in the text
        assert "Made with AI tools." not in made[platform].description


def test_ready_sources_read_the_providers_from_the_assets(pg_conn, object_root, seed_content):
    seed_content(pg_conn, object_root, content_id="cp_ai")
    pg_conn.execute("INSERT INTO acf.assets (asset_id, content_id, kind, scene_index, provider, object_key, bytes, checksum)"
                    " VALUES ('as_cp_ai_img0', 'cp_ai', 'image', 0, 'diffusers', 'assets/cp_ai/0.png', 1, 'x')")
    pg_conn.commit()
    (source,) = ready_sources(pg_conn, ["cp_ai"])
    assert source.media_providers == {"image": ["diffusers"], "thumbnail": ["local"]}
    assert disclosure.declares_ai(source.media_providers)


@pytest.mark.parametrize("mode, expected", [("auto", False), ("always", True)])
def test_the_run_overrides_the_rule(pg_conn, clean_quota, object_root, seed_content, mode, expected):
    seed_content(pg_conn, object_root, content_id="cp_off", platforms=["instagram"])
    built = build_targets(pg_conn, object_root, ["cp_off"], platforms=["instagram"], ai_disclosure=mode)
    (target,) = built["instagram"]
    package = content.load_package(object_root, target["package_key"])
    assert package.extra["ai_generated"] is expected
    assert ("Made with AI tools." in package.description) is expected

import pytest

from acf import platform_rules as rules
from acf.publishing.errors import NotPublishableError
from acf.publishing.models import RenditionRef
from acf.publishing.optimizer import ContentOptimizer
from acf.publishing.text_fit import measure


@pytest.fixture
def optimizer():
    return ContentOptimizer()


def test_rules_cover_every_platform_with_limits_and_quotas():
    table = rules.all_rules()
    assert table["youtube"]["title"] == {"max": 100, "unit": "chars"}
    assert table["youtube"]["tags_total"]["max"] == 500
    assert table["instagram"]["hashtags"]["max"] == 30
    assert table["instagram"]["caption"]["max"] == 2200
    assert table["tiktok"]["caption"]["unit"] == "utf16"
    assert table["youtube"]["renditions"]["short"]["max_seconds"] == 180
    for platform in rules.platforms():
        assert table[platform]["quotas"], platform


def test_youtube_short_puts_key_term_first_and_sets_flags(optimizer, make_source):
    pkg = optimizer.package(make_source(), "youtube")
    assert pkg.title.startswith("Home espresso")
    assert pkg.aspect == "9:16" and pkg.extra["format"] == "short"
    assert pkg.extra["privacy_status"] == "private"
    assert pkg.extra["self_declared_made_for_kids"] is False
    assert pkg.extra["category_id"] == "26"
    assert "#Shorts" in pkg.description
    assert pkg.extra["chapters"] == []  # shorts carry no chapters


def test_youtube_long_form_has_valid_chapters(optimizer, make_source):
    source = make_source(renditions=[RenditionRef("16:9", "r/long.mp4", 600.0)])
    source.script["scenes"] = [{"narration": f"Part number {i}", "seconds": s}
                               for i, s in enumerate([30, 5, 40, 60, 8, 200, 257])]
    pkg = optimizer.package(source, "youtube")
    chapters = pkg.extra["chapters"]
    assert pkg.extra["format"] == "long" and pkg.aspect == "16:9"
    assert chapters[0][0] == 0 and len(chapters) >= 3
    ends = [c[0] for c in chapters[1:]] + [600.0]
    assert all(end - start >= 10 for (start, _), end in zip(chapters, ends))
    assert "0:00 Part number 0" in pkg.description


def test_youtube_too_few_chapters_gives_none(optimizer, make_source):
    source = make_source(renditions=[RenditionRef("16:9", "r/long.mp4", 300.0)])
    source.script["scenes"] = [{"narration": "one", "seconds": 250}, {"narration": "two", "seconds": 50}]
    pkg = optimizer.package(source, "youtube")
    assert pkg.extra["chapters"] == [] and "0:00" not in pkg.description


def test_youtube_over_limit_fields_are_cut_cleanly(optimizer, make_source):
    long_title = "Espresso 👍🏽 " * 30
    source = make_source(title=long_title, term="home espresso",
                         keywords=[f"keyword number {i}" for i in range(100)])
    source.script["hook"] = "<b>café</b> " * 2000
    pkg = optimizer.package(source, "youtube")
    assert len(pkg.title) <= 100 and not pkg.title.endswith("\U0001f44d")  # no half emoji cluster
    assert measure(pkg.description, "bytes") <= 5000
    assert "<" not in pkg.description + pkg.title
    total = sum(len(t) + (2 if " " in t else 0) for t in pkg.tags) + len(pkg.tags) - 1
    assert total <= 500 and pkg.tags[0] == "home espresso"


def test_tiktok_caption_within_utf16_limit_with_hashtags(optimizer, make_source):
    source = make_source(trending_sound="sound_123")
    source.script["hook"] = "😀 " * 3000
    pkg = optimizer.package(source, "tiktok")
    assert measure(pkg.description, "utf16") <= 2200
    assert pkg.description.endswith("#HomeEspresso #LatteArt #CoffeeGrinder #Food")
    assert pkg.aspect == "9:16" and pkg.extra["trending_sound"] == "sound_123"
    assert pkg.extra["privacy_level"] == "SELF_ONLY"


def test_instagram_at_most_30_hashtags_and_reels(optimizer, make_source):
    pkg = optimizer.package(make_source(keywords=[f"topic {i}" for i in range(60)]), "instagram")
    assert len(pkg.tags) == 30 and pkg.description.count("#") == 30
    assert pkg.extra["media_type"] == "REELS" and len(pkg.description) <= 2200


def test_instagram_refuses_long_video(optimizer, make_source):
    # Reels through the API run 3 s to 15 min (the IG User Media reference's reel specifications).
    assert optimizer.package(make_source(renditions=[RenditionRef("9:16", "r/x.mp4", 400.0)]),
                             "instagram").extra["media_type"] == "REELS"
    source = make_source(renditions=[RenditionRef("9:16", "r/x.mp4", 1000.0)])
    with pytest.raises(NotPublishableError, match="3-900"):
        optimizer.package(source, "instagram")


def test_instagram_stories_when_the_rules_prefer_them_and_never_for_an_ai_made_piece(make_source):
    import copy

    from acf import platform_rules
    from acf.publishing.optimizer import ContentOptimizer

    rules = copy.deepcopy(platform_rules.all_rules())
    rules["instagram"]["post_types"] = ["STORIES", "REELS"]
    optimizer = ContentOptimizer(rules)
    story = optimizer.package(make_source(), "instagram")                        # 57 s: a story fits
    assert story.extra["media_type"] == "STORIES" and story.extra["share_to_feed"] is False
    assert optimizer.package(make_source(renditions=[RenditionRef("9:16", "r/x.mp4", 75.0)]),
                             "instagram").extra["media_type"] == "REELS"         # over 60 s: a reel
    # A story has no caption to carry "Made with AI tools.": a model-made piece goes as a reel.
    ai_made = make_source(media_providers={"image": ["leonardo"], "voice": ["local"]})
    reel = optimizer.package(ai_made, "instagram")
    assert reel.extra["media_type"] == "REELS" and "Made with AI tools." in reel.description


def test_facebook_opens_with_question_or_call_to_action(optimizer, make_source):
    pkg = optimizer.package(make_source(), "facebook")
    assert pkg.description.startswith("Follow for more coffee science!")
    assert pkg.extra["post_type"] == "reel"
    source = make_source(renditions=[RenditionRef("16:9", "r/w.mp4", 300.0)])
    source.script["call_to_action"] = ""
    pkg = optimizer.package(source, "facebook")
    assert pkg.description.startswith("What do you think about home espresso?")
    assert pkg.extra["post_type"] == "video"


def test_packages_reports_refusals_instead_of_raising(optimizer, make_source):
    source = make_source(renditions=[RenditionRef("16:9", "r/w.mp4", 300.0)], platforms=["youtube", "tiktok", "mastodon"])
    made, refused = optimizer.packages(source)
    assert [p.platform for p in made] == ["youtube"]
    assert {p for p, _ in refused} == {"tiktok", "mastodon"}


def test_descriptions_end_with_the_cited_sources_and_titles_keep_no_length_they_lack(optimizer, make_source):
    facts = [{"fact_id": f"f{i}", "kind": "headline", "text": f"Headline {i}", "source": f"Paper {i}",
              "url": f"https://paper{i}.example/story", "at": "", "numbers": {}, "points": []} for i in range(1, 9)]
    facts.append({"fact_id": "f9", "kind": "stat", "text": "Trending on 4 platforms.", "source": "trend sources",
                  "url": "", "at": "", "numbers": {"platforms": 4}, "points": []})
    source = make_source(title="Home espresso, Explained in 60 Seconds",
                         renditions=[RenditionRef("9:16", "renditions/cp_test1/9x16.mp4", 32.0, 1080, 1920)])
    source.script = {**source.script, "facts": facts,
                     "scenes": [{**scene, "fact_ids": ids} for scene, ids in
                                zip(source.script["scenes"], [["f1", "f9"], ["f2", "f1"], ["f3", "f4", "f5"],
                                                              ["f6", "f7", "f8"]])]}
    for platform in ("youtube", "tiktok", "instagram", "facebook"):
        pkg = optimizer.package(source, platform)
        body = pkg.description
        sources = body.rsplit("Sources:\n", 1)[1].splitlines()
        assert sources[:2] == ["Paper 1: https://paper1.example/story", "Paper 2: https://paper2.example/story"]
        assert len(sources) == 6 and "trend sources" not in body            # links only, at most six
        assert "60 Seconds" not in pkg.title and "60 Seconds" not in body, platform
        rule = rules.all_rules()[platform]
        limit = (rule.get("description") or rule.get("caption"))
        assert measure(body, limit["unit"]) <= limit["max"]

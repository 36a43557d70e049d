from acf.opportunities.engine import angle_check
from acf.text import local_writer
from acf.text.schemas import AngleSet

TREND = {"term": "ai act vote", "title": "EU passes the AI Act", "category": "technology",
         "regions": ["US", "DE"], "sources": ["youtube", "reddit"], "score": 0.7}


def test_same_input_same_output_and_different_terms_differ():
    assert local_writer.write_angles(TREND) == local_writer.write_angles(dict(TREND))
    other = local_writer.write_angles({**TREND, "term": "quantum chip"})
    assert other != local_writer.write_angles(TREND)


def test_angles_validate_have_distinct_kinds_and_titles_start_with_the_term():
    angles = AngleSet.model_validate(local_writer.write_angles(TREND))
    assert len(angles.angles) >= 3
    assert {"explainer", "reaction", "list"} <= {a.kind for a in angles.angles}
    assert angle_check(TREND["term"])(angles) == []
    for angle in angles.angles:
        assert angle.title.startswith("AI Act Vote"), angle.title
        assert len(angle.hook.split()) <= 9
        assert "lorem" not in (angle.title + angle.hook).lower()


def test_hooks_and_titles_vary_across_trends():
    terms = ["solar eclipse", "gta 6 trailer", "taylor swift tour", "mars sample", "iphone 17", "nba finals",
             "chatgpt voice", "minecraft update", "oscars 2026", "bitcoin halving"]
    hooks = {local_writer.write_angles({**TREND, "term": t})["angles"][0]["hook"].replace(
        local_writer.display_term(t), "{T}") for t in terms}
    assert len(hooks) >= 3


def test_display_term_capitalises_like_a_title():
    assert local_writer.display_term("ai act vote") == "AI Act Vote"
    assert local_writer.display_term("iPhone 17 launch") == "iPhone 17 launch"
    assert local_writer.display_term("the lord of the rings") == "The Lord of the Rings"


def test_a_long_term_still_gets_hooks_that_fit_the_first_seconds():
    # a Reddit title as a trend's term (ten words): every hook template overflows with it in full
    term = "GTA 6 trailer 2 just dropped and it looks unreal"
    angles = local_writer.write_angles({"term": term, "category": "gaming", "score": 0.5, "title": term})
    hooks = [a["hook"] for a in angles["angles"]]
    assert all(len(h.split()) <= 9 for h in hooks), hooks
    assert all(h.lower().startswith("gta 6") or "gta 6" in h.lower() for h in hooks), hooks
    assert angle_check(term, [])(AngleSet.model_validate(angles)) == []

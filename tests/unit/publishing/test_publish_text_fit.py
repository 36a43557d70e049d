import regex
from hypothesis import given, settings, strategies as st

from acf.publishing.text_fit import compose, fit, fit_list, hashtag, measure


def test_fit_keeps_text_that_fits():
    assert fit("short title", 100) == "short title"


def test_fit_cuts_at_a_whole_word():
    assert fit("the quick brown fox jumps", 17) == "the quick brown"


def test_fit_never_splits_an_emoji_cluster():
    text = "go " + "👍🏽" * 10  # each cluster is 2 code points
    cut = fit(text, 8)
    assert cut == "go"  # the emoji run is one "word": it does not fit, so it goes whole


def test_fit_single_long_word_cuts_between_clusters():
    cut = fit("🇫🇷🇫🇷🇫🇷", 5)
    assert cut == "🇫🇷🇫🇷"


def test_fit_bytes_unit_keeps_valid_utf8():
    text = "café " * 10
    cut = fit(text, 13, unit="bytes")
    assert measure(cut, "bytes") <= 13 and cut == "café café"


def test_fit_utf16_counts_astral_characters_twice():
    assert measure("😀", "utf16") == 2
    assert fit("a 😀😀", 4, unit="utf16") == "a"


def test_hashtag_camel_cases_any_script():
    assert hashtag("home espresso machines") == "#HomeEspressoMachines"
    assert hashtag("東京 グルメ") == "#東京グルメ"
    assert hashtag("!!!") == ""


def test_fit_list_respects_count_and_total():
    assert fit_list(["aaa", "bb", "cccc", "d"], max_count=3, max_total=8, separator_cost=1) == ["aaa", "bb", "d"]


def test_compose_shortens_body_and_keeps_tail():
    out = compose("word " * 100, "#One #Two", 40)
    assert out.endswith("#One #Two") and len(out) <= 40 and "…" in out


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=300), st.integers(min_value=1, max_value=120),
       st.sampled_from(["chars", "utf16", "bytes"]))
def test_fit_is_within_limit_and_a_cluster_prefix(text, limit, unit):
    cut = fit(text, limit, unit)
    assert measure(cut, unit) <= limit
    cut.encode("utf-8")  # never a lone surrogate or broken sequence
    clusters, cut_clusters = regex.findall(r"\X", text), regex.findall(r"\X", cut)
    assert clusters[: len(cut_clusters)] == cut_clusters or not cut

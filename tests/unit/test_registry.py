import pytest

from acf import registry


def test_every_tier_ends_in_an_offline_provider():
    tiers = registry.load_tiers()
    assert set(tiers) == {"offline", "budget", "balanced", "premium"}
    for tier, modalities in tiers.items():
        assert modalities["text"][-1] == "local", tier
        assert modalities["voice"][-1] == "local", tier
        assert modalities["image"][-1] == "local", tier


def test_fallback_skips_unavailable_and_failing_providers():
    def call(name):
        if name == "groq":
            raise TimeoutError("read timed out")
        return f"made by {name}"

    attempt = registry.run_with_fallback(
        ["openai", "groq", "local"], call, available=lambda n: n != "openai"
    )
    assert attempt.provider == "local"
    assert attempt.result == "made by local"
    assert attempt.skipped == [("openai", "not configured (no Connection)"), ("groq", "TimeoutError: read timed out")]


def test_all_failing_raises_with_each_reason():
    with pytest.raises(registry.AllProvidersFailedError, match="groq: ValueError: bad"):
        registry.run_with_fallback(["groq"], lambda n: (_ for _ in ()).throw(ValueError("bad")))


def test_unknown_tier_is_a_clear_error():
    with pytest.raises(registry.UnknownTierError, match="unknown tier 'gold'"):
        registry.chain("gold", "text")


def test_tiers_are_data():
    tiers = registry.load_tiers("custom:\n  text: [anthropic, local]\n")
    assert registry.chain("custom", "text", tiers) == ["anthropic", "local"]
    with pytest.raises(registry.UnknownTierError):
        registry.load_tiers("bad:\n  smell: [x]\n")

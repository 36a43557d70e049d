"""The service registry: every service declared once, and everything else agrees with it."""
from __future__ import annotations

import json
import warnings

import pytest

from acf import platform_rules, pools, provider_info, registry, services


def test_every_connection_type_declares_its_service():
    declared = services.connection_types()
    assert declared and all(services.SERVICE_KEY in d for d in declared)
    by_kind = {kind: set(services.names(kind)) for kind in services.KINDS}
    assert by_kind["trend_source"] == {"youtube", "google_trends", "x", "reddit"}
    assert by_kind["platform"] == set(platform_rules.platforms())
    assert by_kind["text"] == {"groq", "openai", "anthropic"}


def test_tier_chains_name_only_registered_services():
    tiers = registry.load_tiers()
    kind_of = {"text": "text", "image": "image", "voice": "voice"}
    for tier, chains in tiers.items():
        for modality, chain in chains.items():
            if modality == "publish":
                assert set(chain) <= {"platform", "outbox"}, (tier, chain)
                continue
            unknown = [n for n in chain if n != "local" and services.find(kind_of[modality], n) is None]
            assert not unknown, f"tier {tier} {modality}: {unknown} are not {modality} services"


def test_each_hook_class_matches_its_declaration():
    from hooks.configured import hook_class

    for service in services.services():
        cls = hook_class(service)
        assert cls.default_conn_name == service.conn_id, service
        assert cls.conn_type == service.conn_type, service


def test_connection_types_cannot_clash_with_official_providers():
    # apache-airflow-providers-openai / -anthropic / ... register "openai", "anthropic", ...: ours carry a prefix.
    assert all(s.conn_type.startswith("acf_") and s.conn_id.startswith("acf_") for s in services.services())


def test_provider_info_is_what_airflow_takes():
    info = provider_info.get_provider_info()
    assert all(services.SERVICE_KEY not in t for t in info["connection-types"])
    assert {t["connection-type"] for t in info["connection-types"]} == {s.conn_type for s in services.services()}


def test_a_legacy_connection_id_is_read_with_a_deprecation_warning(monkeypatch):
    from hooks.configured import hook, text_provider

    monkeypatch.delenv("AIRFLOW_CONN_ACF_GROQ", raising=False)
    assert hook("text", "groq") is None
    monkeypatch.setenv("AIRFLOW_CONN_GROQ_DEFAULT", json.dumps({"conn_type": "groq", "password": "k"}))
    with pytest.warns(DeprecationWarning, match="groq_default.*acf_groq"):
        found = hook("text", "groq")
    assert found is not None and found.groq_conn_id == "groq_default"
    monkeypatch.setenv("AIRFLOW_CONN_ACF_GROQ", json.dumps({"conn_type": "acf_groq", "password": "k"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert text_provider("groq") is not None   # the new id wins, no warning


def test_names_without_a_service_are_never_configured():
    from hooks.configured import hook, media_client

    assert hook("platform", "myspace") is None
    assert media_client("voice", "local") is None


def test_pools_follow_the_platform_list():
    made = pools.pools()
    assert set(made) == {f"acf_{p}" for p in platform_rules.platforms()} | {pools.RENDER_POOL}
    assert made["acf_youtube"][0] == 1


def test_a_declaration_without_name_or_kind_is_refused(monkeypatch):
    from acf import extensions

    monkeypatch.setattr(extensions, "declared", lambda attr: [
        {"hook-class-name": "x.Y", "connection-type": "acf_bad", services.SERVICE_KEY: {"name": "bad"}}]
        if attr == "SERVICES" else [])
    with pytest.raises(services.ServiceDeclarationError, match="acf_bad"):
        services.services()

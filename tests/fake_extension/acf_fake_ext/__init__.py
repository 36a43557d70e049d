"""A fake extension: the ``fake`` trend source, the ``fake_voice`` voice and the ``fakeplatform`` platform."""
from acf_fake_ext.source import SOURCE

SERVICES = [
    {
        "hook-class-name": "acf_fake_ext.hooks.FakeVoiceHook",
        "hook-name": "Fake voice (extension)",
        "connection-type": "acf_fake_voice",
        "acf-service": {"name": "fake_voice", "kind": "voice", "conn-id": "acf_fake_voice"},
        "conn-fields": {"log_file": {"label": "Log file", "schema": {"type": ["string", "null"]}}},
        "ui-field-behaviour": {"hidden-fields": ["schema", "port", "login", "password"]},
    },
    {
        "hook-class-name": "acf_fake_ext.hooks.FakePlatformHook",
        "hook-name": "Fake platform (extension)",
        "connection-type": "acf_fakeplatform",
        "acf-service": {"name": "fakeplatform", "kind": "platform", "conn-id": "acf_fakeplatform"},
        "conn-fields": {"post_dir": {"label": "Post folder", "schema": {"type": ["string", "null"]}}},
        "ui-field-behaviour": {"hidden-fields": ["schema", "port", "login", "password"]},
    },
]

PLATFORM_RULES = {
    "fakeplatform": {
        "packager": "caption",
        "title": {"max": 80, "unit": "chars"},
        "caption": {"max": 500, "unit": "chars"},
        "hashtags": {"max": 3},
        "renditions": {"short": {"aspects": ["9:16"], "min_seconds": 3, "max_seconds": 180}},
        "output": {"aspects": ["9:16"], "min_seconds": 3, "max_seconds": 180, "max_bytes": 1_000_000_000},
        "pool": {"slots": 1, "description": "Fake platform uploads"},
        "metrics_fields": {"views": ["plays"], "likes": ["hearts"], "comments": ["replies"]},
        "rpm": {"default": 1.0},
    },
}

TREND_SOURCES = [SOURCE]

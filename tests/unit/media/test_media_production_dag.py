"""acf_production's Params: every one has a default, and invalid values are refused (JSON schema)."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "acf_production.py"))
    assert bag.import_errors == {}
    return bag.dags["acf_production"]


def test_the_pipeline_reads_as_documented(dag):
    assert {t.task_id for t in dag.tasks} == {"plan_content", "write_script", "make_visual", "make_voice", "render",
                                              "make_thumbnails", "check_outputs"}
    assert dag.task_dict["make_thumbnails"].upstream_task_ids == {"plan_content", "render"}
    assert [o.uri.rstrip("/") for o in dag.task_dict["check_outputs"].outlets] == ["acf://content"]


def test_a_bare_trigger_validates_with_the_defaults(dag):
    values = dag.params.validate()
    assert values == {"opportunity": "", "tier": "offline", "platforms": ["youtube", "tiktok", "instagram",
                      "facebook"], "aspect_ratios": ["9:16"], "target_seconds": 30, "language": "en",
                      "voice_speed": 165, "caption_style": "platform"}


@pytest.mark.parametrize("name, bad", [
    ("tier", "gold"), ("platforms", ["myspace"]), ("platforms", []), ("aspect_ratios", ["4:3"]),
    ("target_seconds", 5), ("target_seconds", 601), ("target_seconds", "30"), ("language", "eng"),
    ("opportunity", "x; DROP TABLE"), ("voice_speed", 60), ("voice_speed", 400), ("voice_speed", "fast"),
    ("caption_style", "karaoke"),
])
def test_invalid_values_are_refused(dag, name, bad):
    from airflow.sdk.definitions.param import ParamsDict

    params = ParamsDict({k: dag.params.get_param(k) for k in dag.params})
    with pytest.raises(Exception, match="Invalid input|not valid|validat"):
        params[name] = bad
        params.validate()

"""The acf_publish DAG's shape: asset schedule, per-platform pools, mapped publishing, approval gate."""
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[3] / "dags"


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS / "acf_publish.py"))
    assert bag.import_errors == {}
    return bag.dags["acf_publish"]


def test_scheduled_on_content_and_emits_publications(dag):
    from acf import dag_policy

    assert dag_policy.CONTENT_ASSET in repr(dag.timetable.asset_condition)
    outlets = [o.uri.rstrip("/") for o in dag.get_task("summarise").outlets]
    assert outlets == [dag_policy.PUBLICATIONS_ASSET]


def test_one_mapped_publish_task_per_platform_in_its_pool(dag):
    for platform in ("youtube", "tiktok", "instagram", "facebook"):
        task = dag.get_task(f"publish_{platform}")
        assert task.partial_kwargs.get("pool", getattr(task, "pool", None)) == f"acf_{platform}"
        assert "task.target['content_id']" in task.partial_kwargs.get("map_index_template", "")
        assert task.partial_kwargs["deferrable"] is True   # waits (slot, processing) run on the triggerer
        assert f"packages_{platform}" in task.upstream_task_ids
        assert {"approve", "no_approval"} <= task.upstream_task_ids
        assert "approval_route" not in task.upstream_task_ids  # the branch never skips publishing itself


def test_approval_is_off_by_default_and_uses_hitl(dag):
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    assert dag.params["require_approval"] is False
    assert isinstance(dag.get_task("approve"), ApprovalOperator)


def test_publish_at_is_an_iso_time_or_empty(dag):
    """The Param's JSON schema is what the trigger form and the REST API validate conf against."""
    import jsonschema

    schema = dag.params.get_param("publish_at").schema
    for good in ("", "2026-12-04T18:00:00+01:00", "2026-12-04T17:00Z", "2026-12-04T17:00:00.5-05:30"):
        jsonschema.validate(good, schema)
    for bad in ("tomorrow", "18:00", "2026-12-04 18:00", "2026-12-04T18:00:00", "2026-13-04T18:00Z",
                "2026-12-04T25:00Z", "2026-12-04T18:00Z; DROP TABLE"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "acf_opportunities.py"))
    assert bag.import_errors == {}
    return bag.dags["acf_opportunities"]


def test_runs_on_trends_and_updates_opportunities(dag):
    assert [t.task_id for t in dag.topological_sort()] == ["score_trends", "write_angles", "report_costs"]
    assert "acf://trends" in str(dag.timetable.asset_condition)
    assert [o.uri.rstrip("/") for o in dag.get_task("write_angles").outlets] == ["acf://opportunities"]


def test_params_have_defaults_and_refuse_bad_values(dag):
    from airflow.sdk.exceptions import ParamValidationError

    params = dag.params
    assert params["tier"] in ("offline", "budget", "balanced", "premium") and params["top_n"] >= 1
    with pytest.raises(ParamValidationError, match="tier"):
        params["tier"] = "gold"
    with pytest.raises(ParamValidationError, match="top_n"):
        params["top_n"] = 0

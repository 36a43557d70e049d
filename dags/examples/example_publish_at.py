"""
### example_publish_at: publish this existing video to YouTube and TikTok at 18:00

An example to copy (paused, not scheduled). Trigger it with the `content_id` of a `ready` piece and
`publish_at` (`HH:MM` UTC: the next such time after the trigger; or a full ISO time). `wait_until`
defers to the triggerer until then (it holds no worker slot), then one mapped `publish` per platform
posts it through the factory's ledger: never twice (a rerun reports the existing publication), work
beyond a quota is deferred to the next window, tier `offline` writes to the outbox.

To ask a person first, put the standard provider's `ApprovalOperator` between the two, as `acf_publish`
does with `require_approval`.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from airflow.providers.standard.sensors.date_time import DateTimeSensorAsync
from airflow.sdk import Param, dag

from acf import dag_policy
from operators.publish import PublishContentOperator


def publish_moment(run_after: datetime, publish_at: str) -> str:
    """``HH:MM`` (UTC) -> the first such moment at or after ``run_after``; an ISO time is kept as given."""
    if len(publish_at) == 5 and publish_at[2] == ":":
        hour, minute = int(publish_at[:2]), int(publish_at[3:])
        moment = run_after.astimezone(timezone.utc).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return (moment if moment >= run_after else moment + timedelta(days=1)).isoformat()
    return datetime.fromisoformat(publish_at).isoformat()


@dag(
    dag_id="example_publish_at",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    is_paused_upon_creation=True,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("example"),
    doc_md=__doc__,
    user_defined_macros={"publish_moment": publish_moment},
    params={
        "content_id": Param("", type="string", pattern=r"^cnt_[A-Za-z0-9]+$", description="A ready content piece"),
        "publish_at": Param("18:00", type="string",
                            pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^\d{4}-\d{2}-\d{2}T.+$",
                            description="HH:MM UTC (the next one), or an ISO time with its offset"),
        "ai_disclosure": Param("auto", type="string", enum=["auto", "always", "never"],
                               description="Declare AI-made media"),
    },
)
def example_publish_at():
    wait = DateTimeSensorAsync(task_id="wait_until",
                               target_time="{{ publish_moment(dag_run.run_after, params.publish_at) }}")
    publish = PublishContentOperator.partial(
        task_id="publish", content_id="{{ params.content_id }}", ai_disclosure="{{ params.ai_disclosure }}",
    ).expand(platform=["youtube", "tiktok"])
    wait >> publish


example_publish_at()

"""
### acf_publish: fan out ready content to every platform, never twice

Runs when `acf_production` updates `acf://content` (or by hand). For each
platform, `packages_<platform>` builds one package per ready content piece
(ContentOptimizer: title, description, tags, rendition); `approve` optionally
waits for a person (`require_approval`); `publish_<platform>` publishes each
(content, platform) as one mapped task in the pool `acf_<platform>`. The ledger
(`acf.publications`) makes reruns resume or reconcile instead of posting again;
work beyond a quota is deferred to the next window. Tier `offline` writes each
package to the outbox (`outbox/<platform>/<content_id>/` in the object store).
"""
from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Asset, Param, dag, task

from acf import dag_policy, platform_rules, settings

PLATFORMS = platform_rules.platforms()


@dag(
    schedule=[Asset(dag_policy.CONTENT_ASSET)],
    catchup=False,
    max_active_runs=1,
    default_args=dag_policy.DEFAULT_ARGS,
    tags=dag_policy.tags("publishing"),
    doc_md=__doc__,
    params={
        "require_approval": Param(False, type="boolean", description="Wait for a person to approve before posting."),
        "content_ids": Param([], type="array", items={"type": "string"},
                             description="Only these content pieces (empty: every ready piece)."),
        "ai_disclosure": Param("auto", type="string", enum=["auto", "always", "never"],
                               description="Declare AI-made media: auto (from the providers that made the"
                                           " images and voice), always, or never."),
        "limit": Param(200, type="integer", minimum=1, maximum=1000, description="At most this many pieces per run."),
    },
)
def acf_publish():
    @task
    def packages(platform: str, params=None, ti=None) -> list[dict]:
        """One package per ready content piece not yet on this platform, stored in the object store."""
        from acf.publishing.steps import build_targets
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        with factory_connection() as conn:
            built = build_targets(conn, object_root(), params["content_ids"] or None, params["limit"], [platform],
                                  params["ai_disclosure"])
        ti.xcom_push(key="review", value=built["review"])
        return built[platform]

    @task.branch
    def approval_route(params=None) -> str:
        """Ask a person first when `require_approval` is on."""
        return "approve" if params["require_approval"] else "no_approval"

    approve = ApprovalOperator(
        task_id="approve",
        subject="Publish run {{ run_id }}?",
        body="\n\n".join(f"{{{{ ti.xcom_pull(task_ids='packages_{p}', key='review') }}}}" for p in PLATFORMS),
        ignore_downstream_trigger_rules=True,
        response_timeout=timedelta(hours=settings.load().approval_timeout_hours),
        # A rejection says why: kept with the answer (Airflow's HITL detail, shown by the dashboard's Review page).
        params={"reason": Param("", type="string", maxLength=500, description="Why, when you reject")},
    )

    @task(map_index_template="{{ publish_label }}", trigger_rule="none_failed_min_one_success")
    def publish(target: dict) -> dict:
        """Publish one (content, platform): resume, reconcile or post; defer on quota."""
        from airflow.sdk import get_current_context

        from acf.publishing.steps import publish_target
        from hooks.configured import platform_uploader
        from hooks.factory_db import factory_connection
        from hooks.object_store import object_root

        get_current_context()["publish_label"] = f"{target['platform']} {target['content_id']}"
        root = object_root()
        with factory_connection() as conn:
            return publish_target(conn, root, target, platform_uploader(root))

    @task(outlets=[Asset(dag_policy.PUBLICATIONS_ASSET)], trigger_rule="none_failed_min_one_success")
    def summarise() -> dict:
        """Counts of the ledger by state."""
        from acf.publishing.ledger import counts
        from hooks.factory_db import factory_connection

        with factory_connection() as conn:
            return counts(conn)

    route = approval_route()
    no_approval = EmptyOperator(task_id="no_approval")
    route >> [approve, no_approval]
    done = summarise()
    for platform in PLATFORMS:
        targets = packages.override(task_id=f"packages_{platform}")(platform)
        posts = publish.override(task_id=f"publish_{platform}", pool=f"acf_{platform}").expand(target=targets)
        targets >> route
        [approve, no_approval] >> posts
        posts >> done


acf_publish()

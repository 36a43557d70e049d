"""
### acf_publish: fan out ready content to every platform, never twice

Runs when `acf_production` updates `acf://content` (or by hand). For each
platform, `packages_<platform>` builds one package per ready content piece
(ContentOptimizer: title, description, tags, rendition); `approve` optionally
waits for a person (`require_approval`; a rejection is recorded, so no later run
posts the piece); `publish_<platform>` publishes each (content, platform) as one
mapped task in the pool `acf_<platform>`. The ledger (`acf.publications`) makes
reruns resume or reconcile instead of posting again; work beyond a quota is
deferred to the next window. Tier `offline` writes each package to the outbox
(`outbox/<platform>/<content_id>/` in the object store).

`publish_at` (an ISO time) and each platform's posting windows (`schedule` in
platform_rules.yaml) set when posts go live: YouTube and Facebook hold them
until then; TikTok and Instagram posts wait for the slot on the triggerer. Waits
for a platform still processing a video run there too: no worker slot is held.
"""
from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import Asset, Param, dag, task

from acf import dag_policy, platform_rules, settings
from operators.publish import ApprovePublishingOperator, PublishContentOperator

PLATFORMS = platform_rules.platforms()
# Empty, or a date and time with seconds optional, fraction optional and an offset (Z or +hh:mm).
PUBLISH_AT_PATTERN = (r"^$|^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
                      r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$")


@dag(
    schedule=[Asset(dag_policy.CONTENT_ASSET)],
    catchup=False,
    # A run waiting on the triggerer for a slot must not hold back the next pieces' runs; the ledger's lock
    # and states keep two runs from posting one piece twice, and a waiting piece is packaged by one run only.
    max_active_runs=16,
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
        "publish_at": Param("", type="string", pattern=PUBLISH_AT_PATTERN,
                            description="When the posts go live: an ISO 8601 time with its offset"
                                        " (2026-12-04T18:00:00+01:00, or Z for UTC); empty = as soon as each"
                                        " platform's posting windows allow."),
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

    approve = ApprovePublishingOperator(
        task_id="approve",
        subject="Publish run {{ run_id }}?",
        body="\n\n".join(f"{{{{ ti.xcom_pull(task_ids='packages_{p}', key='review') }}}}" for p in PLATFORMS),
        packages_task_ids=[f"packages_{p}" for p in PLATFORMS],
        ignore_downstream_trigger_rules=True,
        response_timeout=timedelta(hours=settings.load().approval_timeout_hours),
        # A rejection says why: kept with the answer (Airflow's HITL detail, shown by the dashboard's Review page).
        params={"reason": Param("", type="string", maxLength=500, description="Why, when you reject")},
    )

    @task(outlets=[Asset(dag_policy.PUBLICATIONS_ASSET)], trigger_rule="none_failed_min_one_success")
    def summarise() -> dict:
        """Counts of the ledger by state, and the posts scheduled (when, and who holds them)."""
        from acf.publishing.steps import summary
        from hooks.factory_db import factory_connection

        with factory_connection() as conn:
            return summary(conn)

    route = approval_route()
    no_approval = EmptyOperator(task_id="no_approval")
    route >> [approve, no_approval]
    done = summarise()
    for platform in PLATFORMS:
        targets = packages.override(task_id=f"packages_{platform}")(platform)
        # Publish one (content, platform): resume, reconcile or post; defer on quota; wait on the triggerer.
        posts = PublishContentOperator.partial(
            task_id=f"publish_{platform}", pool=f"acf_{platform}", trigger_rule="none_failed_min_one_success",
            map_index_template="{{ task.target['platform'] }} {{ task.target['content_id'] }}",
            publish_at="{{ params.publish_at }}", deferrable=True,
        ).expand(target=targets)
        targets >> route
        [approve, no_approval] >> posts
        posts >> done


acf_publish()

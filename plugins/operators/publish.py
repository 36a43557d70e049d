"""Publish one ready content piece to one platform, through the factory's never-twice ledger."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator

from operators.base import FactoryOperator

MAX_ROUNDS = 24   # deferrals per task (slot waits and processing looks); after that the ledger keeps the state


class PublishContentOperator(FactoryOperator):
    """Package ``content_id`` for ``platform`` and publish it as ``acf_publish`` does: the ledger
    (``acf.publications``) makes a rerun resume or reconcile instead of posting again, work beyond a quota
    is deferred to the next window, and the tier's publish chain picks the platform's uploader (its
    Connection) or the outbox (tier ``offline``). Put an ``ApprovalOperator`` upstream to ask a person
    (``ApprovePublishingOperator`` also records a rejection, so no later run posts the piece).

    Scheduling: ``publish_at`` (an ISO time; empty = as soon as the platform's posting windows allow).
    YouTube and Facebook hold the post themselves until then; for TikTok and Instagram the task waits
    for the slot and posts. With ``deferrable=True`` every wait (the slot, and a platform still
    processing the video) runs on the triggerer and holds no worker slot.

    :param content_id: a ``ready`` content piece (or give ``target`` instead).
    :param platform: a key of ``platform_rules.yaml`` (youtube, tiktok, instagram, facebook) the piece was made for.
    :param target: a package already built (``acf_publish``'s ``packages_<platform>`` items: content id,
        platform, tier, package key); not templated (its text is a title, never a template).
    :param ai_disclosure: ``auto`` | ``always`` | ``never``: declare AI-made media.
    :param publish_at: ISO 8601 time with its offset, or empty.
    :param deferrable: wait on the triggerer instead of in the worker.
    :param poll_seconds: how often a deferred wait looks at a post being processed.
    :param processing_timeout: seconds one deferred processing wait lasts before the task looks itself.
    :return: the ledger's word: publication id, platform, state, external id, url, error, scheduled_at.
    """

    template_fields = ("content_id", "platform", "ai_disclosure", "publish_at")

    def __init__(self, *, content_id: str | None = None, platform: str | None = None, target: dict | None = None,
                 ai_disclosure: str = "auto", publish_at: str | None = None, deferrable: bool = False,
                 poll_seconds: float = 10.0, processing_timeout: float = 1800.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.content_id = content_id
        self.platform = platform
        self.target = target
        self.ai_disclosure = ai_disclosure
        self.publish_at = publish_at
        self.deferrable = deferrable
        self.poll_seconds = poll_seconds
        self.processing_timeout = processing_timeout

    def _uploaders(self):
        from hooks.configured import platform_uploader

        return platform_uploader(self.object_root, **({"on_wait": "return"} if self.deferrable else {}))

    def execute(self, context) -> dict:
        from acf.publishing import steps

        with self.connection() as conn:
            if self.target is not None:
                target, result = self.target, steps.publish_target(conn, self.object_root, self.target,
                                                                    self._uploaders(), publish_at=self.publish_at)
            else:
                target = steps.target_for(conn, self.object_root, self.content_id, self.platform, self.ai_disclosure)
                result = (steps.publish_target(conn, self.object_root, target, self._uploaders(),
                                               publish_at=self.publish_at)
                          if target else steps.publication_of(conn, self.content_id, self.platform))
        return self._next(target, result, self.publish_at, 0)

    def resume(self, context, event: dict | None = None, target: dict | None = None, publish_at: str | None = None,
               rounds: int = 0, publication_id: str | None = None) -> dict:
        """Back from the triggerer (the slot came, or the platform finished processing): publish again."""
        from acf.publishing import steps

        # A processing trigger sends {"status": ...}; DateTimeTrigger sends the moment it waited for.
        status = event.get("status") if isinstance(event, dict) else None
        with self.connection() as conn:
            if status == "failed" and publication_id:
                result = steps.processing_failed(conn, publication_id, target["platform"])
            else:
                if status not in (None, "ready"):
                    self.log.info("%s %s: the wait ended with %s; looking at the post", target["platform"],
                                  target["content_id"], status)
                result = steps.publish_target(conn, self.object_root, target, self._uploaders(),
                                              publish_at=publish_at)
        return self._next(target, result, publish_at, rounds + 1)

    def _next(self, target: dict | None, result: dict, publish_at: str | None, rounds: int) -> dict:
        """Done, or wait (for the slot, or for processing) and come back to :meth:`resume`."""
        label = f"{result.get('platform')} {target['content_id'] if target else self.content_id}"
        if result.get("state") == "scheduled" and result.get("wait_until") and target is not None:
            wait_until = datetime.fromisoformat(result["wait_until"])
            self.log.info("%s: posting at %s; waiting until %s", label, result["scheduled_at"], result["wait_until"])
            if rounds < MAX_ROUNDS and self.deferrable:
                from airflow.providers.standard.triggers.temporal import DateTimeTrigger

                self.defer(trigger=DateTimeTrigger(moment=wait_until), method_name="resume",
                           kwargs={"target": target, "publish_at": result["scheduled_at"], "rounds": rounds})
            if rounds < MAX_ROUNDS:   # not deferrable: the worker sleeps until the slot
                time.sleep(max(0.0, (wait_until - datetime.now(wait_until.tzinfo)).total_seconds()))
                return self.resume({}, None, target, result["scheduled_at"], rounds)
        if (result.get("state") == "processing" and result.get("waiting_on") and target is not None
                and self.deferrable and rounds < MAX_ROUNDS):
            from triggers.publishing import PublishProcessingTrigger

            self.log.info("%s: the platform is processing it; waiting on the triggerer", label)
            self.defer(trigger=PublishProcessingTrigger(result["platform"], result["waiting_on"], self.poll_seconds,
                                                        self.processing_timeout),
                       method_name="resume", kwargs={"target": target, "publish_at": publish_at, "rounds": rounds,
                                                     "publication_id": result["publication_id"]},
                       timeout=timedelta(seconds=self.processing_timeout + 600))
        self.log.info("%s: %s%s", label, result.get("state"),
                      f" (goes live {result['scheduled_at']})" if result.get("scheduled_at") else "")
        return {k: v for k, v in result.items() if k not in ("waiting_on", "wait_until")}


def rejection_reason(answer: dict[str, Any], run_id: str) -> str:
    """What the ledger keeps of a rejection: who, why (the step's ``reason`` param) and in which run, so the
    Content page says it rather than only that it happened."""
    reason = str((answer.get("params_input") or {}).get("reason") or "").strip()
    user = answer.get("responded_by_user") or {}
    who = user.get("name") if isinstance(user, dict) else getattr(user, "name", None)
    return (f"rejected by {who or 'a reviewer'} at approval in {run_id}"
            + (f": {reason}" if reason else " (no reason given)"))


class ApprovePublishingOperator(ApprovalOperator):
    """The standard provider's ``ApprovalOperator`` that also records a rejection in the ledger
    (``acf.publications`` state ``rejected``) for every package the reviewer saw, so a piece refused at
    approval is never posted: not by this run (its downstream is skipped, as the provider does), and not by
    a later run that would otherwise package it again.

    :param packages_task_ids: the tasks whose XCom lists the packages under review.
    """

    def __init__(self, *, packages_task_ids: list[str], postgres_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.packages_task_ids = packages_task_ids
        self.postgres_conn_id = postgres_conn_id

    def execute_complete(self, context, event: dict[str, Any]) -> Any:
        # Recorded before the provider's own handling: on Reject it skips the downstream tasks by raising
        # (the Task SDK's DownstreamTasksSkipped), so nothing after it would run (found by the stack test).
        chosen = [] if "error" in event else list(event.get("chosen_options") or [])
        if chosen:
            self.validate_chosen_options(chosen)
            if chosen[0] != self.APPROVE:
                self._record_rejection(context, event)
        return super().execute_complete(context=context, event=event)

    def _record_rejection(self, context, answer: dict[str, Any]) -> None:
        from acf.publishing import ledger
        from hooks.factory_db import FactoryDbHook, factory_connection

        why = rejection_reason(answer, context["run_id"])
        targets = [t for task_id in self.packages_task_ids
                   for t in (context["ti"].xcom_pull(task_ids=task_id) or [])]
        hook = FactoryDbHook(postgres_conn_id=self.postgres_conn_id) if self.postgres_conn_id else FactoryDbHook()
        with factory_connection(hook) as conn:
            for target in targets:
                ledger.reject(conn, target["content_id"], target["platform"], why)
        self.log.info("Rejected (%s): %d packages will not be posted, now or by a later run", why, len(targets))

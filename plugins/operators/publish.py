"""Publish one ready content piece to one platform, through the factory's never-twice ledger."""
from __future__ import annotations

from typing import Any

from operators.base import FactoryOperator


class PublishContentOperator(FactoryOperator):
    """Package ``content_id`` for ``platform`` and publish it as ``acf_publish`` does: the ledger
    (``acf.publications``) makes a rerun resume or reconcile instead of posting again, work beyond a quota
    is deferred to the next window, and the tier's publish chain picks the platform's uploader (its
    Connection) or the outbox (tier ``offline``). Put an ``ApprovalOperator`` upstream to ask a person.

    :param content_id: a ``ready`` content piece.
    :param platform: a key of ``platform_rules.yaml`` (youtube, tiktok, instagram, facebook) the piece was made for.
    :param ai_disclosure: ``auto`` | ``always`` | ``never``: declare AI-made media.
    :return: the ledger's word: publication id, platform, state, external id, url, error.
    """

    template_fields = ("content_id", "platform", "ai_disclosure")

    def __init__(self, *, content_id: str, platform: str, ai_disclosure: str = "auto", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.content_id = content_id
        self.platform = platform
        self.ai_disclosure = ai_disclosure

    def execute(self, context) -> dict:
        from acf.publishing.steps import publish_content
        from hooks.configured import platform_uploader

        with self.connection() as conn:
            result = publish_content(conn, self.object_root, self.content_id, self.platform, self.ai_disclosure,
                                     platform_uploader(self.object_root))
        self.log.info("%s on %s: %s", self.content_id, self.platform, result["state"])
        return result

"""Render every rendition of a content piece, make its thumbnails and check them: the piece is ready."""
from __future__ import annotations

from typing import Any

from operators.base import FactoryOperator


class RenderOperator(FactoryOperator):
    """One ffmpeg run for every asked aspect (pans, cross-fades, captions, voice over a ducked bed at
    -14 LUFS), the 1280x720 thumbnail and contact sheet, then every output measured against its
    platforms' limits; only then is the piece ``ready``. CPU-bound: give it ``pool="acf_render"``.

    :param content_id: the content piece (every scene must have its image and voice).
    :return: ``{"renditions": [keys], "thumbnails": [keys], "aspects": [...]}``.
    """

    template_fields = ("content_id",)

    def __init__(self, *, content_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.content_id = content_id

    def execute(self, context) -> dict:
        from acf.media import production
        from hooks.factory_db import autocommit_connection

        with self.connection() as conn, autocommit_connection(self.db_hook) as live:
            made = production.finish_content(conn, self.object_root, self.content_id,
                                             progress=production.RenderProgressWriter(live, self.content_id))
        self.log.info("content %s ready: %d renditions", self.content_id, len(made["renditions"]))
        return made

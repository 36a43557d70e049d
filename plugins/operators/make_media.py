"""A script's visuals and voices, scene by scene, down the tier's image and voice chains."""
from __future__ import annotations

import time
from typing import Any

from operators.base import FactoryOperator, as_list


class MakeMediaOperator(FactoryOperator):
    """Make the image and narration of one scene (map it over the scenes) or of every scene.

    :param content_id: the content piece (its script must be written).
    :param scene_index: one scene; None for every scene in turn.
    :param modalities: ``("image", "voice")`` or one of them.
    :return: ``{"image": [object keys], "voice": [object keys]}``.
    """

    template_fields = ("content_id", "scene_index", "modalities")

    def __init__(self, *, content_id: str, scene_index: int | str | None = None,
                 modalities: Any = ("image", "voice"), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.content_id = content_id
        self.scene_index = scene_index
        self.modalities = modalities

    def execute(self, context) -> dict:
        from acf.media import production
        from hooks.configured import media_client

        scenes = None if self.scene_index in (None, "") else [int(self.scene_index)]
        with self.connection() as conn:
            made = production.make_scene_media(conn, self.object_root, self.content_id, scenes,
                                               modalities=tuple(as_list(self.modalities)), resolver=media_client,
                                               run_id=context["run_id"])
        self.log.info("content %s: %s", self.content_id, {k: len(v) for k, v in made.items()})
        return made


class MakeVisualOperator(FactoryOperator):
    """Make one scene's image down the tier's image chain (``acf_production``'s ``make_visual``, mapped
    over the scenes). With ``deferrable=True`` a provider that makes images asynchronously (Leonardo) is
    waited for on the triggerer (``triggers.media.ImageJobTrigger``), holding no worker slot; when its
    job fails or times out the chain goes on with the next provider, as it does in the worker.

    :param content_id: the content piece (its script must be written).
    :param scene_index: the scene.
    :param deferrable: wait on the triggerer instead of in the worker.
    :return: the image's object key.
    """

    template_fields = ("content_id", "scene_index")

    def __init__(self, *, content_id: str, scene_index: int | str, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.content_id = content_id
        self.scene_index = scene_index
        self.deferrable = deferrable

    def execute(self, context) -> str:
        from acf.media import production
        from hooks.configured import media_client

        with self.connection() as conn:
            made = production.start_visual(conn, self.object_root, self.content_id, int(self.scene_index),
                                           resolver=media_client, run_id=context["run_id"],
                                           wait_elsewhere=self.deferrable)
        return self._next(made)

    def resume(self, context, event: dict | None = None, pending: dict | None = None) -> str:
        """Back from the triggerer: store the finished image, or go on down the chain."""
        from acf.media import production
        from hooks.configured import media_client

        if pending is None:
            # dag.test() in Airflow 3.3.2 drops defer()'s kwargs once the trigger fires (fixed upstream in
            # apache/airflow#69942); the event still names the provider and its job.
            pending = production.PendingImage(self.content_id, int(self.scene_index), event["provider"], event["job"],
                                              [], time.time(), 0.0, 0.0).to_dict()
        waited = production.PendingImage.from_dict(pending)
        self.log.info("scene %s: %s %s ended %s", waited.scene_index, waited.provider, waited.job,
                      (event or {}).get("status"))
        with self.connection() as conn:
            made = production.finish_visual(conn, self.object_root, waited, event or {}, resolver=media_client,
                                            run_id=context["run_id"], wait_elsewhere=self.deferrable)
        return self._next(made)

    def _next(self, made) -> str:
        if isinstance(made, str):
            return made
        from datetime import timedelta

        from triggers.media import ImageJobTrigger

        self.log.info("scene %s: %s is making the image (%s); waiting on the triggerer", made.scene_index,
                      made.provider, made.job)
        self.defer(trigger=ImageJobTrigger(made.provider, made.job, made.poll_seconds, made.wait_seconds),
                   method_name="resume", kwargs={"pending": made.to_dict()},
                   timeout=timedelta(seconds=made.wait_seconds + 600))

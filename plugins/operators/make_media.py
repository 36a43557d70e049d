"""A script's visuals and voices, scene by scene, down the tier's image and voice chains."""
from __future__ import annotations

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

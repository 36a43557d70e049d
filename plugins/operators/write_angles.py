"""Angles (hook, title, platforms, format, value) for the top open opportunities."""
from __future__ import annotations

from typing import Any

from operators.base import FactoryOperator


class WriteAnglesOperator(FactoryOperator):
    """At least three angles for each of the ``top_n`` best open opportunities, from the tier's text chain
    (a provider without a Connection is skipped; ``offline`` is the local writer).

    :param tier: service tier (``offline``, ``budget``, ...; see tiers.yaml).
    :param top_n: how many opportunities get angles.
    :return: counts and cost of the model calls.
    """

    template_fields = ("tier", "top_n")

    def __init__(self, *, tier: str = "offline", top_n: int | str = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tier = tier
        self.top_n = top_n

    def execute(self, context) -> dict:
        from acf.opportunities import pipeline
        from hooks.configured import text_provider

        with self.connection() as conn:
            summary = pipeline.write_angles(conn, tier=self.tier, top_n=int(self.top_n), run_id=context["run_id"],
                                            resolver=text_provider)
        self.log.info("%s angles for %s opportunities", summary["angles"], summary["opportunities"])
        return {k: summary[k] for k in ("tier", "opportunities", "angles", "skipped", "model_calls", "cost_usd")}

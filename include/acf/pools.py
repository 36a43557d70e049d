"""The Airflow pools the factory's DAGs use: one per platform (from its rules) and one for renders.

``python -m acf.pools FILE`` writes them in ``airflow pools import`` form, so the local
stack and docker compose create the same pools from the same data.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from acf import platform_rules, settings

RENDER_POOL = "acf_render"


def pools() -> dict[str, tuple[int, str]]:
    """``{pool: (slots, description)}``."""
    return {**platform_rules.pools(),
            RENDER_POOL: (settings.load().render_slots, "ffmpeg renders: CPU-bound, queued instead of sharing cores")}


def write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({name: {"slots": slots, "description": description, "include_deferred": False}
                                for name, (slots, description) in pools().items()}, indent=2))
    return path


if __name__ == "__main__":
    print(write(Path(sys.argv[1])))

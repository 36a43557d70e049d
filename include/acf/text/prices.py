"""Cost of a call from the price table (prices.yaml or ACF_PRICES_FILE)."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from acf import yaml_data

from acf import settings

DEFAULT_PRICES_FILE = Path(__file__).with_name("prices.yaml")


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    table = yaml_data.load(Path(path).read_text()) or {}
    return {k: v for k, v in table.items() if isinstance(v, dict)}


def price_table() -> dict:
    return _load(str(settings.load().prices_file or DEFAULT_PRICES_FILE))


def cost_usd(provider: str, model: str, input_tokens: int, output_tokens: int, table: dict | None = None) -> Decimal:
    """USD for one call; a self-hosted OpenAI-compatible model not in the table costs the provider's ``*``."""
    table = table if table is not None else price_table()
    models = table.get(provider) or {}
    price = models.get(model) or models.get("*") or {"input": 0, "output": 0}
    total = (Decimal(str(price["input"])) * input_tokens + Decimal(str(price["output"])) * output_tokens) / 10**6
    return total.quantize(Decimal("0.000001"))

"""What the text and media stages share about the AI-call ledger (``acf.ai_calls``).

A provider call is written before it is made, ``in_flight``, and completed once its answer is read; a
row still in flight names a call whose task ended while the provider answered (it may have been billed).
"""
from __future__ import annotations

IN_FLIGHT = "no answer recorded: the task ended during the call"

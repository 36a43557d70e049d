"""Platform fan-out: per-platform packages, uploads, the never-twice ledger."""

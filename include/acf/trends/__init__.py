"""Trend ingestion: fetch, normalise, validate, deduplicate, score, categorise, load."""

"""Trend ingestion at a million rows: normalise -> validate -> dedupe -> score -> load, against a COPY floor.

    .venv/bin/python bench/bench_ingest.py [--rows 1000000] [--batch-intervals 8]

Generates realistic observations (4 sources, 6 regions, 40 six-hour intervals; items stay on their
charts for several intervals and trend in several regions; ~15% of items are near-duplicate titles of
another item's topic: packaging, case, punctuation, emoji, extra words; ~0.3% invalid rows), then runs
them through ``acf.trends.pipeline.ingest_frame`` in batches of intervals into a fresh database on the
embedded PostgreSQL (``.acf/bench-pg-ingest``). Validation uses the vectorised rules on every row and the
great-expectations suite on a 5,000-row sample of each batch (``validation="sample"``).

Each item carries what its source's items carry, evidence included (a news headline and publisher, a
post's community and author, a video's channel), so every batch also reads, screens and stores its
evidence rows (``acf.trend_evidence``), inside the timed load.

The floor: the very rows each batch loaded, COPied with the same serialiser into a bare table (same
columns, no keys, indexes or constraints) in the same run. Last line:
``ingest_rows=<n> evidence_rows=<n> seconds=<s> copy_floor_seconds=<s> ratio=<s/floor> peak_rss_mb=<mb>``
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "include"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psycopg  # noqa: E402

from acf import db, local_postgres  # noqa: E402
from acf.trends import load, pipeline  # noqa: E402

SOURCES = np.array(["youtube", "google_trends", "x", "reddit"], dtype=object)
REGIONS = np.array(["US", "GB", "IN", "BR", "DE", "JP"], dtype=object)
LANGUAGES = {"US": "en", "GB": "en", "IN": "en", "BR": "pt", "DE": "de", "JP": "ja"}
START = datetime(2026, 11, 1, tzinfo=timezone.utc)
INTERVAL = timedelta(hours=6)
SYLLABLES = "ka lo mi ra ne tu sa vi po de lan mar tel ori gen vas kur bel zon tri pel dor mun fa xi".split()
PACKAGING = [" (Official Video)", " (Official Audio)", " [4K]", " - LIVE", " | Full Highlights", " (Lyrics)",
             " - Trailer", " 🔥🔥", "!!!", " (HD)"]
FILLERS = "everyone is talking about why it matters what happened today reaction breakdown thread update news".split()


def _words(rng: np.random.Generator, count: int) -> np.ndarray:
    parts = rng.choice(SYLLABLES, size=(count, 3))
    return np.array(["".join(p) for p in parts], dtype=object)


def generate_items(rows: int, intervals: int, seed: int = 42):
    """Item-level table: who trends where and when. Rows are materialised per batch."""
    rng = np.random.default_rng(seed)
    vocabulary = _words(rng, 30_000)
    n_topics = max(rows // 60, 200)
    topic_len = rng.integers(2, 5, n_topics)
    zipf = rng.zipf(1.3, size=(n_topics, 4)) % len(vocabulary)
    topics = np.array([" ".join(vocabulary[zipf[t, :topic_len[t]]]) for t in range(n_topics)], dtype=object)

    lifetimes = {"youtube": (4, 16), "google_trends": (1, 5), "x": (1, 3), "reddit": (1, 5)}
    avg_rows_per_item = 3.2 * 4.5 * 0.8
    n_items = int(rows / avg_rows_per_item * 1.1)
    source = rng.choice(SOURCES, n_items, p=[0.3, 0.2, 0.2, 0.3])
    topic = np.minimum(rng.zipf(1.15, n_items) - 1, n_topics - 1)
    topic = np.where(rng.random(n_items) < 0.5, rng.integers(0, n_topics, n_items), topic)
    life = np.array([rng.integers(*lifetimes[s]) for s in source])
    start = rng.integers(0, intervals, n_items)
    n_regions = rng.choice([1, 1, 2, 3, 4, 6], n_items)
    region_offset = rng.integers(0, 6, n_items)
    near_dup = rng.random(n_items) < 0.15

    titles = []
    for i in range(n_items):
        base = topics[topic[i]]
        s = source[i]
        if s == "google_trends":
            title = base
        elif s == "x":
            title = "#" + "".join(w.capitalize() for w in base.split()) if rng.random() < 0.4 else base.title()
        elif s == "youtube":
            title = base.title() + PACKAGING[i % len(PACKAGING)]
        else:
            title = base.capitalize() + " " + " ".join(rng.choice(FILLERS, 3)) + " " + vocabulary[rng.integers(0, 30_000)]
        if near_dup[i]:  # the same topic, written differently (caught exactly or as a near-duplicate)
            variant = i % 4
            if variant == 0:
                title = title.upper() + PACKAGING[(i // 7) % len(PACKAGING)]
            elif variant == 1:
                title = title.replace(" ", " - ", 1) + " 🎤"
            elif variant == 2:
                title = f"{base} {rng.choice(FILLERS)} {vocabulary[rng.integers(0, 30_000)]}"
            else:
                title = f"BREAKING: {title}?!"
        titles.append(title)
    return {
        "source": source, "topic": topic, "life": life, "start": start, "n_regions": n_regions,
        "region_offset": region_offset, "title": np.array(titles, dtype=object),
        "base_engagement": (rng.lognormal(9, 2, n_items)).astype(np.int64) + 10,
        "published_hours": rng.integers(1, 48, n_items), "rng": rng,
    }


def materialise(items: dict, first: int, last: int, limit: int, seed: int) -> pd.DataFrame:
    """Observation rows of intervals [first, last): item x region x interval while the item is live."""
    rng = np.random.default_rng(seed)
    live = (items["start"] < last) & (items["start"] + items["life"] > first)
    idx = np.flatnonzero(live)
    frames = []
    for interval in range(first, last):
        on = idx[(items["start"][idx] <= interval) & (items["start"][idx] + items["life"][idx] > interval)]
        reps = items["n_regions"][on]
        item = np.repeat(on, reps)
        slot = np.concatenate([np.arange(r) for r in reps]) if len(reps) else np.array([], dtype=int)
        region = REGIONS[(items["region_offset"][item] + slot) % 6]
        age = interval - items["start"][item]
        growth = np.exp(0.35 * age - 0.05 * age ** 2)
        engagement = (items["base_engagement"][item] * growth * rng.uniform(0.8, 1.2, len(item))).astype(np.int64)
        frames.append(pd.DataFrame({"item": item, "region": region, "interval": interval, "engagement": engagement}))
    rows = pd.concat(frames, ignore_index=True).head(limit)
    item = rows["item"].to_numpy()
    source = items["source"][item]
    interval_start = pd.to_datetime(START) + pd.to_timedelta(rows["interval"].to_numpy() * 6, unit="h")
    ids = np.char.add("i", item.astype(str)).astype(object)
    url_prefix = pd.Series(source).map({
        "youtube": "https://www.youtube.com/watch?v=", "google_trends": "https://trends.google.com/trends/explore?q=",
        "x": "https://x.com/search?q=", "reddit": "https://www.reddit.com/r/popular/comments/"}).to_numpy(dtype=object)
    engagement = rows["engagement"].to_numpy()
    metrics = _metric_templates(items)[item]
    frame = pd.DataFrame({
        "source": source,
        "region": rows["region"].to_numpy(dtype=object),
        "term": None,
        "title": items["title"][item],
        "url": url_prefix + ids,
        "category": np.where(source == "youtube", "10", None),
        "metrics": [m % e for m, e in zip(metrics.tolist(), engagement.tolist())],
        "observed_at": interval_start + pd.Timedelta(minutes=5),
        "language": pd.Series(rows["region"]).map(LANGUAGES).to_numpy(dtype=object),
        "source_item_id": ids,
        "raw_key": None,
        "published_at": interval_start - pd.to_timedelta(items["published_hours"][item], unit="h"),
        "engagement": engagement.astype("float64"),
        "momentum": _momentum(rng, source, rows["interval"].to_numpy() - items["start"][item]),
        "interval_start": interval_start,
    })
    # ~0.3% invalid rows, as a broken feed would send them
    bad = rng.random(len(frame)) < 0.003
    kinds = rng.integers(0, 4, bad.sum())
    positions = np.flatnonzero(bad)
    frame.loc[positions[kinds == 0], "title"] = "x" * 10_000
    frame.loc[positions[kinds == 1], "region"] = "usa"
    frame.loc[positions[kinds == 2], "engagement"] = -1.0
    frame.loc[positions[kinds == 3], "url"] = "ftp://example.org/x"
    return frame


PUBLISHERS = ("Ledger Daily", "Metro Wire", "Pitchside Report", "Circuit Review", "Orbit Weekly")
SUBREDDITS = ("news", "gaming", "movies", "music", "soccer", "technology", "space", "popculturechat")


def _metric_templates(items: dict) -> np.ndarray:
    """Per item, its metrics JSON with a %d for the engagement: what each source's items carry, evidence
    included (a Google Trends item's news headline and publisher, a post's community and author, a
    video's channel), so the load reads and stores evidence as it does for real payloads."""
    if "metric_templates" not in items:
        templates = []
        for n, (source, title) in enumerate(zip(items["source"].tolist(), items["title"].tolist())):
            if source == "google_trends":
                news = [{"title": f"{title}: what we know so far", "source": PUBLISHERS[n % 5],
                         "url": f"https://news{n % 5}.example/{n}"}]
                text = '{"traffic":%d,"articles":1,"news_items":' + json.dumps(news, ensure_ascii=False).replace(
                    "%", "%%") + "}"
            elif source == "youtube":
                text = '{"views":%d,"likes":0,"comments":0,"channel":"Channel ' + str(n % 997) + '"}'
            elif source == "reddit":
                text = ('{"score":%d,"comments":0,"upvote_ratio":0.9,"subreddit":"' + SUBREDDITS[n % 8]
                        + '","author":"user' + str(n % 5000) + '"}')
            else:
                text = '{"tweet_volume":%d}'
            templates.append(text)
        items["metric_templates"] = np.array(templates, dtype=object)
    return items["metric_templates"]


def _momentum(rng: np.random.Generator, source: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Source momentum as the signals give it: only for X and Google Trends candidate terms (about one
    row in ten of theirs), the growth of the item's own curve at its age; NaN elsewhere."""
    signalled = np.isin(source, ("x", "google_trends")) & (rng.random(len(source)) < 0.1)
    return np.where(signalled, 0.35 - 0.1 * age + rng.normal(0, 0.05, len(source)), np.nan)


def rss_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--intervals", type=int, default=40)
    parser.add_argument("--batch-intervals", type=int, default=10)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    server = local_postgres.start_until_exit(ROOT / ".acf" / "bench-pg-ingest")
    name = f"acf_bench_ingest_{os.getpid()}"
    admin_dsn = server.get_uri("postgres")
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    dsn = server.get_uri(name)
    stored = 0
    try:
        with psycopg.connect(dsn) as conn:
            db.migrate(conn)
            conn.execute("CREATE TABLE copy_floor (LIKE acf.trend_observations INCLUDING DEFAULTS)")
            conn.commit()
            print(f"generating {args.rows:,} observations ...", flush=True)
            items = generate_items(args.rows, args.intervals)
            # warm-up outside the timing: imports and the GX context (a DAG task pays this once too)
            from acf.trends import validate
            validate._gx_suite()

            seconds = floor = 0.0
            done = loaded = quarantined = trends = evidence_rows = 0
            for batch, first in enumerate(range(0, args.intervals, args.batch_intervals)):
                last = min(first + args.batch_intervals, args.intervals)
                frame = materialise(items, first, last, args.rows - done, seed=batch)
                if frame.empty:
                    break
                gc.collect()
                began = time.perf_counter()
                with conn.transaction():
                    claims = [{"source": s, "region": r, "interval_start": START + INTERVAL * i, "part": "bench"}
                              for i in range(first, last) for s in SOURCES for r in REGIONS]
                    load.claim_payloads(conn, claims)
                    summary = pipeline.ingest_frame(
                        conn, frame, interval_start=START + INTERVAL * first, interval_end=START + INTERVAL * last,
                        validation="sample", regions_in_scope=len(REGIONS), sources_in_scope=len(SOURCES),
                        keep_frame=True)
                seconds += time.perf_counter() - began
                loaded_frame = summary.pop("_frame")
                began = time.perf_counter()
                with conn.transaction():
                    load.copy_frame(conn, "copy_floor", loaded_frame, load.OBSERVATION_COLUMNS)
                floor += time.perf_counter() - began
                done += len(frame)
                loaded += summary["loaded"]
                quarantined += summary["quarantined"]
                trends += summary["trends"]
                evidence_rows += summary["evidence"]
                print(f"batch {batch}: rows={len(frame):,} loaded={summary['loaded']:,} "
                      f"quarantined={summary['quarantined']:,} trends={summary['trends']:,} "
                      f"evidence={summary['evidence']:,} "
                      f"pipeline={seconds:.1f}s floor={floor:.1f}s", flush=True)
                del frame, loaded_frame, summary
                if done >= args.rows:
                    break
            distinct = conn.execute("SELECT count(*) FROM acf.trends").fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM acf.trend_evidence").fetchone()[0]
            print(f"rows={done:,} loaded={loaded:,} quarantined={quarantined:,} distinct_trends={distinct:,} "
                  f"evidence_sent={evidence_rows:,} evidence_rows={stored:,}")
    finally:
        if not args.keep_db:
            with psycopg.connect(admin_dsn, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    ratio = seconds / floor if floor else float("inf")
    print(f"ingest_rows={done} evidence_rows={stored} seconds={seconds:.2f} copy_floor_seconds={floor:.2f} "
          f"ratio={ratio:.2f} peak_rss_mb={rss_peak_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

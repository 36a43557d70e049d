"""Benchmark: do the offline chain's scripts say something true? The bundled sample -> trends ->
opportunities with their briefs -> angles -> a script per opportunity -> its platform packages.

    .venv/bin/python bench/bench_content.py [--pieces 10] [--target-seconds 30] [--show 2]

Domain functions directly, no scheduler; the embedded PostgreSQL under .acf/bench-pg (database
acf_bench_content, emptied first). Prints a few scripts, then as the LAST line:
    pieces=<n> body_scenes=<n> scenes_with_fact=<share> invented_numbers=<n> sources_cited=<mean per piece>
    title_length_mismatch=<n> seconds=<s>
Piece i takes its opportunity's i-th angle (round robin), so every kind's sentence plan is measured.
body_scenes are the scenes that must cite a fact (all but the call to action); invented_numbers are
numbers a scene says that none of its cited facts holds; sources_cited is the links under "Sources:"
of the YouTube description; title_length_mismatch counts script and package titles promising a length
the video does not have.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for extra in (ROOT / "include", ROOT / "plugins"):
    sys.path.insert(0, str(extra))

import psycopg  # noqa: E402

from acf import db, local_postgres  # noqa: E402
from acf.opportunities import pipeline, store  # noqa: E402
from acf.publishing.models import ContentSource, RenditionRef  # noqa: E402
from acf.publishing.optimizer import ContentOptimizer  # noqa: E402
from acf.media.store import script_to_json  # noqa: E402
from acf.text.evidence import length_mismatch, unsupported_numbers  # noqa: E402
from acf.text.scripts import body_scenes, draft_script  # noqa: E402
from acf.trends import offline, sources  # noqa: E402
from acf.trends import pipeline as trends_pipeline  # noqa: E402

TABLES = ("acf.opportunity_briefs, acf.angles, acf.opportunities, acf.trend_observations, acf.trends, acf.ai_calls,"
          " acf.ai_cache, acf.quarantine, acf.trend_loads, acf.trend_region_stats")
BUILTIN_SOURCES = ("google_trends", "youtube", "reddit", "x")


def ingest_sample(conn, root: Path, at: datetime) -> dict:
    interval = at.replace(minute=0, second=0, microsecond=0)
    payloads = [trends_pipeline.fetch_raw(source, region, root, interval_start=interval, observed_at=at)
                for source in BUILTIN_SOURCES if source in sources.registered()
                for region in offline.sample_regions(source)]
    summary = trends_pipeline.process(conn, root, payloads, interval_start=interval, run_id="bench-content")
    conn.commit()
    return summary


def measure(script, term: str) -> dict:
    body = body_scenes(script.scenes)
    invented = 0
    for scene in script.scenes:
        invented += len(unsupported_numbers(scene.narration, script.facts_of(scene), (term,)))
    seconds = sum(s.seconds for s in script.scenes)
    source = ContentSource(content_id="bench", title=script.title, script=script_to_json(script),
                           renditions=[RenditionRef("9:16", "bench.mp4", seconds)], platforms=["youtube"],
                           term=term)
    packages, _ = ContentOptimizer().packages(
        ContentSource(**{**source.__dict__, "platforms": ["youtube", "tiktok", "instagram", "facebook"]}))
    youtube = next((p for p in packages if p.platform == "youtube"), None)
    cited = len(ContentOptimizer.cited_sources(source))
    mismatches = int(length_mismatch(script.title, seconds)) + sum(length_mismatch(p.title, seconds) for p in packages)
    return {"body": len(body), "with_fact": sum(1 for s in body if script.facts_of(s)), "invented": invented,
            "sources": cited, "mismatch": mismatches, "seconds": seconds,
            "description": youtube.description if youtube else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=10)
    parser.add_argument("--target-seconds", type=int, default=30)
    parser.add_argument("--show", type=int, default=2, help="print this many scripts in full")
    args = parser.parse_args()

    server = local_postgres.start_until_exit(ROOT / ".acf" / "bench-pg")
    dsn = local_postgres.ensure_database(server, "acf_bench_content")
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, tempfile.TemporaryDirectory() as scratch:
        db.migrate(conn)
        conn.execute(f"TRUNCATE {TABLES} CASCADE")
        conn.commit()
        now = datetime.now(timezone.utc)
        ingested = ingest_sample(conn, Path(scratch), now)
        scored = pipeline.score_trends(conn, run_id="bench-content", now=now)
        pipeline.write_angles(conn, tier="offline", top_n=args.pieces, run_id="bench-content")
        conn.commit()
        totals = {"body": 0, "with_fact": 0, "invented": 0, "sources": 0, "mismatch": 0}
        pieces = 0
        for opportunity, trend in store.top_open(conn, args.pieces):
            angles = store.angles_for(conn, opportunity.opportunity_id)
            if not angles:
                continue
            angle = angles[pieces % len(angles)]   # every angle kind's plan is measured, not only the best
            script = draft_script(angle, args.target_seconds, "en", "offline", conn=conn,
                                  facts=store.load_brief(conn, opportunity.opportunity_id)).script
            figures = measure(script, angle.term or trend.term)
            for key in totals:
                totals[key] += figures[key]
            if pieces < args.show:
                print(f"--- {script.title} ({angle.kind}, {figures['seconds']:.0f} s, "
                      f"{len(script.facts)} facts cited)")
                for scene in script.scenes:
                    print(f"  [{', '.join(scene.fact_ids) or '-'}] {scene.narration}")
                print("  description tail: " + figures["description"].split("Sources:")[-1].strip().replace("\n", " | "))
            pieces += 1
    elapsed = time.perf_counter() - started
    print(f"sample: {ingested.get('trends', '?')} trends, {scored['open']} open opportunities, "
          f"{scored['facts']} facts in their briefs")
    share = totals["with_fact"] / totals["body"] if totals["body"] else 0.0
    print(f"pieces={pieces} body_scenes={totals['body']} scenes_with_fact={share:.2f} "
          f"invented_numbers={totals['invented']} sources_cited={totals['sources'] / max(1, pieces):.1f} "
          f"title_length_mismatch={totals['mismatch']} seconds={elapsed:.1f}")


if __name__ == "__main__":
    main()

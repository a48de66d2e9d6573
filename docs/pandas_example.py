"""Load an mqsim review with pandas and redraw its lag and latency charts.

    mqsim run baseline --out review/
    python3 docs/pandas_example.py review/          # writes review/pandas-lag.png

For a grid (--vary), point it at one variant's directory (review/acks=1/).
Needs pandas and matplotlib (pip install pandas matplotlib).
"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

review = Path(sys.argv[1] if len(sys.argv) > 1 else "review")

# One row per sample interval; columns as in timeseries.csv with "/" as ".".
ts = pd.read_json(review / "timeseries.ndjson", lines=True).set_index("time_s")
# Units and meaning of each column.
schema = json.loads((review / "timeseries.schema.json").read_text())
units = {f["name"]: f["unit"] for f in schema["fields"]}
# The final results (the same numbers as metrics.prom).
results = json.loads((review / "results.json").read_text())

fig, (lag_ax, lat_ax) = plt.subplots(2, 1, sharex=True, figsize=(10, 6))
lag_cols = [c for c in ts.columns if c.startswith("lag.")]
for col in lag_cols:
    lag_ax.plot(ts.index, ts[col], label=col.removeprefix("lag."))
lag_ax.set_ylabel(f"lag ({units[lag_cols[0]]})")
lag_ax.legend(title="group")
for col in ["e2e_p50_ms", "e2e_p99_ms"]:
    lat_ax.plot(ts.index, ts[col], label=col.split("_")[1])  # gaps (null) stay gaps
lat_ax.set_ylabel(f"end-to-end latency ({units['e2e_p99_ms']})")
lat_ax.set_xlabel(f"simulated time ({units['time_s']})")
lat_ax.legend()
fig.suptitle(f"{results['scenario']} (seed {results['seed']}): lost {results['lost']}, "
             f"p99 {results['e2e_latency_ms']['p99']:.1f} ms")
fig.tight_layout()
out = review / "pandas-lag.png"
fig.savefig(out)
print(f"wrote {out}")

"""Apache Otava 0.8.0's change points for the series on stdin (the cross-check of src/analysis/change-points.ts).

stdin:  {"maxPValue": p, "minMagnitude": m, "windowLength": w, "series": [[...], ...]}
stdout: {"otava": "<version>", "changePoints": [[{"index": i, "pValue": p, "magnitude": m}, ...], ...]}
Calls otava.analysis.compute_change_points, the function Otava's own `analyze` uses by default, with
plain lists (Otava's window slicing only happens for lists, as in its Series.analyze).
"""
import json
import sys
from importlib.metadata import version

from otava.analysis import compute_change_points


def main():
    req = json.load(sys.stdin)
    out = []
    for values in req["series"]:
        cps, _ = compute_change_points(
            list(values),
            window_len=req["windowLength"],
            max_pvalue=req["maxPValue"],
            min_magnitude=req["minMagnitude"],
        )
        out.append(
            [
                {"index": int(c.index), "pValue": float(c.stats.pvalue), "magnitude": float(c.stats.change_magnitude())}
                for c in cps
            ]
        )
    json.dump({"otava": version("apache-otava"), "changePoints": out}, sys.stdout)


if __name__ == "__main__":
    main()

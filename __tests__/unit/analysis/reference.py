#!/usr/bin/env python3
"""Independent reference values for __tests__/unit/analysis/*.test.ts (SciPy 1.17, NumPy 2.x).

Run:  python3 __tests__/unit/analysis/reference.py  and paste the printed JSON into
__tests__/unit/analysis/reference-values.ts. Nothing here shares code with src/:
- Yuen's one-sample trimmed t from scipy.stats.trim_mean, scipy.stats.mstats.winsorize and
  scipy.stats.t (se^2 = (n-1) * var_w / (h (h-1)), the form scipy's ttest_ind(trim=...) uses);
- group-sequential crossing probabilities of given z boundaries from
  scipy.stats.multivariate_normal.cdf with the Brownian correlation sqrt(t_i / t_j);
- the Lan-DeMets spending functions written from their formulas (gsDesign sfLDOF / sfLDPocock).
"""
import json
import math

import numpy as np
from scipy import stats
from scipy.stats import mstats

SAMPLES = {
    "n8": [0.031, -0.012, 0.055, 0.047, 0.020, 0.610, 0.038, -0.002],
    "n10": [0.10, 0.12, 0.08, 0.11, 0.45, 0.09, 0.13, -0.20, 0.10, 0.115],
    "n24": [math.sin(i * 1.7) * 0.05 + 0.06 + (0.4 if i == 5 else 0) for i in range(24)],
}
THRESHOLD = math.log(1.05)


def yuen(x, mu0):
    x = np.asarray(x, dtype=float)
    n = len(x)
    g = int(math.floor(0.2 * n))
    h = n - 2 * g
    tm = stats.trim_mean(x, 0.2)
    w = np.asarray(mstats.winsorize(x, limits=(0.2, 0.2)), dtype=float)
    var_w = np.var(w, ddof=1)
    se = math.sqrt((n - 1) * var_w / (h * (h - 1)))
    t = (tm - mu0) / se
    df = h - 1
    # The rule's calibrated reference: t on 0.85 (h - 1) degrees of freedom (src/analysis/rule.ts DF_FACTOR).
    dfr = 0.85 * df
    return {"g": g, "estimate": tm, "se": se, "df": df,
            "pFail": stats.t.sf(t, dfr), "pPass": stats.t.cdf(t, dfr),
            "half95": stats.t.ppf(0.975, dfr) * se}


def crossing(fractions, bounds):
    """Cumulative P(Z_j >= c_j for some j <= J) for each J, Z Brownian on the information scale."""
    out = []
    for J in range(1, len(fractions) + 1):
        t = fractions[:J]
        cov = np.array([[math.sqrt(min(a, b) / max(a, b)) for b in t] for a in t])
        p_none = stats.multivariate_normal(mean=np.zeros(J), cov=cov, maxpts=2_000_000, abseps=1e-10, releps=1e-10).cdf(np.array(bounds[:J])) if J > 1 else stats.norm.cdf(bounds[0])
        out.append(1 - p_none)
    return out


def spend(fn, alpha, t):
    if fn == "obrien-fleming":
        return 2 - 2 * stats.norm.cdf(stats.norm.ppf(1 - alpha / 2) / math.sqrt(t))
    return alpha * math.log(1 + (math.e - 1) * t)


HISTORY = {
    "runs": [[1000.0] * 8, [1010.0] * 8, [990.0] * 8, [1020.0] * 8, [980.0] * 8],
    "current": [1100.0, 1093.0, 1120.0, 1101.0, 1098.0, 1350.0, 1104.0, 1097.0],
}


def history_reference():
    """Random-effects prediction by hand: Var = s_B^2 (1 + 1/K) + max(0, se_c^2 - mean se_h^2), t on K - 1 df."""
    means = [stats.trim_mean(np.log(r), 0.2) for r in HISTORY["runs"]]  # constant runs: se_h = 0
    K = len(means)
    s_b = np.std(means, ddof=1)
    cur = yuen(np.log(HISTORY["current"]), 0.0)
    d = cur["estimate"] - np.mean(means)
    se = math.sqrt(s_b ** 2 * (1 + 1 / K) + cur["se"] ** 2)
    t = (d - THRESHOLD) / se
    return {"logDiff": d, "betweenRunSd": s_b, "se": se, "df": K - 1,
            "pFail": stats.t.sf(t, K - 1), "pPass": stats.t.cdf(t, K - 1),
            "half95": stats.t.ppf(0.975, K - 1) * se}


def main():
    ref = {"yuen": {k: yuen(v, THRESHOLD) for k, v in SAMPLES.items()}, "samples": SAMPLES, "threshold": THRESHOLD}
    designs = {
        "of3": ([1 / 3, 2 / 3, 1], "obrien-fleming", 0.025),
        "pk3": ([1 / 3, 2 / 3, 1], "pocock", 0.025),
        "pk3k4": ([1 / 3, 2 / 3, 1], "pocock", 0.025 / 4),
        "of2": ([0.5, 1], "obrien-fleming", 0.025),
    }
    # Boundaries to check are the TypeScript ones (pasted from efficacyBoundaries); SciPy verifies
    # that each spends exactly the planned cumulative alpha.
    ref["spending"] = {name: {"fractions": f, "fn": fn, "alpha": a,
                              "cumulative": [spend(fn, a, t) for t in f]} for name, (f, fn, a) in designs.items()}
    ref["crossingOf"] = {"fractions": [1 / 3, 2 / 3, 1], "bounds": [3.7103, 2.5114, 1.9930],
                         "cumulative": crossing([1 / 3, 2 / 3, 1], [3.7103, 2.5114, 1.9930])}
    ref["crossingPk"] = {"fractions": [1 / 3, 2 / 3, 1], "bounds": [2.28, 2.29, 2.30],
                         "cumulative": crossing([1 / 3, 2 / 3, 1], [2.28, 2.29, 2.30])}
    ref["history"] = {"data": HISTORY, **history_reference()}
    print(json.dumps(ref, indent=2))


if __name__ == "__main__":
    main()

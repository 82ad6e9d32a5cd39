#!/usr/bin/env python3
"""Independent reference values for __tests__/unit/stats/stats.test.ts.

Run:  python3 __tests__/unit/stats/reference.py   (SciPy 1.17, NumPy 2.4)
and paste the printed JSON into REF in the test files. Nothing here shares code with src/:
t-tests and quantiles from scipy.stats, the sign-flip test enumerated with itertools.product,
Holm written out by hand.
"""
import itertools
import json
import re
import math

import numpy as np
from scipy import stats

# (reference arm values, traced arm values) per block; the same numbers serve as QPS and as P99 µs.
DATASETS = {
    # n=8, realistic QPS ratios 0.93-0.99
    "n8": ([10120, 9980, 10240, 10050, 9890, 10180, 10010, 10100],
           [9614, 9681, 9523, 9648, 9791, 9569, 9610, 9898]),
    # n=5, around zero
    "n5": ([5000, 5100, 4950, 5050, 4980],
           [5100, 4998, 5197, 5101, 4930]),
    # n=8 with one big outlier (ratio 0.60 in block 4)
    "outlier": ([10050, 9950, 10100, 10000, 9900, 10020, 9980, 10060],
                [9749, 9552, 9898, 9700, 5940, 9619, 9681, 9858]),
    # n=3
    "n3": ([2000, 2050, 1980],
           [1800, 1948, 1822]),
    # n=10, a clear ~10% QPS overhead (fails a 5% budget)
    "heavy": ([8000, 8100, 7950, 8050, 8020, 7980, 8070, 8010, 7990, 8040],
              [7150, 7330, 7230, 7180, 7300, 7120, 7280, 7250, 7110, 7260]),
}
BUDGET = 0.05
ALPHA = 0.05


def sign_flip(d, mu0, alternative):
    e = [x - mu0 for x in d]
    obs = sum(e)
    eps = 1e-12 * sum(abs(x) for x in e)
    hits = 0
    total = 0
    for signs in itertools.product((1, -1), repeat=len(e)):
        s = sum(si * xi for si, xi in zip(signs, e))
        total += 1
        if alternative == "greater":
            hits += s >= obs - eps
        elif alternative == "less":
            hits += s <= obs + eps
        else:
            hits += abs(s) >= abs(obs) - eps
    return hits / total


def sign_flip_numpy(d, mu0):
    """Exact two-sided sign-flip p for larger n, chunked over the high bits."""
    e = np.asarray(d, dtype=float) - mu0
    n = len(e)
    obs = abs(e.sum())
    eps = 1e-12 * np.abs(e).sum()
    lo_bits = min(n, 16)
    lo = np.array(list(itertools.product((1.0, -1.0), repeat=lo_bits))) @ e[:lo_bits]
    hits = 0
    for hi_signs in itertools.product((1.0, -1.0), repeat=n - lo_bits):
        s = lo + float(np.dot(hi_signs, e[lo_bits:]))
        hits += int(np.count_nonzero(np.abs(s) >= obs - eps))
    return hits / 2 ** n


def holm(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: (ps[i], i))
    out = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def ci(d, conf):
    n = len(d)
    m = float(np.mean(d))
    se = float(np.std(d, ddof=1)) / math.sqrt(n)
    q = float(stats.t.ppf(1 - (1 - conf) / 2, n - 1))
    return [m - q * se, m + q * se]


def ttest(d, mu0, alternative):
    r = stats.ttest_1samp(d, popmean=mu0, alternative=alternative)
    return {"t": float(r.statistic), "p": float(r.pvalue)}


out = {"datasets": {}}
gated = []
for name, (ref, arm) in DATASETS.items():
    d = [float(x) for x in np.log(np.asarray(arm, dtype=float) / np.asarray(ref, dtype=float))]
    mu_q = math.log(1 - BUDGET)
    mu_p = math.log(1 + BUDGET)
    lo95, hi95 = ci(d, 0.95)
    lo90, hi90 = ci(d, 0.90)
    mean = float(np.mean(d))
    r = {
        "ref": ref, "arm": arm, "d": d, "n": len(d),
        "mean": mean, "sd": float(np.std(d, ddof=1)),
        "t0": ttest(d, 0.0, "two-sided"),
        "t0Greater": ttest(d, 0.0, "greater")["p"],
        "t0Less": ttest(d, 0.0, "less")["p"],
        "tQpsFail": ttest(d, mu_q, "less"),
        "tP99Fail": ttest(d, mu_p, "greater"),
        "ci95": [lo95, hi95], "ci90": [lo90, hi90],
        "sf0": sign_flip(d, 0.0, "two-sided"),
        "sf0Greater": sign_flip(d, 0.0, "greater"),
        "sf0Less": sign_flip(d, 0.0, "less"),
        "sfQpsFail": sign_flip(d, mu_q, "less"),
        "sfP99Fail": sign_flip(d, mu_p, "greater"),
        "qps": {"overhead": 1 - math.exp(mean), "ci95": [1 - math.exp(hi95), 1 - math.exp(lo95)]},
        "p99": {"overhead": math.exp(mean) - 1, "ci95": [math.exp(lo95) - 1, math.exp(hi95) - 1]},
    }
    r["qps"]["pFail"] = max(r["tQpsFail"]["p"], r["sfQpsFail"])
    r["p99"]["pFail"] = max(r["tP99Fail"]["p"], r["sfP99Fail"])
    out["datasets"][name] = r
    for metric in ("qps", "p99"):
        gated.append((name, metric, r[metric]["pFail"], r[metric]["ci95"][1]))

# The gate over all eight (dataset × metric) comparisons as one family, budget 5%, alpha 0.05.
adj = holm([g[2] for g in gated])
out["gate"] = []
for (name, metric, p, hi), a in zip(gated, adj):
    decision = "fail" if a <= ALPHA / 2 else ("pass" if hi <= BUDGET else "inconclusive")
    out["gate"].append({"dataset": name, "metric": metric, "pFail": p, "pFailAdjusted": a, "decision": decision})

hand = [0.01, 0.04, 0.03, 0.005, 0.5, 0.04]
out["holmHand"] = {"p": hand, "adjusted": holm(hand)}

# n=21 (above the exact limit of src/): exact p by brute force, for the Monte Carlo branch.
rng = np.random.default_rng(20240521)
d21 = [float(x) for x in rng.normal(-0.012, 0.03, 21)]
out["n21"] = {"d": d21, "sfTwoSided": sign_flip_numpy(d21, 0.0),
              "tTwoSided": float(stats.ttest_1samp(d21, 0.0).pvalue)}

# Student t quantiles and CDF, to check the @stdlib wrappers.
out["tDist"] = {
    "quantile": [[p, df, float(stats.t.ppf(p, df))] for p, df in ((0.975, 1), (0.975, 2), (0.975, 7), (0.95, 30), (0.005, 4))],
    "cdf": [[x, df, float(stats.t.cdf(x, df))] for x, df in ((-2.5, 4), (0.3, 7), (3.1, 2), (-8.0, 12))],
}

text = json.dumps(out, indent=1)
# Keep arrays of numbers on one line so the pasted block stays readable.
text = re.sub(r"\[\s*([-0-9.e+,\s]+?)\s*\]", lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text)
print(text)

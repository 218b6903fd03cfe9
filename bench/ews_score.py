"""Benchmark of early-warning scoring on a large synthetic cohort (not a test).

    .venv/bin/python bench/ews_score.py [--students 500000] [--weeks 40] [--items 25]

Measures risk.score_arrays (all features, the 4-week risk and the alert score, alerts and reason
ingredients) on an in-memory float32 array; CSV reading/writing and formatting reason text are not included. The data are
generated in a child process and handed over through a .npy file, so that the peak memory
(ru_maxrss) reported is that of loading the array and scoring it, not of generating it.
Wall time is reported as measured; the two ratios use CPU time, because on a shared machine
wall time mostly measures the other work. Compared with: one plain numpy pass (np.nanmean over weeks) over the same array, and fitting
statsmodels' UnobservedComponents local-level model per student on a subsample of 50 students x
1 item, extrapolated linearly to students x items.
"""

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from zicht.analytics import risk, simulate  # noqa: E402

N_SM = 50  # statsmodels subsample: 50 students x 1 item


def make_data(path_x, path_p, n, weeks, items, seed=42, chunk=25000):
    """Simulated cohort written to .npy files, built in chunks so generation stays small."""
    X = np.lib.format.open_memmap(path_x, mode="w+", dtype=np.float32, shape=(n, weeks, items))
    P = np.lib.format.open_memmap(path_p, mode="w+", dtype=bool, shape=(n, weeks))
    rng = np.random.default_rng(seed)
    for k, a in enumerate(range(0, n, chunk)):
        m = min(chunk, n - a)
        c = simulate.simulate(m, weeks, seed=seed * 1000 + k)
        base = c.X
        extra = items - base.shape[2]
        if extra > 0:  # more items than the diary has sliders: noisy copies of existing ones
            cols = base[:, :, rng.integers(0, base.shape[2], extra)]
            noisy = np.clip(np.round(cols + rng.normal(0, 8, cols.shape)), 0, 100)
            base = np.concatenate([base, noisy.astype(np.float32)], axis=2)
        X[a : a + m] = base[:, :, :items]
        P[a : a + m] = c.present
    X.flush()
    P.flush()


def cpu():
    """CPU seconds (user + system) of this process, all threads."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def statsmodels_seconds_per_series(X, n_series=50):
    import statsmodels.api as sm

    rng = np.random.default_rng(0)
    idx = rng.choice(X.shape[0], n_series, replace=False)
    t0 = time.perf_counter()
    fitted = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in idx:
            y = X[i, :, 0].astype(float)
            if np.isfinite(y).sum() < 3:
                y = np.where(np.isfinite(y), y, 50.0)
            sm.tsa.UnobservedComponents(y, level="llevel").fit(disp=False)
            fitted += 1
    return (time.perf_counter() - t0) / fitted


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=500_000)
    ap.add_argument("--weeks", type=int, default=40)
    ap.add_argument("--items", type=int, default=25)
    a = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        px, pp = os.path.join(tmp, "X.npy"), os.path.join(tmp, "P.npy")
        t0 = time.perf_counter()
        proc = mp.get_context("spawn").Process(target=make_data, args=(px, pp, a.students, a.weeks, a.items))
        proc.start()
        proc.join()
        if proc.exitcode:
            raise SystemExit("data generation failed")
        print(f"generated {a.students} x {a.weeks} x {a.items} in {time.perf_counter() - t0:.1f} s")
        X = np.load(px)
        present = np.load(pp)
    print(
        f"input array {X.nbytes / 2**20:.0f} MB float32, {np.isnan(X).all(2).mean():.1%} weeks without diary"
    )

    c0, t0 = cpu(), time.perf_counter()
    r, alert, _ = risk.score_arrays(X, present)
    score_s, cpu_s = time.perf_counter() - t0, cpu() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    print(
        f"scoring: {score_s:.1f} s wall, {cpu_s:.1f} s CPU (both threads), peak RSS {peak_mb:.0f} MB, "
        f"alerts on {alert[present].mean():.1%} of student-weeks; machine load average {load:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine slows every wall time here)"
    )

    # Ratios use CPU time: on a shared machine wall time mostly measures the other work.
    c0, t0 = cpu(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.nanmean(X, axis=1)
    numpy_cpu, numpy_s = cpu() - c0, time.perf_counter() - t0
    print(
        f"one numpy pass (np.nanmean over weeks): {numpy_s:.2f} s wall, {numpy_cpu:.2f} s CPU "
        f"-> scoring costs {cpu_s / numpy_cpu:.1f} passes (CPU)"
    )

    c0 = cpu()
    per_wall = statsmodels_seconds_per_series(X, N_SM)
    per = (cpu() - c0) / N_SM
    sm_total = per * a.students * a.items
    print(
        f"statsmodels local level: {per * 1000:.1f} ms CPU per series ({per_wall * 1000:.1f} ms wall) -> "
        f"{sm_total / 3600:.1f} CPU hours for {a.students} x {a.items} series (extrapolated), "
        f"{sm_total / cpu_s:.0f} x the CPU time of our scoring"
    )
    print(
        f"RESULT ews_score seconds={score_s:.1f} cpu_seconds={cpu_s:.1f} peak_mb={peak_mb:.0f} "
        f"ratio_numpy={cpu_s / numpy_cpu:.1f} ratio_statsmodels={sm_total / cpu_s:.0f}"
    )


if __name__ == "__main__":
    main()

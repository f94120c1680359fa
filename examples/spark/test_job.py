#!/usr/bin/env python3
"""End-to-end test of authsift_job.py on a real Spark in local mode.

    python examples/spark/test_job.py --binary target/debug/authsift

Generates HAR and log inputs with benches/gen_inputs.py, cuts them into
shards, and checks that:

1. the Spark job's report is byte-identical to one `authsift analyze` over
   all the shards (sequence causes included: they need every shard);
2. with one shard unreadable, the job fails (non-zero, the shard named)
   and writes no report;
3. the CSV time columns load with pandas.read_csv(parse_dates=...).

Prints the wall time of the Spark path against one analyze. Needs pyspark
(4.x) and Java 17; pandas for check 3.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JOB = os.path.join(HERE, "authsift_job.py")
GEN = os.path.join(ROOT, "benches", "gen_inputs.py")

TIME_COLUMNS = {
    "summary.csv": ["first_seen", "last_seen"],
    "timeseries.csv": ["bucket_start"],
    "incidents.csv": ["start", "end"],
    "clients.csv": ["first", "last"],
    "credentials.csv": ["first_success", "last_success", "first_failure", "last_failure"],
    "events.csv": ["time"],
}


def fail(msg):
    sys.stderr.write(f"FAIL: {msg}\n")
    sys.exit(1)


def sh(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def shards(work, har_mb, log_mb):
    """10 shards: a HAR capture in 3 (its entries cut in order), a combined
    log in 4 and a Caddy JSON log in 3 (cut at line ends)."""
    out = []
    gen = os.path.join(work, "gen")
    os.makedirs(gen)
    src = os.path.join(work, "shards")
    os.makedirs(src)
    har = os.path.join(gen, "capture.har")
    subprocess.run([sys.executable, GEN, "har", "--size-mb", str(har_mb), "--seed", "5", "-o", har], check=True,
                   stderr=subprocess.DEVNULL)
    with open(har, encoding="utf-8") as f:
        doc = json.load(f)
    entries = doc["log"]["entries"]
    for i in range(3):
        part = dict(doc)
        part["log"] = dict(doc["log"], entries=entries[i * len(entries) // 3:(i + 1) * len(entries) // 3])
        p = os.path.join(src, f"capture-{i}.har")
        with open(p, "w", encoding="utf-8") as f:
            json.dump(part, f)
        out.append(p)
    for fmt, n, seed in (("combined", 4, 7), ("jsonl", 3, 9)):
        log = os.path.join(gen, f"{fmt}.log")
        subprocess.run([sys.executable, GEN, "log", "--format", fmt, "--size-mb", str(log_mb), "--seed", str(seed),
                        "-o", log], check=True, stderr=subprocess.DEVNULL)
        with open(log, "rb") as f:
            lines = f.readlines()
        for i in range(n):
            p = os.path.join(src, f"{fmt}-{i}.log")
            with open(p, "wb") as f:
                f.writelines(lines[i * len(lines) // n:(i + 1) * len(lines) // n])
            out.append(p)
    return out


def files_of(d):
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}


def job(binary, paths_file, out, env):
    return sh([sys.executable, JOB, "--binary", binary, "--paths-from", paths_file, "--out", out,
               "--master", "local[2]", "--partitions", "8"], env=env)


def check_pandas(report, events):
    try:
        import pandas as pd
    except ImportError:
        print("pandas is not installed: the CSV time check is skipped")
        return
    for name, cols in TIME_COLUMNS.items():
        path = events if name == "events.csv" else os.path.join(report, name)
        df = pd.read_csv(path, parse_dates=cols)
        for c in cols:
            if df[c].notna().any() and not pd.api.types.is_datetime64_any_dtype(df[c]):
                fail(f"{name}: column {c} did not load as times ({df[c].dtype}): {df[c].head(3).tolist()}")
        if len(df) == 0 and name not in ("incidents.csv",):
            fail(f"{name} is empty: the inputs should fill it")
    print("pandas.read_csv(parse_dates=...) reads every time column")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--har-mb", type=float, default=3)
    ap.add_argument("--log-mb", type=float, default=4)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable,
               PYSPARK_DRIVER_PYTHON=sys.executable)
    work = tempfile.mkdtemp(prefix="authsift-spark-")
    try:
        paths = shards(work, a.har_mb, a.log_mb)
        paths_file = os.path.join(work, "paths.txt")
        with open(paths_file, "w", encoding="utf-8") as f:
            f.write("".join(p + "\n" for p in paths))
        print(f"{len(paths)} shards, {sum(os.path.getsize(p) for p in paths) / 1e6:.1f} MB")

        direct = os.path.join(work, "direct")
        events = os.path.join(work, "events.csv")
        t0 = time.monotonic()
        r = sh([binary, "analyze", "--files-from", paths_file, "--out", direct, "--events", events])
        t_direct = time.monotonic() - t0
        if r.returncode != 0:
            fail(f"analyze exited {r.returncode}: {r.stderr}")
        summary = json.load(open(os.path.join(direct, "summary.json")))
        causes = summary["causes"]
        for c in ("challenge_handshake", "revoked_credentials"):
            if not causes.get(c):
                fail(f"the inputs should hold {c} (a sequence cause across shards): {causes}")

        spark = os.path.join(work, "spark")
        t0 = time.monotonic()
        r = job(binary, paths_file, spark, env)
        t_spark = time.monotonic() - t0
        if r.returncode != 0:
            fail(f"the Spark job exited {r.returncode}:\n{r.stderr[-4000:]}")
        want, got = files_of(direct), files_of(spark)
        if want.keys() != got.keys():
            fail(f"files differ: {sorted(want)} vs {sorted(got)}")
        for n in want:
            if want[n] != got[n]:
                fail(f"{n} differs between one analyze and the Spark job (kept in {work})")
        print(f"the Spark job's report is byte-identical to one analyze ({len(want)} files; "
              f"{summary['totals']['status_401']} 401s, sequence causes {causes['challenge_handshake']} "
              f"handshake, {causes['revoked_credentials']} revoked)")
        print(f"wall time: analyze {t_direct:.2f} s, Spark job {t_spark:.2f} s, ratio {t_spark / t_direct:.1f}")

        check_pandas(direct, events)

        # one shard unreadable: the job fails, names it, writes nothing
        bad = paths[4]
        os.chmod(bad, 0)
        try:
            open(bad, "rb").close()
            # root reads anything: a symlink loop is unreadable to all
            os.remove(bad)
            os.symlink(os.path.basename(bad), bad)
        except OSError:
            pass
        failed = os.path.join(work, "failed")
        r = job(binary, paths_file, failed, env)
        if r.returncode == 0:
            fail("the Spark job succeeded with an unreadable shard")
        if bad not in r.stderr:
            fail(f"the failing job does not name the shard {bad}:\n{r.stderr[-4000:]}")
        if os.path.exists(os.path.join(failed, "summary.json")):
            fail("the failing job wrote a report")
        print(f"with {os.path.basename(bad)} unreadable the job fails (exit {r.returncode}) and names it")
    finally:
        if not a.keep:
            subprocess.run(["rm", "-rf", work])
        else:
            print(f"kept {work}")
    print("ok")


if __name__ == "__main__":
    main()

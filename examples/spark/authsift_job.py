#!/usr/bin/env python3
"""authsift as the map step of a Spark job.

Distributes file *paths* (not lines: a path works for HAR captures and
compressed logs, and an executor reads its files at full speed), runs
`authsift analyze --partial - --files-from -` on each partition through
`RDD.pipe(..., checkCode=True)`, merges the partial summaries tree-wise on
the executors (`authsift merge - --partial -`), and writes the final
report with `authsift merge - --out DIR` on the driver. The report is the
one a single `authsift analyze` over all the paths would write.

    spark-submit --files /usr/local/bin/authsift examples/spark/authsift_job.py \\
        --paths-from paths.txt --out report/

Every path must be readable on every executor (a shared file system or a
mount of the same store). An input that fails makes authsift exit non-zero,
which fails its task, which fails the job: no partial result is written.
"""

import argparse
import os
import shlex
import subprocess
import sys

from pyspark import SparkContext, SparkFiles


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="input files (as every executor sees them)")
    ap.add_argument("--paths-from", help="a file with more paths, one a line")
    ap.add_argument("--out", required=True, help="the report directory (written on the driver)")
    ap.add_argument(
        "--binary",
        default="authsift",
        help="the authsift binary on the driver; shipped to the executors with SparkContext.addFile "
        "unless spark-submit --files shipped it already (default: authsift, found on PATH)",
    )
    ap.add_argument(
        "--executor-binary",
        help="the binary's path on the executors when it is installed there "
        "(default: the shipped copy)",
    )
    ap.add_argument("--partitions", type=int, help="analysis tasks (default: the default parallelism)")
    ap.add_argument("--depth", type=int, default=2, help="depth of the merge tree (default 2)")
    ap.add_argument(
        "--analyze-option",
        action="append",
        default=[],
        help="an option for authsift analyze, repeatable (e.g. --analyze-option=--bucket=1d); "
        "merge needs none: the partials carry their settings",
    )
    ap.add_argument("--master", help="Spark master (default: spark-submit's, else local[*])")
    return ap.parse_args(argv)


def which(name):
    if os.sep in name:
        return os.path.abspath(name)
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, name)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    sys.exit(f"authsift_job: {name}: not found on PATH (give --binary)")


def main(argv):
    args = parse_args(argv)
    paths = list(args.paths)
    if args.paths_from:
        with open(args.paths_from, encoding="utf-8") as f:
            paths += [line.rstrip("\r\n") for line in f if line.strip()]
    if not paths:
        sys.exit("authsift_job: no input paths")
    for p in paths:
        if "\n" in p:
            sys.exit(f"authsift_job: {p!r}: a path with a line feed cannot be piped")

    sc = SparkContext(master=args.master) if args.master else SparkContext.getOrCreate()
    binary = which(args.binary)
    name = os.path.basename(binary)
    shipped = sc.getConf().get("spark.files", "")
    if not any(os.path.basename(f) == name for f in shipped.split(",") if f):
        sc.addFile(binary)
    if args.executor_binary:
        exe = args.executor_binary
    elif sc.master.startswith("local"):
        # a local master's executor is the driver, which keeps shipped
        # files in SparkFiles' root
        exe = SparkFiles.get(name)
    else:
        # executors keep the files of --files and addFile in their working
        # directory
        exe = "./" + name

    analyze = [exe, "analyze", "--partial", "-", "--files-from", "-", "--quiet", "--progress", "never"]
    analyze += args.analyze_option
    # parallelize cuts the list evenly: with no more slices than paths, no
    # partition is empty (authsift refuses a run without inputs)
    slices = min(args.partitions or sc.defaultParallelism, len(paths))
    # authsift's own settings (AUTHSIFT_FINGERPRINT_KEY) travel with the
    # command; the rest of the driver's environment does not
    env = {k: v for k, v in os.environ.items() if k.startswith("AUTHSIFT_")}
    partials = sc.parallelize(paths, slices).pipe(
        " ".join(map(shlex.quote, analyze)), env=env, checkCode=True
    )
    executor_binary = args.executor_binary

    def merge_two(a, b):
        # runs on an executor, where SparkFiles knows the shipped copy
        cmd = [executor_binary or SparkFiles.get(name), "merge", "-", "--partial", "-", "--quiet"]
        return run(cmd, a + "\n" + b + "\n", env).rstrip("\n")

    one = partials.treeReduce(merge_two, depth=args.depth)
    run([binary, "merge", "-", "--out", args.out], one + "\n", dict(os.environ), show=True)
    sc.stop()


def run(cmd, stdin, env, show=False):
    p = subprocess.run(
        cmd, input=stdin.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    if show or p.returncode:
        sys.stderr.write(p.stderr.decode(errors="replace"))
    if p.returncode:
        raise RuntimeError(f"{' '.join(cmd)} exited with code {p.returncode}")
    return p.stdout.decode()


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Exception as e:  # noqa: BLE001 - a short reason for the job log, then fail
        lines = str(e).splitlines() or [repr(e)]
        why = [l.strip() for l in lines if "PIPE_FUNCTION_EXITED" in l or "exited with" in l]
        sys.stderr.write(f"authsift_job: the job failed: {(why or lines)[0]}\n")
        sys.exit(1)

"""The workflow on a real one-node SLURM cluster, through profiles/slurm.

Builds TARGETS (every GPU rule and some CPU rules) on a tiny config twice, in one temporary copy of the
repository: first on this machine (profiles/local), then through `snakemake --profile profiles/slurm`. Asserts that
every job of the SLURM run was submitted with sbatch and that its rule's log records its own SLURM job id, and that
both runs wrote the same outputs with the same contents.

Assumptions:
- A cluster is up: `bash tests/slurm/up.sh` (root, apt) before `pytest -m slurm`, `bash tests/slurm/down.sh` after
  (.ci/run does both). Without an idle SLURM node or the executor plugin the test is skipped.
- The cluster has no accounting database, so job states come from squeue (--slurm-status-command squeue; up.sh
  sets MinJobAge=600 so finished jobs stay visible), and no account or partition is given: the GZMORPH_SLURM_*
  variables are removed and the plugin takes the default partition. The GPU rules still ask for one GPU each
  (the profile's default), which up.sh's node offers as a GRES bound to /dev/null; they run on the CPU.
- Every script logs `SLURM_JOB_ID=<id>` through gzmorph.device.log_job_context (called by gzmorph.binding.run);
  the log paths are taken from Snakemake's own job listing, wherever the rules put them.
- The outputs are every file the first run created outside .snakemake. Not compared: files under logs/ and
  benchmarks/ folders and PNG figures (they show numbers that are compared elsewhere), and JSON keys or table
  columns whose names say they hold a time (TIMING). Numbers must agree to RTOL/ATOL: both runs compute on the
  CPU with the same thread count (--max-threads), so they are expected to agree to rounding.
"""

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

pytestmark = pytest.mark.slurm

REPO = Path(__file__).resolve().parent.parent
TINY_CONFIG = {
    "preprocess": {"shard_size": 128},
    "models": {"folds": 2},
    # float32 forced: auto's choice follows a timing probe, which two runs on a busy machine may resolve apart
    "training": {"steps": 1, "cpu_bfloat16": False},
    "cv": {"folds": 2, "steps": 1, "grid": [{"channels": [8, 16], "fc": [32], "dropout": 0.3}]},
    "predict": {"tta": 2, "chunk_size": 128},
    "mergers": {"bootstrap": {"resamples": 50}},
}
# Every rule that asks for a GPU on a cluster (cross_validate, train: K + 1 fold models, predict_chunk) and
# light CPU rules: each SLURM job costs ~10 s of start-up here, so the whole DAG (~31 jobs) would take ~10 minutes.
TARGETS = [
    "results/models/best/model.pt",
    "results/predictions/target_catalogue.parquet",
    "results/figures/explore/label_histograms.png",
    "results/baseline/mean.json",
]
# Status checks: the first one 2 s after a submission (the plugin adds 10 s per check that finds nothing finished).
SLURM_OPTIONS = [
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--seconds-between-status-checks",
    "1",
]
RUN_TIMEOUT_S = 1200
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "venv", ".snakemake", "results", "logs", "__pycache__", ".pytest_cache", "*.egg-info"
)
SKIPPED_DIRS = {"logs", "benchmarks"}
SKIPPED_SUFFIXES = {".png"}
TIMING = re.compile(r"second|elapsed|duration|time|_s$", re.IGNORECASE)
RTOL, ATOL = 1e-5, 1e-7


def _cluster_cpus() -> int:
    """CPUs of the idle test node; skips the test when there is no SLURM cluster to run on."""
    pytest.importorskip("snakemake_executor_plugin_slurm", reason="pip install -e '.[slurm]'")
    if shutil.which("sinfo") is None:
        pytest.skip("no SLURM client (sinfo); start the test cluster with tests/slurm/up.sh")
    result = subprocess.run(
        ["sinfo", "--noheader", "--Node", "--format=%t %c"], capture_output=True, text=True, timeout=30
    )
    nodes = [line.split() for line in result.stdout.splitlines() if line.strip()]
    idle = [int(cpus) for state, cpus in nodes if state.startswith("idle")]
    if result.returncode != 0 or not idle:
        pytest.skip(f"no idle SLURM node (sinfo: {result.stdout.strip() or result.stderr.strip()})")
    return min(max(idle), os.cpu_count() or 1)


def _snakemake(args: list[str], workdir: Path, env: dict[str, str]) -> str:
    """Run Snakemake in ``workdir``; returns its output, fails with its tail (after cancelling its SLURM jobs)."""
    command = [sys.executable, "-m", "snakemake", *args]
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        run_id = re.search(r"SLURM run ID: (\S+)", output)
        if run_id:
            subprocess.run(["scancel", "--name", run_id.group(1)], check=False)
        pytest.fail(f"snakemake {' '.join(args)} ran past {RUN_TIMEOUT_S} s:\n{output[-5000:]}")
    if process.returncode != 0:
        pytest.fail(f"snakemake {' '.join(args)} failed ({process.returncode}):\n{output[-5000:]}")
    return output


def _jobs(output: str) -> list[dict]:
    """The jobs Snakemake listed: rule, Snakemake job id, log files, and the SLURM job id it was submitted as."""
    jobs, job = [], None
    for line in output.splitlines():
        if match := re.match(r"^(local)?(rule|checkpoint) (\w+):$", line):
            job = {"rule": match.group(3), "local": bool(match.group(1)), "logs": [], "jobid": None}
            jobs.append(job)
        elif job is not None and (match := re.match(r"^\s+log: (.+)$", line)):
            job["logs"] = [path.strip() for path in match.group(1).split(",")]
        elif job is not None and (match := re.match(r"^\s+jobid: (\d+)$", line)):
            job["jobid"] = match.group(1)
    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", output))
    for job in jobs:
        job["slurm_jobid"] = submitted.get(job["jobid"])
    return jobs


def _output_files(root: Path, tops: set[str]) -> dict[str, Path]:
    """The compared files under the top-level entries ``tops`` of ``root``, by path relative to ``root``."""
    files = {}
    for top in sorted(tops):
        for path in sorted((root / top).rglob("*")) if (root / top).is_dir() else [root / top]:
            relative = path.relative_to(root)
            if path.is_file() and not SKIPPED_DIRS & set(relative.parts) and path.suffix not in SKIPPED_SUFFIXES:
                files[str(relative)] = path
    return files


def _assert_same_values(local, slurm, where: str) -> None:
    if isinstance(local, dict):
        assert isinstance(slurm, dict) and local.keys() == slurm.keys(), f"{where}: keys differ"
        for key in local:
            if not TIMING.search(str(key)):
                _assert_same_values(local[key], slurm[key], f"{where}[{key!r}]")
    elif isinstance(local, (list, tuple)):
        assert isinstance(slurm, (list, tuple)) and len(local) == len(slurm), f"{where}: lengths differ"
        for i, (a, b) in enumerate(zip(local, slurm, strict=True)):
            _assert_same_values(a, b, f"{where}[{i}]")
    elif hasattr(local, "detach"):  # a torch tensor
        np.testing.assert_allclose(
            slurm.detach().cpu().numpy(), local.detach().cpu().numpy(), RTOL, ATOL, err_msg=where
        )
    elif isinstance(local, np.ndarray):
        np.testing.assert_allclose(slurm, local, RTOL, ATOL, err_msg=where)
    elif isinstance(local, float):
        assert math.isclose(slurm, local, rel_tol=RTOL, abs_tol=ATOL) or (math.isnan(local) and math.isnan(slurm)), (
            f"{where}: {slurm} != {local}"
        )
    else:
        assert slurm == local, f"{where}: {slurm!r} != {local!r}"


def _assert_same_table(local: pd.DataFrame, slurm: pd.DataFrame, where: str) -> None:
    assert list(slurm.columns) == list(local.columns), f"{where}: columns differ"
    assert len(slurm) == len(local), f"{where}: {len(slurm)} rows != {len(local)}"
    for column in local.columns:
        if TIMING.search(str(column)):
            continue
        if pd.api.types.is_numeric_dtype(local[column]) and not pd.api.types.is_bool_dtype(local[column]):
            np.testing.assert_allclose(
                slurm[column].to_numpy(float), local[column].to_numpy(float), RTOL, ATOL, err_msg=f"{where}:{column}"
            )
        else:
            assert slurm[column].tolist() == local[column].tolist(), f"{where}: column {column} differs"


def _assert_same_file(local: Path, slurm: Path, where: str) -> None:
    suffix = local.suffix
    if suffix == ".parquet":
        _assert_same_table(pd.read_parquet(local), pd.read_parquet(slurm), where)
    elif suffix == ".csv":
        _assert_same_table(pd.read_csv(local), pd.read_csv(slurm), where)
    elif suffix == ".json":
        _assert_same_values(json.loads(local.read_text()), json.loads(slurm.read_text()), where)
    elif suffix == ".npy":
        _assert_same_values(np.load(local), np.load(slurm), where)
    elif suffix == ".pt":
        import torch

        load = {"map_location": "cpu", "weights_only": True}
        _assert_same_values(torch.load(local, **load), torch.load(slurm, **load), where)
    else:
        assert slurm.read_bytes() == local.read_bytes(), f"{where}: contents differ"


def test_workflow_runs_inside_slurm_and_matches_a_local_run(tmp_path):
    cpus = _cluster_cpus()
    work = tmp_path / "gzmorph"
    shutil.copytree(REPO, work, ignore=COPY_IGNORE)
    (work / "tiny.yaml").write_text(yaml.safe_dump(TINY_CONFIG))
    before = {path.name for path in work.iterdir()}
    env = {key: value for key, value in os.environ.items() if not key.startswith("GZMORPH_SLURM_")}

    start = time.monotonic()
    _snakemake([*TARGETS, "--profile", "profiles/local", "--cores", str(cpus), "--configfile", "tiny.yaml"], work, env)
    local_s = time.monotonic() - start
    local = tmp_path / "local"
    local.mkdir()
    local_tops = {path.name for path in work.iterdir()} - before - {".snakemake"}
    for name in local_tops:
        shutil.move(work / name, local / name)
    shutil.rmtree(work / ".snakemake")

    start = time.monotonic()
    output = _snakemake(
        [
            *TARGETS,  # first: --configfile takes every word after it
            "--profile",
            "profiles/slurm",
            "--max-threads",
            str(cpus),
            "--configfile",
            "tiny.yaml",
            *SLURM_OPTIONS,
        ],
        work,
        env,
    )
    slurm_s = time.monotonic() - start
    (tmp_path / "slurm_run.log").write_text(output)

    jobs = [job for job in _jobs(output) if job["logs"]]
    assert jobs, f"the SLURM run listed no job with a log:\n{output[-3000:]}"
    for job in jobs:
        assert job["slurm_jobid"], f"rule {job['rule']} (job {job['jobid']}) was not submitted to SLURM"
        for log in job["logs"]:
            recorded = re.findall(r"SLURM_JOB_ID=(\S+)", (work / log).read_text())
            assert recorded and set(recorded) == {job["slurm_jobid"]}, (
                f"{log}: records SLURM_JOB_ID {recorded}, expected {job['slurm_jobid']}"
            )
    slurm_ids = sorted({int(job["slurm_jobid"]) for job in jobs})
    assert len(slurm_ids) == len(jobs), "two jobs ran as the same SLURM job"
    trainings = [job for job in jobs if job["rule"] == "train"]
    folds = TINY_CONFIG["models"]["folds"]
    # fold 0 of both architectures, then the chosen one's other folds, once the choose_architecture checkpoint ran
    assert len(trainings) == folds + 1, f"{len(trainings)} train jobs, expected {folds} folds + the other fold 0"
    assert len({job["slurm_jobid"] for job in trainings}) == folds + 1  # each fold model its own SLURM job

    local_files = _output_files(local, local_tops)
    slurm_files = _output_files(work, {path.name for path in work.iterdir()} - before - {".snakemake"})
    assert slurm_files.keys() == local_files.keys(), (
        f"only local: {sorted(local_files.keys() - slurm_files.keys())}, "
        f"only SLURM: {sorted(slurm_files.keys() - local_files.keys())}"
    )
    for name, path in local_files.items():
        _assert_same_file(path, slurm_files[name], name)

    print(
        f"SLURM test: local run {local_s:.0f} s, SLURM run {slurm_s:.0f} s, {len(jobs)} jobs, "
        f"SLURM job ids {slurm_ids}, {len(local_files)} output files compared"
    )

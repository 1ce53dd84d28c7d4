"""The training benchmark runs as its docstring says (on synthetic fields, a few steps): numbers, not speed checks."""

import json
import subprocess
import sys

from tests.conftest import REPO


def test_bench_training_times_each_named_candidate(tmp_path):
    command = [sys.executable, "benchmarks/bench_training.py", "--data", str(tmp_path / "absent"), "--steps", "1",
               "--rounds", "1", "--threads", "1", "--synthetic-images", "64", "--candidates", "resnet18", "cnn",
               "convnext_atto", "--configfile", "config.yaml", "configs/full.yaml"]  # fmt: skip
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert [row["model"] for row in rows] == ["resnet18", "cnn", "convnext_atto"]
    assert rows[0]["parameters"] > rows[1]["parameters"]
    assert all(row["rotated_images_per_s"] > 0 and row["precision"] in ("float32", "bfloat16") for row in rows)
    assert "batch 64" in result.stdout  # configs/full.yaml's batch over config.yaml's 32

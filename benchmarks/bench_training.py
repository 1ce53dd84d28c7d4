"""Training throughput per model: the whole pipeline against the bare forward and backward pass.

For each compared candidate of the config (models.compare, or the candidates named by --candidates) this times
training steps as ``fit`` runs them (gather uint8 fields from the in-memory set, move to the
device, convert, crop or rotate, forward, backward, optimizer step) and the same steps on one float batch already on
the device, in the precision a training job of the config would use (``training.cpu_bfloat16`` on the CPU, resolved
per model by ``gzmorph.precision.job_precision`` as in the train job: auto probes). The difference is
what loading, augmentation and bookkeeping cost; the aim is under 15% of the step time. The pipeline's step is
``gzmorph.estimate.pipeline_step``, which ``gzmorph estimate`` times too.

    python benchmarks/bench_training.py                 # results/data/train if it exists, else synthetic fields
    python benchmarks/bench_training.py --steps 20 --threads 2
    python benchmarks/bench_training.py --configfile config.yaml configs/full.yaml --candidates resnet18 convnext_atto
"""

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import numpy as np
import torch

from gzmorph.augment import to_device_batch
from gzmorph.binding import load_config
from gzmorph.device import pick_device
from gzmorph.estimate import pipeline_step, step_times, training_model
from gzmorph.geometry import field_size
from gzmorph.labels import ID_COLUMN, LABEL_COLUMNS
from gzmorph.models import count_parameters, resolve_spec
from gzmorph.precision import job_precision
from gzmorph.settings import SLICES, compared_candidates
from gzmorph.shards import ShardSet, ShardWriter
from gzmorph.training import DeviceImages, TrainingData, train_step

ROOT = Path(__file__).resolve().parents[1]


def synthetic_set(directory: Path, n: int, size: int) -> ShardSet:
    """Random uint8 fields and labels in the real on-disk layout, for machines without results/."""
    field = field_size(size)
    rng = np.random.default_rng(0)
    writer = ShardWriter(directory, shard_size=1024, image_shape=(field, field, 3))
    for k in range(n):
        writer.add(k + 1, rng.integers(0, 256, (field, field, 3), dtype=np.uint8))
    index = writer.close()
    index[list(LABEL_COLUMNS)] = rng.random((n, len(LABEL_COLUMNS)), dtype=np.float32)
    index.astype({ID_COLUMN: np.uint64}).to_parquet(directory / "index.parquet")
    (directory / "summary.json").write_text(json.dumps({"crop_px": 212, "size": size}))
    return ShardSet(directory)


def mean_seconds(step, steps: int, device: torch.device) -> float:
    """Seconds per step, after the warm-up steps."""
    return statistics.fmean(step_times(step, steps, device))


def bench_model(name, spec, settings, images, labels, size, device, steps, rounds) -> dict:
    precision = job_precision(spec, settings, size, device)
    bfloat16 = precision.cpu_bfloat16
    model, optimizer = training_model(spec, settings, device, bfloat16)
    data = DeviceImages(TrainingData(images, labels, images[:0], labels[:0]), device)
    batch = settings.batch_size
    fixed_x = to_device_batch(images[:batch], device, size, rotate=False)
    fixed_y = data.train_labels[:batch]
    runs = {
        "bare": lambda: train_step(model, optimizer, fixed_x, fixed_y, device, bfloat16),
        "plain": pipeline_step(model, optimizer, data, settings, size, device, bfloat16, rotate=False),
        "rotated": pipeline_step(model, optimizer, data, settings, size, device, bfloat16, rotate=True),
    }
    seconds = {kind: [] for kind in runs}
    for _ in range(rounds):  # interleaved rounds, best of each: machine load hits all three alike
        for kind, step in runs.items():
            seconds[kind].append(mean_seconds(step, steps, device))
    bare, plain, rotated = (min(seconds[kind]) for kind in ("bare", "plain", "rotated"))
    return {
        "model": name,
        "precision": precision.precision,
        "precision_reason": precision.reason,
        "parameters": count_parameters(model),
        "bare_images_per_s": batch / bare,
        "pipeline_images_per_s": batch / plain,
        "pipeline_overhead_pct": 100 * (plain - bare) / plain,
        "rotated_images_per_s": batch / rotated,
        "rotated_overhead_pct": 100 * (rotated - bare) / rotated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configfile", nargs="+", default=[str(ROOT / "config.yaml")], help="overlays, as Snakemake's")
    parser.add_argument("--candidates", nargs="+", help="candidates to time (default: the config's models.compare)")
    parser.add_argument("--data", default=str(ROOT / "results" / "data" / "train"), help="labelled shard set")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved repeats; the fastest of each counts")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--synthetic-images", type=int, default=2048, help="size of the set made when --data is absent")
    args = parser.parse_args()

    config = load_config(args.configfile)
    size = int(config["preprocess"]["size"])
    names = args.candidates or compared_candidates(config)
    settings = SLICES["train"].typed(SLICES["train"].cut(config, {"model": names[0]})).training  # one recipe for all
    device = pick_device(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        if (Path(args.data) / "index.parquet").exists():
            shards, source = ShardSet(args.data), args.data
        else:
            shards, source = synthetic_set(Path(scratch), args.synthetic_images, size), "synthetic fields"
        images, labels = shards.all_images(), shards.labels
    models = config["models"]
    specs = {name: resolve_spec(models["candidates"][name], models["head"], size) for name in names}
    print(
        f"device {device} (training.cpu_bfloat16: {settings.cpu_bfloat16}), {len(images)} images from {source},"
        f" batch {settings.batch_size}, view {size} px"
    )
    for name, spec in specs.items():
        print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in bench_model(
            name, spec, settings, images, labels, size, device, args.steps, args.rounds).items()}))  # fmt: skip


if __name__ == "__main__":
    main()

"""Prediction throughput (images/s) from preprocessed shards and from a raw JPEG archive, and peak memory.

    python benchmarks/bench_predict.py [--model results/models/best/model.pt] [--shards results/data/target]
        [--images data/sample/test_images.tar.gz] [--tta 1 8] [--batch-size 256] [--threads 2]

Without --model a randomly initialised custom CNN of the config's default shape stands in (throughput depends on
the architecture, not on the weights). Peak memory is the process's maximum resident set size (ru_maxrss), so a
flat-memory prediction shows about the same peak for a small and a large set.
"""

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

from gzmorph.catalogue import write_catalogue
from gzmorph.config import read_config
from gzmorph.device import pick_device
from gzmorph.geometry import Geometry
from gzmorph.inference import predict_images, predict_shards
from gzmorph.models import build_model, load_model, resolve_spec
from gzmorph.shards import ShardSet

ROOT = Path(__file__).resolve().parents[1]


def stand_in_model(config: dict) -> tuple[torch.nn.Module, Geometry]:
    size = config["preprocess"]["size"]
    spec = resolve_spec(config["models"]["candidates"]["cnn"], config["models"]["head"], size)
    return build_model(spec).eval(), Geometry(config["preprocess"]["crop_px"], size)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def timed(label: str, frames, out: Path) -> None:
    start = time.perf_counter()
    rows = write_catalogue(frames, out)
    seconds = time.perf_counter() - start
    rate = rows / seconds
    print(f"{label:<42} {rows:>7d} images {seconds:8.2f} s {rate:9.1f} images/s  peak RSS {peak_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="checkpoint; default: a random custom CNN of the default shape")
    parser.add_argument("--shards", default=str(ROOT / "results/data/target"), help="a preprocessed set directory")
    parser.add_argument("--images", default=str(ROOT / "data/sample/test_images.tar.gz"), help="raw archive/dir")
    parser.add_argument("--tta", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    config = read_config([ROOT / "config.yaml"])
    device = pick_device(args.threads)
    if args.model:
        model, checkpoint = load_model(args.model, device)
        geometry = checkpoint.geometry
    else:
        model, geometry = stand_in_model(config)
        model.to(device)
    print(f"device {device} ({torch.get_num_threads()} threads), model {args.model or 'random custom CNN'}, "
          f"view {geometry.size} px, python {sys.version.split()[0]}, torch {torch.__version__}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for tta in args.tta:
            if Path(args.shards, "index.parquet").exists():
                frames = predict_shards(model, ShardSet(args.shards), device, tta, args.batch_size)
                timed(f"shards {Path(args.shards).name}, tta {tta}", frames, Path(tmp, f"s{tta}.parquet"))
            if Path(args.images).exists():
                frames = predict_images(model, args.images, geometry, device, tta, args.batch_size)
                timed(f"raw {Path(args.images).name}, tta {tta}", frames, Path(tmp, f"r{tta}.parquet"))


if __name__ == "__main__":
    main()

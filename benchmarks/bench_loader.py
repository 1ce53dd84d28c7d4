"""Loader throughput: shuffled batches of uint8 images + float labels from warm shards (memory maps).

    python benchmarks/bench_loader.py [--set-dir results/data/train] [--batch-size 128] [--epochs 3]

Without an existing set it preprocesses the shipped sample into a temporary folder first.
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from gzmorph.geometry import Geometry
from gzmorph.ingest import ingest
from gzmorph.preprocess import preprocess
from gzmorph.shards import ShardSet

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--set-dir", default="results/data/train")
parser.add_argument("--batch-size", type=int, default=128)
parser.add_argument("--epochs", type=int, default=3)
args = parser.parse_args()


def measure(shards: ShardSet) -> None:
    rng = np.random.default_rng(0)
    for _ in shards.batches(args.batch_size, shuffle=True, rng=rng):  # warm the page cache
        pass
    n, start = 0, time.perf_counter()
    for _ in range(args.epochs):
        for batch in shards.batches(args.batch_size, shuffle=True, rng=rng):
            n += len(batch.ids)
    seconds = time.perf_counter() - start
    print(
        f"{len(shards)} images in {shards.shard.max() + 1} shards, field {shards.image_shape}, batch {args.batch_size}"
    )
    print(f"shuffled loading: {n / seconds:,.0f} images/s = {seconds / n * 1e6:.2f} us/image ({args.epochs} epochs)")


if (Path(args.set_dir) / "index.parquet").exists():
    measure(ShardSet(args.set_dir))
else:
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    with tempfile.TemporaryDirectory() as out:
        images = str(sample / "training_images.tar.gz")
        members = ingest(images, str(sample / "training_classifications.csv"))
        index, _, _ = preprocess(members, images, out, Geometry(212, 48), 2048, 2, 0.0)
        index.to_parquet(Path(out) / "index.parquet")
        measure(ShardSet(out))

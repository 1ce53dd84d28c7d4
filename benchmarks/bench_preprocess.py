"""Preprocessing throughput end to end (archive -> decode at reduced scale -> shards) and peak memory.

python benchmarks/bench_preprocess.py [--images ../shared/data/galaxyzoo/training_images.tar.gz] [--workers 2]
"""

import argparse
import resource
import tempfile
import time

from gzmorph.geometry import Geometry
from gzmorph.ingest import ingest
from gzmorph.preprocess import preprocess

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--images", default="../shared/data/galaxyzoo/training_images.tar.gz")
parser.add_argument("--workers", type=int, default=2)
parser.add_argument("--crop-px", type=int, default=212)
parser.add_argument("--size", type=int, default=48)
args = parser.parse_args()

start = time.perf_counter()
members = ingest(args.images, None)
ingest_seconds = time.perf_counter() - start
with tempfile.TemporaryDirectory() as out:
    start = time.perf_counter()
    index, rejects, summary = preprocess(
        members, args.images, out, Geometry(args.crop_px, args.size), 2048, args.workers, 1.0
    )
    seconds = time.perf_counter() - start
self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"images: {len(index)} from {args.images} ({len(rejects)} rejected), workers: {args.workers}")
print(f"ingest (listing + checks): {ingest_seconds:.2f} s")
print(f"preprocess: {seconds:.2f} s = {len(index) / seconds:.0f} images/s, {seconds / len(index) * 1e3:.3f} ms/image")
print(f"peak RSS: main process {self_mb:.0f} MiB, largest worker {child_mb:.0f} MiB")
print(f"reduction factor: {summary['reduction_factor']} (field {summary['field']} px, view {summary['size']} px)")

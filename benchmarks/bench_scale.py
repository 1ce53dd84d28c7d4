"""The data path at Kaggle scale: ingest, preprocess and predict at 1k, 10k and the full 141,553 images.

    python benchmarks/bench_scale.py                          # sizes 1k, 10k, full (61,578 + 79,975 images)
    python benchmarks/bench_scale.py --sizes 1k 10k           # smaller sizes only
    python benchmarks/bench_scale.py --sizes full --workdir /scratch --keep

For each size it first writes a synthetic set in the Kaggle download's own format into a temporary folder:
``images_training_rev1.zip`` (members ``images_training_rev1/<GalaxyID>.jpg``), ``training_solutions_rev1.csv``
(Kaggle header) and ``images_test_rev1.zip``, with labelled and unlabelled images in the Kaggle ratio
(61,578 : 79,975). The images are re-encoded variants (random rotation/mirror by multiples of 90 degrees, shift up
to 8 px, zoom crop up to 8%, 424x424 RGB, the source's own JPEG quantization tables) of the real galaxies in
``training_images.tar.gz`` / ``test_images.tar.gz`` of the shared data; each labelled one carries its source's
labels. Only ``--variants`` variants per source image are encoded (in parallel, once per run); beyond that the
same JPEG bytes are reused under fresh, unique GalaxyIDs: identical bytes cost the same to decode, so throughput
is unaffected. The zips are ZIP_STORED (JPEGs do not compress; Kaggle's are deflated, which costs little to read).

Then every stage runs as the workflow runs it, through the package functions, each in a fresh process
(multiprocessing "spawn"): ingest of the labelled and of the unlabelled set (``gzmorph.ingest.ingest`` +
members.parquet), preprocess of both (``gzmorph.preprocess.preprocess``, Geometry(212, 48), shard_size 2048,
2 decoding workers, then the index, rejects and summary files), and prediction of the unlabelled shards by a
freshly initialised custom CNN of the default shape (``predict_shards`` + ``write_catalogue`` to Parquet, tta=1;
tta=8 too at the smallest size; the weights do not change the cost). One more row times a whole
``predict_chunk``-like job (fresh process, imports, model, first ``predict.chunk_size`` images), the unit the
workflow scatters the prediction into.

Reported per stage: images, seconds (the stage's work inside its process; for the chunk job the whole process),
images/s and peak memory. Peak MiB is the largest sum of VmRSS over the stage's process and its decoding workers,
sampled every 50 ms from outside (/proc/<pid>/status); anon MiB is the same for RssAnon (heap, without mapped
files such as memory-mapped shards or the torch libraries, which the kernel can drop or share). Summed RSS counts
pages that forked workers share with their parent once per process, so it errs high. The line printed per stage
also gives the high-water mark (VmHWM) of the stage's main process and of its largest worker, the load averages
before it, and how many cores other processes used during it (the machine is shared: all CPU time of the machine
minus the stage's own). ru_maxrss is not used: a spawned process's ru_maxrss starts at its parent's RSS. The
synthetic set lives in a temporary folder that is deleted at the end unless --keep.
"""

import argparse
import io
import multiprocessing
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from PIL import Image, JpegImagePlugin

ROOT = Path(__file__).resolve().parents[1]
KAGGLE_LABELLED, KAGGLE_UNLABELLED = 61_578, 79_975
FULL = KAGGLE_LABELLED + KAGGLE_UNLABELLED
TRAIN_ZIP, TRAIN_CSV, TEST_ZIP = "images_training_rev1.zip", "training_solutions_rev1.csv", "images_test_rev1.zip"
WORKERS = 2  # decoding processes in preprocess, torch threads in predict (a 2-core machine)
SHARD_SIZE, CROP_PX, SIZE, BATCH = 2048, 212, 48, 256
BYTES_PER_IMAGE = 14_500 + 13_900 + 200  # JPEG in the zip + stored 68x68x3 field + labels/index/catalogue
TRANSPOSES = (None, *Image.Transpose.__members__.values())[:8]


# ---------------------------------------------------------------- synthetic Kaggle-format set


def split_size(n: int) -> tuple[int, int]:
    """Labelled and unlabelled images of an n-image set, in the Kaggle ratio."""
    labelled = round(n * KAGGLE_LABELLED / FULL)
    return labelled, n - labelled


def make_variant(task: tuple[bytes, int]) -> bytes:
    """A re-encoded 424x424 variant of a JPEG: random shift, zoom crop and dihedral transform, same qtables."""
    data, seed = task
    rng = np.random.default_rng(seed)
    with Image.open(io.BytesIO(data)) as image:
        qtables, sampling = image.quantization, JpegImagePlugin.get_sampling(image)
        width, height = image.size
        side = width * rng.uniform(0.92, 1.0)
        cx, cy = width / 2 + rng.integers(-8, 9), height / 2 + rng.integers(-8, 9)
        box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
        out = image.convert("RGB").transform((width, height), Image.Transform.EXTENT, box, Image.Resampling.BILINEAR)
    transpose = TRANSPOSES[int(rng.integers(len(TRANSPOSES)))]
    out = out if transpose is None else out.transpose(transpose)
    buffer = io.BytesIO()
    out.save(buffer, format="JPEG", qtables=qtables, subsampling=sampling)
    return buffer.getvalue()


class VariantPool:
    """Encoded variants of a list of source JPEGs; entry p is variant p // n of source p % n, made on demand."""

    def __init__(self, sources: list[bytes], variants: int, seed: int):
        self.sources, self.variants, self.seed = sources, variants, seed
        self.encoded: list[bytes] = []

    def capacity(self, n_images: int) -> int:
        return min(n_images, len(self.sources) * self.variants)

    def ensure(self, count: int) -> float:
        """Encode entries up to ``count`` in WORKERS processes; returns the seconds it took."""
        start = time.perf_counter()
        missing = range(len(self.encoded), count)
        tasks = ((self.sources[p % len(self.sources)], self.seed * 10_000_019 + p) for p in missing)
        context = multiprocessing.get_context("fork")
        with context.Pool(WORKERS, initializer=signal.signal, initargs=(signal.SIGTERM, signal.SIG_DFL)) as pool:
            self.encoded.extend(pool.imap(make_variant, tasks, chunksize=32))
        return time.perf_counter() - start

    def image(self, k: int, n_images: int) -> tuple[bytes, int]:
        """JPEG bytes and source index of image k of an n-image set."""
        p = k % self.capacity(n_images)
        return self.encoded[p], p % len(self.sources)


def load_sources(archive: Path) -> tuple[list[int], list[bytes]]:
    from gzmorph.archives import iter_images

    ids, data = [], []
    for galaxy_id, _, jpeg in iter_images(archive):
        ids.append(galaxy_id)
        data.append(jpeg)
    return ids, data


def write_zip(path: Path, folder: str, ids: np.ndarray, pool: VariantPool) -> list[int]:
    """Kaggle-layout zip, stored; returns the source index of each image."""
    sources = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(zipfile.ZipInfo(f"{folder}/", (2014, 1, 1, 0, 0, 0)), b"")
        for k, galaxy_id in enumerate(ids):
            data, source = pool.image(k, len(ids))
            archive.writestr(zipfile.ZipInfo(f"{folder}/{galaxy_id}.jpg", (2014, 1, 1, 0, 0, 0)), data)
            sources.append(source)
    return sources


def synthesize(directory: Path, n: int, train: tuple, test: VariantPool, seed: int) -> dict:
    """The three Kaggle files for an n-image set under ``directory``; returns their paths and timings."""
    from gzmorph.labels import ID_COLUMN, KAGGLE_HEADER

    train_pool, train_ids, raw_labels = train
    n_labelled, n_unlabelled = split_size(n)
    encode = train_pool.ensure(train_pool.capacity(n_labelled)) + test.ensure(test.capacity(n_unlabelled))
    start = time.perf_counter()
    ids = np.random.default_rng(seed).choice(900_000, n, replace=False) + 100_000  # unique six-digit ids, as Kaggle
    labelled_ids, unlabelled_ids = np.sort(ids[:n_labelled]), np.sort(ids[n_labelled:])
    directory.mkdir(parents=True)
    sources = write_zip(directory / TRAIN_ZIP, "images_training_rev1", labelled_ids, train_pool)
    write_zip(directory / TEST_ZIP, "images_test_rev1", unlabelled_ids, test)
    labels = raw_labels.loc[[train_ids[s] for s in sources]].reset_index()
    labels[ID_COLUMN] = labelled_ids.astype(str)
    labels[list(KAGGLE_HEADER)].to_csv(directory / TRAIN_CSV, index=False)
    paths = {"train_zip": directory / TRAIN_ZIP, "train_csv": directory / TRAIN_CSV, "test_zip": directory / TEST_ZIP}
    distinct = train_pool.capacity(n_labelled) + test.capacity(n_unlabelled)
    return {**paths, "encode_s": encode, "write_s": time.perf_counter() - start, "distinct": distinct}


def check_disk(directory: Path, n: int) -> None:
    needed, free = n * BYTES_PER_IMAGE, shutil.disk_usage(directory).free
    print(f"disk: {n:,} images need about {needed / 2**30:.1f} GiB in {directory}, {free / 2**30:.1f} GiB free")
    if needed * 1.2 > free:
        raise SystemExit(f"{directory}: not enough free disk for {n:,} images; use --workdir elsewhere")


# ---------------------------------------------------------------- stages, each run in a fresh process


def stage_ingest(images: str, labels: str | None, members: str) -> int:
    from gzmorph.ingest import ingest
    from gzmorph.io import write_table

    table = ingest(images, labels)
    write_table(table, members)
    return len(table)


def stage_preprocess(members: str, images: str, set_dir: str) -> int:
    from gzmorph.geometry import Geometry
    from gzmorph.io import write_json, write_table
    from gzmorph.preprocess import preprocess

    geometry = Geometry(CROP_PX, SIZE)
    index, rejects, summary = preprocess(pd.read_parquet(members), images, set_dir, geometry, SHARD_SIZE, WORKERS, 0.01)
    write_table(rejects, Path(set_dir) / "rejects.csv")
    write_json(summary, Path(set_dir) / "summary.json")
    write_table(index, Path(set_dir) / "index.parquet")
    return len(index)


def stage_predict(set_dir: str, catalogue: str, tta: int, stop: int | None = None) -> int:
    import torch

    from gzmorph.catalogue import write_catalogue
    from gzmorph.config import read_config
    from gzmorph.device import pick_device
    from gzmorph.inference import predict_shards
    from gzmorph.models import build_model, resolve_spec
    from gzmorph.shards import ShardSet

    config = read_config([ROOT / "config.yaml"])
    spec = resolve_spec(config["models"]["candidates"]["cnn"], config["models"]["head"], SIZE)
    torch.manual_seed(0)
    device = pick_device(WORKERS)
    model = build_model(spec).to(device).eval()
    shard_set = ShardSet(set_dir)
    positions = None if stop is None else np.arange(min(stop, len(shard_set)))
    return write_catalogue(predict_shards(model, shard_set, device, tta, BATCH, positions), catalogue)


STAGES = {"ingest": stage_ingest, "preprocess": stage_preprocess, "predict": stage_predict}


def status_kib(pid: int | str, keys: tuple[str, ...]) -> list[int]:
    """Fields of /proc/<pid>/status in KiB (0 where absent); FileNotFoundError once the process is gone."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return [int(fields.get(key, "0 kB").split()[0]) for key in keys]


def child(stage: str, args: tuple, conn) -> None:
    """Entry point of a stage's process: imports first (untimed), then the timed stage, then its peak and CPU."""
    start = time.perf_counter()
    if stage == "predict":  # torch, torchvision (gzmorph.models) and friends: a fixed cost per job, timed apart
        import torch  # noqa: F401

        import gzmorph.device  # noqa: F401
        import gzmorph.inference  # noqa: F401
        import gzmorph.models  # noqa: F401
    import_s = time.perf_counter() - start
    start = time.perf_counter()
    images = STAGES[stage](*args)
    seconds = time.perf_counter() - start
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    # VmHWM, not ru_maxrss: a spawned process's ru_maxrss starts at its parent's RSS (kept across fork + exec).
    (hwm,) = status_kib("self", ("VmHWM",))
    conn.send(
        {
            "images": images,
            "seconds": seconds,
            "import_s": import_s,
            "main_hwm": hwm / 1024,
            "cpu_s": sum(u.ru_utime + u.ru_stime for u in usage),
        }
    )


def descendants(pid: int) -> list[int]:
    """The process ids below ``pid`` (from /proc/<pid>/task/*/children: no scan of all processes)."""
    found, queue = [], [pid]
    while queue:
        for children in Path(f"/proc/{queue.pop()}/task").glob("*/children"):
            try:
                new = [int(c) for c in children.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
            found += new
            queue += new
    return found


def sample_tree(pid: int, worker_hwm: dict[int, int]) -> tuple[float, float]:
    """Summed VmRSS and RssAnon (MiB) of a process and its descendants now; records each descendant's VmHWM."""
    total = anon = 0
    for member in (pid, *descendants(pid)):
        try:
            rss, rss_anon, hwm = status_kib(member, ("VmRSS", "RssAnon", "VmHWM"))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
        total, anon = total + rss, anon + rss_anon
        if member != pid:
            worker_hwm[member] = max(worker_hwm.get(member, 0), hwm)
    return total / 1024, anon / 1024


def busy_cpu_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def run_stage(stage: str, *args) -> dict:
    """Run one stage in a fresh spawned process, sampling its process tree's memory from here."""
    load = os.getloadavg()
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(target=child, args=(stage, args, send))
    busy, start = busy_cpu_seconds(), time.perf_counter()
    process.start()
    peak_rss, peak_anon, worker_hwm = 0.0, 0.0, {}
    try:
        while process.is_alive():
            rss, anon = sample_tree(process.pid, worker_hwm)
            peak_rss, peak_anon = max(peak_rss, rss), max(peak_anon, anon)
            time.sleep(0.05)
    finally:  # interrupted (Ctrl-C, SIGTERM): stop the stage before its folder is deleted
        if process.is_alive():
            process.terminate()
        process.join()
    wall, busy = time.perf_counter() - start, busy_cpu_seconds() - busy
    if process.exitcode != 0 or not receive.poll():
        raise RuntimeError(f"stage {stage}{args} failed with exit code {process.exitcode}")
    result = receive.recv()
    others = max(0.0, busy - result["cpu_s"]) / wall
    worker = max(worker_hwm.values(), default=0) / 1024
    return {
        **result,
        "worker_hwm": worker,
        "peak_rss": peak_rss,
        "peak_anon": peak_anon,
        "wall": wall,
        "load": load,
        "others": others,
    }


# ---------------------------------------------------------------- one size, report


def report(rows: list[dict], size: str, name: str, result: dict, expected: int, whole_process: bool = False) -> None:
    if result["images"] != expected:
        raise RuntimeError(f"{size} {name}: {result['images']} images, expected {expected}")
    seconds = result["wall"] if whole_process else result["seconds"]
    load = ", ".join(f"{v:.2f}" for v in result["load"])
    note = "  HIGH LOAD: others were running" if result["load"][0] > os.cpu_count() or result["others"] > 0.5 else ""
    print(
        f"  {name:<40} {expected:>7,} images {seconds:8.2f} s {expected / seconds:8,.0f} images/s | "
        f"peak RSS {result['peak_rss']:6.0f} MiB (anon {result['peak_anon']:5.0f}; VmHWM main "
        f"{result['main_hwm']:.0f}, largest worker {result['worker_hwm']:.0f}) | load before {load}, "
        f"other processes {result['others']:.2f} cores | imports {result['import_s']:.1f} s, "
        f"process {result['wall']:.1f} s{note}",
        flush=True,
    )
    rows.append({**result, "size": size, "stage": name, "images": expected, "seconds": seconds})


def bench_size(directory: Path, n: int, pools: tuple, rows: list[dict], with_tta8: bool, chunk: int) -> float:
    """Synthesize an n-image set and run every stage on it; returns the generation seconds."""
    label = f"{n // 1000}k" if n >= 1000 else str(n)
    n_labelled, n_unlabelled = split_size(n)
    print(f"\n== {label}: {n_labelled:,} labelled + {n_unlabelled:,} unlabelled images", flush=True)
    check_disk(directory.parent, n)
    made = synthesize(directory, n, pools[0], pools[1], seed=n)
    zip_gib = sum(made[k].stat().st_size for k in ("train_zip", "test_zip")) / 2**30
    print(f"  generation: encoding {made['encode_s']:.1f} s (new variants only), zips + CSV {made['write_s']:.1f} s; "
          f"{made['distinct']:,} distinct JPEGs under {n:,} ids, zips {zip_gib:.2f} GiB", flush=True)  # fmt: skip
    train, test = (str(directory / "results" / "data" / name) for name in ("train", "target"))
    zips = str(made["train_zip"]), str(made["test_zip"])
    members = f"{train}/members.parquet", f"{test}/members.parquet"
    stages = [
        ("ingest labelled", ("ingest", zips[0], str(made["train_csv"]), members[0]), n_labelled),
        ("ingest unlabelled", ("ingest", zips[1], None, members[1]), n_unlabelled),
        ("preprocess labelled", ("preprocess", members[0], zips[0], train), n_labelled),
        ("preprocess unlabelled", ("preprocess", members[1], zips[1], test), n_unlabelled),
        ("predict unlabelled, tta 1", ("predict", test, str(directory / "catalogue.parquet"), 1), n_unlabelled),
    ]
    if with_tta8:
        tta8 = ("predict", test, str(directory / "tta8.parquet"), 8)
        stages.append(("predict unlabelled, tta 8", tta8, n_unlabelled))
    for name, (stage, *args), expected in stages:
        report(rows, label, name, run_stage(stage, *args), expected)
    result = run_stage("predict", test, str(directory / "chunk.parquet"), 1, chunk)
    report(rows, label, f"predict chunk job ({chunk}, whole process)", result, min(chunk, n_unlabelled), True)
    return made["encode_s"] + made["write_s"]


def print_table(rows: list[dict]) -> None:
    print("\n| size | stage | images | seconds | images/s | peak MiB | anon MiB | load (1 min) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['size']} | {r['stage']} | {r['images']:,} | {r['seconds']:.2f} | {r['images'] / r['seconds']:,.0f} "
            f"| {r['peak_rss']:.0f} | {r['peak_anon']:.0f} | {r['load'][0]:.2f} |"
        )


def default_data() -> Path:
    """../shared/data/galaxyzoo beside the checkout (a worktree sits one level deeper)."""
    candidates = [base / "shared" / "data" / "galaxyzoo" for base in (ROOT.parent, ROOT.parent.parent)]
    return next((c for c in candidates if c.is_dir()), candidates[0])


def parse_size(text: str) -> int:
    if text.lower() in ("full", "141k"):
        return FULL
    return int(float(text[:-1]) * 1000) if text.lower().endswith("k") else int(text)


def terminated(signum: int, frame) -> None:
    raise SystemExit(128 + signum)  # run the finally blocks: stop the stage, delete the temporary folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[1000, 10_000, FULL],
                        help="images per set (labelled + unlabelled): N, Nk, or full/141k (= 141,553)")  # fmt: skip
    parser.add_argument("--workdir", default=tempfile.gettempdir(), help="where the temporary folder is made")
    parser.add_argument("--keep", action="store_true", help="keep the synthetic sets and results")
    parser.add_argument("--data", type=Path, default=default_data(), help="the shared data: real source JPEGs")
    parser.add_argument("--variants", type=int, default=4, help="encoded variants per real source image")
    parser.add_argument("--chunk", type=int, default=512, help="images of the predict_chunk-like job")
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")  # inherited by the stage processes
    signal.signal(signal.SIGTERM, terminated)
    run_dir = Path(tempfile.mkdtemp(prefix="bench_scale_", dir=args.workdir))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.1f} GiB memory, work folder {run_dir}", flush=True)  # fmt: skip
    try:
        start = time.perf_counter()
        train_ids, train_sources = load_sources(args.data / "training_images.tar.gz")
        _, test_sources = load_sources(args.data / "test_images.tar.gz")
        raw_labels = pd.read_csv(args.data / "training_classifications.csv", dtype=str).set_index("GalaxyID")
        print(f"sources: {len(train_sources):,} labelled + {len(test_sources):,} unlabelled real JPEGs, "
              f"read in {time.perf_counter() - start:.1f} s", flush=True)  # fmt: skip
        train_pool = VariantPool(train_sources, args.variants, seed=1)
        pools = ((train_pool, [str(i) for i in train_ids], raw_labels), VariantPool(test_sources, args.variants, 2))
        rows: list[dict] = []
        for n in sorted(args.sizes):
            directory = run_dir / f"n{n}"
            seconds = bench_size(directory, n, pools, rows, n == min(args.sizes), args.chunk)
            print(f"  generation of the {n:,}-image set: {seconds:.1f} s", flush=True)
            if not args.keep:
                shutil.rmtree(directory)
        print_table(rows)
    finally:
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            print(f"kept {run_dir}")


if __name__ == "__main__":
    main()

"""Rebuild this sample from the full-format files: a random subset of images, as .tar.gz, plus their label rows.

python data/sample/make_sample.py ../shared/data/galaxyzoo data/sample --train 500 --test 200 --seed 2026
"""

import argparse
import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd


def subset_tar(source: Path, target: Path, keep: set[str]) -> None:
    with tarfile.open(source, "r|gz") as src, tarfile.open(target, "w:gz") as dst:
        for info in src:
            if info.isfile() and Path(info.name).name in keep:
                data = src.extractfile(info).read()
                dst.addfile(info, io.BytesIO(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "source", type=Path, help="folder with training_images.tar.gz, ..._classifications.csv, test_images.tar.gz"
    )
    parser.add_argument("target", type=Path)
    parser.add_argument("--train", type=int, default=500)
    parser.add_argument("--test", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    labels = pd.read_csv(args.source / "training_classifications.csv")
    chosen = labels.iloc[np.sort(rng.choice(len(labels), args.train, replace=False))]
    lines = (args.source / "training_classifications.csv").read_text().splitlines(keepends=True)
    (args.target / "training_classifications.csv").write_text(
        "".join([lines[0], *(lines[i + 1] for i in chosen.index)])
    )
    subset_tar(
        args.source / "training_images.tar.gz",
        args.target / "training_images.tar.gz",
        {f"{i}.jpg" for i in chosen["GalaxyID"]},
    )
    with tarfile.open(args.source / "test_images.tar.gz", "r|gz") as src:
        test_names = sorted(Path(i.name).name for i in src if i.isfile())
    keep = set(rng.choice(test_names, args.test, replace=False))
    subset_tar(args.source / "test_images.tar.gz", args.target / "test_images.tar.gz", keep)


if __name__ == "__main__":
    main()

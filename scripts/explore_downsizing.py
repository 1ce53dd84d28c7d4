"""Figure: a few galaxies before downsizing (the original JPEG) and after (the stored field and the network view).

The originals are the first galaxies of the raw archive that are in the labelled set; reading stops there. The
geometry is the shard set's own (its summary.json).

    python scripts/explore_downsizing.py --train-images data/sample/training_images.tar.gz \
        --train-index results/data/train/index.parquet --figure results/figures/explore/downsizing.png
"""

import io
import logging
from itertools import islice

import numpy as np
from PIL import Image

from gzmorph import binding
from gzmorph.archives import iter_images
from gzmorph.figures import save_figure
from gzmorph.figures.explore import downsizing_figure
from gzmorph.geometry import center_crop
from gzmorph.shards import ShardSet

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("train_images", "raw labelled images (.tar.gz, .tar, .zip or directory)"),
        binding.TRAIN_INDEX,
    ),
    outputs=(binding.FIGURE,),
    settings=("explore",),
)


def first_originals(archive: str, wanted: set[int], n: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """GalaxyIDs and decoded RGB originals of the first ``n`` images of ``archive`` that are in ``wanted``."""
    images = iter_images(archive, wanted=wanted)
    found = list(islice(images, n))
    images.close()  # stop reading the archive
    ids = np.array([gid for gid, _, _ in found], dtype=np.uint64)
    return ids, [np.asarray(Image.open(io.BytesIO(data)).convert("RGB")) for _, _, data in found]


def main(args) -> None:
    shards = ShardSet.of_index(args.train_index)
    geometry = shards.geometry
    ids, originals = first_originals(args.train_images, set(shards.ids.tolist()), args.explore.n_downsizing_examples)
    if not len(ids):
        raise ValueError(f"{args.train_images}: none of its images is in {args.train_index}")
    fields = shards.subset(ids).images(np.arange(len(ids)))
    figure = downsizing_figure(
        originals, fields, center_crop(fields, geometry.size), ids.tolist(), geometry.field_px, geometry.crop_px
    )
    save_figure(figure, args.figure)
    logging.info("wrote %s (GalaxyIDs %s)", args.figure, ids.tolist())


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))

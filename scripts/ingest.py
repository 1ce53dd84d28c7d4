"""Check an image archive (and, for a labelled set, its classifications CSV) and write the table of images to
preprocess: GalaxyID, archive member and, if labelled, the 37 labels.

    python scripts/ingest.py --imageset train --images data/sample/training_images.tar.gz \
        --labels data/sample/training_classifications.csv --members results/data/train/members.parquet
"""

import logging

from gzmorph import binding
from gzmorph.ingest import ingest
from gzmorph.io import write_table

INTERFACE = binding.Interface(
    __doc__,
    inputs=(
        binding.Files("images", ".tar.gz, .tar, .zip or directory of <GalaxyID>.jpg"),
        binding.Files("labels", "Kaggle classifications CSV; omitted for an unlabelled set", optional=True),
    ),
    outputs=(binding.Files("members", "output Parquet: GalaxyID, member [, 37 labels]"),),
    wildcards=("imageset",),
)


def main(args) -> None:
    members = ingest(args.images, args.labels)
    write_table(members, args.members)
    logging.info("wrote %s (%s set: %d images)", args.members, args.imageset, len(members))


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))

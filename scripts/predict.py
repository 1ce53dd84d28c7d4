"""Predict the 37 Galaxy Zoo vote fractions for every JPEG or PNG in a folder or archive; no labels needed.

    python scripts/predict.py --model results/models/best/model.pt --images PATH --out catalogue.fits

The workflow's hand-run form of the ``gzmorph predict`` command (``gzmorph.command.predict_catalogue``, the same
code), with the test-time augmentation and batch size of section predict of --configfile (config.yaml by default),
so the catalogue matches the workflow's for the same images. PATH is a directory, .zip, .tar or .tar.gz of images of
any name and size; the ID of each is its file stem. The output suffix picks the format: .csv (the Kaggle submission
columns), .parquet, .fits or .ecsv (units, descriptions and the model's identity; see docs/outputs.md).
"""

from gzmorph import binding
from gzmorph.command import predict_catalogue

INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.MODEL, binding.Files("images", "directory, .zip, .tar or .tar.gz of JPEG or PNG images")),
    outputs=(binding.Files("out", "catalogue to write: .csv (Kaggle columns), .parquet, .fits or .ecsv"),),
    settings=("predict",),
)


def main(args) -> None:
    predict_catalogue(args.model, [args.images], args.out, args.predict.tta, args.predict.batch_size, args.threads)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))

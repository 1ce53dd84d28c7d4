"""Predict the 37 Galaxy Zoo vote fractions for every <GalaxyID>.jpg in a folder or archive; no labels needed.

    python scripts/predict.py --model results/models/best/model.pt --images PATH --out catalogue.csv

PATH is a directory, .zip, .tar or .tar.gz of <GalaxyID>.jpg, of any image size. The output suffix picks the format:
.csv is the Kaggle submission format (GalaxyID,Class1.1,...,Class11.6), .parquet a Parquet table with the same
columns. Test-time augmentation and batch size are the workflow's (section predict of --configfile, config.yaml by
default), so the catalogue matches the workflow's for the same images.
"""

from gzmorph import cli
from gzmorph.catalogue import output_format, write_catalogue
from gzmorph.device import pick_device
from gzmorph.inference import predict_images
from gzmorph.models import load_model

INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.MODEL, cli.Files("images", "directory, .zip, .tar or .tar.gz of <GalaxyID>.jpg")),
    outputs=(cli.Files("out", "catalogue to write: .csv (Kaggle format) or .parquet"),),
    settings=("predict",),
)


def main(args) -> None:
    output_format(args.out)  # fail before loading anything
    device = pick_device(args.threads)
    model, saved = load_model(args.model, device)
    frames = predict_images(
        model, args.images, saved.geometry, device, args.predict.tta, args.predict.batch_size, args.threads
    )
    write_catalogue(frames, args.out)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))

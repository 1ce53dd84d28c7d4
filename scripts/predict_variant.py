"""Predict the whole unlabelled set with one of the other trained models ({model}), single view: the second
opinion behind the model systematic of the merger fraction."""

from gzmorph import cli
from gzmorph.catalogue import write_catalogue
from gzmorph.device import pick_device
from gzmorph.inference import check_shard_geometry, predict_shards
from gzmorph.models import load_model
from gzmorph.shards import ShardSet

INTERFACE = cli.Interface(
    __doc__,
    inputs=(cli.Files("model_pt", "the model's checkpoint"), cli.TEST_INDEX),
    outputs=(cli.Files("predictions", "Parquet catalogue of the unlabelled set"),),
    settings=("predict",),
    wildcards=("model",),
)


def main(args) -> None:
    shard_set = ShardSet.of_index(args.test_index)
    device = pick_device(args.threads)
    model, saved = load_model(args.model_pt, device)
    check_shard_geometry(shard_set, saved.geometry)
    write_catalogue(predict_shards(model, shard_set, device, 1, args.predict.batch_size), args.predictions)


if __name__ == "__main__":
    cli.run(main, INTERFACE, globals().get("snakemake"))

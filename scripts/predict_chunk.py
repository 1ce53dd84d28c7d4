"""Predict one chunk ({chunk}: a slice of ``predict.chunk_size`` positions) of a preprocessed image set with the
best model, the ensemble of fold models: the scatter step. The catalogue holds the ensemble's mean, its spread over
the TTA views (<column>_std) and each fold model's merger vote (Class8.6_fold<k>)."""

import json
import logging

import numpy as np

from gzmorph import binding
from gzmorph.catalogue import write_catalogue
from gzmorph.device import pick_device
from gzmorph.inference import check_shard_geometry, predict_shards
from gzmorph.models import load_model
from gzmorph.shards import ShardSet

INTERFACE = binding.Interface(
    __doc__,
    inputs=(binding.MODEL, binding.TARGET_INDEX, binding.Files("plan", "the chunk plan JSON")),
    outputs=(binding.Files("predictions", "Parquet catalogue of this chunk"),),
    settings=("predict",),
    wildcards=("chunk",),
)


def main(args) -> None:
    shard_set = ShardSet.of_index(args.target_index)
    plan = json.loads(open(args.plan).read())
    if plan["chunk_size"] != args.predict.chunk_size or plan["n_images"] != len(shard_set):
        raise ValueError(f"{args.plan}: planned for other chunks or images than {args.target_index} now holds")
    start = int(args.chunk) * args.predict.chunk_size
    if not 0 <= start < len(shard_set):
        raise ValueError(f"{args.target_index}: chunk {args.chunk} starts at {start}, past its {len(shard_set)} images")
    positions = np.arange(start, min(start + args.predict.chunk_size, len(shard_set)))
    device = pick_device(args.threads)
    model, saved = load_model(args.model, device)
    check_shard_geometry(shard_set, saved.geometry)
    logging.info(
        "chunk %s: positions %d-%d of %d, tta %d", args.chunk, start, positions[-1], len(shard_set), args.predict.tta
    )
    frames = predict_shards(model, shard_set, device, args.predict.tta, args.predict.batch_size, positions)
    write_catalogue(frames, args.predictions)


if __name__ == "__main__":
    binding.run(main, INTERFACE, globals().get("snakemake"))

# Shared helpers: raw inputs per image set and the list of final targets.
IMAGE_SETS = {"train": config["train_images"], "test": config["test_images"]}


wildcard_constraints:
    imageset="train|test",


def raw_images(wildcards):
    return IMAGE_SETS[wildcards.imageset]


def raw_labels(wildcards):
    return {"labels": config["train_labels"]} if wildcards.imageset == "train" else {}


def all_targets():
    return [
        "results/data/train/index.parquet",
        "results/data/test/index.parquet",
        "results/data/split.parquet",
        "results/baseline/mean.json",
    ]

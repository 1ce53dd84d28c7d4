# The data products: each raw archive ({imageset}: train, the labelled set, or target, the unlabelled one) is checked
# into a table of members, then decoded into uint8 NPY shards with a Parquet index and a summary.json (its geometry,
# read by every later step); the labelled set is split into train and validation subsets, and the mean-label
# baseline is scored on both.


rule ingest:
    input:
        unpack(raw_labels),
        images=raw_images,
    output:
        members="results/data/{imageset}/members.parquet",
    log:
        log="results/logs/ingest/{imageset}.log",
    benchmark:
        "results/benchmarks/ingest/{imageset}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/ingest.py"


rule preprocess:
    input:
        members=rules.ingest.output.members,
        images=raw_images,
    output:
        index="results/data/{imageset}/index.parquet",
        shards=directory("results/data/{imageset}/shards"),
        rejects=report(
            "results/data/{imageset}/rejects.csv",
            caption="../report/rejects.rst",
            category="Data",
            labels={"title": "Images of the {imageset} set that failed to decode"},
        ),
        summary=report(
            "results/data/{imageset}/summary.json",
            caption="../report/preprocess_summary.rst",
            category="Data",
            labels={"title": "Preprocessing of the {imageset} set"},
        ),
    log:
        log="results/logs/preprocess/{imageset}.log",
    benchmark:
        "results/benchmarks/preprocess/{imageset}.tsv"
    conda:
        "../envs/data.yaml"
    threads: 8
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        preprocess=config_slice("preprocess"),
        ingest=config_slice("ingest"),
    script:
        "../scripts/preprocess.py"


# The labelled shard set's index (its shards and summary.json beside it), read by most later rules.
TRAIN_INDEX = one(rules.preprocess.output.index, imageset="train")


rule split:
    input:
        train_index=TRAIN_INDEX,
    output:
        split_table="results/data/split.parquet",
    log:
        log="results/logs/split.log",
    benchmark:
        "results/benchmarks/split.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        split=config_slice("split"),
        merger_definition=config_slice("merger_definition"),
    script:
        "../scripts/split.py"


# The labelled set as the training and evaluation rules read it: its index and its split.
TRAIN_DATA = {"train_index": TRAIN_INDEX, "split": rules.split.output.split_table}


rule baseline:
    input:
        **TRAIN_DATA,
    output:
        baseline=report(
            "results/baseline/mean.json",
            caption="../report/baseline.rst",
            category="Models",
            labels={"title": "Mean-label baseline"},
        ),
    log:
        log="results/logs/baseline.log",
    benchmark:
        "results/benchmarks/baseline.tsv"
    conda:
        "../envs/data.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/baseline.py"

# Raw archives -> checked member tables -> uint8 NPY shards + Parquet index -> split -> mean baseline.


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
        members="results/data/{imageset}/members.parquet",
        images=raw_images,
    output:
        index="results/data/{imageset}/index.parquet",
        shards=directory("results/data/{imageset}/shards"),
        rejects="results/data/{imageset}/rejects.csv",
        summary="results/data/{imageset}/summary.json",
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
        crop_px=config["preprocess"]["crop_px"],
        size=config["preprocess"]["size"],
        shard_size=config["preprocess"]["shard_size"],
        max_reject_fraction=config["ingest"]["max_reject_fraction"],
    script:
        "../scripts/preprocess.py"


rule split:
    input:
        index="results/data/train/index.parquet",
    output:
        split="results/data/split.parquet",
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
        validation_fraction=config["split"]["validation_fraction"],
        seed=config["split"]["seed"],
    script:
        "../scripts/split.py"


rule baseline:
    input:
        index="results/data/train/index.parquet",
        split="results/data/split.parquet",
    output:
        metrics=report(
            "results/baseline/mean.json",
            caption="../report/baseline.rst",
            category="Baselines",
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

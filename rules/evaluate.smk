# Evaluation figures and tables: one rule per figure. Inputs come from rules/models.smk (the training history of each
# model, the chosen model and its validation predictions) and rules/data.smk (labelled shard set, split, mean
# baseline); the network view shown is the labelled shard set's own geometry.


rule evaluate_validation_curves:
    input:
        histories=expand("results/models/{model}/history.csv", model=MODEL_NAMES),
        baseline="results/baseline/mean.json",
    output:
        figure=report(
            "results/figures/evaluate/validation_curves.png",
            caption="../report/validation_curves.rst",
            category="Evaluation",
        ),
    log:
        log="results/logs/evaluate_validation_curves.log",
    benchmark:
        "results/benchmarks/evaluate_validation_curves.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    script:
        "../scripts/evaluate_validation_curves.py"


rule evaluate_true_vs_predicted:
    input:
        predictions="results/models/best_validation_predictions.parquet",
        choice="results/models/best.json",
        train_index="results/data/train/index.parquet",
        split="results/data/split.parquet",
    output:
        figure=report(
            "results/figures/evaluate/true_vs_predicted.png",
            caption="../report/true_vs_predicted.rst",
            category="Evaluation",
        ),
        table=report(
            "results/tables/per_label_rmse.csv",
            caption="../report/per_label_rmse.rst",
            category="Evaluation",
        ),
    log:
        log="results/logs/evaluate_true_vs_predicted.log",
    benchmark:
        "results/benchmarks/evaluate_true_vs_predicted.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/evaluate_true_vs_predicted.py"


rule evaluate_extremes:
    input:
        predictions="results/models/best_validation_predictions.parquet",
        choice="results/models/best.json",
        train_index="results/data/train/index.parquet",
        split="results/data/split.parquet",
    output:
        figure=report(
            "results/figures/evaluate/extremes.png",
            caption="../report/extremes.rst",
            category="Evaluation",
        ),
    log:
        log="results/logs/evaluate_extremes.log",
    benchmark:
        "results/benchmarks/evaluate_extremes.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        evaluate=config_slice("evaluate"),
    script:
        "../scripts/evaluate_extremes.py"

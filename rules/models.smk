# Models: cross-validate the custom-CNN settings, train resnet18 and cnn ({model}) with the same recipe, draw each
# training curve, count parameters and publish the better of the two as results/models/best/. A train job that is
# stopped resumes from results/models/{model}/checkpoint.pt (deliberately not an output: Snakemake deletes the
# outputs of failed jobs, and the checkpoint must outlive one).


rule cross_validate:
    input:
        **TRAIN_DATA,
    output:
        folds=report(
            "results/models/cv/folds.csv",
            caption="../report/cv_folds.rst",
            category="Models",
        ),
        best_setting="results/models/cv/best_setting.json",
        figure=report(
            "results/figures/models/cv_scores.png",
            caption="../report/cv_scores.rst",
            category="Models",
        ),
    log:
        log="results/logs/cross_validate.log",
    benchmark:
        "results/benchmarks/cross_validate.tsv"
    conda:
        "../envs/models.yaml"
    threads: 8
    resources:
        mem_mb=16000,
        runtime=240,
    params:
        cross_validation=config_slice("cross_validation"),
    script:
        "../scripts/cross_validate.py"


rule train:
    input:
        unpack(train_inputs),
    output:
        model_pt="results/models/{model}/model.pt",
        history="results/models/{model}/history.csv",
        validation_predictions="results/models/{model}/validation_predictions.parquet",
        metrics="results/models/{model}/metrics.json",
    log:
        log="results/logs/train/{model}.log",
    benchmark:
        "results/benchmarks/train/{model}.tsv"
    wildcard_constraints:
        model="|".join(ARCHITECTURES),
    conda:
        "../envs/models.yaml"
    threads: 8
    resources:
        mem_mb=16000,
        runtime=180,
    params:
        train=config_slice("train"),
    script:
        "../scripts/train.py"


rule training_curve:
    input:
        history="results/models/{model}/history.csv",
        metrics="results/models/{model}/metrics.json",
        baseline="results/baseline/mean.json",
    output:
        figure=report(
            "results/figures/models/{model}_training.png",
            caption="../report/training_curve.rst",
            category="Models",
            subcategory="{model}",
        ),
    log:
        log="results/logs/training_curve/{model}.log",
    benchmark:
        "results/benchmarks/training_curve/{model}.tsv"
    conda:
        "../envs/figures.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/training_curve.py"


rule publish_best:
    input:
        **TRAIN_DATA,
        models=expand("results/models/{model}/model.pt", model=ARCHITECTURES),
        metrics=expand("results/models/{model}/metrics.json", model=ARCHITECTURES),
        validation_predictions=expand(
            "results/models/{model}/validation_predictions.parquet",
            model=ARCHITECTURES,
        ),
    output:
        model_pt="results/models/best/model.pt",
        best_metrics=report(
            "results/models/best/metrics.json",
            caption="../report/best_choice.rst",
            category="Models",
        ),
        best_validation_predictions="results/models/best/validation_predictions.parquet",
    log:
        log="results/logs/publish_best.log",
    benchmark:
        "results/benchmarks/publish_best.tsv"
    conda:
        "../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        model_choice=config_slice("model_choice"),
    script:
        "../scripts/publish_best.py"


rule count_parameters:
    input:
        models=expand("results/models/{model}/model.pt", model=ARCHITECTURES),
        train_summary="results/data/train/summary.json",
        split=TRAIN_DATA["split"],
    output:
        table=report(
            "results/tables/parameters.csv",
            caption="../report/parameters.rst",
            category="Models",
        ),
    log:
        log="results/logs/count_parameters.log",
    benchmark:
        "results/benchmarks/count_parameters.tsv"
    conda:
        "../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/count_parameters.py"

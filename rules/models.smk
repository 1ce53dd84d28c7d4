# Models: cross-validate the custom-CNN settings; train fold model {fold} of each compared candidate ({model}) with the
# same recipe, each its own job; choose the candidate on fold 0 (every compared candidate trains it and is scored on
# its held-out galaxies) and train the other models.folds - 1 fold models of the chosen one only; draw each candidate's
# training curves, count parameters and publish the chosen candidate's ensemble of fold models as
# results/models/best/, with the out-of-fold predictions and the merger calibration table. A train job that is
# stopped resumes from results/models/{model}/fold{fold}/checkpoint.pt (deliberately not an output: Snakemake deletes
# the outputs of failed jobs, and the checkpoint must outlive one).


rule cross_validate:
    input:
        **TRAIN_DATA,
    output:
        folds=report(
            "results/models/cv/folds.csv",
            caption="../report/cv_folds.rst",
            category="Models",
            labels={"title": "Cross-validation folds"},
        ),
        best_setting="results/models/cv/best_setting.json",
        figure=report(
            "results/figures/models/cv_scores.png",
            caption="../report/cv_scores.rst",
            category="Models",
            labels={"title": "Cross-validation of the custom CNN"},
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
        model_pt="results/models/{model}/fold{fold}/model.pt",
        history="results/models/{model}/fold{fold}/history.csv",
        metrics="results/models/{model}/fold{fold}/metrics.json",
        predictions="results/models/{model}/fold{fold}/predictions.parquet",
    log:
        log="results/logs/train/{model}/fold{fold}.log",
    benchmark:
        "results/benchmarks/train/{model}/fold{fold}.tsv"
    wildcard_constraints:
        model="|".join(CANDIDATES),
    conda:
        "../envs/models.yaml"
    threads: 8
    resources:
        mem_mb=16000,
        runtime=180,
    params:
        train=config_slice("train"),
        views=config_slice("views"),
    script:
        "../scripts/train.py"


checkpoint choose_architecture:
    input:
        **TRAIN_DATA,
        predictions=expand(rules.train.output.predictions, model=CANDIDATES, fold=0),
    output:
        choice="results/models/architecture_choice.json",
    log:
        log="results/logs/choose_architecture.log",
    benchmark:
        "results/benchmarks/choose_architecture.tsv"
    conda:
        "../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        model_choice=config_slice("model_choice"),
        views=config_slice("views"),
    script:
        "../scripts/choose_architecture.py"


rule training_curve:
    input:
        histories=lambda wildcards: expand(
            rules.train.output.history,
            model=wildcards.model,
            fold=folds_of(wildcards.model),
        ),
        metrics=one(rules.train.output.metrics, fold=0),
        baseline=rules.baseline.output.baseline,
    output:
        figure=report(
            "results/figures/models/{model}_training.png",
            caption="../report/training_curve.rst",
            category="Models",
            subcategory="{model}",
            labels={"title": "Training curve: {model}"},
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
        choice=rules.choose_architecture.output.choice,
        models=chosen_fold_files("model_pt"),
        metrics=chosen_fold_files("metrics"),
        predictions=chosen_fold_files("predictions"),
    output:
        model_pt="results/models/best/model.pt",
        best_metrics=report(
            "results/models/best/metrics.json",
            caption="../report/best_choice.rst",
            category="Models",
            labels={"title": "The chosen model"},
        ),
        oof_predictions="results/models/best/oof_predictions.parquet",
        calibration="results/predictions/merger_calibration.parquet",
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
        views=config_slice("views"),
    script:
        "../scripts/publish_best.py"


rule count_parameters:
    input:
        models=expand(rules.train.output.model_pt, model=CANDIDATES, fold=0),
        train_summary=one(rules.preprocess.output.summary, imageset="train"),
        split=TRAIN_DATA["split"],
    output:
        table=report(
            "results/tables/parameters.csv",
            caption="../report/parameters.rst",
            category="Models",
            labels={"title": "Parameters against training pixels"},
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

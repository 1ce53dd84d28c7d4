# gzmorph: Galaxy Zoo morphology CNNs and the galaxy merger fraction.
# Run: snakemake --cores all   (see README.md; outputs land in results/)
import os

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


report: "report/workflow.rst"


# Scripts import the shared package gzmorph. Putting this folder on every job's path makes that work inside the
# per-rule conda environments too (--software-deployment-method conda), where gzmorph is not pip-installed.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [workflow.basedir, os.environ.get("PYTHONPATH")])
    )
)


include: "rules/common.smk"


rule all:
    default_target: True
    input:
        all_targets(),


include: "rules/data.smk"
include: "rules/explore.smk"
include: "rules/models.smk"
include: "rules/evaluate.smk"
include: "rules/predict.smk"
include: "rules/report.smk"

# gzmorph: Galaxy Zoo morphology CNNs and the galaxy merger fraction.
# Run: snakemake --cores all   (see README.md; outputs land in results/)
import os

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

from gzmorph.settings import INPUT_PATHS, check_renamed_keys

min_version("9.0")


configfile: "config.yaml"


# A key of an earlier version is named with its new name before the schema calls it unknown.
try:
    check_renamed_keys(config)
except ValueError as error:
    raise WorkflowError(str(error)) from None

validate(config, "gzmorph/config.schema.yaml")


# A missing input must stop the run even when every output exists already (Snakemake checks inputs only of the
# jobs it runs, so a finished run would otherwise report "Nothing to be done").
for key in INPUT_PATHS:
    if not os.path.exists(config[key]):
        raise WorkflowError(f"config {key}: {config[key]!r}: no such file or directory")


report: "report/workflow.rst"


# Scripts import the shared package gzmorph. Putting this folder on every job's path makes that work inside the
# per-rule conda environments too (--software-deployment-method conda), where gzmorph is not pip-installed.
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        filter(None, [workflow.basedir, os.environ.get("PYTHONPATH")])
    )
)


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/explore.smk"
include: "rules/models.smk"
include: "rules/evaluate.smk"
include: "rules/predict.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),


onsuccess:
    from gzmorph.summary import summary_lines

    documents = {
        "HTML report": rules.html_report.output.html,
        "merger write-up": rules.merger_report.output.report,
    }
    print(
        "\n".join(["", "Results of this run:", *summary_lines(HEADLINE, documents)])
    )

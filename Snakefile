# gzmorph: Galaxy Zoo morphology CNNs and the galaxy merger fraction.
# Run: snakemake --cores all   (see README.md; outputs land in results/)
import os

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version

from gzmorph.config import ConfigError, complete_config
from gzmorph.settings import INPUT_PATHS

min_version("9.0")


configfile: "config.yaml"


# Every key not in the files gets its default (gzmorph/settings.py); a bad key stops the run naming its file. The
# files in the order they override each other: the configfile above, then those of --configfile, then --config.
cli_configfiles = workflow.config_settings.configfiles
config_sources = [f for f in workflow.configfiles if f not in cli_configfiles]
try:
    completed = complete_config(
        config, [*config_sources, *cli_configfiles], workflow.config_settings.config
    )
except ConfigError as error:
    raise WorkflowError(f"config:\n{error}") from None
config.clear()
config.update(completed)


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

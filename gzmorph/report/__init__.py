"""The run's report as one self-contained HTML page: headline numbers first, then every figure and table inline.

Modules by job: ``sections`` (which file goes where: data the Snakefile reads), ``convert`` (CSV, JSON, Markdown,
captions and images into what the template shows), ``landing`` (the headline cards, the models and the merger
result), ``render`` (the page from templates/page.html.j2 with autoescape, CSS in templates/report.css) and
``files`` (reading the inputs, writing the page). Figures are embedded as base64 PNG and the page has no scripts
and loads nothing, so it can be mailed as one file. Nothing is imported here, so the Snakefile's import of
``sections`` loads no Jinja.
"""

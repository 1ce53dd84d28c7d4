"""The merger fraction and merger rate of an unlabelled image set, from CNNs' predicted Class8.6 vote fractions.

The method is described in docs/method.md ("Merger fraction and rate"). Modules by job: ``estimators`` (PACC, ACC
median sweep, CC, mean vote on binned predictions), ``per_fold_model`` (K fold models, each calibrated on its own
rows, the galaxy bootstrap, p_merger), ``bayes`` (a Bayesian cross-check), ``coverage`` (the known-answer
diagnostic), ``analysis`` (the one entry point), ``result`` (the typed result; every estimator's name, once),
``settings`` and ``reference`` (config section and reference data), ``rates``, ``literature``, ``theory``, ``scale``
(rates and context), ``tables`` and ``report`` (the one rendering of each table). The figures are in
``gzmorph.figures`` (``mergers``, ``merger_comparison``).
Nothing is imported here, so that the light modules (``result``, ``tables``) load without scipy or matplotlib.
"""

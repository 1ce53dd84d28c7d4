"""The merger fraction and merger rate of an unlabelled image set, from a CNN's predicted Class8.6 vote fractions.

Method
------
1. **What is counted.** A galaxy is a *true merger* when its volunteer vote fraction Class8.6 (the share of all
   volunteers who answered "merger": P(odd) x P(merger | odd)) is at least ``true_threshold`` (0.4). The network
   predicts Class8.6 for the target (unlabelled) set; a held-out labelled TEST subset, never seen by training or
   model selection, has both the prediction and the volunteer value: these are the *calibration galaxies*.
2. **Estimators** (``estimators``). Counting target galaxies above a threshold (CC) or averaging the predicted vote
   carries the calibration set's merger fraction into the answer, because the network regresses to the mean.
   Adjusted classify and count, ACC = (CC - FPR) / (TPR - FPR), and its probabilistic form PACC (a logistic
   calibration of prediction -> P(true merger), adjusted the same way) are unbiased whenever mergers and non-mergers
   look alike in both sets, whatever the target's merger fraction. The first of ``adopted`` (PACC, of smaller
   variance, then ACC) that passes the known-answer test below is quoted; with fewer than
   ``min_calibration_mergers`` true mergers among the calibration galaxies the mean vote is adopted instead, and
   the result and the log say so.
3. **Known-answer test** (``coverage``). Target sets with 0.25x, 1x and 4x the calibration merger fraction are cut
   from the calibration galaxies (disjoint from the galaxies that calibrate them), many times over; the bias of
   every estimator (median and mean) and the coverage of its 68 % interval are measured. The former count-matching
   threshold fails it at 0.25x and 4x and is therefore only shown there.
4. **Error budget** (``uncertainty``). Statistical: a bootstrap resampling target and calibration galaxies
   together. Systematic: the merger definition (true_threshold 0.3 / 0.4 / 0.5) and the model (every other trained
   model), each half the range of its values. The total 68 % interval adds them in quadrature.
5. **Rates** (``rates``, ``literature``, ``theory``). R = f / T_obs with the timescale of the method that found the
   mergers (visual: 0.2 - 0.4 Gyr, Lotz et al. 2010a,b); every literature value keeps its own quantity, selection
   and timescale (close pairs: Kitzbichler & White 2008 for their own separation and velocity cut); the Illustris
   major-merger rate (Rodriguez-Gomez et al. 2015) is integrated and averaged over the sample's mass and redshift.
6. **Context** (``scale``, config ``corrections``): the physical field of a GZ2 image, and every correction that
   separates our number from the literature's, with whether it is applied, its size and its source.

Entry points: ``analyse`` (arrays -> JSON-ready dict), ``draw_figures`` (dict + arrays -> matplotlib Figures),
``render_markdown`` (dict -> Markdown), all configured by ``MergerSettings.from_config(config["mergers"])``.
"""

from gzmorph.mergers.analysis import analyse
from gzmorph.mergers.figures import GalleryImages, draw_figures, highest_predicted
from gzmorph.mergers.report import render_markdown
from gzmorph.mergers.settings import MergerSettings

__all__ = ["GalleryImages", "MergerSettings", "analyse", "draw_figures", "highest_predicted", "render_markdown"]

"""Every figure function returns a Figure with the right panels, titled and with labelled axes."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from gzmorph.explore import correlation_matrix, ks_table
from gzmorph.figures import evaluate as evaluate_figures
from gzmorph.figures import explore as explore_figures
from gzmorph.figures import save_figure
from gzmorph.figures.training import training_curve_figure
from gzmorph.labels import LABEL_COLUMNS, N_LABELS, display_name


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def labels():
    return np.random.default_rng(0).random((60, N_LABELS))


def images(n, side=20):
    return np.random.default_rng(1).integers(0, 256, size=(n, side, side, 3), dtype=np.uint8)


def image_panels(fig):
    return [ax for ax in fig.axes if ax.get_images()]


def test_random_images_grid_has_one_titled_panel_per_image():
    ids = list(range(900000, 900025))
    fig = explore_figures.random_images_figure(images(25), ids, "central view")
    panels = image_panels(fig)
    assert len(panels) == 25 == len(fig.axes)
    assert [ax.get_title() for ax in panels] == [str(i) for i in ids]
    assert "central view" in fig.get_suptitle()


def test_prototypes_titles_carry_name_id_and_value():
    ids = np.arange(N_LABELS) + 800000
    fig = explore_figures.prototypes_figure(images(N_LABELS), ids, np.linspace(0.1, 0.9, N_LABELS), "view")
    panels = image_panels(fig)
    assert len(panels) == N_LABELS == len(fig.axes)
    assert (
        panels[5].get_title() == f"{display_name(LABEL_COLUMNS[5])}\n800005: {np.linspace(0.1, 0.9, N_LABELS)[5]:.2f}"
    )


@pytest.mark.parametrize("split", [False, True])
def test_label_histograms_one_labelled_panel_per_label(labels, split):
    if split:
        fig = explore_figures.split_histograms_figure(labels[:40], labels[40:], ks_table(labels[:40], labels[40:]), 10)
    else:
        fig = explore_figures.label_histograms_figure(labels, 10, "60 galaxies")
    assert len(fig.axes) == N_LABELS
    for ax, col in zip(fig.axes, LABEL_COLUMNS, strict=True):
        assert ax.get_title() == display_name(col)
        assert ax.get_xlabel() == "vote fraction" and ax.get_ylabel() == "density"
        assert len(ax.patches) > 0
    if split:
        assert len(fig.legends) == 1
        assert "KS D=" in fig.axes[0].texts[0].get_text()


def test_correlation_heatmap_has_ticks_for_every_label_and_a_colorbar(labels):
    fig = explore_figures.correlation_matrix_figure(correlation_matrix(labels), len(labels))
    heatmap, colorbar = fig.axes
    assert [t.get_text() for t in heatmap.get_xticklabels()] == [display_name(c) for c in LABEL_COLUMNS]
    assert len(heatmap.get_yticklabels()) == N_LABELS
    assert heatmap.get_images()[0].get_clim() == (-1, 1)
    assert colorbar.get_ylabel() == "Pearson correlation coefficient"
    assert heatmap.get_xlabel() and heatmap.get_ylabel() and heatmap.get_title()


def test_downsizing_shows_three_sizes_per_galaxy():
    originals = list(images(2, side=100))
    fig = explore_figures.downsizing_figure(originals, images(2, 34), images(2, 24), [1, 2], field_px=70.0, crop_px=50)
    assert len(image_panels(fig)) == 6
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "1: original 100x100 px"
    assert titles[1].startswith("stored field 34x34 px") and titles[2].startswith("network view 24x24 px")


def test_validation_curves_one_line_per_fold_model_one_legend_entry_per_architecture_plus_baseline():
    history = pd.DataFrame({"images_seen": [100, 200, 300], "validation_rmse": [0.2, 0.15, 0.12]})
    fig = evaluate_figures.validation_curves_figure(
        {"resnet18": [history, history + 0.02], "cnn": [history + 0.03]}, 0.166
    )  # the chosen architecture's fold models, and fold 0 of the other
    (ax,) = fig.axes
    assert len(ax.lines) == 4
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["resnet18, 2 fold models (last: mean 0.1300)", "cnn, 1 fold model (last: mean 0.1500)",
                     "mean-label baseline (0.1660)"]  # fmt: skip
    assert ax.get_xlabel() == "training images seen" and "RMSE" in ax.get_ylabel()


def test_training_curve_draws_every_folds_rmses_the_kept_last_weights_and_the_learning_rate_on_a_log_axis():
    history = pd.DataFrame({"images_seen": [100, 200, 300, 400], "train_rmse": [0.2, 0.17, 0.15, 0.14],
                            "validation_rmse": [0.19, 0.16, 0.161, 0.15], "lr": [1e-3, 1e-3, 5e-4, 1e-4]})  # fmt: skip
    fig = training_curve_figure({0: history, 1: history.assign(validation_rmse=history["validation_rmse"] + 0.01)},
                                "cnn", 0.17)  # fmt: skip
    ax, rate = fig.axes
    assert rate.get_yscale() == "log" and rate.get_ylabel() == "learning rate"
    assert list(rate.lines[0].get_ydata()[-4:]) == [1e-3, 1e-3, 5e-4, 1e-4]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[-1] == "learning rate (right axis)" and "kept model (last weights)" in labels
    assert {"fold 0: held out", "fold 1: held out", "fold 1: training"} <= set(labels)
    stars = [line for line in ax.lines if line.get_marker() == "*" and len(line.get_xdata())]
    assert [(s.get_xdata()[0], s.get_ydata()[0]) for s in stars] == [(400, 0.15), (400, 0.16)]
    plt.close(fig)
    averaged = training_curve_figure({0: history}, "cnn", 0.17, ema_decay=0.99)
    assert "fold 0: held out, moving average of the weights (decay 0.99)" in [
        t.get_text() for t in averaged.axes[0].get_legend().get_texts()
    ]
    plt.close(averaged)


def test_true_vs_predicted_panels_are_square_unit_boxes_with_rmse(labels):
    rmse = np.full(N_LABELS, 0.1)
    fig = evaluate_figures.true_vs_predicted_figure(labels, labels[::-1], rmse, "best")
    assert len(fig.axes) == N_LABELS
    for ax, col in zip(fig.axes, LABEL_COLUMNS, strict=True):
        assert ax.get_title() == display_name(col)
        assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1) and ax.get_aspect() == 1
        assert ax.get_xlabel() == "true" and ax.get_ylabel() == "predicted"
        assert ax.texts[0].get_text() == "RMSE 0.100"


def test_extremes_has_two_rankings_of_n_per_label():
    def group():
        return {"images": images(3), "ids": [7, 8, 9], "true": [0.9, 0.8, 0.7], "predicted": [0.5, 0.6, 0.4]}

    fig = evaluate_figures.extremes_figure(["Class1.1", "Class8.6"], [group(), group()], [group(), group()], "best")
    panels = image_panels(fig)
    assert len(panels) == 2 * 2 * 3
    assert panels[0].get_title() == "7\ntrue 0.90 pred 0.50"
    assert {ax.get_ylabel() for ax in panels if ax.get_ylabel()} == {display_name("Class1.1"), display_name("Class8.6")}


def test_save_figure_writes_a_png_atomically_and_closes_the_figure(tmp_path):
    fig = explore_figures.random_images_figure(images(4), [1, 2, 3, 4], "view")
    path = tmp_path / "deep" / "figure.png"
    save_figure(fig, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in path.parent.iterdir()) == ["figure.png"]  # no partial file left behind
    assert not plt.fignum_exists(fig.number)

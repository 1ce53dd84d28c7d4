"""The end-of-run summary reads the run's own files and leaves out what a partial run did not build."""

import json

import pandas as pd

from gzmorph import formatting as fmt
from gzmorph.mergers.tables import headline
from gzmorph.summary import summary_lines
from tests.test_html_report import MERGERS, RESULT


def test_summary_names_the_numbers_that_exist(tmp_path):
    names = {"baseline": "mean.json", "best": "metrics.json", "test_rmse": "test_rmse.csv", "mergers": "m.json"}
    files = {key: tmp_path / name for key, name in names.items()}
    documents = {"HTML report": tmp_path / "index.html"}
    assert summary_lines(files, documents) == []
    files["baseline"].write_text(json.dumps({"test_rmse": 0.16543}))
    rows = [("best", t, r, r - 0.002, r + 0.002, 0.9) for t, r in ((1, 0.1012), (8, 0.1001))]
    pd.DataFrame(rows, columns=["model", "tta_views", "rmse", "rmse_low68", "rmse_high68", "merger_auc"]).to_csv(
        files["test_rmse"], index=False
    )
    files["mergers"].write_text(json.dumps(MERGERS))
    text = "\n".join(summary_lines(files, documents))
    assert "test RMSE 0.1654" in text and "8 view(s): 0.1001 (68% interval 0.0981-0.1021)" in text
    assert headline(RESULT)[0] in text and f"68 % interval {fmt.span(RESULT.fraction.interval)}" in text
    assert "HTML report" not in text  # not built in this run
    documents["HTML report"].write_text("<html>")
    assert summary_lines(files, documents)[-1] == f"HTML report: {documents['HTML report']}"

#!/usr/bin/env python3
"""Parity fixtures for firebreak-forensics.

Generates small prediction logs with the peer-bench generator (../../shared/peer-bench/gen_data.py
from the repository root), runs the peers on them and writes what they computed as JSON next to the
data under crates/forensics/tests/fixtures/. The Rust tests read only those files, so CI needs no Python.

Peers: Evidently 0.7.23 (DataDriftPreset defaults and its per-method stattest functions),
SciPy (ks_2samp, chi2_contingency, jensenshannon base 2), Fairlearn 0.15 (MetricFrame and the
parity/odds/opportunity summaries), scikit-learn (roc_auc_score, calibration bins), Aequitas 1.1
(Group.get_crosstabs, Bias.get_disparity_major_group / get_disparity_predefined_groups,
Fairness(tau=0.8).get_group_value_fairness). Aequitas 1.x moved its web app and CLI pins (Flask 0.12,
altair 4.1, tabulate 0.8.2, xhtml2pdf 0.2.2 in 0.42) into extras, so it now shares this venv.
Aequitas' edge cases (aequitas_edges.parquet) are built from confusion counts in AEQUITAS_EDGES.

Evidently's categorical scores depend on Python's string-hash order (PYTHONHASHSEED) in their last
bits, about 1e-13 relative, so a rerun rewrites those numbers by that much.

Usage (from the repository root): bench/forensics/.venv/bin/python bench/forensics/make_fixtures.py
"""
import json
import os
import sys
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / ".." / "shared" / "peer-bench"))
import gen_data  # noqa: E402

OUT = ROOT / "crates" / "forensics" / "tests" / "fixtures"
warnings.filterwarnings("ignore")
os.environ.setdefault("EVIDENTLY_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")


def clean(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if not np.isfinite(value) else value
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def write_parquet(df, name):
    path = OUT / name
    df.to_parquet(path, index=False, compression="zstd", row_group_size=4096)
    return path


def halves(df):
    n = len(df)
    return df.iloc[: n // 2].reset_index(drop=True), df.iloc[n // 2:].reset_index(drop=True)


def evidently_preset(ref, cur):
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    ref_ds = Dataset.from_pandas(ref, data_definition=DataDefinition())
    cur_ds = Dataset.from_pandas(cur, data_definition=DataDefinition())
    snap = Report([DataDriftPreset()]).run(cur_ds, ref_ds)
    out = {"columns": {}}
    for metric in snap.dict()["metrics"]:
        cfg = metric.get("config", {})
        kind = cfg.get("type", "")
        if kind.endswith("ValueDrift"):
            out["columns"][cfg["column"]] = {"method": cfg.get("method"), "threshold": cfg.get("threshold"),
                                             "value": clean(metric.get("value"))}
        if kind.endswith("DriftedColumnsCount"):
            out["drifted"] = clean(metric.get("value"))
    return out


def evidently_methods(ref, cur, columns):
    from evidently.legacy.calculations.stattests import (chisquare_stattest, hellinger_distance, jensenshannon,
                                                         kl_div, ks_stattest, psi, wasserstein_distance_norm,
                                                         z_stattest)
    from evidently.legacy.core import ColumnType

    out = {}
    for column, kind in columns.items():
        r = ref[column].replace([np.inf, -np.inf], np.nan).dropna()
        c = cur[column].replace([np.inf, -np.inf], np.nan).dropna()
        ctype = ColumnType.Numerical if kind == "num" else ColumnType.Categorical
        res = {
            "psi": psi._psi(r, c, ctype, 0.1)[0],
            "kl_div": kl_div._kl_div(r, c, ctype, 0.1)[0],
            "jensenshannon": jensenshannon._jensenshannon(r, c, ctype, 0.1)[0],
            "hellinger": hellinger_distance._hellinger_distance(r.copy(), c.copy(), ctype, 0.1)[0],
            "chisquare": chisquare_stattest._chi_stat_test(r, c, ctype, 0.05)[0],
        }
        if kind == "num":
            res["wasserstein"] = wasserstein_distance_norm._wasserstein_distance_norm(r, c, ctype, 0.1)[0]
            res["ks"] = ks_stattest._ks_stat_test(r, c, ctype, 0.05)[0]
        if r.nunique() + c.nunique() <= 4 or kind == "cat":
            res["z"] = z_stattest._z_stat_test(r, c, ctype, 0.05)[0]
        out[column] = clean(res)
    return out


def scipy_methods(ref, cur, num_columns, cat_columns):
    from scipy import stats
    from scipy.spatial import distance

    out = {"ks_2samp": {}, "chi2_contingency": {}, "jensenshannon_base2": {}}
    for column in num_columns:
        r = ref[column].replace([np.inf, -np.inf], np.nan).dropna().to_numpy()
        c = cur[column].replace([np.inf, -np.inf], np.nan).dropna().to_numpy()
        result = stats.ks_2samp(r, c)
        out["ks_2samp"][column] = clean({"statistic": result.statistic, "pvalue": result.pvalue})
    for column in cat_columns:
        r, c = ref[column].dropna(), cur[column].dropna()
        keys = sorted(set(r.unique()) | set(c.unique()))
        table = np.array([[int((r == k).sum()) for k in keys], [int((c == k).sum()) for k in keys]])
        result = stats.chi2_contingency(table)
        out["chi2_contingency"][column] = clean({"statistic": result.statistic, "pvalue": result.pvalue})
        p = table[0] / table[0].sum()
        q = table[1] / table[1].sum()
        out["jensenshannon_base2"][column] = clean(distance.jensenshannon(p, q, base=2))
    return out


def fairness(df, group_columns):
    from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference, demographic_parity_ratio,
                                   equal_opportunity_difference, equal_opportunity_ratio,
                                   equalized_odds_difference, equalized_odds_ratio, false_negative_rate,
                                   false_positive_rate, mean_prediction, selection_rate, true_positive_rate)
    from sklearn.metrics import accuracy_score, precision_score, roc_auc_score

    y_true, y_pred = df["y_true"], df["y_pred"]
    sf = df[group_columns[0]] if len(group_columns) == 1 else df[group_columns]
    metrics = {
        "count": count,
        "base_rate": lambda y_true, y_pred: float(np.mean(y_true)),
        "selection_rate": selection_rate,
        "true_positive_rate": true_positive_rate,
        "false_positive_rate": false_positive_rate,
        "false_negative_rate": false_negative_rate,
        "precision": lambda y_true, y_pred: precision_score(y_true, y_pred, zero_division=0),
        "accuracy": accuracy_score,
    }
    frame = MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred, sensitive_features=sf)
    groups = {}
    for key, row in frame.by_group.iterrows():
        name = key if isinstance(key, str) else "|".join(map(str, key))
        groups[name] = {metric: clean(value) for metric, value in row.items()}
    keys = df[group_columns].astype(str).agg("|".join, axis=1)
    for name, part in df.groupby(keys):
        groups[name]["auc"] = clean(roc_auc_score(part["y_true"], part["y_pred_proba"]))
        groups[name]["expected_calibration_error"] = clean(ece(part["y_true"].to_numpy(), part["y_pred_proba"].to_numpy()))
    gaps = {
        "demographic_parity_difference": demographic_parity_difference(y_true, y_pred, sensitive_features=sf),
        "demographic_parity_ratio": demographic_parity_ratio(y_true, y_pred, sensitive_features=sf),
        "equalized_odds_difference": equalized_odds_difference(y_true, y_pred, sensitive_features=sf),
        "equalized_odds_ratio": equalized_odds_ratio(y_true, y_pred, sensitive_features=sf),
        "equal_opportunity_difference": equal_opportunity_difference(y_true, y_pred, sensitive_features=sf),
        "equal_opportunity_ratio": equal_opportunity_ratio(y_true, y_pred, sensitive_features=sf),
    }
    return {"groups": groups, "gaps": clean(gaps), "aequitas": aequitas_audit(df, keys)}


def ece(y, p):
    # scikit-learn calibration_curve(strategy="uniform") binning, weighted by bin size (D22).
    bins = np.linspace(0.0, 1.0, 11)
    ids = np.searchsorted(bins[1:-1], p)
    sums = np.bincount(ids, weights=p, minlength=10)
    trues = np.bincount(ids, weights=y, minlength=10)
    totals = np.bincount(ids, minlength=10)
    nz = totals > 0
    return float(np.sum(totals[nz] / len(y) * np.abs(trues[nz] / totals[nz] - sums[nz] / totals[nz])))


def aequitas_audit(df, groups, reference=None):
    """The installed Aequitas on one protected attribute (`groups`: one value per row of `df`).

    Aequitas audits each attribute column on its own and has no intersections, so two attributes
    are passed as one column of `a|b` values, the names Firebreak gives their intersection. Rows
    whose attribute is missing fall out of pandas' groupby (no group) but still count in k, the
    total of predicted positives that ppr divides by."""
    from aequitas.bias import Bias
    from aequitas.fairness import Fairness
    from aequitas.group import Group

    frame = pd.DataFrame({"attribute": pd.Series(groups, dtype=object).to_numpy(),
                          "score": df["y_pred"].astype(int).to_numpy(),
                          "label_value": df["y_true"].astype(int).to_numpy()})
    crosstab, _ = Group().get_crosstabs(frame, attr_cols=["attribute"], score_col="score", label_col="label_value")
    bias = Bias()
    if reference is None:
        disparity = bias.get_disparity_major_group(crosstab, original_df=frame)
    else:
        disparity = bias.get_disparity_predefined_groups(crosstab, original_df=frame,
                                                         ref_groups_dict={"attribute": reference})
    fairness = Fairness(tau=0.8)
    verdicts = fairness.get_group_value_fairness(disparity)
    measure_of = {column.removesuffix("_disparity"): measure
                  for measure, column in fairness.fair_measures_depend.items()}
    metrics = list(Bias.all_group_metrics)
    references = {verdicts[f"{metric}_ref_group_value"].iloc[0] for metric in metrics}
    assert len(references) == 1, references
    counts = ["group_size", "tp", "fp", "tn", "fn", "pp", "pn", "k", "total_entities", "prev", "accuracy"]
    out = {"reference_group": references.pop(), "metrics": metrics, "tau": fairness.tau,
           "groups": {}, "disparities": {}, "fair": {}}
    for _, row in verdicts.iterrows():
        group = row["attribute_value"]
        out["groups"][group] = clean({column: row[column] for column in counts + metrics})
        out["disparities"][group] = clean({metric: row[f"{metric}_disparity"] for metric in metrics})
        # Aequitas' verdict is True, False or NaN (undefined disparity); NaN is written as null.
        out["fair"][group] = {metric: None if pd.isna(row[measure_of[metric]]) else bool(row[measure_of[metric]])
                              for metric in metrics}
    return out


# Aequitas edge cases as confusion counts (tp, fp, tn, fn) per group; None is a missing attribute.
AEQUITAS_EDGES = {
    # B has no actual positives (tpr, fnr undefined), C no predicted positives (precision, fdr undefined).
    "no_positives": {"A": (30, 10, 40, 20), "B": (0, 5, 45, 0), "C": (0, 0, 20, 10)},
    "single_group": {"A": (12, 8, 25, 5)},
    # The reference R has fpr = fdr = 0: S divides by zero (Aequitas fills 10), T gives 0 / 0.
    "zero_reference": {"R": (40, 0, 50, 10), "S": (10, 5, 20, 5), "T": (5, 0, 10, 5)},
    # pprev disparities of exactly 0.8 (L) and 1.25 (H): both ends of the band are fair.
    "band_edges": {"R": (6, 4, 6, 4), "L": (2, 2, 4, 2), "H": (3, 2, 2, 1)},
    # X and Y tie for largest; Y's rows come first in the file.
    "tied_largest": {"Y": (10, 15, 20, 5), "X": (20, 5, 15, 10), "Z": (5, 5, 5, 5)},
    "missing_attribute": {"A": (20, 10, 25, 5), "B": (10, 10, 15, 5), None: (5, 10, 10, 5)},
}


def aequitas_edges():
    """One small log holding every edge case, told apart by its `case` column."""
    rng = np.random.default_rng(11)
    frames = []
    for case, groups in AEQUITAS_EDGES.items():
        rows = []
        for group, (tp, fp, tn, fn) in groups.items():
            for (label, prediction), n in (((1, 1), tp), ((0, 1), fp), ((0, 0), tn), ((1, 0), fn)):
                rows += [(group, label, prediction)] * n
        order = np.arange(len(rows)) if case == "tied_largest" else rng.permutation(len(rows))
        part = pd.DataFrame([rows[i] for i in order], columns=["attr", "y_true", "y_pred"])
        part.insert(0, "case", case)
        frames.append(part)
    df = pd.concat(frames, ignore_index=True)
    df["attr"] = df["attr"].astype(object)
    return df


def nannyml_univariate(ref, ana, columns):
    import nannyml as nml

    calc = nml.UnivariateDriftCalculator(column_names=columns, timestamp_column_name="timestamp")
    calc.fit(ref)
    rdf = calc.calculate(ana).to_df()
    out = {}
    for column in columns:
        block = rdf[column]["jensen_shannon"]
        out[column] = clean({
            "values": block["value"].tolist(),
            "periods": rdf[("chunk", "chunk", "period")].tolist(),
            "upper_threshold": block["upper_threshold"].iloc[0],
            "lower_threshold": block["lower_threshold"].iloc[0],
            "alerts": [bool(a) for a in block["alert"].tolist()],
        })
    return out


def edge_cases(rows):
    rng = np.random.default_rng(7)
    half = rows // 2
    cur = np.arange(rows) >= half
    df = pd.DataFrame({
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows), unit="min"),
        "constant": np.full(rows, 3.5),
        "all_nan": np.full(rows, np.nan),
        "single_category": np.array(["only"] * rows, dtype=object),
        "unseen": np.where(cur, rng.choice(["a", "b", "c", "d"], rows), rng.choice(["a", "b"], rows)).astype(object),
        "ties": rng.integers(0, 8, rows).astype(float) + np.where(cur, rng.integers(0, 2, rows), 0),
        "with_inf": np.where(rng.random(rows) < 0.05, np.inf, rng.normal(0, 1, rows)),
        "few_ints": rng.integers(0, 3, rows),
        "y_true": rng.integers(0, 2, rows),
        "y_pred": rng.integers(0, 2, rows),
        # Yes/no columns: pandas keeps a clean one as bool (Evidently: categorical) and holds one with
        # gaps as objects, which Evidently 0.7.23 types as unknown and leaves out of its preset.
        "flag": rng.random(rows) < np.where(cur, 0.6, 0.3),
        "flag_with_gaps": pd.Series(np.where(rng.random(rows) < 0.1, None,
                                             rng.random(rows) < np.where(cur, 0.6, 0.3)), dtype=object),
    })
    return df


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    num = [f"num_{j}" for j in range(10)] + ["y_pred_proba"]
    cat = [f"cat_{j}" for j in range(5)] + ["group"]
    expected = {"generator": "shared/peer-bench/gen_data.py make(n, seed=42); reference = first half of rows"}

    logs = {"log_20k": gen_data.make(20_000), "log_small": gen_data.make(1_200)}
    edges = {"edge_large": edge_cases(2_400), "edge_small": edge_cases(400)}
    expected["evidently_preset"] = {}
    for name, df in {**logs, **edges}.items():
        write_parquet(df, name + ".parquet")
        ref, cur = halves(df)
        preset_columns = [c for c in df.columns if c != "timestamp" and c != "all_nan"]
        try:
            expected["evidently_preset"][name] = evidently_preset(ref[preset_columns], cur[preset_columns])
        except Exception as error:  # noqa: BLE001 - recorded as the peer's answer
            expected["evidently_preset"][name] = {"error": str(error)}
    try:
        ref, cur = halves(edges["edge_large"])
        evidently_preset(ref[["all_nan", "constant"]], cur[["all_nan", "constant"]])
        expected["evidently_all_nan"] = "computed"
    except Exception as error:  # noqa: BLE001
        expected["evidently_all_nan"] = f"raises: {error}"

    ref, cur = halves(logs["log_20k"])
    kinds = {c: "num" for c in num} | {c: "cat" for c in cat}
    expected["evidently_methods"] = {"log_20k": evidently_methods(ref, cur, kinds)}
    expected["scipy"] = {"log_20k": scipy_methods(ref, cur, num, cat)}
    sref, scur = halves(logs["log_small"])
    expected["evidently_methods"]["log_small"] = evidently_methods(sref, scur, kinds)
    expected["scipy"]["log_small"] = scipy_methods(sref, scur, num, cat)
    eref, ecur = halves(edges["edge_large"])
    expected["evidently_methods"]["edge_large"] = evidently_methods(
        eref, ecur, {"ties": "num", "with_inf": "num", "unseen": "cat", "constant": "num"})

    # ks_2samp's asymptotic mode (a sample over 10,000 values): all 20k rows vs the small log's second half.
    from scipy import stats
    expected["scipy_ks_asymptotic"] = {}
    for column in num:
        a = logs["log_20k"][column].dropna().to_numpy()
        b = scur[column].dropna().to_numpy()
        result = stats.ks_2samp(a, b)
        expected["scipy_ks_asymptotic"][column] = clean({"statistic": result.statistic, "pvalue": result.pvalue})

    nml_columns = num[:10] + cat[:5] + ["group", "y_pred_proba", "y_pred"]
    expected["nannyml"] = {"log_20k": nannyml_univariate(ref, cur, nml_columns)}

    expected["fairness"] = {
        "group": fairness(logs["log_20k"], ["group"]),
        "group_x_cat_0": fairness(logs["log_20k"], ["group", "cat_0"]),
    }
    aequitas_log = aequitas_edges()
    write_parquet(aequitas_log, "aequitas_edges.parquet")
    expected["aequitas"] = {"group_reference_C": {
        "file": "log_20k.parquet", "case": None, "columns": ["group"], "reference_group": "C",
        "peer": aequitas_audit(logs["log_20k"], logs["log_20k"]["group"], reference="C")}}
    for case in AEQUITAS_EDGES:
        part = aequitas_log[aequitas_log["case"] == case]
        expected["aequitas"][case] = {"file": "aequitas_edges.parquet", "case": case, "columns": ["attr"],
                                      "reference_group": None, "peer": aequitas_audit(part, part["attr"])}
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True))
    pkgs = ["evidently", "nannyml", "fairlearn", "aequitas", "scipy", "numpy", "pandas", "pyarrow", "scikit-learn"]
    (OUT / "versions.txt").write_text("".join(f"{p}=={version(p)}\n" for p in pkgs) + f"python=={sys.version.split()[0]}\n")
    for f in sorted(OUT.iterdir()):
        print(f"{f.name}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main()

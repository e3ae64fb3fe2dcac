//! The offline commands `firebreak analyze …` and `firebreak rca fta analyze` through the built
//! binary, on the fixtures the libraries' own parity tests use: the numbers must be the peers'
//! (Evidently, NannyML, Fairlearn, Aequitas, SCRAM), and bad input must exit 2 with a message
//! that names the file, column or row.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_firebreak");

fn forensics_fixture(name: &str) -> String {
    path_text(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../forensics/tests/fixtures")
            .join(name),
    )
}

fn scram_model(name: &str) -> String {
    path_text(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../rca/tests/fixtures/scram/models")
            .join(name),
    )
}

fn path_text(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_string()
}

fn expected_forensics() -> Value {
    let text = std::fs::read_to_string(forensics_fixture("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("JSON")
}

fn scram_report(case: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rca/tests/fixtures/scram/reports")
        .join(format!("{case}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("SCRAM report")).expect("JSON")
}

fn firebreak(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("firebreak runs")
}

/// Runs a command that must succeed and returns its standard output.
fn succeed(args: &[&str]) -> String {
    let output = firebreak(args);
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{args:?}: quiet on a non-terminal stderr, got {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn succeed_json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&succeed(&args)).expect("--json prints JSON")
}

/// Bad input: exit 2, a message on stderr naming what is wrong, nothing on stdout, no panic.
fn refused(args: &[&str], needles: &[&str]) {
    let output = firebreak(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: `{needle}` not in {stderr}"
        );
    }
    assert!(output.stdout.is_empty(), "{args:?}");
}

/// Relative comparison with the peer's number; a peer's null stands for a non-finite value.
fn assert_close(what: &str, actual: &Value, expected: &Value, relative: f64) {
    match (actual.as_f64(), expected.as_f64()) {
        (Some(actual), Some(expected)) => {
            let ok = actual == expected
                || ((actual - expected) / expected.abs().max(1e-300)).abs() <= relative
                || (actual - expected).abs() <= 1e-15;
            assert!(ok, "{what}: {actual} vs peer {expected}");
        }
        (None, None) => {}
        _ => panic!("{what}: {actual} vs peer {expected}"),
    }
}

fn temp_file(dir: &tempfile::TempDir, name: &str, contents: &[u8]) -> String {
    let path: PathBuf = dir.path().join(name);
    std::fs::write(&path, contents).expect("write fixture");
    path_text(&path)
}

const HALVES: [&str; 4] = [
    "--reference-window",
    "..2024-01-31",
    "--current-window",
    "2024-01-31..",
];

fn check_evidently_preset(log: &str) {
    let expected = &expected_forensics()["evidently_preset"][log];
    let mut args = vec!["analyze", "drift"];
    let path = forensics_fixture(&format!("{log}.parquet"));
    args.push(&path);
    args.extend(HALVES);
    let report = succeed_json(&args);
    assert_eq!(report["schema_version"], 1);
    let peer = expected["columns"].as_object().expect("columns");
    let columns = report["columns"].as_array().expect("columns");
    assert_eq!(
        columns.len(),
        peer.len(),
        "{log}: the columns Evidently tested"
    );
    for column in columns {
        let name = column["column"].as_str().expect("name");
        let peer = &peer[name];
        assert_eq!(column["threshold"], peer["threshold"], "{log}.{name}");
        // Distances over bins agree to 1e-6, exact statistics to 1e-9 (the library's bar).
        let tolerance = if column["method"] == "jensen_shannon"
            || column["method"]["jensen_shannon"].is_object()
        {
            1e-6
        } else {
            1e-9
        };
        assert_close(
            &format!("{log}.{name}"),
            &column["score"],
            &peer["value"],
            tolerance,
        );
    }
    assert_eq!(
        report["drifted_columns"].as_f64(),
        expected["drifted"]["count"].as_f64(),
        "{log}"
    );
    assert_close(
        log,
        &report["share_of_drifted_columns"],
        &expected["drifted"]["share"],
        1e-12,
    );
}

#[test]
fn drift_evidently_preset_on_time_windows_matches_evidently() {
    // 10,000 reference rows: Wasserstein and Jensen–Shannon.
    check_evidently_preset("log_20k");
    // 600 reference rows: KS, chi-square and Z tests.
    check_evidently_preset("log_small");
}

#[test]
fn drift_table_has_a_row_per_column_and_the_dataset_verdict() {
    let path = forensics_fixture("log_small.parquet");
    let mut args = vec!["analyze", "drift", path.as_str()];
    args.extend(HALVES);
    args.extend(["--columns", "num_0,num_2,cat_3"]);
    let table = succeed(&args);
    let lines: Vec<&str> = table.lines().collect();
    let header = lines
        .iter()
        .position(|line| line.starts_with("column"))
        .expect("header row");
    for word in [
        "kind",
        "method",
        "score",
        "statistic",
        "threshold",
        "p-value",
        "verdict",
    ] {
        assert!(lines[header].contains(word), "{}", lines[header]);
    }
    let row = |name: &str| {
        lines
            .iter()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name} in\n{table}"))
    };
    assert!(row("num_0").contains("kolmogorov_smirnov") && row("num_0").contains("DRIFT"));
    assert!(row("num_2").contains("no drift"), "{}", row("num_2"));
    assert!(row("cat_3").contains("chi_square"));
    assert!(table.contains("cat_3 (2: c3_new_a, c3_new_b)"), "{table}");
    assert!(
        table.contains("dataset: DRIFT (2 of 3 tested columns drifted"),
        "{table}"
    );
}

#[test]
fn drift_markdown_goes_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drift.md");
    let out_text = path_text(&out);
    let path = forensics_fixture("log_small.parquet");
    let mut args = vec!["analyze", "drift", path.as_str()];
    args.extend(HALVES);
    args.extend(["--format", "md", "-o", out_text.as_str()]);
    assert_eq!(succeed(&args), "", "nothing on stdout with -o");
    let markdown = std::fs::read_to_string(&out).unwrap();
    assert!(
        markdown.starts_with("# Drift (Evidently preset)"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| column | kind | method |"),
        "{markdown}"
    );
    assert!(markdown.contains("| num_0 | numerical | kolmogorov_smirnov |"));
}

#[test]
fn drift_html_is_one_page_with_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.html");
    let out_text = path_text(&out);
    let path = forensics_fixture("log_small.parquet");
    let mut args = vec!["analyze", "drift", path.as_str()];
    args.extend(HALVES);
    args.extend([
        "--columns",
        "num_0,cat_3",
        "--format",
        "html",
        "-o",
        out_text.as_str(),
    ]);
    assert_eq!(succeed(&args), "", "nothing on stdout with -o");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<td>num_0</td><td>numerical</td><td>kolmogorov_smirnov</td>"));
    // A histogram for the number and bars for the categories, inlined: nothing to fetch.
    assert_eq!(html.matches("<svg").count(), 2, "{html}");
    assert!(!html.contains("src=\""), "{html}");
}

#[test]
fn drift_between_two_files_and_by_cohort() {
    let reference = forensics_fixture("edge_small.parquet");
    let current = forensics_fixture("edge_large.parquet");
    let report = succeed_json(&[
        "analyze",
        "drift",
        "--reference",
        &reference,
        "--current",
        &current,
        "--columns",
        "unseen,ties",
    ]);
    assert_eq!(
        (
            report["reference_rows"].as_u64(),
            report["current_rows"].as_u64()
        ),
        (Some(400), Some(2400))
    );
    let log = forensics_fixture("log_small.parquet");
    let report = succeed_json(&[
        "analyze",
        "drift",
        &log,
        "--reference-where",
        "group == A",
        "--current-where",
        "group == C",
        "--columns",
        "y_pred_proba",
        "--where",
        "num_0 > 0",
    ]);
    let (reference, current) = (
        report["reference_rows"].as_u64().unwrap(),
        report["current_rows"].as_u64().unwrap(),
    );
    assert!(
        reference > current && current > 0,
        "{reference} vs {current}"
    );
}

#[test]
fn drift_nannyml_preset_matches_nannyml() {
    let expected = expected_forensics();
    let peer = expected["nannyml"]["log_20k"].as_object().expect("columns");
    let columns: Vec<&str> = peer.keys().map(String::as_str).collect();
    let columns = columns.join(",");
    let path = forensics_fixture("log_20k.parquet");
    let mut args = vec!["analyze", "drift", path.as_str(), "--preset", "nannyml"];
    args.extend(HALVES);
    args.extend(["--columns", &columns]);
    let report = succeed_json(&args);
    let ours = report["columns"].as_array().expect("columns");
    assert_eq!(ours.len(), peer.len());
    for column in ours {
        let name = column["column"].as_str().unwrap();
        let peer = &peer[name];
        assert_close(
            name,
            &column["upper_threshold"],
            &peer["upper_threshold"],
            1e-6,
        );
        let chunks = column["chunks"].as_array().unwrap();
        let values = peer["values"].as_array().unwrap();
        assert_eq!(chunks.len(), values.len(), "{name}");
        for (index, (chunk, value)) in chunks.iter().zip(values).enumerate() {
            assert_close(
                &format!("{name} chunk {index}"),
                &chunk["value"],
                value,
                1e-6,
            );
            assert_eq!(
                chunk["alert"], peer["alerts"][index],
                "{name} chunk {index}"
            );
            assert_eq!(
                chunk["period"], peer["periods"][index],
                "{name} chunk {index}"
            );
        }
    }
}

#[test]
fn fairness_matches_fairlearn_and_aequitas() {
    let expected = expected_forensics();
    let peer = &expected["fairness"]["group"];
    let path = forensics_fixture("log_20k.parquet");
    let fairness_args = [
        "analyze",
        "fairness",
        path.as_str(),
        "--group",
        "group",
        "--label",
        "y_true",
        "--prediction",
        "y_pred",
        "--score",
        "y_pred_proba",
    ];
    let report = succeed_json(&fairness_args);
    for group in report["groups"].as_array().expect("groups") {
        let name = group["group"].as_str().unwrap();
        for (metric, value) in peer["groups"][name].as_object().expect("peer group") {
            assert_close(&format!("{name} {metric}"), &group[metric], value, 1e-9);
        }
    }
    for (gap, value) in peer["gaps"].as_object().unwrap() {
        assert_close(gap, &report["gaps"][gap], value, 1e-9);
    }
    assert_eq!(
        report["reference_group"],
        peer["aequitas"]["reference_group"]
    );
    for disparity in report["disparities"].as_array().unwrap() {
        let (group, metric) = (
            disparity["group"].as_str().unwrap(),
            disparity["metric"].as_str().unwrap(),
        );
        assert_close(
            &format!("{group} {metric}"),
            &disparity["disparity"],
            &peer["aequitas"]["disparities"][group][metric],
            1e-9,
        );
    }

    let table = succeed(&fairness_args);
    assert!(table.contains("(all)"), "{table}");
    assert!(
        table.contains("demographic parity  0.1303      0.7392"),
        "{table}"
    );
    assert!(table.contains("B      0.6768*"), "{table}");
    assert!(
        table.contains("verdict: UNFAIR, 5 of 30 disparities outside 0.8–1.25: B ppr, C ppr"),
        "{table}"
    );
}

/// Text cohorts (D29) from the command line: a keyword file read relative to the working
/// directory, and a bad regular expression refused as bad input naming its place.
#[test]
fn text_cohorts_select_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_file(
        &dir,
        "prompts.csv",
        b"prompt,group,y_true,y_pred\nWhat dosage of X?,A,1,1\nDOSAGE for kids,B,0,1\nhello,A,0,0\nLoan?,B,1,0\n",
    );
    temp_file(&dir, "medical.txt", b"# medical\ndosage\n");
    let fairness = |cohort: &str| {
        let mut command = Command::new(BIN);
        command.current_dir(dir.path()).args([
            "analyze",
            "fairness",
            &log,
            "--group",
            "group",
            "--label",
            "y_true",
            "--prediction",
            "y_pred",
            "--json",
            "--where",
            cohort,
        ]);
        command.output().expect("firebreak runs")
    };
    for cohort in [
        "prompt contains 'dosage'",
        "prompt contains any of @medical.txt",
    ] {
        let output = fairness(cohort);
        assert!(output.status.success(), "{cohort}: {output:?}");
        let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(report["rows"], 2, "{cohort}");
    }
    let output = fairness("prompt matches 'dos(age'");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--where") && stderr.contains("`dos(age` at character 3"),
        "{stderr}"
    );
    let output = fairness("prompt contains any of @missing.txt");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("missing.txt"), "{stderr}");
}

#[test]
fn intersectional_fairness_matches_fairlearn() {
    let expected = expected_forensics();
    let peer = &expected["fairness"]["group_x_cat_0"];
    let path = forensics_fixture("log_20k.parquet");
    let report = succeed_json(&[
        "analyze",
        "fairness",
        &path,
        "--group",
        "group,cat_0",
        "--label",
        "y_true",
        "--prediction",
        "y_pred",
        "--score",
        "y_pred_proba",
    ]);
    assert_eq!(report["groups"].as_array().unwrap().len(), 9);
    for (gap, value) in peer["gaps"].as_object().unwrap() {
        assert_close(gap, &report["gaps"][gap], value, 1e-9);
    }
}

#[test]
fn profile_and_timeseries_on_the_fixture_logs() {
    let current = forensics_fixture("edge_large.parquet");
    let reference = forensics_fixture("edge_small.parquet");
    let report = succeed_json(&["analyze", "profile", &current, "--reference", &reference]);
    let column = |name: &str| {
        report["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|column| column["column"] == name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .clone()
    };
    assert_eq!(
        column("all_nan")["missing"].as_u64().unwrap() + column("all_nan")["nan"].as_u64().unwrap(),
        2400
    );
    assert_eq!(column("constant")["std"], 0.0);
    assert_eq!(column("single_category")["distinct"], 1);
    assert!(column("with_inf")["positive_infinity"].as_u64().unwrap() > 0);
    assert!(report["schema_diff"].is_object());
    let table = succeed(&["analyze", "profile", &current, "--reference", &reference]);
    assert!(
        table.contains("schema: same columns and types as the reference"),
        "{table}"
    );

    let log = forensics_fixture("log_20k.parquet");
    let series_args = [
        "analyze",
        "timeseries",
        log.as_str(),
        "--timestamp",
        "timestamp",
        "--bucket",
        "day",
        "--label",
        "y_true",
        "--prediction",
        "y_pred",
        "--score",
        "y_pred_proba",
        "--group",
        "group",
    ];
    let report = succeed_json(&series_args);
    let buckets = report["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 60);
    let rows: u64 = buckets.iter().map(|b| b["rows"].as_u64().unwrap()).sum();
    assert_eq!(rows, 20_000);
    let score_shifts: Vec<&Value> = report["change_points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|point| point["series"] == "score_mean")
        .map(|point| &point["bucket_start"])
        .collect();
    assert_eq!(score_shifts, ["2024-01-31T00:00:00Z"]);
    let table = succeed(&series_args);
    assert!(
        table.contains("score_mean         2024-01-31T00:00:00Z"),
        "{table}"
    );
}

#[test]
fn decision_lookup_prints_the_logged_row() {
    let dir = tempfile::tempdir().unwrap();
    let log = temp_file(
        &dir,
        "log.csv",
        b"decision_id,score,model_version\nd1,0.25,v1\nd2,0.75,v2\n",
    );
    let record = succeed_json(&[
        "analyze",
        "decision",
        &log,
        "--id-column",
        "decision_id",
        "--decision-id",
        "d2",
    ]);
    assert_eq!(record["row"], 1);
    assert_eq!(record["values"]["model_version"], "v2");
    assert_eq!(record["values"]["score"], 0.75);
    refused(
        &[
            "analyze",
            "decision",
            &log,
            "--id-column",
            "decision_id",
            "--decision-id",
            "d9",
        ],
        &["log.csv", "`decision_id`", "`d9`"],
    );
}

#[test]
fn fault_tree_results_equal_scram() {
    for (case, files, flags) in [
        (
            "chinese",
            vec!["Chinese/chinese.xml", "Chinese/chinese-basic-events.xml"],
            vec![],
        ),
        (
            "small-tree-mission-1000",
            vec!["SmallTree/SmallTree.xml"],
            vec!["--mission-time", "1000"],
        ),
        (
            "baobab2-order3",
            vec!["Baobab/baobab2.xml", "Baobab/baobab2-basic-events.xml"],
            vec!["--limit-order", "3"],
        ),
    ] {
        // The digest keys each result "initiating-event|name|alignment|phase";
        // these models have one top event each.
        let digest = scram_report(case);
        let (key, scram) = digest["results"]
            .as_object()
            .unwrap()
            .iter()
            .next()
            .unwrap();
        let top_event = key.split('|').nth(1).unwrap();
        let paths: Vec<String> = files.iter().map(|file| scram_model(file)).collect();
        let mut args = vec!["rca", "fta", "analyze"];
        args.extend(paths.iter().map(String::as_str));
        args.extend(["--top", top_event]);
        args.extend(flags.iter().copied());
        let results = succeed_json(&args);
        let result = &results[0];
        assert_eq!(
            result["minimal_cut_sets"].as_array().unwrap().len() as u64,
            scram["products"].as_u64().unwrap(),
            "{case}"
        );
        // SCRAM prints six significant digits.
        let printed: f64 = scram["probability"].as_str().unwrap().parse().unwrap();
        let exact = result["probability"]["exact"].as_f64().unwrap();
        assert!(
            (exact - printed).abs() <= 5.000_001e-6 * printed,
            "{case}: {exact} vs SCRAM {printed}"
        );
        let table = succeed(&args);
        assert!(
            table.contains(&format!(
                "probability: exact {}",
                scram["probability"].as_str().unwrap()
            )),
            "{case}: {table}"
        );
        assert!(
            table.contains(&format!("{} minimal cut sets", scram["products"])),
            "{case}: {table}"
        );
    }
}

#[test]
fn fault_tree_analysis_stops_at_its_memory_budget() {
    let model = scram_model("Baobab/baobab1.xml");
    let events = scram_model("Baobab/baobab1-basic-events.xml");
    let output = firebreak(&[
        "rca",
        "fta",
        "analyze",
        &model,
        &events,
        "--memory-budget",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // A runtime failure, not bad input, and no kill.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    for needle in ["`r1`", "1 MiB", "--memory-budget"] {
        assert!(stderr.contains(needle), "`{needle}` not in {stderr}");
    }
}

/// An AND of six ORs of ten events: a million minimal cut sets of six
/// events, whose list passes a 16 MiB budget while their ZBDD has 60 nodes.
fn million_cut_sets_model() -> String {
    let mut xml =
        String::from("<opsa-mef><define-fault-tree name=\"wide\"><define-gate name=\"top\"><and>");
    for group in 0..6 {
        xml += &format!("<gate name=\"g{group}\"/>");
    }
    xml += "</and></define-gate>";
    for group in 0..6 {
        xml += &format!("<define-gate name=\"g{group}\"><or>");
        for event in 0..10 {
            xml += &format!("<basic-event name=\"e{group}{event}\"/>");
        }
        xml += "</or></define-gate>";
    }
    xml += "</define-fault-tree><model-data>";
    for group in 0..6 {
        for event in 0..10 {
            let p = 0.01 * f64::from(event + 1);
            xml += &format!(
                "<define-basic-event name=\"e{group}{event}\"><float value=\"{p}\"/></define-basic-event>"
            );
        }
    }
    xml + "</model-data></opsa-mef>"
}

#[test]
fn fault_tree_too_large_to_list_is_counted_and_ranked() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("wide.xml");
    std::fs::write(&model, million_cut_sets_model()).unwrap();
    let model = path_text(&model);
    let args = [
        "rca",
        "fta",
        "analyze",
        &model,
        "--memory-budget",
        "16",
        "--top-k",
        "5",
    ];
    let table = succeed(&args);
    for needle in [
        "1000000 minimal cut sets (order 6: 1000000)",
        "not listed",
        "the 5 most probable cut sets are kept",
        "Most probable cut sets (5 of 1000000)",
        "e09 · e19 · e29 · e39 · e49 · e59",
    ] {
        assert!(table.contains(needle), "`{needle}` not in {table}");
    }
    let result = &succeed_json(&args)[0];
    assert_eq!(result["cut_sets_listed"], false);
    assert_eq!(result["cut_set_count"]["total"], 1_000_000);
    assert!(result["minimal_cut_sets"].as_array().unwrap().is_empty());
    let top = result["most_probable_cut_sets"].as_array().unwrap();
    assert_eq!(top.len(), 5);
    // The most probable set takes the likeliest event of each group; the
    // next ones swap one of them for its group's second (their products
    // differ in the last bits, as the list's would).
    let events = |rank: usize| -> Vec<&str> {
        top[rank]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| event.as_str().unwrap())
            .collect()
    };
    assert_eq!(events(0), ["e09", "e19", "e29", "e39", "e49", "e59"]);
    for rank in 1..5 {
        let seconds = events(rank).iter().filter(|e| e.ends_with('8')).count();
        assert_eq!(seconds, 1, "{:?}", events(rank));
        let (this, next) = (&top[rank - 1]["probability"], &top[rank]["probability"]);
        assert!(this.as_f64() >= next.as_f64());
    }
    let rare_event = result["probability"]["rare_event"].as_f64().unwrap();
    // The sum of the products is the product of the groups' sums: 0.55⁶.
    assert!(
        (rare_event / 0.55f64.powi(6) - 1.0).abs() < 1e-14,
        "{rare_event}"
    );
    let occurrence = result["importance"][0]["occurrence"].as_u64().unwrap();
    assert_eq!(occurrence, 100_000);
    // e00 holds its group's share of every product: 0.01 / 0.55.
    let share = result["importance"][0]["fussell_vesely_cut_sets"]
        .as_f64()
        .unwrap();
    assert!((share * 55.0 - 1.0).abs() < 1e-12, "{share}");
}

#[test]
fn fault_tree_svg_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let svg = path_text(&dir.path().join("tree.svg"));
    let model = scram_model("SmallTree/SmallTree.xml");
    let table = succeed(&["rca", "fta", "analyze", &model, "--svg", &svg]);
    assert!(table.contains("Importance"), "{table}");
    let drawing = std::fs::read_to_string(&svg).unwrap();
    assert!(drawing.starts_with("<svg"), "{drawing}");
    assert!(drawing.contains("top"));
}

#[test]
fn bad_input_exits_2_and_names_file_column_or_row() {
    let dir = tempfile::tempdir().unwrap();
    let log = forensics_fixture("log_small.parquet");
    let fairness = |path: &str, label: &str, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "analyze",
            "fairness",
            path,
            "--group",
            "group",
            "--label",
            label,
            "--prediction",
            "y_pred",
        ]
        .map(String::from)
        .to_vec();
        args.extend(extra.iter().map(|arg| arg.to_string()));
        args
    };
    let run = |args: Vec<String>, needles: &[&str]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&args, needles);
    };

    // A missing file, a missing column (with the columns there are as a hint), a wrong type.
    let missing = path_text(&dir.path().join("missing.parquet"));
    run(fairness(&missing, "y_true", &[]), &["missing.parquet"]);
    run(
        fairness(&log, "no_such_label", &[]),
        &["log_small.parquet", "`no_such_label`", "hint:", "y_true"],
    );
    run(fairness(&log, "cat_0", &[]), &["`cat_0`", "type"]);
    // A label that is not binary names its row.
    let not_binary = temp_file(&dir, "labels.csv", b"group,label,y_pred\nA,1,1\nB,2,0\n");
    run(
        fairness(&not_binary, "label", &[]),
        &["labels.csv", "`label`", "row 1"],
    );
    // Empty, corrupt and ragged files.
    let empty = temp_file(&dir, "empty.csv", b"");
    refused(&["analyze", "profile", &empty], &["empty.csv"]);
    let corrupt = temp_file(&dir, "corrupt.parquet", b"PAR1 not really");
    refused(
        &["analyze", "profile", &corrupt],
        &["corrupt.parquet", "Parquet"],
    );
    let ragged = temp_file(&dir, "ragged.csv", b"a,b\n1,2\n3\n4,5\n");
    refused(&["analyze", "profile", &ragged], &["ragged.csv", "line 3"]);
    // A bad cohort expression, one that selects nobody, and a bad window.
    run(
        fairness(&log, "y_true", &["--where", "group === A"]),
        &["--where", "character"],
    );
    run(
        fairness(&log, "y_true", &["--where", "group == Z"]),
        &["selects no rows"],
    );
    refused(
        &[
            "analyze",
            "drift",
            &log,
            "--reference-window",
            "2024-13-01..",
            "--current-window",
            "2024-01-31..",
        ],
        &["--reference-window", "2024-13-01"],
    );
    // A drift with only one side.
    refused(&["analyze", "drift", &log], &["hint:"]);
    // MEF: a parse error names file, line and column; an undefined event names it.
    let broken = temp_file(
        &dir,
        "broken.xml",
        b"<opsa-mef>\n<define-fault-tree name=\"t\">\n<define-gate name=\"g\"><or><basic-event name=\"a\"/></and></define-gate>\n",
    );
    refused(&["rca", "fta", "analyze", &broken], &["broken.xml:3:"]);
    refused(
        &["rca", "fta", "analyze", &scram_model("Chinese/chinese.xml")],
        &["chinese.xml:", "undefined"],
    );
    refused(
        &[
            "rca",
            "fta",
            "analyze",
            &scram_model("SmallTree/SmallTree.xml"),
            "--top",
            "nope",
        ],
        &["`nope`"],
    );
}

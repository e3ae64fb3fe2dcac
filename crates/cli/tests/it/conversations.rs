//! `firebreak analyze conversations` end to end (issue #15): a chatbot log
//! where model v4 raises the share of outputs giving dosage advice; the
//! rate change shows with its interval and the change point at the
//! release; attached to a chatbot incident, the finding is on its timeline
//! and in the post-mortem draft; bad input is refused naming the problem.

use crate::findings::findings;
use crate::support::{Server, assert_success, stderr};
use std::path::Path;

/// 40 days from 2026-03-01, 200 turns a day; v3 answers until 2026-03-21,
/// when v4 is released: outputs with dosage advice go from 8 to 30 a day on
/// average (4 % to 15 %).
fn chatbot_log(path: &Path) {
    let mut csv = String::from("conversation_id,turn,timestamp,input,output,model_version\n");
    for day in 0..40u32 {
        let released = day >= 20;
        // A day-to-day wobble of ±2 that sums to nothing over the 20 days.
        let wobble = day % 5;
        let advice = if released { 28 + wobble } else { 6 + wobble };
        let date = jiff::civil::date(2026, 3, 1)
            .checked_add(jiff::Span::new().days(i64::from(day)))
            .unwrap();
        for turn in 0..200u32 {
            // Spread the advice over the day rather than at its start.
            let gives_advice = (turn * 7919) % 200 < advice;
            let output = if gives_advice {
                "For an adult the maximum dose is 4 g of paracetamol a day."
            } else {
                "Rest, drink water and see a pharmacist if it lasts."
            };
            csv.push_str(&format!(
                "c{day}-{},{},{date}T{:02}:{:02}:00Z,My head hurts,\"{output}\",{}\n",
                turn / 2,
                turn % 2 + 1,
                turn / 10,
                (turn % 10) * 6,
                if released { "v4" } else { "v3" }
            ));
        }
    }
    std::fs::write(path, csv).unwrap();
}

#[test]
fn a_release_that_raises_dosage_advice_shows_as_a_rate_change_at_the_release_and_is_attached() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"));
    let run = |args: &[&str]| assert_success(&server.cli(args), args);
    run(&[
        "system",
        "register",
        "chatbot",
        "--name",
        "Pharmacy chatbot",
    ]);
    run(&[
        "incident",
        "declare",
        "--title",
        "Chatbot gives dosage advice",
        "--severity",
        "sev2",
        "--rationale",
        "unsafe medical advice to the public",
        "--system",
        "chatbot",
        "--harm",
        "safety_physical",
    ]);
    let log = dir.path().join("conversations.csv");
    chatbot_log(&log);
    let log = log.to_str().unwrap();
    let analysis = [
        "analyze",
        "conversations",
        log,
        "--detector",
        "medical_dosage",
        "--compare",
        "model=v3",
        "model=v4",
    ];

    // The numbers: 4 % a day before, 15 % after, each with its interval; the
    // change point at the release, v4 named beside it.
    let report = server.json(&analysis);
    let rates = &report["rates"];
    assert_eq!(
        (rates["turns"].as_u64(), rates["flagged"].as_u64()),
        (Some(8000), Some(760))
    );
    // Day 3 (wobble 2): 8 of 200.
    let first = &rates["buckets"][2];
    assert_eq!(first["rate"].as_f64(), Some(0.04), "{first}");
    let (low, high) = (
        first["interval"]["low"].as_f64().unwrap(),
        first["interval"]["high"].as_f64().unwrap(),
    );
    // Wilson 95 % for 8 of 200, worked by hand: 0.02041 to 0.07693.
    assert!(
        (low - 0.02041).abs() < 5e-5 && (high - 0.07693).abs() < 5e-5,
        "{first}"
    );
    let points = rates["change_points"].as_array().unwrap();
    assert_eq!(points.len(), 1, "{rates}");
    assert!(
        points[0]["bucket_start"]
            .as_str()
            .unwrap()
            .starts_with("2026-03-21"),
        "{}",
        points[0]
    );
    assert_eq!(points[0]["versions_released_near"][0]["version"], "v4");
    let compared = &report["compare"]["flagged_rate"];
    assert!(
        (compared["difference"].as_f64().unwrap() - 0.11).abs() < 1e-9,
        "{compared}"
    );
    assert!(compared["p_value"].as_f64().unwrap() < 1e-10, "{compared}");

    // What set it off: the inputs answered with advice, and the conversation
    // up to the first advice.
    let triggers = &report["triggers"];
    assert_eq!(triggers["frequent_inputs"][0]["input"], "My head hurts");
    assert_eq!(triggers["frequent_inputs"][0]["flagged"], 760);
    let excerpt = &triggers["excerpts"][0];
    let turns = excerpt["turns"].as_array().unwrap();
    assert_eq!(turns.last().unwrap()["flagged"], true, "{excerpt}");
    assert!(
        turns
            .iter()
            .all(|t| t["timestamp"].as_str().unwrap().starts_with("2026-03-01")),
        "{excerpt}"
    );

    // As Markdown, for a reader.
    let mut as_markdown = analysis.to_vec();
    as_markdown.extend(["--format", "md"]);
    let markdown = server.cli(&as_markdown);
    assert_success(&markdown, &as_markdown);
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    for expected in [
        "Flagged share per bucket",
        "95 % interval (Wilson)",
        "Change points",
        "model v4",
        "A against B",
        "What set it off",
        "up to its flagged turn",
    ] {
        assert!(markdown.contains(expected), "{expected}: {markdown}");
    }

    // Attached: the log in the vault, the finding on the timeline, recomputed
    // by the server to the same numbers, and in the post-mortem draft.
    let mut attach = analysis.to_vec();
    attach.extend(["--incident", "INC-1", "--sample", "12", "--seed", "3"]);
    let attached = server.cli(&attach);
    assert_success(&attached, &attach);
    assert!(
        !stderr(&attached).contains("differs"),
        "{}",
        stderr(&attached)
    );
    let attached_findings = findings(&server);
    assert_eq!(attached_findings.len(), 1, "{attached_findings:?}");
    let summary = attached_findings[0]["body"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        summary.contains("760 of 8000 turns flagged") && summary.contains("v4"),
        "{}",
        attached_findings[0]
    );
    // The masked sample, kept as evidence beside the log: 12 flagged turns
    // drawn within v3 and v4 in proportion (160 and 600 of 760).
    let sample_id = attached_findings[0]["body"]["review_sample"]
        .as_str()
        .unwrap()
        .to_string();
    let item = server.json(&["evidence", "show", &sample_id]);
    assert!(
        item["description"]
            .as_str()
            .unwrap()
            .contains("masked review sample of EV-1: 12 flagged turns"),
        "{item}"
    );
    let drafted = server.json(&["postmortem", "draft", "INC-1"]);
    let drafted = drafted["postmortem"].to_string();
    assert!(drafted.contains("760 of 8000 turns flagged"), "{drafted}");
    assert!(
        drafted.contains(&sample_id),
        "the draft names the sample: {drafted}"
    );

    // Bad input: named, exit 2, nothing attached.
    let without_output = dir.path().join("no-output.csv");
    std::fs::write(
        &without_output,
        "conversation_id,timestamp,input,response\nc1,2026-03-01T00:00:00Z,hi,hello\n",
    )
    .unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    for (args, expected) in [
        (
            vec![without_output.to_str().unwrap(), "--detector", "pii"],
            "output",
        ),
        (vec![empty.to_str().unwrap(), "--detector", "pii"], "empty"),
        (vec![log, "--detector", "no_such_detector"], "--detector"),
        (vec![log, "--column", "answer"], "ROLE=COLUMN"),
        (vec![log], "--detector"),
    ] {
        let mut full = vec!["analyze", "conversations"];
        full.extend(args);
        let refused = server.cli(&full);
        assert_eq!(
            refused.status.code(),
            Some(2),
            "{full:?}: {}",
            stderr(&refused)
        );
        assert!(
            stderr(&refused).contains(expected),
            "{full:?}: {}",
            stderr(&refused)
        );
    }
    assert_eq!(findings(&server).len(), 1);
}

//! One clock model, shown the same everywhere: an unassessed SEV1 privacy
//! leak has the same provisional clocks in the API, in `firebreak deadlines
//! --json`, on the deadline board and on the incident page, and none of them
//! is overdue at declaration.

use crate::support::{Server, assert_success};
use serde_json::Value;
use std::collections::BTreeSet;

/// A clock as every surface must agree on it: which report, when it is due,
/// its state and whether it is provisional.
type Shown = (String, String, String, bool);

fn shown_in_json(clocks: &[Value]) -> BTreeSet<Shown> {
    clocks
        .iter()
        .map(|c| {
            let deadline = &c["deadline"];
            (
                format!(
                    "{}/{}",
                    deadline["regime"].as_str().unwrap(),
                    deadline["report"].as_str().unwrap()
                ),
                deadline["due_at"].as_str().unwrap().to_string(),
                c["state"].as_str().unwrap().to_string(),
                c["provisional"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The value of `name="…"` in a tag's text.
fn attribute(tag: &str, name: &str) -> String {
    let start = tag
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        + name.len()
        + 2;
    tag[start..start + tag[start..].find('"').unwrap()].to_string()
}

/// The clock rows of the table with `id` on an HTML page.
fn shown_in_html(html: &str, id: &str) -> BTreeSet<Shown> {
    let table_start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[table_start..table_start + html[table_start..].find("</table>").unwrap()];
    table
        .split("<tr data-clock=\"")
        .skip(1)
        .map(|row| {
            let tag = format!("data-clock=\"{}", &row[..row.find('>').unwrap()]);
            (
                attribute(&tag, "data-clock"),
                attribute(&tag, "data-due"),
                attribute(&tag, "data-state"),
                attribute(&tag, "data-provisional") == "true",
            )
        })
        .collect()
}

#[test]
fn an_unassessed_sev1_shows_the_same_provisional_clocks_everywhere_and_none_overdue() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path());
    assert_success(
        &server.cli(&[
            "system",
            "register",
            "assistant",
            "--name",
            "Support assistant",
        ]),
        &["system register"],
    );
    let incident = server.json(&[
        "incident",
        "declare",
        "--title",
        "Assistant shows other customers' addresses",
        "--severity",
        "sev1",
        "--rationale",
        "personal data of many customers exposed",
        "--system",
        "assistant",
        "--harm",
        "privacy",
        "--harm",
        "legal_regulatory",
    ]);
    assert_eq!(incident["id"], "INC-1");
    assert_eq!(incident["reportable"], "unknown");

    let get = |path: &str| server.get_text(path);
    let view: Value = serde_json::from_str(&get("/api/v1/incidents/INC-1/regulatory")).unwrap();
    let api = shown_in_json(view["assessment"]["clocks"].as_array().unwrap());
    let board_api: Vec<Value> = serde_json::from_str(&get("/api/v1/deadlines")).unwrap();
    let cli = server.json(&["deadlines"]);
    let cli = cli.as_array().unwrap();
    let board = get("/deadlines");
    let page = get("/incidents/INC-1");

    // GDPR's notification among them, every one provisional, and the
    // "immediately" obligations shown as such rather than overdue.
    assert!(
        api.iter().any(
            |(clock, _, state, provisional)| clock == "gdpr_art33/notification"
                && state == "running"
                && *provisional
        ),
        "{api:#?}"
    );
    assert!(
        api.iter()
            .any(|(clock, _, state, _)| clock == "gdpr_art34/communication" && state == "immediate"),
        "{api:#?}"
    );
    assert!(
        api.iter().all(|(_, _, _, provisional)| *provisional),
        "{api:#?}"
    );
    assert!(
        api.iter().all(|(_, _, state, _)| state != "overdue"),
        "{api:#?}"
    );
    for clock in cli {
        assert_ne!(clock["level"], "overdue", "{clock}");
        assert_eq!(clock["incident"], "INC-1");
    }

    // The same clocks on every surface.
    assert_eq!(shown_in_json(&board_api), api, "API board");
    assert_eq!(shown_in_json(cli), api, "firebreak deadlines --json");
    assert_eq!(shown_in_html(&board, "clocks"), api, "deadline board");
    assert_eq!(
        shown_in_html(&page, "incident-clocks"),
        api,
        "incident page"
    );
    assert!(!board.contains("No clock is running"), "{board}");
    assert!(!board.contains(">overdue<") && !page.contains(">overdue<"));
    for html in [&board, &page] {
        assert!(html.contains("provisional: assessment needed"));
        assert!(html.contains("due immediately, "));
    }

    // The table words are core's, the same the pages print.
    let table = server.cli(&["deadlines"]);
    assert_success(&table, &["deadlines"]);
    let table = String::from_utf8_lossy(&table.stdout);
    for words in [
        "BASIS",
        "provisional: assessment needed",
        "due immediately, ",
        "immediately",
    ] {
        assert!(table.contains(words), "{words}: {table}");
    }
    let gdpr = cli
        .iter()
        .find(|c| c["deadline"]["regime"] == "gdpr_art33")
        .unwrap();
    let summary = gdpr["summary"].as_str().unwrap();
    assert!(summary.starts_with("due in 2 d 23 h"), "{summary}");
    assert!(table.contains(summary), "{summary}: {table}");
    server.stop();
}

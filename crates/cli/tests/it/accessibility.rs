//! Every page of the web UI, on a realistic record, in a real headless
//! Chromium at 1400 px and at 400 px: axe-core (npm, the version pinned in
//! `scripts/test`, injected through WebDriver) finds no serious or critical
//! violation, and at 400 px no page scrolls sideways. The pages are the GET
//! routes the UI's router declares in `crates/server/src/ui/`: a route that
//! this test neither visits nor names as "not a page" fails it.
//!
//! `FIREBREAK_AXE_JS` names `axe.min.js`; without it the test is skipped,
//! and failed under `FIREBREAK_REQUIRE_AXE=1` (as `scripts/test` sets it).
//! `cargo test -p firebreak --test it -- --ignored screenshots` writes the
//! README's screenshots of the incident page.

use crate::chromium::{Driver, sign_in};
use crate::seeded::{PASSWORD, Seeded, seed};
use serde_json::{Value, json};
use std::path::Path;

/// GET routes of the UI that answer something other than a page.
const NOT_PAGES: &[(&str, &str)] = &[
    ("/incidents/{id}/live", "a server-sent event stream"),
    ("/assets/live.js", "the pages' script"),
    (
        "/metrics/register.csv",
        "the governance export, a CSV download",
    ),
];

/// Each GET route of the UI, as its router spells it, and the page visited
/// for it (`None` for the routes of [`NOT_PAGES`]).
fn pages(seeded: &Seeded) -> Vec<(&'static str, Option<String>)> {
    let pages: Vec<(&str, String)> = vec![
        ("/login", "/login".into()),
        ("/", "/".into()),
        ("/incidents/new", "/incidents/new".into()),
        ("/incidents/{id}", "/incidents/INC-1".into()),
        ("/ack/{token}", format!("/ack/{}", seeded.ack_token)),
        ("/alerts", "/alerts".into()),
        ("/systems", "/systems".into()),
        ("/systems/new", "/systems/new".into()),
        ("/systems/{slug}", "/systems/scoring".into()),
        ("/metrics", "/metrics".into()),
        ("/deadlines", "/deadlines".into()),
        ("/actions", "/actions".into()),
        ("/tokens", "/tokens".into()),
        ("/oncall", "/oncall".into()),
        (
            "/oncall/schedules/{slug}",
            "/oncall/schedules/ml-primary".into(),
        ),
        ("/oncall/policies", "/oncall/policies".into()),
        (
            "/oncall/policies/{slug}",
            "/oncall/policies/scoring-policy".into(),
        ),
        ("/oncall/pages", "/oncall/pages".into()),
    ];
    pages
        .into_iter()
        .map(|(route, path)| (route, Some(path)))
        .chain(NOT_PAGES.iter().map(|(route, _)| (*route, None)))
        .collect()
}

/// The GET routes declared by `.route("PATH", …get(…)…)` in the UI's
/// sources, every file under `crates/server/src/ui/`.
fn ui_get_routes() -> Vec<String> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src/ui")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut routes = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        for (start, _) in source.match_indices(".route(") {
            let call = balanced(&source[start + ".route".len()..]);
            let Some(path) = call.split('"').nth(1) else {
                continue;
            };
            let gets = call.match_indices("get(").any(|(at, _)| {
                !call[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if gets {
                routes.push(path.to_string());
            }
        }
    }
    routes
}

/// `text` from its opening parenthesis up to the one that closes it.
fn balanced(text: &str) -> &str {
    let mut depth = 0;
    for (at, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[..=at];
                }
            }
            _ => {}
        }
    }
    text
}

/// `axe.min.js`, or `None` (the test skipped) when it is not installed and
/// not required.
fn axe_script() -> Option<String> {
    let required = std::env::var("FIREBREAK_REQUIRE_AXE").is_ok_and(|v| v == "1");
    let found = std::env::var("FIREBREAK_AXE_JS")
        .ok()
        .and_then(|path| std::fs::read_to_string(path).ok());
    if found.is_none() {
        assert!(
            !required,
            "FIREBREAK_REQUIRE_AXE=1 but FIREBREAK_AXE_JS names no axe.min.js: run scripts/test, which installs axe-core"
        );
        eprintln!("skipped: FIREBREAK_AXE_JS names no axe.min.js (scripts/test installs axe-core)");
    }
    found
}

/// Sets the viewport (not the window) to `width` × `height` CSS pixels.
fn set_viewport(driver: &Driver, width: u32, height: u32) {
    let run = |script: &str| {
        driver.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
    };
    let mut window = (width, height);
    for _ in 0..3 {
        driver.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({ "width": window.0, "height": window.1 })),
        );
        let inner = run("return [window.innerWidth, window.innerHeight];");
        let (w, h) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
        if (w, h) == (u64::from(width), u64::from(height)) {
            return;
        }
        window = (
            window.0 + width - u32::try_from(w).unwrap(),
            window.1 + height - u32::try_from(h).unwrap(),
        );
    }
    panic!("the viewport cannot be set to {width}×{height}");
}

/// axe-core's serious and critical violations on the open page, one line
/// per element, and how many rules ran (none would mean axe did not).
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"] }).then(result => done({
  rules: result.passes.length + result.violations.length + result.incomplete.length,
  problems: result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .flatMap(v => v.nodes.map(n => `${v.impact} ${v.id} at ${n.target.join(" ")}: ${v.help} (${n.failureSummary.replace(/\s+/g, " ")})`))
}), error => done({ rules: 0, problems: [`axe failed: ${error}`] }));
"#;

/// `null` when the page is no wider than the viewport, or the elements that
/// stick out (those whose children do not), widest first.
const OVERFLOW: &str = r##"
const width = window.innerWidth;
const page = document.documentElement.scrollWidth;
if (page <= width) return null;
const clipped = e => {
  for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== "visible") return true;
  }
  return false;
};
const out = [...document.body.querySelectorAll("*")]
  .filter(e => e.getBoundingClientRect().right > width + 0.5 && !clipped(e));
const name = e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
  (typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().split(/\s+/).join(".") : "");
const culprits = out.filter(e => ![...e.children].some(c => out.includes(c)))
  .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
  .slice(0, 5)
  .map(e => `${name(e)} (right edge ${Math.round(e.getBoundingClientRect().right)} px): ${(e.textContent || "").trim().slice(0, 60)}`);
return `the page is ${page} px wide in a ${width} px viewport; widest: ${culprits.join("; ")}`;
"##;

#[test]
fn every_page_passes_axe_and_fits_a_phone() {
    let Some(axe) = axe_script() else { return };
    let dir = tempfile::tempdir().unwrap();
    let seeded = seed(dir.path());
    let server = &seeded.server;
    let pages = pages(&seeded);

    let listed: Vec<&str> = pages.iter().map(|(route, _)| *route).collect();
    let declared = ui_get_routes();
    assert!(
        declared.len() >= listed.len(),
        "the router's GET routes were not found in crates/server/src/ui: {declared:?}"
    );
    let unvisited: Vec<&String> = declared
        .iter()
        .filter(|r| !listed.contains(&r.as_str()))
        .collect();
    assert!(
        unvisited.is_empty(),
        "GET routes of the UI this test does not visit: {unvisited:?}; add them to `pages` (or NOT_PAGES)"
    );
    let gone: Vec<&&str> = listed
        .iter()
        .filter(|r| !declared.iter().any(|d| d == *r))
        .collect();
    assert!(gone.is_empty(), "listed but not routed: {gone:?}");

    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "alice", PASSWORD);
    // An error page has the bare layout: one more to check.
    let error_page = "/incidents/INC-99";
    let visits: Vec<String> = pages
        .iter()
        .filter_map(|(_, path)| path.clone())
        .chain([error_page.to_string()])
        .collect();
    let mut failures = Vec::new();
    for (width, height) in [(1400, 1000), (400, 900)] {
        set_viewport(&driver, width, height);
        for path in &visits {
            driver.go(&format!("{}{path}", server.url));
            let heading = driver.text("h1");
            let refused =
                heading.starts_with(|c: char| c.is_ascii_digit()) || heading == "Sign in required";
            assert_eq!(
                refused,
                path == error_page,
                "{path} shows the page {heading:?}"
            );
            driver.open_all_details();
            driver.call(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": axe, "args": [] })),
            );
            let violations = driver.call(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({ "script": AXE_RUN, "args": [] })),
            );
            assert!(
                violations["rules"].as_u64() > Some(10),
                "axe-core ran no rules on {path}: {violations}"
            );
            for violation in violations["problems"].as_array().unwrap() {
                failures.push(format!(
                    "{path} at {width} px: {}",
                    violation.as_str().unwrap()
                ));
            }
            if width <= 400 {
                let overflow = driver.call(
                    reqwest::Method::POST,
                    "/execute/sync",
                    Some(json!({ "script": OVERFLOW, "args": [] })),
                );
                if let Some(overflow) = overflow.as_str() {
                    failures.push(format!("{path} at {width} px scrolls sideways: {overflow}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Presses `keys` one after the other, as a person at the keyboard would,
/// and answers the focused element as `tag#id[name]`.
fn press(driver: &Driver, keys: &[&str]) -> String {
    let actions: Vec<Value> = keys
        .iter()
        .flat_map(|k| {
            [
                json!({"type": "keyDown", "value": k}),
                json!({"type": "keyUp", "value": k}),
            ]
        })
        .collect();
    driver.call(
        reqwest::Method::POST,
        "/actions",
        Some(json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": actions }] })),
    );
    let script = "const e = document.activeElement; return e.tagName.toLowerCase() + '#' + e.id + '[' + (e.getAttribute('name') || '') + ']';";
    driver
        .call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )
        .as_str()
        .unwrap()
        .to_string()
}

/// The first Tab reaches the skip link; on the incident page `n` focuses
/// the timeline entry box, `g` then `t` the timeline and `g` then `r` opens
/// the root-cause fold.
#[test]
fn the_keyboard_reaches_the_content_and_the_incident_page_shortcuts_work() {
    let dir = tempfile::tempdir().unwrap();
    let server = crate::support::server_with_incident(&dir.path().join("data"));
    server.add_user("alice", "responder", PASSWORD);
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &server.url, "alice", PASSWORD);
    driver.go(&format!("{}/incidents/INC-1", server.url));
    driver.wait_for_text("h1", "INC-1");
    assert_eq!(press(&driver, &["\u{E004}"]), "a#[]", "Tab");
    assert_eq!(driver.text(":focus"), "Skip to main content");
    assert_eq!(press(&driver, &["\u{E007}"]), "main#main[]", "Enter");
    assert_eq!(press(&driver, &["n"]), "input#[text]");
    // Typed into the box, a letter is text, not a shortcut.
    assert_eq!(press(&driver, &["g", "t"]), "input#[text]");
    driver.click("h1");
    assert_eq!(press(&driver, &["g", "t"]), "section#timeline-section[]");
    // A section kept in a fold is reached by opening the fold.
    assert_eq!(press(&driver, &["g", "r"]), "details#fold-rca[]");
    assert_eq!(
        driver.script("return document.getElementById('fold-rca').open;"),
        Value::Bool(true)
    );
}

/// Writes `docs/screenshots/incident-1400.png` and `incident-400.png`, the
/// incident page of the seeded record as the README shows it.
#[test]
#[ignore = "writes the README's screenshots: run with --ignored screenshots"]
fn screenshots_of_the_incident_page() {
    let dir = tempfile::tempdir().unwrap();
    let seeded = seed(dir.path());
    let driver = Driver::start(&dir.path().join("chromium-profile"));
    sign_in(&driver, &seeded.server.url, "alice", PASSWORD);
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&docs).unwrap();
    for (width, height) in [(1400, 1000), (400, 860)] {
        set_viewport(&driver, width, height);
        driver.go(&format!("{}/incidents/INC-1", seeded.server.url));
        driver.wait_for_text("h1", "INC-1");
        driver.screenshot(&docs.join(format!("incident-{width}.png")), None);
    }
}

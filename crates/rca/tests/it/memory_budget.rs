//! Every analysis runs under a memory budget and stops with a typed error
//! naming the model, the top event and the budget before passing it.

use firebreak_rca::RcaError;
use firebreak_rca::fta::{AnalysisSettings, analyze};

use crate::read_fixture_model;

#[test]
fn an_analysis_past_its_budget_stops_with_an_error_naming_it() {
    let model = read_fixture_model(&["Baobab/baobab1.xml", "Baobab/baobab1-basic-events.xml"]);
    let tight = AnalysisSettings {
        memory_budget: Some(1 << 20),
        ..AnalysisSettings::default()
    };
    let error = analyze(&model, None, &tight).expect_err("46,188 cut sets need more than 1 MiB");
    let RcaError::MemoryBudgetExceeded {
        top_event,
        budget,
        phase,
        ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!((top_event.as_str(), *budget), ("r1", 1 << 20));
    assert!(!phase.is_empty());
    let message = error.to_string();
    assert!(
        message.contains("`r1`")
            && message.contains("1 MiB")
            && message.contains("--memory-budget"),
        "{message}"
    );

    let ample = AnalysisSettings {
        memory_budget: Some(1 << 30),
        ..AnalysisSettings::default()
    };
    let within = analyze(&model, None, &ample).expect("1 GiB is enough");
    let unbounded = analyze(&model, None, &AnalysisSettings::default()).unwrap();
    assert_eq!(within, unbounded);
}

#[test]
fn the_budget_is_part_of_the_settings_json() {
    let settings = AnalysisSettings {
        memory_budget: Some(123),
        ..AnalysisSettings::default()
    };
    let json = serde_json::to_value(&settings).unwrap();
    assert_eq!(json["memory_budget"], 123);
    let back: AnalysisSettings = serde_json::from_value(json).unwrap();
    assert_eq!(back, settings);
    let default = serde_json::to_value(AnalysisSettings::default()).unwrap();
    assert!(default.get("memory_budget").is_none());
}

use super::*;

/// The shared draft, its summary written.
fn postmortem() -> PostMortem {
    PostMortem {
        summary: Some("First words".into()),
        ..crate::test_support::postmortem()
    }
}

fn edit(field: &str, was: Option<&str>, text: Option<&str>, category: Option<&str>) -> SectionEdit {
    SectionEdit {
        field: field.into(),
        was: was.map(str::to_string),
        text: text.map(str::to_string),
        category: category.map(|c| parse_category(c).unwrap()),
    }
}

#[test]
fn a_section_saves_over_the_text_it_was_opened_on_only() {
    let current = postmortem();
    let was = fingerprint(Some("First words"));
    let next = edit("summary", Some(&was), Some("Better words"), None)
        .apply(&current)
        .unwrap();
    assert_eq!(next.summary.as_deref(), Some("Better words"));
    // Someone else saved meanwhile: a conflict, not a silent overwrite.
    let stale = edit(
        "summary",
        Some(&fingerprint(Some("Older"))),
        Some("Mine"),
        None,
    );
    assert!(matches!(
        stale.apply(&current),
        Err(DomainError::Conflict { .. })
    ));
    // Emptied, the section is to write again.
    let cleared = edit("summary", Some(&was), None, None)
        .apply(&current)
        .unwrap();
    assert_eq!(cleared.summary, None);
    let written = edit("lessons", Some("none"), Some("Gate releases"), None)
        .apply(&current)
        .unwrap();
    assert_eq!(written.lessons.as_deref(), Some("Gate releases"));
    assert!(
        edit("status", Some("none"), Some("x"), None)
            .apply(&current)
            .is_err()
    );
}

#[test]
fn causes_are_added_changed_and_removed_one_at_a_time() {
    let current = postmortem();
    let added = edit(
        "root_causes/new",
        None,
        Some("Thin data for group C"),
        Some("data"),
    )
    .apply(&current)
    .unwrap();
    assert_eq!(added.root_causes[1].id, "rc-2");
    assert_eq!(added.root_causes[1].category, CauseCategory::Data);
    let was = fingerprint(Some("No fairness gate"));
    let changed = edit(
        "root_causes/rc-1",
        Some(&was),
        Some("No fairness gate in CI"),
        Some("custom:release"),
    )
    .apply(&current)
    .unwrap();
    assert_eq!(changed.root_causes[0].statement, "No fairness gate in CI");
    assert_eq!(
        changed.root_causes[0].category,
        CauseCategory::Custom("release".into())
    );
    let removed = edit("root_causes/rc-1", Some(&was), None, None)
        .apply(&current)
        .unwrap();
    assert!(removed.root_causes.is_empty());
    assert!(matches!(
        edit("root_causes/rc-9", Some(&was), Some("x"), Some("data")).apply(&current),
        Err(DomainError::Conflict { .. })
    ));
    let factor = edit(
        "contributing_factors/new",
        None,
        Some("Untuned alerts"),
        None,
    )
    .apply(&current);
    assert!(matches!(factor, Err(DomainError::Invalid(_))));
    let proximate = edit(
        "proximate_cause",
        Some("none"),
        Some("v2 dropped a feature"),
        Some("model"),
    )
    .apply(&current)
    .unwrap();
    assert_eq!(
        proximate.proximate_cause.unwrap().category,
        CauseCategory::Model
    );
    assert_eq!(category_value(&CauseCategory::Technology), "technology");
}

//! Refusals name their field; extreme instants and huge ranges never panic.

use super::*;

fn error_text(s: &Schedule) -> String {
    s.validate().unwrap_err().to_string()
}

#[test]
fn every_fault_of_a_schedule_is_named_by_its_field() {
    let mut bad_window = layer(daily(), "09:00", "2026-03-02T09:00", &["a"]);
    bad_window["restrictions"] = json!([
        {"days": [], "start": "09:00", "end": "17:00"},
        {"days": ["monday", "monday"], "start": "09:00", "end": "17:00"},
    ]);
    let s: Schedule = serde_json::from_value(json!({
        "slug": "Bad Slug",
        "name": " ",
        "time_zone": "Europe/Lndon",
        "layers": [
            layer(json!({"kind": "custom", "length": 0, "unit": "hours"}), "09:00", "1800-01-01T00:00", &["a"]),
            layer(daily(), "09:00", "2026-03-02T09:00", &[]),
            layer(json!({"kind": "custom", "length": 367, "unit": "days"}), "09:00", "2026-03-02T09:00", &["a", " "]),
            bad_window,
        ],
        "overrides": [
            {"user": "a", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T10:00:00Z"},
            {"user": "", "start": "2026-03-02T10:00:00Z", "end": "2027-06-02T10:00:00Z"},
        ],
    }))
    .unwrap();
    let error = s.validate().unwrap_err();
    let fields: Vec<String> = error.fields().into_iter().map(|f| f.field).collect();
    assert_eq!(
        fields,
        [
            "slug",
            "name",
            "time_zone",
            "layers[0].rotation.length",
            "layers[0].start",
            "layers[1].participants",
            "layers[2].rotation.length",
            "layers[2].participants[1]",
            "layers[3].restrictions[0].days",
            "layers[3].restrictions[1].days[1]",
            "overrides[0].end",
            "overrides[1].user",
            "overrides[1].end",
        ]
    );
    let text = error.to_string();
    for expected in [
        "time_zone: unknown IANA time zone \"Europe/Lndon\"",
        "layers[1].participants: empty: name at least one user",
        "layers[0].rotation.length: must be at least 1 and at most 8784 hours",
        "overrides[0].end: must be after start",
        "overrides[1].end: an override lasts at most 400 days",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    // The server answers 422 with the same fields.
    let crate::DomainError::Invalid(domain) = crate::DomainError::from(error) else {
        panic!("not invalid")
    };
    assert_eq!(domain.len(), fields.len());
    // Every computation refuses it the same way.
    assert_eq!(
        on_call_at(&s, at("2026-03-02T10:00Z")).unwrap_err(),
        s.validate().unwrap_err()
    );
}

#[test]
fn a_schedule_needs_a_layer_and_a_known_zone() {
    let s = schedule("", json!([]), json!([]));
    let text = error_text(&s);
    assert!(
        text.contains("time_zone: unknown IANA time zone \"\""),
        "{text}"
    );
    assert!(
        text.contains("layers: a schedule needs at least one layer"),
        "{text}"
    );
}

#[test]
fn unknown_fields_and_rotations_do_not_deserialize() {
    let typo = json!({"slug": "s", "name": "S", "time_zone": "UTC", "layer": [], "overrides": []});
    assert!(serde_json::from_value::<Schedule>(typo).is_err());
    let rotation = json!({"kind": "monthly"});
    assert!(serde_json::from_value::<Rotation>(rotation).is_err());
}

#[test]
fn ranges_are_checked() {
    let s = schedule(
        "UTC",
        json!([layer(daily(), "09:00", "2026-03-02T09:00", &["a"])]),
        json!([]),
    );
    let t = at("2026-03-02T09:00Z");
    assert!(matches!(
        final_shifts(&s, t, t),
        Err(OncallError::EmptyRange { .. })
    ));
    let far = at("2027-04-07T09:00Z");
    let error = final_shifts(&s, t, far).unwrap_err();
    assert!(matches!(
        error,
        OncallError::RangeTooLong { max_days: 400, .. }
    ));
    assert_eq!(error.fields()[0].field, "to");
    assert!(final_shifts(&s, t, at("2027-04-06T09:00Z")).is_ok());
}

/// The ends of the representable range: no panic, sensible answers.
#[test]
fn extreme_instants() {
    let hourly = schedule(
        "Pacific/Chatham",
        json!([
            layer(
                json!({"kind": "custom", "length": 7, "unit": "hours"}),
                "02:45",
                "2999-12-31T23:59:59",
                &["a", "b"]
            ),
            layer(
                json!({"kind": "weekly"}),
                "00:00",
                "1900-01-01T00:00",
                &["c"]
            ),
        ]),
        json!([{"user": "o", "start": "2026-03-02T10:00:00Z", "end": "2026-03-02T11:00:00Z"}]),
    );
    for t in [
        Timestamp::MIN,
        Timestamp::MAX,
        at("1900-01-01T00:00Z"),
        at("9999-12-30T00:00Z"),
    ] {
        let _ = on_call_at(&hourly, t).unwrap();
    }
    assert_eq!(on_call_at(&hourly, Timestamp::MIN).unwrap(), None);
    let last = on_call_at(&hourly, Timestamp::MAX).unwrap().unwrap();
    assert_eq!(last.end, Timestamp::MAX);
    let hour = jiff::SignedDuration::from_hours(100);
    let shifts = final_shifts(
        &hourly,
        Timestamp::MAX.checked_sub(hour).unwrap(),
        Timestamp::MAX,
    )
    .unwrap();
    assert!(!shifts.is_empty());
    assert_eq!(shifts.last().unwrap().end, Timestamp::MAX);
    assert!(
        final_shifts(
            &hourly,
            Timestamp::MIN,
            Timestamp::MIN.checked_add(hour).unwrap()
        )
        .unwrap()
        .is_empty()
    );
}

/// Twelve hourly layers handing off at different minutes change hands more
/// than [`MAX_CHANGES`] times in 400 days: refused, not computed at length.
#[test]
fn too_many_changes_are_refused() {
    let layers: Vec<Value> = (0..12)
        .map(|i| {
            layer(
                json!({"kind": "custom", "length": 1, "unit": "hours"}),
                &format!("00:{:02}", i * 5),
                "2026-01-01T00:00",
                &["a", "b"],
            )
        })
        .collect();
    let s = schedule("UTC", json!(layers), json!([]));
    let error = final_shifts(&s, at("2026-01-01T00:00Z"), at("2027-01-01T00:00Z")).unwrap_err();
    assert_eq!(error, OncallError::TooManyChanges { limit: MAX_CHANGES });
}

#[test]
fn civil_times_parse_without_seconds() {
    let l: Layer =
        serde_json::from_value(layer(daily(), "09:30", "2026-03-02T09:30", &["a"])).unwrap();
    assert_eq!(l.handoff, jiff::civil::time(9, 30, 0, 0));
    assert_eq!(serde_json::to_value(&l).unwrap()["handoff"], "09:30:00");
}

use super::*;
use crate::api::ingest::check_mapping;
use crate::api::postmortems::merge_edit;
use crate::test_support::postmortem;
use firebreak_rca::fmea::fmea_from_csv;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

const DOCS: &str = include_str!("../../../../../docs/input-formats.md");

/// The fenced blocks of the docs tagged with a format: ```json fishbone.
fn examples() -> Vec<(InputFormat, String)> {
    let mut found = Vec::new();
    let mut lines = DOCS.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut words = info.split_whitespace();
        let (Some(_language), Some(tag)) = (words.next(), words.next()) else {
            // An untagged block: skip to its end.
            lines.by_ref().find(|l| l.starts_with("```"));
            continue;
        };
        let format = InputFormat::parse(tag)
            .unwrap_or_else(|| panic!("docs/input-formats.md tags a block `{tag}`, no format"));
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        found.push((format, body.join("\n") + "\n"));
    }
    found
}

fn serde_reads<T: DeserializeOwned>(value: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(value.clone())
        .map(drop)
        .map_err(|e| e.to_string())
}

/// serde alone, as the format's parser runs it after the schema check.
fn serde_alone(format: InputFormat, value: &Value) -> Result<(), String> {
    match format {
        InputFormat::Fishbone => serde_reads::<Fishbone>(value),
        InputFormat::FiveWhys => serde_reads::<WhysAnalysis>(value),
        InputFormat::SwissCheese => serde_reads::<SwissCheese>(value),
        InputFormat::CauseStatement => serde_reads::<CauseStatement>(value),
        InputFormat::Fmea => serde_reads::<FmeaBody>(value),
        InputFormat::Postmortem => {
            let mut merged = serde_json::to_value(postmortem()).unwrap();
            for (key, field) in value.as_object().into_iter().flatten() {
                merged[key] = field.clone();
            }
            serde_reads::<PostMortem>(&merged)
        }
        InputFormat::Questionnaire => serde_reads::<AssessRequest>(value),
        InputFormat::RoutingRules => serde_reads::<Vec<RoutingRule>>(value),
        InputFormat::GenericMapping => serde_reads::<BTreeMap<String, String>>(value),
        InputFormat::FmeaCsv => unreachable!("CSV is not JSON"),
    }
}

/// The parser the CLI's and the API's input goes through, whole.
fn real_parser(format: InputFormat, text: &str) -> Result<(), String> {
    let json = || serde_json::from_str::<Value>(text).map_err(|e| e.to_string());
    let fields = |errors: Vec<firebreak_core::FieldError>| format!("{errors:?}");
    match format {
        InputFormat::FmeaCsv => fmea_from_csv(text).map(drop).map_err(|e| e.to_string()),
        InputFormat::Postmortem => merge_edit(&postmortem(), &json()?)
            .map(drop)
            .map_err(|e| e.to_string()),
        InputFormat::GenericMapping => {
            let mapping: BTreeMap<String, String> =
                crate::schema::read_with(&format.schema(), &json()?).map_err(fields)?;
            check_mapping(&mapping).map_err(|e| e.to_string())
        }
        InputFormat::Questionnaire => crate::schema::read::<AssessRequest>(&json()?)
            .map(drop)
            .map_err(fields),
        _ => {
            let value = json()?;
            let missing = format.schema().missing(&value);
            if !missing.is_empty() {
                return Err(format!("missing {missing:?}"));
            }
            serde_alone(format, &value)
        }
    }
}

#[test]
fn every_format_has_a_documented_example_that_its_parser_reads() {
    let examples = examples();
    for format in InputFormat::ALL {
        let heading = format!("## {}", format.title());
        assert!(DOCS.contains(&heading), "docs lack the section `{heading}`");
        assert!(DOCS.contains(&format.url()), "docs lack {}", format.url());
        assert!(
            examples.iter().any(|(f, _)| *f == format),
            "docs/input-formats.md has no ```… {} example",
            format.as_str()
        );
    }
    for (format, text) in &examples {
        if let Err(error) = real_parser(*format, text) {
            panic!(
                "the {} example does not parse: {error}\n{text}",
                format.as_str()
            );
        }
    }
}

#[test]
fn the_fmea_csv_example_has_every_required_column_and_no_derived_one() {
    for (_, text) in examples()
        .into_iter()
        .filter(|(f, _)| *f == InputFormat::FmeaCsv)
    {
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let row: Map<String, Value> = header.iter().map(|c| (c.to_string(), json!(""))).collect();
        assert_eq!(
            InputFormat::FmeaCsv.schema().missing(&Value::Object(row)),
            Vec::<String>::new()
        );
        for derived in DERIVED_CSV_COLUMNS {
            assert!(
                !header.contains(&derived),
                "the example need not carry {derived}"
            );
        }
    }
}

/// Every field of every object in `value`, as (path to its object, key).
fn fields_of(value: &Value, path: &[PathStep], out: &mut Vec<(Vec<PathStep>, String)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push((path.to_vec(), key.clone()));
                let mut deeper = path.to_vec();
                deeper.push(PathStep::Key(key.clone()));
                fields_of(inner, &deeper, out);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                let mut deeper = path.to_vec();
                deeper.push(PathStep::Index(index));
                fields_of(inner, &deeper, out);
            }
        }
        _ => {}
    }
}

#[derive(Debug, Clone)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn object_at<'a>(value: &'a mut Value, path: &[PathStep]) -> &'a mut Map<String, Value> {
    let mut at = value;
    for step in path {
        at = match step {
            PathStep::Key(key) => &mut at[key.as_str()],
            PathStep::Index(index) => &mut at[*index],
        };
    }
    at.as_object_mut().expect("an object")
}

fn serde_path(path: &[PathStep], key: &str) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            PathStep::Key(k) if text.is_empty() => text.push_str(k),
            PathStep::Key(k) => text.push_str(&format!(".{k}")),
            PathStep::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    if text.is_empty() {
        key.to_string()
    } else {
        format!("{text}.{key}")
    }
}

/// The schema's `required` lists are serde's: leaving out any one field of a
/// documented example, the schema names it exactly when serde refuses.
#[test]
fn the_schemas_require_exactly_what_serde_requires() {
    for (format, text) in examples() {
        if format == InputFormat::FmeaCsv {
            continue;
        }
        let example: Value = serde_json::from_str(&text).unwrap();
        let schema = format.schema();
        let mut fields = Vec::new();
        fields_of(&example, &[], &mut fields);
        for (path, key) in fields {
            let mut without = example.clone();
            object_at(&mut without, &path).remove(&key);
            let named = schema.missing(&without);
            let refused = serde_alone(format, &without);
            let at = serde_path(&path, &key);
            if named.is_empty() {
                assert!(
                    refused.is_ok(),
                    "{}: without {at} serde refuses ({refused:?}) but the schema does not require it",
                    format.as_str()
                );
            } else {
                assert_eq!(named, std::slice::from_ref(&at), "{}", format.as_str());
                assert!(
                    refused.is_err(),
                    "{}: the schema requires {at} but serde reads it without",
                    format.as_str()
                );
            }
        }
    }
}

#[test]
fn served_documents_are_json_schemas_with_every_reference_defined() {
    for format in InputFormat::ALL {
        let document = format.document();
        assert_eq!(document["$schema"], crate::schema::DIALECT);
        assert_eq!(document["$id"], format.url());
        assert_eq!(
            document["type"],
            if format == InputFormat::RoutingRules {
                "array"
            } else {
                "object"
            },
            "{}",
            format.as_str()
        );
        let text = document.to_string();
        assert!(!text.contains("#/components/"), "{}", format.as_str());
        for reference in text.split("\"#/$defs/").skip(1) {
            let name = &reference[..reference.find('"').unwrap()];
            assert!(
                document["$defs"].get(name).is_some(),
                "{}: {name} undefined",
                format.as_str()
            );
        }
    }
    let csv = InputFormat::FmeaCsv.document();
    assert_eq!(csv["required"], json!(REQUIRED_CSV_COLUMNS));
    assert_eq!(csv["properties"]["rpn"]["readOnly"], true);
}

#[test]
fn an_fmea_action_is_held_to_the_form_whose_fields_it_uses() {
    let row = |action: Value| {
        json!({ "rows": [{
            "item": "m", "failure_mode": "f", "effect": "e", "cause": "c",
            "prevention_controls": "p", "detection_controls": "d",
            "severity": 8, "occurrence": 2, "detection": 3, "actions": [action]
        }] })
    };
    let schema = InputFormat::Fmea.schema();
    let legacy = row(json!({ "description": "Drift test", "owner": "ml-platform", "due": null }));
    assert_eq!(schema.missing(&legacy), Vec::<String>::new());
    assert!(serde_alone(InputFormat::Fmea, &legacy).is_ok());
    let item = row(json!({ "id": "act-1", "title": "Drift test", "owner": "ml-platform" }));
    assert_eq!(
        schema.missing(&item),
        [
            "rows[0].actions[0].kind",
            "rows[0].actions[0].impact",
            "rows[0].actions[0].effort",
            "rows[0].actions[0].status",
        ]
    );
}

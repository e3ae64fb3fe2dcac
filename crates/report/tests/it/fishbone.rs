use firebreak_rca::fishbone::{Fishbone, FishboneCause, FishbonePreset};
use firebreak_report::fishbone_svg;

use crate::assert_svg_document;

fn cause(
    statement: &str,
    votes: u32,
    chosen: bool,
    sub_causes: Vec<FishboneCause>,
) -> FishboneCause {
    FishboneCause {
        statement: statement.into(),
        evidence: Vec::new(),
        votes,
        likelihood: None,
        chosen_as_root_cause: chosen,
        sub_causes,
    }
}

/// A workshop on a chatbot that leaked a customer's address: the AI preset,
/// votes, a likelihood, sub-causes, two chosen root causes, one empty
/// category and a statement too long for its label.
#[test]
fn fishbone() {
    let mut fishbone = Fishbone::new(
        "Support chatbot disclosed another customer's postal address",
        FishbonePreset::Ai,
    );
    let [data, model, process, people, infrastructure, _governance] = &mut fishbone.categories[..]
    else {
        panic!("the AI preset has six categories");
    };
    data.causes = vec![
        cause(
            "Support tickets with addresses were in the fine-tuning set",
            6,
            true,
            vec![
                cause(
                    "No PII scrubbing step in the data pipeline",
                    4,
                    false,
                    vec![],
                ),
                cause("Dataset card did not list personal data", 1, false, vec![]),
            ],
        ),
        cause("Retrieval index mixed tenants", 3, false, vec![]),
    ];
    model.causes = vec![
        FishboneCause {
            likelihood: Some(0.6),
            ..cause("Model memorises rare strings verbatim", 2, false, vec![])
        },
        cause(
            "No output filter for addresses or phone numbers",
            5,
            true,
            vec![],
        ),
    ];
    process.causes = vec![cause(
        "The red-team plan covered jailbreaks and toxicity but not the extraction of personal data from training examples, so the leak path was never probed before launch",
        2,
        false,
        vec![],
    )];
    people.causes = vec![cause(
        "Privacy reviewer not invited to launch review",
        1,
        false,
        vec![],
    )];
    infrastructure.causes = vec![
        cause("Conversation logs kept for 400 days", 0, false, vec![]),
        cause("Staging shared the production index", 1, false, vec![]),
    ];
    let svg = fishbone_svg(&fishbone);
    assert_svg_document(&svg);
    insta::assert_snapshot!("fishbone", svg);
}

/// 45 causes, unevenly spread, some with sub-causes: the size a real
/// workshop reaches, which must stay readable.
#[test]
fn fishbone_with_45_causes() {
    let mut fishbone = Fishbone::new(
        "Fraud model blocked 12% of legitimate card payments for six hours",
        FishbonePreset::SixM,
    );
    let statements = [
        "Threshold raised in a hotfix",
        "Feature store served stale merchant risk scores",
        "Holiday traffic pattern absent from training data",
        "Alert routed to a muted channel",
        "Rollback script needed a manual approval",
        "On-call engineer new to the fraud model",
        "Shadow evaluation skipped to meet the deadline",
        "Currency conversion changed upstream",
    ];
    for index in 0..45 {
        let category = index % 6;
        let statement = format!("{} ({})", statements[index % statements.len()], index + 1);
        let new_cause = cause(&statement, (index % 7) as u32, index % 13 == 4, vec![]);
        let causes = &mut fishbone.categories[category].causes;
        match causes.last_mut() {
            Some(previous) if index % 4 == 3 => previous.sub_causes.push(new_cause),
            _ => causes.push(new_cause),
        }
    }
    let svg = fishbone_svg(&fishbone);
    assert_svg_document(&svg);
    assert!(svg.contains("45 causes"));
    insta::assert_snapshot!("fishbone_with_45_causes", svg);
}

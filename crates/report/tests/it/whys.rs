use firebreak_core::lint::LintConfig;
use firebreak_rca::CauseCategory;
use firebreak_rca::whys::{Why, WhysAnalysis, check_whys};
use firebreak_report::whys_svg;

use crate::assert_svg_document;

fn why(statement: &str, category: CauseCategory, causes: Vec<Why>) -> Why {
    Why {
        statement: statement.into(),
        category,
        evidence: vec!["EV-1".into()],
        causes,
    }
}

/// A loan model incident with a sound chain, a branch, a chain that blames
/// a person and stops early, and one that ends on the symptom.
#[test]
fn whys() {
    let analysis = WhysAnalysis {
        symptom: "Loan model rejected 80% of applicants on 3 May".into(),
        whys: vec![
            why(
                "Scores shifted down for every applicant",
                CauseCategory::Model,
                vec![
                    why(
                        "The income feature arrived in cents instead of euros",
                        CauseCategory::Data,
                        vec![why(
                            "The upstream team changed the schema without a contract test",
                            CauseCategory::Process,
                            vec![why(
                                "No data contract exists between the payments and risk teams",
                                CauseCategory::Governance,
                                vec![],
                            )],
                        )],
                    ),
                    why(
                        "No drift alert fired",
                        CauseCategory::Technology,
                        vec![why(
                            "Monitoring covered latency only",
                            CauseCategory::Process,
                            vec![why(
                                "Loan model rejected 80% of applicants on 3 May",
                                CauseCategory::Model,
                                vec![],
                            )],
                        )],
                    ),
                ],
            ),
            why(
                "The release went out on a Friday evening",
                CauseCategory::Process,
                vec![why(
                    "Human error by the release manager",
                    CauseCategory::People,
                    vec![],
                )],
            ),
        ],
    };
    let findings = check_whys(&analysis, &LintConfig::default(), &[]);
    assert_eq!(findings.len(), 3);
    let svg = whys_svg(&analysis, &findings);
    assert_svg_document(&svg);
    insta::assert_snapshot!("whys", svg);
}

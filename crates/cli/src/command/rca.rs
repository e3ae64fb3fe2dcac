//! `firebreak rca`: Fault Tree Analysis of Open-PSA MEF models on local files,
//! without a server (`rca fta analyze`), with SCRAM's results and definitions;
//! the SVG comes from `firebreak-report`. The artifacts kept on incidents and
//! systems are in `artifact.rs`.

use super::analyze::{
    Progress, Text, emit, format_of, is_users_path_error, number, significant, to_json, write_file,
};
use crate::InputError;
use crate::cli::{ApproximationArg, FtaAnalyzeArgs, FtaCommand, RcaCommand, ReportFormat};
use anyhow::Result;
use firebreak_rca::RcaError;
use firebreak_rca::fta::compile::EvaluationSettings;
use firebreak_rca::fta::{
    AnalysisSettings, Approximation, MefSource, TopEventAnalysis, analyze, read_mef,
    sequence_values,
};
use firebreak_report::{FaultTreeOptions, event_tree_svg, fault_tree_svg};

pub async fn run(command: RcaCommand) -> Result<()> {
    match command {
        RcaCommand::Fta(FtaCommand::Analyze(args)) => fta_analyze(args),
        RcaCommand::Put {
            id,
            kind,
            name,
            file,
            json,
        } => super::artifact::put(&id, &kind, &name, &file, json).await,
        RcaCommand::Show {
            id,
            kind,
            name,
            svg,
            json,
        } => super::artifact::show(&id, kind, name, svg, json).await,
        RcaCommand::Fmea(command) => super::artifact::fmea(command).await,
    }
}

/// Every refusal of the RCA library is about the model the user gave, but
/// for running out of the memory budget, a runtime failure.
fn refused(error: RcaError) -> anyhow::Error {
    match error {
        RcaError::MemoryBudgetExceeded { .. } => anyhow::Error::new(error),
        _ => InputError(error.to_string()).into(),
    }
}

fn fta_analyze(args: FtaAnalyzeArgs) -> Result<()> {
    if !(args.mission_time.is_finite() && args.mission_time >= 0.0) {
        return Err(InputError(format!(
            "--mission-time: {} is not a number of hours",
            args.mission_time
        ))
        .into());
    }
    let mut texts = Vec::with_capacity(args.models.len());
    for path in &args.models {
        let bytes = std::fs::read(path).map_err(|error| -> anyhow::Error {
            let message = format!("cannot read {}: {error}", path.display());
            if is_users_path_error(&error) {
                InputError(message).into()
            } else {
                anyhow::Error::new(error).context(message)
            }
        })?;
        let text = String::from_utf8(bytes).map_err(|error| {
            InputError(format!(
                "{} is not UTF-8 text (byte {}), so not an MEF file",
                path.display(),
                error.utf8_error().valid_up_to()
            ))
        })?;
        texts.push((path.display().to_string(), text));
    }
    let sources: Vec<MefSource<'_>> = texts
        .iter()
        .map(|(name, text)| MefSource { name, text })
        .collect();
    let progress = Progress::start("fault tree analysis");
    let model = read_mef(&sources).map_err(refused)?;
    let settings = AnalysisSettings {
        limit_order: usize::try_from(args.limit_order).unwrap_or(usize::MAX),
        mission_time: args.mission_time,
        approximation: args.approximation.map(|approximation| match approximation {
            ApproximationArg::RareEvent => Approximation::RareEvent,
            ApproximationArg::Mcub => Approximation::Mcub,
        }),
        memory_budget: args.memory_budget.map(|mebibytes| mebibytes << 20),
        top_k: args.top_k,
        ..AnalysisSettings::default()
    };
    let results = analyze(&model, args.top.as_deref(), &settings).map_err(refused)?;
    if let Some(path) = &args.svg {
        let svg = match results.as_slice() {
            [analysis] if analysis.initiating_event.is_none() => {
                let options = FaultTreeOptions {
                    evaluation: EvaluationSettings {
                        mission_time: args.mission_time,
                    },
                    analysis: Some(analysis),
                    highlighted_cut_set: None,
                };
                fault_tree_svg(&model, &analysis.top_event, &options).map_err(refused)?
            }
            // A model that is one event tree is drawn as that tree.
            _ if args.top.is_none() && model.sole_initiating_event().is_some() => {
                let initiating_event = model.sole_initiating_event().expect("checked");
                let values = sequence_values(&results, initiating_event, settings.approximation);
                event_tree_svg(&model, initiating_event, &values).map_err(refused)?
            }
            _ => {
                let names: Vec<&str> = results.iter().map(|r| r.top_event.as_str()).collect();
                return Err(InputError(format!(
                    "--svg draws one fault tree or one event tree, and the model has {} results ({})\nhint: choose a gate with --top",
                    names.len(),
                    names.join(", ")
                ))
                .into());
            }
        };
        write_file(path, &svg)?;
    }
    drop(progress);
    let text = match format_of(&args.output) {
        ReportFormat::Json => to_json(&results)?,
        ReportFormat::Html => {
            return Err(InputError(
                "fault-tree analysis prints table, md or json; draw the tree with --svg".into(),
            )
            .into());
        }
        format => {
            let mut out = Text::new(format == ReportFormat::Md);
            for (index, result) in results.iter().enumerate() {
                if index > 0 {
                    out.blank();
                }
                analysis_text(&mut out, result, &args);
            }
            out.finish()
        }
    };
    emit(&args.output, &text)
}

fn analysis_text(out: &mut Text, result: &TopEventAnalysis, args: &FtaAnalyzeArgs) {
    let (what, name) = match &result.initiating_event {
        Some(initiating_event) => (
            "Event tree",
            format!(
                "initiating event {initiating_event}, sequence {}",
                result.top_event
            ),
        ),
        None => ("Fault tree", format!("top event {}", result.top_event)),
    };
    let phase = result.phase.as_ref().map_or(String::new(), |phase| {
        format!(
            " — alignment {}, phase {} ({} of the mission)",
            phase.alignment, phase.phase, phase.time_fraction
        )
    });
    out.heading(&format!("{what}: {name}{phase}"));
    if result.expression_only {
        if let Some(probability) = &result.probability {
            out.line(&format!(
                "frequency: {} (the product of the values collected along each path, summed)",
                significant(probability.rare_event, 6)
            ));
        }
        return;
    }
    let mission_time = args.mission_time * result.phase.as_ref().map_or(1.0, |p| p.time_fraction);
    out.line(&format!(
        "{name}: {} basic events, mission time {} h",
        result.basic_event_count,
        significant(mission_time, 6)
    ));
    if let Some(probability) = &result.probability {
        let exact = probability.exact.map_or_else(
            || "- (cut sets rewritten by substitutions)".to_string(),
            |exact| significant(exact, 6),
        );
        out.line(&format!(
            "probability: exact {exact}, rare-event {}, min-cut upper bound {}",
            significant(probability.rare_event, 6),
            significant(probability.min_cut_upper_bound, 6)
        ));
    }
    let orders: Vec<String> = result
        .cut_set_count
        .by_order
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, count)| count.0 > 0)
        .map(|(order, count)| format!("order {order}: {count}"))
        .collect();
    out.line(&format!(
        "{} minimal cut sets ({}), order limit {}",
        result.cut_set_count.total,
        orders.join(", "),
        args.limit_order
    ));
    if !result.cut_sets_listed {
        out.line(&format!(
            "not listed: the list would pass the memory budget, so the count, the approximations and the importance come from the ZBDD without it, and only the {} most probable cut sets are kept (--top-k)",
            result.most_probable_cut_sets.len()
        ));
    }
    out.blank();

    let by_probability: Vec<&firebreak_rca::fta::CutSet> = if result.cut_sets_listed {
        let mut sets: Vec<&firebreak_rca::fta::CutSet> = result.minimal_cut_sets.iter().collect();
        sets.sort_by(|a, b| {
            b.probability
                .unwrap_or(0.0)
                .total_cmp(&a.probability.unwrap_or(0.0))
        });
        sets
    } else {
        result.most_probable_cut_sets.iter().collect()
    };
    let shown = by_probability.len().min(args.cut_sets);
    if shown > 0 {
        out.subheading(&format!(
            "Most probable cut sets ({shown} of {})",
            result.cut_set_count.total
        ));
        let rows: Vec<Vec<String>> = by_probability[..shown]
            .iter()
            .enumerate()
            .map(|(rank, set)| {
                vec![
                    (rank + 1).to_string(),
                    set.probability
                        .map_or_else(|| "-".into(), |p| significant(p, 6)),
                    set.events.join(" · "),
                ]
            })
            .collect();
        out.table(&["rank", "probability", "events"], &rows);
        out.blank();
    }

    if !result.importance.is_empty() {
        out.subheading("Importance, by Fussell–Vesely (SCRAM's DIF)");
        let mut importance: Vec<&firebreak_rca::fta::Importance> =
            result.importance.iter().collect();
        // Rounded to 1e-12 so that events equal but for float noise list by name.
        let rounded = |value: f64| (value * 1e12).round();
        importance.sort_by(|a, b| {
            rounded(b.fussell_vesely)
                .total_cmp(&rounded(a.fussell_vesely))
                .then_with(|| a.event.cmp(&b.event))
        });
        let rows: Vec<Vec<String>> = importance
            .iter()
            .map(|event| {
                vec![
                    event.event.clone(),
                    event.occurrence.to_string(),
                    number(event.probability),
                    number(event.birnbaum),
                    number(event.criticality),
                    number(event.fussell_vesely),
                    number(event.fussell_vesely_cut_sets),
                    worth(event.risk_achievement_worth),
                    worth(event.risk_reduction_worth),
                ]
            })
            .collect();
        out.table(
            &[
                "event",
                "cut sets",
                "probability",
                "Birnbaum",
                "criticality",
                "Fussell-Vesely",
                "FV of cut sets",
                "RAW",
                "RRW",
            ],
            &rows,
        );
    }
}

/// A risk worth, which is +∞ where the event is in every failure.
fn worth(value: f64) -> String {
    if value.is_infinite() {
        "inf".into()
    } else {
        number(value)
    }
}

//! A reading of judgement learned from the labelled corpora (D34): logistic
//! regression over a sentence's words and word pairs and triples, with the
//! incident's people, role nouns and numbers read as what they are. Three
//! rounds of rules reached 96–100 % on the sentences they were written
//! against and 48–72 % on the next author's blame (`bench/lint/RESULTS.md`):
//! each author judges in words no rule lists. The model reads those words
//! from every author the corpora hold, and flags what the rules let through.
//!
//! It is trained at first use, deterministically, from the design parts of
//! `bench/lint/` compiled into the binary; training takes milliseconds. Its
//! findings are warnings, never blocking errors: a statistical reading cannot
//! say which words blame, only which weighed most.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::blaming::People;
use super::corpus::{Corpus, Label, parse};
use super::lexicon;
use super::sentence::{Phrase, Token, longest_at, phrases, sentences};

/// How sure the model must be, by default, to flag a sentence the rules let
/// through. Chosen by leave-one-part-out validation over the design parts so
/// that, with the rules' own false positives, at most about 3 % of blameless
/// sentences by an unseen author are flagged (`bench/lint/RESULTS.md`).
pub const THRESHOLD: f64 = 0.85;

/// The design parts the built-in model learns from.
const DESIGN_PARTS: [(&str, &str); 6] = [
    (
        "design.tsv",
        include_str!("../../../../bench/lint/design.tsv"),
    ),
    (
        "design-2.tsv",
        include_str!("../../../../bench/lint/design-2.tsv"),
    ),
    (
        "design-3.tsv",
        include_str!("../../../../bench/lint/design-3.tsv"),
    ),
    (
        "design-4.tsv",
        include_str!("../../../../bench/lint/design-4.tsv"),
    ),
    (
        "design-5.tsv",
        include_str!("../../../../bench/lint/design-5.tsv"),
    ),
    (
        "design-6.tsv",
        include_str!("../../../../bench/lint/design-6.tsv"),
    ),
];

/// Passes over the training sentences; more overfits the design authors.
const EPOCHS: usize = 10;
const LEARNING_RATE: f64 = 0.5;
/// A feature seen in fewer training sentences is one author's quirk.
const MINIMUM_SENTENCES: usize = 2;

/// Words for people besides names and role nouns: groups, offices and
/// pronouns. A sentence with none of them, and no name, speaks of systems,
/// and the model does not read it: "the job ignored the page" shares its
/// words with blame but blames no one (validation: a third of the model's
/// false positives on an unseen author, at a cost of 4 % of hindsight).
const SOMEONE: &[&str] = &[
    "team",
    "teams",
    "leadership",
    "management",
    "mgmt",
    "staff",
    "personnel",
    "vendor",
    "vendors",
    "office",
    "counsel",
    "department",
    "function",
    "org",
    "organisation",
    "organization",
    "company",
    "firm",
    "contractor",
    "consultants",
    "folks",
    "people",
    "everyone",
    "nobody",
    "anyone",
    "someone",
    "somebody",
    "whoever",
    "he",
    "she",
    "they",
    "him",
    "her",
    "them",
    "his",
    "their",
    "i",
    "we",
    "you",
];

/// A deployment's bound on the model's probability: above 0.5 (below, it
/// would flag sentences it reads as more likely blameless) and at most 1,
/// which turns the model off.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Threshold(f64);

/// Never NaN: [`Threshold::try_from`] refuses it.
impl Eq for Threshold {}

impl TryFrom<f64> for Threshold {
    type Error = String;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        if value > 0.5 && value <= 1.0 {
            Ok(Threshold(value))
        } else {
            Err(format!(
                "learned_threshold {value} must be above 0.5 and at most 1 (1 turns the learned reading off)"
            ))
        }
    }
}

impl From<Threshold> for f64 {
    fn from(threshold: Threshold) -> f64 {
        threshold.0
    }
}

impl Threshold {
    pub fn value(self) -> f64 {
        self.0
    }
}

/// Logistic regression over sparse binary features.
#[derive(Debug, Clone)]
pub struct Model {
    index: HashMap<String, usize>,
    weights: Vec<f64>,
    bias: f64,
}

/// The model trained from the built-in design parts.
pub fn builtin() -> &'static Model {
    static MODEL: LazyLock<Model> = LazyLock::new(|| {
        let corpora: Vec<Corpus> = DESIGN_PARTS
            .iter()
            .map(|(name, text)| {
                parse(text).unwrap_or_else(|e| panic!("built-in corpus {name}: {e}"))
            })
            .collect();
        Model::train(&corpora.iter().collect::<Vec<_>>())
    });
    &MODEL
}

/// The built-in design parts, by name, for validating the model on each in
/// turn (`bench/lint`).
pub fn design_parts() -> impl Iterator<Item = (&'static str, &'static str)> {
    DESIGN_PARTS.into_iter()
}

/// What a sentence reads as to the model.
pub struct Reading {
    pub probability: f64,
    /// The n-grams that weighed most towards judgement, most first.
    pub evidence: Vec<String>,
}

impl Model {
    /// Learns judging (blame or hindsight) against the rest (blameless or
    /// vague) from labelled corpora, weighting both classes equally.
    pub fn train(corpora: &[&Corpus]) -> Model {
        let default_roles = phrases(
            &lexicon::ROLES
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>(),
        );
        let mut examples: Vec<(Vec<String>, bool)> = Vec::new();
        for corpus in corpora {
            let people = People::new(&corpus.people);
            for (label, sentence) in &corpus.sentences {
                let judging = matches!(label, Label::Blame | Label::Hindsight);
                // A labelled line is one example even where it runs to two
                // sentences: its label is the line's.
                let tokens: Vec<Token> = sentences(sentence).into_iter().flatten().collect();
                examples.push((features(&tokens, &people, &default_roles), judging));
            }
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (features, _) in &examples {
            for feature in features {
                *seen.entry(feature).or_default() += 1;
            }
        }
        let mut vocabulary: Vec<&str> = seen
            .into_iter()
            .filter(|&(_, count)| count >= MINIMUM_SENTENCES)
            .map(|(feature, _)| feature)
            .collect();
        vocabulary.sort_unstable();
        let index: HashMap<String, usize> = vocabulary
            .iter()
            .enumerate()
            .map(|(i, f)| (f.to_string(), i))
            .collect();
        let encoded: Vec<(Vec<usize>, bool)> = examples
            .iter()
            .map(|(features, judging)| {
                let mut ids: Vec<usize> = features
                    .iter()
                    .filter_map(|f| index.get(f).copied())
                    .collect();
                ids.sort_unstable();
                (ids, *judging)
            })
            .collect();
        let (weights, bias) = fit(&encoded, index.len());
        Model {
            index,
            weights,
            bias,
        }
    }

    pub fn read(&self, features: &[String]) -> Reading {
        let mut weighed: Vec<(&str, f64)> = features
            .iter()
            .filter_map(|f| self.index.get(f).map(|&i| (f.as_str(), self.weights[i])))
            .collect();
        let z = self.bias + weighed.iter().map(|(_, w)| w).sum::<f64>();
        weighed.retain(|&(feature, weight)| {
            weight > 0.0 && !feature.contains("<s>") && !feature.contains("</s>")
        });
        weighed.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        Reading {
            probability: sigmoid(z),
            evidence: weighed
                .into_iter()
                .take(2)
                .map(|(feature, _)| shown(feature))
                .collect(),
        }
    }
}

/// Adagrad over the examples in a fixed pseudo-random order, so the same
/// corpora always give the same model.
fn fit(examples: &[(Vec<usize>, bool)], width: usize) -> (Vec<f64>, f64) {
    let mut weights = vec![0.0; width];
    let mut squares = vec![0.0; width];
    let (mut bias, mut bias_square) = (0.0, 0.0);
    let positives = examples.iter().filter(|(_, y)| *y).count().max(1);
    let negatives = (examples.len() - positives.min(examples.len())).max(1);
    let weight_of = |judging: bool| {
        examples.len() as f64 / (2.0 * if judging { positives } else { negatives } as f64)
    };
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..EPOCHS {
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let (ids, judging) = &examples[i];
            let z = bias + ids.iter().map(|&id| weights[id]).sum::<f64>();
            let error = (sigmoid(z) - f64::from(u8::from(*judging))) * weight_of(*judging);
            for &id in ids {
                squares[id] += error * error;
                weights[id] -= LEARNING_RATE * error / (squares[id] + 1e-8).sqrt();
            }
            bias_square += error * error;
            bias -= LEARNING_RATE * error / (bias_square + 1e-8).sqrt();
        }
    }
    (weights, bias)
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z.clamp(-30.0, 30.0)).exp())
}

/// A sentence's features: each word, pair and triple of words, with a
/// person's name, a role noun and a number (one run of digits and
/// separators) each read as one placeholder, so what is learned of "Alice
/// ignored" holds for every name.
pub fn features(tokens: &[Token], people: &People, roles: &[Phrase]) -> Vec<String> {
    let mut words: Vec<&str> = vec!["<s>"];
    let mut at = 0;
    while at < tokens.len() {
        let (word, len) = if let Some(len) = people.at(tokens, at) {
            ("<person>", len)
        } else if let Some(len) = longest_at(tokens, at, roles) {
            ("<role>", len)
        } else if tokens[at].text.chars().any(|c| c.is_ascii_digit()) {
            ("<num>", 1)
        } else {
            (tokens[at].text.as_str(), 1)
        };
        // "09:40" is one number, not two.
        if !(word == "<num>" && words.last() == Some(&"<num>")) {
            words.push(word);
        }
        at += len;
    }
    words.push("</s>");
    let mut features: Vec<String> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if (1..words.len() - 1).contains(&i) {
            features.push(word.to_string());
        }
        if i + 1 < words.len() {
            features.push(format!("{word} {}", words[i + 1]));
        }
        if i + 2 < words.len() {
            features.push(format!("{word} {} {}", words[i + 1], words[i + 2]));
        }
    }
    features.sort_unstable();
    features.dedup();
    features
}

/// Whether the sentence speaks of someone: a person, a role, a group or a
/// pronoun (`SOMEONE`), or a capitalised word after the first, such as a
/// company's or an office's name.
pub fn speaks_of_someone(tokens: &[Token], people: &People, roles: &[Phrase]) -> bool {
    (0..tokens.len()).any(|at| {
        let raw = &tokens[at].raw;
        people.at(tokens, at).is_some()
            || longest_at(tokens, at, roles).is_some()
            || SOMEONE.contains(&tokens[at].text.as_str())
            || (at > 0
                && raw.chars().next().is_some_and(char::is_uppercase)
                && raw.chars().any(char::is_lowercase))
    })
}

/// A feature as a reader sees it: "[person] ignored".
fn shown(feature: &str) -> String {
    feature
        .replace("<person>", "[person]")
        .replace("<role>", "[role]")
        .replace("<num>", "[number]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(model: &Model, people: &[&str], text: &str) -> Reading {
        let people = People::new(&people.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        let roles = phrases(&["on-call engineer".to_string()]);
        model.read(&features(&sentences(text)[0], &people, &roles))
    }

    #[test]
    fn features_read_names_roles_and_numbers_as_placeholders() {
        let people = People::new(&["Ann Lee".to_string()]);
        let roles = phrases(&["on-call engineer".to_string()]);
        let features = features(
            &sentences("Ann Lee paged the on-call engineer at 09:40")[0],
            &people,
            &roles,
        );
        for expected in [
            "<s> <person> paged",
            "the <role> at",
            "at <num> </s>",
            "paged",
        ] {
            assert!(
                features.contains(&expected.to_string()),
                "{expected}: {features:?}"
            );
        }
        assert!(
            !features
                .iter()
                .any(|f| f.contains("ann") || f.contains("engineer"))
        );
    }

    #[test]
    fn learns_judgement_from_labelled_sentences_the_same_way_every_time() {
        let corpus = parse(
            "# people: Ann, Raj\n\
             blame\tAnn was asleep at the wheel.\n\
             blame\tRaj was asleep at the wheel again.\n\
             blame\tThe reviewer was asleep at the wheel.\n\
             blameless\tAnn rolled back the release.\n\
             blameless\tRaj rolled back the config.\n\
             blameless\tThe wheel of releases turns weekly.\n",
        )
        .unwrap();
        let model = Model::train(&[&corpus]);
        let judged = reading(&model, &["Kim"], "Kim was asleep at the wheel on Friday.");
        let neutral = reading(&model, &["Kim"], "Kim rolled back the release on Friday.");
        assert!(judged.probability > 0.8, "{}", judged.probability);
        assert!(neutral.probability < 0.2, "{}", neutral.probability);
        assert!(
            judged.evidence.iter().any(|e| e.contains("asleep")),
            "{:?}",
            judged.evidence
        );
        let again = Model::train(&[&corpus]);
        assert_eq!(model.weights, again.weights);
    }

    #[test]
    fn thresholds_outside_the_range_are_refused_with_the_range() {
        assert!(Threshold::try_from(0.95).is_ok());
        assert!(Threshold::try_from(1.0).is_ok());
        for bad in [0.5, 1.01, f64::NAN, -1.0] {
            let error = Threshold::try_from(bad).unwrap_err();
            assert!(error.contains("above 0.5 and at most 1"), "{error}");
        }
    }
}

//! What each finding says and how to rephrase it, by the pattern that matched.

/// The sentence pattern behind a finding; it decides the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// A phrase that blames wherever it stands ("careless").
    BlamePhrase,
    /// "human error" and the like as a cause.
    ErrorAsCause,
    /// A person or role acting a failure ("the intern ignored").
    AgentOfFailure,
    /// A person or role after a cause marker ("caused by Bob").
    AgentAsCause,
    /// A person or role who "should have" done otherwise.
    AgentShouldHave,
    /// "should have", "ought to have" of things or of a team.
    ShouldHave,
    /// "could have been caught", "had the canary run longer…".
    Counterfactual,
    /// "obviously", "in hindsight", "preventable".
    Obviousness,
    /// A step told as trivial: "simply needed to", "nobody even looked".
    Minimizing,
    /// A phrase of an action nobody can check off.
    VaguePhrase,
    /// An action opening with a verb that has no checkable end.
    VagueVerb,
    /// A sentence the learned model reads as judging.
    Learned,
}

impl Pattern {
    pub fn advice(self, matched: &str) -> (String, String) {
        let (message, suggestion) = match self {
            Pattern::BlamePhrase => (
                format!("\"{matched}\" judges a person"),
                "Drop the judgement and describe the action and what in the system let it \
                 do harm (e.g. \"the deploy tool accepted a config no test had run\")"
                    .to_string(),
            ),
            Pattern::ErrorAsCause => (
                format!("\"{matched}\" puts the cause on a person"),
                "Name the condition that made the error possible and harmful (e.g. \"the \
                 form accepted a threshold outside the valid range, and nothing checked it\")"
                    .to_string(),
            ),
            Pattern::AgentOfFailure | Pattern::AgentAsCause => (
                format!("\"{matched}\" makes a person the cause"),
                format!(
                    "Make the step and its context the subject instead of \"{matched}\": what \
                     was done, what the person saw at the time, and which safeguard was missing \
                     (e.g. \"the alert was not acted on for 3 hours; it arrived among 200 \
                     others and did not link to the runbook\")"
                ),
            ),
            Pattern::AgentShouldHave => (
                format!("\"{matched}\" blames a person with hindsight"),
                "Say what the person knew and saw at the time and what was missing to act \
                 differently (e.g. \"the schema check was not part of the merge checklist\")"
                    .to_string(),
            ),
            Pattern::ShouldHave => (
                format!("\"{matched}\" judges with hindsight"),
                format!(
                    "Replace \"{matched}\" with what happened and why it made sense then, and \
                     put what changes in an action item (e.g. \"the rollback waited for the \
                     canary verdict, which took 40 minutes\")"
                ),
            ),
            Pattern::Counterfactual => (
                format!("\"{matched}\" argues from what did not happen"),
                "State what happened and the gap it shows (e.g. \"the canary ran 10 \
                 minutes; the drift detector needs 30\")"
                    .to_string(),
            ),
            Pattern::Obviousness => (
                format!("\"{matched}\" judges with hindsight"),
                format!(
                    "Drop \"{matched}\" and state what was visible, to whom and when (e.g. \
                     \"the refusal rate on the dashboard rose from 2 % to 19 % between 09:00 \
                     and 15:00\")"
                ),
            ),
            Pattern::Minimizing => (
                format!("\"{matched}\" makes the step sound trivial in hindsight"),
                "Say what the step involved at the time and what made it hard to see or \
                 to do (e.g. \"pinning the dependency was not in the release checklist, and \
                 the lockfile check was off\")"
                    .to_string(),
            ),
            Pattern::VaguePhrase | Pattern::VagueVerb => (
                format!("\"{matched}\" cannot be checked off"),
                "Say what changes, who owns it and how success is measured (e.g. \"page the \
                 on-call when PSI > 0.2 within 5 minutes, owner: ML platform, due 2027-01-15\")"
                    .to_string(),
            ),
            Pattern::Learned => (
                "This sentence reads as judging a person or judging with hindsight (a reading \
                 learned from labelled post-mortems, not a rule)"
                    .to_string(),
                "Say what happened, what the people involved knew at the time, and which \
                 safeguard or signal was missing (e.g. \"the page went to a rota with no one \
                 on it for 40 minutes\" rather than who failed)"
                    .to_string(),
            ),
        };
        (message, suggestion)
    }
}

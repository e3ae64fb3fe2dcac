//! Integration tests of firebreak-core, one binary: fuzz tests of its
//! parsers and the blameless lint measured on its corpus (the domain rules
//! have their unit tests beside the code).

mod fuzz;
mod lint_corpus;
mod smart_corpus;

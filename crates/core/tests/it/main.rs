//! Integration tests of firebreak-core, one binary: fuzz tests of its
//! parsers (the domain rules have their unit tests beside the code).

mod fuzz;

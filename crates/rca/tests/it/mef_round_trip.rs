//! Writing a model as MEF and reading it back gives the same model, for
//! every model SCRAM ships that we read.

use firebreak_rca::fta::{MefSource, read_mef, write_mef};

use crate::{read_fixture_model, scram_cases};

#[test]
fn every_shipped_model_survives_a_round_trip() {
    for case in scram_cases()
        .into_iter()
        .filter(|case| !case.refused_by_scram() && !case.files.is_empty())
    {
        let files: Vec<&str> = case.files.iter().map(String::as_str).collect();
        let model = read_fixture_model(&files);
        let written = write_mef(&model);
        let again = read_mef(&[MefSource {
            name: "written.xml",
            text: &written,
        }])
        .unwrap_or_else(|e| panic!("{}: {e}\n{written}", case.name));
        assert_eq!(again, model, "{}", case.name);
    }
}

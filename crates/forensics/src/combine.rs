//! One table from several: the files of a time partition, or the partitions
//! of a rolling reference, read one by one and put end to end.

use crate::ForensicsError;
use crate::table::{Column, ColumnValues, NULL_CODE, NumericOrigin, Table};
use std::collections::HashMap;

/// The rows of `tables` in order, under `source`. Every table must have the
/// columns of the first with the same kind (numbers, text or timestamps);
/// integers and floats together become floats. Text codes are remapped into
/// one dictionary.
pub fn concat(tables: Vec<Table>, source: String) -> Result<Table, ForensicsError> {
    let mut tables = tables.into_iter();
    let Some(first) = tables.next() else {
        return Ok(Table {
            source,
            row_count: 0,
            columns: Vec::new(),
        });
    };
    let mut combined = Table { source, ..first };
    let mut lookups: Vec<Option<HashMap<String, u32>>> = combined
        .columns
        .iter()
        .map(|column| match &column.values {
            ColumnValues::Categorical { dictionary, .. } => Some(
                dictionary
                    .iter()
                    .enumerate()
                    .map(|(code, value)| (value.clone(), code as u32))
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    for table in tables {
        if table.columns.len() != combined.columns.len() {
            return Err(ForensicsError::InvalidOptions(format!(
                "{} has {} columns where {} has {}; a window's files must share one schema",
                table.source,
                table.columns.len(),
                combined.source,
                combined.columns.len()
            )));
        }
        for (index, target) in combined.columns.iter_mut().enumerate() {
            let column = table.column(&target.name)?;
            append(target, column, &table.source, &mut lookups[index])?;
        }
        combined.row_count += table.row_count;
    }
    Ok(combined)
}

fn append(
    target: &mut Column,
    column: &Column,
    source: &str,
    lookup: &mut Option<HashMap<String, u32>>,
) -> Result<(), ForensicsError> {
    let rows = target.values.len();
    match (&mut target.values, &column.values) {
        (
            ColumnValues::Numeric {
                values,
                nulls,
                origin,
            },
            ColumnValues::Numeric {
                values: more,
                nulls: more_nulls,
                origin: more_origin,
            },
        ) => {
            if *origin != *more_origin {
                *origin = NumericOrigin::Float;
            }
            if nulls.is_some() || more_nulls.is_some() {
                let mut all = nulls.take().unwrap_or_else(|| vec![false; rows]);
                match more_nulls {
                    Some(more_nulls) => all.extend_from_slice(more_nulls),
                    None => all.resize(rows + more.len(), false),
                }
                *nulls = Some(all);
            }
            values.extend_from_slice(more);
        }
        (
            ColumnValues::Categorical { codes, dictionary },
            ColumnValues::Categorical {
                codes: more,
                dictionary: more_dictionary,
            },
        ) => {
            let lookup = lookup.get_or_insert_with(HashMap::new);
            let remap: Vec<u32> = more_dictionary
                .iter()
                .map(|value| {
                    *lookup.entry(value.clone()).or_insert_with(|| {
                        dictionary.push(value.clone());
                        (dictionary.len() - 1) as u32
                    })
                })
                .collect();
            codes.extend(more.iter().map(|&code| {
                if code == NULL_CODE {
                    NULL_CODE
                } else {
                    remap[code as usize]
                }
            }));
        }
        (ColumnValues::Timestamp { nanos }, ColumnValues::Timestamp { nanos: more }) => {
            nanos.extend_from_slice(more);
        }
        (values, other) => {
            return Err(ForensicsError::WrongType {
                source_name: source.to_string(),
                column: target.name.clone(),
                found: other.kind_name().to_string(),
                expected: values.kind_name().to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(source: &str, values: Vec<f64>, words: &[&str], origin: NumericOrigin) -> Table {
        let dictionary: Vec<String> = {
            let mut d: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            d.dedup();
            d
        };
        Table {
            source: source.into(),
            row_count: values.len(),
            columns: vec![
                Column {
                    name: "x".into(),
                    values: ColumnValues::Numeric {
                        values,
                        nulls: None,
                        origin,
                    },
                },
                Column {
                    name: "g".into(),
                    values: ColumnValues::Categorical {
                        codes: words
                            .iter()
                            .map(|w| dictionary.iter().position(|d| d == w).unwrap() as u32)
                            .collect(),
                        dictionary,
                    },
                },
            ],
        }
    }

    #[test]
    fn rows_follow_each_other_with_one_dictionary() {
        let a = table("a", vec![1.0, 2.0], &["A", "B"], NumericOrigin::Integer);
        let b = table("b", vec![3.5], &["C"], NumericOrigin::Float);
        let c = concat(vec![a, b], "ab".into()).unwrap();
        assert_eq!(c.row_count, 3);
        let ColumnValues::Numeric { values, origin, .. } = &c.columns[0].values else {
            panic!()
        };
        assert_eq!(
            (values.as_slice(), *origin),
            (&[1.0, 2.0, 3.5][..], NumericOrigin::Float)
        );
        assert_eq!(c.columns[1].values.json_value(2), serde_json::json!("C"));
        assert_eq!(c.columns[1].values.json_value(1), serde_json::json!("B"));
    }

    #[test]
    fn a_column_of_another_kind_is_refused_naming_the_file() {
        let a = table("a.parquet", vec![1.0], &["A"], NumericOrigin::Float);
        let mut b = table("b.parquet", vec![1.0], &["A"], NumericOrigin::Float);
        b.columns.swap(0, 1);
        b.columns[0].name = "x".into();
        b.columns[1].name = "g".into();
        let error = concat(vec![a, b], "ab".into()).unwrap_err().to_string();
        assert!(
            error.contains("b.parquet") && error.contains("`x`"),
            "{error}"
        );
    }
}

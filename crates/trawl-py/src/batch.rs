//! `extract_arrow`: scans the rows of an Arrow array in parallel and
//! returns one record batch row per detection.

use std::sync::Arc;

use arrow_array::builder::{Int64Builder, StringBuilder};
use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3_arrow::input::AnyArray;
use pyo3_arrow::PyRecordBatch;
use rayon::prelude::*;
use trawl::{Engine, Report};

/// The row names `extract_arrow` accepts: an Arrow string array, or a
/// Python sequence of `str` and `None`.
#[derive(FromPyObject)]
pub enum Names {
    /// An Arrow array or chunked array of strings.
    Arrow(AnyArray),
    /// A Python list or tuple.
    List(Vec<Option<String>>),
}

/// The contents of one input row.
#[derive(Clone, Copy)]
enum Contents<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// Scans every non-null row of `column` and returns the detections as a
/// `pyarrow.RecordBatch`.
pub fn extract<'py>(
    py: Python<'py>,
    engine: &Engine,
    column: AnyArray,
    names: Option<Names>,
) -> PyResult<Bound<'py, PyAny>> {
    let (chunks, _) = column.into_chunked_array()?.into_inner();
    let names = match names {
        Some(names) => Some(collect_names(names)?),
        None => None,
    };
    let batch =
        py.detach(|| scan_chunks(engine, &chunks, names.as_deref()))?;
    PyRecordBatch::new(batch).into_pyarrow(py)
}

/// Reads the names into one list, one entry per row.
fn collect_names(names: Names) -> PyResult<Vec<Option<String>>> {
    let chunks = match names {
        Names::List(list) => return Ok(list),
        Names::Arrow(array) => array.into_chunked_array()?.into_inner().0,
    };
    let mut list = Vec::new();
    for chunk in &chunks {
        for row in 0..chunk.len() {
            let name = match string_at(chunk, row) {
                Ok(name) => name.map(str::to_owned),
                Err(data_type) => {
                    return Err(PyTypeError::new_err(format!(
                        "names must be strings, got an Arrow {data_type} \
                         array"
                    )))
                }
            };
            list.push(name);
        }
    }
    Ok(list)
}

/// Returns the string at `row` of a string array, `None` for a null, or
/// the array's type when it is no string type.
fn string_at(array: &ArrayRef, row: usize) -> Result<Option<&str>, String> {
    if array.is_null(row) {
        return Ok(None);
    }
    match contents_at(array, row)? {
        Some(Contents::Text(text)) => Ok(Some(text)),
        _ => Err(array.data_type().to_string()),
    }
}

/// Returns the contents at `row`, `None` for a null, or the array's type
/// when it is neither binary nor string.
fn contents_at(
    array: &ArrayRef,
    row: usize,
) -> Result<Option<Contents<'_>>, String> {
    if array.is_null(row) {
        return Ok(None);
    }
    let contents = match array.data_type() {
        DataType::Binary => {
            Contents::Bytes(array.as_binary::<i32>().value(row))
        }
        DataType::LargeBinary => {
            Contents::Bytes(array.as_binary::<i64>().value(row))
        }
        DataType::BinaryView => {
            Contents::Bytes(array.as_binary_view().value(row))
        }
        DataType::Utf8 => Contents::Text(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => {
            Contents::Text(array.as_string::<i64>().value(row))
        }
        DataType::Utf8View => {
            Contents::Text(array.as_string_view().value(row))
        }
        other => return Err(other.to_string()),
    };
    Ok(Some(contents))
}

/// One row to scan: its index over all chunks, contents and name.
struct Row<'a> {
    index: i64,
    contents: Contents<'a>,
    name: Option<&'a str>,
}

/// Scans the rows of every chunk on the rayon pool and lays out the
/// detections in row order.
fn scan_chunks(
    engine: &Engine,
    chunks: &[ArrayRef],
    names: Option<&[Option<String>]>,
) -> PyResult<RecordBatch> {
    let total: usize = chunks.iter().map(|chunk| chunk.len()).sum();
    if let Some(names) = names {
        if names.len() != total {
            return Err(PyValueError::new_err(format!(
                "names has {} entries but the column has {total} rows",
                names.len()
            )));
        }
    }
    let mut rows = Vec::with_capacity(total);
    let mut index = 0usize;
    for chunk in chunks {
        for row in 0..chunk.len() {
            let contents = contents_at(chunk, row).map_err(|data_type| {
                PyTypeError::new_err(format!(
                    "expected an Arrow binary, large_binary, binary_view, \
                     string, large_string or string_view array, got \
                     {data_type}"
                ))
            })?;
            let name = names
                .and_then(|names| names.get(index))
                .and_then(Option::as_deref);
            if let Some(contents) = contents {
                rows.push(Row {
                    index: i64::try_from(index).unwrap_or(i64::MAX),
                    contents,
                    name,
                });
            }
            index += 1;
        }
    }
    let reports: Vec<Vec<Report>> =
        rows.par_iter().map(|row| scan_row(engine, row)).collect();
    build_batch(rows.iter().zip(&reports))
        .map_err(|error| PyValueError::new_err(error.to_string()))
}

/// Scans one row: text as `--text` does, bytes as a file's contents.
fn scan_row(engine: &Engine, row: &Row<'_>) -> Vec<Report> {
    match row.contents {
        Contents::Text(text) => {
            let mut report = engine.scan_text(text);
            report.file = row.name.map(str::to_owned);
            vec![report]
        }
        Contents::Bytes(bytes) => engine.scan_bytes(bytes, row.name),
    }
}

/// Returns the schema of `extract_arrow`'s output.
fn schema() -> Schema {
    Schema::new(vec![
        Field::new("row", DataType::Int64, false),
        Field::new("file", DataType::Utf8, true),
        Field::new("category", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
        Field::new("offset", DataType::Int64, false),
        Field::new("source", DataType::Utf8, false),
    ])
}

/// Lays out one record batch row per detection, in row order, then
/// report order, then the order of each report's `detections` list.
fn build_batch<'a>(
    scanned: impl Iterator<Item = (&'a Row<'a>, &'a Vec<Report>)>,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let mut row_column = Int64Builder::new();
    let mut file = StringBuilder::new();
    let mut category = StringBuilder::new();
    let mut value = StringBuilder::new();
    let mut offset = Int64Builder::new();
    let mut source = StringBuilder::new();
    for (row, reports) in scanned {
        for report in reports {
            for entry in report.detections.iter().flatten() {
                row_column.append_value(row.index);
                file.append_option(report.file.as_deref());
                category.append_value(entry.category.as_ref());
                value.append_value(&entry.value);
                offset.append_value(
                    i64::try_from(entry.offset).unwrap_or(i64::MAX),
                );
                source.append_value(entry.source);
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(row_column.finish()),
        Arc::new(file.finish()),
        Arc::new(category.finish()),
        Arc::new(value.finish()),
        Arc::new(offset.finish()),
        Arc::new(source.finish()),
    ];
    RecordBatch::try_new(Arc::new(schema()), columns)
}

//! The `trawl._trawl` extension module: converts Python arguments to
//! `trawl::Options` and inputs, scans with the GIL released, and
//! converts the reports back to the command line's JSON as Python
//! objects, or to an Arrow record batch.

use std::io;
use std::path::{Path, PathBuf};

use pyo3::exceptions::{
    PyFileNotFoundError, PyOSError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyBool, PyString};
use trawl::{AnalysisLevel, Category, CategorySet, Options, Report};

mod batch;

/// Scans text, bytes, files and directories with fixed options.
///
/// It keeps no cache, so every call scans its input again.
#[pyclass(module = "trawl", name = "Engine", frozen)]
struct PyEngine {
    engine: trawl::Engine,
    /// The same options with `detail` set, for `extract_arrow`.
    detail_engine: trawl::Engine,
}

/// A scan's result as the command line writes it: one report, or a
/// list when the input was a directory or an archive.
struct Document {
    reports: Vec<Report>,
    list: bool,
}

impl Document {
    /// Converts the reports to Python objects by way of JSON text, which
    /// keeps the key order and values of the command line's output.
    fn into_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let json = py.detach(|| {
            let result = if self.list {
                serde_json::to_string(&self.reports)
            } else {
                match self.reports.first() {
                    Some(report) => serde_json::to_string(report),
                    None => Ok("null".to_string()),
                }
            };
            result.map_err(|error| error.to_string())
        });
        let json = json.map_err(|message| {
            PyValueError::new_err(format!(
                "failed to serialize the report: {message}"
            ))
        })?;
        let loads = py.import("json")?.getattr("loads")?;
        loads.call1((json,))
    }
}

#[pymethods]
impl PyEngine {
    #[new]
    #[pyo3(signature = (
        *,
        analysis = None,
        types = None,
        min_length = None,
        detail = false,
        defang = false,
        max_token_len = None,
        max_values = None,
        max_decode_depth = None,
        max_strings = None,
        max_input_size = None,
        max_pe_entries = None,
        passwords = None,
        no_archives = false,
        max_extracted_size = None,
        max_member_size = None,
        max_ratio = None,
        max_entries = None,
        max_archive_depth = None,
        follow_symlinks = false,
        rules = None,
        allow = None,
        block = None,
        exclude_benign = false,
    ))]
    // One argument per command-line flag, so that Python's signature,
    // help and errors name each keyword.
    #[allow(clippy::too_many_arguments)]
    fn new(
        analysis: Option<&str>,
        types: Option<&Bound<'_, PyAny>>,
        min_length: Option<&Bound<'_, PyAny>>,
        detail: bool,
        defang: bool,
        max_token_len: Option<&Bound<'_, PyAny>>,
        max_values: Option<&Bound<'_, PyAny>>,
        max_decode_depth: Option<&Bound<'_, PyAny>>,
        max_strings: Option<&Bound<'_, PyAny>>,
        max_input_size: Option<&Bound<'_, PyAny>>,
        max_pe_entries: Option<&Bound<'_, PyAny>>,
        passwords: Option<Vec<String>>,
        no_archives: bool,
        max_extracted_size: Option<&Bound<'_, PyAny>>,
        max_member_size: Option<&Bound<'_, PyAny>>,
        max_ratio: Option<&Bound<'_, PyAny>>,
        max_entries: Option<&Bound<'_, PyAny>>,
        max_archive_depth: Option<&Bound<'_, PyAny>>,
        follow_symlinks: bool,
        rules: Option<Vec<PathBuf>>,
        allow: Option<Vec<PathBuf>>,
        block: Option<Vec<PathBuf>>,
        exclude_benign: bool,
    ) -> PyResult<PyEngine> {
        let defaults = Options::default();
        let options = Options {
            types: match types {
                Some(types) => parse_types(types)?,
                None => defaults.types,
            },
            min_length: whole(min_length, "min_length", defaults.min_length)?,
            detail,
            defang,
            max_token_len: whole(
                max_token_len,
                "max_token_len",
                defaults.max_token_len,
            )?,
            max_values: whole(max_values, "max_values", defaults.max_values)?,
            max_decode_depth: whole(
                max_decode_depth,
                "max_decode_depth",
                defaults.max_decode_depth,
            )?,
            max_strings: whole(
                max_strings,
                "max_strings",
                defaults.max_strings,
            )?,
            max_input_size: whole(
                max_input_size,
                "max_input_size",
                defaults.max_input_size,
            )?,
            max_pe_entries: match max_pe_entries {
                Some(value) => Some(whole(Some(value), "max_pe_entries", 0)?),
                None => None,
            },
            passwords: passwords.unwrap_or_default(),
            archives: !no_archives,
            max_extracted_size: whole(
                max_extracted_size,
                "max_extracted_size",
                defaults.max_extracted_size,
            )?,
            max_member_size: whole(
                max_member_size,
                "max_member_size",
                defaults.max_member_size,
            )?,
            max_ratio: whole(max_ratio, "max_ratio", defaults.max_ratio)?,
            max_entries: whole(
                max_entries,
                "max_entries",
                defaults.max_entries,
            )?,
            max_archive_depth: whole(
                max_archive_depth,
                "max_archive_depth",
                defaults.max_archive_depth,
            )?,
            follow_symlinks,
            analysis: analysis.map(parse_analysis).transpose()?,
            rules: rules.unwrap_or_default(),
            allow: allow.unwrap_or_default(),
            block: block.unwrap_or_default(),
            exclude_benign,
        };
        let detail_options = Options { detail: true, ..options.clone() };
        let invalid = |error: trawl::InvalidOption| {
            PyValueError::new_err(error.to_string())
        };
        Ok(PyEngine {
            engine: trawl::Engine::new(options).map_err(invalid)?,
            detail_engine: trawl::Engine::new(detail_options)
                .map_err(invalid)?,
        })
    }

    /// Scans `path_or_text`: a `str` naming an existing path is scanned
    /// as that file or directory, any other `str` as text, and an
    /// `os.PathLike` always as a path.
    fn extract<'py>(
        &self,
        py: Python<'py>,
        path_or_text: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Ok(text) = path_or_text.cast::<PyString>() {
            let text: PyBackedStr = text.extract()?;
            if Path::new(&*text).exists() {
                return self.extract_from_file(py, PathBuf::from(&*text));
            }
            return self.extract_text(py, text);
        }
        if path_or_text.hasattr("__fspath__")? {
            return self.extract_from_file(py, path_or_text.extract()?);
        }
        Err(PyTypeError::new_err(format!(
            "expected a str or os.PathLike, got {}; use extract_bytes for \
             raw data",
            path_or_text.get_type().name()?
        )))
    }

    /// Scans a file, or every file under a directory.
    fn extract_from_file<'py>(
        &self,
        py: Python<'py>,
        path: PathBuf,
    ) -> PyResult<Bound<'py, PyAny>> {
        let scanned = py.detach(|| {
            let reports = self.engine.scan_path(&path)?;
            let list = path.is_dir() || reports.len() != 1;
            Ok::<_, io::Error>(Document { reports, list })
        });
        scanned.map_err(|error| os_error(&error, &path))?.into_python(py)
    }

    /// Scans a string as UTF-8 text.
    fn extract_from_text<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.extract_text(py, text)
    }

    /// Scans bytes as the contents of a file named `name`.
    #[pyo3(signature = (data, name = None))]
    fn extract_bytes<'py>(
        &self,
        py: Python<'py>,
        data: PyBackedBytes,
        name: Option<PyBackedStr>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let name = name.as_deref();
        let document = py.detach(|| {
            let reports = self.engine.scan_bytes(&data, name);
            let list = reports.len() != 1;
            Document { reports, list }
        });
        document.into_python(py)
    }

    /// Scans each row of an Arrow binary or string array and returns
    /// every detection as a `pyarrow.RecordBatch`.
    #[pyo3(signature = (column, names = None))]
    fn extract_arrow<'py>(
        &self,
        py: Python<'py>,
        column: pyo3_arrow::input::AnyArray,
        names: Option<batch::Names>,
    ) -> PyResult<Bound<'py, PyAny>> {
        batch::extract(py, &self.detail_engine, column, names)
    }
}

impl PyEngine {
    fn extract_text<'py>(
        &self,
        py: Python<'py>,
        text: PyBackedStr,
    ) -> PyResult<Bound<'py, PyAny>> {
        let document = py.detach(|| Document {
            reports: vec![self.engine.scan_text(&text)],
            list: false,
        });
        document.into_python(py)
    }
}

/// Returns the `OSError` subclass Python raises for `error` on `path`.
fn os_error(error: &io::Error, path: &Path) -> PyErr {
    let path = path.to_string_lossy().into_owned();
    match error.raw_os_error() {
        // Python picks the subclass, such as FileNotFoundError, from the
        // error number.
        Some(errno) => {
            let message = io::Error::from_raw_os_error(errno).to_string();
            // Python adds the number itself: "[Errno 2] No such file ...".
            let suffix = format!(" (os error {errno})");
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            PyOSError::new_err((errno, message.to_owned(), path))
        }
        None if error.kind() == io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(format!("input not found: '{path}'"))
        }
        None => PyOSError::new_err(format!("{error}: '{path}'")),
    }
}

/// Converts a whole-number option, rejecting bools, negative and
/// oversized values with `ValueError` and other types with `TypeError`.
fn whole<T>(
    value: Option<&Bound<'_, PyAny>>,
    name: &str,
    default: T,
) -> PyResult<T>
where
    T: TryFrom<u64> + Copy,
{
    let Some(value) = value else {
        return Ok(default);
    };
    if value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be an int, not bool"
        )));
    }
    let number: i128 = value.extract().map_err(|_| {
        let type_name =
            value.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        PyTypeError::new_err(format!("{name} must be an int, not {type_name}"))
    })?;
    u64::try_from(number).ok().and_then(|n| T::try_from(n).ok()).ok_or_else(
        || {
            PyValueError::new_err(format!(
                "invalid value for {name}: {number} is out of range"
            ))
        },
    )
}

/// Parses `types`: a comma-separated string or a sequence of category
/// names, as `--types` accepts them.
fn parse_types(types: &Bound<'_, PyAny>) -> PyResult<CategorySet> {
    let names: Vec<String> = if let Ok(text) = types.extract::<String>() {
        text.split(',').map(str::to_owned).collect()
    } else {
        types.extract().map_err(|_| {
            PyTypeError::new_err(
                "types must be a str such as 'urls,ips' or a sequence of \
                 category names",
            )
        })?
    };
    let mut set: Option<CategorySet> = None;
    for name in &names {
        let parsed = Category::parse_list(name.trim()).ok_or_else(|| {
            let known: Vec<&str> =
                Category::ALL.iter().map(|c| c.name()).collect();
            PyValueError::new_err(format!(
                "invalid value for types: unknown category '{name}'; \
                 expected one of {}, or crypto",
                known.join(", ")
            ))
        })?;
        set = Some(set.map_or(parsed, |set| set.union(parsed)));
    }
    set.ok_or_else(|| {
        PyValueError::new_err("invalid value for types: no category given")
    })
}

/// Parses `analysis`: `basic`, `deep` or `full`.
fn parse_analysis(level: &str) -> PyResult<AnalysisLevel> {
    match level {
        "basic" => Ok(AnalysisLevel::Basic),
        "deep" => Ok(AnalysisLevel::Deep),
        "full" => Ok(AnalysisLevel::Full),
        _ => Err(PyValueError::new_err(format!(
            "invalid value for analysis: '{level}'; expected 'basic', \
             'deep' or 'full'"
        ))),
    }
}

/// The native part of the `trawl` package.
#[pymodule]
mod _trawl {
    #[pymodule_export]
    use super::PyEngine;
}

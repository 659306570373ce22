//! Throughput of `Scanner::default().scan` on generated prose and on the
//! hostile inputs.
//!
//! The prose is read from the file named by `TRAWL_BENCH_CORPUS`. Without
//! it, the bench generates 1 MiB with `gen_corpus.py text 1048576 OUT
//! --seed 1` into `target/bench-corpus/`, running the script named by
//! `TRAWL_GEN_CORPUS` or, by default, `bench/gen_corpus.py` in the
//! `shared/` folder beside the repository.

// A benchmark that cannot find its input has nothing to measure, so it
// stops with a message instead of handling the error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/hostile.rs"]
mod hostile;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trawl_core::Scanner;

/// Size of the generated prose, in bytes.
const CORPUS_BYTES: usize = 1 << 20;

fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target"))
}

/// Returns the prose corpus, generating it on first use.
fn corpus() -> Vec<u8> {
    if let Some(path) = std::env::var_os("TRAWL_BENCH_CORPUS") {
        return std::fs::read(&path).unwrap_or_else(|error| {
            panic!("failed to read TRAWL_BENCH_CORPUS={path:?}: {error}")
        });
    }
    let path = target_dir().join("bench-corpus/text_1mb_seed1.txt");
    if !path.exists() {
        generate(&path);
    }
    std::fs::read(&path).unwrap_or_else(|error| {
        panic!("failed to read the corpus {}: {error}", path.display())
    })
}

fn generate(out: &Path) {
    let script = std::env::var_os("TRAWL_GEN_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            workspace_dir().join("../shared/bench/gen_corpus.py")
        });
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let status = Command::new("python3")
        .arg(&script)
        .args(["text", &CORPUS_BYTES.to_string()])
        .arg(out)
        .args(["--seed", "1"])
        .status()
        .unwrap_or_else(|error| panic!("failed to run python3: {error}"));
    assert!(
        status.success(),
        "{} failed ({status}); set TRAWL_GEN_CORPUS to the generator \
         or TRAWL_BENCH_CORPUS to a text file",
        script.display()
    );
}

fn bench_text(c: &mut Criterion) {
    let text = corpus();
    let scanner = Scanner::default();
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("prose_1mib", |b| {
        b.iter(|| scanner.scan(black_box(&text)))
    });
    group.finish();
}

fn bench_hostile(c: &mut Criterion) {
    let scanner = Scanner::default();
    let mut group = c.benchmark_group("hostile");
    let inputs = hostile::hostile_inputs();
    for input in inputs.into_iter().chain([hostile::dense_idn()]) {
        group.throughput(Throughput::Bytes(input.bytes.len() as u64));
        group.bench_function(input.name, |b| {
            b.iter(|| scanner.scan(black_box(&input.bytes)))
        });
    }
    group.finish();
}

/// Keeps the whole run near one minute with few samples and short
/// windows. The figures show large regressions but are too noisy for
/// small ones.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_text, bench_hostile
}
criterion_main!(benches);

//! Times the library on the benchmark's generated file, for `bench/all.sh`: writing it, reading
//! and validating it whole (`read_str` + `File::validate`), and streaming it from disk batch by
//! batch (`Reader::next_batch` + `Validator`). Each figure is the best of three runs.
//!
//! `cargo run --release -p pennydrop-nacha --example nacha_times -- 1000000 /tmp/1m.ach`
//! prints `write_ms=… read_validate_ms=… stream_validate_ms=… bytes=…` and leaves the file
//! at the path given, for timing `pennydrop ach inspect` on it.

#[path = "../benches/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

fn best_of_three<T>(mut run: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..3 {
        let started = Instant::now();
        let out = run();
        best = best.min(started.elapsed());
        last = Some(out);
    }
    (best, last.expect("three runs"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let entries: usize = args.next().unwrap_or_else(|| "1000000".into()).parse()?;
    let path = args.next().unwrap_or_else(|| "nacha-bench.ach".into());
    let file = common::builder(entries).build()?;

    let (write, text) = best_of_three(|| file.to_text());
    std::fs::write(&path, &text)?;
    // The reads start from a heap without the built file (a million entries of it).
    drop(file);
    let bytes = text.len();

    let (read_validate, valid) =
        best_of_three(|| nacha::read_str(&text).map(|f| f.validation_errors().is_empty()));
    if !valid? {
        return Err("the generated file does not validate".into());
    }
    drop(text);

    let (stream, errors) = best_of_three(|| -> Result<usize, Box<dyn std::error::Error>> {
        let input = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?);
        let mut reader = nacha::Reader::new(input);
        let mut validator = None;
        while let Some(batch) = reader.next_batch()? {
            let v = match validator.as_mut() {
                Some(v) => v,
                None => validator.insert(nacha::Validator::new(
                    reader.file_header().ok_or("no file header")?,
                )),
            };
            v.batch(&batch);
        }
        let control = reader.file_control().ok_or("no file control")?;
        Ok(validator.ok_or("no batches")?.finish(control).len())
    });
    if errors? != 0 {
        return Err("the streamed file does not validate".into());
    }

    println!(
        "write_ms={:.1} read_validate_ms={:.1} stream_validate_ms={:.1} bytes={}",
        write.as_secs_f64() * 1e3,
        read_validate.as_secs_f64() * 1e3,
        stream.as_secs_f64() * 1e3,
        bytes
    );
    Ok(())
}

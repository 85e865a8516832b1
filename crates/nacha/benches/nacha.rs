//! Read and write speed on generated files of 100k and 1M entries (built in memory with the
//! builder: PPD batches of 1,000 mixed checking/savings credits and debits).
//!
//! `cargo bench -p pennydrop-nacha` (about two minutes). Sample sizes are small on purpose.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nacha::*;

mod common;
use common::builder;

fn bench(c: &mut Criterion) {
    {
        let mut g = c.benchmark_group("build");
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5));
        g.throughput(Throughput::Elements(100_000));
        g.bench_function("build_100k", |b| {
            b.iter_batched(
                || builder(100_000),
                |bld| bld.build(),
                criterion::BatchSize::PerIteration,
            )
        });
        g.finish();
    }
    for (label, entries, secs) in [("100k", 100_000usize, 5u64), ("1M", 1_000_000, 15)] {
        let file = match builder(entries).build() {
            Ok(f) => f,
            Err(e) => panic!("{e}"),
        };
        let text = file.to_string();
        let mut g = c.benchmark_group(format!("nacha_{label}"));
        g.sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(secs));
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(BenchmarkId::new("write", label), |b| {
            b.iter(|| black_box(&file).to_string())
        });
        g.bench_function(BenchmarkId::new("read_str", label), |b| {
            b.iter(|| read_str(black_box(&text)))
        });
        g.bench_function(BenchmarkId::new("read_stream_events", label), |b| {
            b.iter(|| {
                let mut n = 0u64;
                for e in Reader::new(black_box(text.as_bytes())) {
                    if let Ok(Event::Entry(_)) = e {
                        n += 1;
                    }
                }
                n
            })
        });
        g.bench_function(BenchmarkId::new("validate", label), |b| {
            b.iter(|| black_box(&file).validate())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

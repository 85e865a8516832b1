//! Read and write speed on generated files of 100k and 1M entries (built in memory with the
//! builder: PPD batches of 1,000 mixed checking/savings credits and debits).
//!
//! `cargo bench -p pennydrop-nacha` (about two minutes). Sample sizes are small on purpose.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use jiff::civil::date;
use nacha::*;

const ROUTINGS: [&str; 4] = ["23138010", "12104288", "09100001", "02100002"];

fn builder(entries: usize) -> FileBuilder {
    let mut b = FileBuilder::new(FileHeaderParams {
        immediate_destination: "231380104".into(),
        immediate_origin: "121042882".into(),
        destination_name: "FEDERAL RESERVE BANK".into(),
        origin_name: "PENNYDROP".into(),
        creation: date(2026, 11, 23).at(9, 30, 0, 0),
        file_id_modifier: 'A',
        reference_code: String::new(),
    });
    let per_batch = 1000;
    for batch in 0..entries.div_ceil(per_batch) {
        let n = per_batch.min(entries - batch * per_batch);
        let list = (0..n)
            .map(|i| {
                let k = batch * per_batch + i;
                let account = if k % 3 == 0 {
                    AccountType::Savings
                } else {
                    AccountType::Checking
                };
                let code = TransactionCode::live(account, k % 2 == 0);
                let first8 = ROUTINGS[k % ROUTINGS.len()];
                let routing = format!("{first8}{}", check_digit(first8).unwrap_or(0));
                Entry::new(
                    EntryDetail::new(
                        code,
                        routing,
                        format!("{:012}", k),
                        (k as u64 * 7919) % 500_000,
                    )
                    .individual_id(format!("ID{k}"))
                    .individual_name("RECEIVER NAME"),
                )
            })
            .collect();
        b.add_batch(
            BatchParams {
                company_name: "PENNYDROP".into(),
                company_discretionary_data: String::new(),
                company_identification: "1234567890".into(),
                sec_code: SecCode::Ppd,
                company_entry_description: "PAYROLL".into(),
                company_descriptive_date: None,
                effective_entry_date: date(2026, 11, 24),
                odfi_identification: "12104288".into(),
            },
            list,
        );
    }
    b
}

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

//! Writes the benchmark's generated file to disk, for measuring `pennydrop ach inspect`:
//! `cargo run --release -p pennydrop-nacha --example gen_ach -- 1000000 /tmp/1m.ach`.

#[path = "../benches/common/mod.rs"]
mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let entries: usize = args.next().unwrap_or_else(|| "1000000".into()).parse()?;
    let path = args.next().unwrap_or_else(|| "nacha-bench.ach".into());
    let file = common::builder(entries).build()?;
    std::fs::write(&path, file.to_bytes())?;
    eprintln!("{entries} entries written to {path}");
    Ok(())
}

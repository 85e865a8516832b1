fn main() {
    for p in std::env::args().skip(1) {
        let bytes = std::fs::read(&p).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        match nacha::read_str(&text) {
            Ok(f) => {
                println!(
                    "{p}: OK {} batches; validate: {:?}",
                    f.batches.len(),
                    f.validate().err().map(|e| e.to_string())
                );
                let s = f.to_string();
                println!("  roundtrip identical: {}", s == text);
            }
            Err(e) => println!("{p}: ERR {e} ({:?})", e.kind),
        }
    }
}

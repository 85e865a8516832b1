//! Writes the bank's answer to every file in a data directory's outbox: one return (R03 by
//! default) for every credit entry, into the inbox, for timing `pennydrop ach inbox` with
//! `bench/returns.sh`.
//!
//! Usage: returns-file DATA_DIR [RETURN_CODE]

use anyhow::Context;
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).context("usage: returns-file DATA_DIR [CODE]")?);
    let code = args.get(2).map_or("R03", String::as_str);
    let outbox = dir.join("ach").join("outbox");
    let inbox = dir.join("ach").join("inbox");
    std::fs::create_dir_all(&inbox)?;
    let mut returned = 0;
    for file in std::fs::read_dir(&outbox).with_context(|| outbox.display().to_string())? {
        let path = file?.path();
        let text = std::fs::read_to_string(&path)?;
        let original = nacha::read_str(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
        // The reply needs each entry's batch header only: a copy without the batch's other
        // entries (cloning whole batches per entry grew as entries × batch size).
        let returns: Vec<_> = original
            .batches
            .iter()
            .flat_map(|b| {
                let header_only = nacha::Batch {
                    header: b.header.clone(),
                    entries: Vec::new(),
                    control: b.control.clone(),
                };
                b.entries
                    .iter()
                    .filter(|e| !e.detail.transaction_code.is_debit())
                    .map(move |e| (header_only.clone(), e.clone(), code.to_string()))
            })
            .collect();
        returned += returns.len();
        let reply =
            pennydrop_rails::ach::simulated_reply(&original, &returns, &[], jiff::Timestamp::now())
                .map_err(|e| anyhow::anyhow!(e))?;
        let name = path.file_name().context("file name")?.to_string_lossy();
        std::fs::write(inbox.join(format!("RETURNS-{name}")), reply)?;
    }
    println!("{returned}");
    Ok(())
}

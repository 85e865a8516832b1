//! The generated file shared by the benchmark and the `gen_ach` example: PPD batches of 1,000
//! mixed checking/savings credits and debits, every entry valid.

use jiff::civil::date;
use nacha::*;

const ROUTINGS: [&str; 4] = ["23138010", "12104288", "09100001", "02100002"];

pub fn builder(entries: usize) -> FileBuilder {
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
                        1 + (k as u64 * 7919) % 500_000,
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

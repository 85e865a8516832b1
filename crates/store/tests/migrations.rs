//! The SQLite and PostgreSQL migrations are one schema in two dialects: they may differ only in
//! the spelling of binary columns and auto-increment keys. This keeps them from drifting apart.

use std::path::Path;

fn normalize(sql: &str) -> String {
    sql.replace("BYTEA", "BLOB")
        .replace("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
}

#[test]
fn sqlite_and_postgres_migrations_are_the_same_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(root.join("sqlite"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut pg: Vec<String> = std::fs::read_dir(root.join("postgres"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pg.sort();
    assert_eq!(names, pg, "the same migration files on both sides");
    for name in names {
        let sqlite = std::fs::read_to_string(root.join("sqlite").join(&name)).unwrap();
        let postgres = std::fs::read_to_string(root.join("postgres").join(&name)).unwrap();
        assert_eq!(
            normalize(&sqlite),
            normalize(&postgres),
            "{name} differs beyond dialect spelling"
        );
    }
}

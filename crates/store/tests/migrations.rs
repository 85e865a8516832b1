//! One migration source renders to one schema in two dialects, and released migrations keep
//! the checksums that databases migrated by earlier releases recorded.

use pennydrop_store::migrations::{rendered, SOURCES};
use pennydrop_store::Backend;
use sha2::{Digest, Sha384};
use std::path::Path;

fn normalize(sql: &str) -> String {
    sql.replace("BYTEA", "BLOB")
        .replace("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT")
}

#[test]
fn every_migration_file_is_listed_once_in_order() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let listed: Vec<String> = SOURCES
        .iter()
        .map(|(v, d, _)| format!("{v:04}_{d}.sql"))
        .collect();
    assert_eq!(
        files, listed,
        "each file in migrations/ is in SOURCES, in order"
    );
}

#[test]
fn both_renderings_are_one_schema_with_no_placeholder_left() {
    let sqlite = rendered(Backend::Sqlite);
    let postgres = rendered(Backend::Postgres);
    for ((v, _, lite), (_, _, pg)) in sqlite.iter().zip(&postgres) {
        assert!(!lite.contains("{{") && !pg.contains("{{"), "migration {v}");
        assert!(
            !lite.contains("BYTEA") && !lite.contains("BIGSERIAL"),
            "migration {v}"
        );
        assert!(
            !pg.contains("BLOB") && !pg.contains("AUTOINCREMENT"),
            "migration {v}"
        );
        assert_eq!(normalize(lite), normalize(pg), "migration {v}");
    }
}

/// SHA-384 (what sqlx records) of each released migration as first shipped.
const RELEASED: &[(Backend, i64, &str)] = &[
    (Backend::Sqlite, 1, "401b84adc8506f9c91f77a4fc28d6a7269481ee30a682a067428b3ee0cc76c929a9a18291f99d022fcdbc30987e1b80c"),
    (Backend::Sqlite, 2, "cc3255179e83d128c2204f2d5a254d3bfc3944fec00941ca8ee2492c6952a8769f6cf6e7832f971af8948c8db6c87377"),
    (Backend::Sqlite, 3, "f86859854e8985ac5500104ba5cfe5acaed6195e6708f18caf4efbb2939679b13c3ba44d0d362367f810b9011fdda018"),
    (Backend::Postgres, 1, "ad870ee8453493d0ff470888487062cd38651ff2c50be03e048969290e57986faf662ec9af75569effda4138937c4717"),
    (Backend::Postgres, 2, "4aaac342c5ff37694cf70e3f11d2134a0a16017da99536fa08f9df8cb579b63fbfad1058187fbb2ea531d853c7ad0078"),
    (Backend::Postgres, 3, "f86859854e8985ac5500104ba5cfe5acaed6195e6708f18caf4efbb2939679b13c3ba44d0d362367f810b9011fdda018"),
    (Backend::Sqlite, 4, "56feed5ae1cc2ba9796a35ae00856319c05b5821aacc24ec0abb647530a5749ce4ba6a7526386face68e6fd96f923e11"),
    (Backend::Postgres, 4, "56feed5ae1cc2ba9796a35ae00856319c05b5821aacc24ec0abb647530a5749ce4ba6a7526386face68e6fd96f923e11"),
    (Backend::Sqlite, 5, "9b24fd3bd6a25024c1c2b2a2ec4b21514341a006099ed0dfd8e057ff220162fc80d87a0d7d8c923e5af8facc69bd67ef"),
    (Backend::Postgres, 5, "9b24fd3bd6a25024c1c2b2a2ec4b21514341a006099ed0dfd8e057ff220162fc80d87a0d7d8c923e5af8facc69bd67ef"),
    (Backend::Sqlite, 6, "86145370916f31d46f3be6f37b603fe1e73d4691b6ba917433a1b73afbdb4aa55f0478780cc1084c95d9bad082ae0ebe"),
    (Backend::Postgres, 6, "86145370916f31d46f3be6f37b603fe1e73d4691b6ba917433a1b73afbdb4aa55f0478780cc1084c95d9bad082ae0ebe"),
    (Backend::Sqlite, 7, "b09c9057be21df7062e2a17aeb61f3cdb962e34f947dbed6e7b22c8d58174761e6fa181c86952203eb2400ab37763adc"),
    (Backend::Postgres, 7, "b09c9057be21df7062e2a17aeb61f3cdb962e34f947dbed6e7b22c8d58174761e6fa181c86952203eb2400ab37763adc"),
    (Backend::Sqlite, 8, "54adfaca3867b23495c125773a56fcb42655af29da194ae11b6b264a8f8303f463dbdb511ccde7a37b811c940fc84b9e"),
    (Backend::Postgres, 8, "54adfaca3867b23495c125773a56fcb42655af29da194ae11b6b264a8f8303f463dbdb511ccde7a37b811c940fc84b9e"),
    (Backend::Sqlite, 9, "f9116cb85f0c41efc6d288b9fa6af67d2c77061f4c0499990916f4e1ade8f4a4b88a2260761c7ee19368712cb7cc8d74"),
    (Backend::Postgres, 9, "9a5d8a163b563f1fc3af10b4ee4dcbe04a7efb8a4cda5342b95e20c6ca674bcae2782c8e01c55c932ce3a4a6a7195a57"),
    (Backend::Sqlite, 10, "06db482ff04dc549eedbe28e392d627cab947e5682d43e096b1fc6f0111e09ec82d5b38db43f0649c6b69970028151a4"),
    (Backend::Postgres, 10, "06db482ff04dc549eedbe28e392d627cab947e5682d43e096b1fc6f0111e09ec82d5b38db43f0649c6b69970028151a4"),
    (Backend::Sqlite, 11, "8240cea8f26fcbc638b214a389e5e79e2de8ee3c7e7b21b545427ba1e89f290fc6a2a7aa5ff3978217bead6aa053e28b"),
    (Backend::Postgres, 11, "8240cea8f26fcbc638b214a389e5e79e2de8ee3c7e7b21b545427ba1e89f290fc6a2a7aa5ff3978217bead6aa053e28b"),
];

#[test]
fn released_migrations_keep_their_checksums() {
    for (backend, version, expected) in RELEASED {
        let (_, _, sql) = rendered(*backend)
            .into_iter()
            .find(|(v, _, _)| v == version)
            .unwrap_or_else(|| panic!("migration {version} is gone"));
        assert_eq!(
            hex::encode(Sha384::digest(sql.as_bytes())),
            *expected,
            "{backend:?} migration {version} changed after release: add a new migration instead"
        );
    }
}

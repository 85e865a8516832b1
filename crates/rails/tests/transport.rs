//! The file-transport conformance suite against the directory implementation (the SFTP one
//! runs it against a real OpenSSH server in the workspace's `tests/sftp.rs`).

use pennydrop_rails::ach::transport::conformance::{run, BankSide};
use pennydrop_rails::ach::DirectoryTransport;

#[tokio::test]
async fn the_directory_transport_passes_the_file_transport_conformance_suite() {
    let root = tempfile::tempdir().expect("temp dir");
    let transport = DirectoryTransport::under(root.path()).expect("directories");
    let bank = BankSide {
        outbound: root.path().join("outbound"),
        inbound: root.path().join("inbound"),
    };
    run(&transport, &bank).await;
}

//! Delivery to a real OpenSSH server started on loopback by the test: key authentication, the
//! host key pinned (a wrong pin refuses to deliver), idempotent retries, and returns fetched
//! from the server's inbound directory.

mod common;

use common::{Caller, TestApp};
use pennydrop_core::model::{AchFileStatus, Mode};
use pennydrop_rails::ach::sftp::SftpConfig;
use pennydrop_rails::ach::FileTransport;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

const SSHD: &str = "/usr/sbin/sshd";

struct Sshd {
    child: Child,
    port: u16,
    host_key_pub: String,
    client_key: PathBuf,
    root: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen (openssh-client) is installed");
    assert!(ok.success());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_sshd(dir: &Path) -> Sshd {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: install openssh-server (.ci/run does) to run the SFTP delivery test"
    );
    let host_key = dir.join("host_ed25519");
    let client_key = dir.join("client_ed25519");
    keygen(&host_key);
    keygen(&client_key);
    let authorized = dir.join("authorized_keys");
    std::fs::copy(dir.join("client_ed25519.pub"), &authorized).unwrap();
    let root = dir.join("remote");
    std::fs::create_dir_all(root.join("outbound")).unwrap();
    std::fs::create_dir_all(root.join("inbound")).unwrap();
    let port = free_port();
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\nAllowUsers {user}\n\
             Subsystem sftp /usr/lib/openssh/sftp-server\n",
            host_key.display(),
            dir.join("sshd.pid").display(),
            authorized.display(),
        ),
    )
    .unwrap();
    std::fs::create_dir_all("/run/sshd").ok();
    let child = Command::new(SSHD)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&config)
        .spawn()
        .expect("start sshd");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd {
        child,
        port,
        host_key_pub: std::fs::read_to_string(dir.join("host_ed25519.pub")).unwrap(),
        client_key,
        root,
    }
}

fn sftp_config(sshd: &Sshd, host_key: &str) -> SftpConfig {
    SftpConfig {
        host: "127.0.0.1".into(),
        port: sshd.port,
        user: std::env::var("USER").unwrap_or_else(|_| "root".into()),
        private_key: sshd.client_key.clone(),
        host_key: host_key.to_string(),
        outbound_dir: sshd.root.join("outbound").display().to_string(),
        inbound_dir: Some(sshd.root.join("inbound").display().to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_are_delivered_over_sftp_to_a_pinned_host() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start_sshd(dir.path());
    let config = sftp_config(&sshd, &sshd.host_key_pub);
    // A rehearsal: a real SFTP server on loopback, and the simulated bank answering anyway.
    let app = TestApp::sqlite_with(|c| {
        c.sftp = Some(config.clone());
        c.force_simulator = true;
    })
    .await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "3000000003").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let r = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let name = r.body["files"][0]["fileName"].as_str().unwrap().to_string();
    let id: uuid::Uuid = r.body["files"][0]["fileID"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    let delivered =
        std::fs::read_to_string(sshd.root.join("outbound").join(&name)).expect("delivered");
    let local =
        std::fs::read_to_string(app.data_dir.path().join("ach/outbox").join(&name)).unwrap();
    assert_eq!(delivered, local);
    let file = app.store.ach_file(id).await.unwrap().unwrap();
    assert_eq!(file.status, AchFileStatus::Delivered);
    assert!(std::fs::read_dir(sshd.root.join("outbound"))
        .unwrap()
        .all(|e| !e.unwrap().file_name().to_string_lossy().starts_with('.')));

    // A retry of a delivered file sends nothing new (same name, same size).
    pennydrop_rails::ach::sftp::SftpTransport::new(config.clone())
        .deliver(&name, local.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read_dir(sshd.root.join("outbound"))
            .unwrap()
            .count(),
        1
    );

    // The simulated bank answered R03 into the local inbox; a bank on SFTP leaves returns in
    // its inbound directory instead: move that answer there and let the rail fetch it.
    let archive = app.data_dir.path().join("ach/archive");
    let answer = std::fs::read_dir(&archive)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = std::fs::read(&answer).unwrap();
    // Make it a distinct file (a bank resends with a new name; the content is the same, so the
    // hash check applies it once).
    std::fs::write(sshd.root.join("inbound").join("returns-2.ach"), &text).unwrap();
    let report = app.ach.process_inbox().await.unwrap();
    assert_eq!(
        report.returns, 0,
        "already applied once: the file's hash is known"
    );
    assert!(
        !sshd.root.join("inbound").join("returns-2.ach").exists(),
        "fetched and removed from the server"
    );
    assert!(archive.join("returns-2.ach").exists());
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_host_key_refuses_delivery_and_keeps_the_file_for_retry() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start_sshd(dir.path());
    let other = dir.path().join("other_ed25519");
    keygen(&other);
    let wrong_pin = std::fs::read_to_string(dir.path().join("other_ed25519.pub")).unwrap();
    let config = sftp_config(&sshd, &wrong_pin);
    let app = TestApp::sqlite_with(|c| c.sftp = Some(config)).await;
    let key = app.tenant(Mode::Production).await;
    let operator = app.operator().await;
    let c = Caller {
        app: &app,
        key: &key,
    };
    let (account, bank) = c.account_with_bank("231380104", "12345678").await;
    c.initiate_micro_deposits(&account, &bank).await;
    let ops = Caller {
        app: &app,
        key: &operator,
    };
    let r = ops.post("/admin/ach/cutoffs", "").await;
    assert_eq!(r.status, 200);
    let id: uuid::Uuid = r.body["files"][0]["fileID"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let file = app.store.ach_file(id).await.unwrap().unwrap();
    assert_eq!(
        file.status,
        AchFileStatus::Written,
        "written locally, not delivered"
    );
    assert!(
        file.delivery_error
            .as_deref()
            .unwrap_or("")
            .to_lowercase()
            .contains("key"),
        "{:?}",
        file.delivery_error
    );
    assert_eq!(
        std::fs::read_dir(sshd.root.join("outbound"))
            .unwrap()
            .count(),
        0,
        "nothing reached the server"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sftp_transport_passes_the_file_transport_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let sshd = start_sshd(dir.path());
    let transport =
        pennydrop_rails::ach::sftp::SftpTransport::new(sftp_config(&sshd, &sshd.host_key_pub));
    let bank = pennydrop_rails::ach::transport::conformance::BankSide {
        outbound: sshd.root.join("outbound"),
        inbound: sshd.root.join("inbound"),
    };
    pennydrop_rails::ach::transport::conformance::run(&transport, &bank).await;
}

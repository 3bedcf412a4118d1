//! Certificate pinning over real HTTPS on 127.0.0.1: a real `lantern-server` (its own
//! TLS code, rustls) with a freshly generated self-signed certificate, as on an
//! offline LAN, and the real `lantern` CLI. Enrollment pins the certificate and says
//! so; sync works through it; another server with another certificate on the same
//! address is refused with the interception sentence and receives nothing; a wrong
//! operator fingerprint stops enrollment before the code is sent; plain HTTP to
//! another machine is refused.

mod sync_support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use lantern_server::store::Store;
use sync_support::*;

struct Cert {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
}

fn self_signed() -> Cert {
    let c =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    Cert {
        cert_pem: c.cert.pem(),
        key_pem: c.key_pair.serialize_pem(),
        der: c.cert.der().to_vec(),
    }
}

/// One HTTPS server on `addr` (port 0: any) over `store`, until `stop`.
struct Https {
    addr: SocketAddr,
    handle: lantern_server::tls::Handle<SocketAddr>,
    fingerprint: String,
}

fn serve(
    rt: &tokio::runtime::Runtime,
    store: &Arc<dyn Store>,
    addr: SocketAddr,
    cert: &Cert,
) -> Https {
    let tls = rt
        .block_on(lantern_server::tls::load(
            cert.cert_pem.clone().into_bytes(),
            cert.key_pem.clone().into_bytes(),
        ))
        .unwrap();
    // The previous server on this address may take a moment to let go of it.
    let mut tries = 0;
    let listener = loop {
        match std::net::TcpListener::bind(addr) {
            Ok(l) => break l,
            Err(e) if tries < 50 => {
                tries += 1;
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("cannot bind {addr}: {e}"),
        }
    };
    let addr = listener.local_addr().unwrap();
    let handle = lantern_server::tls::Handle::new();
    let app = lantern_server::app(lantern_server::AppState::new(Arc::clone(store)));
    let fingerprint = tls.fingerprint.clone();
    let h = handle.clone();
    rt.spawn(async move {
        lantern_server::tls::serve(listener, app, &tls, h)
            .await
            .unwrap();
    });
    Https {
        addr,
        handle,
        fingerprint,
    }
}

impl Https {
    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn stop(self, rt: &tokio::runtime::Runtime) {
        self.handle.shutdown();
        // Wait until the port is really free again.
        rt.block_on(async {
            for _ in 0..50 {
                if tokio::net::TcpStream::connect(self.addr).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
    }
}

fn enroll(
    vault: &std::path::Path,
    url: &str,
    code: &str,
    pin: Option<&str>,
) -> std::process::Output {
    let mut args = vec![
        "sync",
        "enroll",
        "--vault",
        vault.to_str().unwrap(),
        "--server",
        url,
        "--code",
        code,
    ];
    if let Some(p) = pin {
        args.push("--pin");
        args.push(p);
    }
    lantern(&args)
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn enrollment_pins_the_certificate_and_another_one_is_refused() {
    // The in-process server (plain HTTP) gives the store and the code helpers; the
    // HTTPS servers below serve that same store.
    let base = start_server();
    let (cert_a, cert_b) = (self_signed(), self_signed());
    let a = serve(
        &base.rt,
        &base.store,
        "127.0.0.1:0".parse().unwrap(),
        &cert_a,
    );
    let addr = a.addr;
    let url = a.url();
    let fp_a = a.fingerprint.clone();

    // What the server prints is the SHA-256 of the certificate's DER, as the device
    // computes it.
    assert_eq!(
        a.fingerprint,
        lantern_core::sync::display_pin(&lantern_core::sync::certificate_pin(&cert_a.der))
    );
    assert_ne!(
        a.fingerprint,
        lantern_core::sync::display_pin(&lantern_core::sync::certificate_pin(&cert_b.der))
    );

    let tmp = tempfile::tempdir().unwrap();

    // An operator's fingerprint that does not match: refused before the code is sent
    // (the same code enrolls afterwards), with the interception sentence.
    let checked = tmp.path().join("checked");
    lantern_ok(&["vault", "init", checked.to_str().unwrap()]);
    let code = base.enrollment_code(&["SO1101"]);
    let b_fp = lantern_core::sync::display_pin(&lantern_core::sync::certificate_pin(&cert_b.der));
    let out = enroll(&checked, &url, &code, Some(&b_fp));
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("may be intercepted"), "{}", text(&out));
    assert!(text(&out).contains(&a.fingerprint), "{}", text(&out));
    // A fingerprint that is not one at all.
    let out = enroll(&checked, &url, &code, Some("12:34"));
    assert!(!out.status.success());
    assert!(
        text(&out).contains("not a certificate fingerprint"),
        "{}",
        text(&out)
    );
    // The right one, as `openssl x509 -fingerprint -sha256` prints it.
    let said = lantern_ok(&[
        "sync",
        "enroll",
        "--vault",
        checked.to_str().unwrap(),
        "--server",
        &url,
        "--code",
        &code,
        "--pin",
        &format!("sha256 Fingerprint={}", a.fingerprint),
    ]);
    assert!(said.contains("matches the fingerprint given"), "{said}");
    assert!(said.contains(&a.fingerprint), "{said}");

    // Trust on first use: enrollment prints the pin; status shows it.
    let vault = new_vault(tmp.path());
    let v = vault.to_str().unwrap();
    let code = base.enrollment_code(&["SO1101"]);
    let out = enroll(&vault, &url, &code, None);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        said.contains(&format!("now pinned: SHA-256 {}", a.fingerprint)),
        "{said}"
    );
    let st = lantern_ok(&["sync", "status", "--vault", v]);
    assert!(
        st.contains(&format!(
            "Server certificate pinned: SHA-256 {}",
            a.fingerprint
        )),
        "{st}"
    );
    assert_eq!(
        status(&vault)["enrollment"]["server_pin"],
        lantern_core::sync::certificate_pin(&cert_a.der)
    );

    // Sync works over the pinned HTTPS connection.
    let first = batch("SO1101", Some("baseline"), 9, 7);
    let out = approve(&vault, &first);
    assert!(out.status.success(), "{}", text(&out));
    let said = lantern_ok(&["sync", "run", "--vault", v]);
    assert!(said.contains("acknowledged every one"), "{said}");
    assert_eq!(base.batches().len(), 1);

    // Someone else answers on the same address with another certificate (the server
    // store is the same: only the certificate differs). Refused, nothing sent.
    a.stop(&base.rt);
    let b = serve(&base.rt, &base.store, addr, &cert_b);
    let second = batch("SO1101", Some("baseline"), 12, 8);
    let out = approve(&vault, &second);
    assert!(out.status.success(), "{}", text(&out));
    let out = lantern(&["sync", "run", "--vault", v]);
    assert!(!out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("may be intercepted"), "{said}");
    assert!(
        said.contains("re-enroll only together with the server's operator"),
        "{said}"
    );
    assert!(said.contains(&b.fingerprint), "{said}");
    assert!(said.contains(&fp_a), "{said}");
    let stored = base.batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].batch_id, first.batch_id.to_string());
    // The batch waits, queued, for the real server.
    assert_eq!(status(&vault)["queued"], 1);

    // The real server is back: the queued batch goes.
    b.stop(&base.rt);
    let a2 = serve(&base.rt, &base.store, addr, &cert_a);
    let said = lantern_ok(&["sync", "run", "--vault", v]);
    assert!(said.contains("acknowledged every one"), "{said}");
    let stored = base.batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].batch_id, second.batch_id.to_string());
    a2.stop(&base.rt);

    // Plain HTTP to another machine is refused before anything is sent.
    let other = tmp.path().join("other");
    lantern_ok(&["vault", "init", other.to_str().unwrap()]);
    let out = enroll(&other, "http://192.0.2.10:8440", &code, None);
    assert!(!out.status.success());
    assert!(text(&out).contains("plain HTTP"), "{}", text(&out));
    // And a fingerprint makes no sense for plain HTTP, even to this machine.
    let out = enroll(&other, &base.url, &code, Some(&fp_a));
    assert!(!out.status.success());
    assert!(
        text(&out).contains("only applies to an https://"),
        "{}",
        text(&out)
    );
}

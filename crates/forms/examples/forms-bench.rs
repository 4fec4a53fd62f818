//! The forms benchmark (issue 5), release build: one form once fonts are loaded; a batch
//! of 1,000 forms each with its own signature, and 1,000 sharing one; and the same
//! 1,000 pages (sharing one signature) printed by headless Chromium from an equivalent
//! HTML page. Run with `bash scripts/bench-forms.sh`.

use base64::Engine;
use binddesk_domain::api::Application;
use binddesk_forms::{FormInput, RenderOptions, Renderer};
use std::process::Command;
use std::time::Instant;

fn signature(seed: u32) -> Vec<u8> {
    // Pen strokes: a few sine-ish curves whose shape depends on the seed, in RGBA on a
    // transparent canvas, the way a browser's signature pad hands them over.
    let mut img = image::RgbaImage::from_pixel(600, 200, image::Rgba([0, 0, 0, 0]));
    for k in 0..3u32 {
        let f = 0.02 + f64::from((seed * 7 + k * 13) % 17) / 400.0;
        let phase = f64::from((seed * 31 + k) % 100) / 10.0;
        for x in 40..560u32 {
            let y = 100.0 + (f64::from(x) * f + phase).sin() * (30.0 + f64::from(k) * 12.0);
            for dy in -2i32..=2 {
                let yy = (y as i32 + dy).clamp(0, 199) as u32;
                img.put_pixel(x, yy, image::Rgba([20, 24, 70, 255]));
            }
        }
    }
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).expect("png");
    out
}

fn main() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/application.json");
    let base: Application =
        serde_json::from_str(&std::fs::read_to_string(fixture).expect("fixture")).expect("json");
    let t = Instant::now();
    let renderer = Renderer::discover().expect("fonts");
    // Touch the primary and the Extension B fallback so parsing is out of the timings.
    let _ = renderer.fonts().resolve('陳');
    let _ = renderer.fonts().resolve('𠀋');
    println!("fonts found and parsed in {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    let opts = RenderOptions::default();

    let apps: Vec<Application> = (0..1000)
        .map(|i| {
            let mut a = base.clone();
            a.id = format!("app-{i:04}");
            a.student.name = ["陳曉明", "林𠀋妤", "吳大寶", "王小華", "張家豪"][i % 5].to_string();
            a
        })
        .collect();
    let own: Vec<Vec<u8>> = (0..1000).map(|i| signature(i as u32)).collect();
    let shared = signature(7);

    // One form.
    let one = FormInput {
        application: &apps[0],
        signature_png: Some(&shared),
        school_name: Some("臺北市私立日曜學校"),
    };
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..30 {
        let t = Instant::now();
        size = renderer.render_one(one, &opts).expect("form").pdf.len();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("one form: {:.1} ms (median of 30), {} bytes ({:.1} KB)", times[15], size, size as f64 / 1024.0);

    let batch = |sigs: Vec<&[u8]>| {
        let inputs: Vec<FormInput<'_>> = apps
            .iter()
            .zip(sigs)
            .map(|(a, sig)| FormInput {
                application: a,
                signature_png: Some(sig),
                school_name: Some("臺北市私立日曜學校"),
            })
            .collect();
        let t = Instant::now();
        let mut laid_out = 0.0;
        let r = renderer
            .render(&inputs, &opts, &mut |p| {
                if p.done == p.total {
                    laid_out = t.elapsed().as_secs_f64();
                }
                true
            })
            .expect("batch");
        let secs = t.elapsed().as_secs_f64();
        println!("  (layout {:.2} s, writing the PDF {:.2} s)", laid_out, secs - laid_out);
        (secs, r.pdf)
    };
    let (secs, pdf) = batch(own.iter().map(Vec::as_slice).collect());
    println!(
        "1,000 forms, each its own signature: {:.2} s, {:.1} MB, {:.1} KB a form",
        secs,
        pdf.len() as f64 / 1e6,
        pdf.len() as f64 / 1024.0 / 1000.0
    );
    let (ours_secs, ours) = batch(vec![shared.as_slice(); 1000]);
    println!(
        "1,000 forms sharing one signature: {:.2} s, {:.2} MB, {:.1} KB a form",
        ours_secs,
        ours.len() as f64 / 1e6,
        ours.len() as f64 / 1024.0 / 1000.0
    );

    // `--ours-only` skips Chromium (for profiling this crate alone).
    if std::env::args().any(|a| a == "--ours-only") {
        return;
    }
    // Chromium, from an equivalent HTML page of 1,000 pages sharing one signature.
    let dir = std::env::temp_dir().join(format!("binddesk-forms-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let sig_uri =
        format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&shared));
    let mut html = String::from(
        "<!doctype html><html lang=zh-Hant-TW><meta charset=utf-8><style>@page{size:A4;margin:17mm}\
         body{font-family:'AR PL UKai TW','TW-Kai',serif;font-size:11pt}section{page-break-after:always}\
         h1{text-align:center;font-size:19pt}dl{display:grid;grid-template-columns:1fr 1fr}\
         dt{color:#666;font-size:8pt}img{width:240px;border:1px solid #666}</style>",
    );
    for (i, a) in apps.iter().enumerate() {
        html.push_str(&format!(
            "<section><h1>臺北市校園單一身分驗證親子帳號申請書</h1><p>申請編號 No.：{}　送出日期 {}</p>\
             <h2>學生資料 Student</h2><dl><dt>姓名</dt><dd>{}</dd><dt>身分證字號</dt><dd>A123***89</dd>\
             <dt>學校</dt><dd>臺北市私立日曜學校</dd><dt>班級</dt><dd>{}</dd></dl>\
             <h2>家長資料 Parent</h2><dl><dt>姓名</dt><dd>{}</dd><dt>關係</dt><dd>法定代理人／父親</dd>\
             <dt>身分證</dt><dd>YA94***61</dd><dt>電話</dt><dd>09***45</dd><dt>E-mail</dt><dd>{}</dd></dl>\
             <h2>個人資料使用聲明</h2><p>{}</p><p>{}</p><h2>家長簽名</h2><img src=\"{}\"><p>審核通過 張文彬</p>\
             <footer>第 {} 頁，共 1000 頁</footer></section>",
            a.id,
            binddesk_forms::tw_datetime(a.submitted_at),
            a.student.name,
            a.student.class_name,
            a.parent.name,
            a.parent.email,
            binddesk_forms::CONSENT_ZH,
            binddesk_forms::CONSENT_EN,
            sig_uri,
            i + 1
        ));
    }
    let html_path = dir.join("forms.html");
    let pdf_path = dir.join("chromium.pdf");
    std::fs::write(&html_path, html).expect("html");
    let t = Instant::now();
    let status = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", pdf_path.display()))
        .arg(format!("file://{}", html_path.display()))
        .output();
    let chromium_secs = t.elapsed().as_secs_f64();
    match (status, std::fs::metadata(&pdf_path)) {
        (Ok(_), Ok(m)) => {
            println!(
                "Chromium print-to-PDF, the same 1,000 pages: {:.2} s, {:.2} MB",
                chromium_secs,
                m.len() as f64 / 1e6
            );
            println!(
                "BindDesk vs Chromium: {:.1}× faster, {:.1}× smaller",
                chromium_secs / ours_secs,
                m.len() as f64 / ours.len() as f64
            );
        }
        _ => println!("Chromium did not run (install it: apt-get install chromium)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

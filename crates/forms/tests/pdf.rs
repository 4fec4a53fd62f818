//! Real PDFs read back with poppler: pdftotext finds every field (an Extension B name
//! included), pdffonts shows embedded subsets, pdftoppm's first page matches a reviewed
//! reference image, pdfimages shows a shared signature stored once; bad signatures and
//! missing glyphs are reported, not hidden.

use binddesk_domain::api::Application;
use binddesk_forms::{FormError, FormInput, RenderOptions, Renderer};
use binddesk_testkit::{arg, pdf_text, poppler};
use chrono::TimeZone;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::discover().expect("CJK fonts are installed (scripts/setup.sh)"))
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn app() -> Application {
    serde_json::from_str(&std::fs::read_to_string(fixture("application.json")).unwrap()).unwrap()
}

fn signature() -> Vec<u8> {
    std::fs::read(fixture("signature.png")).unwrap()
}

fn opts(reveal: bool) -> RenderOptions {
    RenderOptions { reveal, printed_at: chrono::Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap() }
}

fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/forms-test");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(name: &str, pdf: &[u8]) -> PathBuf {
    let p = out_dir().join(name);
    std::fs::write(&p, pdf).unwrap();
    p
}

fn tool(cmd: &str, args: &[&str], file: &Path) -> String {
    let file = arg(file);
    let all: Vec<&str> = args.iter().copied().chain([file.as_str()]).collect();
    let out = poppler(cmd, &all);
    assert!(out.ok, "{cmd} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The fixture application with its signature and school, masked.
fn fixture_form() -> binddesk_forms::Rendered {
    let (a, sig) = (app(), signature());
    let input =
        FormInput {
            application: &a, signature_png: Some(&sig), school_name: Some("臺北市私立日曜學校")
        };
    renderer().render_one(input, &opts(false)).unwrap()
}

#[test]
fn every_field_is_in_the_text_masked_by_default() {
    let r = fixture_form();
    assert!(r.missing.is_empty(), "{:?}", r.missing);
    let p = write("one.pdf", &r.pdf);
    let text = pdf_text(&p);
    for want in [
        "臺北市校園單一身分驗證親子帳號申請書",
        "陳𠀋明",
        "A123***89",
        "臺北市私立日曜學校",
        "高中",
        "資訊二忠",
        "王曉明",
        "YA94***61",
        "09***45",
        "annie.sun2@example.com.tw",
        "法定代理人／父親",
        "4f6c2a0e-9b1d-4c55-8e2a-1f2b3c4d5e6f",
        "民國115年9月1日 16:00",
        "審核通過",
        "張文彬",
        "民國115年9月2日 09:30",
        "個人資料使用聲明",
        "第 1 頁，共 1 頁",
        "民國115年11月23日 09:00",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF text:\n{text}");
    }
    assert!(!text.contains("A123456789") && !text.contains("YA94109161") && !text.contains("0928942045"));
    assert!(r.pdf.len() < 80 * 1024, "one form is {} bytes", r.pdf.len());

    let (a, sig) = (app(), signature());
    let revealed = renderer()
        .render_one(FormInput { application: &a, signature_png: Some(&sig), school_name: None }, &opts(true))
        .unwrap();
    let text = pdf_text(&write("one-revealed.pdf", &revealed.pdf));
    for want in ["A123456789", "YA94109161", "0928942045", "383401"] {
        assert!(text.contains(want), "{want} not shown when revealed");
    }
}

#[test]
fn fonts_are_embedded_as_subsets() {
    let a = app();
    let r = renderer()
        .render_one(FormInput { application: &a, signature_png: None, school_name: None }, &opts(false))
        .unwrap();
    let fonts = tool("pdffonts", &[], &write("fonts.pdf", &r.pdf));
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 2, "a primary font and the Extension B fallback:\n{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        assert!(cols[0].contains('+'), "subset fonts carry a tag: {row}");
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "embedded, subset, with a ToUnicode map: {row}"
        );
    }
}

#[test]
fn first_page_matches_the_reviewed_reference() {
    let r = fixture_form();
    let pdf = write("reference-check.pdf", &r.pdf);
    let prefix = out_dir().join("page");
    let st = poppler(
        "pdftoppm",
        &["-png", "-r", "50", "-gray", "-f", "1", "-l", "1", "-singlefile", &arg(&pdf), &arg(&prefix)],
    );
    assert!(st.ok, "{}", String::from_utf8_lossy(&st.stderr));
    let rendered = image::open(prefix.with_extension("png")).unwrap().to_luma8();
    let reference_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/reference/form-page1.png");
    if std::env::var_os("BINDDESK_UPDATE_REFERENCE").is_some() {
        rendered.save(&reference_path).unwrap();
        eprintln!("reference regenerated: {} (review it before committing)", reference_path.display());
    }
    let reference = image::open(&reference_path)
        .unwrap_or_else(|_| {
            panic!("no reference image; render one with BINDDESK_UPDATE_REFERENCE=1 and review it")
        })
        .to_luma8();
    assert_eq!(rendered.dimensions(), reference.dimensions());
    let diffs: Vec<u8> =
        rendered.pixels().zip(reference.pixels()).map(|(a, b)| a.0[0].abs_diff(b.0[0])).collect();
    let mean = diffs.iter().map(|d| f64::from(*d)).sum::<f64>() / diffs.len() as f64;
    let far = diffs.iter().filter(|d| **d > 64).count() as f64 / diffs.len() as f64;
    assert!(
        mean < 1.0 && far < 0.002,
        "page 1 differs from the reference: mean {mean:.3}, {:.3}% far off",
        far * 100.0
    );
}

#[test]
fn a_batch_stores_a_shared_signature_once_and_reports_progress() {
    let a = app();
    let mut b = app();
    b.id = "second".into();
    b.student.name = "陳二明".into();
    let mut c = app();
    c.id = "third".into();
    let sig = signature();
    let other = {
        let img = image::GrayImage::from_fn(300, 100, |x, y| {
            image::Luma([if (x + y) % 37 < 3 { 20 } else { 255 }])
        });
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        out
    };
    let inputs = [
        FormInput { application: &a, signature_png: Some(&sig), school_name: None },
        FormInput { application: &b, signature_png: Some(&sig), school_name: None },
        FormInput { application: &c, signature_png: Some(&other), school_name: None },
    ];
    let mut seen = Vec::new();
    let r = renderer()
        .render(&inputs, &opts(false), &mut |p| {
            seen.push((p.done, p.total));
            true
        })
        .unwrap();
    assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
    let p = write("batch.pdf", &r.pdf);
    let info = tool("pdfinfo", &[], &p);
    assert!(info.lines().any(|l| l.starts_with("Pages:") && l.ends_with(" 3")), "{info}");
    let images = tool("pdfimages", &["-list"], &p);
    let objects: std::collections::BTreeSet<&str> =
        images.lines().skip(2).filter_map(|l| l.split_whitespace().nth(10)).collect();
    assert_eq!(objects.len(), 2, "two distinct signatures, each stored once:\n{images}");
    let text = pdf_text(&p);
    assert!(text.contains("陳二明") && text.contains("第 3 頁，共 3 頁"));

    // Cancelled after the first form.
    let err = renderer().render(&inputs, &opts(false), &mut |p| p.done < 1).unwrap_err();
    assert!(matches!(err, FormError::Cancelled));
}

#[test]
fn bad_signatures_are_errors_not_panics() {
    let a = app();
    let render = |png: &[u8]| {
        renderer().render_one(
            FormInput { application: &a, signature_png: Some(png), school_name: None },
            &opts(false),
        )
    };
    assert!(matches!(render(b"not a png"), Err(FormError::Signature { .. })));
    let mut truncated = signature();
    truncated.truncate(200);
    assert!(matches!(render(&truncated), Err(FormError::Signature { .. })));
    let mut huge = b"\x89PNG\r\n\x1a\n".to_vec();
    huge.resize(2 * 1024 * 1024, 0);
    let err = render(&huge).unwrap_err();
    assert!(err.to_string().contains("1 MiB"), "{err}");
    // A tiny file that claims 30000×30000 pixels.
    let mut bomb = Vec::new();
    image::GrayImage::new(1, 1)
        .write_to(&mut std::io::Cursor::new(&mut bomb), image::ImageFormat::Png)
        .unwrap();
    bomb[16..20].copy_from_slice(&30000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&30000u32.to_be_bytes());
    assert!(matches!(render(&bomb), Err(FormError::Signature { .. })));
}

#[test]
fn a_character_no_font_has_is_reported_and_shown_as_its_code_point() {
    let mut a = app();
    a.parent.name = "王\u{10FFFD}明".into();
    let r = renderer()
        .render_one(FormInput { application: &a, signature_png: None, school_name: None }, &opts(false))
        .unwrap();
    assert!(!r.missing.is_empty());
    assert!(r.missing.iter().all(|m| m.character == '\u{10FFFD}'));
    assert!(r.missing.iter().any(|m| m.field == "parent.name"));
    let text = pdf_text(&write("missing.pdf", &r.pdf));
    assert!(text.contains("U+10FFFD"), "{text}");
}

#[test]
fn long_text_wraps_inside_the_page() {
    let mut a = app();
    a.status = binddesk_domain::Status::Returned;
    let reason = "家長姓名與校務系統不符（週／周），請確認後重新送出；另請注意電子簽名須簽署全名，不可只簽姓氏或以符號代替，簽名不清楚者將再次退回。".repeat(2);
    a.return_reason = Some(reason.clone());
    a.parent.email = format!("{}@example.com.tw", "a-very-long-local-part".repeat(4));
    let r = renderer()
        .render_one(FormInput { application: &a, signature_png: None, school_name: None }, &opts(false))
        .unwrap();
    let p = write("long.pdf", &r.pdf);
    let out = poppler("pdftotext", &["-bbox", "-enc", "UTF-8", &arg(&p), "-"]);
    let html = String::from_utf8_lossy(&out.stdout);
    let mut words = 0;
    for line in html.lines().filter(|l| l.contains("<word")) {
        let x_max: f32 = line
            .split("xMax=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap();
        assert!(x_max <= 595.28 - 40.0, "text runs past the right margin: {line}");
        words += 1;
    }
    assert!(words > 50);
    let text: String = pdf_text(&p).chars().filter(|c| !c.is_whitespace()).collect();
    let want: String = reason.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(text.contains(&want), "the whole reason is printed");
}

#[test]
fn a_large_batch_is_laid_out_in_parts_and_merged_into_one_file() {
    // Over the size at which a batch is split across cores (64), and over the number of
    // distinct signatures (8) past which they are compressed the fast way, with a PNG
    // predictor the PDF reader has to undo. Ten signatures: form i has signature i % 10,
    // except the last, which shares the first's (and is laid out in another part).
    let n = 130;
    let png = |step: u32| {
        let img = image::GrayImage::from_fn(300, 100, |x, y| {
            image::Luma([if (x * step + y) % 41 < 3 { 20 } else { 255 - (y as u8 % 7) }])
        });
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
        (out, img)
    };
    let sigs: Vec<(Vec<u8>, image::GrayImage)> = (1..=10).map(png).collect();
    let apps: Vec<Application> = (0..n)
        .map(|i| {
            let mut a = app();
            a.id = format!("batch-{i:03}");
            if i == 100 {
                a.parent.name = "王\u{10FFFD}明".into();
            }
            a
        })
        .collect();
    let inputs: Vec<FormInput<'_>> = apps
        .iter()
        .enumerate()
        .map(|(i, a)| FormInput {
            application: a,
            signature_png: Some(&sigs[if i == n - 1 { 0 } else { i % 10 }].0),
            school_name: None,
        })
        .collect();
    let mut seen = Vec::new();
    let r = renderer()
        .render(&inputs, &opts(false), &mut |p| {
            seen.push(p.done);
            assert_eq!(p.total, n);
            true
        })
        .unwrap();
    assert_eq!(seen.last(), Some(&n), "the last report is the whole batch");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "progress only goes forward: {seen:?}");
    assert_eq!(r.pages, n);
    assert!(r.missing.iter().any(|m| m.application_id == "batch-100" && m.character == '\u{10FFFD}'));

    let p = write("large-batch.pdf", &r.pdf);
    let info = poppler("pdfinfo", &[&arg(&p)]);
    assert!(info.ok && info.stderr.is_empty(), "{}", String::from_utf8_lossy(&info.stderr));
    assert!(
        String::from_utf8_lossy(&info.stdout).lines().any(|l| l.starts_with("Pages:") && l.ends_with(" 130"))
    );
    let images = tool("pdfimages", &["-list"], &p);
    let objects: std::collections::BTreeSet<&str> =
        images.lines().skip(2).filter_map(|l| l.split_whitespace().nth(10)).collect();
    assert_eq!(images.lines().skip(2).count(), n, "a signature on every page:\n{images}");
    assert_eq!(objects.len(), 10, "ten distinct signatures, each stored once:\n{images}");
    let object_of = |page: &str| {
        images
            .lines()
            .skip(2)
            .find(|l| l.split_whitespace().next() == Some(page))
            .and_then(|l| l.split_whitespace().nth(10))
    };
    assert_eq!(object_of("1"), object_of("130"), "the first and last forms share one image:\n{images}");
    // The images come back pixel for pixel (grey input stays as it is).
    let prefix = out_dir().join("large-batch-img");
    for page in ["2", "130"] {
        let out = poppler(
            "pdfimages",
            &["-png", "-f", page, "-l", page, &arg(&p), &format!("{}-{page}", prefix.display())],
        );
        assert!(out.ok && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        let back = image::open(format!("{}-{page}-000.png", prefix.display())).unwrap().to_luma8();
        let want = &sigs[if page == "2" { 1 } else { 0 }].1;
        assert_eq!(back.dimensions(), want.dimensions());
        assert!(back.as_raw() == want.as_raw(), "page {page}'s signature differs from its input");
    }
    // Every form, in order, on its own page.
    for (page, id) in [(1, "batch-000"), (64, "batch-063"), (65, "batch-064"), (130, "batch-129")] {
        let page_arg = page.to_string();
        let out = poppler("pdftotext", &["-enc", "UTF-8", "-f", &page_arg, "-l", &page_arg, &arg(&p), "-"]);
        assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(id), "page {page} holds {id}:\n{text}");
        assert!(text.contains(&format!("第 {page} 頁，共 130 頁")), "page {page}:\n{text}");
        // The blocks drawn once per part and placed on every page.
        for block in ["臺北市校園單一身分驗證親子帳號申請書", "個人資料使用聲明", "legal representative"]
        {
            assert!(text.contains(block), "page {page} lacks {block:?}:\n{text}");
        }
    }
    let fonts = tool("pdffonts", &[], &p);
    assert!(fonts.lines().skip(2).all(|l| l.contains(" yes ")), "all embedded:\n{fonts}");

    // Cancelled at the first report.
    let err = renderer().render(&inputs, &opts(false), &mut |_| false).unwrap_err();
    assert!(matches!(err, FormError::Cancelled));
}

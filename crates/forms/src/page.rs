//! One form's page: its blocks and lines, laid out into drawing operations.

use super::*;

/// Where a part sits in its batch, and what it may use.
#[derive(Clone, Copy)]
pub(crate) struct Span {
    /// Forms before this part.
    pub(crate) first: usize,
    /// Forms in the batch.
    pub(crate) total: usize,
    /// Threads for preparing this part's signatures.
    pub(crate) threads: usize,
    /// Distinct signatures in the whole batch (it picks their compression).
    pub(crate) distinct: usize,
}

/// One part of a batch, laid out, its streams not compressed yet.
pub(crate) struct Part {
    pub(crate) lo: lopdf::Document,
    pub(crate) missing: Vec<MissingGlyph>,
}

pub(crate) fn page_ops(
    doc: &mut Doc<'_>,
    input: &FormInput<'_>,
    signature_key: Option<signature::Key>,
    opts: &RenderOptions,
    page: usize,
    pages: usize,
) -> Result<Vec<Op>, FormError> {
    let app = input.application;
    let id = app.id.as_str();
    let mut ops = Vec::new();
    let left = MARGIN;
    let right = PAGE_W - MARGIN;
    let width = right - left;
    let mut y = PAGE_H - MARGIN;

    // Title.
    y -= doc.stamp(&mut ops, "title", y, |doc, ops| {
        let title = "臺北市校園單一身分驗證親子帳號申請書";
        let tw = doc.width(title, 19.0);
        doc.text(ops, id, "title", (PAGE_W - tw) / 2.0, -19.0, 19.0, INK, title);
        let sub = "Application for a Taipei Parent–Child Single Sign-On Account";
        let sw = doc.width(sub, 10.0);
        doc.text(ops, id, "title", (PAGE_W - sw) / 2.0, -35.0, 10.0, GREY, sub);
        hline(ops, left, right, -50.0, 1.2, ACCENT);
        50.0
    });
    y -= 16.0;
    let meta = format!("申請編號 No.：{}", app.id);
    doc.fitted(&mut ops, id, "id", left, y + 10.0, width * 0.62, 9.0, &meta);
    let sent = format!("送出日期 Submitted：{}", tw_datetime(app.submitted_at));
    let w = doc.width(&sent, 9.0);
    doc.text(&mut ops, id, "submitted_at", right - w, y, 9.0, GREY, &sent);
    y -= 18.0;

    // A two-column block of label/value pairs.
    let section =
        |doc: &mut Doc<'_>, ops: &mut Vec<Op>, y: &mut f32, heading: &str, rows: &[(&str, String, &str)]| {
            doc.text(ops, id, "heading", left, *y - 12.0, 12.0, ACCENT, heading);
            *y -= 18.0;
            hline(ops, left, right, *y, 0.5, GREY);
            *y -= 4.0;
            let col = width / 2.0;
            for pair in rows.chunks(2) {
                let mut used: f32 = 0.0;
                for (k, (label, value, field)) in pair.iter().enumerate() {
                    let x = left + col * k as f32;
                    doc.text(ops, id, "label", x, *y - 9.0, 8.0, GREY, label);
                    let h = doc.fitted(ops, id, field, x, *y - 11.0, col - 12.0, 12.0, value);
                    used = used.max(h + 13.0);
                }
                *y -= used + 6.0;
            }
        };

    let student = &app.student;
    let school = input.school_name.map(str::to_string).unwrap_or_else(|| student.school_code.clone());
    section(
        doc,
        &mut ops,
        &mut y,
        "學生資料　Student",
        &[
            ("姓名 Name", student.name.clone(), "student.name"),
            ("身分證字號 ID number", shown_id(&student.id_number, opts.reveal), "student.id_number"),
            ("學校 School", school, "school"),
            (
                "學層 Level",
                format!("{}　{}", student.school_level.zh_tw(), student.school_level.en()),
                "student.school_level",
            ),
            ("班級 Class", student.class_name.clone(), "student.class_name"),
        ],
    );
    let parent = &app.parent;
    let rel = format!(
        "{}／{}　{}, {}",
        app.relationship.kind.zh_tw(),
        app.relationship.title.zh_tw(),
        app.relationship.kind.en(),
        app.relationship.title.en()
    );
    section(
        doc,
        &mut ops,
        &mut y,
        "家長資料　Parent or guardian",
        &[
            ("姓名 Name", parent.name.clone(), "parent.name"),
            ("與學生關係 Relationship", rel, "relationship"),
            ("身分證／居留證號碼 ID number", shown_id(&parent.id_number, opts.reveal), "parent.id_number"),
            (
                "行動電話 Phone",
                if opts.reveal { parent.phone.clone() } else { mask_phone(&parent.phone) },
                "parent.phone",
            ),
            ("電子郵件（帳號）E-mail (the login)", parent.email.clone(), "parent.email"),
        ],
    );

    // The statement.
    y -= doc.stamp(&mut ops, "consent", y, |doc, ops| {
        let heading = "個人資料使用聲明　Personal data statement";
        doc.text(ops, id, "heading", left, -12.0, 12.0, ACCENT, heading);
        let mut y = -18.0;
        hline(ops, left, right, y, 0.5, GREY);
        y -= 4.0;
        y -= doc.fitted(ops, id, "consent", left, y, width, 10.0, CONSENT_ZH);
        y -= 4.0;
        y -= doc.fitted(ops, id, "consent", left, y, width, 8.0, CONSENT_EN);
        -y
    });
    y -= 12.0;

    // The signature, on white, with the signer and the date.
    doc.text(&mut ops, id, "heading", left, y - 12.0, 12.0, ACCENT, "家長簽名　Signature");
    y -= 18.0;
    let (box_w, box_h) = (240.0, 80.0);
    frame(&mut ops, left, y - box_h, box_w, box_h);
    match input.signature_png.zip(signature_key) {
        Some((png, key)) => {
            let (img, w, h) = doc.signature(id, key, png)?;
            let scale = ((box_w - 8.0) / w as f32).min((box_h - 8.0) / h as f32);
            let (dw, dh) = (w as f32 * scale, h as f32 * scale);
            ops.push(Op::UseXobject {
                id: img,
                transform: XObjectTransform {
                    translate_x: Some(Pt(left + (box_w - dw) / 2.0)),
                    translate_y: Some(Pt(y - box_h + (box_h - dh) / 2.0)),
                    scale_x: Some(scale),
                    scale_y: Some(scale),
                    dpi: Some(72.0),
                    ..Default::default()
                },
            });
        }
        None => doc.text(
            &mut ops,
            id,
            "signature",
            left + 10.0,
            y - 45.0,
            10.0,
            GREY,
            "（簽名影像未附 Signature image not available）",
        ),
    }
    let sx = left + box_w + 16.0;
    doc.text(&mut ops, id, "label", sx, y - 14.0, 8.0, GREY, "簽署人 Signed by");
    doc.fitted(&mut ops, id, "parent.name", sx, y - 16.0, right - sx, 12.0, &parent.name);
    doc.text(&mut ops, id, "label", sx, y - 46.0, 8.0, GREY, "簽署日期 Date signed");
    doc.text(&mut ops, id, "submitted_at", sx, y - 60.0, 11.0, INK, &tw_datetime(app.submitted_at));
    y -= box_h + 18.0;

    // Status.
    doc.text(&mut ops, id, "heading", left, y - 12.0, 12.0, ACCENT, "審核狀態　Review status");
    y -= 18.0;
    hline(&mut ops, left, right, y, 0.5, GREY);
    y -= 4.0;
    for (i, line) in status_lines(app).iter().enumerate() {
        let size = if i == 0 { 13.0 } else { 10.0 };
        y -= doc.fitted(&mut ops, id, "status", left, y, width, size, line) + 2.0;
    }

    // Footer.
    hline(&mut ops, left, right, MARGIN - 6.0, 0.5, GREY);
    let footer = format!("第 {page} 頁，共 {pages} 頁　Page {page} of {pages}");
    doc.text(&mut ops, id, "footer", left, MARGIN - 20.0, 8.0, GREY, &footer);
    let printed = format!("列印時間 Printed：{}", tw_datetime(opts.printed_at));
    let pw = doc.width(&printed, 8.0);
    doc.text(&mut ops, id, "footer", right - pw, MARGIN - 20.0, 8.0, GREY, &printed);
    Ok(ops)
}

pub(crate) fn shown_id(id: &str, reveal: bool) -> String {
    if reveal { id.to_string() } else { mask_id_str(id) }
}

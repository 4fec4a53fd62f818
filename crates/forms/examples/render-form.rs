//! Renders one application form from a JSON application and a PNG signature, for people
//! checking the layout:
//!
//!     cargo run -p binddesk-forms --example render-form -- APPLICATION.json SIGNATURE.png OUT.pdf [--reveal] [--school NAME]

use binddesk_forms::{FormInput, RenderOptions, Renderer};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let positional: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let school = args.iter().position(|a| a == "--school").and_then(|i| args.get(i + 1));
    let positional: Vec<&String> = positional.into_iter().filter(|p| Some(*p) != school).collect();
    let [app_path, png_path, out_path] = positional.as_slice() else {
        eprintln!("usage: render-form APPLICATION.json SIGNATURE.png OUT.pdf [--reveal] [--school NAME]");
        return ExitCode::FAILURE;
    };
    let run = || -> Result<(), String> {
        let json = std::fs::read_to_string(app_path).map_err(|e| format!("{app_path}: {e}"))?;
        let app: binddesk_domain::api::Application =
            serde_json::from_str(&json).map_err(|e| format!("{app_path}: {e}"))?;
        let png = std::fs::read(png_path).map_err(|e| format!("{png_path}: {e}"))?;
        let renderer = Renderer::discover().map_err(|e| e.to_string())?;
        let opts = RenderOptions { reveal: args.iter().any(|a| a == "--reveal"), ..RenderOptions::default() };
        let input = FormInput {
            application: &app,
            signature_png: Some(&png),
            school_name: school.map(String::as_str),
        };
        let out = renderer.render_one(input, &opts).map_err(|e| e.to_string())?;
        std::fs::write(out_path, &out.pdf).map_err(|e| format!("{out_path}: {e}"))?;
        for m in &out.missing {
            eprintln!("no font has {:?} (U+{:04X}) in {}", m.character, u32::from(m.character), m.field);
        }
        println!("wrote {out_path} ({} bytes)", out.pdf.len());
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("render-form: {e}");
            ExitCode::FAILURE
        }
    }
}

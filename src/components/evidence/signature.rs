//! The customer's signature on the agreed solution: drawn with a finger or
//! a stylus on a pad (pointer events, the pressure where the device gives
//! it), kept as vector strokes with the text signed, the signer, the
//! witness and the time. A signature is never edited: signing again adds a
//! new one that supersedes it, and both stay.

use complaints_domain::model::{
    current_signature, stroke_points, stroke_text, Signature, PAD_UNITS,
};
use complaints_domain::Complaint;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::CanvasRenderingContext2d;

use crate::i18n::{tr, Text};
use crate::platform;
use crate::state::use_app_state;

/// A point in pad units and its pressure.
type PadPoint = (u16, u16, u8);

/// The pad's drawing surface, in pixels (its aspect is the signature's).
const PAD_W: u32 = 900;
const PAD_H: u32 = 300;

/// A signature drawn as SVG polylines (vector, sharp at any size and in print).
pub fn signature_svg(s: &Signature) -> impl IntoView {
    let (w, h) = (u32::from(s.aspect.0.max(1)), u32::from(s.aspect.1.max(1)));
    let height = u32::from(PAD_UNITS) * h / w;
    let lines = s
        .strokes
        .iter()
        .filter_map(|stroke| stroke_points(stroke))
        .map(|points| {
            let text = points
                .iter()
                .map(|(x, y, _)| format!("{x},{}", u32::from(*y) * h / w))
                .collect::<Vec<_>>()
                .join(" ");
            view! { <polyline points=text fill="none" stroke="currentColor" stroke-width="5"
            stroke-linecap="round" stroke-linejoin="round"/> }
        })
        .collect_view();
    view! {
        <svg class="signature__ink" viewBox=format!("0 0 {PAD_UNITS} {height}") role="img"
            aria-label=s.signer.clone() data-testid="signature-ink">{lines}</svg>
    }
}

/// What a signature says besides its ink.
fn signature_facts(s: &Signature, lang: complaints_domain::Lang) -> String {
    Text::SignedBy.fill(lang, &[&s.signer, &s.by, &platform::local_time(s.at)])
}

#[component]
pub(super) fn SignatureSection(id: String, current: Memo<Option<Complaint>>) -> impl IntoView {
    let state = use_app_state();
    let lang = state.lang;
    let record = StoredValue::new(id);
    let signatures = Memo::new(move |_| {
        current.with(|c| c.as_ref().map(|c| c.signatures.clone()).unwrap_or_default())
    });
    let standing = Memo::new(move |_| signatures.with(|all| current_signature(all).cloned()));
    let older = Memo::new(move |_| {
        let standing_id = standing.with(|s| s.as_ref().map(|s| s.id.clone()));
        let mut list: Vec<Signature> = signatures
            .get()
            .into_iter()
            .filter(|s| Some(&s.id) != standing_id.as_ref())
            .collect();
        list.reverse();
        list
    });

    let editing = RwSignal::new(false);
    let text = RwSignal::new(String::new());
    let signer = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let strokes = StoredValue::new(Vec::<Vec<(u16, u16, u8)>>::new());
    let drawing = StoredValue::new(false);
    let pad = NodeRef::<leptos::html::Canvas>::new();

    let start = move |_| {
        // The agreed solution as it stands, and the customer, to start from.
        let (solution, customer) = current.with_untracked(|c| {
            c.as_ref().map_or_else(Default::default, |c| {
                let solution = [&c.final_result, &c.tracking, &c.demand]
                    .into_iter()
                    .find(|t| !t.trim().is_empty())
                    .cloned()
                    .unwrap_or_default();
                (solution, c.customer_name.clone())
            })
        });
        if text.get_untracked().trim().is_empty() {
            text.set(solution);
        }
        if signer.get_untracked().trim().is_empty() {
            signer.set(customer);
        }
        strokes.set_value(Vec::new());
        error.set(None);
        saved.set(false);
        editing.set(true);
    };

    let context = move || -> Option<CanvasRenderingContext2d> {
        let canvas = pad.get_untracked()?;
        let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.unchecked_into();
        ctx.set_line_width(4.0);
        ctx.set_line_cap("round");
        ctx.set_line_join("round");
        Some(ctx)
    };
    // Where the pointer is: pad units (0–1000 on each axis), the pressure
    // (0–100; 50 where the device gives none) and canvas pixels.
    let locate = move |ev: &web_sys::PointerEvent| -> Option<(PadPoint, (f64, f64))> {
        let canvas = pad.get_untracked()?;
        let rect = canvas.get_bounding_client_rect();
        if rect.width() <= 0.0 || rect.height() <= 0.0 {
            return None;
        }
        // `clientX` is an i32 in web-sys's stable bindings and an f64 with
        // `web_sys_unstable_apis` (the wasm build): `f64::from` takes both.
        #[allow(clippy::useless_conversion)]
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let fx = ((x - rect.left()) / rect.width()).clamp(0.0, 1.0);
        let fy = ((y - rect.top()) / rect.height()).clamp(0.0, 1.0);
        let pressure = match f64::from(ev.pressure()) {
            p if p > 0.0 && ev.pointer_type() == "pen" => {
                (p * 100.0).round().clamp(1.0, 100.0) as u8
            }
            _ => 50,
        };
        let units = f64::from(PAD_UNITS);
        Some((
            (
                (fx * units).round() as u16,
                (fy * units).round() as u16,
                pressure,
            ),
            (fx * f64::from(PAD_W), fy * f64::from(PAD_H)),
        ))
    };
    let down = move |ev: web_sys::PointerEvent| {
        ev.prevent_default();
        let Some((point, (x, y))) = locate(&ev) else {
            return;
        };
        if let Some(canvas) = pad.get_untracked() {
            let _ = canvas.set_pointer_capture(ev.pointer_id());
        }
        drawing.set_value(true);
        strokes.update_value(|s| s.push(vec![point]));
        if let Some(ctx) = context() {
            ctx.begin_path();
            ctx.move_to(x, y);
            ctx.line_to(x + 0.1, y + 0.1);
            ctx.stroke();
        }
    };
    let moved = move |ev: web_sys::PointerEvent| {
        if !drawing.get_value() {
            return;
        }
        ev.prevent_default();
        let Some((point, (x, y))) = locate(&ev) else {
            return;
        };
        strokes.update_value(|s| {
            if let Some(stroke) = s.last_mut() {
                if stroke.last() != Some(&point) {
                    stroke.push(point);
                }
            }
        });
        if let Some(ctx) = context() {
            ctx.line_to(x, y);
            ctx.stroke();
        }
    };
    let up = move |_: web_sys::PointerEvent| drawing.set_value(false);
    let clear = move |_| {
        strokes.set_value(Vec::new());
        if let Some(ctx) = context() {
            ctx.clear_rect(0.0, 0.0, f64::from(PAD_W), f64::from(PAD_H));
        }
    };
    let save = move |_| {
        let lines: Vec<String> = strokes.with_value(|s| s.iter().map(|p| stroke_text(p)).collect());
        if lines.is_empty() {
            error.set(Some(Text::SignatureEmpty.get(lang.get_untracked()).into()));
            return;
        }
        let (t, who) = (text.get_untracked(), signer.get_untracked());
        let missing = if t.trim().is_empty() {
            Some(Text::SignatureNoText)
        } else if who.trim().is_empty() {
            Some(Text::SignatureNoSigner)
        } else {
            None
        };
        if let Some(missing) = missing {
            error.set(Some(missing.get(lang.get_untracked()).into()));
            return;
        }
        spawn_local(async move {
            let aspect = (PAD_W as u16, PAD_H as u16);
            match state.sign(&record.get_value(), lines, aspect, t, who).await {
                Ok(()) => {
                    editing.set(false);
                    error.set(None);
                    saved.set(true);
                    strokes.set_value(Vec::new());
                }
                Err(e) => {
                    platform::log_error("signature not saved", &e.detail());
                    error.set(Some(e.message(lang.get_untracked())));
                }
            }
        });
    };

    view! {
        <div class="panel signature" data-testid="signature">
            <h3>{tr(lang, Text::Signature)}</h3>
            {move || standing.get().map(|s| {
                let (id, said, ink) = (s.id.clone(), s.text.clone(), signature_svg(&s));
                view! {
                    <figure class="signature__current" data-testid="signature-current" data-signature-id=id>
                        <blockquote class="signature__text">{said}</blockquote>
                        {ink}
                        <figcaption class="hint">{move || signature_facts(&s, lang.get())}</figcaption>
                    </figure>
                }
            })}
            <Show when=move || saved.get()>
                <p class="notice notice--ok" role="status">{tr(lang, Text::SignatureSaved)}</p>
            </Show>
            <Show when=move || !older.with(Vec::is_empty)>
                <details class="signature__older" data-testid="signature-older">
                    <summary>{tr(lang, Text::Superseded)}" ("{move || older.with(Vec::len)}")"</summary>
                    {move || older.get().into_iter().map(|s| view! {
                        <figure class="signature__old" data-signature-id=s.id.clone()>
                            <blockquote class="signature__text">{s.text.clone()}</blockquote>
                            {signature_svg(&s)}
                            <figcaption class="hint">{
                                let s = s.clone();
                                move || signature_facts(&s, lang.get())
                            }</figcaption>
                        </figure>
                    }).collect_view()}
                </details>
            </Show>
            <Show when=move || !editing.get()>
                <button type="button" class="btn" data-testid="signature-start" on:click=start>
                    {move || if standing.with(Option::is_some) { Text::SignAgain.get(lang.get()) } else { Text::Signature.get(lang.get()) }}
                </button>
            </Show>
            <Show when=move || editing.get()>
                <label class="field">
                    <span class="field__label">{tr(lang, Text::SignatureText)}</span>
                    <textarea class="field__control" rows="3" maxlength="4000" data-testid="signature-text"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </label>
                <label class="field">
                    <span class="field__label">{tr(lang, Text::Signer)}</span>
                    <input class="field__control" type="text" maxlength="50" data-testid="signature-signer"
                        prop:value=move || signer.get() on:input=move |ev| signer.set(event_target_value(&ev))/>
                </label>
                <canvas class="signature__pad" node_ref=pad width=PAD_W height=PAD_H data-testid="signature-pad"
                    aria-label=tr(lang, Text::SignHere)
                    on:pointerdown=down on:pointermove=moved on:pointerup=up on:pointercancel=up></canvas>
                <p class="hint">{tr(lang, Text::SignHere)}</p>
                <div class="signature__actions">
                    <button type="button" class="btn" data-testid="signature-clear" on:click=clear>{tr(lang, Text::ClearPad)}</button>
                    <button type="button" class="btn btn--primary" data-testid="signature-save" on:click=save>{tr(lang, Text::SaveSignature)}</button>
                </div>
            </Show>
            {move || error.get().map(|m| view! { <p class="notice notice--error" role="alert" data-testid="signature-error">{m}</p> })}
        </div>
    }
}

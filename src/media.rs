//! Photos as the device prepares them, with no network: decoded with the
//! camera's orientation applied (`createImageBitmap` honours EXIF
//! orientation), drawn onto a canvas at most 1600 pixels on the long edge
//! and encoded again as JPEG at 0.8 — which also leaves every metadata
//! block behind, location included. The encoded blob's real type is
//! checked (a browser that cannot write JPEG quietly returns PNG): WebP is
//! tried next, and anything else is refused. A small JPEG thumbnail goes
//! with the photo's field so every tablet can list it at once; the SHA-256
//! names the file on the server.
//!
//! Also the device's location, only when the user asks.

use complaints_domain::model::{
    MAX_PHOTO_BYTES, MAX_PHOTO_EDGE, MAX_THUMB_CHARS, PHOTO_TYPES, THUMB_EDGE,
};
use complaints_domain::Lang;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

use crate::i18n::Text;

/// Why a photo could not be prepared.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaError {
    /// The file is not an image this browser can read.
    NotAnImage,
    /// Even compressed harder, the photo is over the limit.
    TooLarge,
    /// The browser can encode neither JPEG nor WebP.
    NoEncoder,
    /// Something else in the browser failed.
    Browser(String),
}

impl MediaError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            MediaError::NotAnImage => Text::PhotoNotAnImage.get(lang).into(),
            MediaError::TooLarge => Text::PhotoTooLarge.get(lang).into(),
            MediaError::NoEncoder => Text::PhotoNoEncoder.get(lang).into(),
            MediaError::Browser(_) => Text::PhotoFailed.get(lang).into(),
        }
    }
}

fn browser(e: JsValue) -> MediaError {
    MediaError::Browser(e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

/// A photo ready to keep and upload.
pub struct Prepared {
    pub blob: Blob,
    pub mime: String,
    pub bytes: u32,
    pub width: u32,
    pub height: u32,
    /// `data:image/jpeg;base64,…`, at most [`MAX_THUMB_CHARS`].
    pub thumb: String,
    pub sha256: String,
}

/// The size that fits `edge` on the long side (never enlarged).
fn fit(width: u32, height: u32, edge: u32) -> (u32, u32) {
    let long = width.max(height).max(1);
    if long <= edge {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(edge) / f64::from(long);
    (
        ((f64::from(width) * scale).round() as u32).max(1),
        ((f64::from(height) * scale).round() as u32).max(1),
    )
}

fn canvas_of(
    bitmap: &ImageBitmap,
    width: u32,
    height: u32,
) -> Result<HtmlCanvasElement, MediaError> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| MediaError::Browser("no document".into()))?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(browser)?
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let ctx: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(browser)?
        .ok_or_else(|| MediaError::Browser("no 2d context".into()))?
        .unchecked_into();
    ctx.set_image_smoothing_enabled(true);
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(
        bitmap,
        0.0,
        0.0,
        f64::from(width),
        f64::from(height),
    )
    .map_err(browser)?;
    Ok(canvas)
}

/// `canvas.toBlob(type, quality)` as a future.
async fn encode(canvas: &HtmlCanvasElement, mime: &str, quality: f64) -> Result<Blob, MediaError> {
    let mut failed = None;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let callback = Closure::once_into_js(move |blob: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &blob);
        });
        if let Err(e) = canvas.to_blob_with_type_and_encoder_options(
            callback.unchecked_ref(),
            mime,
            &JsValue::from_f64(quality),
        ) {
            failed = Some(e);
        }
    });
    if let Some(e) = failed {
        return Err(browser(e));
    }
    JsFuture::from(promise)
        .await
        .map_err(browser)?
        .dyn_into::<Blob>()
        .map_err(|_| MediaError::NoEncoder)
}

/// Encodes as JPEG, else WebP, at `quality`; the blob and its real type.
async fn encode_photo(
    canvas: &HtmlCanvasElement,
    quality: f64,
) -> Result<(Blob, String), MediaError> {
    for mime in PHOTO_TYPES {
        let blob = encode(canvas, mime, quality).await?;
        let kind = blob.type_();
        if kind == *mime {
            return Ok((blob, kind));
        }
    }
    Err(MediaError::NoEncoder)
}

/// The SHA-256 of `blob`, lower-case hex (Web Crypto).
pub async fn sha256_hex(blob: &Blob) -> Result<String, MediaError> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(browser)?;
    let subtle = web_sys::window()
        .ok_or_else(|| MediaError::Browser("no window".into()))?
        .crypto()
        .map_err(browser)?
        .subtle();
    let digest = subtle
        .digest_with_str_and_buffer_source("SHA-256", &buffer.unchecked_into())
        .map_err(browser)?;
    let digest = JsFuture::from(digest).await.map_err(browser)?;
    let bytes = js_sys::Uint8Array::new(&digest).to_vec();
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Prepares `file` (from the camera or the gallery): see the module's text.
pub async fn prepare_photo(file: &Blob) -> Result<Prepared, MediaError> {
    let window = web_sys::window().ok_or_else(|| MediaError::Browser("no window".into()))?;
    let bitmap: ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob(file)
            .map_err(|_| MediaError::NotAnImage)?,
    )
    .await
    .map_err(|_| MediaError::NotAnImage)?
    .unchecked_into();
    let (width, height) = fit(bitmap.width(), bitmap.height(), MAX_PHOTO_EDGE);
    let canvas = canvas_of(&bitmap, width, height)?;
    let mut encoded = None;
    for quality in [0.8, 0.6, 0.4] {
        let (blob, mime) = encode_photo(&canvas, quality).await?;
        if blob.size() <= f64::from(MAX_PHOTO_BYTES) {
            encoded = Some((blob, mime));
            break;
        }
    }
    let (blob, mime) = encoded.ok_or(MediaError::TooLarge)?;
    let (tw, th) = fit(bitmap.width(), bitmap.height(), THUMB_EDGE);
    let small = canvas_of(&bitmap, tw, th)?;
    bitmap.close();
    let mut thumb = String::new();
    for quality in [0.6, 0.4, 0.2] {
        let url = small
            .to_data_url_with_type_and_encoder_options("image/jpeg", &JsValue::from_f64(quality))
            .map_err(browser)?;
        if complaints_domain::model::is_thumbnail(&url) {
            thumb = url;
            break;
        }
    }
    if thumb.is_empty() || thumb.len() > MAX_THUMB_CHARS {
        return Err(MediaError::NoEncoder);
    }
    let sha256 = sha256_hex(&blob).await?;
    Ok(Prepared {
        bytes: blob.size() as u32,
        blob,
        mime,
        width,
        height,
        thumb,
        sha256,
    })
}

/// An address the page can show `blob` at (until [`revoke`]).
pub fn object_url(blob: &Blob) -> Option<String> {
    web_sys::Url::create_object_url_with_blob(blob).ok()
}

pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// How much the origin's storage holds and may hold, in bytes
/// (`navigator.storage.estimate()`), when the browser says.
pub async fn storage_estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let estimate = JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let get = |name: &str| {
        js_sys::Reflect::get(&estimate, &JsValue::from_str(name))
            .ok()
            .and_then(|v| v.as_f64())
    };
    Some((get("usage")?, get("quota")?))
}

/// A fix from the device's location service.
pub struct Fix {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub at_ms: f64,
}

/// Why no fix came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixError {
    Denied,
    Unavailable,
    Timeout,
    Unsupported,
}

impl FixError {
    pub fn message(self, lang: Lang) -> &'static str {
        match self {
            FixError::Denied => Text::LocationDenied.get(lang),
            FixError::Unavailable => Text::LocationUnavailable.get(lang),
            FixError::Timeout => Text::LocationTimeout.get(lang),
            FixError::Unsupported => Text::LocationUnsupported.get(lang),
        }
    }
}

/// Asks the device where it is (GPS works with no network), at most 30 s.
pub async fn current_position() -> Result<Fix, FixError> {
    let geolocation = web_sys::window()
        .ok_or(FixError::Unsupported)?
        .navigator()
        .geolocation()
        .map_err(|_| FixError::Unsupported)?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let ok = Closure::once_into_js(move |p: JsValue| {
            let _ = resolve.call1(&JsValue::NULL, &p);
        });
        let err = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        let options = web_sys::PositionOptions::new();
        options.set_enable_high_accuracy(true);
        options.set_timeout(30_000);
        options.set_maximum_age(60_000);
        // Called by name: its typed binding differs with `web_sys_unstable_apis`.
        let call = js_sys::Reflect::get(&geolocation, &JsValue::from_str("getCurrentPosition"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        if let Some(call) = call {
            let _ = call.call3(&geolocation, &ok, &err, &options);
        }
    });
    match JsFuture::from(promise).await {
        Ok(p) => {
            // Read by name: the binding's type differs with `web_sys_unstable_apis`.
            let get = |from: &JsValue, name: &str| {
                js_sys::Reflect::get(from, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
            };
            let coords = get(&p, "coords");
            let number = |from: &JsValue, name: &str| get(from, name).as_f64();
            match (
                number(&coords, "latitude"),
                number(&coords, "longitude"),
                number(&coords, "accuracy"),
            ) {
                (Some(lat), Some(lon), Some(accuracy_m)) => Ok(Fix {
                    lat,
                    lon,
                    accuracy_m,
                    at_ms: number(&p, "timestamp").unwrap_or_else(js_sys::Date::now),
                }),
                _ => Err(FixError::Unavailable),
            }
        }
        Err(e) => {
            let code = js_sys::Reflect::get(&e, &JsValue::from_str("code"))
                .ok()
                .and_then(|v| v.as_f64());
            Err(match code {
                Some(1.0) => FixError::Denied,
                Some(3.0) => FixError::Timeout,
                _ => FixError::Unavailable,
            })
        }
    }
}

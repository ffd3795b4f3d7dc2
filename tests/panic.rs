//! The bar a panic leaves on the page (src/panic.rs), in a real browser:
//! it says what happened in the page's language, shows the panic's message
//! as text, and offers a reload.

use complaints_app::panic::show_bar;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

#[wasm_bindgen_test]
fn a_panic_shows_its_message_as_text_and_a_reload_button() {
    let doc = document();
    doc.document_element()
        .expect("html")
        .set_attribute("lang", "zh-CN")
        .expect("lang");
    let message = "panicked at src/x.rs:1:1: <img src=x onerror=alert(1)> index out of bounds";
    show_bar(message);
    let bar = doc
        .get_element_by_id("panic-bar")
        .expect("the bar is shown");
    assert_eq!(bar.get_attribute("role").as_deref(), Some("alert"));
    let text = bar.text_content().unwrap_or_default();
    assert!(text.contains("应用出错已停止"), "{text}");
    assert!(text.contains(message), "the message, as text: {text}");
    assert!(
        bar.query_selector("img").expect("query").is_none(),
        "the message never becomes markup"
    );
    let button = bar
        .query_selector("button")
        .expect("query")
        .expect("a reload button");
    assert_eq!(button.text_content().as_deref(), Some("重新加载"));
    // A second panic does not stack a second bar.
    show_bar("again");
    assert_eq!(doc.get_elements_by_class_name("panic-bar").length(), 1);
    bar.remove();
}

//! Test helpers: mount the app in a `VirtualDom`, find elements by their HTML `id`,
//! inject clicks, input and other events, and read what the user sees (the HTML
//! `dioxus-ssr` renders, and its text).

#![allow(dead_code, unreachable_pub)]

pub mod fakes;
mod tracker;

use std::any::Any;
use std::rc::Rc;

use dioxus::prelude::*;
use dioxus_core::{Event, VirtualDom};
use dioxus_html::{
    PlatformEventData, SerializedFileData, SerializedFormData, SerializedFormObject, SerializedHtmlEventConverter,
    SerializedMouseData, SerializedPointerData, SerializedScrollData,
};
use keis_ui::{App, AppProps, Services};

use tracker::Tracker;

/// A mounted app.
pub struct Ui {
    dom: VirtualDom,
    tracker: Tracker,
}

impl Ui {
    /// Mounts [`App`] with `services` and renders it.
    pub fn app(services: Services) -> Self {
        dioxus_html::set_event_converter(Box::new(SerializedHtmlEventConverter));
        let mut dom = VirtualDom::new_with_props(App, AppProps { services });
        let mut tracker = Tracker::default();
        dom.rebuild(&mut tracker);
        let mut ui = Self { dom, tracker };
        ui.settle();
        ui
    }

    /// Renders what changed and runs the tasks that can go on (an answer that arrived).
    pub fn settle(&mut self) {
        for _ in 0..8 {
            self.dom.render_immediate(&mut self.tracker);
        }
    }

    /// The rendered HTML.
    pub fn html(&self) -> String {
        dioxus_ssr::render(&self.dom)
    }

    /// The visible text: the HTML without tags, whitespace collapsed.
    pub fn text(&self) -> String {
        let html = self.html();
        let mut out = String::with_capacity(html.len());
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    out.push(' ');
                }
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        unescape(&out.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    /// Whether an element with this HTML id is on screen.
    pub fn has(&self, id: &str) -> bool {
        self.html().contains(&format!("id=\"{id}\""))
    }

    /// The text inside the element with this id (up to its closing tag; for leaf elements).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let html = self.html();
        let at = html.find(&format!("id=\"{id}\""))?;
        let open_end = at + html[at..].find('>')? + 1;
        let tag_start = html[..at].rfind('<')?;
        let tag: String = html[tag_start + 1..].chars().take_while(|c| c.is_alphanumeric()).collect();
        let close = html[open_end..].find(&format!("</{tag}>")).map_or(html.len(), |i| open_end + i);
        let inner = &html[open_end..close];
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        Some(unescape(&text.split_whitespace().collect::<Vec<_>>().join(" ")))
    }

    fn fire(&mut self, name: &str, id: &str, data: Box<dyn Any>, bubbles: bool) {
        assert!(self.has(id), "no element with id {id:?} on screen:\n{}", self.text());
        let element =
            self.tracker.element(id).unwrap_or_else(|| panic!("element {id:?} has no listener or was not tracked"));
        let event = Event::new(Rc::new(PlatformEventData::new(data)) as Rc<dyn Any>, bubbles);
        self.dom.runtime().handle_event(name, event, element);
        self.settle();
    }

    /// Clicks the element with this id.
    pub fn click(&mut self, id: &str) {
        self.fire("click", id, Box::<SerializedMouseData>::default(), true);
    }

    /// Types `value` into the input with this id (one `input` event with the whole value).
    pub fn input(&mut self, id: &str, value: &str) {
        self.fire("input", id, Box::new(SerializedFormData::new(value.to_owned(), vec![])), true);
    }

    /// Chooses `value` in the select with this id.
    pub fn select(&mut self, id: &str, value: &str) {
        self.fire("change", id, Box::new(SerializedFormData::new(value.to_owned(), vec![])), true);
    }

    /// Chooses `paths` in the file input with this id (as the platform's file dialog does).
    pub fn choose_files(&mut self, id: &str, paths: &[&std::path::Path]) {
        let values = paths
            .iter()
            .map(|p| SerializedFormObject {
                key: id.to_owned(),
                text: None,
                file: Some(SerializedFileData {
                    path: p.to_path_buf(),
                    size: 0,
                    last_modified: 0,
                    content_type: None,
                    contents: None,
                }),
            })
            .collect();
        self.fire("change", id, Box::new(SerializedFormData::new(String::new(), values)), true);
    }

    /// Scrolls the element with this id to `top` pixels.
    pub fn scroll(&mut self, id: &str, top: f64) {
        let data = SerializedScrollData {
            scroll_top: top,
            scroll_left: 0.0,
            scroll_width: 0,
            scroll_height: 0,
            client_width: 0,
            client_height: 0,
        };
        self.fire("scroll", id, Box::new(data), false);
    }

    /// A pointer event (`pointerdown`, `pointermove`, `pointerup`) at (x, y) in the element.
    pub fn pointer(&mut self, name: &str, id: &str, x: f64, y: f64) {
        let data: SerializedPointerData = serde_json::from_value(serde_json::json!({
            "alt_key": false, "button": 0, "buttons": 1, "client_x": x, "client_y": y, "ctrl_key": false,
            "meta_key": false, "offset_x": x, "offset_y": y, "page_x": x, "page_y": y, "screen_x": x,
            "screen_y": y, "shift_key": false, "pointer_id": 1, "width": 1.0, "height": 1.0, "pressure": 0.5,
            "tangential_pressure": 0.0, "tilt_x": 0, "tilt_y": 0, "twist": 0, "pointer_type": "touch",
            "is_primary": true
        }))
        .expect("pointer data");
        self.fire(name, id, Box::new(data), true);
    }

    /// Unlocks with `pin` and chooses the position with this id.
    pub fn unlock_as(&mut self, pin: &str, position_id: &str) {
        self.input("pin", pin);
        self.click("unlock");
        if self.has(&format!("position-{position_id}")) {
            self.click(&format!("position-{position_id}"));
        }
        assert!(self.has("acting-as"), "not in the shell after unlocking:\n{}", self.text());
    }
}

fn unescape(s: &str) -> String {
    s.replace("&#39;", "'").replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// How many times `needle` occurs in `hay`.
pub fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

/// Mark the `Element` import as used in every test binary.
pub type _E = Element;

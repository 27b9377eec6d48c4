//! Follows the mutations a `VirtualDom` writes to learn which element id (`ElementId`)
//! carries which HTML `id` attribute, static (from the template) or dynamic.

use std::collections::HashMap;

use dioxus_core::{AttributeValue, ElementId, Template, TemplateAttribute, TemplateNode, WriteMutations};

#[derive(Default)]
pub struct Tracker {
    /// HTML id → the element that last carried it.
    by_html_id: HashMap<String, ElementId>,
    /// The template root loaded last: `assign_node_id` paths start from it.
    current: Option<(Template, usize)>,
}

impl Tracker {
    pub fn element(&self, html_id: &str) -> Option<ElementId> {
        self.by_html_id.get(html_id).copied()
    }

    fn note_static(&mut self, node: &TemplateNode, id: ElementId) {
        if let TemplateNode::Element { attrs, .. } = node {
            for a in attrs.iter() {
                if let TemplateAttribute::Static { name: "id", value, .. } = a {
                    self.by_html_id.insert((*value).to_owned(), id);
                }
            }
        }
    }
}

impl WriteMutations for Tracker {
    fn append_children(&mut self, _: ElementId, _: usize) {}

    fn assign_node_id(&mut self, path: &'static [u8], id: ElementId) {
        let Some((template, root)) = self.current else { return };
        let mut node = &template.roots[root];
        for i in path {
            match node {
                TemplateNode::Element { children, .. } => node = &children[*i as usize],
                _ => return,
            }
        }
        self.note_static(node, id);
    }

    fn create_placeholder(&mut self, _: ElementId) {}

    fn create_text_node(&mut self, _: &str, _: ElementId) {}

    fn load_template(&mut self, template: Template, index: usize, id: ElementId) {
        self.current = Some((template, index));
        self.note_static(&template.roots[index], id);
    }

    fn replace_node_with(&mut self, _: ElementId, _: usize) {}

    fn replace_placeholder_with_nodes(&mut self, _: &'static [u8], _: usize) {}

    fn insert_nodes_after(&mut self, _: ElementId, _: usize) {}

    fn insert_nodes_before(&mut self, _: ElementId, _: usize) {}

    fn set_attribute(&mut self, name: &'static str, _: Option<&'static str>, value: &AttributeValue, id: ElementId) {
        if name == "id"
            && let AttributeValue::Text(v) = value
        {
            self.by_html_id.insert(v.clone(), id);
        }
    }

    fn set_node_text(&mut self, _: &str, _: ElementId) {}

    fn create_event_listener(&mut self, _: &'static str, _: ElementId) {}

    fn remove_event_listener(&mut self, _: &'static str, _: ElementId) {}

    fn remove_node(&mut self, _: ElementId) {}

    fn push_root(&mut self, _: ElementId) {}
}
